/**
 * A timer aborts the asynchronous entry points while they compute in the calling thread: with a
 * signal, their long synchronous stretches (an ensemble's blocks, a check's ensembles, a sweep's
 * points) yield to the event loop about every 50 ms, so `AbortSignal.timeout(200)` fires, and the
 * call rejects with its TimeoutError (the DOMException AbortSignal.timeout gives) long before the
 * work would end.
 *
 * What is asserted is what ran, not how fast: each run here would take several seconds (10 s and
 * more on an idle machine), and it must stop having done less than half of its work. The elapsed
 * time is checked only loosely (< 5 s): after the timer fires, the call ends within one run of
 * paths (sized to about 50 ms of work, at most one path past that) plus one yield, so even a
 * machine ten times slower than an idle one (2 cores shared by several jobs) stays far inside.
 * Results with a signal that never fires are the same bits: the kept paths against `solve` run path
 * by path (the block is then run in batches of 1, 2, 4, … paths), the statistics against a run
 * without a signal.
 */
import { describe, expect, it } from 'vitest';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { sddeModel } from '../../src/stats/ensemble-block.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { parallelMap } from '../../src/stats/parallel-map.ts';
import { runSweep } from '../../src/sweep/run.ts';
import { CHECKS } from '../../src/theory/index.ts';
import { type Claim, prepareClaim, runClaim } from '../../src/theory/workbench/index.ts';

const isTimeout = (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError';
const ou = (T: number) => defineSdde({ dim: 1, drift: { linear: { x: [[-1]], y: [[0.5]] } }, diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T, delay: { kind: 'constant', tau: 0.5 } });

/** An SDDE model that counts the paths it runs (one by one or in batches). */
function counted(T: number, dt: number, saveEvery: number) {
  const model = sddeModel(ou(T), { dt, saveEvery });
  const count = { paths: 0 };
  return {
    count,
    model: {
      layout: model.layout,
      runPath: (seed: number, path: number) => (count.paths++, model.runPath(seed, path)),
      runPaths: (seed: number, first: number, n: number) => ((count.paths += n), model.runPaths!(seed, first, n)),
    },
  };
}

describe('AbortSignal.timeout aborts a long computation in the calling thread', () => {
  it('runEnsemble, one thread, one block of 10 000 paths of 200 000 steps: stops within its block', async () => {
    const { model, count } = counted(20, 1e-4, 20_000);
    const started = performance.now();
    const e = await runEnsemble(model, { paths: 10_000, blockSize: 10_000, seed: 1, signal: AbortSignal.timeout(200) }).catch((x: unknown) => x);
    const seconds = (performance.now() - started) / 1000;
    expect(isTimeout(e)).toBe(true);
    expect(count.paths).toBeGreaterThan(0);
    expect(count.paths).toBeLessThan(5_000);
    expect(seconds).toBeLessThan(5);
  });
  it('runSweep on one thread: rejects during its first point', async () => {
    const rows: number[] = [];
    const started = performance.now();
    const e = await runSweep(
      {
        base: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.0001, iterations: 200_000, batchSize: 1, delay: { kind: 'uniform', maxLag: 2 } } },
        grid: { 'asgd.batchSize': [1, 2, 3, 4] },
        metric: 'final-loss',
        paths: 400,
        seed: 1,
      },
      { threads: 1, signal: AbortSignal.timeout(200), onPoint: (r) => rows.push(r.point) },
    ).catch((x: unknown) => x);
    expect(isTimeout(e)).toBe(true);
    expect(rows).toEqual([]);
    expect((performance.now() - started) / 1000).toBeLessThan(5);
  });
  it('a theory check (moments, quick: about 12 s on one thread) rejects within its first ensemble', async () => {
    const moments = CHECKS.find((c) => c.name === 'moments')!;
    const stages: string[] = [];
    const blocks = { done: 0, total: 0 };
    const started = performance.now();
    const e = await moments.run({ quick: true, seed: 1, threads: 1, signal: AbortSignal.timeout(300), onProgress: (m) => stages.push(m), onBlocks: (done, total) => Object.assign(blocks, { done, total }) }).catch((x: unknown) => x);
    expect(isTimeout(e)).toBe(true);
    // within the first ensemble (before half of its blocks, often within its first): its blocks
    // yield, so the timer fires before it ends
    expect(stages.length).toBe(1);
    expect(blocks.total === 0 || blocks.done < blocks.total / 2, `${blocks.done} of ${blocks.total} blocks`).toBe(true);
    expect((performance.now() - started) / 1000).toBeLessThan(5);
  });
  it('runClaim (the workbench) with an ensemble experiment: rejects within its first ensemble', async () => {
    const { model, count } = counted(20, 1e-4, 20_000);
    const claim: Claim = {
      name: 'a long claim',
      quantity: 'E X(T)',
      kind: 'upper-bound',
      prediction: '1',
      experiment: { kind: 'ensemble', grid: { a: [1, 2, 3] }, paths: 10_000, source: () => model, statistic: (r) => ({ value: r.series.sdde!.x.meanAt(r.k.length - 1), se: r.series.sdde!.x.standardError(r.k.length - 1) }) },
    };
    prepareClaim(claim); // its first call loads the expression parser (a second or two), before the timer starts
    const stages: string[] = [];
    const started = performance.now();
    const e = await runClaim(claim, { seed: 1, threads: 1, signal: AbortSignal.timeout(200), onProgress: (m) => stages.push(m) }).catch((x: unknown) => x);
    expect(isTimeout(e)).toBe(true);
    expect(stages.length).toBe(1);
    expect(count.paths).toBeLessThan(5_000);
    expect((performance.now() - started) / 1000).toBeLessThan(5);
  });
  it('parallelMap: a signal aborted before the call rejects before any task', async () => {
    const c = new AbortController();
    c.abort();
    const e = await parallelMap([1, 2], { module: import.meta.url, name: 'never' }, { threads: 1, signal: c.signal }).catch((x: unknown) => x);
    expect((e as Error).name).toBe('AbortError');
  });
});

describe('a signal that never fires changes no bit', () => {
  it("runEnsemble with a signal: kept paths equal solve's path by path, statistics equal a run without a signal", async () => {
    const problem = ou(2);
    const source = { problem, dt: 0.001, saveEvery: 100 };
    const options = { paths: 45, blockSize: 40, seed: 3, keep: 'paths' as const };
    const withSignal = await runEnsemble(source, { ...options, signal: new AbortController().signal });
    const without = await runEnsemble(source, options);
    const kept = withSignal.series.sdde.paths!;
    const n = withSignal.k.length;
    for (let p = 0; p < options.paths; p++) {
      const sol = solve(problem, new EulerMaruyama(), { dt: 0.001, seed: 3, path: p, saveAt: { every: 100 } });
      expect(Array.from(kept.subarray(p * n, (p + 1) * n)), `path ${p}`).toEqual(Array.from(sol.x));
    }
    const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
    expect(bytes(withSignal.series.sdde.x.mean)).toBe(bytes(without.series.sdde.x.mean));
    expect(bytes(withSignal.series.sdde.x.m2)).toBe(bytes(without.series.sdde.x.m2));
    expect(bytes(kept)).toBe(bytes(without.series.sdde.paths!));
  });
});

/** Never called: the parallelMap test aborts before any task. */
export function never(): never {
  throw new Error('a task ran after an abort');
}
