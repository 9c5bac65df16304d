/**
 * Cancellation: every long-running entry point takes `signal: AbortSignal` (the platform's
 * convention: fetch, timers/promises, streams). An aborted call throws (or rejects with) the
 * signal's reason — a DOMException named 'AbortError' for `controller.abort()` — and returns no
 * partial result.
 *
 * A synchronous loop (solve, runAsgd, the simulated server, convergenceOrder) cannot be
 * interrupted from the same thread while it runs: it polls the signal every few thousand steps,
 * so an abort from a callback it calls (onProgress, an observer) or from another agent sharing the
 * signal stops it within that many steps. The asynchronous entry points (ensembles, sweeps, the
 * threaded server, the checks) yield between blocks, so a timer (`AbortSignal.timeout(ms)`) or a UI
 * event stops them too, and they end their worker threads.
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
