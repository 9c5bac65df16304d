/** Generated data, matrix helpers over row-major Float64Arrays, and symmetric spectra via ml-matrix. */
import type { Matrix } from 'ml-matrix';
import { mlMatrix } from '../../core/ml-matrix.ts';
import { NormalSampler } from '../../random/normal.ts';
import { deriveEngine } from '../../random/streams.ts';

/**
 * A linear model's data from the seed's data stream `stream`: w ~ N(0, I_d), A ~ N(0,1)^{n×d}
 * (row-major), response_i = a_iᵀw + noise·z_i, drawn in that order.
 */
export function linearModelData(n: number, d: number, noise: number, seed: number, stream: number): { A: Float64Array; response: Float64Array } {
  const z = new NormalSampler(deriveEngine(seed, 'data', stream));
  const w = new Float64Array(d);
  z.fill(w);
  const A = new Float64Array(n * d);
  z.fill(A);
  const response = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += A[i * d + j] * w[j];
    response[i] = s + noise * z.next();
  }
  return { A, response };
}

export function toMatrix(data: Float64Array, rows: number, cols: number): Matrix {
  const m = new (mlMatrix().Matrix)(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, data[i * cols + j]);
  return m;
}

/** Smallest and largest eigenvalue of a symmetric matrix (ml-matrix's symmetric eigensolver). */
export function symmetricSpectrumBounds(m: Matrix): { min: number; max: number } {
  const ev = new (mlMatrix().EigenvalueDecomposition)(m, { assumeSymmetric: true }).realEigenvalues;
  return { min: Math.min(...ev), max: Math.max(...ev) };
}

/** (1/n) AᵀA for row-major A (n×d). */
export function gramOverN(A: Float64Array, n: number, d: number): Matrix {
  const G = new (mlMatrix().Matrix)(d, d);
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
