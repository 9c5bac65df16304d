/**
 * Streaming moments, fits and Wasserstein distances. Expected values: two-pass sample moments
 * computed in the test (the textbook definition, not Welford), and fixtures from NumPy/SciPy
 * (test/fixtures/weighted_fit.py, test/fixtures/wasserstein.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decayRate, logLogFit, weightedLineFit } from '../../src/core/stats/fit.ts';
import { wasserstein1 } from '../../src/stats/wasserstein.ts';
import { MomentAccumulator } from '../../src/stats/welford.ts';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine } from '../../src/random/streams.ts';
import { ConfigError } from '../../src/core/errors.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));

function samples(n: number, d: number, seed: number): Float64Array[] {
  const z = new NormalSampler(deriveEngine(seed, 'user', 0));
  return Array.from({ length: n }, () => {
    const v = new Float64Array(2 * d);
    z.fill(v);
    for (let i = 0; i < v.length; i++) v[i] = 3 + 2 * v[i] + (i % d) * v[0]; // correlated components
    return v;
  });
}

function twoPass(xs: Float64Array[], p: number, d: number) {
  const n = xs.length;
  const mean = Array.from({ length: d }, (_, i) => xs.reduce((a, x) => a + x[p * d + i], 0) / n);
  const cov = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => xs.reduce((a, x) => a + (x[p * d + i] - mean[i]) * (x[p * d + j] - mean[j]), 0) / (n - 1)));
  return { mean, cov };
}

describe('MomentAccumulator', () => {
  const d = 3;
  const xs = samples(500, d, 4);
  it('matches two-pass mean and covariance at every point', () => {
    const acc = new MomentAccumulator(2, d, { covariance: true });
    for (const x of xs) acc.add(x);
    for (let p = 0; p < 2; p++) {
      const ref = twoPass(xs, p, d);
      const cov = acc.covarianceAt(p);
      for (let i = 0; i < d; i++) {
        expect(acc.meanAt(p, i)).toBeCloseTo(ref.mean[i], 12);
        for (let j = 0; j < d; j++) expect(cov[i * d + j]).toBeCloseTo(ref.cov[i][j], 11);
        expect(acc.variance(p, i)).toBeCloseTo(ref.cov[i][i], 11);
      }
    }
  });
  it('merging blocks equals one pass (up to rounding), in any block split', () => {
    const whole = new MomentAccumulator(2, d);
    for (const x of xs) whole.add(x);
    for (const split of [1, 7, 250, 499]) {
      const a = new MomentAccumulator(2, d);
      const b = new MomentAccumulator(2, d);
      xs.forEach((x, i) => (i < split ? a : b).add(x));
      a.merge(b);
      for (let k = 0; k < whole.mean.length; k++) {
        expect(a.mean[k]).toBeCloseTo(whole.mean[k], 12);
        expect(a.m2[k] / whole.m2[k]).toBeCloseTo(1, 12);
      }
    }
  });
  it('points a path did not reach keep their own count; CIs use the standard error', () => {
    const acc = new MomentAccumulator(3, 1);
    acc.add([1, 2, 3]);
    acc.add([3, 4], 2);
    expect(Array.from(acc.count)).toEqual([2, 2, 1]);
    expect(acc.meanAt(1)).toBe(3);
    expect(acc.variance(1)).toBe(2);
    expect(Number.isNaN(acc.variance(2))).toBe(true);
    const [lo, hi] = acc.ci95(1);
    expect(hi - 3).toBeCloseTo(1.959963984540054 * Math.sqrt(2 / 2), 14);
    expect(3 - lo).toBeCloseTo(hi - 3, 14);
  });
  it('state round-trips (what worker threads send)', () => {
    const acc = new MomentAccumulator(2, d, { covariance: true });
    for (const x of xs.slice(0, 20)) acc.add(x);
    const back = MomentAccumulator.fromState(acc.state());
    expect(back.m2).toEqual(acc.m2);
    expect(back.mean).toEqual(acc.mean);
  });
});

describe('fits (NumPy fixtures)', () => {
  const fx = fixture('weighted_fit');
  for (const c of fx.cases) {
    it(`weighted line fit: ${c.name}`, () => {
      const f = weightedLineFit(c.x, c.y, c.sigma);
      expect(f.slope).toBeCloseTo(c.slope, 11);
      expect(f.intercept).toBeCloseTo(c.intercept, 11);
      expect(f.chi2red).toBeCloseTo(c.chi2_red, 10);
      // SE from the weights, inflated by sqrt(χ²_red) when the scatter exceeds the σ (Birge ratio)
      expect(f.slopeSe).toBeCloseTo(c.slope_se * Math.sqrt(Math.max(1, c.chi2_red)), 11);
    });
  }
  it('log–log fit recovers an exact power law and its prefactor', () => {
    const x = [10, 20, 40, 80, 160];
    const f = logLogFit(x, x.map((v) => 3 * v ** -0.5));
    expect(f.slope).toBeCloseTo(-0.5, 13);
    expect(f.prefactor).toBeCloseTo(3, 12);
    expect(f.slopeSe).toBeLessThan(1e-12);
  });
  it('decay rate of an exact exponential, and refusal of non-positive data', () => {
    const t = [0, 1, 2, 3, 4];
    expect(decayRate(t, t.map((s) => 5 * Math.exp(-0.7 * s))).rate).toBeCloseTo(0.7, 13);
    expect(() => decayRate(t, [1, 0.5, 0, 0.1, 0.01])).toThrow(/not positive/);
  });
});

describe('Wasserstein-1 (SciPy fixtures)', () => {
  const fx = fixture('wasserstein');
  for (const c of fx.cases) {
    it(c.name, () => {
      const w = wasserstein1(c.u, c.v);
      expect(Math.abs(w - c.w1), `W1 = ${w}, scipy ${c.w1}`).toBeLessThanOrEqual(1e-12 * Math.max(1, c.w1));
    });
  }
  it('refuses empty or non-finite samples', () => {
    expect(() => wasserstein1([], [1])).toThrow(ConfigError);
    expect(() => wasserstein1([NaN], [1])).toThrow(ConfigError);
  });
});
