/**
 * Worker-thread entry of a parallel sweep: takes point indices from the shared counter until none
 * are left, computes each point on this thread (its ensemble on one thread: results do not depend
 * on the thread count) and posts the row, then posts 'done'. The built package runs the compiled
 * file with plain Node; from the TypeScript sources `point-worker.dev.mjs` registers tsx first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptKernelModule } from '../kernels/index.ts';
import { type PointJob, runPoint } from './sweep.ts';

const { jobs, counter, kernels } = workerData as { jobs: PointJob[]; counter: SharedArrayBuffer; kernels?: WebAssembly.Module };
// the main thread's compiled kernels, instead of compiling them again (as the other worker pools do)
adoptKernelModule(kernels);
const next = new Int32Array(counter);
for (;;) {
  const i = Atomics.add(next, 0, 1);
  if (i >= jobs.length) break;
  try {
    parentPort!.postMessage({ i, result: await runPoint(jobs[i], 1) });
  } catch (e) {
    parentPort!.postMessage({ i, error: { name: (e as Error).name, message: (e as Error).message, field: (e as { field?: string }).field, reason: (e as { reason?: string }).reason } });
  }
}
parentPort!.postMessage('done');
