/**
 * Ensembles for analysis: exact quantiles, kept paths, per-path outputs and reductions.
 *
 * Expected values:
 *  - quantiles of paths with known values (test/fixtures/ensemble-model.ts#knownValues) from
 *    numpy.quantile, method 'linear' (test/fixtures/ensemble_quantiles.py);
 *  - the median and quartiles of the Ornstein–Uhlenbeck ensemble dX = −X dt + s dB, X(0) = 1
 *    against the Gaussian law's closed form (mean e^{−t}, variance s²(1 − e^{−2t})/2, quartiles
 *    mean ± 0.6745σ), within 4 standard errors of a sample quantile, √(p(1−p)/n)/φ(z_p)·σ
 *    (plus EM's O(h) bias, ≈ 0.3% of σ at h = 0.01);
 *  - per-path outputs and reductions against the kept paths (a plain fold written in the test).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { exactQuantiles } from '../../src/stats/ensemble-extras.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { knownValues } from '../fixtures/ensemble-model.ts';
import expected from '../fixtures/ensemble_quantiles.json' with { type: 'json' };

const fixture = new URL('../fixtures/ensemble-model.ts', import.meta.url);

describe('ensemble quantiles', () => {
  it('equal numpy.quantile (type 7) of the paths, per saved time, probability and coordinate', async () => {
    const ens = await runEnsemble(knownValues(), { paths: expected.paths, seed: 1, quantiles: expected.p, blockSize: 32 });
    const q = ens.series.v.quantiles!;
    expect(q.p).toEqual(expected.p);
    expect(q.values.length).toBe(4 * expected.p.length * 2);
    q.values.forEach((v, i) => expect(v).toBeCloseTo(expected.values[i], 14));
    expect(ens.series.v.paths).toBeUndefined(); // quantiles alone do not return the paths
  });
  it('exactQuantiles: order statistics of small samples; NaN (unreached points) left out', () => {
    // 5 values 4, 0, 3, 1, 2 → sorted 0..4: p = 0.5 → 2; p = 0.1 → h = 0.4 → 0.4; p = 1 → 4
    expect(Array.from(exactQuantiles(Float64Array.of(4, 0, 3, 1, 2), 5, 1, 1, [0.5, 0.1, 1]))).toEqual([2, 0.4, 4]);
    expect(Array.from(exactQuantiles(Float64Array.of(4, NaN, 2), 3, 1, 1, [0.5]))).toEqual([3]);
    expect(Number.isNaN(exactQuantiles(Float64Array.of(NaN), 1, 1, 1, [0.5])[0])).toBe(true);
  });
  it('match the Gaussian law of an Ornstein–Uhlenbeck ensemble within 4 SE', async () => {
    const s = 0.8;
    const n = 4000;
    const problem = defineSdde({ dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: s }, history: 1, T: 2 });
    const p = [0.25, 0.5, 0.75];
    const ens = await runEnsemble({ problem, dt: 0.01, saveEvery: 100 }, { paths: n, seed: 11, quantiles: p });
    const zs = [-0.6744897501960817, 0, 0.6744897501960817];
    const phi = (z: number) => Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    ens.t.forEach((t, j) => {
      if (t === 0) return;
      const mean = Math.exp(-t);
      const sd = s * Math.sqrt((1 - Math.exp(-2 * t)) / 2);
      p.forEach((pp, qi) => {
        const se = (Math.sqrt((pp * (1 - pp)) / n) / phi(zs[qi])) * sd;
        expect(Math.abs(ens.series.sdde.quantiles!.values[j * 3 + qi] - (mean + zs[qi] * sd))).toBeLessThan(4 * se + 0.003 * sd);
      });
    });
  });
});

describe("keep: 'paths'", () => {
  it('keeps every path in path order (paths × times × dim), the same for 1 and 2 threads', async () => {
    const model = knownValues();
    const ens = await runEnsemble(model, { paths: 70, seed: 1, keep: 'paths', blockSize: 16 });
    const kept = ens.series.v.paths!;
    expect(kept.length).toBe(70 * 4 * 2);
    for (const i of [0, 15, 16, 69]) expect(Array.from(kept.subarray(i * 8, (i + 1) * 8))).toEqual(Array.from(model.runPath(1, i).series.v.x));
    const one = await runEnsemble({ module: fixture, export: 'delayedOu', args: { a: 1, s: 0.3, tau: 0.5, T: 4, dt: 0.01 } }, { paths: 64, seed: 3, threads: 1, keep: 'paths', quantiles: [0.1, 0.9] });
    const two = await runEnsemble({ module: fixture, export: 'delayedOu', args: { a: 1, s: 0.3, tau: 0.5, T: 4, dt: 0.01 } }, { paths: 64, seed: 3, threads: 2, keep: 'paths', quantiles: [0.1, 0.9] });
    expect(two.threads).toBe(2);
    expect(Array.from(two.series.sdde.paths!)).toEqual(Array.from(one.series.sdde.paths!));
    expect(Array.from(two.series.sdde.quantiles!.values)).toEqual(Array.from(one.series.sdde.quantiles!.values));
  });
  it('checks the memory before any work: too many numbers is a ConfigError naming keep', async () => {
    let ran = 0;
    const model = knownValues();
    const counting = { layout: model.layout, runPath: (s: number, p: number) => (ran++, model.runPath(s, p)) };
    const e = await runEnsemble(counting, { paths: 20_000_000, seed: 1, keep: 'paths' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe('ensemble.keep');
    expect(ran).toBe(0);
    await expect(runEnsemble(counting, { paths: 10, seed: 1, quantiles: [1.5] })).rejects.toThrow(/quantiles\[0\]/);
    await expect(runEnsemble(counting, { paths: 10, seed: 1, keep: 'all' as never })).rejects.toThrow(/ensemble\.keep/);
    expect(ran).toBe(0);
  });
});

describe('per-path output and reduce (SciML output_func / reduction)', () => {
  it('output keeps one value per path in path order; reduce folds blocks in order and may stop early', async () => {
    const model = knownValues();
    const ens = await runEnsemble(model, {
      paths: 300,
      seed: 1,
      blockSize: 32,
      output: (path, i) => path.series.v.x[6] + i, // final state's first coordinate, plus the index
      reduce: (acc: number, outs: unknown[]) => {
        const sum = acc + (outs as number[]).reduce((a, b) => a + b, 0);
        return sum > 5000 ? { value: sum, stop: true } : sum;
      },
      reduceInit: 0,
    });
    // the fold written out: block sums of (x_final + i) until the running sum passes 5000
    let sum = 0;
    let blocks = 0;
    while (sum <= 5000) {
      let block = 0;
      for (let i = blocks * 32; i < (blocks + 1) * 32; i++) block += model.runPath(1, i).series.v.x[6] + i;
      sum += block;
      blocks++;
    }
    expect(ens.stoppedEarly).toBe(true);
    expect(ens.paths).toBe(blocks * 32);
    expect(ens.reduced).toBe(sum);
    expect(ens.outputs!.length).toBe(blocks * 32);
    expect(ens.outputs![5]).toBe(model.runPath(1, 5).series.v.x[6] + 5);
    expect(ens.series.v.x.count[0]).toBe(blocks * 32); // the moments cover the paths run
  });
  it('a module output runs on worker threads; outputs and reduction are bit-identical for 1, 2 and 3 threads', async () => {
    const source = { module: fixture, export: 'delayedOu', args: { a: 1, s: 0.3, tau: 0.5, T: 4, dt: 0.01 } };
    const run = (threads: number) =>
      runEnsemble(source, {
        paths: 200,
        seed: 4,
        threads,
        blockSize: 8,
        output: { module: fixture, export: 'finalFirst' },
        reduce: (acc: { n: number; max: number }, outs: unknown[]) => {
          const next = { n: acc.n + outs.length, max: Math.max(acc.max, ...(outs as [number, number][]).map((o) => o[0])) };
          return next.n >= 120 ? { value: next, stop: true } : next;
        },
        reduceInit: { n: 0, max: -Infinity },
      });
    const [a, b, c] = [await run(1), await run(2), await run(3)];
    expect(a.paths).toBe(120);
    for (const r of [b, c]) {
      expect(r.outputs).toEqual(a.outputs);
      expect(r.reduced).toEqual(a.reduced);
      expect(Array.from(r.series.sdde.x.mean)).toEqual(Array.from(a.series.sdde.x.mean));
    }
    expect((a.outputs as [number, number][]).map((o) => o[1])).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });
  it('refuses a function output on several threads, a reduce without output, before any work', async () => {
    const source = { module: fixture, export: 'delayedOu', args: { a: 1, s: 0.3, tau: 0.5, T: 4, dt: 0.01 } };
    await expect(runEnsemble(source, { paths: 10, seed: 1, threads: 2, output: () => 1 })).rejects.toThrow(/ensemble\.output/);
    await expect(runEnsemble(knownValues(), { paths: 10, seed: 1, reduce: (a) => a })).rejects.toThrow(/ensemble\.reduce/);
  });
});
