/**
 * Staleness emerging from the simulated server. Expected values: the cyclic-order law
 * (N − 1)/G for equal compute times (derived in src/theory/checks/accumulation.ts); exponential
 * compute times make the staleness geometric with p = 1/m (memorylessness: each update is the
 * given worker's with probability 1/m), so its mean is m − 1 and P[τ = 0] = 1/m; batch means of
 * i.i.d. data have the usual σ/√n error. Standard errors of the staleness mean are computed here
 * from the replicate means (their sample SD over √R), not taken from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { batchMeans, simulateStaleness } from '../../src/experiments/staleness.ts';
import { fitStalenessModels } from '../../src/delay/fit.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine } from '../../src/random/streams.ts';
import { tQuantile } from '../../src/core/stats/fit.ts';

const acrossRuns = (xs: Float64Array) => {
  const R = xs.length;
  const mean = xs.reduce((a, v) => a + v, 0) / R;
  const sd = Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (R - 1));
  return { mean, se: sd / Math.sqrt(R), sd };
};

describe('staleness simulation', () => {
  it('bad input is refused naming the field', () => {
    expect(() => simulateStaleness({ workers: 0, computeTime: { kind: 'constant', mean: 1 }, updates: 100 })).toThrow(ConfigError);
    expect(() => simulateStaleness({ workers: 4, computeTime: { kind: 'constant', mean: -1 }, updates: 100 })).toThrow(/computeTime\.mean/);
    expect(() => simulateStaleness({ workers: 4, computeTime: { kind: 'constant', mean: 1 }, updates: 100, globalAccumulation: 0 })).toThrow(/globalAccumulation/);
    expect(() => simulateStaleness({ workers: 4, computeTime: { kind: 'constant', mean: 1 }, updates: 100, mode: 'sync', pullEvery: 0 })).toThrow(/pullEvery/);
  });
  it('equal compute times: mean staleness (N − 1)/G exactly, for every N and G', () => {
    for (const N of [1, 2, 3, 5, 8])
      for (const G of [1, 2, 3, 4]) {
        const s = simulateStaleness({ workers: N, computeTime: { kind: 'constant', mean: 1 }, updates: 120 * G, globalAccumulation: G });
        expect(s.mean, `N = ${N}, G = ${G}`).toBeCloseTo((N - 1) / G, 12);
      }
  });
  it('exponential compute times: geometric staleness, p = 1/m (fit within 5 SE, mean N − 1 within 4 SE, geometric the best model)', () => {
    for (const m of [2, 4, 8]) {
      const s = simulateStaleness({ workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates: 40000, seed: 3 });
      expect(Math.abs(s.mean - (m - 1)), `m = ${m}: ${s.mean} ± ${s.meanSe}`).toBeLessThanOrEqual(4 * s.meanSe);
      const g = s.fits.find((f) => f.model === 'geometric')!;
      // the minimum-Bhattacharyya (Hellinger) estimator is asymptotically efficient at the model
      // (Beran 1977), so p̂ has the MLE's SE p√((1−p)/n); 5 SE
      const p = 1 / m;
      expect(Math.abs(g.params.p - p), `m = ${m}: p = ${g.params.p}`).toBeLessThan(5 * p * Math.sqrt((1 - p) / s.staleness.length));
      const best = s.fits.filter((f) => f.model !== 'empirical').sort((a, b) => a.distance - b.distance)[0];
      expect(best.model).toBe('geometric');
    }
  });
  it('batch means: SE of i.i.d. N(0,1) data is 1/√n up to the χ²₁₉ spread of 20 batches', () => {
    // (SE/σ_mean)² ~ χ²₁₉/19: its 0.05% and 99.95% quantiles give the ratio bounds 0.51 and 1.56
    const z = new NormalSampler(deriveEngine(9, 'user', 0));
    const xs = Float64Array.from({ length: 20000 }, () => z.next());
    const { se } = batchMeans(xs);
    expect(se / (1 / Math.sqrt(20000))).toBeGreaterThan(0.51);
    expect(se / (1 / Math.sqrt(20000))).toBeLessThan(1.56);
  });
  it('synchronous injection has no start-up transient: (U − 1)/2 exactly by default over whole pull cycles', () => {
    for (const U of [5, 7]) expect(simulateStaleness({ workers: 4, computeTime: { kind: 'constant', mean: 1 }, updates: 70 * U, mode: 'sync', pullEvery: U }).mean).toBeCloseTo((U - 1) / 2, 12);
  });
  it('with global accumulation the CMP line search is centred on the observed staleness, not on m', () => {
    const s = simulateStaleness({ workers: 16, computeTime: { kind: 'normal', mean: 1, sd: 0.2 }, updates: 8000, globalAccumulation: 4, seed: 2 });
    expect(s.cmpWorkers).toBe(Math.round(s.mean) + 1);
    // and that is why: pinned to λ = 16^ν the CMP family cannot put its mode near (m − 1)/G
    const centred = s.fits.find((f) => f.model === 'cmp')!.distance;
    const pinned = fitStalenessModels(s.staleness, 16).find((f) => f.model === 'cmp')!.distance;
    expect(centred).toBeLessThan(pinned);
  });

  it('start-up bias: exponential compute times, m = 16: mean m − 1 and P[τ = 0] = 1/m within 4 across-run SE from the stationary start; a cold start with a warm-up of m updates fails the same test', () => {
    // The old rule discarded m updates; ≈ m(1 − 1/m)^m workers had not pushed yet, so the mean was
    // low by ≈ m(m − 1)(1 − 1/m)^m/(U − m) = 4.3e-3 at U = 20 000, about 10 SE of 30 runs.
    const m = 16;
    const R = 30;
    const crit = 4; // |t| ≤ 4 with 29 degrees of freedom: two-sided p ≈ 4e-4 under the truth
    const now = simulateStaleness({ workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates: 20000, replicates: R, seed: 13 });
    const mean = acrossRuns(now.replicateMeans);
    const p0 = acrossRuns(now.replicatePZero);
    expect(Math.abs(mean.mean - (m - 1)) / mean.se, `mean ${mean.mean} ± ${mean.se}`).toBeLessThan(crit);
    expect(Math.abs(p0.mean - 1 / m) / p0.se, `P[τ = 0] ${p0.mean} ± ${p0.se}`).toBeLessThan(crit);
    // what the simulation reports is the same across-run estimate
    expect(now.mean).toBeCloseTo(mean.mean, 12);
    expect(now.meanSe).toBeCloseTo(mean.se, 12);
    // the stationary start discards nothing
    for (const w of now.warmups) expect(w).toBe(0);
    expect(now.staleness.length).toBe(R * 20000);
    const old = simulateStaleness({ workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates: 20000, replicates: R, seed: 13, start: 'cold', warmup: m });
    const o = acrossRuns(old.replicateMeans);
    expect((o.mean - (m - 1)) / o.se, `old warm-up: mean ${o.mean} ± ${o.se}`).toBeLessThan(-crit);
    const predicted = -m * (m - 1) * (1 - 1 / m) ** m / (20000 - m);
    expect(Math.abs(o.mean - (m - 1) - predicted), 'the old bias is the predicted one').toBeLessThan(tQuantile(0.9995, R - 1) * o.se);
  });
  it('the reported standard error matches the spread of independent simulations; 20 batch means overstate it', () => {
    // 16 simulations (10 runs each): the sample variance of their means (15 df) against the mean of
    // the reported SE² (16 × 9 df). Their ratio is ~F(15, 144); its 0.05% and 99.95% quantiles
    // (scipy.stats.f.ppf) are 0.200 and 2.90, so the SD ratio lies in [0.45, 1.70].
    const m = 16;
    const sims = Array.from({ length: 16 }, (_, k) => simulateStaleness({ workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates: 10000, replicates: 10, seed: 100 + k }));
    const spread = acrossRuns(Float64Array.from(sims, (s) => s.mean)).sd;
    const reported = Math.sqrt(sims.reduce((a, s) => a + s.meanSe ** 2, 0) / sims.length);
    expect(spread / reported).toBeGreaterThan(0.45);
    expect(spread / reported).toBeLessThan(1.7);
    // batch means of one run's series: the series is anti-correlated (its sum telescopes), so 20
    // batch means of one 10 000-update run are several times (3.9× here) the true SE of that run's mean (√10 × reported)
    const oneRun = simulateStaleness({ workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates: 10000, replicates: 1, seed: 7 });
    expect(batchMeans(oneRun.staleness).se / (Math.sqrt(10) * reported)).toBeGreaterThan(2);
  });
});
