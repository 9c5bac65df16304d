/** Generated data, matrix helpers over row-major Float64Arrays, and symmetric spectra via ml-matrix. */
import type { Matrix } from 'ml-matrix';
import { mlMatrix } from '../../core/ml-matrix.ts';
import { ConfigError } from '../../core/errors.ts';
import { NormalSampler } from '../../random/normal.ts';
import { deriveEngine } from '../../random/streams.ts';

/** Most numbers of data a linear model may hold: 2^27 doubles (1 GB), as the classifiers. */
export const MAX_DATA_NUMBERS = 2 ** 27;
/** Most operations of its setup (the Gram matrix AᵀA/n: n·d², then its spectrum: ≤ d³): 2^37 ≈ 1.4·10¹¹, a few minutes. */
export const MAX_SETUP_OPERATIONS = 2 ** 37;

/**
 * Refuse, before any allocation, data of n rows and d columns that cannot be held or set up in
 * reasonable time: n = 10⁶, d = 10⁴ failed deep inside with "Invalid typed array length", and
 * n = 10⁷, d = 100 ran for minutes before its first iteration.
 */
export function checkDataSize(n: number, d: number, field: string): void {
  if (n * d > MAX_DATA_NUMBERS) throw new ConfigError(`${field}.n`, `n·d = ${n}·${d} = ${n * d} numbers of data is more than 2^27 (1 GB); use fewer rows or dimensions`);
  if (n * d * d > MAX_SETUP_OPERATIONS) throw new ConfigError(`${field}.d`, `setting up x*, L and μ takes n·d² = ${(n * d * d).toExponential(2)} operations (AᵀA/n), more than 2^37 ≈ 1.4·10¹¹ (minutes); use fewer rows or dimensions`);
}

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
