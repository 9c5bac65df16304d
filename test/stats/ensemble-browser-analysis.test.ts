/**
 * The analysis options of the browser twin of runEnsemble (src/stats/ensemble.browser.ts), run in
 * this Node process in its calling-thread mode (threads 1 needs no Web Worker; the Web Worker mode
 * is test/stats/ensemble-web.test.ts's, in Chromium).
 *
 * Expected values: quantiles from numpy.quantile (test/fixtures/ensemble_quantiles.py, as in
 * test/stats/ensemble-analysis.test.ts); kept paths against the model's own paths; outputs and the
 * reduction against a fold written in the test; and the twins must agree bit for bit with Node's
 * runEnsemble (which ensemble-analysis.test.ts checks against closed forms).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { runEnsemble as runInBrowser } from '../../src/stats/ensemble.browser.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { knownValues } from '../fixtures/ensemble-model.ts';
import expected from '../fixtures/ensemble_quantiles.json' with { type: 'json' };

describe('runEnsemble in the browser twin: quantiles, keep, output, reduce, seed, signal', () => {
  it("quantiles equal numpy's, kept paths equal the model's paths", async () => {
    const model = knownValues();
    const ens = await runInBrowser(model, { paths: expected.paths, seed: 1, quantiles: expected.p, keep: 'paths', blockSize: 32 });
    ens.series.v.quantiles!.values.forEach((v, i) => expect(v).toBeCloseTo(expected.values[i], 14));
    for (const i of [0, 31, 32, 202]) expect(Array.from(ens.series.v.paths!.subarray(i * 8, (i + 1) * 8))).toEqual(Array.from(model.runPath(1, i).series.v.x));
  });
  it('output and reduce (with an early stop) give the fold of the paths, and the same as Node', async () => {
    const model = knownValues();
    const options = {
      paths: 200,
      seed: 1,
      blockSize: 16,
      output: (path: { series: Record<string, { x: Float64Array }> }, i: number) => path.series.v.x[6] + i,
      reduce: (acc: number, outs: number[]) => {
        const sum = acc + outs.reduce((a, b) => a + b, 0);
        return sum > 500 ? { value: sum, stop: true as const } : sum;
      },
      reduceInit: 0,
    };
    const web = await runInBrowser<number, number>(model, options);
    const node = await runEnsemble<number, number>(model, options);
    let sum = 0;
    let blocks = 0;
    while (blocks * 16 < 200) {
      for (let i = blocks * 16; i < Math.min(200, (blocks + 1) * 16); i++) sum += model.runPath(1, i).series.v.x[6] + i;
      blocks++;
      if (sum > 500) break;
    }
    expect(web.reduced).toBe(sum);
    expect(web.stoppedEarly).toBe(blocks * 16 < 200);
    expect(web.paths).toBe(Math.min(200, blocks * 16));
    expect(web.outputs).toEqual(node.outputs);
    expect([web.reduced, web.paths, web.stoppedEarly]).toEqual([node.reduced, node.paths, node.stoppedEarly]);
  });
  it('without a seed draws a fresh one, recorded; passing it back reproduces the statistics', async () => {
    const model = knownValues();
    const noisy = { layout: model.layout, runPath: (seed: number, path: number) => ({ series: { v: { x: model.runPath(seed, path).series.v.x.map((v) => v + (seed % 1000)), status: 'ok' as const } } }) };
    const a = await runInBrowser(noisy, { paths: 10 });
    const b = await runInBrowser(noisy, { paths: 10 });
    expect(a.seed).not.toBe(b.seed);
    const again = await runInBrowser(noisy, { paths: 10, seed: a.seed });
    expect(Array.from(again.series.v.x.mean)).toEqual(Array.from(a.series.v.x.mean));
  });
  it('an abort rejects with an AbortError between blocks; a function output on Web Workers is refused before any work', async () => {
    const model = knownValues();
    const controller = new AbortController();
    let blocks = 0;
    const e = await runInBrowser(model, {
      paths: 1000,
      seed: 1,
      blockSize: 10,
      signal: controller.signal,
      onProgress: (done) => {
        blocks = done;
        if (done === 3) controller.abort();
      },
    }).catch((x: unknown) => x);
    expect((e as Error).name).toBe('AbortError');
    expect(blocks).toBe(3);
    const fixture = new URL('../fixtures/ensemble-model.ts', import.meta.url);
    // a function cannot be sent to a Web Worker: only a module reference { module, export } can
    const refused = await runInBrowser({ module: fixture, export: 'knownValues' }, { paths: 100, seed: 1, threads: 2, workerUrl: 'x.js', output: () => 1 }).catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).field).toBe('ensemble.output');
  });
});
