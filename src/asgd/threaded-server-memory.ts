/**
 * The shared memory of the real-thread parameter server (threaded-server.ts): one
 * SharedArrayBuffer holding the parameters, the server's optimizer state, its accumulation buffer,
 * the α(τ) table, the per-gradient log and the saved iterates, and the views both sides use.
 * Float64 regions come first (8-byte alignment), Int32 regions after them.
 *
 * Synchronization (threaded-server-worker.ts): `ctrl[LOCK]` is a mutex (0 free, 1 held, 2 held
 * with waiters: Drepper's futex mutex on Atomics.compareExchange / wait / notify); the lock's
 * acquire and release are sequentially consistent Atomics operations, so the plain reads and
 * writes of the parameters inside the critical section are ordered by it (ECMAScript memory model:
 * synchronizes-with between Atomics on the same location). In inconsistent (Hogwild) mode there is
 * no lock: coordinates are read with plain loads and updated by a compare-and-swap on their 64 bits.
 */

/** Indices into the control array (Int32). */
export const C = {
  LOCK: 0,
  /** Server updates applied (t′); in Hogwild mode: updates reserved. */
  VERSION: 1,
  STOP: 2,
  GO: 3,
  /** Applied gradients logged (the next log slot). */
  APPLIED: 4,
  /** Gradients in the server's buffer (global accumulation, or the current synchronous round). */
  PENDING: 5,
  /** 0 ok, 1 diverged, 2 time limit. */
  STATUS: 6,
  DIVERGED_AT: 7,
  /** Hogwild: updates whose coordinates are all written. */
  COMPLETED: 8,
  LENGTH: 16,
} as const;

/** Per-worker counters (Int32, m × 4). */
export const W = { COMPUTED: 0, APPLIED: 1, DROPPED: 2, UNAPPLIED: 3, LENGTH: 4 } as const;
/** Per-worker times in seconds (Float64, m × 2): computing gradients, waiting for the server lock. */
export const WT = { COMPUTE: 0, LOCK_WAIT: 1, LENGTH: 2 } as const;

export const STATUS_OK = 0;
export const STATUS_DIVERGED = 1;
export const STATUS_TIME_LIMIT = 2;

export interface ThreadedLayout {
  workers: number;
  dim: number;
  /** Gradients the server buffers before an update: G (async) or m (sync). */
  buffer: number;
  /** Log capacity: updates × buffer. */
  capacity: number;
  saves: number;
  stateLength: number;
  tableLength: number;
  recordGradients: boolean;
}

export interface ThreadedViews {
  ctrl: Int32Array;
  perWorker: Int32Array;
  perWorkerTime: Float64Array;
  /** The parameters; in Hogwild mode also as 64-bit integers for compare-and-swap. */
  x: Float64Array;
  xBits: BigInt64Array;
  state: Float64Array;
  /** α(τ)/α for τ = 0 … tableLength − 1 (empty: 1 for every τ). */
  table: Float64Array;
  /** Start time (ms, performance.timeOrigin + performance.now() of the main thread). */
  origin: Float64Array;
  pendingGrad: Float64Array;
  pendingCompute: Float64Array;
  pendingFinish: Float64Array;
  pendingVersion: Int32Array;
  pendingWorker: Int32Array;
  pendingSeq: Int32Array;
  logCompute: Float64Array;
  /** Seconds since the start at which the gradient's computation ended. */
  logFinish: Float64Array;
  logGrad: Float64Array;
  logTau: Int32Array;
  logWorker: Int32Array;
  logPull: Int32Array;
  logSeq: Int32Array;
  saveX: Float64Array;
  saveTime: Float64Array;
  saveUpdate: Int32Array;
}

/** Offsets of every region, in elements of its type, computed identically on both sides. */
function plan(l: ThreadedLayout) {
  const f64: [keyof ThreadedViews, number][] = [
    ['perWorkerTime', l.workers * WT.LENGTH],
    ['x', l.dim],
    ['state', l.stateLength],
    ['table', l.tableLength],
    ['origin', 1],
    ['pendingGrad', l.buffer * l.dim],
    ['pendingCompute', l.buffer],
    ['pendingFinish', l.buffer],
    ['logCompute', l.capacity],
    ['logFinish', l.capacity],
    ['logGrad', l.recordGradients ? l.capacity * l.dim : 0],
    ['saveX', l.saves * l.dim],
    ['saveTime', l.saves],
  ];
  const i32: [keyof ThreadedViews, number][] = [
    ['ctrl', C.LENGTH],
    ['perWorker', l.workers * W.LENGTH],
    ['pendingVersion', l.buffer],
    ['pendingWorker', l.buffer],
    ['pendingSeq', l.buffer],
    ['logTau', l.capacity],
    ['logWorker', l.capacity],
    ['logPull', l.capacity],
    ['logSeq', l.capacity],
    ['saveUpdate', l.saves],
  ];
  let bytes = 0;
  const at: Record<string, [number, number]> = {};
  for (const [k, n] of f64) {
    at[k] = [bytes, n];
    bytes += 8 * n;
  }
  for (const [k, n] of i32) {
    at[k] = [bytes, n];
    bytes += 4 * n;
  }
  return { at, bytes, f64: f64.map(([k]) => k), i32: i32.map(([k]) => k) };
}

export function sharedBytes(l: ThreadedLayout): number {
  return plan(l).bytes;
}

export function threadedViews(sab: SharedArrayBuffer, l: ThreadedLayout): ThreadedViews {
  const p = plan(l);
  const v: Record<string, unknown> = {};
  for (const k of p.f64) v[k] = new Float64Array(sab, p.at[k][0], p.at[k][1]);
  for (const k of p.i32) v[k] = new Int32Array(sab, p.at[k][0], p.at[k][1]);
  v.xBits = new BigInt64Array(sab, p.at.x[0], l.dim);
  return v as unknown as ThreadedViews;
}
