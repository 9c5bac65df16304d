/**
 * Independent tasks on worker threads: `parallelMap(tasks, { module, name })` calls the function
 * exported as `name` by `module` on every task and returns the results in task order. Tasks and
 * results are plain data (structured clone); the function must be deterministic in its task, so
 * the results do not depend on which thread ran what or on how many threads there were — the
 * same contract as `runEnsemble`, for work that is not an ensemble of paths (e.g. the training
 * runs of a theory check).
 *
 * Threads: the main thread works too, taking tasks from a shared atomic counter; workers join when
 * they have loaded the module. One thread (the default below 2 tasks) runs everything in the main
 * thread, without workers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerEntryUrl } from '../core/worker-entry.ts';
import { kernelModule } from '../kernels/index.ts';

export interface TaskFunction {
  /** URL of the module (import.meta.url of the module that exports the function). */
  module: string;
  /** Name of the exported function: (task) => result | Promise<result>. */
  name: string;
}

/** The worker entry: compiled JS from the built package, a tsx shim from the TypeScript sources. */
function workerUrl(moduleUrl: string = import.meta.url): URL {
  return workerEntryUrl(moduleUrl, 'parallel-worker');
}

export async function parallelMap<T, R>(tasks: readonly T[], fn: TaskFunction, options: { threads?: number } = {}): Promise<R[]> {
  const n = tasks.length;
  const threads = Math.max(1, Math.min(n, options.threads ?? availableParallelism()));
  const f = (await import(fn.module))[fn.name] as (task: T) => R | Promise<R>;
  if (typeof f !== 'function') throw new TypeError(`parallelMap: ${fn.module} exports no function '${fn.name}'`);
  const results = new Array<R>(n);
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter);
  const started: Worker[] = [];
  const workers = Array.from({ length: threads - 1 }, () => {
    const worker = new Worker(workerUrl(), { workerData: { module: fn.module, name: fn.name, tasks, counter, kernels: kernelModule() } });
    started.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { index: number; result: R } | 'done') => {
        if (m === 'done') {
          void worker.terminate().then(() => resolve());
          return;
        }
        results[m.index] = m.result;
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0 && code !== 1) reject(new Error(`parallelMap worker exited with code ${code}`));
      });
    });
  });
  // a failing worker is handled at once — not only at Promise.all after the main thread's loop,
  // where Node would already have ended the process on an unhandled rejection — and stops the loop
  for (const w of workers) w.catch(() => Atomics.store(next, 0, n));
  try {
    for (;;) {
      const i = Atomics.add(next, 0, 1);
      if (i >= n) break;
      results[i] = await f(tasks[i]);
      // let worker messages in between tasks
      if (threads > 1) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(workers);
  } catch (e) {
    // a task failed: stop the other threads too (their own failures are then beside the point)
    for (const w of workers) w.catch(() => {});
    await Promise.all(started.map((w) => w.terminate()));
    throw e;
  }
  return results;
}
