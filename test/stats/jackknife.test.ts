/**
 * The delete-one-block jackknife (src/stats/jackknife.ts), which sets the confidence intervals of
 * fitted orders (convergenceOrder), of hitting iterations (check rates) and of the implicit-momentum
 * estimates. Expected values:
 *  - leaveOneBlockOutMeans: the mean of the raw samples outside block j, summed here directly;
 *  - jackknifeSe of a block mean: for the sample mean with G equal blocks the jackknife variance
 *    is exactly s²_B/G, s²_B the sample variance of the G block means (Efron & Stein 1981);
 *  - calibration: for the estimator the library uses it for (the least-squares slope of log mean
 *    error on log h over a ladder of levels that share their noise), the jackknife SE of each
 *    replicate against the spread of R independent replicates, as weak.test.ts does for the MMD.
 */
import { describe, expect, it } from 'vitest';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine } from '../../src/random/streams.ts';
import { jackknifeSe, leaveOneBlockOutMeans } from '../../src/stats/jackknife.ts';
import { MomentAccumulator } from '../../src/stats/welford.ts';

describe('leaveOneBlockOutMeans', () => {
  it('equals the mean of the raw samples outside each block, per point (blocks of unequal size, paths that stop early)', () => {
    const z = new NormalSampler(deriveEngine(11, 'user', 0));
    const sizes = [3, 7, 1, 5];
    const nPoints = 4;
    const dim = 2;
    // samples[b][s] = values at the points the path reached (row-major points × dim)
    const samples: number[][][] = sizes.map((size, b) => Array.from({ length: size }, (_, s) => Array.from({ length: ((b + s) % nPoints) + 1 }, () => Array.from({ length: dim }, () => 3 + z.next())).flat()));
    const blocks = samples.map((bs) => {
      const acc = new MomentAccumulator(nPoints, dim);
      for (const v of bs) acc.add(v, v.length / dim);
      return acc.state();
    });
    const loo = leaveOneBlockOutMeans(blocks);
    expect(loo.length).toBe(sizes.length);
    for (let j = 0; j < sizes.length; j++) {
      for (let p = 0; p < nPoints; p++) {
        for (let i = 0; i < dim; i++) {
          let s = 0;
          let n = 0;
          samples.forEach((bs, b) => {
            if (b === j) return;
            for (const v of bs) if (v.length > p * dim + i) (s += v[p * dim + i]), n++;
          });
          expect(loo[j][p * dim + i], `block ${j}, point ${p}, coordinate ${i}`).toBeCloseTo(s / n, 12);
        }
      }
    }
  });
});

describe('jackknifeSe', () => {
  it('of the sample mean over G equal blocks is exactly sd(block means)/√G', () => {
    const z = new NormalSampler(deriveEngine(12, 'user', 0));
    const G = 10;
    const m = 6;
    const blockMeans = Array.from({ length: G }, () => Array.from({ length: m }, () => z.next()).reduce((a, v) => a + v, 0) / m);
    const total = blockMeans.reduce((a, v) => a + v, 0);
    const loo = blockMeans.map((v) => (total - v) / (G - 1));
    const mb = total / G;
    const sB = Math.sqrt(blockMeans.reduce((a, v) => a + (v - mb) ** 2, 0) / (G - 1));
    expect(jackknifeSe(loo)).toBeCloseTo(sB / Math.sqrt(G), 13);
    expect(jackknifeSe([1])).toBeNaN();
  });

  it('of a fitted log-log slope matches the spread of 400 independent replicates', () => {
    // Each replicate: N = 400 paths in G = 20 blocks; path p has errors e_l = c_l (1 + 0.3 Z_p + 0.2 Z_{p,l})
    // on L = 5 levels h_l = 2^-l (a shared component, as the levels of a ladder share their Brownian
    // path, plus a level's own), c_l = h_l^{0.8}. θ̂ = OLS slope of log(mean e_l) on log h_l; its
    // jackknife SE from leaveOneBlockOutMeans + jackknifeSe.
    const R = 400;
    const G = 20;
    const perBlock = 20;
    const L = 5;
    const h = Array.from({ length: L }, (_, l) => 2 ** -(l + 2));
    const lx = h.map(Math.log);
    const mx = lx.reduce((a, b) => a + b, 0) / L;
    const sxx = lx.reduce((a, x) => a + (x - mx) ** 2, 0);
    const slope = (means: ArrayLike<number>) => lx.reduce((a, x, l) => a + ((x - mx) * Math.log(means[l])) / sxx, 0);
    const z = new NormalSampler(deriveEngine(13, 'user', 0));
    const theta: number[] = [];
    const seSq: number[] = [];
    const e = new Float64Array(L);
    for (let r = 0; r < R; r++) {
      const all = new MomentAccumulator(L, 1);
      const blocks = Array.from({ length: G }, () => {
        const acc = new MomentAccumulator(L, 1);
        for (let p = 0; p < perBlock; p++) {
          const shared = z.next();
          for (let l = 0; l < L; l++) e[l] = h[l] ** 0.8 * (1 + 0.3 * shared + 0.2 * z.next());
          acc.add(e);
          all.add(e);
        }
        return acc.state();
      });
      theta.push(slope(all.mean));
      seSq.push(jackknifeSe(leaveOneBlockOutMeans(blocks).map(slope)) ** 2);
    }
    const mean = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;
    const variance = (xs: number[]) => {
      const m = mean(xs);
      return xs.reduce((a, v) => a + (v - m) ** 2, 0) / (xs.length - 1);
    };
    // the replicates' slopes are centred on the true exponent 0.8 (bias O(1/N), far below the SE)
    expect(Math.abs(mean(theta) - 0.8) / Math.sqrt(variance(theta) / R)).toBeLessThan(4);
    // ratio ρ = mean(SE²_jack)/Var(θ̂). Tolerance: log ρ has SE ≈ sqrt(2/(R−1) + CV²(SE²)/R)
    // (the sample variance of R near-Gaussian values has relative SE √(2/(R−1)); the mean of the
    // R jackknife variances has relative SE CV/√R, CV measured here). 4 SE: two-sided false-alarm
    // rate 6e-5. With SE(log ρ) ≈ 0.073 here, a variance miscalibrated by 30% is ≈ 3.6 SE off, and
    // the naive formula Σ(θ_(−j) − θ̄)²/(G(G−1)) (too small by (G−1)² = 361) fails by far.
    const rho = mean(seSq) / variance(theta);
    const cv = Math.sqrt(variance(seSq)) / mean(seSq);
    const seLog = Math.sqrt(2 / (R - 1) + (cv * cv) / R);
    expect(Math.abs(Math.log(rho)) / seLog, `ρ = ${rho}, SE(log ρ) = ${seLog}`).toBeLessThan(4);
  });
});
