/**
 * Observed lag frequencies against a pmf written out in the test (a closed form, never the model
 * under test). Each frequency is compared with its binomial standard error sqrt(p(1 − p)/N)
 * (i.i.d. draws; N ≥ 10⁴ here so the normal approximation holds for p ≥ 0.01); the critical value
 * is z = Φ⁻¹(1 − α/(2m)), Bonferroni over the m frequencies compared, so the family-wise
 * false-alarm rate of one call is at most α (default 10⁻³).
 */
import { expect } from 'vitest';
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';

/** Truncated geometric on 0..maxLag: p(1 − p)^l / (1 − (1 − p)^{maxLag+1}). */
export function truncatedGeometric(p: number, maxLag: number): number[] {
  const w = Array.from({ length: maxLag + 1 }, (_, l) => p * (1 - p) ** l);
  const z = 1 - (1 - p) ** (maxLag + 1);
  return w.map((v) => v / z);
}

/** Truncated Poisson on 0..maxLag: e^{−λ}λ^l/l! renormalised. */
export function truncatedPoisson(lambda: number, maxLag: number): number[] {
  const w: number[] = [];
  let t = Math.exp(-lambda);
  for (let l = 0; l <= maxLag; l++) {
    w.push(t);
    t *= lambda / (l + 1);
  }
  const z = w.reduce((a, v) => a + v, 0);
  return w.map((v) => v / z);
}

/** Compares counts[l]/N with pmf[l] for every l with pmf[l] ≥ minP; returns z used. */
export function expectFrequencies(counts: number[], N: number, pmf: number[], what: string, alpha = 1e-3, minP = 0.01): number {
  const compared = pmf.map((p, l) => l).filter((l) => pmf[l] >= minP);
  const z = normalQuantile(1 - alpha / (2 * compared.length));
  for (const l of compared) {
    const p = pmf[l];
    const se = Math.sqrt((p * (1 - p)) / N);
    expect(Math.abs(counts[l] / N - p) / se, `${what}, lag ${l}: ${counts[l]}/${N} vs p = ${p}`).toBeLessThan(z);
  }
  return z;
}

/**
 * Two-sided critical value with Bonferroni over m comparisons: Φ⁻¹(1 − α/(2m)); the family-wise
 * false-alarm rate of the m comparisons is then at most α (default 10⁻³).
 */
export function bonferroniZ(m: number, alpha = 1e-3): number {
  return normalQuantile(1 - alpha / (2 * m));
}
