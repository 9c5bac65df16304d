/**
 * Grid points in parallel on the worker pool (stats/worker-pool.ts): the main thread and
 * threads − 1 worker threads take points from a shared counter, each computing whole points (an
 * ensemble on one thread). A point's numbers do not depend on which thread computed it — its
 * ensemble merges fixed blocks in order — so the table is bit-identical to the 1-thread sweep's
 * (tested); only the timing column differs.
 *
 * With fewer points than threads the threads go into each point instead (the ensemble splits its
 * paths), which gives the same numbers too.
 */
import { runPool } from '../stats/worker-pool.ts';
import { type PointJob, type PointResult, runPoint } from './sweep.ts';

/** The pool's task runner on a worker thread: point i of `jobs`, its ensemble on that one thread. */
export function sweepPointRunner(args: { jobs: PointJob[] }): (i: number) => Promise<PointResult> {
  return (i) => runPoint(args.jobs[i], 1);
}

/**
 * Compute `jobs` on `threads` threads; `onResult` sees each row as it finishes (in finishing order).
 *
 * @throws the first point's error (a ConfigError keeps its field), after the running points have finished
 */
export async function runPoints(jobs: PointJob[], threads: number, onResult: (r: PointResult) => void): Promise<void> {
  if (jobs.length === 0) return;
  if (threads <= 1 || jobs.length < threads) {
    // too few points to share: each point's ensemble uses the threads
    for (const job of jobs) onResult(await runPoint(job, threads > 1 ? threads : 1));
    return;
  }
  await runPool<PointResult>({
    count: jobs.length,
    threads,
    run: (i) => runPoint(jobs[i], 1),
    job: { module: import.meta.url, name: 'sweepPointRunner', args: { jobs } },
    onResult: (_, r) => onResult(r),
  });
}
