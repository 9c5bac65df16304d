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
    const { buildObjective, LINEAR_REGRESSION, pairConfig } = await import('../../src/theory/problems.ts');
    // Ã, x* and Σ(x*) are written out here from the data (A, B), not taken from the bridge or the
    // objective: F(x) = (1/2n)‖Ax − B‖², so Ã = AᵀA/n, x* = Ã⁻¹AᵀB/n (2×2 inverse), component
    // gradients g_i = a_i(a_iᵀx* − b_i), Σ(x*) = (1/n)Σ(g_i − ḡ)(g_i − ḡ)ᵀ, and with b = 1 drawn with
    // replacement the update covariance is Σ/b; the SDE is dX = −Ã(X − x*)dt + √η Σ^{1/2} dB, so
    // GGᵀ = η Σ. A wrong σ in the bridge (e.g. scaled by 1.05: covariance ×1.1025) moves the
    // stationary covariance by ≈ 10%: a diagonal entry's relative SE is √(2/N), so at N = 10 000 paths
    // the shift is 0.1/√(2/N) ≈ 7 SE, well beyond the 4.5-SE bound below.
    const obj = buildObjective(LINEAR_REGRESSION) as ReturnType<typeof buildObjective> & { data: { A: Float64Array; B: Float64Array } };
    const { A: data, B: labels } = obj.data;
    const n = obj.n;
    expect(obj.dim).toBe(2);
    const A = [[0, 0], [0, 0]];
    const AtB = [0, 0];
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < 2; a++) {
        AtB[a] += (data[i * 2 + a] * labels[i]) / n;
        for (let c = 0; c < 2; c++) A[a][c] += (data[i * 2 + a] * data[i * 2 + c]) / n;
      }
    }
    const det = A[0][0] * A[1][1] - A[0][1] * A[1][0];
    const xs = [(A[1][1] * AtB[0] - A[0][1] * AtB[1]) / det, (A[0][0] * AtB[1] - A[1][0] * AtB[0]) / det];
    const g = Array.from({ length: n }, (_, i) => {
      const r = data[i * 2] * xs[0] + data[i * 2 + 1] * xs[1] - labels[i];
      return [data[i * 2] * r, data[i * 2 + 1] * r];
    });
    const gBar = [0, 1].map((j) => g.reduce((t, gi) => t + gi[j], 0) / n);
    const eta = 0.01;
    const GGt = [0, 1].map((a) => [0, 1].map((c) => (eta * g.reduce((t, gi) => t + (gi[a] - gBar[a]) * (gi[c] - gBar[c]), 0)) / n));
    const x0 = [xs[0] + 2, xs[1] - 1];
    const config = pairConfig({ objective: LINEAR_REGRESSION, x0, eta, iterations: 300, batchSize: 1, delay: { kind: 'constant', lag: 0 }, saveEvery: 100, substeps: 16, seed: 1 });
    const ens = await runEnsemble(configEnsemble(config, 'bridge-sdde'), { paths: 10_000, seed: 4, covariance: true });
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
