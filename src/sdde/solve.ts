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
import { integer, knownFields, plainObject, positiveNumber, seedValue } from '../core/validate.ts';
import { MAX_LAG_LIMIT } from '../delay/models.ts';
import { ConstantLag, type LagSource, PrescribedLag, RandomLag, TimeVaryingLag } from '../delay/lags.ts';
import { deriveEngine } from '../random/streams.ts';
import type { SddeAlgorithm } from './algorithm.ts';
import { EulerMaruyama } from './algorithms/euler-maruyama.ts';
import { type BrownianIncrements, GaussianIncrements, PrescribedIncrements } from './brownian.ts';
import { evalHistory, type SddeProblem } from './problem.ts';
import { planSaves, type SaveAtSpec } from './save-at.ts';
import type { SddeSolution } from './solution.ts';

export interface SolveOptions {
  /** Step size h; must divide T − t0. */
  dt: number;
  /** What to keep; default every step. */
  saveAt?: SaveAtSpec;
  /** Master seed (integer in [0, 2^53)); default 0. */
  seed?: number;
  /** Path index: selects the independent streams of this path; default 0. */
  path?: number;
  /** Keep the effective lag of every step (O(steps) memory); default false. */
  recordDelays?: boolean;
  /** Drive the solve with these Brownian increments instead of the seed's stream. */
  noise?: BrownianIncrements;
  /** Take the lags from this source instead of the problem's delay spec. */
  lags?: LagSource;
  /**
   * 'auto' (default) uses a specialized loop where one applies (scalar linear drift, constant
   * noise, constant lag, Euler–Maruyama); 'generic' forces the general loop. Both give
   * bit-identical results (tested); the switch exists for tests and benchmarks.
   */
  kernel?: 'auto' | 'generic';
}

const OPTION_FIELDS = ['dt', 'saveAt', 'seed', 'path', 'recordDelays', 'noise', 'lags', 'kernel'];

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

function buildLagSource(problem: SddeProblem, h: number, nSteps: number, seed: number, path: number): LagSource {
  const d = problem.delay;
  switch (d.kind) {
    case 'none':
      return new ConstantLag(0);
    case 'constant': {
      if (d.lag !== undefined) return new ConstantLag(d.lag);
      const ratio = d.tau! / h;
      const lag = Math.round(ratio);
      if (!(lag <= MAX_LAG_LIMIT)) throw new ConfigError('problem.delay.tau', `τ/dt = ${ratio} steps exceeds the largest lag ${MAX_LAG_LIMIT}`);
      if (!(Math.abs(ratio - lag) <= 1e-6)) {
        throw new ConfigError('problem.delay.tau', `τ = ${d.tau} is not a whole number of steps of dt = ${h} (τ/dt = ${ratio}); delays live on the step grid`);
      }
      return new ConstantLag(lag);
    }
    case 'time-varying': {
      const maxLag = Math.round(d.tau / h);
      if (!(maxLag <= MAX_LAG_LIMIT)) throw new ConfigError('problem.delay.tau', `τ/dt = ${d.tau / h} steps exceeds the largest lag ${MAX_LAG_LIMIT}`);
      // Check θ on the whole grid now, so that a bad θ is refused before any work.
      for (let k = 0; k < nSteps; k++) {
        const t = problem.t0 + k * h;
        const th = d.theta(t);
        if (!Number.isFinite(th) || th < 0 || Math.round(th / h) > maxLag) {
          throw new ConfigError('problem.delay.theta', `θ(${t}) = ${describe(th)} is outside [0, τ = ${d.tau}]`);
        }
      }
      return new TimeVaryingLag(d.theta, maxLag, problem.t0, h);
    }
    case 'random':
      return new RandomLag(d.model, deriveEngine(seed, 'delay', path));
    case 'prescribed':
      if (d.lags.length * d.repeat < nSteps) {
        throw new ConfigError('problem.delay.lags', `${d.lags.length} lags × repeat ${d.repeat} do not cover ${nSteps} steps`);
      }
      return new PrescribedLag(d.lags, d.repeat, d.scale);
  }
}

/** Refuse a delay that does not fit the grid of step h (before any work), as `solve` would. */
export function checkDelayOnGrid(problem: SddeProblem, h: number): void {
  buildLagSource(problem, h, gridSteps(problem.t0, problem.T, h), 0, 0);
}

export function solve(problem: SddeProblem, algorithm: SddeAlgorithm, options: SolveOptions): SddeSolution {
  // ---- validation: nothing below the loop header may throw on user input ----
  if (typeof problem !== 'object' || problem === null || typeof problem.drift !== 'function' || typeof problem.diffusion !== 'object') throw new ConfigError('problem', `must be a problem built by defineSdde, got ${describe(problem)}`);
  if (typeof algorithm !== 'object' || algorithm === null || typeof algorithm.stepper !== 'function') throw new ConfigError('algorithm', `must be an SDDE algorithm such as new EulerMaruyama(), got ${describe(algorithm)}`);
  const o = plainObject(options, 'options');
  knownFields(o, 'options', OPTION_FIELDS);
  const h = positiveNumber(o.dt, 'options.dt');
  const seed = o.seed === undefined ? 0 : seedValue(o.seed, 'options.seed');
  const path = o.path === undefined ? 0 : integer(o.path, 'options.path', { min: 0, max: 0xffff_ffff });
  const nSteps = gridSteps(problem.t0, problem.T, h);
  const plan = planSaves(options.saveAt, nSteps, problem.t0, h, 'options.saveAt');
  if (plan.steps.length * problem.dim > 2 ** 28) throw new ConfigError('options.saveAt', `would keep ${plan.steps.length} states of dimension ${problem.dim} (more than 2^28 numbers); save less often`);
  const lags = options.lags ?? buildLagSource(problem, h, nSteps, seed, path);
  const d = problem.dim;
  const m = problem.diffusion.noiseDim;
  let noise: BrownianIncrements | null = null;
  if (m > 0) {
    noise = options.noise ?? new GaussianIncrements(deriveEngine(seed, 'brownian', path), m);
    if (noise.dim !== m) throw new ConfigError('options.noise', `has ${noise.dim} Brownian components, the diffusion needs ${m}`);
    if (noise instanceof PrescribedIncrements && noise.steps < nSteps) {
      throw new ConfigError('options.noise', `gives ${noise.steps} increments, the grid has ${nSteps} steps`);
    }
  }
  const stepper = algorithm.stepper(problem);
  const maxLag = lags.maxLag;
  const policy = problem.beforeHistory;
  const t0 = problem.t0;

  // ---- buffers, allocated once ----
  const ring = new StateRing(maxLag + 1, d);
  const x = new Float64Array(d);
  const xLag = new Float64Array(d);
  const xNext = new Float64Array(d);
  const dB = new Float64Array(Math.max(1, m));
  const saveSteps = plan.steps;
  const tOut = new Float64Array(saveSteps.length);
  const xOut = new Float64Array(saveSteps.length * d);
  const delays = options.recordDelays ? new Int32Array(nSteps) : undefined;
  let saved = 0;

  evalHistory(problem.history, t0, x);
  ring.data.set(x, 0); // X_0 in slot 0
  if (saveSteps[0] === 0) {
    tOut[0] = t0;
    xOut.set(x, 0);
    saved = 1;
  }

  let status: 'ok' | 'diverged' = 'ok';
  let divergence: { step: number; time: number } | undefined;

  // ---- specialized kernel: d = 1, linear drift, constant scalar/diagonal noise from an engine,
  // constant lag, Euler–Maruyama. Same draws, same arithmetic as the general loop below. ----
  const dif = problem.diffusion;
  const L = problem.linearDrift;
  if (
    options.kernel !== 'generic' &&
    algorithm instanceof EulerMaruyama &&
    d === 1 &&
    L !== null &&
    dif.constant !== null &&
    (dif.kind === 'diagonal' || dif.kind === 'scalar') &&
    noise instanceof GaussianIncrements &&
    lags instanceof ConstantLag
  ) {
    const a = L.A === null ? null : L.A[0];
    const b = L.B === null ? null : L.B[0];
    const c = L.c === null ? null : L.c[0];
    const g = dif.constant[0];
    const sqrtH = Math.sqrt(h);
    const sampler = noise.sampler;
    const lag0 = lags.maxLag;
    const capacity = maxLag + 1;
    const data = ring.data;
    let slot = 0;
    let xk = x[0];
    let nextSave = saved < saveSteps.length ? saveSteps[saved] : -1;
    let k = 0;
    for (; k < nSteps; k++) {
      const lag = policy === 'clip' ? (lag0 <= k ? lag0 : k) : policy === 'warmup' ? (k < maxLag ? 0 : lag0) : lag0;
      if (delays) delays[k] = lag;
      let xl: number;
      if (lag === 0) xl = xk;
      else if (lag <= k) {
        let rs = slot - lag;
        if (rs < 0) rs += capacity;
        xl = data[rs];
      } else {
        evalHistory(problem.history, t0 + (k - lag) * h, xLag);
        xl = xLag[0];
      }
      // the general stepper's f = (A x) + (B xLag) + c, with absent terms as +0, in the same order
      const f = (a === null ? 0 : a * xk) + (b === null ? 0 : b * xl) + (c === null ? 0 : c);
      const dBk = sqrtH * sampler.next();
      const xn = xk + h * f + g * dBk;
      if (!Number.isFinite(xn)) {
        status = 'diverged';
        divergence = { step: k + 1, time: t0 + (k + 1) * h };
        break;
      }
      xk = xn;
      slot = slot + 1 === capacity ? 0 : slot + 1;
      data[slot] = xn;
      if (k + 1 === nextSave) {
        tOut[saved] = t0 + (k + 1) * h;
        xOut[saved] = xn;
        saved++;
        nextSave = saved < saveSteps.length ? saveSteps[saved] : -1;
      }
    }
    return finish(k);
  }

  // The ring holds X_j in slot j mod capacity; `slot` tracks that for the current step without
  // an integer modulo per step (the hot loop's most expensive index operation otherwise).
  const capacity = maxLag + 1;
  const data = ring.data;
  let slot = 0; // slot of X_k
  const clip = policy === 'clip';
  const warmup = policy === 'warmup';
  let nextSave = saved < saveSteps.length ? saveSteps[saved] : -1;
  let k = 0;
  for (; k < nSteps; k++) {
    const t = t0 + k * h;
    const drawn = lags.next(k);
    const lag = clip ? (drawn <= k ? drawn : k) : warmup ? (k < maxLag ? 0 : drawn) : drawn;
    // a custom LagSource must stay within the maxLag it declared (the ring holds no more)
    if (!(lag >= 0 && lag <= maxLag)) throw new RangeError(`lag source returned ${lag} at step ${k}, outside [0, maxLag = ${maxLag}]`);
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
    if (noise !== null) noise.next(k, h, dB);
    stepper.step(t, h, x, xLag, dB, xNext);

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
  const done = status === 'ok' ? nSteps : k;
  return {
    status,
    ...(divergence ? { divergence } : {}),
    dim: d,
    t: saved === tOut.length ? tOut : tOut.slice(0, saved),
    x: saved === tOut.length ? xOut : xOut.slice(0, saved * d),
    // On divergence the lag of the step that blew up is kept too.
    ...(delays ? { delays: done === nSteps ? delays : delays.slice(0, done + 1) } : {}),
    steps: done,
    dt: h,
    seed,
    path,
    algorithm: { name: algorithm.name, strongOrder: algorithm.strongOrder, weakOrder: algorithm.weakOrder },
  };
  }
}
