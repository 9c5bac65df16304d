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
 *
 * The axis-quantile run is in axis-coupling.ts; the coupled normals become Brownian increments in
 * coupled-increments.ts.
 */
import { type AsgdConfig, type AsgdResult, runAsgd, validatedConfig } from '../asgd/runner.ts';
import { ConfigError } from '../core/errors.ts';
import { integer, oneOf, plainObject } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { type BeforeHistory, effectiveLag, type LagSource, PrescribedLag, RandomLag } from '../delay/lags.ts';
import { normalQuantile } from '../core/math/normal-quantile.ts';
import { deriveEngine, type Engine, uniformOpen01 } from '../random/streams.ts';
import { EulerMaruyama } from '../sdde/algorithms/euler-maruyama.ts';
import { brownianPath, coarsenIncrements, PrescribedIncrements } from '../sdde/brownian.ts';
import { solve } from '../sdde/solve.ts';
import type { SddeSolution } from '../sdde/solution.ts';
import { DEFAULT_LAW_SAMPLES, MAX_LAW_NUMBERS } from './axis-law.ts';
import { lawSize, MinibatchNoiseLaw } from './minibatch-law.ts';
import { type BridgeOptions, sddeFromAsgd } from './to-sdde.ts';
import { runAxisQuantile } from './axis-coupling.ts';
import { coupledIncrements } from './coupled-increments.ts';
import { optionalCallback, optionalSignal, PhasedProgress, POLL_MASK, throwIfAborted } from '../core/abort.ts';
import { everyNthSteps } from '../sdde/save-at.ts';

/**
 * How {@link runPair} couples ASGD with its SDDE: `'independent'` (own noise and delays),
 * `'shared-brownian'` (the Eq. 5 recursion and the SDDE on one Brownian path and the same lags),
 * `'quantile'` (1-D: the SDDE's increment is the normal quantile of the ASGD's minibatch noise under its
 * exact law) or `'axis-quantile'` (any d: the same along the principal axes of the noise covariance).
 */
export type Coupling = 'independent' | 'shared-brownian' | 'quantile' | 'axis-quantile';
/**
 * The values of {@link Coupling}.
 */
export const COUPLINGS = ['independent', 'shared-brownian', 'quantile', 'axis-quantile'] as const;

/** Largest exact minibatch-noise law the quantile coupling enumerates per step. */
export const MAX_LAW_SIZE = 50_000;

/**
 * Options of {@link runPair}: the `coupling` (required), `seed` (default 0) and `path` (default 0), SDDE
 * `substeps` per ASGD step (default 1; 16 for 'shared-brownian'), `saveEvery` coarse steps (default 1),
 * `lawSamples` ('axis-quantile' only; default 65 536), and the {@link BridgeOptions}.
 */
export interface PairOptions extends BridgeOptions {
  /** How the ASGD and SDDE paths are coupled. */
  coupling: Coupling;
  /**
   * Abort: polled during the run, every 4096 steps of each of its loops (the ASGD run, the lags and
   * Brownian path drawn for a shared coupling, the bridged increments, the SDDE solve) and every
   * 256 draws of the sampled law of 'axis-quantile' (when not already memoized). A pair is
   * one synchronous run, so the abort must come from a callback it calls (`onProgress`) or be set
   * before the call; an aborted call throws the signal's reason (an AbortError) and returns nothing.
   */
  signal?: AbortSignal;
  /**
   * Progress: `(done, total)` in steps summed over the run's loops (ASGD iterations, SDDE fine steps,
   * increments drawn, law draws), at each poll and once at the end. A throw from it stops the
   * run. Giving it (or a signal) runs the ASGD and the SDDE on their general loops instead of the
   * WebAssembly kernels: the same bits, more time.
   */
  onProgress?: (done: number, total: number) => void;
  /** Master seed (integer in [0, 2^53)); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`. */
  seed?: number;
  /** Path index; default 0. */
  path?: number;
  /** SDDE substeps per ASGD step: h = δ/m. Default 1 (16 for 'shared-brownian'). */
  substeps?: number;
  /** Keep every n-th coarse step; default 1. */
  saveEvery?: number;
  /** 'axis-quantile': minibatches drawn for the sampled noise law; default 65 536. */
  lawSamples?: number;
}

/**
 * What {@link runPair} returns: the discrete path and the SDDE path at the coarse times t_k = kδ, and
 * their distance ‖x_k − X(kδ)‖ (up to the first divergence).
 */
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
  options: BridgeOptions & { substeps?: number; saveEvery?: number; seed: number; path: number; delayStream?: 'delay' | 'bridgeDelay'; recordDelays?: boolean; polling?: { signal?: AbortSignal; onProgress?: (done: number) => void } },
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
    ...options.polling,
  });
}

/**
 * Draw the K lags of a delay model once (for replay in two solves); under inconsistent read one
 * column per coordinate (drawn in coordinate order at each iteration, as the runner does).
 */
function drawLags(cfg: AsgdConfig, engine: Engine, poll?: (k: number) => void): Int32Array[] {
  const models = cfg.coordinateDelays ?? [cfg.delay];
  const maxLag = Math.max(...models.map((mdl) => mdl.maxLag));
  const cols = models.map(() => new Int32Array(cfg.iterations));
  const srcs = models.map((mdl) => new RandomLag(mdl, engine));
  for (let k = 0; k < cfg.iterations; k++) {
    if (poll !== undefined && (k & POLL_MASK) === 0) poll(k);
    for (let c = 0; c < cols.length; c++) cols[c][k] = effectiveLag(srcs[c].next(), k, maxLag, cfg.beforeHistory);
  }
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
  const seed = seedOrFresh(options.seed, 'options.seed');
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
 *
 * @param cfg - a configuration from {@link asgdConfig}.
 * @param options - the coupling, seed and path, substeps, saving (see {@link PairOptions}).
 * @throws {@link ConfigError} before any work, as {@link validatePair}: `bridge.coupling` ('quantile'
 * with d > 1 or a law too large to enumerate; 'axis-quantile' with inconsistent read, sparse updates or
 * delay compensation), `bridge.substeps`, `asgd.saveEvery`, `bridge.lawSamples`, `bridge.sigma`,
 * `bridge.sddeBeforeHistory`, `options.seed`, `options.path`, `options.signal` (not an AbortSignal),
 * `options.onProgress` (not a function), and those of {@link sddeFromAsgd}; the signal's reason (an
 * AbortError) when it is aborted before or during the run.
 * @example
 * ```ts
 * import { asgdConfig, runPair, toyObjective } from 'asgd-sdde';
 *
 * const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.005, iterations: 2000, batchSize: 1,
 *   delay: { kind: 'constant', lag: 10 }, beforeHistory: 'warmup' });
 * const pair = runPair(cfg, { coupling: 'quantile', seed: 1, saveEvery: 500 });
 * console.log(Array.from(pair.k), Array.from(pair.distance, (v) => v.toFixed(4))); // |x_k − X(kδ)|
 * //> [ 0, 500, 1000, 1500, 2000 ] [ '0.0000', '0.0039', '0.0032', '0.0103', '0.0403' ]
 * ```
 */
export function runPair(cfg: AsgdConfig, options: PairOptions, validated?: ValidatedPair): PairResult {
  const signal = optionalSignal(options?.signal, 'options.signal');
  const onProgress = optionalCallback<(done: number, total: number) => void>(options?.onProgress, 'options.onProgress');
  throwIfAborted(signal);
  const v = validated ?? validatePair(cfg, options);
  const K = cfg.iterations;
  const fine = K * v.m;
  // the loops of each coupling, in the order they run (their steps are the progress units)
  const phases = { independent: [K, fine], 'shared-brownian': [K, fine, K, fine], 'axis-quantile': [2 * v.lawSamples, K, v.m > 1 ? fine : 0, v.m > 1 ? fine : 0], quantile: [K, v.m > 1 ? fine : 0, fine] }[v.coupling];
  const progress = new PhasedProgress(signal, onProgress, phases);
  const result = runValidatedPair(cfg, options, v, progress);
  progress.finish(); // no partial output
  return result;
}

function runValidatedPair(cfg: AsgdConfig, options: PairOptions, validated: ValidatedPair, progress: PhasedProgress): PairResult {
  const { coupling, seed, path, m, saveEvery, bridged, lawSamples } = validated;
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
    asgd = runAsgd(cfg, { seed, path, saveAt: { every: saveEvery }, ...progress.options(0) });
    sdde = solveBridgedSdde(cfg, { ...options, substeps: m, saveEvery, seed, path, delayStream: 'bridgeDelay', recordDelays: true, polling: progress.options(1) }, bridged);
    label = 'ASGD';
  } else if (coupling === 'shared-brownian') {
    const cols = drawLags(cfg, deriveEngine(seed, 'delay', path), progress.poller(0));
    const one = (src: PrescribedLag[]) => (cfg.coordinateDelays ? src : src[0]);
    const fine = brownianPath(seed, path, d, K * m, h, progress.poller(1));
    const coarse = coarsenIncrements(fine, d, m);
    const recursion = solve(problem, em, { dt: delta, saveAt: { every: saveEvery }, seed, path, noise: new PrescribedIncrements(coarse, d), lags: one(cols.map((c) => new PrescribedLag(c))), ...progress.options(2) });
    sdde = solve(problem, em, { dt: h, saveAt: fineSave, seed, path, noise: new PrescribedIncrements(fine, d), lags: one(cols.map((c) => new PrescribedLag(c, m, m))), recordDelays: true, ...progress.options(3) });
    discreteX = recursion.x;
    discreteStatus = recursion.status === 'diverged' ? 'diverged' : 'ok'; // no events here: never 'terminated'
    if (recursion.divergence) discreteDivergence = { step: recursion.divergence.step };
    label = 'Eq. (5) recursion (EM at δ)';
  } else if (coupling === 'axis-quantile') {
    const r = runAxisQuantile(cfg, bridged.sigma!, bridged.sigmaPoint!, lawSamples, seed, path, saveEvery, m, delta, progress);
    asgd = r.asgd;
    sdde = r.sdde ?? solve(problem, em, { dt: h, saveAt: fineSave, seed, path, noise: new PrescribedIncrements(r.increments!, d), lags: new PrescribedLag(r.lags!, m, m), recordDelays: true, ...progress.options(3) });
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
      ...progress.options(0),
    });
    const increments = coupledIncrements(z, asgd.iterations, K, 1, m, delta, seed, path, progress.poller(1));
    const lags = asgd.delays!;
    const fullLags = new Int32Array(K);
    fullLags.set(lags.subarray(0, Math.min(lags.length, K)));
    sdde = solve(problem, em, { dt: h, saveAt: fineSave, seed, path, noise: new PrescribedIncrements(increments, 1), lags: new PrescribedLag(fullLags, m, m), recordDelays: true, ...progress.options(2) });
    label = 'ASGD';
  }
  if (asgd) {
    discreteX = asgd.x;
    discreteStatus = asgd.status;
    if (asgd.divergence) discreteDivergence = asgd.divergence;
  }

  const kk = everyNthSteps(K, saveEvery);
  const t = Float64Array.from(kk, (k) => k * delta);
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
