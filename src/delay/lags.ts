/**
 * Sources of the integer lag l_k used at step k, and the policy for steps where the lag reaches
 * before the start (k − l_k < 0).
 *
 * A lag source only says which lag was *drawn*; `effectiveLag` applies the policy:
 *  - 'clip'    l_k ← min(l_k, k): only existing iterates are read (He et al. 2018, footnote 2:
 *              "for k ≤ l, the random delay l_k only takes values from {0, 1, …, k}").
 *  - 'warmup'  l_k ← 0 while k < maxLag: plain SGD until a full history exists (He et al.
 *              Section 5: "we run the SGD during the first ten steps").
 *  - 'history' keep l_k; a read before the start returns the initial function ξ(t_k − l_k·h)
 *              (the SDDE's initial segment on [−τ, 0]).
 */
import type { DelayDistribution } from './models.ts';
import type { Engine } from '../random/streams.ts';

/**
 * What a read before the start returns (He et al. footnote 2): `'clip'` reads x_0 (l_k = min(l_k, k)),
 * `'warmup'` uses lag 0 until k reaches maxLag, `'history'` reads the initial function ξ.
 */
export type BeforeHistory = 'clip' | 'warmup' | 'history';
/**
 * The values of {@link BeforeHistory}.
 */
export const BEFORE_HISTORY_POLICIES = ['clip', 'warmup', 'history'] as const;

/**
 * A source of lags, one per step (the solve and runner option `lags`): {@link ConstantLag},
 * {@link RandomLag}, {@link PrescribedLag}, {@link TimeVaryingLag}, {@link FractionalLag}.
 */
export interface LagSource {
  /** Upper bound of every lag this source returns: sizes the history ring. */
  readonly maxLag: number;
  /** The drawn lag at step k (steps are requested in order 0, 1, 2, …). */
  next(k: number): number;
}

/**
 * The lag actually used at step k after the policy for reads before the start ({@link BeforeHistory}).
 *
 * @param drawn - the lag drawn for step k.
 * @param maxLag - the source's largest lag (the warm-up length of `'warmup'`).
 * @example
 * ```ts
 * import { effectiveLag } from 'asgd-sdde';
 *
 * // a lag of 5 drawn at step 3 (maxLag 8): 'warmup' runs plain SGD until k reaches maxLag,
 * // 'clip' reads the start x_0, 'history' reads 5 steps back into the history
 * console.log(effectiveLag(5, 3, 8, 'warmup'), effectiveLag(5, 3, 8, 'clip'), effectiveLag(5, 3, 8, 'history'), effectiveLag(5, 20, 8, 'warmup'));
 * //> 0 3 5 5
 * ```
 */
export function effectiveLag(drawn: number, k: number, maxLag: number, policy: BeforeHistory): number {
  switch (policy) {
    case 'clip':
      return drawn <= k ? drawn : k;
    case 'warmup':
      return k < maxLag ? 0 : drawn;
    case 'history':
      return drawn;
  }
}

/**
 * `effectiveLag`, checked: a custom LagSource must stay within the maxLag it declared (the history
 * ring holds no more). The one version the SDDE loops, the delayed read and the kernel host use.
 *
 * @param channel - the lag source's channel, named in the error when there are several.
 * @throws RangeError when the effective lag is outside [0, maxLag]
 * @remarks Example (an internal helper, not in the package API): `checkedLag(5, 3, 8, 'clip') // 3: only X_0 … X_3 exist at step 3`
 */
export function checkedLag(drawn: number, k: number, maxLag: number, policy: BeforeHistory, channel?: number): number {
  const lag = effectiveLag(drawn, k, maxLag, policy);
  if (!(lag >= 0 && lag <= maxLag)) throw new RangeError(`lag source${channel === undefined ? '' : ` ${channel}`} returned ${lag} at step ${k}, outside [0, maxLag = ${maxLag}]`);
  return lag;
}

/** The same lag at every step (in steps). */
export class ConstantLag implements LagSource {
  readonly maxLag: number;
  /**
   * A constant lag.
   *
   * @param lag - the lag in steps (integer ≥ 0; not validated here).
   */
  constructor(lag: number) {
    this.maxLag = lag;
  }
  next(): number {
    return this.maxLag;
  }
}

/** Random lag drawn independently at every step from a delay model, on its own engine. */
export class RandomLag implements LagSource {
  readonly maxLag: number;
  private readonly model: DelayDistribution;
  private readonly engine: Engine;
  /**
   * Lags drawn from `model` on `engine`.
   *
   * @param model - the delay model ({@link delayModel}).
   * @param engine - the engine of the delay stream (e.g. `deriveEngine(seed, 'delay', path)`).
   */
  constructor(model: DelayDistribution, engine: Engine) {
    this.model = model;
    this.engine = engine;
    this.maxLag = model.maxLag;
  }
  next(): number {
    return this.model.sample(this.engine);
  }
}

/** Lags given in advance, one per step (e.g. the lags an ASGD run drew, replayed in its SDDE). */
export class PrescribedLag implements LagSource {
  readonly maxLag: number;
  private readonly lags: Int32Array;
  private readonly repeat: number;
  private readonly scale: number;
  /**
   * `repeat` fine steps per entry and a `scale` on each lag: a coarse lag l_k (in steps of δ)
   * replayed on a grid h = δ/m is `new PrescribedLag(lags, m, m)` (θ = l_k·δ = l_k·m·h).
   */
  constructor(lags: Int32Array, repeat = 1, scale = 1) {
    this.lags = lags;
    this.repeat = repeat;
    this.scale = scale;
    let max = 0;
    for (let i = 0; i < lags.length; i++) if (lags[i] > max) max = lags[i];
    this.maxLag = max * scale;
  }
  next(k: number): number {
    const i = Math.floor(k / this.repeat);
    if (i >= this.lags.length) throw new RangeError(`prescribed lags: step ${k} needs entry ${i}, only ${this.lags.length} given`);
    return this.lags[i] * this.scale;
  }
}

/** Deterministic time-varying delay θ(t), put on the grid as l_k = round(θ(t_k)/h). */
export class TimeVaryingLag implements LagSource {
  readonly maxLag: number;
  private readonly theta: (t: number) => number;
  private readonly t0: number;
  private readonly h: number;
  /**
   * θ(t) rounded to the grid.
   *
   * @param theta - θ(t), in time units.
   * @param maxLag - bound of the rounded lags, in steps.
   * @param t0 - start time; `h` the step.
   */
  constructor(theta: (t: number) => number, maxLag: number, t0: number, h: number) {
    this.theta = theta;
    this.maxLag = maxLag;
    this.t0 = t0;
    this.h = h;
  }
  next(k: number): number {
    return Math.round(this.theta(this.t0 + k * this.h) / this.h);
  }
}

/**
 * A delay given in time, read between grid points: the lag at step k is θ(t_k)/h steps, not
 * rounded (constant θ ≡ τ when `theta` is a number). A lag within 10⁻⁹ of a whole number of
 * steps is snapped to it, so a delay on the grid is read exactly. `maxLag` = ⌈τ/h⌉ bounds it.
 */
export class FractionalLag implements LagSource {
  readonly maxLag: number;
  private readonly theta: ((t: number) => number) | number;
  private readonly t0: number;
  private readonly h: number;
  /**
   * θ(t) (or τ) read between grid points.
   *
   * @param theta - θ(t) in time units, or a constant τ.
   * @param tauBound - the bound of θ (in time); maxLag = ⌈tauBound/h⌉.
   * @param t0 - start time; `h` the step.
   */
  constructor(theta: ((t: number) => number) | number, tauBound: number, t0: number, h: number) {
    this.theta = theta;
    this.t0 = t0;
    this.h = h;
    this.maxLag = Math.ceil(snapSteps(tauBound / h));
  }
  next(k: number): number {
    const th = typeof this.theta === 'number' ? this.theta : this.theta(this.t0 + k * this.h);
    return snapSteps(th / this.h);
  }
}

/** A lag in steps, snapped to the nearest whole number when within 10⁻⁹ (relative) of it. */
export function snapSteps(lag: number): number {
  const r = Math.round(lag);
  return Math.abs(lag - r) <= 1e-9 * Math.max(1, r) ? r : lag;
}
