/**
 * The worker threads of the real-thread parameter server (threaded-server.ts), kept across runs: a
 * pool starts its threads once, hands each run's tasks to them, and releases them together through
 * the shared control words (threaded-server-memory.ts).
 */
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.ts';
import { integer } from '../core/validate.ts';
import { workerEntryUrl } from '../core/worker-entry.ts';
import { abortReason } from '../core/abort.ts';
import { C } from './threaded-server-memory.ts';
import type { ThreadedWorkerTask } from './threaded-server-worker.ts';

/**
 * Worker threads of the real-thread server, kept across runs: starting a thread loads the library
 * (~0.1 s built, more from the TypeScript sources), which a study of many short runs should pay
 * once. `runThreadedServer(spec, { pool })` uses its first m threads; close it when done.
 */
export class ServerThreadPool {
  readonly size: number;
  private readonly threads: Worker[];
  private broken: unknown;
  private busy = false;

  /**
   * Start `size` worker threads (integer in [1, 256]).
   * @throws {@link ConfigError} `pool.size`.
   */
  constructor(size: number) {
    this.size = integer(size, 'pool.size', { min: 1, max: 256 });
    this.threads = Array.from({ length: this.size }, () => new Worker(workerEntryUrl(import.meta.url, 'threaded-server-worker')));
    for (const t of this.threads) {
      // an idle thread that fails breaks the pool; during a run the run's own listeners report it
      t.on('error', (e) => (this.broken ??= e));
      t.on('exit', (code) => (this.broken ??= new Error(`threaded server: a pool thread exited with code ${code}`)));
    }
  }

  /**
   * Hand one task to each of the first tasks.length threads, start them together, wait for all.
   * Used by {@link runThreadedServer}; not meant to be called directly.
   * @internal
   */
  async run(tasks: ThreadedWorkerTask[], ctrl: Int32Array, origin: Float64Array, maxSeconds: number, signal?: AbortSignal): Promise<{ seconds: number; startupSeconds: number; timedOut: boolean }> {
    if (this.broken) throw this.broken instanceof Error ? this.broken : new Error(String(this.broken));
    if (this.busy) throw new ConfigError('options.pool', 'is running another server: one run at a time');
    this.busy = true;
    const started = performance.now();
    let failure: unknown;
    const stopAll = () => {
      Atomics.store(ctrl, C.STOP, 1);
      Atomics.store(ctrl, C.GO, 1);
      Atomics.notify(ctrl, C.GO);
      Atomics.notify(ctrl, C.VERSION);
    };
    const cleanups: (() => void)[] = [];
    // an abort stops every worker (they poll the STOP flag) and the run rejects with its reason
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      stopAll();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => signal?.removeEventListener('abort', onAbort));
    const ready: Promise<void>[] = [];
    const done: Promise<void>[] = [];
    tasks.forEach((task, w) => {
      const t = this.threads[w];
      let onReady!: () => void;
      let onDone!: () => void;
      ready.push(new Promise<void>((r) => (onReady = r)));
      done.push(new Promise<void>((r) => (onDone = r)));
      const onMessage = (msg: string) => {
        if (msg === 'ready') onReady();
        if (msg === 'done') onDone();
      };
      const onFailure = (e: unknown) => {
        failure ??= typeof e === 'number' ? new Error(`threaded server: worker ${w} exited with code ${e}`) : e;
        stopAll();
        onReady();
        onDone();
      };
      t.on('message', onMessage);
      t.on('error', onFailure);
      t.on('exit', onFailure);
      cleanups.push(() => {
        t.off('message', onMessage);
        t.off('error', onFailure);
        t.off('exit', onFailure);
      });
      t.postMessage(task);
    });
    try {
      await Promise.all(ready);
      const startupSeconds = (performance.now() - started) / 1000;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stopAll();
      }, maxSeconds * 1000);
      const t0 = performance.now();
      origin[0] = performance.timeOrigin + t0;
      Atomics.store(ctrl, C.GO, 1);
      Atomics.notify(ctrl, C.GO);
      await Promise.all(done);
      clearTimeout(timer);
      if (aborted) throw abortReason(signal!);
      if (failure) {
        this.broken ??= failure;
        throw failure instanceof Error ? failure : new Error(String(failure));
      }
      return { seconds: (performance.now() - t0) / 1000, startupSeconds, timedOut };
    } finally {
      for (const c of cleanups) c();
      this.busy = false;
    }
  }

  /** Terminate the threads; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.broken ??= new Error('threaded server: the pool is closed');
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}
