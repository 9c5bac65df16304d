/**
 * Staleness-adaptive step sizes α(τ) of MindTheStep-AsyncPSGD (Bäckström et al. 2019, Section IV),
 * computed in log space — λ^{−τ}(τ!)^ν overflows long before τ = 200 — and never returned as
 * Infinity or NaN:
 *  - geometric (Eq. 9):          α(τ) = C^{−τ} p^{−1} α
 *  - cmp (Eq. 14):               α(τ) = C λ^{−τ} (τ!)^ν α                 (makes Σ∇ = 0, Thm 4)
 *  - cmp-momentum (Eq. 15–16):   α(τ) = c(τ) λ^{−τ} (τ!)^ν α,  c(τ) = 1 − K/(α e^λ) Σ_{j<τ} λ^j/(j!)^ν
 *  - poisson-momentum (Eq. 17):  α(τ) = (1 − (K/α) Γ(τ,λ)/Γ(τ)) λ^{−τ} τ! α (implicit momentum K, Cor 2)
 * Options (the paper's experiment): normalize so that E_τ[α(τ)] = α_c over an observed staleness
 * sample (Eq. 26), cap at a multiple of α_c (5), drop gradients with τ above a threshold.
 * Where α(τ) is beyond the double range (or negative, for the momentum forms) and no cap applies,
 * the step is refused for that τ: `scale` returns 0 and `overflowed` counts it.
 */
import { ConfigError } from '../core/errors.ts';
import { integer, knownFields, oneOf, plainObject, positiveNumber, finiteNumber } from '../core/validate.ts';
import { gammaP, logGammaQ } from '../core/special.ts';
import { cmpLogNormalizer } from '../delay/models.ts';

/**
 * A staleness-adaptive step α(τ) of MindTheStep-AsyncPSGD (Bäckström et al. 2019): `geometric` (Eq. 12,
 * C and p), `cmp` (Conway–Maxwell–Poisson, Eq. 14: C, λ, ν), or the implicit-momentum forms
 * `cmp-momentum` and `poisson-momentum` (Theorem 5 / Corollary 2: K, λ and ν).
 */
export type AdaptiveStepSpec =
  | { kind: 'geometric'; C: number; p: number }
  | { kind: 'cmp'; C: number; lambda: number; nu: number }
  | { kind: 'cmp-momentum'; K: number; lambda: number; nu: number }
  | { kind: 'poisson-momentum'; K: number; lambda: number };

/**
 * A compiled staleness-adaptive step ({@link adaptiveStep}): α(τ) relative to the base step, after
 * normalization, cap and drop; pass `(tau) => step.scale(tau)` as a `stepScale`.
 */
export interface AdaptiveStep {
  spec: AdaptiveStepSpec;
  /** log α(τ)/α for τ ≥ 0 (−Infinity where α(τ) ≤ 0). */
  logRelative(tau: number): number;
  /** α(τ) as a multiple of the base α, after normalization, cap and drop (0: dropped or refused). */
  scale(tau: number): number;
  /** Calls of `scale` that refused a gradient because α(τ) was not positive or not representable. */
  overflowed: number;
  /** With `normalizeOver`: E_τ[scale(τ)] over that sample (1 unless the cap makes 1 unattainable). */
  meanScale?: number;
}

const logFact = (() => {
  const t = [0];
  return (n: number) => {
    for (let i = t.length; i <= n; i++) t.push(t[i - 1] + Math.log(i));
    return t[n];
  };
})();

/**
 * `alpha` is the base step α of the formulas (it enters the momentum forms through K/α);
 * normalization rescales so that the mean multiplier over `normalizeOver`, cap and drops included,
 * is 1 (E_τ[α(τ)] = α, Eq. 26).
 */
export function adaptiveStep(input: unknown, alpha: number, options: { normalizeOver?: ArrayLike<number>; cap?: number; dropAbove?: number } = {}, field = 'adaptive'): AdaptiveStep {
  const s = plainObject(input, field);
  const kind = oneOf(s.kind, `${field}.kind`, ['geometric', 'cmp', 'cmp-momentum', 'poisson-momentum'] as const);
  positiveNumber(alpha, `${field}.alpha`);
  let spec: AdaptiveStepSpec;
  let logRel: (tau: number) => number;
  switch (kind) {
    case 'geometric': {
      knownFields(s, field, ['kind', 'C', 'p']);
      const C = positiveNumber(s.C, `${field}.C`);
      const p = positiveNumber(s.p, `${field}.p`);
      if (p > 1) throw new ConfigError(`${field}.p`, `must be <= 1, got ${p}`);
      spec = { kind, C, p };
      logRel = (tau) => -tau * Math.log(C) - Math.log(p);
      break;
    }
    case 'cmp': {
      knownFields(s, field, ['kind', 'C', 'lambda', 'nu']);
      const C = positiveNumber(s.C, `${field}.C`);
      const lambda = positiveNumber(s.lambda, `${field}.lambda`);
      const nu = positiveNumber(s.nu, `${field}.nu`);
      spec = { kind, C, lambda, nu };
      logRel = (tau) => Math.log(C) - tau * Math.log(lambda) + nu * logFact(tau);
      break;
    }
    case 'cmp-momentum': {
      knownFields(s, field, ['kind', 'K', 'lambda', 'nu']);
      const K = finiteNumber(s.K, `${field}.K`);
      const lambda = positiveNumber(s.lambda, `${field}.lambda`);
      const nu = positiveNumber(s.nu, `${field}.nu`);
      spec = { kind, K, lambda, nu };
      // c(τ) = 1 − r e^{−λ} S_τ, S_τ = Σ_{j<τ} λ^j/(j!)^ν, r = K/α. For ν = 1 this is Eq. 17 (Cor 2),
      // computed as such; otherwise, past the mode (where S_τ ≈ Z and the difference cancels) as
      // (1 − r e^{−λ} Z) + r e^{−λ} T_τ with the tail T_τ = Z − S_τ summed directly.
      const r = K / alpha;
      const logLambda = Math.log(lambda);
      const term = (j: number) => j * logLambda - nu * logFact(j);
      const mode = Math.floor(Math.exp(logLambda / nu));
      const logZ = nu === 1 ? lambda : cmpLogNormalizer(lambda, nu);
      const headMinusOne = -Math.expm1(Math.log(Math.abs(r)) - lambda + logZ) * Math.sign(r) + (r < 0 ? 2 : 0); // 1 − r e^{−λ}Z
      logRel = (tau) => {
        let c: number;
        if (nu === 1) c = poissonMomentumFactor(r, tau, lambda);
        else if (tau <= mode) c = 1 - r * Math.exp(logSumExp(0, tau, term) - lambda);
        else c = headMinusOne + r * Math.exp(logSumExp(tau, Infinity, term) - lambda);
        if (!(c > 0)) return -Infinity;
        return Math.log(c) - tau * logLambda + nu * logFact(tau);
      };
      break;
    }
    case 'poisson-momentum': {
      knownFields(s, field, ['kind', 'K', 'lambda']);
      const K = finiteNumber(s.K, `${field}.K`);
      const lambda = positiveNumber(s.lambda, `${field}.lambda`);
      spec = { kind, K, lambda };
      logRel = (tau) => {
        const c = poissonMomentumFactor(K / alpha, tau, lambda);
        if (!(c > 0)) return -Infinity;
        return Math.log(c) - tau * Math.log(lambda) + logFact(tau);
      };
      break;
    }
  }
  // α(τ) depends on τ alone: tabulated on first use (the server asks once per applied gradient)
  const raw = logRel;
  const memo: number[] = [];
  logRel = (tau) => (Number.isInteger(tau) && tau >= 0 && tau < 1e6 ? (memo[tau] ??= raw(tau)) : raw(tau));
  const cap = options.cap === undefined ? Infinity : positiveNumber(options.cap, `${field}.cap`);
  const dropAbove = options.dropAbove === undefined ? Infinity : integer(options.dropAbove, `${field}.dropAbove`, { min: 0 });
  // Normalization (Eq. 26): E_τ[scale(τ)] = 1 over the observed sample, where scale includes the
  // cap and counts dropped (τ > dropAbove) and refused (α(τ) ≤ 0) gradients as 0 — they are not
  // applied. Without a cap this is a log-mean-exp; with one, the mean of min(s·α(τ)/α, cap) is
  // non-decreasing in s and is solved by bisection in log s. If even s → ∞ (every applied
  // gradient at the cap) gives a mean below 1, the target is unattainable: s = ∞ and `meanScale`
  // reports the mean actually reached.
  let logNorm = 0;
  let meanScale: number | undefined;
  if (options.normalizeOver !== undefined) {
    const sample = options.normalizeOver;
    if (sample.length === 0) throw new ConfigError(`${field}.normalizeOver`, 'the staleness sample is empty');
    const counts = new Map<number, number>();
    for (let i = 0; i < sample.length; i++) {
      const t = sample[i];
      if (!(Number.isInteger(t) && t >= 0)) throw new ConfigError(`${field}.normalizeOver[${i}]`, `must be a non-negative integer staleness, got ${t}`);
      if (t <= dropAbove) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const logs: number[] = [];
    const weights: number[] = [];
    for (const [t, c] of counts) {
      const l = logRel(t);
      if (Number.isFinite(l)) {
        logs.push(l);
        weights.push(c / sample.length);
      }
    }
    if (logs.length === 0) throw new ConfigError(`${field}.normalizeOver`, 'α(τ) is not positive for any observed τ that is kept');
    let m = -Infinity;
    for (const l of logs) if (l > m) m = l;
    const mean = (logS: number) => logs.reduce((acc, l, i) => acc + weights[i] * Math.min(Math.exp(l + logS), cap), 0);
    let logS = -(m + Math.log(logs.reduce((acc, l, i) => acc + weights[i] * Math.exp(l - m), 0))); // the uncapped solution
    if (cap < Infinity && mean(logS) < 1) {
      const reachable = weights.reduce((a, w) => a + w, 0) * cap;
      if (reachable < 1) logS = Infinity;
      else {
        // mean(lo) < 1 ≤ mean(hi): at hi every kept α(τ) is at the cap
        let lo = logS;
        let hi = Math.log(cap) - Math.min(...logs);
        for (let it = 0; it < 200 && hi - lo > 1e-13 * (1 + Math.abs(hi)); it++) {
          const mid = (lo + hi) / 2;
          if (mean(mid) < 1) lo = mid;
          else hi = mid;
        }
        logS = hi;
      }
    }
    logNorm = -logS;
    meanScale = Number.isFinite(logS) ? mean(logS) : weights.reduce((a, w) => a + w, 0) * cap;
  }
  const step: AdaptiveStep = {
    spec,
    overflowed: 0,
    ...(meanScale !== undefined ? { meanScale } : {}),
    logRelative: logRel,
    scale(tau) {
      if (tau > dropAbove) return 0;
      const l = logRel(tau) - logNorm;
      const v = Math.exp(l);
      if (Number.isFinite(v) && v > 0) return Math.min(v, cap);
      if (l > 0 && cap < Infinity) return cap; // overflowed above the cap: the cap applies
      step.overflowed++;
      return 0;
    },
  };
  return step;
}

/**
 * c(τ) = 1 − r Q(τ, λ) of Eq. 17 (Q(0, λ) = 0). For r ≤ 1 it is written (1 − r) + r P(τ, λ), a sum
 * of non-negative terms, so it keeps its relative precision where Q → 1 (τ ≫ λ) instead of
 * cancelling to 0.
 */
function poissonMomentumFactor(r: number, tau: number, lambda: number): number {
  if (tau === 0) return 1;
  return r >= 0 && r <= 1 ? 1 - r + r * gammaP(tau, lambda) : 1 - r * Math.exp(logGammaQ(tau, lambda));
}

/** log Σ_{j=from}^{to−1} e^{term(j)}; an infinite `to` sums until the terms have fallen e^{40} below the largest. */
function logSumExp(from: number, to: number, term: (j: number) => number): number {
  if (from >= to) return -Infinity;
  // two passes over a finite range; for a tail, terms past `from` decrease (from > mode), so the first is the largest
  let m = -Infinity;
  const end = Number.isFinite(to) ? to : from + 1;
  for (let j = from; j < end; j++) m = Math.max(m, term(j));
  let sum = 0;
  for (let j = from; j < to; j++) {
    const t = term(j) - m;
    sum += Math.exp(t);
    if (!Number.isFinite(to) && t < -40) break;
  }
  return m + Math.log(sum);
}
