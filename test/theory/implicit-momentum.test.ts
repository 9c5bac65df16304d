/**
 * Implicit momentum measured from ASGD ensembles (MindTheStep Lemma 1, Thm 2, Thm 3).
 * Expected values are closed forms: Thm 2 (Mitliagkas et al. 2016) μ = 1 − p, β = pα, κ = −p;
 * Thm 3 with α(τ) = C^{−τ}p^{−1}α, derived here by substituting into Eq. 7 (see the module
 * comment): μ = (1−p)/C, β = α. Tolerances: 4 jackknife SEs (fixed seeds).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { delayModel } from '../../src/delay/models.ts';
import { type Estimate, runMomentumExperiment } from '../../src/theory/implicit-momentum.ts';

const base = { curvatures: [0.25, 0.5, 1, 2], x0: 1, steps: 200, paths: 2000, blocks: 20, seed: 5 };
const near = (e: Estimate, want: number, what: string) => {
  // a test only tests something if its SE is small against the value: 4 SE must stay within 20%
  expect(e.se, `${what}: SE ${e.se} too large to test ${want}`).toBeLessThan(0.05 * Math.abs(want));
  expect(Math.abs(e.value - want), `${what}: ${e.value} ± ${e.se} vs ${want}`).toBeLessThanOrEqual(4 * e.se);
};

describe('bad input first', () => {
  const delay = delayModel({ kind: 'geometric', p: 0.5, maxLag: 40 });
  for (const [name, patch, field] of [
    ['one curvature', { curvatures: [1] }, 'momentum.curvatures'],
    ['negative curvature', { curvatures: [1, -1] }, 'momentum.curvatures[1]'],
    ['alpha 0', { alpha: 0 }, 'momentum.alpha'],
    ['too few blocks', { blocks: 2 }, 'momentum.blocks'],
    ['window past the end', { window: [1, 500] }, 'momentum.window'],
    ['window from t = 0 (Δ_0 is not a step of the recursion)', { window: [0, 100] }, 'momentum.window'],
    ['unequal blocks', { paths: 2010 }, 'momentum.paths'],
  ] as const) {
    it(name, () => {
      let err: unknown;
      try {
        runMomentumExperiment({ ...base, alpha: 0.05, delay, ...(patch as object) } as never);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
    });
  }
});

describe('Thm 2: geometric staleness, constant step', () => {
  for (const p of [0.2, 0.5]) {
    it(`p = ${p}: μ = 1 − p, β = pα, κ = −p, and Lemma 1's slope 1`, () => {
      const r = runMomentumExperiment({ ...base, alpha: 0.05, delay: delayModel({ kind: 'geometric', p, maxLag: 150 }) });
      expect(r.diverged).toBe(0);
      near(r.fits.mu, 1 - p, 'μ');
      near(r.fits.beta, p * 0.05, 'β');
      near(r.fits.kappa, -p, 'κ');
      near(r.fits.lemma1, 1, 'Lemma 1');
      // the weights are p(i)·1: the model's pmf
      expect(r.weights[0]).toBeCloseTo(p / (1 - (1 - p) ** 151), 12);
    });
  }
});

describe('Thm 3: α(τ) = C^{−τ}p^{−1}α', () => {
  it('the implicit momentum is (1−p)/C, not the printed 2 − (1−p)/C', () => {
    const p = 0.2;
    const C = 1.6;
    const r = runMomentumExperiment({ ...base, paths: 20000, alpha: 0.02, delay: delayModel({ kind: 'geometric', p, maxLag: 150 }), stepScale: (t) => C ** -t / p });
    near(r.fits.kappa, (1 - p) / C - 1, 'κ');
    near(r.fits.mu, (1 - p) / C, 'μ');
    near(r.fits.beta, 0.02, 'β');
    // the printed Eq. 10 implies κ = μ − 1 = 1 − (1−p)/C: far outside the measurement
    expect(Math.abs(r.fits.kappa.value - (1 - (1 - p) / C))).toBeGreaterThan(20 * r.fits.kappa.se);
    expect(Math.abs(r.fits.mu.value - (2 - (1 - p) / C))).toBeGreaterThan(10 * r.fits.mu.se);
  });
});
