/**
 * Delay (staleness) models: distributions of the integer lag l_k ∈ {0, …, maxLag} drawn at each
 * step. Shared by the SDDE solver (θ(t) = l_k·h) and the ASGD runner (x_{k−l_k}).
 *
 * Every model is compiled into a truncated, renormalized pmf on {0..maxLag} and its CDF; a draw
 * is one uniform mapped through the inverse CDF (binary search), so draws are monotone in the
 * uniform. pmfs are built in log space with a log-sum-exp normalizer, so λ^i/(i!)^ν never
 * overflows (MindTheStep Eq. 12 with λ = 10^4 is fine).
 *
 * Conventions (as in MindTheStep, Backström et al. 2019):
 *  - geometric(p):   P[τ = i] = p(1−p)^i,            i ≥ 0      (Theorem 2)
 *  - poisson(λ):     P[τ = i] = e^{−λ} λ^i / i!
 *  - cmp(λ, ν):      P[τ = i] = λ^i / ((i!)^ν Z(λ,ν)) (Eq. 12; λ, not μ = λ^{1/ν})
 *  - uniform(maxLag): P[τ = i] = 1/(maxLag+1),       i ∈ {0..maxLag}
 *
 * Field names: `maxLag` is the largest lag of every model that has one — the bound of the
 * uniform model, the truncation of the others (the same number either way: no lag exceeds it).
 * The uniform model's older name for it, `max`, is still read; giving both is refused, so that
 * no field can be a silent truncation of another.
 *  - constant(lag):  τ ≡ lag (consumes no random numbers)
 *  - pmf(weights):   P[τ = i] ∝ weights[i]
 */
import { ConfigError } from '../core/errors.ts';
import { integer, knownFields, numberInRange, oneOf, plainObject, positiveNumber, finiteNumber } from '../core/validate.ts';
import { type Engine, uniformOpen01 } from '../random/streams.ts';

/**
 * A delay (staleness) model: the law of the integer lag l ∈ {0, …, maxLag}, in steps (iterations for
 * ASGD, grid steps for the SDDE). Kinds: `constant` (lag), `uniform` (maxLag), `geometric`
 * (P[l = i] = p(1−p)^i, p ∈ (0, 1]), `poisson` (λ), `cmp` (Conway–Maxwell–Poisson λ^i/(i!)^ν,
 * MindTheStep Eq. 12), `pmf` (weights ∝ P[l = i]). Unbounded laws are truncated at `maxLag` and
 * renormalized. Compile with {@link delayModel}.
 */
export type DelayModelSpec =
  | { kind: 'constant'; lag: number }
  | { kind: 'uniform'; maxLag: number }
  /** The uniform model's older field name (read as maxLag). */
  | { kind: 'uniform'; max: number }
  | { kind: 'geometric'; p: number; maxLag: number }
  | { kind: 'poisson'; lambda: number; maxLag: number }
  | { kind: 'cmp'; lambda: number; nu: number; maxLag: number }
  | { kind: 'pmf'; weights: number[]; maxLag?: number };

/**
 * The `kind`s of {@link DelayModelSpec}.
 */
export const DELAY_MODEL_KINDS = ['constant', 'uniform', 'geometric', 'poisson', 'cmp', 'pmf'] as const;

/** Largest lag we accept: the history ring buffer holds maxLag+1 states. */
export const MAX_LAG_LIMIT = 10_000_000;

/**
 * A compiled delay model: the truncated, renormalized pmf on {0, …, maxLag} and its CDF. A draw maps
 * one uniform through the inverse CDF, so draws are monotone in the uniform (which the quantile
 * couplings of the bridge rely on). Build with {@link delayModel}.
 */
export class DelayDistribution {
  readonly spec: DelayModelSpec;
  readonly maxLag: number;
  /** P[l = i], i = 0..maxLag, summing to 1. */
  readonly pmf: Float64Array;
  /** P[l ≤ i]; cdf[maxLag] = 1 exactly. */
  readonly cdf: Float64Array;
  /** Smallest lag with positive probability (the constant model has min = max). */
  readonly minLag: number;
  private readonly deterministic: boolean;

  /**
   * Compile a model from its log weights (use {@link delayModel}, which validates the spec).
   *
   * @param spec - the model it was built from (kept for reports).
   * @param logWeights - unnormalized log P[l = i], i = 0..maxLag (normalized here by log-sum-exp).
   */
  constructor(spec: DelayModelSpec, logWeights: Float64Array) {
    this.spec = spec;
    this.maxLag = logWeights.length - 1;
    const pmf = normalizeLogWeights(logWeights);
    this.pmf = pmf;
    const cdf = new Float64Array(pmf.length);
    let acc = 0;
    for (let i = 0; i < pmf.length; i++) {
      acc += pmf[i];
      cdf[i] = acc;
    }
    // The last positive-mass index closes the CDF at exactly 1 so every u < 1 maps to a lag.
    let last = pmf.length - 1;
    while (last > 0 && pmf[last] === 0) last--;
    for (let i = last; i < cdf.length; i++) cdf[i] = 1;
    this.cdf = cdf;
    let first = 0;
    while (first < pmf.length && pmf[first] === 0) first++;
    this.minLag = first;
    this.deterministic = first === last;
  }

  /** The mean lag E[l], in steps. */
  get mean(): number {
    let m = 0;
    for (let i = 0; i < this.pmf.length; i++) m += i * this.pmf[i];
    return m;
  }

  /** Lag for the uniform u ∈ (0,1): the smallest i with cdf[i] > u (inverse CDF). */
  quantile(u: number): number {
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Draw one lag (an integer in [minLag, maxLag]) from the engine (one 32-bit draw; none for a constant).
   */
  sample(engine: Engine): number {
    if (this.deterministic) return this.minLag;
    return this.quantile(uniformOpen01(engine));
  }
}

function normalizeLogWeights(logW: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logW.length; i++) if (logW[i] > max) max = logW[i];
  const out = new Float64Array(logW.length);
  let sum = 0;
  for (let i = 0; i < logW.length; i++) {
    const w = logW[i] === -Infinity ? 0 : Math.exp(logW[i] - max);
    out[i] = w;
    sum += w;
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * log i! for i = 0..n as a Neumaier-compensated running sum of log j: the error stays at a few
 * ulps of log i! instead of growing like i·ε. (mathjs's lgamma is off by ~2e-10 at i = 1000, so
 * it is not used here.)
 */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  const acc = new CompensatedSum();
  for (let i = 2; i <= n; i++) out[i] = acc.add(Math.log(i));
  return out;
}

/** Neumaier's compensated summation; `add` returns the running total. */
class CompensatedSum {
  private sum = 0;
  private c = 0;
  add(x: number): number {
    const t = this.sum + x;
    if (Math.abs(this.sum) >= Math.abs(x)) this.c += this.sum - t + x;
    else this.c += x - t + this.sum;
    this.sum = t;
    return this.sum + this.c;
  }
}

function maxLagField(value: unknown, field: string): number {
  return integer(value, field, { min: 0, max: MAX_LAG_LIMIT });
}

/**
 * Validate a delay-model spec (plain JSON or typed) and compile it. Throws ConfigError naming
 * the field (prefixed with `field`) on any out-of-range parameter.
 *
 * @param specInput - a {@link DelayModelSpec}.
 * @param field - the prefix of field names in errors; default `'delay'`.
 * @throws {@link ConfigError} `delay.kind` (unknown), `delay.maxLag` (not an integer in [0, 10⁷]),
 * `delay.p` (outside (0, 1]), `delay.lambda`, `delay.nu`, `delay.weights`, or both `max` and `maxLag`.
 * @example
 * ```ts
 * import { delayModel, deriveEngine } from 'asgd-sdde';
 *
 * const geo = delayModel({ kind: 'geometric', p: 0.3, maxLag: 50 });
 * const engine = deriveEngine(2026, 'delay', 0);
 * console.log(geo.mean.toFixed(3), geo.sample(engine), geo.sample(engine)); // mean ≈ (1 − p)/p, two draws
 * //> 2.333 1 3
 * ```
 */
export function delayModel(specInput: DelayModelSpec, field = 'delay'): DelayDistribution {
  const spec = plainObject(specInput, field);
  const kind = oneOf(spec.kind, `${field}.kind`, DELAY_MODEL_KINDS);
  switch (kind) {
    case 'constant': {
      knownFields(spec, field, ['kind', 'lag']);
      const lag = integer(spec.lag, `${field}.lag`, { min: 0, max: MAX_LAG_LIMIT });
      const logW = new Float64Array(lag + 1).fill(-Infinity);
      logW[lag] = 0;
      return new DelayDistribution({ kind, lag }, logW);
    }
    case 'uniform': {
      knownFields(spec, field, ['kind', 'max', 'maxLag']);
      if (spec.max !== undefined && spec.maxLag !== undefined) {
        throw new ConfigError(`${field}.max`, `is the older name of maxLag (the largest lag of the uniform model); give only maxLag, got both max = ${JSON.stringify(spec.max)} and maxLag = ${JSON.stringify(spec.maxLag)}`);
      }
      const maxLag = spec.maxLag !== undefined || spec.max === undefined ? maxLagField(spec.maxLag, `${field}.maxLag`) : integer(spec.max, `${field}.max`, { min: 0, max: MAX_LAG_LIMIT });
      return new DelayDistribution({ kind, maxLag }, new Float64Array(maxLag + 1));
    }
    case 'geometric': {
      knownFields(spec, field, ['kind', 'p', 'maxLag']);
      const p = numberInRange(spec.p, `${field}.p`, 0, 1, { loOpen: true });
      const maxLag = maxLagField(spec.maxLag, `${field}.maxLag`);
      const logW = new Float64Array(maxLag + 1);
      const log1mp = p === 1 ? -Infinity : Math.log1p(-p);
      for (let i = 0; i <= maxLag; i++) logW[i] = i === 0 ? 0 : i * log1mp;
      return new DelayDistribution({ kind, p, maxLag }, logW);
    }
    case 'poisson':
    case 'cmp': {
      knownFields(spec, field, kind === 'cmp' ? ['kind', 'lambda', 'nu', 'maxLag'] : ['kind', 'lambda', 'maxLag']);
      const lambda = positiveNumber(spec.lambda, `${field}.lambda`);
      const nu = kind === 'cmp' ? positiveNumber(spec.nu, `${field}.nu`) : 1;
      const maxLag = maxLagField(spec.maxLag, `${field}.maxLag`);
      const logFact = logFactorials(maxLag);
      const logLambda = Math.log(lambda);
      const logW = new Float64Array(maxLag + 1);
      for (let i = 0; i <= maxLag; i++) logW[i] = i * logLambda - nu * logFact[i];
      const compiled: DelayModelSpec = kind === 'cmp' ? { kind, lambda, nu, maxLag } : { kind, lambda, maxLag };
      return new DelayDistribution(compiled, logW);
    }
    case 'pmf': {
      knownFields(spec, field, ['kind', 'weights', 'maxLag']);
      const w = spec.weights;
      if (!Array.isArray(w) || w.length === 0) {
        throw new ConfigError(`${field}.weights`, 'must be a non-empty array of non-negative numbers (weights of lags 0, 1, …)');
      }
      if (w.length - 1 > MAX_LAG_LIMIT) throw new ConfigError(`${field}.weights`, `too long: at most ${MAX_LAG_LIMIT + 1} lags`);
      const maxLag = spec.maxLag === undefined ? w.length - 1 : maxLagField(spec.maxLag, `${field}.maxLag`);
      const n = Math.min(w.length - 1, maxLag);
      const logW = new Float64Array(n + 1);
      let total = 0;
      for (let i = 0; i < w.length; i++) {
        const v = finiteNumber(w[i], `${field}.weights[${i}]`);
        if (v < 0) throw new ConfigError(`${field}.weights[${i}]`, `must be >= 0, got ${v}`);
        if (i <= n) {
          logW[i] = v === 0 ? -Infinity : Math.log(v);
          total += v;
        }
      }
      if (!(total > 0)) throw new ConfigError(`${field}.weights`, `must have positive total weight on lags 0..${n}`);
      return new DelayDistribution({ kind, weights: w.slice(0, n + 1) as number[], maxLag: n }, logW);
    }
  }
}

/**
 * log Z(λ, ν) = log Σ_{j≥0} λ^j/(j!)^ν, the untruncated Conway–Maxwell–Poisson normalizer
 * (MindTheStep Eq. 12), by log-sum-exp. The terms increase up to the mode ⌊λ^{1/ν}⌋ and then
 * decrease faster than geometrically; summation stops once a term is e^{-40} below the largest.
 */
export function cmpLogNormalizer(lambda: number, nu: number): number {
  positiveNumber(lambda, 'lambda');
  positiveNumber(nu, 'nu');
  const logLambda = Math.log(lambda);
  const mode = Math.floor(Math.exp(logLambda / nu));
  if (!(mode <= 1e8)) throw new RangeError(`cmpLogNormalizer: the mode λ^(1/ν) = ${Math.exp(logLambda / nu)} is beyond 1e8 terms`);
  const limit = mode + 10_000_000;
  // First pass finds the largest term, at the mode; the second sums relative to it.
  const term = (j: number, lf: number) => j * logLambda - nu * lf;
  const modeFact = new CompensatedSum();
  let lf = 0;
  for (let j = 2; j <= mode; j++) lf = modeFact.add(Math.log(j));
  const maxTerm = term(mode, lf);
  const fact = new CompensatedSum();
  let logFact = 0;
  let sum = 0;
  for (let j = 0; j <= limit; j++) {
    if (j >= 2) logFact = fact.add(Math.log(j));
    const t = term(j, logFact) - maxTerm;
    sum += Math.exp(t);
    if (j > mode && t < -40) break;
  }
  return maxTerm + Math.log(sum);
}
