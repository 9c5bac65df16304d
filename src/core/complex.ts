/**
 * mathjs's Complex (complex.js) for the complex Lambert W. In Node it is taken from mathjs loaded
 * on first use (as core/mathjs.ts does: importing mathjs eagerly costs ~0.5 s and ~90 MB in every
 * process and worker thread). Browser bundles get core/complex.browser.ts instead (package.json
 * "browser" field), which imports the class statically: ~16 kB of mathjs instead of ~600 kB.
 */
import { createRequire } from 'node:module';
import type { ComplexConstructor } from './complex-type.ts';

let ctor: ComplexConstructor | undefined;

export function complexClass(): ComplexConstructor {
  ctor ??= (createRequire(import.meta.url)('mathjs') as { Complex: ComplexConstructor }).Complex;
  return ctor;
}
