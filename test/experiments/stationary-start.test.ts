/**
 * The stationary start of the simulated parameter server: staleness laws hold at every run
 * length, short runs included, with nothing discarded.
 *
 * Expected values are closed forms, not the code under test:
 *  - exponential compute times: the push process is Poisson and each update is a given worker's
 *    with probability 1/m, so the staleness is geometric: mean m − 1, P[τ = 0] = 1/m;
 *  - global accumulation G (and local L), any i.i.d. compute times: mean staleness (N − 1)/G
 *    (Aji & Heafield Table 3 law; renewal argument in src/theory/checks/accumulation.ts);
 *  - synchronous rounds pulling every U updates: τ cycles 0 … U − 1, mean (U − 1)/2;
 *  - length-biased laws: E[L] = E[X²]/E[X] (exponential 2μ, log-normal (μ² + σ²)/μ, truncated
 *    normal by numerical integration of its density here).
 * Tolerances: each statistic is the mean of R independent replicate runs (their own seeds), its SE
 * the replicates' sample SD/√R; the test passes when |t| ≤ t_{1 − 0.001/(2k)}(R − 1) for the k
 * comparisons of a test (Bonferroni: a family-wise chance of 0.1% to fail under the truth).
 */
import { describe, expect, it } from 'vitest';
import { simulateStaleness } from '../../src/experiments/staleness.ts';
import { ComputeTimes, type ComputeTimeSpec } from '../../src/asgd/compute-time.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { deriveEngine } from '../../src/random/streams.ts';
import { tQuantile } from '../../src/core/stats/fit.ts';

const acrossRuns = (xs: ArrayLike<number>) => {
  const R = xs.length;
  let mean = 0;
  for (let i = 0; i < R; i++) mean += xs[i] / R;
  let ss = 0;
  for (let i = 0; i < R; i++) ss += (xs[i] - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (R - 1) / R) };
};

const LENGTHS = [10, 30, 300];

describe('stationary start of the simulated server', () => {
  it('exponential compute times: geometric staleness (mean m − 1, P[τ = 0] = 1/m) at every run length, from 10 updates on', () => {
    const R = 600;
    const ms = [2, 4, 8];
    const crit = tQuantile(1 - 0.001 / (2 * 2 * ms.length * LENGTHS.length), R - 1);
    for (const m of ms)
      for (const updates of LENGTHS) {
        const s = simulateStaleness({ workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates, replicates: R, seed: 40 + m });
        const mean = acrossRuns(s.replicateMeans);
        const p0 = acrossRuns(s.replicatePZero);
        expect(Math.abs(mean.mean - (m - 1)) / mean.se, `m = ${m}, ${updates} updates: mean ${mean.mean} ± ${mean.se}`).toBeLessThan(crit);
        expect(Math.abs(p0.mean - 1 / m) / p0.se, `m = ${m}, ${updates} updates: P[τ = 0] ${p0.mean} ± ${p0.se}`).toBeLessThan(crit);
        expect(s.staleness.length).toBe(R * updates); // nothing discarded
      }
  });

  it('the same test fails from a cold start at short run lengths (it can fail)', () => {
    const R = 600;
    const m = 8;
    const s = simulateStaleness({ workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates: 30, replicates: R, seed: 48, start: 'cold' });
    const mean = acrossRuns(s.replicateMeans);
    // a cold server's first gradients have had no earlier updates to count: far below m − 1
    expect((mean.mean - (m - 1)) / mean.se).toBeLessThan(-tQuantile(1 - 0.001 / 2, R - 1));
  });

  it('global (and local) accumulation, random compute times: mean staleness (N − 1)/G at every run length', () => {
    const R = 400;
    const laws: ComputeTimeSpec[] = [
      { kind: 'exponential', mean: 1 },
      { kind: 'normal', mean: 1, sd: 0.3 },
      { kind: 'lognormal', mean: 1, sd: 1.5 },
    ];
    const grid: { N: number; G: number; L: number }[] = [
      { N: 8, G: 2, L: 1 },
      { N: 5, G: 3, L: 1 },
      { N: 4, G: 2, L: 3 },
    ];
    const crit = tQuantile(1 - 0.001 / (2 * laws.length * grid.length * LENGTHS.length), R - 1);
    let seed = 500;
    for (const law of laws)
      for (const { N, G, L } of grid)
        for (const updates of LENGTHS) {
          const s = simulateStaleness({ workers: N, computeTime: law, updates, globalAccumulation: G, localAccumulation: L, replicates: R, seed: seed++ });
          const mean = acrossRuns(s.replicateMeans);
          expect(Math.abs(mean.mean - (N - 1) / G) / mean.se, `${law.kind}, N = ${N}, G = ${G}, L = ${L}, ${updates} updates: ${mean.mean} ± ${mean.se}`).toBeLessThan(crit);
        }
  });

  it('equal compute times: (N − 1)/G exactly in every run over whole periods, including a single short run', () => {
    for (const N of [2, 3, 6])
      for (const G of [1, 2, 4])
        for (const seed of [1, 2, 3]) {
          // the per-push staleness ⌊j/G⌋ − ⌊(j − N + 1)/G⌋ has period G in the push index: any whole number of updates averages exactly
          const s = simulateStaleness({ workers: N, computeTime: { kind: 'constant', mean: 1 }, updates: 10, globalAccumulation: G, replicates: 1, seed });
          expect(s.mean, `N = ${N}, G = ${G}`).toBeCloseTo((N - 1) / G, 12);
        }
  });

  it('synchronous rounds pulling every U updates: mean (U − 1)/2 over runs that are not whole cycles (a cold start gives the cut cycle)', () => {
    const R = 400;
    const U = 5;
    const updates = 12;
    const s = simulateStaleness({ workers: 3, computeTime: { kind: 'constant', mean: 1 }, updates, mode: 'sync', pullEvery: U, replicates: R, seed: 9 });
    const mean = acrossRuns(s.replicateMeans);
    expect(Math.abs(mean.mean - (U - 1) / 2) / mean.se).toBeLessThan(tQuantile(1 - 0.001 / 2, R - 1));
    // cold: τ = 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1 in every run
    const cold = simulateStaleness({ workers: 3, computeTime: { kind: 'constant', mean: 1 }, updates, mode: 'sync', pullEvery: U, replicates: 1, start: 'cold' });
    expect(cold.mean).toBeCloseTo(21 / 12, 12);
  });

  it('length-biased compute times have mean E[X²]/E[X]', () => {
    const n = 200_000;
    const normalMoments = (a: number, s: number) => {
      // E[X], E[X²], E[X³] of N(a, s²) truncated at 0, by the trapezoid rule on [0, a + 12s]
      const steps = 200_000;
      const h = (a + 12 * s) / steps;
      let z = 0;
      let m1 = 0;
      let m2 = 0;
      let m3 = 0;
      for (let i = 0; i <= steps; i++) {
        const x = i * h;
        const w = (i === 0 || i === steps ? 0.5 : 1) * Math.exp(-((x - a) ** 2) / (2 * s * s));
        z += w;
        m1 += w * x;
        m2 += w * x * x;
        m3 += w * x * x * x;
      }
      return { m1: m1 / z, m2: m2 / z, m3: m3 / z };
    };
    const cases: [ComputeTimeSpec, number, number][] = [
      // law, E[L], sd of L (for the SE); exponential(μ): L ~ Gamma(2, μ), mean 2μ, sd √2 μ
      [{ kind: 'exponential', mean: 2 }, 4, Math.sqrt(2) * 2],
      [{ kind: 'lognormal', mean: 1, sd: 1 }, 2, 0], // sd filled below
      [{ kind: 'normal', mean: 1, sd: 0.8 }, 0, 0],
    ];
    // E[L^k] = E[X^{k+1}]/E[X]. Log-normal with mean 1, sd 1: s² = ln 2, E[X^k] = e^{k(k−1)s²/2}: E[L] = 2, E[L²] = 8
    cases[1][2] = Math.sqrt(8 - 4);
    {
      const { m1, m2, m3 } = normalMoments(1, 0.8);
      cases[2][1] = m2 / m1;
      cases[2][2] = Math.sqrt(m3 / m1 - (m2 / m1) ** 2);
    }
    const crit = tQuantile(1 - 0.001 / (2 * cases.length), n - 1);
    cases.forEach(([law, want, sd], i) => {
      const clock = new ComputeTimes(law, deriveEngine(3, 'user', i), 1);
      let sum = 0;
      for (let k = 0; k < n; k++) sum += clock.lengthBiased(0);
      expect(Math.abs(sum / n - want) / (sd / Math.sqrt(n)), `${law.kind}: ${sum / n} vs ${want}`).toBeLessThan(crit);
    });
  });

  it("refuses 'stationary' with drops, naming the field", () => {
    const base = { objective: toyObjective(), x0: 0, workers: 2, batchSize: 1, mode: 'async' as const, computeTime: { kind: 'exponential' as const, mean: 1 }, optimizer: { kind: 'sgd' as const, lr: 0.01 }, updates: 10, start: 'stationary' as const };
    expect(() => runParameterServer({ ...base, dropAbove: 5 })).toThrow(/server\.start/);
    expect(() => runParameterServer({ ...base, stepScale: () => 1 })).toThrow(/server\.start/);
    expect(() => runParameterServer({ ...base, start: 'warm' as never })).toThrow(/server\.start/);
  });
});
