/**
 * ml-matrix, loaded on first use (as mathjs is, see mathjs.ts): its CommonJS build costs ~20 ms
 * to load in every process and worker thread, while ensembles of SDDE paths and most runs never
 * factor a matrix. The objectives and the bridge's covariance factor call `mlMatrix()` where they
 * decompose or solve.
 */
import { createRequire } from 'node:module';
import type { CholeskyDecomposition, EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';

export interface MlMatrix {
  Matrix: typeof Matrix;
  EigenvalueDecomposition: typeof EigenvalueDecomposition;
  CholeskyDecomposition: typeof CholeskyDecomposition;
  solve: typeof solve;
}

let lib: MlMatrix | undefined;

export function mlMatrix(): MlMatrix {
  return (lib ??= createRequire(import.meta.url)('ml-matrix') as MlMatrix);
}
