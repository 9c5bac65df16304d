/**
 * Ornstein–Uhlenbeck moments (He et al. Section 4, linear regression with τ = 0):
 *   dX = −Ã(X − x*) dt + G dB,  Ã symmetric positive definite,
 *   E X(t) = x* + e^{−Ãt}(x0 − x*),
 *   Cov X(t) = ∫₀ᵗ e^{−Ãs} GGᵀ e^{−Ãs} ds = C∞ − e^{−Ãt} C∞ e^{−Ãt},  Ã C∞ + C∞ Ã = GGᵀ.
 * With Ã = QΛQᵀ (ml-matrix's symmetric eigensolver) the Lyapunov equation is solved entrywise
 * in the eigenbasis: C'_ij = S'_ij (1 − e^{−(λ_i+λ_j)t})/(λ_i + λ_j), S' = Qᵀ GGᵀ Q.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** Mean and covariance (row-major d×d) of an Ornstein–Uhlenbeck state at time t. */
export interface OuMoments {
  mean: Float64Array;
  /** Row-major d × d. */
  cov: Float64Array;
}

/**
 * The exact mean and covariance at time t of dX = −Ã(X − x*) dt + G dB from X(0) = x0 (Ã symmetric
 * positive definite): E X(t) = x* + e^{−Ãt}(x0 − x*), Cov X(t) = C∞ − e^{−Ãt} C∞ e^{−Ãt} with
 * Ã C∞ + C∞ Ã = GGᵀ (He et al. Section 4 with τ = 0).
 *
 * @example
 * ```ts
 * import { ouMoments } from 'asgd-sdde';
 *
 * const m = ouMoments([[2]], [0], [[1]], [1], 1); // dX = −2X dt + dB
 * console.log(m.mean[0], m.cov[0]); // e^{−2} = 0.1353…, (1 − e^{−4})/4 = 0.2454…
 * //> 0.1353352832366127 0.24542109027781644
 * ```
 */
export function ouMoments(Atilde: number[][], xStar: ArrayLike<number>, GGt: number[][], x0: ArrayLike<number>, t: number): OuMoments {
  const d = xStar.length;
  const eig = new EigenvalueDecomposition(new Matrix(Atilde), { assumeSymmetric: true });
  const lam = eig.realEigenvalues;
  const Q = eig.eigenvectorMatrix;
  const S = Q.transpose().mmul(new Matrix(GGt)).mmul(Q);
  const Cp = new Matrix(d, d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const s = lam[i] + lam[j];
      Cp.set(i, j, (S.get(i, j) * -Math.expm1(-s * t)) / s);
    }
  }
  const C = Q.mmul(Cp).mmul(Q.transpose());
  // e^{−Ãt}(x0 − x*) = Q e^{−Λt} Qᵀ (x0 − x*)
  const dx = Matrix.columnVector(Array.from({ length: d }, (_, i) => x0[i] - xStar[i]));
  const y = Q.transpose().mmul(dx);
  for (let i = 0; i < d; i++) y.set(i, 0, y.get(i, 0) * Math.exp(-lam[i] * t));
  const m = Q.mmul(y);
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) mean[i] = xStar[i] + m.get(i, 0);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j] = 0.5 * (C.get(i, j) + C.get(j, i));
  return { mean, cov };
}
