/**
 * Independent tasks on worker threads: `parallelMap(tasks, { module, name })` calls the function
 * exported as `name` by `module` on every task and returns the results in task order. Tasks and
 * results are plain data (structured clone); the function must be deterministic in its task, so
 * the results do not depend on which thread ran what or on how many threads there were — the
 * same contract as `runEnsemble`, for work that is not an ensemble of paths (e.g. the training
 * runs of a theory check).
 *
 * Threads: the worker pool (worker-pool.ts): the main thread works too; workers join when they
 * have loaded the module. One thread (the default below 2 tasks) runs everything in the main
 * thread, without workers. The browser build maps this file to parallel-map.browser.ts (the same
 * results, one task after the other).
 */
import { availableParallelism } from 'node:os';
import { importTask, type TaskFunction } from './parallel-task.ts';
import { runPool, type TaskRunner } from './worker-pool.ts';

export type { TaskFunction } from './parallel-task.ts';

/** The pool's task runner on a worker thread: task i of `tasks` through the named function. */
export async function parallelMapRunner(args: { fn: TaskFunction; tasks: unknown[] }): Promise<TaskRunner<unknown>> {
  const f = await importTask<unknown, unknown>(args.fn);
  return (i) => f(args.tasks[i]);
}

/**
 * `fn` on every task, on `threads` threads (default: all cores), results in task order. `signal`
 * halts the pool (its workers terminated) and rejects with its reason; the calling thread then
 * yields to the event loop between its tasks, so a timer can abort it (a task itself is not
 * interrupted).
 *
 * @throws TypeError when the module exports no function `fn.name`; the first task's error otherwise
 * @remarks Example (an internal helper, not in the package API): `await parallelMap(tasks, { module: import.meta.url, name: 'trainOnce' }, { threads: 2 })`
 */
export async function parallelMap<T, R>(tasks: readonly T[], fn: TaskFunction, options: { threads?: number; signal?: AbortSignal } = {}): Promise<R[]> {
  const n = tasks.length;
  const f = await importTask<T, R>(fn);
  const results = new Array<R>(n);
  await runPool<R>({
    count: n,
    threads: options.threads ?? availableParallelism(),
    run: (i) => f(tasks[i]),
    job: { module: import.meta.url, name: 'parallelMapRunner', args: { fn: { module: fn.module, name: fn.name }, tasks } },
    onResult: (i, r) => {
      results[i] = r;
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return results;
}
