/**
 * The one worker pool of the library (Node only): `count` independent tasks 0 … count − 1, taken
 * from a shared atomic counter by the calling thread and by threads − 1 worker threads. Work starts
 * at once in the calling thread; workers join when they have built their task runner, and the load
 * balances itself. Each result goes to `onResult(index, result)` as it finishes (in finishing
 * order): callers that merge results by index get the same bits whatever the thread count.
 *
 * Ensembles (blocks of paths), `parallelMap` (plain tasks) and parallel sweeps (grid points) run
 * on it. A worker cannot receive functions, so it rebuilds its runner from a `PoolJob`: a module
 * URL, the name of an exported factory `(args) => (index) => result` and its plain-data arguments.
 * The worker entry (pool-worker.ts) also adopts the calling thread's compiled kernel module.
 *
 * Failures: a task that throws (in any thread) stops the handing out of tasks; the tasks already
 * running finish, then the pool rejects with the first error (a worker's ConfigError keeps its
 * field). A worker that dies outright does the same.
 *
 * Halting: an abort of `signal`, or an `onResult` that throws, halts the pool at once: no more
 * tasks are handed out, the worker threads are terminated (their exit is then expected, not a
 * failure), later results are dropped, and the pool rejects with the signal's reason (an
 * AbortError) or the error. With a signal the calling thread yields to the event loop between its
 * tasks, so a timer or a UI event can abort it; with `callerIdle` it takes no task at all, so an
 * abort is seen at once even while every task runs synchronously for seconds.
 *
 * The browser build has no worker threads: modules that the browser bundle reaches (parallel-map)
 * have a browser twin that runs the tasks in order in the calling thread (package.json "browser").
 */
import { Worker } from 'node:worker_threads';
import { abortReason, throwIfAborted } from '../core/abort.ts';
import { ConfigError } from '../core/errors.ts';
import { workerEntryUrl } from '../core/worker-entry.ts';
import { kernelModule } from '../kernels/index.ts';

/** How a worker thread builds its task runner: what it imports and calls. Plain data. */
export interface PoolJob {
  /** URL of the module (e.g. `import.meta.url` of the module that exports the factory). */
  module: string;
  /** Name of the exported factory `(args) => TaskRunner` (or a promise of one). */
  name: string;
  /** The factory's argument; must be structured-cloneable (plain data). */
  args: unknown;
}

/** Runs task `index` (0 … count − 1); deterministic in its index. */
export type TaskRunner<R> = (index: number) => R | Promise<R>;

export interface PoolOptions<R> {
  /** Number of tasks. */
  count: number;
  /** Threads in all, the calling thread included (1: no workers). */
  threads: number;
  /** The calling thread's runner (built by the caller, who may already hold what it needs). */
  run: TaskRunner<R>;
  /** What each worker rebuilds its runner from (used when threads > 1). */
  job: PoolJob;
  /**
   * Each result, as it finishes, with its task index. Returning `true` stops the handing out of
   * tasks (the running ones finish and still report, e.g. a reduction that has seen enough); a
   * throw halts the pool, which rejects with the error.
   */
  onResult: (index: number, result: R) => void | boolean;
  /** Abort: halts the pool (see the header) and rejects with the signal's reason; checked before any work. */
  signal?: AbortSignal;
  /**
   * The calling thread takes no task: `threads` workers do all of them (default false). For tasks
   * that run synchronously for long: the calling thread stays free, so a timer can abort the pool
   * at once (the workers are terminated mid-task) — a task running in the calling thread could
   * not be interrupted. Results are the same (tasks are deterministic in their index).
   */
  callerIdle?: boolean;
}

/** A task's error as a worker posts it (errors are not structured-cloned with their class). */
export interface PostedError {
  name: string;
  message: string;
  field?: string;
  reason?: string;
}

/** Messages from pool-worker.ts: a result, a failure (of a task, or of building the runner), or the end. */
export type PoolMessage<R> = { index: number; result: R } | { index: number; error: PostedError } | 'done';

/** An error as data, for postMessage. */
export function postedError(e: unknown): PostedError {
  const err = e as { name?: string; message?: string; field?: string; reason?: string };
  return { name: err?.name ?? 'Error', message: err?.message ?? String(e), ...(err?.field !== undefined ? { field: err.field } : {}), ...(err?.reason !== undefined ? { reason: err.reason } : {}) };
}

/** The error a worker posted, rebuilt in the calling thread (a ConfigError keeps its field and reason). */
export function rebuiltError(p: PostedError): Error {
  if (p.name === 'ConfigError' && p.field !== undefined) return new ConfigError(p.field, p.reason ?? p.message);
  const e = new Error(p.message);
  e.name = p.name;
  return e;
}

/**
 * The pool's worker entry: compiled `pool-worker.js` beside this module in the built package, a
 * tsx shim (`pool-worker.dev.mjs`) when running from the TypeScript sources.
 */
export function poolWorkerUrl(moduleUrl: string = import.meta.url): URL {
  return workerEntryUrl(moduleUrl, 'pool-worker');
}

/**
 * Run tasks 0 … count − 1 on `threads` threads (see the header).
 *
 * @throws the first task's error (or a dead worker's), after the running tasks have finished
 * @remarks Example (an internal helper, not in the package API): `await runPool({ count: 8, threads: 2, run: (i) => i * i, job: { module: import.meta.url, name: 'squares', args: null }, onResult: (i, r) => (out[i] = r) })`
 */
export async function runPool<R>(options: PoolOptions<R>): Promise<void> {
  const { count, run, job, onResult, signal } = options;
  throwIfAborted(signal);
  if (count === 0) return; // nothing to hand out: no worker is started (callerIdle would start one)
  const threads = Math.max(1, Math.min(count, options.threads));
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter);
  const stop = () => Atomics.store(next, 0, count);
  let failure: unknown;
  let failed = false;
  let halted = false;
  const fail = (e: unknown) => {
    if (!failed) {
      failed = true;
      failure = e;
    }
    stop();
  };
  const running: Worker[] = [];
  /** Stop at once: no more tasks, the workers terminated (an abort, or a throwing onResult). */
  const halt = (e: unknown) => {
    fail(e);
    if (halted) return;
    halted = true;
    for (const w of running) void w.terminate();
  };
  const deliver = (index: number, result: R) => {
    if (halted) return;
    try {
      if (onResult(index, result) === true) stop();
    } catch (e) {
      halt(e); // also from a worker's message handler, where a throw would end the process
    }
  };
  const onAbort = () => halt(abortReason(signal!));
  signal?.addEventListener('abort', onAbort, { once: true });
  const callerWorks = options.callerIdle !== true;
  const workers = Array.from({ length: callerWorks ? threads - 1 : threads }, () => {
    const worker = new Worker(poolWorkerUrl(), { workerData: { job, counter, count, kernels: kernelModule() } });
    running.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: PoolMessage<R>) => {
        if (m === 'done') {
          void worker.terminate().then(() => resolve());
          return;
        }
        if ('error' in m) fail(rebuiltError(m.error));
        else deliver(m.index, m.result);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (halted) resolve(); // terminated by halt()
        else if (code !== 0 && code !== 1) reject(new Error(`worker pool: a worker exited with code ${code}`));
      });
    });
  });
  // a worker that dies is handled at once — not only after this loop, where Node would already
  // have ended the process on an unhandled rejection — and stops the handing out of tasks
  const settled = workers.map((w) => w.catch(fail));
  try {
    while (callerWorks) {
      const i = Atomics.add(next, 0, 1);
      if (i >= count || halted) break;
      let result: R;
      try {
        result = await run(i);
      } catch (e) {
        fail(e);
        break;
      }
      deliver(i, result);
      // let worker messages (results, progress) and an abort in between tasks
      if (threads > 1 || signal) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(settled);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failed) throw failure;
}
