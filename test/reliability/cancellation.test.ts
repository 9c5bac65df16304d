/**
 * Cancellation (`signal: AbortSignal`) and progress (`onProgress`) at the long-running entry
 * points: an aborted call throws / rejects with the signal's reason (a DOMException named
 * 'AbortError' for controller.abort()), stops early (fewer progress calls than the whole work),
 * ends its worker threads and returns no partial result.
 *
 * The synchronous loops cannot see an abort from a timer while they run (one thread); they are
 * aborted here from their own progress callback, which is how an abort reaches them (or a signal
 * aborted before the call). The asynchronous ones are aborted from a timer.
 */
import { describe, expect, it } from 'vitest';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { asgdConfig, runAsgd } from '../../src/asgd/runner.ts';
import { runThreadedServer, type ThreadedServerSpec } from '../../src/asgd/threaded-server.ts';
import { runPair } from '../../src/bridge/pair.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { convergenceOrder } from '../../src/sdde/convergence.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { runSweep } from '../../src/sweep/run.ts';
import { CHECKS } from '../../src/theory/index.ts';

const isAbort = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';
const ou = defineSdde({ dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 10 });
const toy = asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.001, iterations: 100_000, batchSize: 1, delay: { kind: 'uniform', maxLag: 4 } });
const fixture = new URL('../fixtures/ensemble-model.ts', import.meta.url);

/** Run fn with a controller whose abort fires from the k-th progress call; returns the error and the calls made. */
function abortAt<T>(k: number, fn: (signal: AbortSignal, onProgress: (done: number, total: number) => void) => T): { error: unknown; calls: number; total: number } {
  const c = new AbortController();
  let calls = 0;
  let total = 0;
  try {
    fn(c.signal, (_d, t) => {
      calls++;
      total = t;
      if (calls === k) c.abort();
    });
  } catch (error) {
    return { error, calls, total };
  }
  return { error: undefined, calls, total };
}

describe('synchronous entry points', () => {
  it('solve: progress every 4096 steps; an abort stops it at the next poll with an AbortError', () => {
    const seen: number[] = [];
    const sol = solve(ou, new EulerMaruyama(), { dt: 1e-3, seed: 1, saveAt: { final: true }, onProgress: (d) => seen.push(d) });
    expect(seen).toEqual([0, 4096, 8192, 10_000]);
    expect(sol.status).toBe('ok');
    const r = abortAt(2, (signal, onProgress) => solve(ou, new EulerMaruyama(), { dt: 1e-4, seed: 1, signal, onProgress }));
    expect(isAbort(r.error)).toBe(true);
    expect(r.calls).toBe(2); // the poll after the abort threw: 100 000 steps, stopped after 4096
  });
  it('solve: a signal aborted before the call throws before any work; a non-signal is a ConfigError', () => {
    const c = new AbortController();
    c.abort();
    expect(() => solve(ou, new EulerMaruyama(), { dt: 0.01, signal: c.signal })).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(() => solve(ou, new EulerMaruyama(), { dt: 0.01, signal: {} as never })).toThrow(ConfigError);
    // a custom reason is what is thrown (as fetch does)
    const d = new AbortController();
    d.abort(new Error('user stopped'));
    expect(() => solve(ou, new EulerMaruyama(), { dt: 0.01, signal: d.signal })).toThrow('user stopped');
  });
  it('runAsgd, runParameterServer, convergenceOrder stop at the poll after an abort', () => {
    const a = abortAt(3, (signal, onProgress) => runAsgd(toy, { seed: 1, signal, onProgress }));
    expect(isAbort(a.error)).toBe(true);
    expect(a.calls).toBe(3);
    const s = abortAt(2, (signal, onProgress) => runParameterServer({ objective: toyObjective(), x0: 4, workers: 4, batchSize: 1, mode: 'async', computeTime: { kind: 'exponential', mean: 1 }, optimizer: { kind: 'sgd', lr: 0.001 }, updates: 100_000 }, { seed: 1, signal, onProgress }));
    expect(isAbort(s.error)).toBe(true);
    expect(s.calls).toBe(2);
    const gbm = defineSdde({ dim: 1, drift: (_t, x, _y, out) => void (out[0] = -x[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, out) => void (out[0] = 0.5 * x[0]) }, history: 1, T: 1 });
    const c = abortAt(5, (signal, onProgress) => convergenceOrder(gbm, new EulerMaruyama(), { dts: [0.1, 0.05, 0.025], paths: 400, seed: 1, signal, onProgress }));
    expect(isAbort(c.error)).toBe(true);
    expect(c.calls).toBe(5);
    const pre = new AbortController();
    pre.abort();
    expect(() => runPair(asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.01, iterations: 100, batchSize: 1 }), { coupling: 'quantile', seed: 1, signal: pre.signal })).toThrow(expect.objectContaining({ name: 'AbortError' }));
  });
});

describe('asynchronous entry points (aborted from a timer)', () => {
  it('runEnsemble on 2 threads: rejects with an AbortError before the blocks are done', async () => {
    const c = new AbortController();
    let blocks = 0;
    let total = 0;
    setTimeout(() => c.abort(), 300);
    const p = runEnsemble({ module: fixture, export: 'delayedOu', args: { a: 1, s: 0.3, tau: 0.5, T: 40, dt: 0.0005 } }, { paths: 20_000, seed: 1, threads: 2, blockSize: 8, signal: c.signal, onProgress: (d, t) => ((blocks = d), (total = t)) });
    const e = await p.catch((x: unknown) => x);
    expect(isAbort(e)).toBe(true);
    expect(blocks).toBeLessThan(total === 0 ? 2500 : total);
  });
  it('runEnsemble on 1 thread: yields between blocks, so a timer aborts it', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(), 100);
    let blocks = 0;
    const e = await runEnsemble({ problem: ou, dt: 0.001, saveEvery: 1000 }, { paths: 100_000, seed: 1, blockSize: 4, signal: c.signal, onProgress: (d) => (blocks = d) }).catch((x: unknown) => x);
    expect(isAbort(e)).toBe(true);
    expect(blocks).toBeLessThan(25_000);
  });
  it('a throwing onProgress stops the ensemble and rejects with its error', async () => {
    const e = await runEnsemble({ problem: ou, dt: 0.01, saveEvery: 100 }, { paths: 1000, seed: 1, blockSize: 4, onProgress: (d) => { if (d === 3) throw new Error('enough'); } }).catch((x: unknown) => x);
    expect((e as Error).message).toBe('enough');
  });
  it('runSweep on 2 threads: rejects with an AbortError, no result', async () => {
    const c = new AbortController();
    const rows: number[] = [];
    const e = await runSweep(
      {
        base: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.001, iterations: 4000, batchSize: 1, delay: { kind: 'uniform', maxLag: 2 } } },
        grid: { 'asgd.batchSize': [1, 2, 3, 4, 5, 6, 7, 8] },
        metric: 'final-loss',
        paths: 200,
        seed: 1,
      },
      { threads: 2, signal: c.signal, onPoint: (r) => (rows.push(r.point), c.abort()) },
    ).catch((x: unknown) => x);
    expect(isAbort(e)).toBe(true);
    expect(rows.length).toBeLessThan(8);
  });
  it('runThreadedServer: the workers stop and the run rejects with an AbortError', async () => {
    const spec: ThreadedServerSpec = { objective: { kind: 'least-squares', n: 200, d: 5, seed: 3 }, x0: 0.5, workers: 2, batchSize: 4, mode: 'async', optimizer: { kind: 'sgd', lr: 0.001 }, updates: 50_000_000, saveEvery: 1_000_000, maxSeconds: 60 };
    const e = await runThreadedServer(spec, { seed: 1, signal: AbortSignal.timeout(1500) }).catch((x: unknown) => x);
    expect(e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError')).toBe(true);
  });
  it('a theory check: rejects with an AbortError at its next stage or block', async () => {
    const c = new AbortController();
    const moments = CHECKS.find((x) => x.name === 'moments')!;
    const stages: string[] = [];
    const e = await moments.run({ quick: true, seed: 1, signal: c.signal, onProgress: (m) => (stages.push(m), c.abort()) }).catch((x: unknown) => x);
    expect(isAbort(e)).toBe(true);
    expect(stages.length).toBe(1);
  });
});
