/**
 * Worker-thread entry of the worker pool (worker-pool.ts): adopts the calling thread's compiled
 * kernels, builds its task runner once from the job (imports the module, calls the exported
 * factory with the job's arguments), then takes task indices from the shared counter until none
 * are left, posting each result (or error) with its index, then posts 'done'. The built package
 * runs the compiled file with plain Node; from the TypeScript sources `pool-worker.dev.mjs`
 * registers tsx first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptKernelModule } from '../kernels/index.ts';
import { type PoolJob, postedError, type TaskRunner } from './worker-pool.ts';

const { job, counter, count, kernels } = workerData as { job: PoolJob; counter: SharedArrayBuffer; count: number; kernels?: WebAssembly.Module };
// the main thread's compiled kernels, instead of compiling them again
adoptKernelModule(kernels);
const next = new Int32Array(counter);
let run: TaskRunner<unknown> | undefined;
try {
  const factory = ((await import(job.module)) as Record<string, unknown>)[job.name];
  if (typeof factory !== 'function') throw new TypeError(`worker pool: ${job.module} exports no function '${job.name}'`);
  run = (await (factory as (args: unknown) => TaskRunner<unknown> | Promise<TaskRunner<unknown>>)(job.args)) as TaskRunner<unknown>;
} catch (e) {
  parentPort!.postMessage({ index: -1, error: postedError(e) });
}
if (run) {
  for (;;) {
    const index = Atomics.add(next, 0, 1);
    if (index >= count) break;
    try {
      parentPort!.postMessage({ index, result: await run(index) });
    } catch (e) {
      parentPort!.postMessage({ index, error: postedError(e) });
      break;
    }
  }
}
parentPort!.postMessage('done');
