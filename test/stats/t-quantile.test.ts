/** Student-t quantiles against scipy.stats.t.ppf (test/fixtures/t_quantile.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tQuantile, weightedLineFit } from '../../src/core/stats/fit.ts';
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/t_quantile.json', import.meta.url), 'utf8'));

/**
 * The first term the ν⁻⁴ Cornish–Fisher expansion leaves out, g₅(z)/ν⁵ (Abramowitz & Stegun
 * 26.7.5: g₅ = z(27z¹⁰ + 339z⁸ + 930z⁶ − 1782z⁴ − 765z² + 17955)/368640), written out here from the
 * reference, not from the code under test.
 */
function firstOmittedTerm(p: number, df: number): number {
  const z = normalQuantile(p);
  const z2 = z * z;
  return Math.abs((z * (27 * z2 ** 5 + 339 * z2 ** 4 + 930 * z2 ** 3 - 1782 * z2 ** 2 - 765 * z2 + 17955)) / 368640) / df ** 5;
}

describe('tQuantile', () => {
  it('matches SciPy: exact for ν = 1, 2; from ν = 3 within the Cornish–Fisher truncation error', () => {
    for (const c of fx.cases) {
      // Tolerance, derived: ν = 1, 2 are closed forms (rounding only: 1e-12 relative). From ν = 3 the
      // truncated asymptotic series errs by its omitted tail, which is of the order of the first
      // omitted term g₅/ν⁵ and tends to it as ν grows; we allow 2·g₅/ν⁵ (the tail's ratio to g₅/ν⁵
      // is 1.0–1.45 on this grid, largest at ν = 3, p = 0.999, so a Cornish–Fisher expansion short
      // of a term, or with a wrong coefficient, fails). A floor of 16 ulp of q covers rounding where
      // g₅/ν⁵ is below double precision (ν = 1000).
      const tol = c.df <= 2 ? 1e-12 * Math.abs(c.q) : 2 * firstOmittedTerm(c.p, c.df) + 16 * Number.EPSILON * Math.abs(c.q);
      expect(Math.abs(tQuantile(c.p, c.df) - c.q), `p = ${c.p}, ν = ${c.df}`).toBeLessThanOrEqual(tol);
    }
  });
  it('a two-point unweighted fit has no error estimate (NaN, not 0)', () => {
    const f = weightedLineFit([0, 1], [0, 5]);
    expect(Number.isNaN(f.slopeSe)).toBe(true);
  });
});
