/**
 * Grid points in parallel: the main thread and threads − 1 worker threads take points from a
 * shared counter, each computing whole points (an ensemble on one thread). A point's numbers do
 * not depend on which thread computed it — its ensemble merges fixed blocks in order — so the
 * table is bit-identical to the 1-thread sweep's (tested); only the timing column differs.
 *
 * With fewer points than threads the threads go into each point instead (the ensemble splits its
 * paths), which gives the same numbers too.
 */
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.ts';
import { workerEntryUrl } from '../core/worker-entry.ts';
import { kernelModule } from '../kernels/index.ts';
import { type PointJob, type PointResult, runPoint } from './sweep.ts';
import { abortReason, throwIfAborted } from '../core/abort.ts';

/** The point worker's entry file (compiled .js in the package, a tsx shim from the sources). */
export function pointWorkerUrl(moduleUrl: string = import.meta.url): URL {
  return workerEntryUrl(moduleUrl, 'point-worker');
}

/** Compute `jobs` on `threads` threads; `onResult` sees each row as it finishes (in finishing order). */
export async function runPoints(jobs: PointJob[], threads: number, onResult: (r: PointResult) => void, signal?: AbortSignal): Promise<void> {
  if (jobs.length === 0) return;
  if (threads <= 1 || jobs.length < threads) {
    // too few points to share: each point's ensemble uses the threads (and stops on the signal)
    for (const job of jobs) {
      throwIfAborted(signal);
      onResult(await runPoint(job, threads > 1 ? threads : 1, signal));
    }
    return;
  }
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter);
  let failure: unknown;
  const running: Worker[] = [];
  let aborted = false;
  // an abort stops handing out points and ends the point workers at once
  const onAbort = () => {
    aborted = true;
    failure ??= abortReason(signal!);
    Atomics.store(next, 0, jobs.length);
    for (const w of running) void w.terminate();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const workers = Array.from({ length: threads - 1 }, () => {
    const worker = new Worker(pointWorkerUrl(), { workerData: { jobs, counter, kernels: kernelModule() } });
    running.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: 'done' | { i: number; result?: PointResult; error?: { name: string; message: string; field?: string; reason?: string } }) => {
        if (m === 'done') {
          void worker.terminate().then(() => resolve());
          return;
        }
        if (m.error) {
          failure ??= m.error.name === 'ConfigError' && m.error.field !== undefined ? new ConfigError(m.error.field, m.error.reason ?? m.error.message) : new Error(m.error.message);
          Atomics.store(next, 0, jobs.length); // stop handing out points
          return;
        }
        onResult(m.result!);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (aborted) resolve();
        else if (code !== 0 && code !== 1) reject(new Error(`sweep worker exited with code ${code}`));
      });
    });
  });
  // a worker that fails outright is handled at once (not only at Promise.all, after this loop) and stops it
  for (const w of workers) w.catch(() => Atomics.store(next, 0, jobs.length));
  for (;;) {
    const i = Atomics.add(next, 0, 1);
    if (i >= jobs.length) break;
    try {
      onResult(await runPoint(jobs[i], 1, signal));
    } catch (e) {
      failure ??= e;
      Atomics.store(next, 0, jobs.length);
    }
    await new Promise((r) => setImmediate(r)); // let worker rows in
  }
  try {
    await Promise.all(workers);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure;
}
