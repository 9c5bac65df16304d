/**
 * The browser build's ml-matrix (package.json "browser" maps core/ml-matrix.js here): a static
 * import of the classes the library uses, since `createRequire` does not exist in a browser.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';

export interface MlMatrix {
  Matrix: typeof Matrix;
  EigenvalueDecomposition: typeof EigenvalueDecomposition;
  CholeskyDecomposition: typeof CholeskyDecomposition;
  solve: typeof solve;
}

const lib: MlMatrix = { Matrix, EigenvalueDecomposition, CholeskyDecomposition, solve };

export function mlMatrix(): MlMatrix {
  return lib;
}
