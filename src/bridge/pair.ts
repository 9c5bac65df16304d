/**
 * ASGD and its SDDE side by side, on the coarse grid t_k = kδ, under one of three couplings:
 *
 *  - 'independent'     ASGD and the SDDE each draw their own noise and delays (He et al. Fig. 1).
 *                      Their distance mixes approximation error with the luck of two draws.
 *  - 'shared-brownian' The Gaussian recursion of Eq. (5) — EM for Eq. (6) at step δ — against the
 *                      same SDDE solved on h = δ/m, driven by one Brownian path (fine increments
 *                      summed onto the coarse grid) and the same lags: the pathwise
 *                      discretization error, part (1) of the proof of Thm 3.2.
 *  - 'quantile'        (1-D) The SDDE's Gaussian increment at step k is Φ⁻¹ of the randomized
 *                      probability integral transform of the same ASGD step's minibatch noise
 *                      under its exact law, with the ASGD's lags: the distance measures the
 *                      CLT replacement of part (2), not two independent draws. (Feeding the raw
 *                      minibatch noise into EM would reproduce ASGD exactly and measure nothing.)
 *                      With m > 1 the fine increments are a Brownian bridge on each coarse step.
 *  - 'axis-quantile'   (any d) The same construction along the principal axes of the minibatch-noise
 *                      covariance C = VΛVᵀ at the point x_L where σ is evaluated (x* by default): the
 *                      step's minibatch noise evaluated there, ζ* = ∇F(x_L) − g_M(b, x_L), whitened
 *                      (w = Λ^{-1/2}Vᵀζ*), is mapped axis by axis through the rank PIT of a law
 *                      sampled once at x_L (src/bridge/axis-law.ts, no enumeration), z_j = Φ⁻¹(U_j),
 *                      calibrated on a second sample (z ← T(z − β): mean and covariance of z under
 *                      the true law, given the law sample), and the SDDE's increment is √δ·Qz with
 *                      Q = σ⁻¹VΛ^{1/2}, so that σ·Qz ≈ ζ*. Each z_j is exactly N(0, 1) and mean-zero
 *                      given the past (over the law sample; up to the DKW band conditionally on it);
 *                      the joint law is N(0, I) in its second moments, up to the higher mixed
 *                      cumulants of the noise's axes. In 1-D with a law independent of x it is the
 *                      quantile coupling with a sampled law (tested).
 */
import { type AsgdConfig, type AsgdResult, runAsgd, validatedConfig } from '../asgd/runner.ts';
import { ConfigError } from '../core/errors.ts';
import { integer, oneOf, plainObject, seedValue } from '../core/validate.ts';
import { type BeforeHistory, effectiveLag, type LagSource, PrescribedLag, RandomLag } from '../delay/lags.ts';
import { NormalSampler } from '../random/normal.ts';
import { normalQuantile } from '../random/normal-quantile.ts';
import { deriveEngine, type Engine, uniformOpen01 } from '../random/streams.ts';
import { EulerMaruyama } from '../sdde/algorithms/euler-maruyama.ts';
import { brownianPath, coarsenIncrements, PrescribedIncrements } from '../sdde/brownian.ts';
import { solve } from '../sdde/solve.ts';
import type { Divergence, SddeSolution } from '../sdde/solution.ts';
import { StateRing } from '../core/ring-buffer.ts';
import { matVec } from '../core/kernels.ts';
import { axisNoiseLaw, batchMeanGradient, DEFAULT_LAW_SAMPLES, MAX_LAW_NUMBERS } from './axis-law.ts';
import { lawSize, MinibatchNoiseLaw } from './minibatch-law.ts';
import { type BridgeOptions, sddeFromAsgd } from './to-sdde.ts';

export type Coupling = 'independent' | 'shared-brownian' | 'quantile' | 'axis-quantile';
export const COUPLINGS = ['independent', 'shared-brownian', 'quantile', 'axis-quantile'] as const;

/** Largest exact minibatch-noise law the quantile coupling enumerates per step. */
export const MAX_LAW_SIZE = 50_000;

export interface PairOptions extends BridgeOptions {
  coupling: Coupling;
  seed?: number;
  path?: number;
  /** SDDE substeps per ASGD step: h = δ/m. Default 1 (16 for 'shared-brownian'). */
  substeps?: number;
  /** Keep every n-th coarse step; default 1. */
  saveEvery?: number;
  /** 'axis-quantile': minibatches drawn for the sampled noise law; default 65 536. */
  lawSamples?: number;
}

export interface PairResult {
  coupling: Coupling;
  delta: number;
  substeps: number;
  dim: number;
  /** Coarse saved times t_k = kδ and their iteration numbers k. */
  t: Float64Array;
  k: Int32Array;
  /** The discrete path: ASGD (independent, quantile) or the Eq. (5) recursion (shared-brownian). */
  discrete: { label: string; x: Float64Array; status: 'ok' | 'diverged'; divergence?: { step: number } };
  /** The SDDE path at the coarse saved times. */
  sdde: SddeSolution;
  /** ‖discrete − SDDE‖ at the saved times (up to the first divergence). */
  distance: Float64Array;
  asgd?: AsgdResult;
  sigmaMode: 'constant' | 'state-dependent';
  sigma: Float64Array | null;
  seed: number;
  path: number;
}

/**
 * Hold a coarse lag l_k over m fine steps, as l_k·m fine steps (θ = l_k δ = l_k m h). The
 * pre-start policy is applied at the coarse index k (He et al.: l_k ∈ {0..k}), so θ stays a
 * whole number of δ; the solver's re-application on the fine grid is then the identity.
 */
class HeldLag implements LagSource {
  readonly maxLag: number;
  private current = 0;
  constructor(
    private readonly coarse: LagSource,
    private readonly m: number,
    private readonly policy: BeforeHistory,
  ) {
    this.maxLag = coarse.maxLag * m;
  }
  next(j: number): number {
    if (j % this.m === 0) {
      const k = j / this.m;
      this.current = effectiveLag(this.coarse.next(k), k, this.coarse.maxLag, this.policy) * this.m;
    }
    return this.current;
  }
}

/**
 * Solve the SDDE of an ASGD configuration on h = δ/m with its own noise and delays (drawn from
 * the ASGD's delay model, each held for m fine steps as θ = l_k δ): the continuous side of an
 * independent pair, and the SDDE ensembles of the theory checks.
 */
export function solveBridgedSdde(
  cfg: AsgdConfig,
  options: BridgeOptions & { substeps?: number; saveEvery?: number; seed: number; path: number; delayStream?: 'delay' | 'bridgeDelay'; recordDelays?: boolean },
  /** `sddeFromAsgd(cfg, options)` when the caller has it (ensembles build the SDDE once for all paths). */
  bridgedSdde?: ReturnType<typeof sddeFromAsgd>,
): SddeSolution {
  const { problem, delta } = bridgedSdde ?? sddeFromAsgd(cfg, options);
  const m = options.substeps === undefined ? 1 : integer(options.substeps, 'bridge.substeps', { min: 1, max: 1_000_000 });
  const engine = deriveEngine(options.seed, options.delayStream ?? 'delay', options.path);
  // inconsistent read: one held lag per coordinate, all drawing from the one engine in coordinate order
  const models = cfg.coordinateDelays ?? [cfg.delay];
  const held = models.map((model) => new HeldLag(new RandomLag(model, engine), m, problem.beforeHistory));
  return solve(problem, new EulerMaruyama(), {
    dt: delta / m,
    seed: options.seed,
    path: options.path,
    saveAt: { every: m * (options.saveEvery ?? 1) },
    recordDelays: options.recordDelays ?? false,
    lags: cfg.coordinateDelays ? held : held[0],
  });
}

/**
 * Draw the K lags of a delay model once (for replay in two solves); under inconsistent read one
 * column per coordinate (drawn in coordinate order at each iteration, as the runner does).
 */
function drawLags(cfg: AsgdConfig, engine: Engine): Int32Array[] {
  const models = cfg.coordinateDelays ?? [cfg.delay];
  const maxLag = Math.max(...models.map((mdl) => mdl.maxLag));
  const cols = models.map(() => new Int32Array(cfg.iterations));
  const srcs = models.map((mdl) => new RandomLag(mdl, engine));
  for (let k = 0; k < cfg.iterations; k++) for (let c = 0; c < cols.length; c++) cols[c][k] = effectiveLag(srcs[c].next(), k, maxLag, cfg.beforeHistory);
  return cols;
}

/**
 * Check a pair's options against its ASGD configuration and build its SDDE, without running
 * anything: every refusal of `runPair` happens here.
 */
export function validatePair(cfg: AsgdConfig, options: PairOptions) {
  validatedConfig(cfg, 'cfg');
  plainObject(options, 'options');
  const coupling = oneOf(options.coupling, 'bridge.coupling', COUPLINGS);
  const seed = options.seed === undefined ? 0 : seedValue(options.seed, 'options.seed');
  const path = options.path === undefined ? 0 : integer(options.path, 'options.path', { min: 0 });
  const m = options.substeps === undefined ? (coupling === 'shared-brownian' ? 16 : 1) : integer(options.substeps, 'bridge.substeps', { min: 1, max: 1_000_000 });
  const saveEvery = options.saveEvery === undefined ? 1 : integer(options.saveEvery, 'asgd.saveEvery', { min: 1, max: 2 ** 31 - 1 });
  // the SDDE saves every m·saveEvery fine steps and takes K·m of them: both must stay Int32
  if (m * saveEvery > 2 ** 31 - 1) throw new ConfigError('asgd.saveEvery', `× substeps ${m} exceeds 2^31 − 1`);
  if (cfg.iterations * m > 2 ** 31 - 1) throw new ConfigError('bridge.substeps', `K·m = ${cfg.iterations * m} fine steps exceed 2^31 − 1`);
  const d = cfg.objective.dim;
  if (coupling !== 'independent' && options.sddeBeforeHistory !== undefined && options.sddeBeforeHistory !== cfg.beforeHistory) {
    throw new ConfigError('bridge.sddeBeforeHistory', `the '${coupling}' coupling replays the ASGD's delays, so the SDDE uses the ASGD's policy '${cfg.beforeHistory}'; a different policy ('${options.sddeBeforeHistory}') is only possible with independent noise`);
  }
  if (options.lawSamples !== undefined && coupling !== 'axis-quantile') throw new ConfigError('bridge.lawSamples', `is used by the 'axis-quantile' coupling only (this pair uses '${coupling}')`);
  const lawSamples = options.lawSamples === undefined ? DEFAULT_LAW_SAMPLES : integer(options.lawSamples, 'bridge.lawSamples', { min: 100, max: MAX_LAW_NUMBERS });
  if (coupling === 'axis-quantile') {
    const sigma = options.sigma ?? 'at-minimizer';
    if (sigma === 'state-dependent' || (typeof sigma === 'object' && sigma !== null && 'covariance' in sigma)) {
      throw new ConfigError('bridge.sigma', `the 'axis-quantile' coupling samples the minibatch-noise law at the point where σ is evaluated, so σ must be "at-minimizer" or {"at": [...]}, got ${JSON.stringify(sigma)}`);
    }
    // its step (Eq. 5 inline, or the replayed single lag) reads the whole state at one lag and
    // applies the plain update: the runner's variants are refused, not silently dropped
    if (cfg.coordinateDelays) throw new ConfigError('bridge.coupling', "the 'axis-quantile' coupling reads the whole state at one lag; an inconsistent read (asgd.read) has per-coordinate lags: use 'shared-brownian' or 'independent'");
    if (cfg.sparse && cfg.sparse.coordinates < d) throw new ConfigError('bridge.coupling', "the 'axis-quantile' coupling updates every coordinate; sparse updates (asgd.sparse): use 'shared-brownian' or 'independent'");
    if (cfg.compensation) throw new ConfigError('bridge.coupling', "the 'axis-quantile' coupling takes the plain Eq. (5) step; delay compensation (asgd.compensation): use 'shared-brownian' or 'independent'");
    if (lawSamples * d > MAX_LAW_NUMBERS) throw new ConfigError('bridge.lawSamples', `× d = ${lawSamples} × ${d} exceeds ${MAX_LAW_NUMBERS} numbers kept in memory; use fewer samples or a projected objective`);
  }
  if (coupling === 'quantile') {
    if (d !== 1) throw new ConfigError('bridge.coupling', `quantile coupling is defined for 1-D problems; this objective has d = ${d} (use "axis-quantile", or "shared-brownian" / "independent")`);
    const size = lawSize(cfg.objective.n, cfg.batchSize, cfg.sampling);
    if (size > MAX_LAW_SIZE) {
      throw new ConfigError('bridge.coupling', `the exact minibatch-noise law has ${size} outcomes for n = ${cfg.objective.n}, b = ${cfg.batchSize} (${cfg.sampling}); the quantile coupling enumerates at most ${MAX_LAW_SIZE} (use "axis-quantile": a sampled law, no enumeration)`);
    }
  }
  const bridged = sddeFromAsgd(cfg, options);
  return { coupling, seed, path, m, saveEvery, bridged, lawSamples };
}

export type ValidatedPair = ReturnType<typeof validatePair>;

/**
 * ASGD beside its SDDE. `validated` is `validatePair(cfg, options)` when the caller has it: an
 * ensemble validates (and builds the SDDE, with the covariance at its σ point) once for all paths
 * instead of once per path.
 */
export function runPair(cfg: AsgdConfig, options: PairOptions, validated?: ValidatedPair): PairResult {
  const { coupling, seed, path, m, saveEvery, bridged, lawSamples } = validated ?? validatePair(cfg, options);
  const d = cfg.objective.dim;
  const K = cfg.iterations;
  const { problem, delta } = bridged;
  const h = delta / m;
  const em = new EulerMaruyama();
  const fineSave = { every: m * saveEvery };

  let discreteX: Float64Array;
  let discreteStatus: 'ok' | 'diverged' = 'ok';
  let discreteDivergence: { step: number } | undefined;
  let label: string;
  let sdde: SddeSolution;
  let asgd: AsgdResult | undefined;

  if (coupling === 'independent') {
    asgd = runAsgd(cfg, { seed, path, saveAt: { every: saveEvery } });
    sdde = solveBridgedSdde(cfg, { ...options, substeps: m, saveEvery, seed, path, delayStream: 'bridgeDelay', recordDelays: true }, bridged);
    label = 'ASGD';
  } else if (coupling === 'shared-brownian') {
    const cols = drawLags(cfg, deriveEngine(seed, 'delay', path));
    const one = (src: PrescribedLag[]) => (cfg.coordinateDelays ? src : src[0]);
    const fine = brownianPath(seed, path, d, K * m, h);
    const coarse = coarsenIncrements(fine, d, m);
    const recursion = solve(problem, em, { dt: delta, saveAt: { every: saveEvery }, noise: new PrescribedIncrements(coarse, d), lags: one(cols.map((c) => new PrescribedLag(c))) });
    sdde = solve(problem, em, { dt: h, saveAt: fineSave, noise: new PrescribedIncrements(fine, d), lags: one(cols.map((c) => new PrescribedLag(c, m, m))), recordDelays: true });
    discreteX = recursion.x;
    discreteStatus = recursion.status === 'diverged' ? 'diverged' : 'ok'; // no events here: never 'terminated'
    if (recursion.divergence) discreteDivergence = { step: recursion.divergence.step };
    label = 'Eq. (5) recursion (EM at δ)';
  } else if (coupling === 'axis-quantile') {
    const r = runAxisQuantile(cfg, bridged.sigma!, bridged.sigmaPoint!, lawSamples, seed, path, saveEvery, m, delta);
    asgd = r.asgd;
    sdde = r.sdde ?? solve(problem, em, { dt: h, saveAt: fineSave, noise: new PrescribedIncrements(r.increments!, d), lags: new PrescribedLag(r.lags!, m, m), recordDelays: true });
    label = 'ASGD';
  } else {
    const obj = cfg.objective;
    const law = new MinibatchNoiseLaw(obj.n, cfg.batchSize, cfg.sampling);
    const c = new Float64Array(obj.n);
    const gi = new Float64Array(1);
    const z = new Float64Array(K);
    const vEngine = deriveEngine(seed, 'coupling', path);
    asgd = runAsgd(cfg, {
      seed,
      path,
      saveAt: { every: saveEvery },
      recordDelays: true,
      onStep: (k, _lag, xRead, batch) => {
        for (let i = 0; i < obj.n; i++) {
          obj.componentGradient(i, xRead, gi);
          c[i] = gi[0];
        }
        law.evaluate(c, law.canonicalSum(c, batch));
        // randomized PIT: uniform on [P(ζ < ζ_obs), P(ζ ≤ ζ_obs)], kept inside (0, 1)
        const u = Math.min(Math.max(law.below + uniformOpen01(vEngine) * law.at, Number.MIN_VALUE), 1 - 2 ** -53);
        z[k] = normalQuantile(u);
      },
    });
    const increments = coupledIncrements(z, asgd.iterations, K, 1, m, delta, seed, path);
    const lags = asgd.delays!;
    const fullLags = new Int32Array(K);
    fullLags.set(lags.subarray(0, Math.min(lags.length, K)));
    sdde = solve(problem, em, { dt: h, saveAt: fineSave, noise: new PrescribedIncrements(increments, 1), lags: new PrescribedLag(fullLags, m, m), recordDelays: true });
    label = 'ASGD';
  }
  if (asgd) {
    discreteX = asgd.x;
    discreteStatus = asgd.status;
    if (asgd.divergence) discreteDivergence = asgd.divergence;
  }

  const nSaved = Math.floor(K / saveEvery) + 1 + (K % saveEvery === 0 ? 0 : 1);
  const t = new Float64Array(nSaved);
  const kk = new Int32Array(nSaved);
  for (let i = 0; i < nSaved; i++) {
    kk[i] = Math.min(i * saveEvery, K);
    t[i] = kk[i] * delta;
  }
  const nBoth = Math.min(discreteX!.length, sdde.x.length) / d;
  const distance = new Float64Array(nBoth);
  for (let i = 0; i < nBoth; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (discreteX![i * d + j] - sdde.x[i * d + j]) ** 2;
    distance[i] = Math.sqrt(s);
  }
  return {
    coupling,
    delta,
    substeps: m,
    dim: d,
    t,
    k: kk,
    discrete: { label, x: discreteX!, status: discreteStatus, ...(discreteDivergence ? { divergence: discreteDivergence } : {}) },
    sdde,
    distance,
    ...(asgd ? { asgd } : {}),
    sigmaMode: bridged.sigmaMode,
    sigma: bridged.sigma,
    seed,
    path,
  };
}

/**
 * The SDDE's Brownian increments for coupled standard normals z (K×d, the first `steps` rows set):
 * √δ·z_k per coarse step, or with m > 1 a Brownian bridge on each coarse step — m N(0, h) draws
 * (the seed's Brownian stream) shifted to sum to √δ·z_k. Rows past `steps` (a diverged ASGD) stay 0.
 */
function coupledIncrements(z: Float64Array, steps: number, K: number, d: number, m: number, delta: number, seed: number, path: number): Float64Array {
  const increments = new Float64Array(K * m * d);
  const sd = Math.sqrt(delta);
  if (m === 1) {
    for (let i = 0; i < steps * d; i++) increments[i] = sd * z[i];
    return increments;
  }
  const normal = new NormalSampler(deriveEngine(seed, 'brownian', path));
  const sh = Math.sqrt(delta / m);
  for (let k = 0; k < steps; k++) {
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
function axisToBrownian(sigma: Float64Array, axes: Float64Array, lambda: Float64Array, d: number): Float64Array {
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
  if (!(err <= 1e-8 * Math.max(scale, Number.MIN_VALUE))) throw new Error(`axis-quantile: σQ differs from VΛ^{1/2} by ${err} (scale ${scale})`);
  return Q;
}

/**
 * The 'axis-quantile' coupling: the ASGD run, and for each of its steps the SDDE's coupled
 * increment (see the header). Per step: ∇F at the read point, ζ = ∇F − g_M, w = Λ^{-1/2}Vᵀζ,
 * U_j by the rank PIT of the sampled law, z_j = Φ⁻¹(U_j) (an independent N(0, 1) on an axis without
 * noise). The uniforms come from the path's coupling stream.
 *
 * With m = 1 the SDDE's Euler–Maruyama step at h = δ is Eq. (5) itself,
 *   X_{k+1} = X_k − η u_k ∇F(X_{k−l_k}) + η u_k VΛ^{1/2} z_k     ((η/δ)·δ = η, (η/δ)√δ·√δ = η),
 * so it is taken inline, step for step with the ASGD (same lags, same reads before the start),
 * without storing increments: the research-scale path. With m > 1 the increments √δ·Qz_k
 * (Q = σ⁻¹VΛ^{1/2}) are bridged onto the fine grid and the SDDE is solved by `solve`.
 */
function runAxisQuantile(cfg: AsgdConfig, sigma: Float64Array, point: Float64Array, lawSamples: number, seed: number, path: number, saveEvery: number, m: number, delta: number): { asgd: AsgdResult; sdde?: SddeSolution; increments?: Float64Array; lags?: Int32Array } {
  const d = cfg.objective.dim;
  const K = cfg.iterations;
  const law = axisNoiseLaw(cfg, point, lawSamples, seed);
  const obj = cfg.objective;
  const gPoint = new Float64Array(d); // ∇F at the law point, once
  obj.gradient(law.point, gPoint);
  const gStar = new Float64Array(d);
  const tmp = new Float64Array(d);
  const zeta = new Float64Array(d);
  const w = new Float64Array(d);
  const za = new Float64Array(d);
  const vs = new Float64Array(d);
  const us = new Float64Array(d);
  const engine = deriveEngine(seed, 'coupling', path);
  const dead = law.degenerate;
  /**
   * z on the principal axes for the step's minibatch: its noise evaluated at the law point,
   * ζ* = ∇F(x_L) − g_M(b, x_L) — exactly a draw of the sampled law, whatever x the ASGD read — so
   * U_j is uniform and z has mean 0 given the past. (Mapping the noise at the read point through
   * the law at x_L instead gives z a conditional mean that depends on x_read − x_L when the law is
   * far from Gaussian: a spurious drift, measured at +40% variance of X at b = 1 on least squares in
   * d = 10.) What the ASGD's noise adds by reading elsewhere, ζ(x_read) − ζ*, is noise the
   * constant-σ SDDE does not have: it stays in the measured distance.
   */
  const axisNormals = (_xRead: Float64Array, _g: Float64Array, batch: Int32Array) => {
    batchMeanGradient(cfg, batch, law.point, gStar, tmp);
    for (let i = 0; i < d; i++) zeta[i] = gPoint[i] - gStar[i];
    law.project(zeta, w);
    const beta = law.bias;
    for (let j = 0; j < d; j++) vs[j] = uniformOpen01(engine);
    law.pits(w, vs, us); // every axis's rank at once: their cache misses overlap
    for (let j = 0; j < d; j++) za[j] = dead[j] ? normalQuantile(vs[j]) : normalQuantile(us[j]) - beta[j];
  };

  if (m === 1) {
    // R = VΛ^{1/2}T: the noise η u R(z − β) of Eq. (5), T the decorrelation of z (identity in 1-D)
    const R = new Float64Array(d * d);
    const T = law.decorrelate;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let r = 0;
        for (let k = 0; k < d; k++) r += law.axes[i * d + k] * Math.sqrt(law.lambda[k]) * T[k * d + j];
        R[i * d + j] = r;
      }
    }
    const noiseVec = new Float64Array(d);
    const ring = new StateRing(cfg.delay.maxLag + 1, d);
    const X = Float64Array.from(cfg.x0);
    const Xr = new Float64Array(d);
    const gX = new Float64Array(d);
    const nSaved = Math.floor(K / saveEvery) + 1 + (K % saveEvery === 0 ? 0 : 1);
    const xs = new Float64Array(nSaved * d);
    xs.set(X, 0);
    let saved = 1;
    ring.push(X);
    let status: 'ok' | 'diverged' = 'ok';
    let divergence: Divergence | undefined;
    const eta = cfg.eta;
    const step = (k: number, lag: number, noise: boolean, u: number) => {
      if (status !== 'ok') return;
      const j0 = k - lag;
      if (lag === 0) Xr.set(X);
      else if (j0 >= 0) {
        const off = ring.offsetOf(j0);
        for (let i = 0; i < d; i++) Xr[i] = ring.data[off + i];
      } else Xr.set(cfg.history);
      obj.gradient(Xr, gX);
      const c = eta * u;
      if (noise) matVec(R, za, noiseVec, d);
      else noiseVec.fill(0);
      let finite = true;
      for (let i = 0; i < d; i++) {
        const v = X[i] - c * gX[i] + c * noiseVec[i];
        if (!Number.isFinite(v)) finite = false;
        Xr[i] = v;
      }
      if (!finite) {
        status = 'diverged';
        divergence = { step: k + 1, time: (k + 1) * delta };
        return;
      }
      X.set(Xr);
      ring.push(X);
      if ((k + 1) % saveEvery === 0 || k + 1 === K) xs.set(X, saved++ * d);
    };
    const asgd = runAsgd(cfg, {
      seed,
      path,
      saveAt: { every: saveEvery },
      recordDelays: true,
      onStep: (k, lag, xRead, batch, g, u) => {
        axisNormals(xRead, g, batch);
        step(k, lag, true, u);
      },
    });
    // a diverged ASGD leaves the SDDE to finish without coupled noise (as the solve path does)
    for (let k = asgd.iterations; k < K; k++) step(k, 0, false, cfg.schedule.at(k));
    const t = new Float64Array(saved);
    for (let i = 0; i < saved; i++) t[i] = Math.min(i * saveEvery, K) * delta;
    const sdde: SddeSolution = {
      status,
      ...(divergence ? { divergence } : {}),
      dim: d,
      t,
      x: saved === nSaved ? xs : xs.slice(0, saved * d),
      delays: asgd.delays,
      steps: status === 'ok' ? K : divergence!.step - 1,
      dt: delta,
      seed,
      path,
      algorithm: { name: 'Euler–Maruyama (Eq. 5, inline with the ASGD)', strongOrder: 0.5, weakOrder: 1 },
    };
    return { asgd, sdde };
  }

  const Q0 = axisToBrownian(sigma, law.axes, law.lambda, d);
  // QT: decorrelated axis normals (T = 1 in 1-D)
  const Q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) Q[i * d + j] += Q0[i * d + k] * law.decorrelate[k * d + j];
  const z = new Float64Array(K * d);
  const asgd = runAsgd(cfg, {
    seed,
    path,
    saveAt: { every: saveEvery },
    recordDelays: true,
    onStep: (k, _lag, xRead, batch, g) => {
      axisNormals(xRead, g, batch);
      const off = k * d;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Q[i * d + j] * za[j];
        z[off + i] = s;
      }
    },
  });
  const lags = new Int32Array(K);
  lags.set(asgd.delays!.subarray(0, Math.min(asgd.delays!.length, K)));
  return { asgd, increments: coupledIncrements(z, asgd.iterations, K, d, m, delta, seed, path), lags };
}
