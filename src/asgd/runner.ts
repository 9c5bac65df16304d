/**
 * Discrete ASGD under consistent read (He et al. Eq. 3/4):
 *
 *   x_{k+1} = x_k − η u_k g_{M_k}(b, x_{k−l_k}),   g_M(b, y) = (1/b) Σ_{i∈M} ∇f_i(y),
 *
 * with real minibatches M_k drawn from the finite sum, lags l_k from the shared delay models
 * (`src/delay/`), and SGD as the case l_k ≡ 0. Iterates live in a ring buffer of maxLag+1 states.
 *
 * Variants (opt-in):
 *  - inconsistent read (Hogwild, Recht et al. 2011): coordinate j of the point read is
 *    x_{k−l_{k,j}, j}, every coordinate with its own lag (from the delay model, or its own model);
 *  - sparse updates (Hogwild's per-coordinate writes): an update writes only s of the d
 *    coordinates, a uniform s-subset per iteration, scaled by d/s so that it stays unbiased;
 *  - delay compensation (DC-ASGD, Zheng et al. 2017): g ← g + λ g ⊙ g ⊙ (x_k − x_read).
 *
 * Randomness: minibatches and lags come from separate streams of one master seed, so the
 * minibatch sequence of a run does not depend on its delay model; the sparse coordinates have a
 * stream of their own.
 */
import { ConfigError } from '../core/errors.ts';
import { StateRing } from '../core/ring-buffer.ts';
import { integer, knownFields, plainObject } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { effectiveLag, type LagSource, RandomLag } from '../delay/lags.ts';
import { asgdKernelFor, runAsgdKernel } from './kernel-host.ts';
import { deriveEngine } from '../random/streams.ts';
import { planSaves, type SaveAtSpec } from '../sdde/save-at.ts';
import { MinibatchSampler } from './minibatch.ts';
import { DelayCompensation } from './delay-compensation.ts';
import { optionalCallback, optionalSignal, POLL_MASK, throwIfAborted } from '../core/abort.ts';
import { type AsgdConfig, type AsgdSpec, toAsgdConfig } from './asgd-config.ts';
import { startValue } from './start-value.ts';

// the configuration API stays importable from here (where most callers import runAsgd)
export { asgdConfig, toAsgdConfig, validatedConfig } from './asgd-config.ts';
export type { AsgdConfig, AsgdSpec } from './asgd-config.ts';

/** Called after the gradient of step k is formed and before it is applied (for couplings and diagnostics). */
export type StepObserver = (k: number, lag: number, xRead: Float64Array, batch: Int32Array, gradient: Float64Array, u: number) => void;

/**
 * Options of {@link runAsgd}: `seed` (master seed, integer in [0, 2^53), default 0) and `path`
 * (default 0) select the minibatch, lag and sparse-coordinate streams; `saveAt` which iterates to keep
 * (default every iteration); `recordDelays`, `recordBatches` (default false); `lags` to replace the
 * delay model's draws; `onStep` an observer called at every step.
 */
export interface AsgdRunOptions {
  /** Master seed (integer in [0, 2^53)); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`. */
  seed?: number;
  /** Path index: selects this run's independent streams; default 0. */
  path?: number;
  /** Which iterates to keep (iteration numbers as times); default every iteration. */
  saveAt?: SaveAtSpec;
  /** Keep the effective lag of every step in `delays`; default false. */
  recordDelays?: boolean;
  /** Keep the minibatch indices of every step (K·b integers). */
  recordBatches?: boolean;
  /** Replace the delay model's draws (e.g. to share lags with another run); one source per coordinate under inconsistent read. */
  lags?: LagSource | LagSource[];
  /** Observer of every step (after the gradient is formed, before it is applied). */
  onStep?: StepObserver;
  /** Abort the run: polled every 4096 iterations; an aborted run throws the signal's reason (an AbortError) and returns nothing. */
  signal?: AbortSignal;
  /** Called every 4096 iterations with (iterations done, total), and at the end. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * What {@link runAsgd} returns: the saved iteration numbers `k`, iterates `x` (row-major, `dim` per
 * iterate) and objective values `F`, the status ('diverged' when an iterate turned non-finite; the run
 * then stops and keeps what it saved), and the delays and minibatches when recorded.
 */
export interface AsgdResult {
  status: 'ok' | 'diverged';
  /** First iteration whose iterate is non-finite (not saved). */
  divergence?: { step: number };
  dim: number;
  /** Saved iteration numbers. */
  k: Int32Array;
  /** Saved iterates, row-major. */
  x: Float64Array;
  /** F at the saved iterates. */
  F: Float64Array;
  /** Effective lag of every step taken (inconsistent read: K × d, row-major, one per coordinate). */
  delays?: Int32Array;
  /** Minibatch indices, b per step taken. */
  batches?: Int32Array;
  iterations: number;
  seed: number;
  path: number;
}

/**
 * Run discrete ASGD (SGD when the delay is 0) on a finite-sum objective: real minibatches, lags from the
 * delay model, in iterations. Minibatches, lags and sparse coordinates come from separate streams of
 * `options.seed` (same seed ⇒ bit-identical result). A non-finite iterate ends the run with status
 * 'diverged'; nothing throws once it has started.
 *
 * @param specOrConfig - a spec, or a config from {@link asgdConfig}.
 * @param options - seed, path, saving and recording (see {@link AsgdRunOptions}).
 * @throws {@link ConfigError} before any work: the spec's fields as in {@link asgdConfig},
 * `options.seed`, `options.saveAt` (more than 2^28 numbers kept), `options.lags` (wrong count, or lags
 * beyond those a `stepScale` was tabulated for).
 * @example
 * ```ts
 * import { runAsgd, generatedLeastSquares } from 'asgd-sdde';
 *
 * const ls = generatedLeastSquares({ n: 1000, d: 10, seed: 1 });
 * const run = runAsgd({ objective: ls, x0: 0, eta: 0.02, iterations: 5000, batchSize: 16,
 *   delay: { kind: 'poisson', lambda: 4, maxLag: 20 } }, { seed: 7, saveAt: { every: 1000 } });
 * console.log(run.status, Array.from(run.k), run.F.at(-1)! - ls.minimum!); // the excess loss at the end
 * //> ok [ 0, 1000, 2000, 3000, 4000, 5000 ] 0.0009666686725242762
 * ```
 */
export function runAsgd(specOrConfig: AsgdSpec | AsgdConfig, options: AsgdRunOptions = {}): AsgdResult {
  const cfg = toAsgdConfig(specOrConfig);
  const o = plainObject(options, 'options');
  knownFields(o, 'options', ['seed', 'path', 'saveAt', 'recordDelays', 'recordBatches', 'lags', 'onStep', 'signal', 'onProgress']);
  const signal = optionalSignal(o.signal, 'options.signal');
  const onProgress = optionalCallback<(done: number, total: number) => void>(o.onProgress, 'options.onProgress');
  const poll = signal !== undefined || onProgress !== undefined;
  const seed = seedOrFresh(o.seed, 'options.seed');
  const path = o.path === undefined ? 0 : integer(o.path, 'options.path', { min: 0, max: 0xffff_ffff });
  const K = cfg.iterations;
  const plan = planSaves(options.saveAt, K, 0, 1, 'options.saveAt');
  if (plan.steps.length * cfg.objective.dim > 2 ** 28) throw new ConfigError('options.saveAt', `would keep ${plan.steps.length} iterates of dimension ${cfg.objective.dim} (more than 2^28 numbers); save less often`);
  const { objective: obj, eta, batchSize: b, beforeHistory: policy, schedule, stepScales } = cfg;
  const d = obj.dim;
  const coordinateDelays = cfg.coordinateDelays;
  let lags: LagSource;
  let coordLags: LagSource[] | null = null;
  if (coordinateDelays === null) {
    if (Array.isArray(options.lags)) throw new ConfigError('options.lags', 'one lag source under consistent read (an array is for inconsistent read: one per coordinate)');
    lags = options.lags ?? new RandomLag(cfg.delay, deriveEngine(seed, 'delay', path));
  } else {
    if (options.lags !== undefined && !(Array.isArray(options.lags) && options.lags.length === d)) throw new ConfigError('options.lags', `under inconsistent read, an array of ${d} lag sources (one per coordinate)`);
    // one engine for all coordinates, drawn in coordinate order at every iteration
    const engine = deriveEngine(seed, 'delay', path);
    coordLags = (options.lags as LagSource[] | undefined) ?? coordinateDelays.map((m) => new RandomLag(m, engine));
    lags = coordLags.reduce((a, l) => (l.maxLag > a.maxLag ? l : a));
  }
  const maxLag = lags.maxLag;
  if (stepScales && maxLag >= stepScales.length) throw new ConfigError('options.lags', `reach lag ${maxLag}, beyond the delay model's ${stepScales.length - 1} for which stepScale was tabulated`);
  const sampler = new MinibatchSampler(obj.n, b, cfg.sampling, deriveEngine(seed, 'minibatch', path));
  const onStep = options.onStep;
  const fused = obj.minibatchGradientSum;
  const sparse = cfg.sparse;
  const coordinates = sparse ? new MinibatchSampler(d, sparse.coordinates, 'without-replacement', deriveEngine(seed, 'coordinates', path)) : null;
  const chosen = sparse ? new Int32Array(sparse.coordinates) : null;
  const sparseScale = sparse && sparse.rescale ? d / sparse.coordinates : 1;
  const compensation = cfg.compensation ? new DelayCompensation(cfg.compensation, d) : null;

  const ring = new StateRing(maxLag + 1, d);
  const x = Float64Array.from(cfg.x0);
  const xRead = new Float64Array(d);
  const g = new Float64Array(d);
  const gi = new Float64Array(d);
  const batch = new Int32Array(b);
  const saveSteps = plan.steps;
  const kOut = new Int32Array(saveSteps.length);
  const xOut = new Float64Array(saveSteps.length * d);
  const FOut = new Float64Array(saveSteps.length);
  const lagsPerStep = coordLags ? d : 1;
  const delays = options.recordDelays ? new Int32Array(K * lagsPerStep) : undefined;
  const batches = options.recordBatches ? new Int32Array(K * b) : undefined;
  let saved = 0;
  ring.push(x);
  if (saveSteps[0] === 0) {
    xOut.set(x, 0);
    FOut[0] = startValue(cfg, x); // F(x_0): once per configuration, not once per path
    saved = 1;
  }

  let status: 'ok' | 'diverged' = 'ok';
  let k = 0;
  // the whole iteration in the WebAssembly kernel where the objective has one (least squares,
  // logistic regression) and the read is consistent, dense and uncompensated: the same draws and
  // the same arithmetic as the loop below (tested)
  throwIfAborted(signal);
  const kernel = poll || onStep || coordLags !== null || coordinates !== null || compensation !== null ? undefined : asgdKernelFor(obj, b, maxLag);
  if (kernel) {
    const r = runAsgdKernel(kernel, { objective: obj, x0: x, history: cfg.history, eta, iterations: K, batchSize: b, policy, schedule, ...(stepScales ? { stepScales } : {}), lags, sampler, saveSteps, kOut, xOut, FOut, saved, ...(delays ? { delays } : {}), ...(batches ? { batches } : {}) });
    k = r.iterations;
    saved = r.saved;
    status = r.status;
  }
  let lag = 0;
  for (; !kernel && k < K; k++) {
    if (poll && (k & POLL_MASK) === 0) {
      throwIfAborted(signal);
      onProgress?.(k, K);
    }
    if (coordLags === null) {
      lag = effectiveLag(lags.next(k), k, maxLag, policy);
      if (!(lag >= 0 && lag <= maxLag)) throw new RangeError(`lag source returned ${lag} at iteration ${k}, outside [0, maxLag = ${maxLag}]`);
      if (delays) delays[k] = lag;
      const j = k - lag;
      if (lag === 0) xRead.set(x);
      else if (j >= 0) {
        const off = ring.offsetOf(j);
        for (let i = 0; i < d; i++) xRead[i] = ring.data[off + i];
      } else xRead.set(cfg.history);
    } else {
      // inconsistent read: coordinate c of the iterate k − l_{k,c} (the largest lag is reported to onStep)
      lag = 0;
      for (let c = 0; c < d; c++) {
        const lc = effectiveLag(coordLags[c].next(k), k, maxLag, policy);
        if (!(lc >= 0 && lc <= maxLag)) throw new RangeError(`lag source ${c} returned ${lc} at iteration ${k}, outside [0, maxLag = ${maxLag}]`);
        if (delays) delays[k * d + c] = lc;
        if (lc > lag) lag = lc;
        const j = k - lc;
        xRead[c] = lc === 0 ? x[c] : j >= 0 ? ring.data[ring.offsetOf(j) + c] : cfg.history[c];
      }
    }

    sampler.draw(batch);
    if (batches) batches.set(batch, k * b);
    if (fused) fused.call(obj, batch, b, xRead, g);
    else {
      g.fill(0);
      for (let m = 0; m < b; m++) {
        obj.componentGradient(batch[m], xRead, gi);
        for (let i = 0; i < d; i++) g[i] += gi[i];
      }
    }
    for (let i = 0; i < d; i++) g[i] /= b;
    const u = schedule.at(k);
    if (onStep) onStep(k, lag, xRead, batch, g, u);
    if (compensation) compensation.apply(g, x, xRead);
    const step = stepScales ? eta * u * stepScales[lag] : eta * u;
    let finite = true;
    if (coordinates === null) {
      for (let i = 0; i < d; i++) {
        const v = x[i] - step * g[i];
        if (!Number.isFinite(v)) finite = false;
        xRead[i] = v; // reuse as the candidate x_{k+1}
      }
    } else {
      // Hogwild: only the chosen coordinates are written
      coordinates.draw(chosen!);
      xRead.set(x);
      const sc = step * sparseScale;
      for (let q = 0; q < chosen!.length; q++) {
        const i = chosen![q];
        const v = x[i] - sc * g[i];
        if (!Number.isFinite(v)) finite = false;
        xRead[i] = v;
      }
    }
    if (!finite) {
      status = 'diverged';
      break;
    }
    x.set(xRead);
    ring.push(x);
    if (saved < saveSteps.length && saveSteps[saved] === k + 1) {
      kOut[saved] = k + 1;
      xOut.set(x, saved * d);
      FOut[saved] = obj.value(x);
      saved++;
    }
  }
  const done = status === 'ok' ? K : k;
  const full = saved === saveSteps.length;
  throwIfAborted(signal); // no partial output
  onProgress?.(k, K);
  return {
    status,
    ...(status === 'diverged' ? { divergence: { step: k + 1 } } : {}),
    dim: d,
    k: full ? kOut : kOut.slice(0, saved),
    x: full ? xOut : xOut.slice(0, saved * d),
    F: full ? FOut : FOut.slice(0, saved),
    ...(delays ? { delays: done === K ? delays : delays.slice(0, (done + 1) * lagsPerStep) } : {}),
    ...(batches ? { batches: done === K ? batches : batches.slice(0, (done + 1) * b) } : {}),
    iterations: done,
    seed,
    path,
  };
}
