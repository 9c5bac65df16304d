/**
 * An ASGD run's configuration: the spec a user writes ({@link AsgdSpec}), its validation into an
 * {@link AsgdConfig} (checked once, before any work, every error naming its field), and the checks
 * that an entry point was handed a configuration built here.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { finiteNumber, finiteVector, integer, knownFields, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { BEFORE_HISTORY_POLICIES, type BeforeHistory } from '../delay/lags.ts';
import { DelayDistribution, type DelayModelSpec, delayModel } from '../delay/models.ts';
import { SAMPLING_MODES, type Sampling } from './minibatch.ts';
import { checkObjective, type FiniteSumObjective } from './objective.ts';
import { schedule as makeSchedule, type Schedule, type ScheduleSpec } from './schedule.ts';
import { type DelayCompensationSpec, delayCompensationSpec } from './delay-compensation.ts';

/**
 * What {@link asgdConfig} and {@link runAsgd} take: an ASGD run x_{k+1} = x_k − η u_k g_{M_k}(b, x_{k−l_k})
 * (He et al. 2018, Eq. 3/4). Required: `objective`, `x0`, `eta` (η > 0), `iterations` (K ≥ 1),
 * `batchSize` (b ≥ 1). Optional, with defaults: `sampling` 'with-replacement', `delay` constant 0 (SGD;
 * lags in iterations), `beforeHistory` 'clip', `history` x0, `schedule` constant, `stepScale` none,
 * `read` 'consistent', `sparse` none, `compensation` none.
 */
export interface AsgdSpec {
  /** The finite sum F = (1/n) Σ fᵢ whose component gradients are sampled. */
  objective: FiniteSumObjective;
  /** x_0: a vector of length d (or a number for every component). */
  x0: ArrayLike<number> | number;
  /** Base learning rate η. */
  eta: number;
  /** Number of iterations K. */
  iterations: number;
  /** Minibatch size b. */
  batchSize: number;
  /** Default 'with-replacement' (the i.i.d. model of He et al. Section 3). */
  sampling?: Sampling;
  /** Delay model of l_k, in iterations; default constant 0 (SGD). */
  delay?: DelayModelSpec | DelayDistribution;
  /** Reads before iteration 0: 'clip' (default, He et al. footnote 2), 'warmup' or 'history'. */
  beforeHistory?: BeforeHistory;
  /** x_j for j < 0 under 'history'; default x_0. */
  history?: ArrayLike<number> | number;
  /** Step-size schedule u_k; default `{ kind: 'constant' }`. */
  schedule?: ScheduleSpec;
  /**
   * Staleness-adaptive step (MindTheStep-AsyncPSGD, Bäckström et al. 2019, Algorithm 1 line 13):
   * the step of an update read at lag l is η u_k · stepScale(l); 0 drops the gradient (the
   * iterate does not move). Tabulated for l = 0..maxLag before the run (see `adaptiveStep`).
   */
  stepScale?: (lag: number) => number;
  /**
   * 'consistent' (default): the whole x_{k−l_k} is read. 'inconsistent': coordinate j is read at
   * its own lag l_{k,j}, drawn independently from `delay` (Hogwild); or give one model per
   * coordinate as {kind: 'inconsistent', delays: [...]}.
   */
  read?: 'consistent' | 'inconsistent' | { kind: 'inconsistent'; delays: (DelayModelSpec | DelayDistribution)[] };
  /** Hogwild sparse updates: each update writes `coordinates` of the d coordinates (uniform subset), scaled by d/coordinates unless rescale is false. */
  sparse?: { coordinates: number; rescale?: boolean };
  /** Delay compensation (DC-ASGD, Zheng et al. 2017): g ← g + λ g ⊙ g ⊙ (x_k − x_read). */
  compensation?: DelayCompensationSpec;
}

/** A validated ASGD configuration. */
export interface AsgdConfig {
  objective: FiniteSumObjective;
  x0: Float64Array;
  eta: number;
  iterations: number;
  batchSize: number;
  sampling: Sampling;
  delay: DelayDistribution;
  beforeHistory: BeforeHistory;
  history: Float64Array;
  schedule: Schedule;
  /** stepScale(l) for l = 0..maxLag, or undefined for 1 everywhere. */
  stepScales?: Float64Array;
  /** Inconsistent read: the delay model of each coordinate (length d); null under consistent read. */
  coordinateDelays: DelayDistribution[] | null;
  /** Sparse updates: coordinates written per update and whether the update is scaled by d/s; null: dense. */
  sparse: { coordinates: number; rescale: boolean } | null;
  compensation: DelayCompensationSpec | null;
}

const SPEC_FIELDS = ['objective', 'x0', 'eta', 'iterations', 'batchSize', 'sampling', 'delay', 'beforeHistory', 'history', 'schedule', 'stepScale', 'read', 'sparse', 'compensation'];

function vectorOrScalar(v: unknown, field: string, d: number): Float64Array {
  if (typeof v === 'number') return new Float64Array(d).fill(finiteNumber(v, field));
  return finiteVector(v, field, d);
}

/** Marks configurations built (and so validated) by asgdConfig. */
const VALIDATED = Symbol('asgd-sdde.validated-asgd-config');

/**
 * Validate an ASGD spec into an {@link AsgdConfig}, checked once and reusable by {@link runAsgd},
 * {@link runPair}, {@link sddeFromAsgd} and ensembles. Nothing is run.
 *
 * @param spec - the run (see {@link AsgdSpec}).
 * @param field - the prefix of field names in errors; default `'asgd'`.
 * @throws {@link ConfigError} naming the field (`asgd.eta`, `asgd.iterations`, `asgd.batchSize` — also
 * when b > n without replacement —, `asgd.x0`, `asgd.delay.*`, `asgd.stepScale` returning a negative or
 * non-finite value, `asgd.read.delays`, `asgd.sparse.*`, `asgd.compensation.*`, unknown fields).
 * @example
 * ```ts
 * import { asgdConfig, runPair, toyObjective } from 'asgd-sdde';
 *
 * const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.005, iterations: 2000, batchSize: 1,
 *   delay: { kind: 'constant', lag: 10 }, beforeHistory: 'warmup' });
 * const pair = runPair(cfg, { coupling: 'quantile', seed: 1 });
 * console.log(cfg.delay.maxLag, pair.distance.length);
 * //> 10 2001
 * ```
 */
export function asgdConfig(spec: AsgdSpec, field = 'asgd'): AsgdConfig {
  const s = plainObject(spec, field);
  knownFields(s, field, SPEC_FIELDS);
  const objective = spec.objective;
  checkObjective(objective, `${field}.objective`);
  const d = objective.dim;
  const x0 = vectorOrScalar(s.x0, `${field}.x0`, d);
  checkObjective(objective, `${field}.objective`, x0); // its gradient writes into out, F(x0) is finite
  const eta = positiveNumber(s.eta, `${field}.eta`);
  // iteration indices are Int32 (saved steps, recorded delays)
  const iterations = integer(s.iterations, `${field}.iterations`, { min: 1, max: 2 ** 31 - 1 });
  const sampling = s.sampling === undefined ? 'with-replacement' : oneOf(s.sampling, `${field}.sampling`, SAMPLING_MODES);
  const batchSize = integer(s.batchSize, `${field}.batchSize`, { min: 1, max: 1_000_000 });
  if (sampling === 'without-replacement' && batchSize > objective.n) {
    throw new ConfigError(`${field}.batchSize`, `must be <= n = ${objective.n} when sampling without replacement, got ${batchSize}`);
  }
  const delay = s.delay === undefined ? delayModel({ kind: 'constant', lag: 0 }, `${field}.delay`) : s.delay instanceof DelayDistribution ? s.delay : delayModel(s.delay as DelayModelSpec, `${field}.delay`);
  const beforeHistory = s.beforeHistory === undefined ? 'clip' : oneOf(s.beforeHistory, `${field}.beforeHistory`, BEFORE_HISTORY_POLICIES);
  const history = s.history === undefined ? x0 : vectorOrScalar(s.history, `${field}.history`, d);
  let stepScales: Float64Array | undefined;
  if (s.stepScale !== undefined) {
    if (typeof s.stepScale !== 'function') throw new ConfigError(`${field}.stepScale`, 'must be a function lag => multiplier of the step');
    // tabulated once: the hot loop reads a Float64Array, and a bad multiplier is refused before any work
    stepScales = new Float64Array(delay.maxLag + 1);
    for (let l = 0; l <= delay.maxLag; l++) {
      const v = (s.stepScale as (lag: number) => number)(l);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError(`${field}.stepScale`, `must return a finite number >= 0, got ${v} at lag ${l}`);
      stepScales[l] = v;
    }
  }
  let coordinateDelays: DelayDistribution[] | null = null;
  if (s.read !== undefined && s.read !== 'consistent') {
    if (s.read === 'inconsistent') coordinateDelays = Array.from({ length: d }, () => delay);
    else {
      const r = plainObject(s.read, `${field}.read`);
      knownFields(r, `${field}.read`, ['kind', 'delays']);
      oneOf(r.kind, `${field}.read.kind`, ['inconsistent'] as const);
      if (!Array.isArray(r.delays) || r.delays.length !== d) throw new ConfigError(`${field}.read.delays`, `must be an array of ${d} delay models (one per coordinate), got ${describe(r.delays)}`);
      if (s.delay !== undefined) throw new ConfigError(`${field}.delay`, 'give either delay (every coordinate draws from it) or read.delays (one model per coordinate), not both');
      coordinateDelays = r.delays.map((m: unknown, j: number) => (m instanceof DelayDistribution ? m : delayModel(m as DelayModelSpec, `${field}.read.delays[${j}]`)));
    }
    if (stepScales) throw new ConfigError(`${field}.stepScale`, 'a staleness-adaptive step needs one staleness per update; under inconsistent read every coordinate has its own');
  }
  let sparse: AsgdConfig['sparse'] = null;
  if (s.sparse !== undefined) {
    const sp = plainObject(s.sparse, `${field}.sparse`);
    knownFields(sp, `${field}.sparse`, ['coordinates', 'rescale']);
    const coordinates = integer(sp.coordinates, `${field}.sparse.coordinates`, { min: 1, max: d });
    if (sp.rescale !== undefined && typeof sp.rescale !== 'boolean') throw new ConfigError(`${field}.sparse.rescale`, `must be true or false, got ${describe(sp.rescale)}`);
    sparse = { coordinates, rescale: sp.rescale !== false };
  }
  const compensation = s.compensation === undefined ? null : delayCompensationSpec(s.compensation, `${field}.compensation`);
  // under read.delays the consistent-read `delay` is the coordinates' widest model (it sizes the ring)
  const ringDelay = coordinateDelays && s.delay === undefined ? coordinateDelays.reduce((a, m) => (m.maxLag > a.maxLag ? m : a)) : delay;
  const cfg: AsgdConfig = { objective, x0, eta, iterations, batchSize, sampling, delay: ringDelay, beforeHistory, history, schedule: makeSchedule(s.schedule, `${field}.schedule`), ...(stepScales ? { stepScales } : {}), coordinateDelays, sparse, compensation };
  Object.defineProperty(cfg, VALIDATED, { value: true, enumerable: false });
  return cfg;
}

function isConfig(c: AsgdSpec | AsgdConfig): c is AsgdConfig {
  return typeof c === 'object' && c !== null && (c as unknown as Record<symbol, unknown>)[VALIDATED] === true;
}

/** `cfg`, if it was built by asgdConfig; a ConfigError naming `field` otherwise (for entry points that take a built configuration). */
export function validatedConfig(cfg: unknown, field: string): AsgdConfig {
  if (!isConfig(cfg as AsgdConfig)) throw new ConfigError(field, 'must be an ASGD configuration built by asgdConfig({ objective, x0, eta, iterations, batchSize, … })');
  return cfg as AsgdConfig;
}

/** An ASGD configuration as built (and validated) by `asgdConfig`, or a spec to validate: always a validated configuration. */
export function toAsgdConfig(c: AsgdSpec | AsgdConfig, field = 'asgd'): AsgdConfig {
  return isConfig(c) ? c : asgdConfig(c as AsgdSpec, field);
}
