/**
 * The one worker pool (src/stats/worker-pool.ts) that ensembles, parallelMap and sweeps run on:
 * every task once, results whatever the thread count, a worker's failure reaches the caller; an
 * abort or a throwing onResult halts it (its workers terminated mid-task), onResult's `true` stops it.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { parallelMap } from '../../src/stats/parallel-map.ts';
import { rebuiltError, postedError, runPool } from '../../src/stats/worker-pool.ts';

const taskModule = new URL('../helpers/parallel-task.ts', import.meta.url).href;

describe('worker pool', () => {
  it('runs every task exactly once on 2 threads (the main thread and a worker)', async () => {
    const seen: number[] = [];
    const sums: number[] = [];
    const tasks = Array.from({ length: 40 }, (_, i) => ({ seed: 7 + i, n: 5000 }));
    const { sumOfNormals } = await import('../helpers/parallel-task.ts');
    await runPool<{ seed: number; sum: number }>({
      count: tasks.length,
      threads: 2,
      run: (i) => sumOfNormals(tasks[i]),
      job: { module: new URL('../../src/stats/parallel-map.ts', import.meta.url).href, name: 'parallelMapRunner', args: { fn: { module: taskModule, name: 'sumOfNormals' }, tasks } },
      onResult: (i, r) => {
        seen.push(i);
        sums[i] = r.sum;
      },
    });
    expect([...seen].sort((a, b) => a - b)).toEqual(tasks.map((_, i) => i));
    expect(sums).toEqual(tasks.map((t) => sumOfNormals(t).sum));
  });
  it("a ConfigError thrown on a worker reaches the caller as a ConfigError with its field", async () => {
    const tasks = Array.from({ length: 100 }, (_, i) => ({ i }));
    const e = await parallelMap(tasks, { module: taskModule, name: 'refusedOnWorkers' }, { threads: 2 }).then(() => undefined, (err: unknown) => err);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe('task.i');
    expect((e as ConfigError).message).toMatch(/^task\.i: refused on a worker thread/);
  });
  it('errors cross the thread boundary as data: a plain error keeps its name and message', () => {
    const r = rebuiltError(postedError(new RangeError('out of range')));
    expect(r).toBeInstanceOf(Error);
    expect([r.name, r.message]).toEqual(['RangeError', 'out of range']);
  });
  /**
   * The calling thread runs short async tasks; the worker runs `busyTask`s that block it for 1.5 s.
   * The halt comes once the worker has started a task: if the worker were left running, that task
   * would count itself in `finished` 1.5 s later.
   */
  function busySetup() {
    const started = new SharedArrayBuffer(4);
    const finished = new SharedArrayBuffer(4);
    const tasks = Array.from({ length: 200 }, () => ({ started, finished, ms: 1500 }));
    const workerStarted = () => Atomics.load(new Int32Array(started), 0) > 0;
    const job = { module: new URL('../../src/stats/parallel-map.ts', import.meta.url).href, name: 'parallelMapRunner', args: { fn: { module: taskModule, name: 'busyTask' }, tasks } };
    const afterBusyTask = async () => {
      await new Promise((r) => setTimeout(r, 2000));
      return Atomics.load(new Int32Array(finished), 0);
    };
    return { tasks, job, workerStarted, afterBusyTask };
  }
  it('an abort rejects with an AbortError and terminates the workers mid-task', async () => {
    const { tasks, job, workerStarted, afterBusyTask } = busySetup();
    const controller = new AbortController();
    const seen: number[] = [];
    const e = await runPool<number>({
      count: tasks.length,
      threads: 2,
      run: async () => {
        await new Promise((r) => setTimeout(r, 20));
        if (workerStarted()) controller.abort();
        return 0;
      },
      job,
      onResult: (i) => void seen.push(i),
      signal: controller.signal,
    }).then(() => undefined, (err: unknown) => err);
    expect((e as Error).name).toBe('AbortError');
    expect(seen.length).toBeLessThan(tasks.length);
    expect(await afterBusyTask()).toBe(0);
  });
  it('an onResult that throws halts the pool (workers terminated) and the pool rejects with its error', async () => {
    const { tasks, job, workerStarted, afterBusyTask } = busySetup();
    const e = await runPool<number>({
      count: tasks.length,
      threads: 2,
      run: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return 0;
      },
      job,
      onResult: () => {
        if (workerStarted()) throw new Error('progress display failed');
      },
    }).then(() => undefined, (err: unknown) => err);
    expect((e as Error).message).toBe('progress display failed');
    expect(await afterBusyTask()).toBe(0);
  });
  it('onResult returning true stops the handing out of tasks without an error', async () => {
    const seen: number[] = [];
    await runPool<number>({ count: 10, threads: 1, run: (i) => i, job: { module: '', name: '', args: null }, onResult: (i) => (seen.push(i), i === 3) });
    expect(seen).toEqual([0, 1, 2, 3]);
  });
  it('an already aborted signal rejects before any task runs', async () => {
    let ran = 0;
    const controller = new AbortController();
    controller.abort();
    const e = await runPool<number>({ count: 4, threads: 1, run: () => ++ran, job: { module: '', name: '', args: null }, onResult: () => {}, signal: controller.signal }).then(() => undefined, (err: unknown) => err);
    expect((e as Error).name).toBe('AbortError');
    expect(ran).toBe(0);
  });
});
