/**
 * Orders of convergence without an analytic solution (as DiffEqDevTools'
 * `analyticless_test_convergence`): for each sample path, one Brownian path on a reference grid
 * h_ref = min(dts)/refine drives a reference solve at h_ref and a solve at every step of the
 * ladder, whose increments are the reference increments summed onto the coarser grid (and whose
 * sub-increments, for Milstein's delayed term, are the reference increments themselves). Then
 *
 *   strong error  e_s(h) = E‖X_h(T) − X_ref(T)‖,      weak error  e_w(h) = E[φ(X_h(T)) − φ(X_ref(T))]
 *
 * (the weak error from the same ensemble, paired: the difference has variance O(h^{2p}) rather
 * than Var φ, which is what makes weak orders measurable), and the orders are the least-squares
 * slopes of log e against log h. Confidence intervals: delete-one-block jackknife over blocks of
 * paths (the levels share paths, so their errors are correlated and a regression's own standard
 * error would be wrong), with Student-t quantiles on blocks − 1 degrees of freedom.
 *
 * The reference is itself a numerical solution: with refine r it carries the error of h_min/r,
 * which biases the finest level's error by about r^{−p}; the default r = 4 keeps that below
 * 25% at p = 1 (strong) and 50% at p = 1/2. Delays must be given in time (constant τ,
 * time-varying θ(t)): a lag counted in steps means a different delay on each level.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { integer, knownFields, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { tQuantile, weightedLineFit } from '../core/stats/fit.ts';
import { jackknifeSe } from '../core/stats/jackknife.ts';
import type { SddeAlgorithm } from './algorithm.ts';
import { brownianPath, PrescribedIncrements } from './brownian.ts';
import type { HistoryInterpolation } from './delayed-read.ts';
import { type CompiledSingleDelay, delayChannels, type SddeProblem } from './problem.ts';
import { checkDelayOnGrid, gridSteps, solve } from './solve.ts';
import { optionalCallback, optionalSignal, throwIfAborted } from '../core/abort.ts';

/**
 * Options of {@link convergenceOrder}.
 */
export interface ConvergenceOptions {
  /** The step ladder (at least 3 steps, each a whole multiple of min(dts)/refine dividing T − t0). */
  dts: number[];
  /** Sample paths (each one Brownian path shared by all levels); at least 2 per block. */
  paths: number;
  /** Master seed of the Brownian paths (path i uses the seed's Brownian stream of path i); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`. */
  seed?: number;
  /**
   * How a level's error is measured:
   *  - 'successive' (default for a geometric ladder, ratio h_{l+1}/h_l constant): the difference to
   *    the next finer level, X_{h_l} − X_{h_{l+1}} on the same Brownian path. For an error
   *    X_h − X ≈ h^p·Z this is h_l^p(1 − r^p)·Z: the slope in log h is p exactly, with no
   *    reference solve whose own error would bend the fit (the reference method's bias: with a
   *    reference 4× finer, Milstein measured 1.09 and Euler–Maruyama 0.56 where the orders are 1
   *    and 1/2). The finest level serves as the reference; its error is estimated from the fit.
   *  - 'reference' (default for other ladders, or when `refine` is given): the difference to a
   *    reference solve at min(dts)/refine.
   */
  method?: 'successive' | 'reference';
  /** The reference step of the 'reference' method is min(dts)/refine; default 4. */
  refine?: number;
  /** φ for the weak error; default the first component of X(T). */
  functional?: (x: Float64Array) => number;
  /** History interpolation of every solve (see `SolveOptions.interpolation`); default 'grid'. */
  interpolation?: HistoryInterpolation;
  /** Blocks of paths for the jackknife; default min(20, paths / 2). */
  blocks?: number;
  /** Abort: polled before every path and every 4096 steps within it (its Brownian path and each level's solve); an aborted call throws the signal's reason (an AbortError). A synchronous run: the abort must come from `onProgress` (or a function the solves call). */
  signal?: AbortSignal;
  /** Called after every path with (paths done, paths). */
  onProgress?: (done: number, total: number) => void;
}

/** The error at one step of the ladder: mean over the paths, with its jackknife standard error. */
export interface LevelError {
  /** The level's step (successive: the coarser step of the pair h_l, h_{l+1}). */
  dt: number;
  /**
   * Mean error over the paths (strong: E‖·‖; weak: the signed mean difference) against the
   * reference solve, or (successive) against the next finer level.
   */
  error: number;
  se: number;
}

/** A fitted order of convergence (slope of log error on log dt) with its jackknife CI, and the levels. */
export interface OrderFit {
  /** Fitted order: slope of log|error| on log dt. */
  order: number;
  /**
   * Standard error of the slope: the delete-one-block jackknife's (`samplingSe`) and the fit's
   * lack of fit (`lackOfFitSe`, the residual standard error of the slope) combined in quadrature.
   */
  se: number;
  samplingSe: number;
  lackOfFitSe: number;
  ci95: [number, number];
  levels: LevelError[];
  /**
   * Whether every level's error is resolved from Monte Carlo noise (|mean| > 2 SE). A weak
   * error below its noise gives no order; more paths or coarser steps do.
   */
  resolved: boolean;
}

/**
 * What {@link convergenceOrder} returns: the fitted strong and weak orders beside the algorithm's
 * declared ones, the reference step, and how many paths were used (diverged ones are left out).
 */
export interface ConvergenceResult {
  algorithm: string;
  declared: { strong: number; weak: number; note?: string };
  strong: OrderFit;
  weak: OrderFit;
  /**
   * The reference: the finest level ('successive') or the reference solve ('reference'), its step,
   * and its estimated error (the fitted C·h^p at its step: strong E‖X_ref − X‖, weak
   * |E φ(X_ref) − E φ(X)|), to compare with the levels' errors.
   */
  reference: { dt: number; method: 'successive' | 'reference'; error: { strong: number; weak: number } };
  /** The master seed used (given, or drawn fresh when none was); pass it back to reproduce the result. */
  seed: number;
  paths: number;
  /** Paths left out because a solve on some level diverged. */
  diverged: number;
  blocks: number;
  seconds: number;
}

/**
 * Measure an algorithm's strong and weak orders of convergence on a problem without an analytic solution:
 * each path's Brownian motion drives every level of the ladder; a geometric ladder measures each level
 * against the next finer one (method 'successive', unbiased by a reference's own error; the finest
 * level's estimated error in `reference.error`), other ladders (or `refine` given) against a reference
 * solve at min(dts)/refine; the orders are least-squares slopes of log error on log dt, with delete-one-block
 * jackknife CIs (Student t on blocks − 1 degrees of freedom).
 *
 * @param options - `dts` (≥ 3 distinct steps), `paths` (≥ 4), `seed` (default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`), `method`, `refine` (default 4),
 * `functional` φ (default X₁(T)), `interpolation` (default `'grid'`), `blocks` (default min(20, paths/2)).
 * @throws {@link ConfigError} before any work: `options.dts` (fewer than 3, repeated, not a multiple of
 * the reference step, not dividing T − t0), `options.paths`, `options.seed`, `options.refine`,
 * `options.blocks`, `options.functional`, or a delay counted in steps (it must be given in time).
 * @example
 * ```ts
 * import { defineSdde, convergenceOrder, EulerMaruyama } from 'asgd-sdde';
 *
 * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -xLag[0]!; },
 *   diffusion: { noise: 'diagonal', g: (t, x, xLag, out) => { out[0] = 0.5 * x[0]!; } },
 *   history: 1, T: 1, delay: { kind: 'constant', tau: 0.25 } });
 * const r = convergenceOrder(problem, new EulerMaruyama(), { dts: [1 / 8, 1 / 16, 1 / 32], paths: 200, seed: 1 });
 * console.log(r.strong.order.toFixed(2), r.strong.ci95, r.declared.strong); // fitted order, its 95% CI, declared order
 * //> 0.89 [ 0.7092009583801134, 1.0671545781377194 ] 0.5
 * ```
 */
export function convergenceOrder(problem: SddeProblem, algorithm: SddeAlgorithm, options: ConvergenceOptions): ConvergenceResult {
  const started = performance.now();
  const o = plainObject(options, 'options');
  knownFields(o, 'options', ['dts', 'paths', 'seed', 'method', 'refine', 'functional', 'interpolation', 'blocks', 'signal', 'onProgress']);
  const signal = optionalSignal(o.signal, 'options.signal');
  const onProgress = optionalCallback<(done: number, total: number) => void>(o.onProgress, 'options.onProgress');
  if (!Array.isArray(o.dts) || o.dts.length < 3) throw new ConfigError('options.dts', `must be an array of at least 3 steps, got ${describe(o.dts)}`);
  const dts = o.dts.map((v: unknown, i: number) => positiveNumber(v, `options.dts[${i}]`));
  if (new Set(dts).size !== dts.length) throw new ConfigError('options.dts', 'must be distinct steps');
  const paths = integer(o.paths, 'options.paths', { min: 4, max: 10_000_000 });
  const seed = seedOrFresh(o.seed, 'options.seed');
  const refine = o.refine === undefined ? 4 : integer(o.refine, 'options.refine', { min: 1, max: 1024 });
  const interpolation = o.interpolation === undefined ? 'grid' : oneOf(o.interpolation, 'options.interpolation', ['grid', 'linear', 'hermite'] as const);
  if (o.functional !== undefined && typeof o.functional !== 'function') throw new ConfigError('options.functional', `must be a function x => number, got ${describe(o.functional)}`);
  const phi = (o.functional as ((x: Float64Array) => number) | undefined) ?? ((x: Float64Array) => x[0]);
  const blocks = o.blocks === undefined ? Math.min(20, Math.floor(paths / 2)) : integer(o.blocks, 'options.blocks', { min: 2, max: Math.floor(paths / 2) });
  for (const c of delayChannels(problem.delay).channels) checkLadderDelay(c);
  const sorted = [...dts].sort((a, b) => b - a);
  const ratio = sorted[1] / sorted[0];
  const geometric = sorted.every((h, i) => i === 0 || Math.abs(h / sorted[i - 1] / ratio - 1) <= 1e-9);
  const method = o.method === undefined ? (geometric && o.refine === undefined ? 'successive' : 'reference') : oneOf(o.method, 'options.method', ['successive', 'reference'] as const);
  if (method === 'successive' && !geometric) throw new ConfigError('options.method', `'successive' needs a geometric ladder (a constant ratio between consecutive steps), got ${JSON.stringify(dts)}`);
  if (method === 'successive' && o.refine !== undefined) throw new ConfigError('options.refine', `applies to method 'reference' only (the 'successive' method needs no reference solve)`);
  const hRef = method === 'successive' ? sorted[sorted.length - 1] : Math.min(...dts) / refine;
  const nRef = gridSteps(problem.t0, problem.T, hRef, 'options.dts');
  const factors = dts.map((h, i) => {
    const r = Math.round(h / hRef);
    if (!(Math.abs(h / hRef - r) <= 1e-9 * r)) throw new ConfigError(`options.dts[${i}]`, `${h} is not a whole multiple of the reference step min(dts)/refine = ${hRef}`);
    gridSteps(problem.t0, problem.T, h, `options.dts[${i}]`);
    return r;
  });
  // every level's delays are checked before any work (τ on each grid unless interpolated)
  for (const h of [hRef, ...dts]) checkDelayOnGrid(problem, h, interpolation);
  const m = problem.diffusion.noiseDim;
  const d = problem.dim;
  // levels from coarse to fine (the successive method differences neighbours)
  const ladder = method === 'successive' ? sorted : dts;
  const L = ladder.length;
  const factorOf = (h: number) => factors[dts.indexOf(h)];
  const E = method === 'successive' ? L - 1 : L; // errors per path
  const strong = new Float64Array(paths * E);
  const weak = new Float64Array(paths * E);
  const xs = new Float64Array(L * d);
  const ok = new Uint8Array(paths);
  let note: string | undefined;
  for (let p = 0; p < paths; p++) {
    throwIfAborted(signal);
    if (p > 0) onProgress?.(p, paths);
    const fine = m > 0 ? brownianPath(seed, p, m, nRef, hRef, signal ? () => throwIfAborted(signal) : undefined) : null;
    const noiseAt = (r: number) => (fine ? { noise: new PrescribedIncrements(fine, m, { substeps: r }) } : {});
    let xRef: Float64Array | undefined;
    let phiRef = 0;
    let good = true;
    if (method === 'reference') {
      const ref = solve(problem, algorithm, { dt: hRef, saveAt: { final: true }, interpolation, seed, path: p, ...(signal ? { signal } : {}), ...noiseAt(1) });
      if (ref.status !== 'ok') continue;
      xRef = ref.x.subarray(ref.x.length - d);
      phiRef = phi(xRef);
      good = Number.isFinite(phiRef);
    }
    for (let l = 0; l < L && good; l++) {
      const sol = solve(problem, algorithm, { dt: ladder[l], saveAt: { final: true }, interpolation, seed, path: p, ...(signal ? { signal } : {}), ...noiseAt(method === 'successive' ? Math.round(ladder[l] / hRef) : factorOf(ladder[l])) });
      if (sol.status !== 'ok') {
        good = false;
        break;
      }
      note ??= sol.algorithm.note;
      const xh = sol.x.subarray(sol.x.length - d);
      xs.set(xh, l * d);
      // the error of level l: against the reference, or (successive) level l − 1 against this one
      const [e, a, b] = method === 'reference' ? [l, xh, xRef!] : [l - 1, xs.subarray((l - 1) * d, l * d), xh];
      if (e < 0) continue;
      let s = 0;
      for (let i = 0; i < d; i++) s += (a[i] - b[i]) ** 2;
      strong[p * E + e] = Math.sqrt(s);
      weak[p * E + e] = phi(a) - (method === 'reference' ? phiRef : phi(b));
      if (!Number.isFinite(weak[p * E + e])) good = false;
    }
    ok[p] = good ? 1 : 0;
  }
  const kept: number[] = [];
  throwIfAborted(signal);
  onProgress?.(paths, paths);
  for (let p = 0; p < paths; p++) if (ok[p]) kept.push(p);
  if (kept.length < 2 * blocks) throw new Error(`convergenceOrder: only ${kept.length} of ${paths} paths stayed finite on every level; the ladder's coarsest steps are unstable for this problem`);
  const levelDts = ladder.slice(0, E);
  const fitStrong = fitOrder(levelDts, strong, kept, E, blocks, false);
  const fitWeak = fitOrder(levelDts, weak, kept, E, blocks, true);
  // the reference's estimated error, C·h_ref^p from the fit through the finest level's error:
  // successive: level E − 1's difference is C·h^p(1 − r^p), and the finest level's error C·(r·h)^p
  const refError = (fit: OrderFit) => {
    const last = fit.levels.reduce((a, b) => (b.dt < a.dt ? b : a)); // the finest measured level
    const size = Math.abs(last.error);
    return method === 'successive' ? (size * ratio ** fit.order) / Math.abs(1 - ratio ** fit.order) : size * (hRef / last.dt) ** fit.order;
  };
  return {
    algorithm: algorithm.name,
    declared: { strong: algorithm.strongOrder, weak: algorithm.weakOrder, ...(note ? { note } : {}) },
    strong: fitStrong,
    weak: fitWeak,
    reference: { dt: hRef, method, error: { strong: refError(fitStrong), weak: refError(fitWeak) } },
    seed,
    paths: kept.length,
    diverged: paths - kept.length,
    blocks,
    seconds: (performance.now() - started) / 1000,
  };
}

function checkLadderDelay(c: CompiledSingleDelay): void {
  const why =
    c.kind === 'random' ? 'random lags are counted in steps'
    : c.kind === 'prescribed' ? 'prescribed lags are counted in steps'
    : c.kind === 'constant' && c.lag !== undefined ? 'a constant `lag` is counted in steps'
    : null;
  if (why) throw new ConfigError('problem.delay', `${why}, so each level of a dt ladder would solve a different equation; give the delay in time (constant \`tau\` or a time-varying θ(t))`);
}

/** Slope of log|mean error| on log h over the kept paths, with a delete-one-block jackknife. */
function fitOrder(dts: number[], errors: Float64Array, kept: number[], L: number, blocks: number, signed: boolean): OrderFit {
  const n = kept.length;
  const blockOf = (i: number) => Math.min(blocks - 1, Math.floor((i * blocks) / n));
  const blockSum = new Float64Array(blocks * L);
  const blockCount = new Float64Array(blocks);
  const total = new Float64Array(L);
  const totalSq = new Float64Array(L);
  kept.forEach((p, i) => {
    const b = blockOf(i);
    blockCount[b]++;
    for (let l = 0; l < L; l++) {
      const e = errors[p * L + l];
      blockSum[b * L + l] += e;
      total[l] += e;
      totalSq[l] += e * e;
    }
  });
  const means = Array.from(total, (s) => s / n);
  const ses = Array.from(totalSq, (s, l) => Math.sqrt(Math.max(0, s / n - means[l] ** 2) / (n - 1)));
  const lx = dts.map(Math.log);
  // the unweighted least-squares slope (weights 1: the same sums, in the same order, as a plain OLS)
  const slopeOf = (ys: number[]) => weightedLineFit(lx, ys.map((v) => Math.log(signed ? Math.abs(v) : v))).slope;
  const order = slopeOf(means);
  const loo: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const rest = n - blockCount[b];
    loo.push(slopeOf(means.map((_, l) => (total[l] - blockSum[b * L + l]) / rest)));
  }
  const sampling = jackknifeSe(loo);
  // lack of fit: the residual standard error of the slope (curvature of log error in log h where
  // the ladder is not yet asymptotic, beyond the levels' noise) added to the sampling error, so
  // that the interval covers the order the line is meant to measure (conservative: the residuals
  // carry some sampling noise too)
  const lackOfFit = L > 2 ? weightedLineFit(lx, means.map((v) => Math.log(signed ? Math.abs(v) : v))).slopeSe : 0;
  const se = Math.sqrt(sampling ** 2 + (Number.isFinite(lackOfFit) ? lackOfFit ** 2 : 0));
  const q = tQuantile(0.975, blocks - 1);
  return {
    order,
    se,
    samplingSe: sampling,
    lackOfFitSe: lackOfFit,
    ci95: [order - q * se, order + q * se],
    levels: dts.map((dt, l) => ({ dt, error: means[l], se: ses[l] })),
    resolved: means.every((v, l) => Math.abs(v) > 2 * ses[l]),
  };
}
