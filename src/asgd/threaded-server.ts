/**
 * A real-thread parameter server: m workers are `worker_threads` sharing the parameters in a
 * SharedArrayBuffer (threaded-server-memory.ts); staleness is measured, not simulated. Each applied
 * gradient records τ = t′ − t, the server's update counter when it is applied minus the counter
 * when its worker pulled (MindTheStep Algorithm 1, line 12), the worker, the pulled version, the
 * measured wall-clock time of computing it, and (optionally) the gradient itself.
 *
 * Server update: locked. A pushing worker applies its gradient (or adds it to the server's buffer)
 * holding the server's mutex; a pull copies x and reads the version holding it. Why not lock-free:
 * an update changes all d coordinates at once, and JavaScript has neither an atomic floating-point
 * add nor a multi-word compare-and-swap, so a whole-gradient update can only be made atomic by
 * mutual exclusion (a lock-free alternative, copy-on-write versions swapped by one compare-and-
 * swap, would copy d values per update and could not share one optimizer state). The critical
 * sections are O(d) copies and axpys, far shorter than a minibatch gradient, and the time spent
 * waiting for the lock is measured and reported (`lockWaitSeconds`).
 *
 * Modes:
 *  - read 'consistent' (default): every pull sees a whole number of updates; async with optional
 *    global accumulation G (the server applies after G gradients), or sync (a barrier: the m
 *    gradients of a round are applied together); any server optimizer (its state is shared).
 *  - read 'inconsistent' (Hogwild, Niu et al. 2011): async SGD without a lock; pulls read
 *    coordinates while others write them; each coordinate is updated by an atomic compare-and-swap
 *    (no write is lost); τ is exact (the update number is reserved by compare-and-swap).
 *
 * Not reproducible bit for bit: the interleaving is the operating system's. The seed fixes each
 * worker's minibatch stream (worker w draws from deriveEngine(seed, 'minibatch', w)).
 *
 * The run ends after `updates` server updates, when x becomes non-finite (status 'diverged'), or
 * at `maxSeconds` of wall-clock time (status 'time-limit'); what was computed is kept. Every
 * gradient a worker computed is accounted for: applied (in the log, once), dropped (α(τ) = 0 or
 * τ > dropAbove), or unapplied (it arrived after the run had ended).
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from '../core/errors.ts';
import { finiteNumber, integer, knownFields, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { loadMnist, type MnistSpec } from '../data/mnist.ts';
import { type ObjectiveSpec, objectiveFromSpec } from './objectives/spec.ts';
import type { Sampling } from './minibatch.ts';
import type { FiniteSumObjective } from './objective.ts';
import { initialOptimizerState, optimizer, optimizerStateLength, type OptimizerSpec } from './optimizers.ts';
import { C, sharedBytes, STATUS_DIVERGED, STATUS_TIME_LIMIT, type ThreadedLayout, threadedViews, W, WT } from './threaded-server-memory.ts';
import type { ThreadedWorkerTask } from './threaded-server-worker.ts';
import { ServerThreadPool } from './threaded-server-pool.ts';
import { optionalSignal, throwIfAborted } from '../core/abort.ts';
import { everyNthCount } from '../sdde/save-at.ts';

/**
 * What {@link runThreadedServer} takes: a JSON objective spec (each worker thread builds its own copy),
 * x0, `workers` m, `batchSize` b, `mode` ('async' or 'sync'), server `optimizer` and `updates`.
 * Optional, with defaults: `sampling` 'with-replacement', `read` 'consistent', `globalAccumulation` 1,
 * `stepScale` 1 (requires `dropAbove`), `dropAbove` none, `saveEvery` 1, `recordGradients` false,
 * `maxSeconds` 600 (wall clock).
 */
export interface ThreadedServerSpec {
  /** A JSON objective spec (as in config files): each worker builds its own copy. */
  objective: ObjectiveSpec;
  /** Initial parameters: a vector of length d, or a number for every coordinate. */
  x0: ArrayLike<number> | number;
  /** Number of worker threads m. */
  workers: number;
  /** Minibatch size b of each gradient. */
  batchSize: number;
  /** Minibatch sampling; default 'with-replacement'. */
  sampling?: Sampling;
  /** 'async' (every push goes to the server) or 'sync' (rounds with a barrier). */
  mode: 'async' | 'sync';
  /** 'consistent' (default) or 'inconsistent' (Hogwild: async SGD, no lock). */
  read?: 'consistent' | 'inconsistent';
  /** Gradients the server sums before an update (async, consistent); default 1. */
  globalAccumulation?: number;
  /** The server's optimizer; its state lives in the shared memory. */
  optimizer: OptimizerSpec;
  /** α(τ) multiplier, tabulated for τ ≤ dropAbove before the run (required with it). */
  stepScale?: (tau: number) => number;
  /** Gradients staler than this are dropped. */
  dropAbove?: number;
  /** Number of server updates. */
  updates: number;
  /** Keep the iterate every this many updates (and the last); default 1. */
  saveEvery?: number;
  /** Keep every applied gradient (updates × G × d doubles) for a replay; default false. */
  recordGradients?: boolean;
  /** Wall-clock limit in seconds; default 600. */
  maxSeconds?: number;
  /**
   * End the run once a saved point's F is ≤ this value (a target reached); default none. The main
   * thread evaluates F at each saved point as it appears (the values are reused in the result) and
   * stops the workers; status stays 'ok', with fewer than `updates` updates.
   */
  stopAtLoss?: number;
}

/**
 * What {@link runThreadedServer} returns: per applied gradient its staleness, worker, pulled version and
 * measured compute time; per worker the gradients computed, applied, dropped and unapplied; the saved
 * trajectory at wall-clock seconds; and the status ('time-limit' when `maxSeconds` ran out).
 */
export interface ThreadedServerResult {
  /** Per applied gradient, in order of application: its staleness, worker, pulled version, index among its worker's gradients. */
  staleness: Int32Array;
  worker: Int32Array;
  pullVersion: Int32Array;
  sequence: Int32Array;
  /** Measured wall-clock seconds of computing each applied gradient, and when it finished (seconds since the start). */
  computeSeconds: Float64Array;
  finishedAt: Float64Array;
  /** With recordGradients: each applied gradient (the minibatch mean, before α(τ)), row-major. */
  gradients?: Float64Array;
  /** Per worker: gradients computed, applied, dropped, unapplied (arrived after the end); seconds computing and waiting for the lock. */
  computed: Int32Array;
  applied: Int32Array;
  dropped: Int32Array;
  unapplied: Int32Array;
  computeTotalSeconds: Float64Array;
  lockWaitSeconds: Float64Array;
  /** Saved update numbers, wall-clock seconds since the start, iterates (row-major) and F. */
  updates: Int32Array;
  time: Float64Array;
  x: Float64Array;
  F: Float64Array;
  status: 'ok' | 'diverged' | 'time-limit';
  divergence?: { update: number; time: number };
  dim: number;
  /** The master seed used (given, or drawn fresh when none was); it fixes the minibatch streams, not the interleaving. */
  seed: number;
  workers: number;
  read: 'consistent' | 'inconsistent';
  /** Seconds from the start signal to the last worker's exit, and to start the threads before it. */
  seconds: number;
  startupSeconds: number;
  /** Hardware threads of this machine (m above it time-share). */
  cores: number;
}

const FIELDS = ['objective', 'x0', 'workers', 'batchSize', 'sampling', 'mode', 'read', 'globalAccumulation', 'optimizer', 'stepScale', 'dropAbove', 'updates', 'saveEvery', 'recordGradients', 'maxSeconds', 'stopAtLoss'];

interface Validated {
  objectiveSpec: ObjectiveSpec;
  obj: FiniteSumObjective;
  x0: Float64Array;
  m: number;
  b: number;
  sampling: Sampling;
  mode: 'async' | 'sync';
  read: 'consistent' | 'inconsistent';
  G: number;
  opt: OptimizerSpec;
  table: Float64Array;
  dropAbove: number;
  updates: number;
  saveEvery: number;
  record: boolean;
  maxSeconds: number;
  stopAtLoss: number;
}

/** The largest minibatch a real-thread server accepts (`server.batchSize`, `--batch`). */
export const MAX_SERVER_BATCH = 1_000_000;

function validate(spec: ThreadedServerSpec): Validated {
  const s = plainObject(spec, 'server');
  knownFields(s, 'server', FIELDS);
  const objectiveSpec = plainObject(s.objective, 'server.objective') as unknown as ObjectiveSpec;
  if (objectiveSpec.kind === 'expression') throw new ConfigError('server.objective.kind', 'expression objectives are not supported on real threads (mathjs in every worker); use a built-in kind');
  const obj = objectiveFromSpec(objectiveSpec, 'server.objective');
  const d = obj.dim;
  const m = integer(s.workers, 'server.workers', { min: 1, max: 256 });
  const b = integer(s.batchSize, 'server.batchSize', { min: 1, max: MAX_SERVER_BATCH });
  const sampling = s.sampling === undefined ? 'with-replacement' : oneOf(s.sampling, 'server.sampling', ['with-replacement', 'without-replacement'] as const);
  if (sampling === 'without-replacement' && b > obj.n) throw new ConfigError('server.batchSize', `must be <= n = ${obj.n} without replacement, got ${b}`);
  const mode = oneOf(s.mode, 'server.mode', ['async', 'sync'] as const);
  const read = s.read === undefined ? 'consistent' : oneOf(s.read, 'server.read', ['consistent', 'inconsistent'] as const);
  const G = s.globalAccumulation === undefined ? 1 : integer(s.globalAccumulation, 'server.globalAccumulation', { min: 1, max: 65_536 });
  if (mode === 'sync' && G !== 1) throw new ConfigError('server.globalAccumulation', 'applies to async mode (sync already sums the m workers)');
  const optSpec = optimizer(s.optimizer, d, 'server.optimizer').spec; // validates
  // DC-ASGD compensates each gradient with the server's parameters at apply time and keeps its
  // adaptive mean square at the server: not implemented across threads (each worker would hold its own)
  if (optSpec.kind === 'dc-asgd') throw new ConfigError('server.optimizer.kind', 'dc-asgd is supported by the simulated server (runParameterServer), not yet on real threads');
  if (read === 'inconsistent') {
    if (mode !== 'async') throw new ConfigError('server.read', 'inconsistent reads (Hogwild) are asynchronous: mode must be async');
    if (G !== 1) throw new ConfigError('server.read', 'inconsistent reads (Hogwild) have no server buffer: globalAccumulation must be 1');
    if (optSpec.kind !== 'sgd') throw new ConfigError('server.read', `inconsistent reads (Hogwild) update coordinates one by one with SGD: optimizer.kind must be sgd, got ${optSpec.kind}`);
  }
  const updates = integer(s.updates, 'server.updates', { min: 1, max: 2 ** 31 - 1 });
  const saveEvery = s.saveEvery === undefined ? 1 : integer(s.saveEvery, 'server.saveEvery', { min: 1, max: 2 ** 31 - 1 });
  const dropAbove = s.dropAbove === undefined ? Infinity : integer(s.dropAbove, 'server.dropAbove', { min: 0, max: 1_000_000 });
  let table = new Float64Array(0);
  if (s.stepScale !== undefined) {
    if (typeof s.stepScale !== 'function') throw new ConfigError('server.stepScale', 'must be a function τ => multiplier');
    if (!Number.isFinite(dropAbove)) throw new ConfigError('server.dropAbove', 'is required with stepScale on real threads: α(τ) is tabulated for τ ≤ dropAbove and shared with the workers');
    table = new Float64Array(dropAbove + 1);
    for (let tau = 0; tau <= dropAbove; tau++) {
      const u = (s.stepScale as (t: number) => unknown)(tau);
      if (typeof u !== 'number' || !Number.isFinite(u) || u < 0) throw new ConfigError('server.stepScale', `must return a finite number >= 0, got ${u} at τ = ${tau}`);
      if (tau === 0 && !(u > 0)) throw new ConfigError('server.stepScale', 'must be > 0 at τ = 0: otherwise no gradient can ever be applied');
      table[tau] = u;
    }
  }
  const record = s.recordGradients === undefined ? false : s.recordGradients === true ? true : s.recordGradients === false ? false : (() => { throw new ConfigError('server.recordGradients', `must be true or false, got ${JSON.stringify(s.recordGradients)}`); })();
  if (record && updates * G * (mode === 'sync' ? m : 1) * d > 50_000_000) throw new ConfigError('server.recordGradients', `would keep ${updates * G * d} doubles; at most 5e7`);
  const maxSeconds = s.maxSeconds === undefined ? 600 : positiveNumber(s.maxSeconds, 'server.maxSeconds');
  const stopAtLoss = s.stopAtLoss === undefined ? -Infinity : finiteNumber(s.stopAtLoss, 'server.stopAtLoss');
  const x0 = new Float64Array(d);
  if (typeof s.x0 === 'number') {
    if (!Number.isFinite(s.x0)) throw new ConfigError('server.x0', `must be finite, got ${s.x0}`);
    x0.fill(s.x0);
  } else {
    const v = s.x0 as ArrayLike<number>;
    if (!v || v.length !== d) throw new ConfigError('server.x0', `must be a number or have length ${d}`);
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(v[i])) throw new ConfigError(`server.x0[${i}]`, `must be finite, got ${v[i]}`);
      x0[i] = v[i];
    }
  }
  return { objectiveSpec, obj, x0, m, b, sampling, mode, read, G, opt: optSpec, table, dropAbove, updates, saveEvery, record, maxSeconds, stopAtLoss };
}

/** The MNIST subset an objective spec needs, loaded here once and shared with the workers. */
function sharedMnist(spec: ObjectiveSpec): ThreadedWorkerTask['mnist'] {
  if (spec.kind !== 'mnist') return undefined;
  const { digits, perDigit, dim, scaling } = spec;
  const dataSpec: MnistSpec = { ...(digits ? { digits } : {}), ...(perDigit !== undefined ? { perDigit } : {}), ...(dim !== undefined ? { dim } : {}), ...(scaling ? { scaling } : {}) };
  const data = loadMnist(dataSpec, 'server.objective');
  const A = new Float64Array(new SharedArrayBuffer(data.A.byteLength));
  A.set(data.A);
  const labels = new Int32Array(new SharedArrayBuffer(data.labels.byteLength));
  labels.set(data.labels);
  return { spec: dataSpec, data: { ...data, A, labels } };
}

/**
 * Run a parameter server on real threads: m worker_threads share the parameters, the server's buffer and
 * its optimizer state in a SharedArrayBuffer; a push is applied under the server's lock in the simulated
 * server's order of events (receive, apply if the buffer is full, answer the pull). Staleness is measured,
 * not drawn; results vary from run to run with the scheduler (the seed fixes the minibatches).
 *
 * @param options - `seed` (default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`), `signal` (an abort stops the workers and rejects with its reason) and a `pool` of threads to reuse (default: a pool of m threads
 * started and closed for this run).
 * @throws {@link ConfigError} before any thread starts: the spec's fields under `server.` (as for
 * {@link runParameterServer}, plus `server.read`, `server.maxSeconds`, `server.objective`),
 * `options.seed`, `options.pool` (busy or smaller than m).
 * @example
 * ```ts
 * import { runThreadedServer } from 'asgd-sdde';
 *
 * const r = await runThreadedServer({ objective: { kind: 'least-squares', n: 1000, d: 10, seed: 1 }, x0: 0,
 *   workers: 2, batchSize: 16, mode: 'async', optimizer: { kind: 'sgd', lr: 0.02 }, updates: 500, saveEvery: 100 },
 *   { seed: 1 });
 * console.log(r.status, r.staleness.length, Array.from(r.applied)); // every update applied one gradient
 * ```
 */
export async function runThreadedServer(spec: ThreadedServerSpec, options: { seed?: number; pool?: ServerThreadPool; signal?: AbortSignal } = {}): Promise<ThreadedServerResult> {
  const v = validate(spec);
  const seed = seedOrFresh(options.seed, 'options.seed');
  const signal = optionalSignal(options.signal, 'options.signal');
  throwIfAborted(signal);
  const { obj, m, updates, saveEvery } = v;
  const d = obj.dim;
  const buffer = v.mode === 'sync' ? m : v.G;
  const saves = everyNthCount(updates, saveEvery);
  const layout: ThreadedLayout = { workers: m, dim: d, buffer, capacity: updates * buffer, saves, stateLength: optimizerStateLength(v.opt, d), tableLength: v.table.length, recordGradients: v.record };
  const sab = new SharedArrayBuffer(sharedBytes(layout));
  const V = threadedViews(sab, layout);
  V.x.set(v.x0);
  V.state.set(initialOptimizerState(v.opt, d));
  V.table.set(v.table);
  V.saveUpdate.fill(-1);
  V.saveX.set(v.x0, 0);
  V.saveUpdate[0] = 0;
  const mnist = sharedMnist(v.objectiveSpec);
  const own = options.pool ? undefined : new ServerThreadPool(m);
  const pool = options.pool ?? own!;
  if (pool.size < m) throw new ConfigError('options.pool', `has ${pool.size} threads, the run needs ${m}`);
  const tasks: ThreadedWorkerTask[] = Array.from({ length: m }, (_, w) => ({
    sab, layout, worker: w, seed, objective: v.objectiveSpec, ...(mnist ? { mnist } : {}), batchSize: v.b, sampling: v.sampling, mode: v.mode,
    read: v.read, optimizer: v.opt, dropAbove: Number.isFinite(v.dropAbove) ? v.dropAbove : 2 ** 31 - 1, updates, saveEvery,
  }));
  // stopAtLoss: F at each saved point as it appears (in save order), the workers stopped at the first ≤ target
  const watched = new Map<number, number>();
  let next = 0;
  const watch = () => {
    while (next < saves && Atomics.load(V.saveUpdate, next) >= 0) {
      const F = obj.value(V.saveX.subarray(next * d, (next + 1) * d));
      watched.set(next++, F);
      if (F <= v.stopAtLoss) {
        Atomics.store(V.ctrl, C.STOP, 1);
        Atomics.notify(V.ctrl, C.VERSION); // as a worker's stop(): wake synchronous workers waiting for a round
        clearInterval(timer);
        return;
      }
    }
  };
  const timer = Number.isFinite(v.stopAtLoss) ? setInterval(watch, 20) : undefined;
  let run: Awaited<ReturnType<ServerThreadPool['run']>>;
  try {
    run = await pool.run(tasks, V.ctrl, V.origin, v.maxSeconds, signal);
  } finally {
    clearInterval(timer);
    if (own) await own.close();
  }
  const { seconds, startupSeconds, timedOut } = run;

  // ---- results ----
  const ctrl = V.ctrl;
  const nApplied = ctrl[C.APPLIED];
  const per = (k: number) => Int32Array.from({ length: m }, (_, w) => V.perWorker[w * W.LENGTH + k]);
  const unapplied = per(W.UNAPPLIED);
  for (let j = 0; j < ctrl[C.PENDING]; j++) unapplied[V.pendingWorker[j]]++; // buffered when the run stopped
  const version = ctrl[C.VERSION];
  let status: ThreadedServerResult['status'] = ctrl[C.STATUS] === STATUS_DIVERGED ? 'diverged' : 'ok';
  if (status === 'ok' && timedOut && version < updates) {
    status = 'time-limit';
    ctrl[C.STATUS] = STATUS_TIME_LIMIT;
  }
  // saved points in update order; the final state (exact once every thread has exited) replaces a
  // snapshot of the same update (in Hogwild mode snapshots are racy copies) or is appended to them
  const keep: number[] = [];
  for (let k = 0; k < saves; k++) if (V.saveUpdate[k] >= 0) keep.push(k);
  const finalVersion = v.read === 'inconsistent' ? ctrl[C.COMPLETED] : version;
  const lastIsFinal = keep.length > 0 && V.saveUpdate[keep[keep.length - 1]] === finalVersion;
  const n = keep.length + (lastIsFinal ? 0 : 1);
  const uOut = new Int32Array(n);
  const tOut = new Float64Array(n);
  const xOut = new Float64Array(n * d);
  const known = new Float64Array(n).fill(NaN); // F already evaluated by the watch (same x, same bits)
  keep.forEach((k, i) => {
    if (i < n - 1 && watched.has(k)) known[i] = watched.get(k)!;
    uOut[i] = V.saveUpdate[k];
    tOut[i] = V.saveTime[k];
    xOut.set(V.saveX.subarray(k * d, (k + 1) * d), i * d);
  });
  if (!lastIsFinal) {
    uOut[n - 1] = finalVersion;
    tOut[n - 1] = seconds;
  }
  xOut.set(V.x, (n - 1) * d);
  return finish(uOut, tOut, xOut, known);

  function finish(uOut: Int32Array, tOut: Float64Array, xOut: Float64Array, known: Float64Array): ThreadedServerResult {
    const F = new Float64Array(uOut.length);
    for (let i = 0; i < uOut.length; i++) F[i] = Number.isNaN(known[i]) ? obj.value(xOut.subarray(i * d, (i + 1) * d)) : known[i];
    const divergedAt = ctrl[C.DIVERGED_AT];
    return {
      staleness: V.logTau.slice(0, nApplied),
      worker: V.logWorker.slice(0, nApplied),
      pullVersion: V.logPull.slice(0, nApplied),
      sequence: V.logSeq.slice(0, nApplied),
      computeSeconds: V.logCompute.slice(0, nApplied),
      finishedAt: V.logFinish.slice(0, nApplied),
      ...(v.record ? { gradients: V.logGrad.slice(0, nApplied * d) } : {}),
      computed: per(W.COMPUTED),
      applied: per(W.APPLIED),
      dropped: per(W.DROPPED),
      unapplied,
      computeTotalSeconds: Float64Array.from({ length: m }, (_, w) => V.perWorkerTime[w * WT.LENGTH + WT.COMPUTE]),
      lockWaitSeconds: Float64Array.from({ length: m }, (_, w) => V.perWorkerTime[w * WT.LENGTH + WT.LOCK_WAIT]),
      updates: uOut,
      time: tOut,
      x: xOut,
      F,
      status,
      ...(status === 'diverged' ? { divergence: { update: divergedAt, time: tOut[tOut.length - 1] } } : {}),
      dim: d,
      seed,
      workers: m,
      read: v.read,
      seconds,
      startupSeconds,
      cores: availableParallelism(),
    };
  }
}
