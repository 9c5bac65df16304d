/** Student-t quantiles against scipy.stats.t.ppf (test/fixtures/t_quantile.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tQuantile, weightedLineFit } from '../../src/core/stats/fit.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/t_quantile.json', import.meta.url), 'utf8'));

describe('tQuantile', () => {
  it('matches SciPy: exact for ν = 1, 2; Cornish–Fisher within 1.5e-3 relative at p ≤ 0.975 from ν = 3, 3e-2 in the far tail', () => {
    for (const c of fx.cases) {
      // measured worst cases: p = 0.975, ν = 3: 1.2e-3; p = 0.999, ν = 3: 2.8e-2; all p from ν = 10: < 1.3e-4
      const tol = c.df <= 2 ? 1e-12 : c.df >= 10 ? 2e-4 : c.p <= 0.975 ? 1.5e-3 : 3e-2;
      expect(Math.abs(tQuantile(c.p, c.df) - c.q), `p = ${c.p}, ν = ${c.df}`).toBeLessThanOrEqual(tol * Math.abs(c.q));
    }
  });
  it('a two-point unweighted fit has no error estimate (NaN, not 0)', () => {
    const f = weightedLineFit([0, 1], [0, 5]);
    expect(Number.isNaN(f.slopeSe)).toBe(true);
  });
});
