/**
 * What an SDDE *is*, independent of how it is stepped or saved:
 *
 *   dX(t) = f(t, X(t), X(t − θ(t))) dt + g(t, X(t), X(t − θ(t))) dB(t),   t ∈ [t0, T],
 *   X(s) = ξ(s),  s ∈ [t0 − τ, t0],
 *
 * with X ∈ R^d, B an m-dimensional Brownian motion and 0 ≤ θ(t) ≤ τ (He et al. 2018, Section 2.2).
 * On the step grid t_k = t0 + k·h the delay is θ(t_k) = l_k·h with an integer lag l_k: constant,
 * a deterministic function of t, drawn at random from a delay model, or prescribed. With the
 * solve option `interpolation` a delay given in time may also fall between grid points.
 *
 * The delayed argument `xLag` has `lagDim` entries:
 *  - one delay:        X(t − θ(t))                                   (lagDim = d);
 *  - several delays:   X(t − θ₁(t)), …, X(t − θ_p(t)), one after the other   (lagDim = p·d);
 *  - per coordinate:   (X_1(t − θ_1(t)), …, X_d(t − θ_d(t))), coordinate j read at its own lag
 *                      (lagDim = d): the inconsistent read of Hogwild (Recht et al. 2011).
 *
 * Coefficients are written into caller-owned buffers (`out`), so the solver allocates nothing
 * per step.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { finiteMatrix, finiteNumber, finiteVector, integer, knownFields, nonNegativeNumber, oneOf, plainObject } from '../core/validate.ts';
import { type DelayModelSpec, DelayDistribution, delayModel, MAX_LAG_LIMIT } from '../delay/models.ts';
import { BEFORE_HISTORY_POLICIES, type BeforeHistory } from '../delay/lags.ts';

/** f or g: write the coefficient at (t, X(t), X(t−θ)) into `out`. */
export type CoefficientFn = (t: number, x: Float64Array, xLag: Float64Array, out: Float64Array) => void;

/**
 * The diffusion term and the shape of the noise:
 *  - 'none':     a deterministic DDE (σ = 0).
 *  - 'scalar':   one Brownian motion; g is a d-vector: dX_i += g_i dB.
 *  - 'diagonal': d independent Brownian motions; g is a d-vector: dX_i += g_i dB_i.
 *  - 'full':     m Brownian motions; g is a d×m matrix (row-major in `out`): dX += G dB.
 * `g` is a function or a constant (number for diagonal = the same on every component; vector;
 * matrix as rows).
 */
export type DiffusionSpec =
  | { noise: 'none' }
  | { noise: 'scalar'; g: CoefficientFn | ArrayLike<number> | number; dg?: DiffusionDerivatives }
  | { noise: 'diagonal'; g: CoefficientFn | ArrayLike<number> | number; dg?: DiffusionDerivatives }
  | { noise: 'full'; noiseDim?: number; g: CoefficientFn | number[][]; dg?: DiffusionDerivatives };

/**
 * A directional derivative (Jacobian–vector product) of g: out = (∂g/∂x)·v or (∂g/∂y)·v at
 * (t, x, y), v of length d (x) or lagDim (y). Used by Milstein; when absent, Milstein takes a
 * central difference of g along v (two evaluations of g, relative error ≈ 10⁻¹⁰).
 */
export type JvpFn = (t: number, x: Float64Array, xLag: Float64Array, v: Float64Array, out: Float64Array) => void;
/**
 * Directional derivatives of the diffusion g, for {@link Milstein}: `x` gives (∂g/∂x)·v, `y` gives
 * (∂g/∂y)·v with y the delayed argument. Either may be omitted (then a central difference of g is used).
 */
export interface DiffusionDerivatives {
  x?: JvpFn;
  y?: JvpFn;
}

/** Initial segment ξ on [t0 − τ, t0]: a constant, a function, or samples (linear interpolation). */
export type HistorySpec =
  | number
  | ArrayLike<number>
  | ((s: number, out: Float64Array) => void)
  | { times: number[]; values: number[][] };

/**
 * The delay θ(t):
 *  - none:         θ ≡ 0 (an SDE).
 *  - constant:     `lag` in steps, or `tau` in time (then τ/h must be an integer).
 *  - time-varying: θ(t) in time, with its bound `tau`; l_k = round(θ(t_k)/h).
 *  - random:       l_k drawn each step from a delay model (lags in steps, as He et al.: θ = l_k δ).
 *  - prescribed:   l_k given per step (e.g. replaying an ASGD run's delays); `repeat` grid steps
 *                  per entry and lags multiplied by `scale` (for a grid finer than the ASGD's).
 */
export type SingleDelaySpec =
  | { kind: 'none' }
  | { kind: 'constant'; lag?: number; tau?: number }
  | {
      kind: 'time-varying';
      /** θ(t) in time units, within [0, tau]. */
      theta: (t: number) => number;
      tau: number;
    }
  | { kind: 'random'; model: DelayModelSpec | DelayDistribution }
  | { kind: 'prescribed'; lags: Int32Array | number[]; repeat?: number; scale?: number };

/**
 * One delay, several delays (xLag = [X(t−θ₁); …; X(t−θ_p)]), or one delay per coordinate
 * (xLag_j = X_j(t − θ_j)): each given as its own delay, or, for per-coordinate lags, one random
 * model from which every coordinate draws its own lag each step. All of them read one history
 * ring sized to the largest lag.
 */
export type DelaySpec =
  | SingleDelaySpec
  | { kind: 'several'; delays: SingleDelaySpec[] }
  | { kind: 'per-coordinate'; delays: SingleDelaySpec[] }
  | { kind: 'per-coordinate'; model: DelayModelSpec | DelayDistribution };

/**
 * A linear drift f = A X(t) + B X(t−θ) + c (any part may be omitted): the form of He et al.'s
 * linear-regression SDDE (Eq. 7). The stepper evaluates it inline, without a callback per step.
 */
export interface LinearDriftSpec {
  linear: { x?: number[][]; y?: number[][]; c?: number[] };
}

/**
 * What {@link defineSdde} takes: the equation dX = f(t, X(t), X(t − θ)) dt + g(t, X(t), X(t − θ)) dB
 * on [t0, T] with X = ξ on [t0 − τ, t0] (He et al. 2018, Section 2.2).
 *
 * - `dim`: d, the state dimension (integer in [1, 10⁶]).
 * - `drift`: f as a {@link CoefficientFn} writing into `out`, or a {@link LinearDriftSpec}.
 * - `diffusion`: the noise shape and g ({@link DiffusionSpec}).
 * - `history`: ξ ({@link HistorySpec}).
 * - `t0`: start time, default 0; `T`: end time (> t0), in the same time unit as the delays.
 * - `delay`: θ ({@link DelaySpec}); default `{ kind: 'none' }` (an SDE).
 */
export interface SddeSpec {
  /** State dimension d (integer in [1, 10⁶]). */
  dim: number;
  /**
   * The drift f(t, x, xLag, out): a function writing f into `out` (nothing allocated per step), or a linear drift.
   */
  drift: CoefficientFn | LinearDriftSpec;
  /** The noise shape and the diffusion g. */
  diffusion: DiffusionSpec;
  /** The initial function ξ on [t0 − τ, t0]. */
  history: HistorySpec;
  /** Start time; default 0. */
  t0?: number;
  /** End time (> t0), in the time unit of the delays and of `dt`. */
  T: number;
  /** The delay θ(t); default `{ kind: 'none' }` (an SDE). */
  delay?: DelaySpec;
  /** What a read before t0 − … returns: see `BeforeHistory`. Default 'history'. */
  beforeHistory?: BeforeHistory;
}

/**
 * The diffusion of a validated {@link SddeProblem}: noise shape, number of Brownian motions m, and g as a
 * constant or a function.
 */
export type CompiledDiffusion = {
  kind: 'none' | 'scalar' | 'diagonal' | 'full';
  /** Number of Brownian motions m. */
  noiseDim: number;
  /** Length of g's output: d for scalar/diagonal, d·m for full, 0 for none. */
  size: number;
  constant: Float64Array | null;
  fn: CoefficientFn | null;
  /** Directional derivatives of g given by the user (Milstein), or null. */
  dg: { x: JvpFn | null; y: JvpFn | null } | null;
};

/**
 * The initial function ξ of a validated {@link SddeProblem}: a constant vector, a function, or samples
 * (times and row-major values, linearly interpolated).
 */
export type CompiledHistory =
  | { kind: 'constant'; value: Float64Array }
  | {
      kind: 'function';
      /** Writes ξ(s) into `out`. */
      fn: (s: number, out: Float64Array) => void;
    }
  | { kind: 'samples'; times: Float64Array; values: Float64Array };

/**
 * One validated delay channel of an {@link SddeProblem} (the form of {@link SingleDelaySpec} after
 * validation: random models compiled to a {@link DelayDistribution}, prescribed lags to an Int32Array).
 */
export type CompiledSingleDelay =
  | { kind: 'none' }
  | { kind: 'constant'; lag?: number; tau?: number }
  | {
      kind: 'time-varying';
      /** θ(t) in time units, within [0, tau]. */
      theta: (t: number) => number;
      tau: number;
    }
  | { kind: 'random'; model: DelayDistribution }
  | { kind: 'prescribed'; lags: Int32Array; repeat: number; scale: number };

/**
 * The validated delay of an {@link SddeProblem}: one channel, several, or one per coordinate.
 */
export type CompiledDelay =
  | CompiledSingleDelay
  | { kind: 'several'; channels: CompiledSingleDelay[] }
  | { kind: 'per-coordinate'; channels: CompiledSingleDelay[] };

/**
 * A linear drift f = A X(t) + B X(t−θ) + c of a validated {@link SddeProblem}, with its matrices
 * flattened row-major.
 */
export interface CompiledLinearDrift {
  /** d×d row-major, or null when absent. */
  A: Float64Array | null;
  /** d×lagDim row-major (on the whole delayed argument), or null when absent. */
  B: Float64Array | null;
  c: Float64Array | null;
}

/** A validated SDDE. Build with `defineSdde`. */
export interface SddeProblem {
  readonly dim: number;
  readonly drift: CoefficientFn;
  /** Set when the drift is linear: steppers may evaluate it inline. */
  readonly linearDrift: CompiledLinearDrift | null;
  readonly diffusion: CompiledDiffusion;
  readonly history: CompiledHistory;
  readonly t0: number;
  readonly T: number;
  readonly delay: CompiledDelay;
  /** Length of the delayed argument xLag: d (one delay, per coordinate) or p·d (p delays). */
  readonly lagDim: number;
  readonly beforeHistory: BeforeHistory;
}

/** The delay channels of a problem: each reads a whole state ('vector') or one coordinate ('coordinate'). */
export function delayChannels(delay: CompiledDelay): { layout: 'vector' | 'coordinate'; channels: CompiledSingleDelay[] } {
  if (delay.kind === 'several') return { layout: 'vector', channels: delay.channels };
  if (delay.kind === 'per-coordinate') return { layout: 'coordinate', channels: delay.channels };
  return { layout: 'vector', channels: [delay] };
}

const SPEC_FIELDS = ['dim', 'drift', 'diffusion', 'history', 't0', 'T', 'delay', 'beforeHistory'];

/**
 * Validate an SDDE and compile it into an {@link SddeProblem} for {@link solve}. Nothing is stepped.
 * The coefficient functions are called once, at (t0, ξ(t0), ξ(t0)), to check that they write into `out`.
 *
 * @param spec - the equation, its history, horizon and delay (see {@link SddeSpec}).
 * @returns the validated problem.
 * @throws {@link ConfigError} naming the field under `problem.` (e.g. `problem.dim`, `problem.T` when
 * T ≤ t0, `problem.drift`, `problem.diffusion.g`, `problem.history`, `problem.delay.tau`) for any
 * invalid or unknown field, or a coefficient that returns its value instead of writing `out`.
 * @example
 * ```ts
 * import { defineSdde, solve, EulerMaruyama } from 'asgd-sdde';
 *
 * // dX = −X(t − 1) dt + 0.3 dB on [0, 20], X ≡ 1 on [−1, 0]
 * const problem = defineSdde({
 *   dim: 1,
 *   drift: (t, x, xLag, out) => { out[0] = -xLag[0]; },
 *   diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1,
 *   T: 20,
 *   delay: { kind: 'constant', tau: 1 },
 * });
 * const sol = solve(problem, new EulerMaruyama(), { dt: 1e-3, seed: 42, saveAt: { every: 1000 } });
 * console.log(sol.status, sol.x.length); // ok 21
 * ```
 */
export function defineSdde(spec: SddeSpec): SddeProblem {
  const s = plainObject(spec, 'problem');
  knownFields(s, 'problem', SPEC_FIELDS);
  const dim = integer(s.dim, 'problem.dim', { min: 1, max: 1_000_000 });
  const delay = compileDelay(s.delay ?? { kind: 'none' }, dim);
  const lagDim = delay.kind === 'several' ? delay.channels.length * dim : dim;
  let linearDrift: CompiledLinearDrift | null = null;
  let drift: CoefficientFn;
  if (typeof s.drift === 'function') drift = s.drift as CoefficientFn;
  else if (typeof s.drift === 'object' && s.drift !== null && 'linear' in s.drift) {
    linearDrift = compileLinearDrift((s.drift as LinearDriftSpec).linear, dim, lagDim);
    drift = linearDriftFn(linearDrift, dim, lagDim);
  } else throw new ConfigError('problem.drift', `must be a function (t, x, xLag, out) => void or {linear: {x, y, c}}, got ${describe(s.drift)}`);
  const t0 = s.t0 === undefined ? 0 : finiteNumber(s.t0, 'problem.t0');
  const T = finiteNumber(s.T, 'problem.T');
  if (!(T > t0)) throw new ConfigError('problem.T', `must be > t0 = ${t0}, got ${T}`);
  const diffusion = compileDiffusion(s.diffusion, dim);
  const history = compileHistory(s.history, dim);
  const beforeHistory = s.beforeHistory === undefined ? 'history' : oneOf(s.beforeHistory, 'problem.beforeHistory', BEFORE_HISTORY_POLICIES);
  if (linearDrift === null) checkWritesOut(drift, 'problem.drift', history, t0, dim, dim, lagDim);
  if (diffusion.fn) checkWritesOut(diffusion.fn, 'problem.diffusion.g', history, t0, dim, diffusion.size, lagDim);
  return { dim, drift, linearDrift, diffusion, history, t0, T, delay, lagDim, beforeHistory };
}

/**
 * A coefficient written as `(t, x, y) => -y[0]` returns its value instead of writing it into
 * `out`; TypeScript accepts it (a function returning a number is assignable to one returning
 * void), and the solver would run it as zero. It is called once here, at (t0, ξ(t0), ξ(t0)), with
 * `out` filled with NaN: a returned value with nothing written is refused. (`(…, out) => out[0] =
 * -y[0]`, which writes and returns, is fine.)
 */
function checkWritesOut(fn: CoefficientFn, field: string, history: CompiledHistory, t0: number, dim: number, size: number, lagDim: number): void {
  const x = new Float64Array(dim);
  evalHistory(history, t0, x);
  const y = Float64Array.from({ length: lagDim }, (_, i) => x[i % dim]);
  const out = new Float64Array(Math.max(1, size)).fill(NaN);
  const returned = (fn as (t: number, x: Float64Array, y: Float64Array, out: Float64Array) => unknown)(t0, x, y, out);
  if (returned !== undefined && out.every(Number.isNaN)) {
    throw new ConfigError(field, `returned ${describe(returned)} and wrote nothing into out: a coefficient writes its value into out (out[i] = …) and returns nothing`);
  }
}

function compileLinearDrift(value: unknown, dim: number, lagDim: number): CompiledLinearDrift {
  const l = plainObject(value, 'problem.drift.linear');
  knownFields(l, 'problem.drift.linear', ['x', 'y', 'c']);
  if (l.x === undefined && l.y === undefined && l.c === undefined) throw new ConfigError('problem.drift.linear', 'needs at least one of x (matrix on X(t)), y (matrix on X(t−θ)), c (vector)');
  return {
    A: l.x === undefined ? null : finiteMatrix(l.x, 'problem.drift.linear.x', dim, dim),
    // with p delays, y is d × p·d: the blocks act on X(t−θ₁), …, X(t−θ_p)
    B: l.y === undefined ? null : finiteMatrix(l.y, 'problem.drift.linear.y', dim, lagDim),
    c: l.c === undefined ? null : finiteVector(l.c, 'problem.drift.linear.c', dim),
  };
}

/** The linear drift as an ordinary coefficient function (for code that evaluates f generically). */
export function linearDriftFn(L: CompiledLinearDrift, d: number, lagDim = d): CoefficientFn {
  return (_t, x, y, out) => {
    for (let i = 0; i < d; i++) {
      let s = L.c ? L.c[i] : 0;
      if (L.A) for (let j = 0; j < d; j++) s += L.A[i * d + j] * x[j];
      if (L.B) for (let j = 0; j < lagDim; j++) s += L.B[i * lagDim + j] * y[j];
      out[i] = s;
    }
  };
}

function compileDiffusion(value: unknown, dim: number): CompiledDiffusion {
  const d = plainObject(value, 'problem.diffusion');
  const kind = oneOf(d.noise, 'problem.diffusion.noise', ['none', 'scalar', 'diagonal', 'full'] as const);
  if (kind === 'none') {
    knownFields(d, 'problem.diffusion', ['noise']);
    return { kind, noiseDim: 0, size: 0, constant: null, fn: null, dg: null };
  }
  knownFields(d, 'problem.diffusion', kind === 'full' ? ['noise', 'g', 'noiseDim', 'dg'] : ['noise', 'g', 'dg']);
  // full: m Brownian motions; without noiseDim, m is the row length of a constant matrix (d × m, m ≠ d allowed) or d
  const rowLength = kind === 'full' && Array.isArray(d.g) && Array.isArray(d.g[0]) ? (d.g[0] as unknown[]).length : 0;
  const m = kind === 'scalar' ? 1 : kind === 'diagonal' ? dim : d.noiseDim !== undefined ? integer(d.noiseDim, 'problem.diffusion.noiseDim', { min: 1, max: 1_000_000 }) : rowLength > 0 ? rowLength : dim;
  const size = kind === 'full' ? dim * m : dim;
  const g = d.g;
  let dg: CompiledDiffusion['dg'] = null;
  if (d.dg !== undefined) {
    const o = plainObject(d.dg, 'problem.diffusion.dg');
    knownFields(o, 'problem.diffusion.dg', ['x', 'y']);
    for (const key of ['x', 'y'] as const) {
      if (o[key] !== undefined && typeof o[key] !== 'function') throw new ConfigError(`problem.diffusion.dg.${key}`, `must be a function (t, x, xLag, v, out) => void writing (∂g/∂${key})·v, got ${describe(o[key])}`);
    }
    if (typeof g !== 'function') throw new ConfigError('problem.diffusion.dg', 'derivatives are only meaningful for a diffusion given as a function (a constant g has none)');
    dg = { x: (o.x as JvpFn | undefined) ?? null, y: (o.y as JvpFn | undefined) ?? null };
  }
  if (typeof g === 'function') return { kind, noiseDim: m, size, constant: null, fn: g as CoefficientFn, dg };
  let constant: Float64Array;
  if (kind === 'full') {
    if (!Array.isArray(g)) throw new ConfigError('problem.diffusion.g', `must be a function or a ${dim}×${m} matrix (array of rows), got ${describe(g)}`);
    constant = new Float64Array(size);
    if (g.length !== dim) throw new ConfigError('problem.diffusion.g', `must have ${dim} rows, got ${g.length}`);
    for (let i = 0; i < dim; i++) constant.set(finiteVector(g[i], `problem.diffusion.g[${i}]`, m), i * m);
  } else if (typeof g === 'number') {
    constant = new Float64Array(size).fill(finiteNumber(g, 'problem.diffusion.g'));
  } else {
    constant = finiteVector(g, 'problem.diffusion.g', dim);
  }
  return { kind, noiseDim: m, size, constant, fn: null, dg: null };
}

/** Largest number of delays in a 'several' spec (each adds d entries to xLag). */
export const MAX_DELAYS = 64;

function compileDelay(value: unknown, dim: number): CompiledDelay {
  const d = plainObject(value, 'problem.delay');
  const kind = oneOf(d.kind, 'problem.delay.kind', ['none', 'constant', 'time-varying', 'random', 'prescribed', 'several', 'per-coordinate'] as const);
  if (kind === 'several') {
    knownFields(d, 'problem.delay', ['kind', 'delays']);
    if (!Array.isArray(d.delays) || d.delays.length === 0) throw new ConfigError('problem.delay.delays', `must be a non-empty array of delays, got ${describe(d.delays)}`);
    if (d.delays.length > MAX_DELAYS) throw new ConfigError('problem.delay.delays', `at most ${MAX_DELAYS} delays, got ${d.delays.length}`);
    return { kind, channels: d.delays.map((c: unknown, i: number) => compileSingleDelay(c, `problem.delay.delays[${i}]`)) };
  }
  if (kind === 'per-coordinate') {
    knownFields(d, 'problem.delay', ['kind', 'delays', 'model']);
    if ((d.delays === undefined) === (d.model === undefined)) throw new ConfigError('problem.delay', 'a per-coordinate delay needs exactly one of `delays` (one delay per coordinate) or `model` (every coordinate draws its own lag from this model)');
    if (d.model !== undefined) {
      const model = d.model instanceof DelayDistribution ? d.model : delayModel(d.model, 'problem.delay.model');
      return { kind, channels: Array.from({ length: dim }, () => ({ kind: 'random' as const, model })) };
    }
    if (!Array.isArray(d.delays) || d.delays.length !== dim) throw new ConfigError('problem.delay.delays', `must be an array of ${dim} delays (one per coordinate), got ${describe(d.delays)}`);
    return { kind, channels: d.delays.map((c: unknown, i: number) => compileSingleDelay(c, `problem.delay.delays[${i}]`)) };
  }
  return compileSingleDelay(d, 'problem.delay');
}

function compileSingleDelay(value: unknown, field: string): CompiledSingleDelay {
  const d = plainObject(value, field);
  const kind = oneOf(d.kind, `${field}.kind`, ['none', 'constant', 'time-varying', 'random', 'prescribed'] as const);
  switch (kind) {
    case 'none':
      knownFields(d, field, ['kind']);
      return { kind };
    case 'constant': {
      knownFields(d, field, ['kind', 'lag', 'tau']);
      if ((d.lag === undefined) === (d.tau === undefined)) {
        throw new ConfigError(field, 'a constant delay needs exactly one of `lag` (steps) or `tau` (time)');
      }
      if (d.lag !== undefined) return { kind, lag: integer(d.lag, `${field}.lag`, { min: 0, max: MAX_LAG_LIMIT }) };
      return { kind, tau: nonNegativeNumber(d.tau, `${field}.tau`) };
    }
    case 'time-varying': {
      knownFields(d, field, ['kind', 'theta', 'tau']);
      if (typeof d.theta !== 'function') throw new ConfigError(`${field}.theta`, `must be a function t => θ(t), got ${describe(d.theta)}`);
      return { kind, theta: d.theta as (t: number) => number, tau: nonNegativeNumber(d.tau, `${field}.tau`) };
    }
    case 'random': {
      knownFields(d, field, ['kind', 'model']);
      const model = d.model instanceof DelayDistribution ? d.model : delayModel(d.model, `${field}.model`);
      return { kind, model };
    }
    case 'prescribed': {
      knownFields(d, field, ['kind', 'lags', 'repeat', 'scale']);
      const raw = d.lags;
      if (!(raw instanceof Int32Array) && !Array.isArray(raw)) throw new ConfigError(`${field}.lags`, `must be an array of non-negative integers, got ${describe(raw)}`);
      const lags = new Int32Array(raw.length);
      for (let i = 0; i < raw.length; i++) lags[i] = integer(raw[i], `${field}.lags[${i}]`, { min: 0, max: MAX_LAG_LIMIT });
      const repeat = d.repeat === undefined ? 1 : integer(d.repeat, `${field}.repeat`, { min: 1 });
      const scale = d.scale === undefined ? 1 : integer(d.scale, `${field}.scale`, { min: 1 });
      return { kind, lags, repeat, scale };
    }
  }
}

function compileHistory(value: unknown, dim: number): CompiledHistory {
  if (typeof value === 'number') {
    return { kind: 'constant', value: new Float64Array(dim).fill(finiteNumber(value, 'problem.history')) };
  }
  if (typeof value === 'function') return { kind: 'function', fn: value as (s: number, out: Float64Array) => void };
  if (Array.isArray(value) || value instanceof Float64Array) {
    return { kind: 'constant', value: finiteVector(value, 'problem.history', dim) };
  }
  const h = plainObject(value, 'problem.history');
  knownFields(h, 'problem.history', ['times', 'values']);
  const times = finiteVector(h.times, 'problem.history.times');
  for (let i = 1; i < times.length; i++) {
    if (!(times[i] > times[i - 1])) throw new ConfigError(`problem.history.times[${i}]`, `must be strictly increasing, got ${times[i]} after ${times[i - 1]}`);
  }
  if (!Array.isArray(h.values) || h.values.length !== times.length) {
    throw new ConfigError('problem.history.values', `must have one row per time (${times.length} rows), got ${describe(h.values)}`);
  }
  const values = new Float64Array(times.length * dim);
  for (let i = 0; i < times.length; i++) values.set(finiteVector(h.values[i], `problem.history.values[${i}]`, dim), i * dim);
  return { kind: 'samples', times, values };
}

/** ξ(s) into `out` (samples: linear interpolation; outside the sampled range: the end value). */
export function evalHistory(h: CompiledHistory, s: number, out: Float64Array): void {
  switch (h.kind) {
    case 'constant':
      out.set(h.value);
      return;
    case 'function':
      h.fn(s, out);
      return;
    case 'samples': {
      const { times, values } = h;
      const d = out.length;
      const n = times.length;
      if (s <= times[0]) {
        for (let i = 0; i < d; i++) out[i] = values[i];
        return;
      }
      if (s >= times[n - 1]) {
        for (let i = 0; i < d; i++) out[i] = values[(n - 1) * d + i];
        return;
      }
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (times[mid] <= s) lo = mid;
        else hi = mid;
      }
      const w = (s - times[lo]) / (times[hi] - times[lo]);
      for (let i = 0; i < d; i++) out[i] = (1 - w) * values[lo * d + i] + w * values[hi * d + i];
      return;
    }
  }
}

