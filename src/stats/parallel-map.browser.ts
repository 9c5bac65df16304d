/**
 * The browser build's parallelMap (package.json "browser" maps stats/parallel-map.js here): the
 * same results, computed one task after the other in the calling thread — browser bundles have no
 * Node worker threads. (The theory checks that use it run under Node; this keeps modules that
 * browser.ts reaches free of `node:*`.)
 */
import { throwIfAborted, yieldToEventLoop } from '../core/abort.ts';
import { importTask, type TaskFunction } from './parallel-task.ts';

export type { TaskFunction } from './parallel-task.ts';

/** `fn` on every task, in order, in the calling thread (the Node version's results); `signal` is checked between tasks, after a yield to the event loop. */
export async function parallelMap<T, R>(tasks: readonly T[], fn: TaskFunction, options: { threads?: number; signal?: AbortSignal } = {}): Promise<R[]> {
  const f = await importTask<T, R>(fn);
  const out: R[] = [];
  for (const t of tasks) {
    if (options.signal) {
      await yieldToEventLoop();
      throwIfAborted(options.signal);
    }
    out.push(await f(t));
  }
  return out;
}
