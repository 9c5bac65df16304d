/** OU closed form against SciPy (expm, solve_continuous_lyapunov, quad_vec): test/fixtures/ou_moments.py. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ouMoments } from '../../src/theory/ou.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/ou_moments.json', import.meta.url), 'utf8'));

describe('Ornstein–Uhlenbeck moments', () => {
  for (const r of fx.results) {
    it(`t = ${r.t}: mean and Lyapunov covariance`, () => {
      const m = ouMoments(fx.A, fx.xstar, fx.GGt, fx.x0, r.t);
      for (let i = 0; i < 3; i++) {
        expect(m.mean[i]).toBeCloseTo(r.mean[i], 12);
        for (let j = 0; j < 3; j++) expect(m.cov[i * 3 + j]).toBeCloseTo(r.cov[i][j], 12);
      }
    });
  }
  it('t → ∞ gives the stationary covariance C∞', () => {
    const m = ouMoments(fx.A, fx.xstar, fx.GGt, fx.x0, 200);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(m.cov[i * 3 + j]).toBeCloseTo(fx.stationary_cov[i][j], 12);
  });
});
