/**
 * The ziggurat sampler's distribution: empirical quantiles of 10^6 draws against Φ⁻¹
 * (normalQuantile, itself tested against SciPy). SE of an empirical p-quantile:
 * sqrt(p(1−p)/N)/φ(q_p); tolerance 5 SE. The tails (p = 1e-4) exercise the wedge and tail code.
 */
import { describe, expect, it } from 'vitest';
import { NormalSampler } from '../../src/random/normal.ts';
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';
import { deriveEngine } from '../../src/random/streams.ts';

describe('ziggurat normal sampler', () => {
  const N = 1_000_000;
  const xs = new Float64Array(N);
  new NormalSampler(deriveEngine(77, 'user', 0)).fill(xs);
  const sorted = Float64Array.from(xs).sort();
  for (const p of [1e-4, 1e-3, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999, 1 - 1e-4]) {
    it(`quantile ${p}`, () => {
      const q = normalQuantile(p);
      const phi = Math.exp(-0.5 * q * q) / Math.sqrt(2 * Math.PI);
      const se = Math.sqrt((p * (1 - p)) / N) / phi;
      const got = sorted[Math.floor(p * N)];
      expect(Math.abs(got - q), `empirical ${got}, Φ⁻¹(${p}) = ${q}, SE ${se}`).toBeLessThan(5 * se);
    });
  }
  it('values beyond the ziggurat’s base (|z| > 3.4426) occur at the normal rate: 2(1 − Φ(3.4426)) within 5 SE', () => {
    const p = 2 * 2.880542561958196e-4; // 1 − Φ(3.442619855899) from scipy.stats.norm.sf
    const count = xs.reduce((c, v) => c + (Math.abs(v) > 3.442619855899 ? 1 : 0), 0);
    expect(Math.abs(count / N - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
  });
  it('consecutive draws are uncorrelated (|r| < 5/√N)', () => {
    let s = 0;
    for (let i = 1; i < N; i++) s += xs[i] * xs[i - 1];
    expect(Math.abs(s / (N - 1))).toBeLessThan(5 / Math.sqrt(N));
  });
});
