/**
 * Worker-thread entry of `parallelMap`: loads the task function's module, takes task indices from
 * the shared counter until none are left, posts each result with its index, then posts 'done'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptKernelModule } from '../kernels/index.ts';

const { module, name, tasks, counter, kernels } = workerData as { module: string; name: string; tasks: unknown[]; counter: SharedArrayBuffer; kernels?: WebAssembly.Module };
adoptKernelModule(kernels); // the main thread's compiled kernels
const f = (await import(module))[name] as (task: unknown) => unknown;
const next = new Int32Array(counter);
for (;;) {
  const index = Atomics.add(next, 0, 1);
  if (index >= tasks.length) break;
  parentPort!.postMessage({ index, result: await f(tasks[index]) });
}
parentPort!.postMessage('done');
