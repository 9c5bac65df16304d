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
import { finiteNumber, integer, knownFields, oneOf, plainObject } from '../core/validate.ts';
import type { DelayDistribution, DelayModelSpec } from '../delay/models.ts';
import { BEFORE_HISTORY_POLICIES, type BeforeHistory } from '../delay/lags.ts';
import { checkWritesOut, compileDelay, compileDiffusion, compileHistory, compileLinearDrift, linearDriftFn } from './problem-compile.ts';

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
 *   drift: (t, x, xLag, out) => { out[0] = -xLag[0]!; },
 *   diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1,
 *   T: 20,
 *   delay: { kind: 'constant', tau: 1 },
 * });
 * const sol = solve(problem, new EulerMaruyama(), { dt: 1e-3, seed: 42, saveAt: { every: 1000 } });
 * console.log(sol.status, sol.x.length); // t = 0, 1, …, 20 saved
 * //> ok 21
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
