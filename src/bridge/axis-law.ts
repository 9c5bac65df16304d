/**
 * The law of the minibatch noise along the principal axes of its covariance, sampled: what the
 * 'axis-quantile' coupling (any d) uses instead of the exact enumerated law of the 1-D quantile
 * coupling, which is limited to laws of at most MAX_LAW_SIZE outcomes.
 *
 * At the point x_L where σ is evaluated (x* by default) the minibatch noise ζ = ∇F(x_L) − g_M(b, x_L)
 * has covariance C = Σ(x_L)·v_b (v_b = 1/b, or (n−b)/((n−1)b) without replacement). With
 * C = V Λ Vᵀ (ml-matrix, symmetric eigendecomposition), the whitened coordinates
 * w_j = v_jᵀζ/√λ_j are uncorrelated with unit variance. M minibatches are drawn once at x_L from a
 * dedicated stream (seed, 'couplingLaw'); their whitened noises, sorted per axis, are the law.
 *
 * The probability integral transform of an observed w_j is the rank construction
 *   U = (R + V·(T + 1)) / (M + 1),  R = #{samples < w_j − tol},  T = #{|sample − w_j| ≤ tol},
 * V ~ U(0, 1): if w_j and the M samples are i.i.d., the rank of w_j among the M + 1 values (ties
 * broken uniformly) is uniform on {1, …, M + 1}, so U is exactly U(0, 1) (averaged over the law
 * sample). Conditional on the sample, U is uniform up to the sampling error of the empirical CDF,
 * |F_M − F| ≤ √(ln(2/α)/(2M)) with probability 1 − α (Dvoretzky–Kiefer–Wolfowitz–Massart). The
 * tolerance tol (1e-9 in whitened units) lets an atom of a discrete law, computed at another read
 * point with different rounding, still count as a tie.
 *
 * Cost: M·(b·d + d²) once, M·d numbers kept; per step d² (whitening) + 2d binary searches.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { GradientCovariance, minibatchVarianceFactor } from '../asgd/objective.ts';
import type { AsgdConfig } from '../asgd/runner.ts';
import { MinibatchSampler } from '../asgd/minibatch.ts';
import { ConfigError } from '../core/errors.ts';
import { deriveEngine } from '../random/streams.ts';

/** Default number of minibatches drawn for the sampled law. */
export const DEFAULT_LAW_SAMPLES = 65_536;
/** Largest M·d kept (64 MB of doubles). */
export const MAX_LAW_NUMBERS = 2 ** 23;
/** Whitened values closer than this count as one atom. */
export const TIE_TOLERANCE = 1e-9;
/** An axis whose variance is at most this fraction of the largest carries no noise. */
const DEGENERATE = 1e-12;

export class AxisNoiseLaw {
  readonly dim: number;
  readonly samples: number;
  /** Eigenvalues λ_j of the minibatch-noise covariance C at the law point (descending). */
  readonly lambda: Float64Array;
  /** Eigenvectors as columns of V (row-major d×d): C = V Λ Vᵀ. */
  readonly axes: Float64Array;
  /** Axes with λ_j = 0 (relative to λ_max): no noise to couple; their increments are drawn independently. */
  readonly degenerate: Uint8Array;
  /** The law point x_L. */
  readonly point: Float64Array;
  /** Whitening rows: P[j·d + i] = V[i][j]/√λ_j (0 for a degenerate axis). */
  private readonly whiten: Float64Array;
  /** Per axis j, the M whitened samples sorted ascending, at [j·M, (j+1)·M). */
  private readonly sorted: Float64Array;

  constructor(cfg: AsgdConfig, point: Float64Array, samples: number, seed: number) {
    const obj = cfg.objective;
    const d = obj.dim;
    const b = cfg.batchSize;
    this.dim = d;
    this.samples = samples;
    this.point = Float64Array.from(point);
    const C = Float64Array.from(new GradientCovariance(obj).compute(this.point));
    const vf = minibatchVarianceFactor(obj.n, b, cfg.sampling === 'with-replacement');
    for (let i = 0; i < d * d; i++) C[i] *= vf;
    const M = new Matrix(d, d);
    for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) M.set(a, c, 0.5 * (C[a * d + c] + C[c * d + a]));
    const eig = new EigenvalueDecomposition(M, { assumeSymmetric: true });
    const order = eig.realEigenvalues.map((v, j) => [v, j] as const).sort((p, q) => q[0] - p[0]);
    const Vm = eig.eigenvectorMatrix;
    this.lambda = new Float64Array(d);
    this.axes = new Float64Array(d * d);
    this.degenerate = new Uint8Array(d);
    this.whiten = new Float64Array(d * d);
    const lmax = Math.max(order[0][0], 0);
    order.forEach(([v, src], j) => {
      const lam = Math.max(v, 0);
      this.lambda[j] = lam;
      const dead = !(lam > DEGENERATE * lmax) || lmax === 0;
      this.degenerate[j] = dead ? 1 : 0;
      for (let i = 0; i < d; i++) {
        this.axes[i * d + j] = Vm.get(i, src);
        this.whiten[j * d + i] = dead ? 0 : Vm.get(i, src) / Math.sqrt(lam);
      }
    });

    // M minibatch noises at x_L, whitened, sorted per axis
    this.sorted = new Float64Array(samples * d);
    const sampler = new MinibatchSampler(obj.n, b, cfg.sampling, deriveEngine(seed, 'couplingLaw', 0));
    const batch = new Int32Array(b);
    const gF = new Float64Array(d);
    const g = new Float64Array(d);
    const gi = new Float64Array(d);
    const zeta = new Float64Array(d);
    const w = new Float64Array(d);
    obj.gradient(this.point, gF);
    for (let m = 0; m < samples; m++) {
      sampler.draw(batch);
      batchMeanGradient(cfg, batch, this.point, g, gi);
      for (let i = 0; i < d; i++) zeta[i] = gF[i] - g[i];
      this.project(zeta, w);
      for (let j = 0; j < d; j++) this.sorted[j * samples + m] = w[j];
    }
    for (let j = 0; j < d; j++) this.sorted.subarray(j * samples, (j + 1) * samples).sort();
  }

  /** Whitened coordinates w = Λ^{-1/2} Vᵀ ζ (0 on degenerate axes). */
  project(zeta: Float64Array, out: Float64Array): void {
    const d = this.dim;
    const P = this.whiten;
    for (let j = 0; j < d; j++) {
      let s = 0;
      const off = j * d;
      for (let i = 0; i < d; i++) s += P[off + i] * zeta[i];
      out[j] = s;
    }
  }

  /** The rank PIT of w on axis j with the uniform v ∈ (0, 1); a value in (0, 1). */
  pit(j: number, w: number, v: number): number {
    const M = this.samples;
    const s = this.sorted;
    const base = j * M;
    const below = lowerBound(s, base, base + M, w - TIE_TOLERANCE) - base;
    const upto = upperBound(s, base, base + M, w + TIE_TOLERANCE) - base;
    return (below + v * (upto - below + 1)) / (M + 1);
  }

  /** The empirical CDF F_M on axis j at w (for diagnostics and tests). */
  cdf(j: number, w: number): number {
    const base = j * this.samples;
    return (upperBound(this.sorted, base, base + this.samples, w) - base) / this.samples;
  }

  /** Half-width of the DKW–Massart band of the sampled CDF at level 1 − α. */
  dkwBand(alpha = 0.05): number {
    return Math.sqrt(Math.log(2 / alpha) / (2 * this.samples));
  }
}

/** g_M(b, x) = (1/b) Σ ∇f_i(x), through the objective's fused sum when it has one (as the runner). */
export function batchMeanGradient(cfg: AsgdConfig, batch: Int32Array, x: Float64Array, out: Float64Array, tmp: Float64Array): void {
  const obj = cfg.objective;
  const b = batch.length;
  const d = obj.dim;
  if (obj.minibatchGradientSum) obj.minibatchGradientSum(batch, b, x, out);
  else {
    out.fill(0);
    for (let m = 0; m < b; m++) {
      obj.componentGradient(batch[m], x, tmp);
      for (let i = 0; i < d; i++) out[i] += tmp[i];
    }
  }
  for (let i = 0; i < d; i++) out[i] /= b;
}

/** First index in [lo, hi) with a[i] >= v. */
function lowerBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) with a[i] > v. */
function upperBound(a: Float64Array, lo: number, hi: number, v: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const cache = new WeakMap<object, Map<string, AxisNoiseLaw>>();

/**
 * The sampled law of a configuration at `point`, memoized per objective object (the objective is
 * the expensive part of a configuration; a worker prepares it once and reuses the law for every
 * path it runs).
 */
export function axisNoiseLaw(cfg: AsgdConfig, point: Float64Array, samples: number, seed: number): AxisNoiseLaw {
  const d = cfg.objective.dim;
  if (samples * d > MAX_LAW_NUMBERS) throw new ConfigError('bridge.lawSamples', `× d = ${samples} × ${d} exceeds ${MAX_LAW_NUMBERS} numbers kept in memory; use fewer samples or a projected objective`);
  let byKey = cache.get(cfg.objective);
  if (!byKey) cache.set(cfg.objective, (byKey = new Map()));
  const key = JSON.stringify([cfg.batchSize, cfg.sampling, Array.from(point), samples, seed]);
  let law = byKey.get(key);
  if (!law) {
    law = new AxisNoiseLaw(cfg, point, samples, seed);
    byKey.set(key, law);
  }
  return law;
}
