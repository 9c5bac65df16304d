/**
 * The one worker pool (src/stats/worker-pool.ts) that ensembles, parallelMap and sweeps run on:
 * every task once, results whatever the thread count, a worker's failure reaches the caller.
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
});
