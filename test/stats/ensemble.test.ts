/**
 * runEnsemble takes what a TypeScript user has: a defineSdde problem, an ASGD configuration with an
 * objective object, a path function, or a module reference (module + exported factory) that
 * worker threads rebuild. Expected values: the exact mean and variance of Euler–Maruyama for an
 * Ornstein–Uhlenbeck equation (closed form), direct averages computed here, and bit-identity
 * between routes and thread counts.
 */
import { describe, expect, it } from 'vitest';
import { generatedLeastSquares } from '../../src/asgd/objectives/least-squares.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { configEnsemble } from '../../src/experiments/ensemble-source.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { type EnsembleModel, runEnsemble } from '../../src/stats/ensemble.ts';

const fixture = new URL('../fixtures/ensemble-model.ts', import.meta.url).href;

describe('runEnsemble sources', () => {
  it('a defineSdde problem: EM mean and variance of dX = −aX dt + s dB match the closed form within 4 SE', async () => {
    const a = 1.5;
    const s = 0.4;
    const h = 0.01;
    const n = 100;
    const problem = defineSdde({ dim: 1, drift: (_t, x, _y, out) => void (out[0] = -a * x[0]), diffusion: { noise: 'diagonal', g: s }, history: 2, T: n * h });
    const ens = await runEnsemble({ problem, dt: h, saveEvery: n }, { paths: 4000, seed: 9 });
    const r = 1 - a * h; // EM: X_{k+1} = r X_k + s√h Z
    const mean = 2 * r ** n;
    const variance = (s * s * h * (1 - r ** (2 * n))) / (1 - r * r);
    const x = ens.series.sdde.x;
    expect(Math.abs(x.meanAt(1) - mean)).toBeLessThan(4 * x.standardError(1));
    // SE of a sample variance of a Gaussian: v√(2/(N−1))
    expect(Math.abs(x.variance(1) - variance)).toBeLessThan(4 * variance * Math.sqrt(2 / 3999));
  });

  it('an ASGD configuration with an objective object equals the same run from JSON (bit for bit)', async () => {
    const spec = { objective: { kind: 'least-squares', n: 200, d: 3, seed: 2 }, x0: 0, eta: 0.02, iterations: 300, batchSize: 4, delay: { kind: 'uniform', maxLag: 3 }, saveEvery: 100 };
    const fromJson = await runEnsemble(configEnsemble({ kind: 'asgd', asgd: spec }, 'asgd'), { paths: 64, seed: 5 });
    const obj = generatedLeastSquares({ n: 200, d: 3, seed: 2 });
    const { saveEvery, ...rest } = spec;
    const fromObject = await runEnsemble({ asgd: { ...rest, objective: obj, delay: { kind: 'uniform', maxLag: 3 } }, saveEvery }, { paths: 64, seed: 5 });
    expect(Array.from(fromObject.series.asgd.x.mean)).toEqual(Array.from(fromJson.series.asgd.x.mean));
    expect(Array.from(fromObject.series.asgd.gap!.mean)).toEqual(Array.from(fromJson.series.asgd.gap!.mean));
  });

  it('a path function: the merged moments are the direct average of what runPath returned', async () => {
    const values = (seed: number, path: number) => Float64Array.of(seed + path, (path * 7) % 5, -path);
    const model: EnsembleModel = {
      layout: { k: Float64Array.of(0, 1, 2), t: Float64Array.of(0, 0.5, 1), dim: 1, seriesNames: ['mine'], steps: 3 },
      runPath: (seed, path) => ({ series: { mine: { x: values(seed, path), status: 'ok' } } }),
    };
    const N = 70; // three blocks of 32, the last partial
    const ens = await runEnsemble(model, { paths: N, seed: 3, keepFinals: true });
    for (let p = 0; p < 3; p++) {
      let m = 0;
      for (let i = 0; i < N; i++) m += values(3, i)[p] / N;
      expect(ens.series.mine.x.meanAt(p)).toBeCloseTo(m, 12);
    }
    expect(Array.from(ens.series.mine.finals!)).toEqual(Array.from({ length: N }, (_, i) => -i));
  });

  it('a module reference runs on 2 worker threads bit-identically to 1 thread and to the model built in place', async () => {
    const args = { a: 1, s: 0.3, tau: 0.5, T: 4, dt: 0.01 };
    const ref = { module: fixture, export: 'delayedOu', args };
    const one = await runEnsemble(ref, { paths: 96, seed: 2, threads: 1 });
    const two = await runEnsemble(ref, { paths: 96, seed: 2, threads: 2 });
    expect(two.threads).toBe(2);
    expect(Array.from(two.series.sdde.x.mean)).toEqual(Array.from(one.series.sdde.x.mean));
    expect(Array.from(two.series.sdde.x.m2)).toEqual(Array.from(one.series.sdde.x.m2));
    const { delayedOu } = await import('../fixtures/ensemble-model.ts');
    const inPlace = await runEnsemble(delayedOu(args), { paths: 96, seed: 2 });
    expect(Array.from(inPlace.series.sdde.x.mean)).toEqual(Array.from(one.series.sdde.x.mean));
  });

  it('a worker that fails while the main thread works rejects the ensemble with its error (the process goes on)', async () => {
    // 4000 blocks of one 40 000-step path (seconds of work): the main thread is still taking blocks
    // when the worker, started, throws on its first path
    const args = { a: 1, s: 0.3, tau: 0.5, T: 4, dt: 1e-4 };
    await expect(runEnsemble({ module: fixture, export: 'failsOnWorkers', args }, { paths: 4000, blockSize: 1, seed: 2, threads: 2 })).rejects.toThrow(/failed on a worker thread/);
  });

  it('refuses, before any work: threads for a source holding functions, a missing export, a module that does not load, a non-model', async () => {
    const problem = defineSdde({ dim: 1, drift: (_t, x, _y, out) => void (out[0] = -x[0]), diffusion: { noise: 'diagonal', g: 1 }, history: 0, T: 1 });
    const refused = async (p: Promise<unknown>, field: string, text: RegExp) => {
      const e = await p.then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe(field);
      expect((e as ConfigError).reason).toMatch(text);
    };
    await refused(runEnsemble({ problem, dt: 0.1 }, { paths: 10, seed: 1, threads: 2 }), 'ensemble.threads', /module/);
    await refused(runEnsemble({ module: fixture, export: 'nope' }, { paths: 10, seed: 1 }), 'ensemble.export', /delayedOu/);
    await refused(runEnsemble({ module: new URL('./no-such-file.ts', import.meta.url), export: 'x' }, { paths: 10, seed: 1 }), 'ensemble.module', /cannot import/);
    await refused(runEnsemble({ layout: {}, runPath: 1 } as never, { paths: 10, seed: 1 }), 'ensemble', /not an ensemble model/);
    await refused(runEnsemble({ problem, dt: 0.1 }, { paths: 0, seed: 1 }), 'ensemble.paths', />= 1/);
  });
});
