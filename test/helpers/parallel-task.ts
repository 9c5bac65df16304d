/** A task function for test/stats/parallel-map.test.ts: deterministic in its task. */
import { ConfigError } from '../../src/core/errors.ts';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine } from '../../src/random/streams.ts';

export function sumOfNormals(task: { seed: number; n: number }): { seed: number; sum: number; draws: Float64Array } {
  const s = new NormalSampler(deriveEngine(task.seed, 'user', 0));
  const draws = new Float64Array(task.n);
  s.fill(draws);
  let sum = 0;
  for (const v of draws) sum += v;
  return { seed: task.seed, sum, draws };
}

export function fails(task: { bad: boolean }): number {
  if (task.bad) throw new Error('task failed on purpose');
  return 1;
}

/** Slow on the main thread, a ConfigError on a worker thread: the pool must hand the worker a task and keep the error's field. */
export async function refusedOnWorkers(task: { i: number }): Promise<number> {
  const { isMainThread } = await import('node:worker_threads');
  if (!isMainThread) throw new ConfigError('task.i', `refused on a worker thread (task ${task.i})`);
  await new Promise((r) => setTimeout(r, 50));
  return task.i;
}
