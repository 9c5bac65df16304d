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
import { logGammaQ } from '../core/special.ts';

export type AdaptiveStepSpec =
  | { kind: 'geometric'; C: number; p: number }
  | { kind: 'cmp'; C: number; lambda: number; nu: number }
  | { kind: 'cmp-momentum'; K: number; lambda: number; nu: number }
  | { kind: 'poisson-momentum'; K: number; lambda: number };

export interface AdaptiveStep {
  spec: AdaptiveStepSpec;
  /** log α(τ)/α for τ ≥ 0 (−Infinity where α(τ) ≤ 0). */
  logRelative(tau: number): number;
  /** α(τ) as a multiple of the base α, after normalization, cap and drop (0: dropped or refused). */
  scale(tau: number): number;
  /** Staleness values for which α(τ) overflowed or was not positive (refused, not applied). */
  overflowed: number;
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
 * normalization rescales so that the mean multiplier over `sample` is 1 (E_τ[α(τ)] = α).
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
      logRel = (tau) => {
        // Σ_{j<τ} λ^j/(j!)^ν in logs (log-sum-exp), then c(τ) = 1 − (K/α) e^{−λ} Σ
        let m = -Infinity;
        const terms: number[] = [];
        for (let j = 0; j < tau; j++) {
          const t = j * Math.log(lambda) - nu * logFact(j);
          terms.push(t);
          if (t > m) m = t;
        }
        const logSum = tau === 0 ? -Infinity : m + Math.log(terms.reduce((acc, t) => acc + Math.exp(t - m), 0));
        const c = 1 - (K / alpha) * Math.exp(logSum - lambda);
        if (!(c > 0)) return -Infinity;
        return Math.log(c) - tau * Math.log(lambda) + nu * logFact(tau);
      };
      break;
    }
    case 'poisson-momentum': {
      knownFields(s, field, ['kind', 'K', 'lambda']);
      const K = finiteNumber(s.K, `${field}.K`);
      const lambda = positiveNumber(s.lambda, `${field}.lambda`);
      spec = { kind, K, lambda };
      logRel = (tau) => {
        // Γ(τ, λ)/Γ(τ) = Q(τ, λ); its limit at τ = 0 is 0
        const Q = tau === 0 ? 0 : Math.exp(logGammaQ(tau, lambda));
        const c = 1 - (K / alpha) * Q;
        if (!(c > 0)) return -Infinity;
        return Math.log(c) - tau * Math.log(lambda) + logFact(tau);
      };
      break;
    }
  }
  const cap = options.cap === undefined ? Infinity : positiveNumber(options.cap, `${field}.cap`);
  const dropAbove = options.dropAbove === undefined ? Infinity : integer(options.dropAbove, `${field}.dropAbove`, { min: 0 });
  // normalization E_τ[α(τ)] = α over the observed sample (Eq. 26), in logs: log-mean-exp
  let logNorm = 0;
  if (options.normalizeOver !== undefined) {
    const sample = options.normalizeOver;
    if (sample.length === 0) throw new ConfigError(`${field}.normalizeOver`, 'the staleness sample is empty');
    const logs: number[] = [];
    for (let i = 0; i < sample.length; i++) {
      const t = sample[i];
      if (t > dropAbove) continue;
      logs.push(logRel(t));
    }
    const finite = logs.filter(Number.isFinite);
    if (finite.length === 0) throw new ConfigError(`${field}.normalizeOver`, 'α(τ) is not positive for any observed τ');
    const m = Math.max(...finite);
    logNorm = m + Math.log(finite.reduce((acc, l) => acc + Math.exp(l - m), 0) / logs.length);
  }
  const step: AdaptiveStep = {
    spec,
    overflowed: 0,
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
