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

describe('Monte Carlo against the OU closed form', () => {
  it('the bridged SDE of linear regression (τ = 0): ensemble mean and covariance within 4.5 SE of the closed form', async () => {
    const { runEnsemble } = await import('../../src/stats/ensemble.ts');
    const { configEnsemble } = await import('../../src/experiments/ensemble-source.ts');
    const { asgdConfig, bridgeSigma, buildObjective, LINEAR_REGRESSION, pairConfig, quadraticHessian } = await import('../../src/theory/problems.ts');
    const obj = buildObjective(LINEAR_REGRESSION);
    const xs = Array.from(obj.minimizer!);
    const A = quadraticHessian(obj);
    const eta = 0.01;
    const x0 = [xs[0] + 2, xs[1] - 1];
    const sigma = bridgeSigma(asgdConfig({ objective: obj, x0, eta, iterations: 10, batchSize: 1 }));
    const GGt = sigma.map((ri) => sigma.map((rj) => ri.reduce((s, v, k) => s + v * rj[k], 0) * eta)); // G = √η σ
    const config = pairConfig({ objective: LINEAR_REGRESSION, x0, eta, iterations: 300, batchSize: 1, delay: { kind: 'constant', lag: 0 }, saveEvery: 100, substeps: 16, seed: 1 });
    const ens = await runEnsemble(configEnsemble(config, 'bridge-sdde'), { paths: 3000, seed: 4, covariance: true });
    const s = ens.series.sdde.x;
    // 3 times × (2 mean + 4 covariance entries): |z| ≤ 4.5 keeps the family-wise false alarm below 1e-4.
    // Covariance SE under Gaussianity: sqrt((C_ii C_jj + C_ij²)/N). EM bias at h = 6.25e-4 is < 0.1 SE.
    for (let p = 1; p < ens.t.length; p++) {
      const ou = ouMoments(A, xs, GGt, x0, ens.t[p]);
      const cov = s.covarianceAt(p);
      const n = s.count[p];
      for (let i = 0; i < 2; i++) {
        expect(Math.abs(s.meanAt(p, i) - ou.mean[i]) / s.standardError(p, i), `mean ${i} at t = ${ens.t[p]}`).toBeLessThan(4.5);
        for (let j = 0; j < 2; j++) {
          const se = Math.sqrt((ou.cov[i * 2 + i] * ou.cov[j * 2 + j] + ou.cov[i * 2 + j] ** 2) / n);
          expect(Math.abs(cov[i * 2 + j] - ou.cov[i * 2 + j]) / se, `cov ${i}${j} at t = ${ens.t[p]}`).toBeLessThan(4.5);
        }
      }
    }
  });
});
