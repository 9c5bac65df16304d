/**
 * From coupled standard normals to the SDDE's Brownian increments: the increments √δ·z_k on the
 * coarse grid (bridged onto a fine grid when m > 1), and the map Q = σ⁻¹VΛ^{1/2} from the
 * principal axes of the minibatch-noise covariance to the SDDE's Brownian coordinates. Used by the
 * quantile and axis-quantile couplings (pair.ts, axis-coupling.ts).
 */
import { POLL_MASK } from '../core/abort.ts';
import { NormalSampler } from '../random/normal.ts';
import { deriveEngine } from '../random/streams.ts';

/**
 * The SDDE's Brownian increments for coupled standard normals z (K×d, the first `steps` rows set):
 * √δ·z_k per coarse step, or with m > 1 a Brownian bridge on each coarse step — m N(0, h) draws
 * (the seed's Brownian stream) shifted to sum to √δ·z_k. Rows past `steps` (a diverged ASGD) stay 0.
 * `poll(fine step)`, when given, is called every POLL_MASK + 1 coarse steps (it may throw to stop).
 */
export function coupledIncrements(z: Float64Array, steps: number, K: number, d: number, m: number, delta: number, seed: number, path: number, poll?: (k: number) => void): Float64Array {
  const increments = new Float64Array(K * m * d);
  const sd = Math.sqrt(delta);
  if (m === 1) {
    for (let i = 0; i < steps * d; i++) increments[i] = sd * z[i];
    return increments;
  }
  const normal = new NormalSampler(deriveEngine(seed, 'brownian', path));
  const sh = Math.sqrt(delta / m);
  for (let k = 0; k < steps; k++) {
    if (poll !== undefined && (k & POLL_MASK) === 0) poll(k * m);
    for (let i = 0; i < d; i++) {
      let sum = 0;
      for (let j = 0; j < m; j++) {
        const w = sh * normal.next();
        increments[(k * m + j) * d + i] = w;
        sum += w;
      }
      const shift = (sd * z[k * d + i] - sum) / m;
      for (let j = 0; j < m; j++) increments[(k * m + j) * d + i] += shift;
    }
  }
  return increments;
}

/**
 * Q = σ⁻¹VΛ^{1/2}: the orthogonal map from principal-axis normals to the SDDE's Brownian
 * coordinates, so that σ·Qz = VΛ^{1/2}z. σ is ml-matrix's Cholesky factor (lower triangular) when
 * C is positive definite — solved by forward substitution — else the symmetric square root
 * V'Λ^{1/2}V'ᵀ, for which Q = V. Checked: σQ = VΛ^{1/2} to rounding.
 */
export function axisToBrownian(sigma: Float64Array, axes: Float64Array, lambda: Float64Array, d: number): Float64Array {
  const R = new Float64Array(d * d);
  let scale = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      R[i * d + j] = axes[i * d + j] * Math.sqrt(lambda[j]);
      scale = Math.max(scale, Math.abs(R[i * d + j]));
    }
  }
  let lower = true;
  for (let i = 0; i < d; i++) {
    if (!(sigma[i * d + i] > 0)) lower = false;
    for (let j = i + 1; j < d; j++) if (sigma[i * d + j] !== 0) lower = false;
  }
  const Q = new Float64Array(d * d);
  if (lower) {
    for (let c = 0; c < d; c++) {
      for (let i = 0; i < d; i++) {
        let s = R[i * d + c];
        for (let k = 0; k < i; k++) s -= sigma[i * d + k] * Q[k * d + c];
        Q[i * d + c] = s / sigma[i * d + i];
      }
    }
  } else Q.set(axes);
  let err = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += sigma[i * d + k] * Q[k * d + j];
      err = Math.max(err, Math.abs(s - R[i * d + j]));
    }
  }
  if (!(err <= 1e-8 * Math.max(scale, Number.MIN_VALUE))) throw new Error(`axis-quantile: σQ differs from VΛ¹ᐟ² by ${err} (scale ${scale})`);
  return Q;
}
