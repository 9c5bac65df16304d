/**
 * mathjs's Complex (complex.js) for the complex Lambert W. In Node it is complex.js itself, loaded
 * on first use (~10 ms): mathjs's Complex is that very class (mathjs only adds metadata methods to
 * its prototype), while loading all of mathjs takes 1.5 – 4 s of synchronous work on a loaded
 * machine — time in which a check's abort could not be seen — and ~90 MB (core/mathjs.ts loads
 * mathjs only where expressions are parsed). Browser bundles get core/complex.browser.ts instead
 * (package.json "browser" field), which imports the class statically from mathjs: ~16 kB.
 */
import { createRequire } from 'node:module';
import type { ComplexConstructor } from './complex-type.ts';

let ctor: ComplexConstructor | undefined;

export function complexClass(): ComplexConstructor {
  ctor ??= createRequire(import.meta.url)('complex.js') as ComplexConstructor;
  return ctor;
}
