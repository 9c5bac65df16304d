/**
 * `solve(problem, algorithm, options)`: the one entry point of the SDDE solver (the
 * Problem → Algorithm → Solution shape of SciML's DelayDiffEq).
 *
 * Everything is validated before the first step. The hot loop then works on preallocated
 * Float64Arrays only: the history is a ring buffer of maxLag+1 states, the saved output is
 * allocated once from the save plan, and nothing is allocated per step.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { StateRing } from '../core/ring-buffer.ts';
import { integer, knownFields, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { MAX_LAG_LIMIT } from '../delay/models.ts';
import { checkedLag, ConstantLag, FractionalLag, type LagSource, PrescribedLag, RandomLag, TimeVaryingLag } from '../delay/lags.ts';
import { type EmPath, emKernelApplies, runEmKernel } from './kernel-host.ts';
import { deriveEngine, type Engine } from '../random/streams.ts';
import type { SddeAlgorithm, StepContext } from './algorithm.ts';
import { EulerMaruyama } from './algorithms/euler-maruyama.ts';
import { type BrownianIncrements, GaussianIncrements, PrescribedIncrements } from './brownian.ts';
import { DelayedReader, type HistoryInterpolation } from './delayed-read.ts';
import { EventTracker, type EventSpec } from './events.ts';
import { type CompiledSingleDelay, delayChannels, type SddeProblem } from './problem.ts';
import { evalHistory } from './problem-compile.ts';
import { planSaves, type SaveAtSpec } from './save-at.ts';
import { atRequestedTimes, withSolutionViews } from './dense-output.ts';
import type { SddeSolution } from './solution.ts';
import { optionalCallback, optionalSignal, POLL_MASK, throwIfAborted } from '../core/abort.ts';

/**
 * Options of {@link solve}. Only `dt` is required; every option is validated before the first step.
 */
export interface SolveOptions {
  /** Step size h; must divide T − t0. */
  dt: number;
  /** What to keep; default every step. */
  saveAt?: SaveAtSpec;
  /** Master seed (integer in [0, 2^53)); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`. */
  seed?: number;
  /** Path index: selects the independent streams of this path; default 0. */
  path?: number;
  /** Keep the effective lag of every step (O(steps) memory); default false. */
  recordDelays?: boolean;
  /** Drive the solve with these Brownian increments instead of the seed's stream. */
  noise?: BrownianIncrements;
  /** Take the lags from this source instead of the problem's delay spec (one per delay channel). */
  lags?: LagSource | LagSource[];
  /**
   * 'auto' (default) runs Euler–Maruyama in the WebAssembly/SIMD kernels (src/kernels/) where they
   * apply (linear drift with constant noise, or large full noise; one lag on the grid; no events);
   * 'generic' forces the general loop. Both give bit-identical results (tested); the switch
   * exists for tests and benchmarks.
   */
  kernel?: 'auto' | 'generic';
  /**
   * How a delay given in time (constant `tau`, time-varying θ(t)) is read:
   *  - 'grid' (default): on the step grid — τ must be a whole number of steps, θ(t) is rounded
   *    to the nearest step (an O(h) delay bias);
   *  - 'linear': any τ and θ(t); the history between grid points is interpolated linearly;
   *  - 'hermite': cubic Hermite interpolation with the stepper's drifts as slopes.
   * Lags given in steps (random models, `lag`, prescribed) are on the grid in every mode.
   */
  interpolation?: HistoryInterpolation;
  /** Stop or record where a condition c(t, X) crosses zero, located within the step (see `EventSpec`). */
  events?: EventSpec[];
  /**
   * Record the drift at every saved state (`sol.drift`, dim more numbers per state), so that
   * `sol.at(t)` and saved times between grid points interpolate with cubic Hermite instead of
   * linearly; default false (true in effect with `interpolation: 'hermite'`). Needs a stepper that
   * exposes its drift (Euler–Maruyama, Milstein); runs the general loop, not the kernels.
   */
  dense?: boolean;
  /** Abort the solve: polled every 4096 steps; an aborted solve throws the signal's reason (an AbortError) and returns nothing. */
  signal?: AbortSignal;
  /** Called every 4096 steps with (steps done, total steps), and at the end. */
  onProgress?: (done: number, total: number) => void;
}

const OPTION_FIELDS = ['dt', 'saveAt', 'seed', 'path', 'recordDelays', 'noise', 'lags', 'kernel', 'interpolation', 'events', 'dense', 'signal', 'onProgress'];

/** Number of grid steps: (T − t0)/h, which must be an integer (relative tolerance 1e-9). */
export function gridSteps(t0: number, T: number, h: number, field = 'options.dt'): number {
  const ratio = (T - t0) / h;
  const n = Math.round(ratio);
  // absolute tolerance in steps: rounding in (T − t0)/h is ~ratio·ε, far below 1e-6 for any allowed n
  if (n < 1 || !(Math.abs(ratio - n) <= 1e-6)) {
    throw new ConfigError(field, `must divide T − t0 = ${T - t0} into a whole number of steps; (T − t0)/dt = ${ratio}`);
  }
  if (n > 2 ** 31 - 1) throw new ConfigError(field, `gives ${n} steps, more than 2^31 − 1`);
  return n;
}

function buildLagSource(d: CompiledSingleDelay, field: string, t0: number, h: number, nSteps: number, engine: () => Engine, interpolation: HistoryInterpolation): LagSource {
  const offGrid = interpolation !== 'grid';
  switch (d.kind) {
    case 'none':
      return new ConstantLag(0);
    case 'constant': {
      if (d.lag !== undefined) return new ConstantLag(d.lag);
      const ratio = d.tau! / h;
      const lag = Math.round(ratio);
      if (!(Math.ceil(ratio - 1e-9) <= MAX_LAG_LIMIT)) throw new ConfigError(`${field}.tau`, `τ/dt = ${ratio} steps exceeds the largest lag ${MAX_LAG_LIMIT}`);
      if (offGrid) return new FractionalLag(d.tau!, d.tau!, t0, h);
      if (!(Math.abs(ratio - lag) <= 1e-6)) {
        throw new ConfigError(`${field}.tau`, `τ = ${d.tau} is not a whole number of steps of dt = ${h} (τ/dt = ${ratio}); delays live on the step grid (solve option interpolation: 'linear' or 'hermite' reads between grid points)`);
      }
      return new ConstantLag(lag);
    }
    case 'time-varying': {
      const maxLag = offGrid ? Math.ceil(d.tau / h - 1e-9) : Math.round(d.tau / h);
      if (!(maxLag <= MAX_LAG_LIMIT)) throw new ConfigError(`${field}.tau`, `τ/dt = ${d.tau / h} steps exceeds the largest lag ${MAX_LAG_LIMIT}`);
      // Check θ on the whole grid now, so that a bad θ is refused before any work.
      for (let k = 0; k < nSteps; k++) {
        const t = t0 + k * h;
        const th = d.theta(t);
        if (!Number.isFinite(th) || th < 0 || (offGrid ? th > d.tau * (1 + 1e-12) : Math.round(th / h) > maxLag)) {
          throw new ConfigError(`${field}.theta`, `θ(${t}) = ${describe(th)} is outside [0, τ = ${d.tau}]`);
        }
      }
      return offGrid ? new FractionalLag(d.theta, d.tau, t0, h) : new TimeVaryingLag(d.theta, maxLag, t0, h);
    }
    case 'random':
      return new RandomLag(d.model, engine());
    case 'prescribed':
      if (d.lags.length * d.repeat < nSteps) {
        throw new ConfigError(`${field}.lags`, `${d.lags.length} lags × repeat ${d.repeat} do not cover ${nSteps} steps`);
      }
      return new PrescribedLag(d.lags, d.repeat, d.scale);
  }
}

/**
 * The lag sources of a problem's delay channels on the grid of step h. Random channels share one
 * engine (the seed's delay stream of this path), drawing in channel order at every step.
 */
export function buildLagSources(problem: SddeProblem, h: number, nSteps: number, seed: number, path: number, interpolation: HistoryInterpolation): LagSource[] {
  const { channels } = delayChannels(problem.delay);
  let engine: Engine | undefined;
  const shared = () => (engine ??= deriveEngine(seed, 'delay', path));
  const single = channels.length === 1 && problem.delay.kind !== 'several' && problem.delay.kind !== 'per-coordinate';
  return channels.map((c, i) => buildLagSource(c, single ? 'problem.delay' : `problem.delay.delays[${i}]`, problem.t0, h, nSteps, shared, interpolation));
}

/** Refuse a delay that does not fit the grid of step h (before any work), as `solve` would. */
export function checkDelayOnGrid(problem: SddeProblem, h: number, interpolation: HistoryInterpolation = 'grid'): void {
  buildLagSources(problem, h, gridSteps(problem.t0, problem.T, h), 0, 0, interpolation);
}

/**
 * Solve an SDDE on the fixed grid t_k = t0 + k·dt with the given algorithm (Euler–Maruyama or Milstein),
 * drawing the Brownian increments and random lags from `seed` and `path` (same seed and path ⇒
 * bit-identical result, on any backend). Once stepping has started it never throws: a non-finite state
 * ends the run with status `'diverged'`, a `'stop'` event with `'terminated'`.
 *
 * @param problem - a problem from {@link defineSdde}.
 * @param algorithm - `new EulerMaruyama()` or `new Milstein()` (any {@link SddeAlgorithm}).
 * @param options - step size (required; must divide T − t0), saving, seed (default 0), path (default 0),
 * noise, lags, interpolation, events (see {@link SolveOptions}).
 * @returns the saved times and states, the status and the algorithm's declared orders.
 * @throws {@link ConfigError} before any step: `problem` / `algorithm` not built by this package,
 * `options.dt` not dividing T − t0, an unknown option, `options.saveAt` keeping more than 2^28 numbers,
 * `options.lags` / `options.noise` not matching the problem's channels / Brownian dimension,
 * `options.seed` outside [0, 2^53), a delay `tau` not on the grid with `interpolation: 'grid'`.
 * @example
 * ```ts
 * import { defineSdde, solve, EulerMaruyama, stateAt } from 'asgd-sdde';
 *
 * const problem = defineSdde({
 *   dim: 1,
 *   drift: (t, x, xLag, out) => { out[0] = -xLag[0]!; },
 *   diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1,
 *   T: 20,
 *   delay: { kind: 'constant', tau: 1 },
 * });
 * const sol = solve(problem, new EulerMaruyama(), { dt: 1e-3, seed: 42, saveAt: { final: true } });
 * console.log(sol.status, sol.t[0], stateAt(sol, 0)[0]); // the status, T and X(T)
 * //> ok 20 -0.16046802745795186
 * ```
 */
export function solve(problem: SddeProblem, algorithm: SddeAlgorithm, options: SolveOptions): SddeSolution {
  // ---- validation: nothing below the loop header may throw on user input ----
  if (typeof problem !== 'object' || problem === null || typeof problem.drift !== 'function' || typeof problem.diffusion !== 'object') throw new ConfigError('problem', `must be a problem built by defineSdde, got ${describe(problem)}`);
  if (typeof algorithm !== 'object' || algorithm === null || typeof algorithm.stepper !== 'function') throw new ConfigError('algorithm', `must be an SDDE algorithm such as new EulerMaruyama(), got ${describe(algorithm)}`);
  const o = plainObject(options, 'options');
  knownFields(o, 'options', OPTION_FIELDS);
  const h = positiveNumber(o.dt, 'options.dt');
  const seed = seedOrFresh(o.seed, 'options.seed');
  const path = o.path === undefined ? 0 : integer(o.path, 'options.path', { min: 0, max: 0xffff_ffff });
  const interpolation: HistoryInterpolation = o.interpolation === undefined ? 'grid' : oneOf(o.interpolation, 'options.interpolation', ['grid', 'linear', 'hermite'] as const);
  const nSteps = gridSteps(problem.t0, problem.T, h);
  const plan = planSaves(options.saveAt, nSteps, problem.t0, h, 'options.saveAt', 'interpolate');
  if (o.dense !== undefined && typeof o.dense !== 'boolean') throw new ConfigError('options.dense', `must be true or false, got ${describe(o.dense)}`);
  if (plan.steps.length * problem.dim > 2 ** 28) throw new ConfigError('options.saveAt', `would keep ${plan.steps.length} states of dimension ${problem.dim} (more than 2^28 numbers); save less often`);
  const { layout, channels } = delayChannels(problem.delay);
  let sources: LagSource[];
  if (options.lags === undefined) sources = buildLagSources(problem, h, nSteps, seed, path, interpolation);
  else {
    sources = Array.isArray(options.lags) ? options.lags : [options.lags];
    if (sources.length !== channels.length) throw new ConfigError('options.lags', `gives ${sources.length} lag source(s), the problem's delay has ${channels.length} channel(s)`);
  }
  const d = problem.dim;
  const m = problem.diffusion.noiseDim;
  let noise: BrownianIncrements | null = null;
  if (m > 0) {
    noise = options.noise ?? new GaussianIncrements(deriveEngine(seed, 'brownian', path), m, algorithm.substeps === undefined ? {} : { substeps: algorithm.substeps });
    if (noise.dim !== m) throw new ConfigError('options.noise', `has ${noise.dim} Brownian components, the diffusion needs ${m}`);
    if (noise instanceof PrescribedIncrements && noise.steps < nSteps) {
      throw new ConfigError('options.noise', `gives ${noise.steps} increments, the grid has ${nSteps} steps`);
    }
  }
  const stepper = algorithm.stepper(problem);
  let maxLag = 0;
  for (const src of sources) maxLag = Math.max(maxLag, src.maxLag);
  const policy = problem.beforeHistory;
  const t0 = problem.t0;
  // One lag on the grid, read inline (the loop below, unchanged since the first solver);
  // several delays, per-coordinate lags and reads between grid points go through the reader.
  const extended = sources.length > 1 || layout === 'coordinate' || interpolation !== 'grid' || problem.lagDim !== d;
  if (interpolation === 'hermite' && stepper.drift === undefined) throw new ConfigError('options.interpolation', `'hermite' needs a stepper that exposes its drift (${algorithm.name} does not); use 'linear'`);
  if (o.dense === true && stepper.drift === undefined) throw new ConfigError('options.dense', `needs a stepper that exposes its drift (${algorithm.name} does not); sol.at interpolates linearly without it`);
  const recordDrift = o.dense === true || interpolation === 'hermite';
  const signal = optionalSignal(o.signal, 'options.signal');
  const onProgress = optionalCallback<(done: number, total: number) => void>(o.onProgress, 'options.onProgress');
  const poll = signal !== undefined || onProgress !== undefined;
  throwIfAborted(signal);
  const events = options.events === undefined ? null : new EventTracker(options.events, d);

  // ---- buffers, allocated once ----
  const ring = new StateRing(maxLag + 1, d);
  const x = new Float64Array(d);
  const xLag = new Float64Array(problem.lagDim);
  const xNext = new Float64Array(d);
  const dB = new Float64Array(Math.max(1, m));
  const saveSteps = plan.steps;
  const tOut = new Float64Array(saveSteps.length);
  const xOut = new Float64Array(saveSteps.length * d);
  // drift at the saved states (dense output): the last state has none (no step starts there)
  const driftOut = recordDrift ? new Float64Array(saveSteps.length * d).fill(NaN) : null;
  let driftSaved = 0;
  const delays = options.recordDelays && !extended ? new Int32Array(nSteps) : undefined;
  const delayTable = options.recordDelays && extended ? new Float64Array(nSteps * sources.length) : null;
  const driftData = interpolation === 'hermite' ? new Float64Array((maxLag + 1) * d) : null;
  const reader = extended ? new DelayedReader(layout, sources, d, maxLag, policy, problem.history, t0, h, driftData) : null;
  const ctx: StepContext = { k: 0, channelStep: new Int32Array(sources.length), fine: noise?.fine ?? dB, substeps: noise?.substeps ?? 1 };
  let saved = 0;

  evalHistory(problem.history, t0, x);
  ring.data.set(x, 0); // X_0 in slot 0
  if (saveSteps[0] === 0) {
    tOut[0] = t0;
    xOut.set(x, 0);
    saved = 1;
  }
  if (stepper.bind) {
    const y0 = new Float64Array(problem.lagDim);
    for (let i = 0; i < y0.length; i++) y0[i] = x[i % d];
    stepper.bind({ maxLag, substeps: ctx.substeps, offGrid: interpolation !== 'grid', x0: Float64Array.from(x), y0 });
  }
  events?.start(t0, x);

  let status: 'ok' | 'diverged' | 'terminated' = 'ok';
  let divergence: { step: number; time: number } | undefined;

  // ---- the WebAssembly/SIMD kernels (src/kernels/): Euler–Maruyama on the library's Gaussian
  // stream for the problems they cover (one lag read on the grid, no events, one increment per
  // step); the same bits as the general loop below (tested) ----
  const lags = sources[0];
  if (
    options.kernel !== 'generic' &&
    driftOut === null &&
    !poll &&
    algorithm instanceof EulerMaruyama &&
    !extended &&
    events === null &&
    (noise === null || (noise instanceof GaussianIncrements && noise.substeps === 1)) &&
    emKernelApplies(problem, noise, lags)
  ) {
    const run: EmPath = { noise: noise as GaussianIncrements | null, lags, tOut, xOut, saved, ...(delays ? { delays } : {}), status: 'ok', steps: 0 };
    runEmKernel({ problem, h, nSteps, saveSteps, x0: x }, [run]);
    saved = run.saved;
    status = run.status;
    divergence = run.divergence;
    return finish(run.steps);
  }

  // The ring holds X_j in slot j mod capacity; `slot` tracks that for the current step without
  // an integer modulo per step (the hot loop's most expensive index operation otherwise).
  const capacity = maxLag + 1;
  const data = ring.data;
  const channelStep = ctx.channelStep;
  const stepperDrift = stepper.drift;
  let slot = 0; // slot of X_k
  let nextSave = saved < saveSteps.length ? saveSteps[saved] : -1;
  let k = 0;
  for (; k < nSteps; k++) {
    const t = t0 + k * h;
    if (poll && (k & POLL_MASK) === 0) {
      throwIfAborted(signal);
      onProgress?.(k, nSteps);
    }
    if (reader !== null) reader.fill(k, x, data, slot, capacity, xLag, channelStep, delayTable, k * sources.length);
    else {
      const drawn = lags.next(k);
      const lag = checkedLag(drawn, k, maxLag, policy);
      if (delays) delays[k] = lag;
      if (lag === 0) {
        for (let i = 0; i < d; i++) xLag[i] = x[i];
      } else if (lag <= k) {
        let rs = slot - lag;
        if (rs < 0) rs += capacity;
        const off = rs * d;
        for (let i = 0; i < d; i++) xLag[i] = data[off + i];
      } else {
        evalHistory(problem.history, t0 + (k - lag) * h, xLag);
      }
      channelStep[0] = lag === 0 ? k : lag <= k ? k - lag : -1;
    }
    if (noise !== null) noise.next(k, h, dB);
    ctx.k = k;
    stepper.step(t, h, x, xLag, dB, xNext, ctx);
    if (driftOut !== null && driftSaved < saveSteps.length && saveSteps[driftSaved] === k) {
      const off = driftSaved * d;
      for (let i = 0; i < d; i++) driftOut[off + i] = stepperDrift![i];
      driftSaved++;
    }

    let finite = true;
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(xNext[i])) {
        finite = false;
        break;
      }
    }
    if (!finite) {
      status = 'diverged';
      divergence = { step: k + 1, time: t0 + (k + 1) * h };
      break;
    }
    if (events !== null && events.afterStep(k, t, h, x, xNext)) {
      status = 'terminated';
      k++;
      break;
    }
    if (driftData !== null) {
      const off = slot * d;
      for (let i = 0; i < d; i++) driftData[off + i] = stepperDrift![i];
    }
    slot = slot + 1 === capacity ? 0 : slot + 1;
    const off = slot * d;
    for (let i = 0; i < d; i++) {
      x[i] = xNext[i];
      data[off + i] = xNext[i];
    }
    if (k + 1 === nextSave) {
      tOut[saved] = t0 + (k + 1) * h;
      const so = saved * d;
      for (let i = 0; i < d; i++) xOut[so + i] = x[i];
      saved++;
      nextSave = saved < saveSteps.length ? saveSteps[saved] : -1;
    }
  }

  return finish(k);

  function finish(k: number): SddeSolution {
    // steps taken: all of them, or up to the one that diverged / held the stopping event
    const done = status === 'ok' ? nSteps : k;
    throwIfAborted(signal); // no partial output
    onProgress?.(done, nSteps);
    const recorded = status === 'diverged' ? done + 1 : done;
    const stop = events?.stop();
    const note = stepper.note;
    const grid = { dim: d, t: saved === tOut.length ? tOut : tOut.slice(0, saved), x: saved === tOut.length ? xOut : xOut.slice(0, saved * d), ...(driftOut ? { drift: saved === tOut.length ? driftOut : driftOut.slice(0, saved * d) } : {}) };
    return withSolutionViews({
      status,
      ...(divergence ? { divergence } : {}),
      ...(stop ? { terminated: stop } : {}),
      ...(plan.requested ? atRequestedTimes(grid, plan.requested) : grid),
      // On divergence the lag of the step that blew up is kept too.
      ...(delays ? { delays: done === nSteps ? delays : delays.slice(0, recorded) } : {}),
      ...(delayTable ? { delayTable: { channels: sources.length, lags: done === nSteps ? delayTable : delayTable.slice(0, recorded * sources.length) } } : {}),
      ...(events ? { events: events.records() } : {}),
      steps: done,
      dt: h,
      seed,
      path,
      algorithm: { name: algorithm.name, strongOrder: algorithm.strongOrder, weakOrder: algorithm.weakOrder, ...(note ? { note } : {}) },
    });
  }
}
