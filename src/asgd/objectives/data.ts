/** Matrix helpers over row-major Float64Arrays, and symmetric spectra via ml-matrix. */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export function toMatrix(data: Float64Array, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]);
  return m;
}

/** Smallest and largest eigenvalue of a symmetric matrix (ml-matrix's symmetric eigensolver). */
export function symmetricSpectrumBounds(m: Matrix): { min: number; max: number } {
  const ev = new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues;
  return { min: Math.min(...ev), max: Math.max(...ev) };
}

/** (1/n) AᵀA for row-major A (n×d). */
export function gramOverN(A: Float64Array, n: number, d: number): Matrix {
  const G = new Matrix(d, d);
  for (let a = 0; a < d; a++) {
    for (let c = a; c < d; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += A[i * d + a] * A[i * d + c];
      G.set(a, c, s / n);
      G.set(c, a, s / n);
    }
  }
  return G;
}
