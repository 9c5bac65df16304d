/**
 * The browser twin of core/complex.ts (mapped by package.json's "browser" field and by the
 * explorer build): mathjs's Complex class by a static named import, which bundlers tree-shake to
 * complex.js (~16 kB instead of ~600 kB for all of mathjs).
 */
import { Complex } from 'mathjs';
import type { ComplexConstructor } from './complex-type.ts';

// mathjs exports the Complex class at run time, but its type declarations only declare the
// instance type under that name: declare the value too.
declare module 'mathjs' {
  export const Complex: ComplexConstructor;
}

export function complexClass(): ComplexConstructor {
  return Complex;
}
