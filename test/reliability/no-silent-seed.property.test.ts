/**
 * No silent seed: every library entry point that takes a seed draws a fresh one when none is given
 * and records it as `result.seed`; passing the recorded seed back reproduces the result bit for bit.
 *
 * Expected values: equality of two runs is checked on the bytes of their outputs (Float64Array /
 * Int32Array buffers); "two calls without a seed differ" fails only if two draws of a 53-bit seed
 * coincide (probability 2^-53 per pair) or if a run does not depend on its seed at all — the
 * problems below all have noise, random lags or random minibatches.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { asgdConfig, runAsgd } from '../../src/asgd/runner.ts';
import { runPair } from '../../src/bridge/pair.ts';
import { freshSeed, seedOrFresh } from '../../src/core/seed.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { simulateStaleness } from '../../src/experiments/staleness.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { Milstein } from '../../src/sdde/algorithms/milstein.ts';
import { convergenceOrder } from '../../src/sdde/convergence.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { solvePaths } from '../../src/sdde/solve-paths.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { prepareSweep } from '../../src/sweep/sweep.ts';

const sdde = defineSdde({ dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 1, delay: { kind: 'random', model: { kind: 'uniform', max: 3 } } });
const gbm = defineSdde({ dim: 1, drift: (_t, x, _y, out) => void (out[0] = -x[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, out) => void (out[0] = 0.5 * x[0]) }, history: 1, T: 1 });
const toy = asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.01, iterations: 200, batchSize: 1, delay: { kind: 'uniform', maxLag: 4 } });
const server = { objective: toyObjective(), x0: 4, workers: 3, batchSize: 1, mode: 'async' as const, computeTime: { kind: 'exponential' as const, mean: 1 }, optimizer: { kind: 'sgd' as const, lr: 0.01 }, updates: 200 };

/** The bytes a run produced, as one comparable string. */
function bytes(...arrays: ArrayBufferView[]): string {
  return arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')).join('|');
}

/** Each entry point: run it with an optional seed, return the recorded seed and the output's bytes. */
const ENTRY_POINTS: Record<string, (seed?: number) => Promise<{ seed: number; out: string }> | { seed: number; out: string }> = {
  solve: (seed) => {
    const r = solve(sdde, new EulerMaruyama(), { dt: 0.01, ...(seed === undefined ? {} : { seed }) });
    return { seed: r.seed, out: bytes(r.x) };
  },
  'solve (Milstein)': (seed) => {
    const r = solve(gbm, new Milstein(), { dt: 0.01, ...(seed === undefined ? {} : { seed }) });
    return { seed: r.seed, out: bytes(r.x) };
  },
  solvePaths: (seed) => {
    const rs = solvePaths(sdde, new EulerMaruyama(), { dt: 0.01, ...(seed === undefined ? {} : { seed }) }, 0, 5);
    expect(new Set(rs.map((r) => r.seed)).size).toBe(1); // one seed for all paths of a call
    return { seed: rs[0].seed, out: bytes(...rs.map((r) => r.x)) };
  },
  runAsgd: (seed) => {
    const r = runAsgd(toy, seed === undefined ? {} : { seed });
    return { seed: r.seed, out: bytes(r.x) };
  },
  runPair: (seed) => {
    const r = runPair(toy, { coupling: 'quantile', substeps: 2, ...(seed === undefined ? {} : { seed }) });
    expect(r.asgd!.seed).toBe(r.seed);
    expect(r.sdde.seed).toBe(r.seed);
    return { seed: r.seed, out: bytes(r.asgd!.x, r.sdde.x) };
  },
  runParameterServer: (seed) => {
    const r = runParameterServer(server, seed === undefined ? {} : { seed });
    return { seed: r.seed, out: bytes(r.x, r.staleness) };
  },
  simulateStaleness: (seed) => {
    const r = simulateStaleness({ workers: 3, computeTime: { kind: 'exponential', mean: 1 }, updates: 300, replicates: 2, ...(seed === undefined ? {} : { seed }) });
    return { seed: r.seed, out: bytes(r.staleness) };
  },
  convergenceOrder: (seed) => {
    const r = convergenceOrder(gbm, new EulerMaruyama(), { dts: [0.1, 0.05, 0.025], paths: 8, blocks: 2, ...(seed === undefined ? {} : { seed }) });
    return { seed: r.seed, out: bytes(Float64Array.from(r.strong.levels, (l) => l.error)) };
  },
  runEnsemble: async (seed) => {
    const r = await runEnsemble({ problem: sdde, dt: 0.01, saveEvery: 10 }, { paths: 16, threads: 1, ...(seed === undefined ? {} : { seed }) });
    const s = Object.values(r.series)[0];
    return { seed: r.seed, out: bytes(s.x.mean, s.x.m2) };
  },
  prepareSweep: (seed) => {
    const p = prepareSweep({ base: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 50, batchSize: 1, delay: { kind: 'uniform', maxLag: 2 } } }, grid: { 'asgd.batchSize': [1, 2] }, metric: 'final-loss', paths: 4, ...(seed === undefined ? {} : { seed }) });
    // the sweep's seed is what every point runs with: its record is the reproduction
    return { seed: p.seed, out: String(p.seed) };
  },
};

describe('no silent seed', () => {
  it('freshSeed draws integers in [0, 2^53) that differ from call to call', () => {
    const seeds = Array.from({ length: 64 }, freshSeed);
    for (const s of seeds) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
    expect(new Set(seeds).size).toBe(64);
    // 64 draws of 53 bits: the top bit is set in about half (binomial(64, 1/2): 32 ± 4; [12, 52] is ±5 SD)
    const high = seeds.filter((s) => s >= 2 ** 52).length;
    expect(high).toBeGreaterThanOrEqual(12);
    expect(high).toBeLessThanOrEqual(52);
  });
  it('seedOrFresh validates a given seed and names the field', () => {
    expect(seedOrFresh(7, 'options.seed')).toBe(7);
    expect(() => seedOrFresh(-1, 'options.seed')).toThrow(ConfigError);
    expect(() => seedOrFresh(1.5, 'x.seed')).toThrow(/x\.seed/);
    expect(() => seedOrFresh(2 ** 53, 'options.seed')).toThrow(ConfigError);
  });

  for (const [name, run] of Object.entries(ENTRY_POINTS)) {
    it(`${name}: two calls without a seed differ, each reproduces with its recorded seed`, async () => {
      const a = await run();
      const b = await run();
      expect(a.seed).not.toBe(b.seed);
      if (name !== 'prepareSweep') expect(a.out).not.toBe(b.out);
      const a2 = await run(a.seed);
      const b2 = await run(b.seed);
      expect(a2.seed).toBe(a.seed);
      expect(a2.out).toBe(a.out);
      expect(b2.out).toBe(b.out);
    });
  }

  it('property: for any entry point and any given seed, the result records that seed and repeats bit for bit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(ENTRY_POINTS)), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), async (name, seed) => {
        const a = await ENTRY_POINTS[name](seed);
        const b = await ENTRY_POINTS[name](seed);
        expect(a.seed).toBe(seed);
        expect(b.out).toBe(a.out);
      }),
      { numRuns: 40, seed: 21 },
    );
  });
});
