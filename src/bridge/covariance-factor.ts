/**
 * Square-root factors σ with σσᵀ = S for a covariance S (He et al. Section 3.1: Σ(x)/b = σσᵀ).
 *
 * `covarianceFactor` (setup time) uses ml-matrix: Cholesky when S is positive definite, else the
 * symmetric eigendecomposition V·diag(√λ)·Vᵀ, which also covers singular (semidefinite) S. An S
 * with an eigenvalue below −1e-10·max(1, λ_max) is refused as not positive semidefinite.
 *
 * `choleskySemidefiniteInPlace` is the allocation-free kernel for a state-dependent σ(X(t−θ))
 * that is refactored every step; a library call there would allocate per step.
 */
import { mlMatrix } from '../core/ml-matrix.ts';
import { ConfigError, describe } from '../core/errors.ts';

/**
 * A square-root factor σ (row-major d×d) with σσᵀ = S for a covariance S (He et al. Section 3.1):
 * Cholesky when S is positive definite, else V·diag(√λ)·Vᵀ from the symmetric eigendecomposition.
 *
 * @param S - the covariance, row-major d×d.
 * @param d - its dimension (integer in [1, 10⁴]).
 * @param field - the field named in errors.
 * @throws {@link ConfigError} `field` when d is not such an integer, S has the wrong length, is not
 * finite or symmetric, or has an eigenvalue below −10⁻¹⁰·max(1, λ_max) (not positive semidefinite).
 */
export function covarianceFactor(S: Float64Array, d: number, field: string): Float64Array {
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 10_000) throw new ConfigError(field, `the dimension must be an integer in [1, 10000], got ${describe(d)}`);
  if (!(S instanceof Float64Array) && !Array.isArray(S)) throw new ConfigError(field, `must be a ${d}×${d} covariance (row-major Float64Array), got ${describe(S)}`);
  if (S.length !== d * d) throw new ConfigError(field, `must have ${d}·${d} = ${d * d} entries, got ${S.length}`);
  let scale = 0;
  for (let i = 0; i < d * d; i++) {
    if (!Number.isFinite(S[i])) throw new ConfigError(field, `covariance has a non-finite entry ${S[i]}`);
    scale = Math.max(scale, Math.abs(S[i]));
  }
  for (let a = 0; a < d; a++) {
    if (S[a * d + a] < 0) throw new ConfigError(field, `covariance is not positive semidefinite: diagonal entry [${a}][${a}] = ${S[a * d + a]} < 0`);
    for (let c = a + 1; c < d; c++) {
      const x = S[a * d + c];
      const y = S[c * d + a];
      // relative to the matrix's scale, so tiny covariances are judged like large ones
      if (Math.abs(x - y) > 1e-12 * scale) throw new ConfigError(field, `covariance is not symmetric: [${a}][${c}] = ${x}, [${c}][${a}] = ${y}`);
    }
  }
  const { CholeskyDecomposition, EigenvalueDecomposition, Matrix } = mlMatrix();
  // Entries near the ends of the double range (1e308) would overflow or underflow inside the
  // decompositions (sums of squares, eigenvalues): such an S is factored as S/s, the factor then
  // multiplied by √s (ordinary scales are factored as given, bit for bit as before). The
  // Frobenius norm bounds every eigenvalue: if it is beyond the double range, so may be one.
  const s = scale > 1e150 || (scale > 0 && scale < 1e-150) ? scale : 1;
  let fro = 0;
  for (let i = 0; i < d * d; i++) fro += (S[i] / s) ** 2;
  if (!Number.isFinite(Math.sqrt(fro) * s)) throw new ConfigError(field, `covariance is beyond the double range: its norm ${Math.sqrt(fro).toPrecision(3)}·${s.toExponential(2)} exceeds ${Number.MAX_VALUE.toExponential(2)}, so its eigenvalues cannot be represented`);
  const root = Math.sqrt(s);
  const M = new Matrix(d, d);
  for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) M.set(a, c, S[a * d + c] / s);
  const chol = new CholeskyDecomposition(M);
  const out = new Float64Array(d * d);
  if (chol.isPositiveDefinite()) {
    const L = chol.lowerTriangularMatrix;
    for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) out[a * d + c] = L.get(a, c) * root;
    return out;
  }
  const eig = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const lambda = eig.realEigenvalues;
  const V = eig.eigenvectorMatrix;
  const lmax = Math.max(...lambda.map(Math.abs));
  const tol = 1e-10 * lmax; // relative: rounding in the eigensolver is ~ε·λ_max
  const lmin = Math.min(...lambda);
  if (lmin < -tol) throw new ConfigError(field, `covariance is not positive semidefinite: smallest eigenvalue ${lmin * s}`);
  for (let a = 0; a < d; a++) {
    for (let c = 0; c < d; c++) {
      // (V diag(√λ) Vᵀ)[a][c]: the symmetric square root.
      let acc = 0;
      for (let j = 0; j < d; j++) acc += V.get(a, j) * Math.sqrt(Math.max(lambda[j], 0)) * V.get(c, j);
      out[a * d + c] = acc * root;
    }
  }
  return out;
}

/**
 * Lower-triangular L with L Lᵀ = S for symmetric positive semidefinite S (row-major d×d), written
 * into `out`. A pivot at or below tol·max diag is treated as zero (semidefinite direction): its
 * column is set to 0. Allocates nothing.
 */
export function choleskySemidefiniteInPlace(S: Float64Array, d: number, out: Float64Array): void {
  let maxDiag = 0;
  for (let i = 0; i < d; i++) maxDiag = Math.max(maxDiag, Math.abs(S[i * d + i]));
  const tol = 1e-14 * Math.max(maxDiag, Number.MIN_VALUE);
  out.fill(0);
  for (let j = 0; j < d; j++) {
    let s = S[j * d + j];
    for (let k = 0; k < j; k++) s -= out[j * d + k] * out[j * d + k];
    if (s <= tol) continue; // column j stays zero
    const ljj = Math.sqrt(s);
    out[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = S[i * d + j];
      for (let k = 0; k < j; k++) t -= out[i * d + k] * out[j * d + k];
      out[i * d + j] = t / ljj;
    }
  }
}
