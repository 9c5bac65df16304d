/**
 * Cancellation: every long-running entry point takes `signal: AbortSignal` (the platform's
 * convention: fetch, timers/promises, streams). An aborted call throws (or rejects with) the
 * signal's reason — a DOMException named 'AbortError' for `controller.abort()` — and returns no
 * partial result.
 *
 * A synchronous loop (solve, runAsgd, runPair, the simulated server, convergenceOrder) cannot be
 * interrupted from the same thread while it runs: it polls the signal every POLL_MASK + 1 steps,
 * so an abort from a callback it calls (onProgress, an observer) or from another agent sharing the
 * signal stops it within that many steps. The asynchronous entry points (ensembles, sweeps, the
 * threaded server, the checks) yield to the event loop between blocks and, given a signal, about
 * every 50 ms of work inside one (`yieldToEventLoop`; the checks' synchronous stages between their
 * paths and simulations, `yieldingPace`), so a timer (`AbortSignal.timeout(ms)`) or a UI event
 * stops them too, and they end their worker threads. The table of who reacts how soon is
 * in docs/ensembles-and-studies.md ("Cancellation").
 */
import { ConfigError, describe } from './errors.ts';

/** Steps between two polls of the signal in the synchronous loops (a power of two: a mask test). */
export const POLL_MASK = 0xfff;

/**
 * The optional signal of an entry point, validated.
 * @throws ConfigError when `value` is given and is not an AbortSignal
 * @remarks Example (an internal helper, not in the package API):
 * ```ts fragment
 * const signal = optionalSignal(options.signal, 'options.signal');
 * ```
 */
export function optionalSignal(value: unknown, field: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof AbortSignal === 'undefined' || !(value instanceof AbortSignal)) throw new ConfigError(field, `must be an AbortSignal (e.g. new AbortController().signal), got ${describe(value)}`);
  return value;
}

/**
 * Throw the signal's reason (an AbortError for `controller.abort()`) when it is aborted.
 * @remarks Example (an internal helper, not in the package API):
 * ```ts fragment
 * throwIfAborted(options.signal); // before work, and between blocks
 * ```
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** What an aborted call throws: the signal's reason, or a DOMException named 'AbortError'. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * An optional progress callback, validated.
 * @throws ConfigError when given and not a function
 */
export function optionalCallback<F extends (...args: never[]) => unknown>(value: unknown, field: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(field, `must be a function, got ${describe(value)}`);
  return value as F;
}

/**
 * Abort and progress of a synchronous run made of phases, each a loop of known length (runPair: the
 * ASGD run, the Brownian path, the SDDE solve): progress is reported as steps done over the steps
 * of all phases, and the signal is polled in every phase. Without a signal and a progress callback
 * it is inactive: `options(i)` is empty, so the inner loops keep their fast paths (kernels).
 */
export class PhasedProgress {
  /** Steps of all phases. */
  readonly total: number;
  /** True when a signal or a progress callback was given. */
  readonly active: boolean;
  private readonly starts: number[];
  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly onProgress: ((done: number, total: number) => void) | undefined,
    sizes: number[],
  ) {
    this.starts = [];
    let s = 0;
    for (const n of sizes) {
      this.starts.push(s);
      s += n;
    }
    this.total = s;
    this.active = signal !== undefined || onProgress !== undefined;
  }
  /**
   * What an entry point run as phase i is given: the signal, and a progress callback that places
   * its (done, total) in the whole run. Empty when inactive.
   */
  options(i: number): { signal?: AbortSignal; onProgress?: (done: number) => void } {
    if (!this.active) return {};
    const start = this.starts[i];
    return { ...(this.signal ? { signal: this.signal } : {}), onProgress: (done: number) => this.onProgress?.(start + done, this.total) };
  }
  /**
   * A poll from a hand-written loop of phase i at its step k (the caller calls it every
   * POLL_MASK + 1 steps): throws the signal's reason once aborted, else reports progress.
   * Undefined when inactive, so a loop tests `poll !== undefined` only.
   */
  poller(i: number): ((k: number) => void) | undefined {
    if (!this.active) return undefined;
    const start = this.starts[i];
    return (k) => {
      throwIfAborted(this.signal);
      this.onProgress?.(start + k, this.total);
    };
  }
  /** The end of the run: the last abort check (no partial output) and the final progress. */
  finish(): void {
    throwIfAborted(this.signal);
    this.onProgress?.(this.total, this.total);
  }
}

/**
 * Let the event loop run (timers, messages, an abort from `AbortSignal.timeout`) and resume: a
 * macrotask (`setImmediate` in Node, `setTimeout(0)` elsewhere), not a microtask, which would run
 * before any timer.
 * @remarks Example (an internal helper, not in the package API):
 * ```ts fragment
 * if (performance.now() - since > 50) { await yieldToEventLoop(); throwIfAborted(signal); }
 * ```
 */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  return new Promise((resume) => (immediate ? immediate(() => resume()) : setTimeout(resume, 0)));
}

/** Work in the calling thread between two yields to the event loop, given a signal (ms). */
export const YIELD_EVERY_MS = 50;

/**
 * A pace for a loop of units of work in the calling thread (runs, paths, simulations) that a timer
 * must be able to abort: `await pace()` between two units yields to the event loop once
 * {@link YIELD_EVERY_MS} ms of work have passed since the last yield, then throws the signal's
 * reason once it is aborted. Without a signal it never yields (the same bits either way: it only
 * lets the event loop run between units). A unit itself is not interrupted.
 * @remarks Example (an internal helper, not in the package API):
 * ```ts fragment
 * const pace = yieldingPace(options.signal);
 * for (let p = 0; p < paths; p++) { await pace(); runOnePath(p); }
 * ```
 */
export function yieldingPace(signal: AbortSignal | undefined): () => Promise<void> {
  if (!signal) return async () => {};
  let since = performance.now();
  return async () => {
    throwIfAborted(signal);
    if (performance.now() - since < YIELD_EVERY_MS) return;
    await yieldToEventLoop();
    throwIfAborted(signal);
    since = performance.now();
  };
}

/**
 * Run a computation written as a generator that yields between its units of work: to the end in
 * one go (`pace` absent: the synchronous form), or awaiting `pace()` at every yield (see
 * {@link yieldingPace}). One body, so the two forms give the same bits.
 * @remarks Example (an internal helper, not in the package API):
 * ```ts fragment
 * const result = await drain(steps(spec), yieldingPace(signal));
 * ```
 */
export function drain<T>(steps: Generator<void, T>): T;
export function drain<T>(steps: Generator<void, T>, pace: () => Promise<void>): Promise<T>;
export function drain<T>(steps: Generator<void, T>, pace?: () => Promise<void>): T | Promise<T> {
  if (!pace) {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }
  return (async () => {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      await pace();
    }
  })();
}
