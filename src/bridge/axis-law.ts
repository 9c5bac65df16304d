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
import { matVec } from '../core/kernels.ts';
import { normalQuantile } from '../core/math/normal-quantile.ts';
import { deriveEngine, uniformOpen01 } from '../random/streams.ts';

/** Default number of minibatches drawn for the sampled law. */
export const DEFAULT_LAW_SAMPLES = 65_536;
/** Largest M·d kept (64 MB of doubles). */
export const MAX_LAW_NUMBERS = 2 ** 23;
/** Whitened values closer than this count as one atom. */
export const TIE_TOLERANCE = 1e-9;
/** An axis whose variance is at most this fraction of the largest carries no noise. */
const DEGENERATE = 1e-12;

/**
 * The minibatch-noise law of an ASGD configuration at a point x_L, sampled once (M minibatches) and
 * whitened along the principal axes of its covariance C = VΛVᵀ: the law the 'axis-quantile' coupling
 * maps each step's noise through (rank PIT per axis, then Φ⁻¹, then calibrated). Build with
 * {@link axisNoiseLaw}, which memoizes it.
 */
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
  /** ∇F(x_L), once: the mean every step's noise ζ* = ∇F(x_L) − g_M(b, x_L) is taken from. */
  readonly pointGradient: Float64Array;
  /** Whitening rows: P[j·d + i] = V[i][j]/√λ_j (0 for a degenerate axis). */
  private readonly whiten: Float64Array;
  /** Per axis j, the M whitened samples sorted ascending, at [j·M, (j+1)·M). */
  private readonly sorted: Float64Array;
  /**
   * A bucket index per axis, so a search starts in a short range: G equal cells over
   * [min, max] of the axis's samples; start[j·(G+1) + c] = first sample ≥ min + c·width.
   */
  private readonly buckets: number;
  private readonly lo: Float64Array;
  private readonly invWidth: Float64Array;
  private readonly start: Int32Array;
  /** Scratch of `pits`: each axis's search range. */
  private readonly cellLo: Int32Array;
  private readonly cellHi: Int32Array;
  /** T = C_z^{-1/2} (row-major d×d; see `calibrate`); the coupling uses T(z − β). */
  readonly decorrelate: Float64Array;
  /** β = E[z], the mean of the mapped normals under the true law (see `calibrate`). */
  readonly bias: Float64Array;

  /**
   * Sample the law at `point` (use {@link axisNoiseLaw}, which memoizes it).
   *
   * @param cfg - the ASGD configuration (objective, b, sampling).
   * @param point - x_L, where the noise is evaluated (length d).
   * @param samples - M, the minibatches drawn (and as many again for the calibration).
   * @param seed - seed of the law's own streams.
   * @param poll - called every 256 draws with the draws done (of 2M: the sample, then the
   *   calibration), e.g. an abort check and progress; it may throw to stop.
   */
  constructor(cfg: AsgdConfig, point: Float64Array, samples: number, seed: number, poll?: (done: number) => void) {
    const obj = cfg.objective;
    const d = obj.dim;
    const b = cfg.batchSize;
    this.dim = d;
    this.samples = samples;
    this.point = Float64Array.from(point);
    this.pointGradient = new Float64Array(d);
    obj.gradient(this.point, this.pointGradient);
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
    this.whitenedDraws(cfg, seed, 0, samples, (m, w) => {
      for (let j = 0; j < d; j++) this.sorted[j * samples + m] = w[j];
    }, poll);
    for (let j = 0; j < d; j++) this.sorted.subarray(j * samples, (j + 1) * samples).sort();
    const G = Math.max(1, Math.min(65_536, Math.floor(samples / 4)));
    this.buckets = G;
    this.lo = new Float64Array(d);
    this.invWidth = new Float64Array(d);
    this.start = new Int32Array(d * (G + 1));
    this.cellLo = new Int32Array(d);
    this.cellHi = new Int32Array(d);
    for (let j = 0; j < d; j++) {
      const base = j * samples;
      const lo = this.sorted[base];
      const hi = this.sorted[base + samples - 1];
      const width = (hi - lo) / G;
      this.lo[j] = lo;
      this.invWidth[j] = width > 0 ? 1 / width : 0;
      for (let c = 0; c <= G; c++) this.start[j * (G + 1) + c] = c === 0 ? base : c === G ? base + samples : lowerBound(this.sorted, base, base + samples, lo + c * width);
    }
    const { bias, decorrelate } = this.calibrate(cfg, seed, poll === undefined ? undefined : (m) => poll(samples + m));
    this.bias = bias;
    this.decorrelate = decorrelate;
  }

  /**
   * Calibration on M fresh minibatches at x_L (a second stream, nothing stored): β = E[z] and
   * T = Cov(z)^{−1/2} for z_j = Φ⁻¹(U_j) under the true law, given this law sample.
   *
   * β: conditional on the law sample, U_j is uniform only up to F_M − F, so E[z_j] is not 0 but
   * O(M^{−1/2}) — a fixed error shared by every step, which the SDDE would integrate into a drift
   * (measured: ‖ΔE X(t_K)‖ ≈ 0.002 at M = 16 384, b = 16, d = 20 — larger than the distance it
   * biases). β is estimated with w as control variate (E w = 0 exactly, w whitened): β̂ = mean of
   * z − w, whose spread is the small difference between the map and the identity, so its error is
   * sd(z − w)/√M, far below M^{−1/2} once the law is near Gaussian.
   *
   * T: each z_j is N(0, 1), but the axes of the minibatch noise are only uncorrelated, not
   * independent, so the z_j are correlated through their marginal maps (at b = 1 on least squares in
   * d = 10: |corr| up to 0.05, falling with b). T(z − β) has identity covariance, so the coupled
   * SDDE's increments have the SDDE's first and second moments — which, summed over many steps,
   * fix the law of X(t) up to O(K^{−1/2}). d = 1: T = 1.
   */
  private calibrate(cfg: AsgdConfig, seed: number, poll?: (done: number) => void): { bias: Float64Array; decorrelate: Float64Array } {
    const d = this.dim;
    const M = this.samples;
    const live = Array.from({ length: d }, (_, j) => j).filter((j) => !this.degenerate[j]);
    const engine = deriveEngine(seed, 'couplingLaw', 3);
    const z = new Float64Array(d);
    const v = new Float64Array(d);
    const u = new Float64Array(d);
    const cv = new Float64Array(d); // Σ (z − w)
    const S = new Float64Array(d * d); // Σ z zᵀ
    const Sz = new Float64Array(d); // Σ z
    this.whitenedDraws(cfg, seed, 2, M, (_m, w) => {
      for (const j of live) v[j] = uniformOpen01(engine);
      this.pits(w, v, u);
      for (const j of live) {
        z[j] = normalQuantile(u[j]);
        cv[j] += z[j] - w[j];
        Sz[j] += z[j];
      }
      for (const a of live) for (const c of live) S[a * d + c] += z[a] * z[c];
    }, poll);
    const bias = new Float64Array(d);
    for (const j of live) bias[j] = cv[j] / M;
    const T = new Float64Array(d * d);
    for (let j = 0; j < d; j++) T[j * d + j] = 1;
    if (live.length < 2) return { bias, decorrelate: T };
    // Cov(z) about its mean (the sample mean: the covariance does not need the control variate)
    const Cm = new Matrix(live.length, live.length);
    live.forEach((a, ia) => live.forEach((c, ic) => Cm.set(ia, ic, (S[a * d + c] - (Sz[a] * Sz[c]) / M) / (M - 1))));
    const eig = new EigenvalueDecomposition(Cm, { assumeSymmetric: true });
    const V = eig.eigenvectorMatrix;
    const lam = eig.realEigenvalues;
    live.forEach((a, ia) =>
      live.forEach((c, ic) => {
        let t = 0;
        for (let k = 0; k < live.length; k++) t += (V.get(ia, k) * V.get(ic, k)) / Math.sqrt(Math.max(lam[k], 1e-12));
        T[a * d + c] = t;
      }),
    );
    return { bias, decorrelate: T };
  }

  /** First index (absolute) on axis j with sample ≥ v (a bucket lookup, then a short binary search). */
  private lowerIndex(j: number, v: number, upper: boolean): number {
    const M = this.samples;
    const base = j * M;
    const G = this.buckets;
    const iw = this.invWidth[j];
    const sb = j * (G + 1);
    let c = iw > 0 ? Math.floor((v - this.lo[j]) * iw) : v < this.lo[j] ? -1 : G;
    if (c < 0) c = 0;
    else if (c >= G) c = G - 1;
    // the answer lies in [start[c], start[c+1]] unless rounding of the cell boundaries moved it: widen then
    let lo = this.start[sb + c];
    let hi = this.start[sb + c + 1];
    const s = this.sorted;
    if (lo > base && (upper ? s[lo - 1] > v : s[lo - 1] >= v)) lo = base;
    if (hi < base + M && (upper ? s[hi] <= v : s[hi] < v)) hi = base + M;
    return upper ? upperBound(s, lo, hi, v) : lowerBound(s, lo, hi, v);
  }


  /**
   * `count` minibatch noises at x_L, ζ = ∇F(x_L) − g_M(b, x_L), whitened, from the stream
   * (seed, 'couplingLaw', stream): each passed to `use(m, w)` (w is reused: copy what you keep);
   * `poll(m)` every 256 draws.
   */
  private whitenedDraws(cfg: AsgdConfig, seed: number, stream: number, count: number, use: (m: number, w: Float64Array) => void, poll?: (m: number) => void): void {
    const d = this.dim;
    const b = cfg.batchSize;
    const sampler = new MinibatchSampler(cfg.objective.n, b, cfg.sampling, deriveEngine(seed, 'couplingLaw', stream));
    const batch = new Int32Array(b);
    const gF = this.pointGradient;
    const g = new Float64Array(d);
    const gi = new Float64Array(d);
    const zeta = new Float64Array(d);
    const w = new Float64Array(d);
    for (let m = 0; m < count; m++) {
      if (poll !== undefined && (m & 0xff) === 0) poll(m);
      sampler.draw(batch);
      batchMeanGradient(cfg, batch, this.point, g, gi);
      for (let i = 0; i < d; i++) zeta[i] = gF[i] - g[i];
      this.project(zeta, w);
      use(m, w);
    }
  }

  /**
   * The law's samples: per axis j, the M whitened samples sorted ascending at [j·M, (j+1)·M)
   * (the array itself, read only: the pair kernel's host builds its index from it).
   */
  get sortedSamples(): Float64Array {
    return this.sorted;
  }

  /** The whitening rows P[j·d + i] = V[i][j]/√λ_j (0 for a degenerate axis), read only. */
  get whitening(): Float64Array {
    return this.whiten;
  }

  /** Whitened coordinates w = Λ^{-1/2} Vᵀ ζ (0 on degenerate axes). */
  project(zeta: Float64Array, out: Float64Array): void {
    matVec(this.whiten, zeta, out, this.dim);
  }

  /** The rank PIT of w on axis j with the uniform v ∈ (0, 1); a value in (0, 1). */
  pit(j: number, w: number, v: number): number {
    const M = this.samples;
    const below = this.lowerIndex(j, w - TIE_TOLERANCE, false);
    // no sample within the tolerance (the common case for a continuous law): one search suffices
    const upto = below < (j + 1) * M && this.sorted[below] <= w + TIE_TOLERANCE ? this.lowerIndex(j, w + TIE_TOLERANCE, true) : below;
    return (below - j * M + v * (upto - below + 1)) / (M + 1);
  }

  /**
   * The rank PITs of all axes at once: out[j] = pit(j, w[j], v[j]), the same numbers. The law is
   * M·d doubles (10 MB at M = 65 536, d = 20), beyond the caches, so each axis's search waits on
   * memory; here the bucket offsets of every axis are read first, then the samples at the bucket
   * edges of every axis, then the searches run in cache — the axes' cache misses overlap instead of
   * coming one after another.
   */
  pits(w: Float64Array, v: Float64Array, out: Float64Array): void {
    const d = this.dim;
    const M = this.samples;
    const G = this.buckets;
    const s = this.sorted;
    const cellLo = this.cellLo;
    const cellHi = this.cellHi;
    for (let j = 0; j < d; j++) {
      const x = w[j] - TIE_TOLERANCE;
      const iw = this.invWidth[j];
      let c = iw > 0 ? Math.floor((x - this.lo[j]) * iw) : x < this.lo[j] ? -1 : G;
      if (c < 0) c = 0;
      else if (c >= G) c = G - 1;
      cellLo[j] = this.start[j * (G + 1) + c];
      cellHi[j] = this.start[j * (G + 1) + c + 1];
    }
    // the bucket's edges (lowerIndex's widening checks), for every axis before any search
    for (let j = 0; j < d; j++) {
      const base = j * M;
      const x = w[j] - TIE_TOLERANCE;
      if (cellLo[j] > base && s[cellLo[j] - 1] >= x) cellLo[j] = base;
      if (cellHi[j] < base + M && s[cellHi[j]] < x) cellHi[j] = base + M;
    }
    for (let j = 0; j < d; j++) {
      const base = j * M;
      const below = lowerBound(s, cellLo[j], cellHi[j], w[j] - TIE_TOLERANCE);
      const upto = below < base + M && s[below] <= w[j] + TIE_TOLERANCE ? this.lowerIndex(j, w[j] + TIE_TOLERANCE, true) : below;
      out[j] = (below - base + v[j] * (upto - below + 1)) / (M + 1);
    }
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
 * path it runs). `poll` is passed to the construction of a law not yet memoized (see
 * {@link AxisNoiseLaw}); a construction it stops leaves nothing memoized.
 */
export function axisNoiseLaw(cfg: AsgdConfig, point: Float64Array, samples: number, seed: number, poll?: (done: number) => void): AxisNoiseLaw {
  const d = cfg.objective.dim;
  if (samples * d > MAX_LAW_NUMBERS) throw new ConfigError('bridge.lawSamples', `× d = ${samples} × ${d} exceeds ${MAX_LAW_NUMBERS} numbers kept in memory; use fewer samples or a projected objective`);
  let byKey = cache.get(cfg.objective);
  if (!byKey) cache.set(cfg.objective, (byKey = new Map()));
  const key = JSON.stringify([cfg.batchSize, cfg.sampling, Array.from(point), samples, seed]);
  let law = byKey.get(key);
  if (!law) {
    law = new AxisNoiseLaw(cfg, point, samples, seed, poll);
    byKey.set(key, law);
    if (byKey.size > 4) byKey.delete(byKey.keys().next().value!); // M·d numbers each: keep the last four
  }
  return law;
}
