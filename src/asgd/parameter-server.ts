/**
 * An event-driven parameter server with m workers (MindTheStep Algorithm 1; Aji & Heafield 2019).
 *
 * Each worker pulls (version, x), computes a minibatch gradient at that x in a random compute
 * time, and pushes it; the server applies it. The staleness of a gradient is the number of server
 * updates between its worker's pull and the update that applies it: τ = t′ − t (Algorithm 1,
 * line 12), with t the version pulled and t′ the number of updates applied before this one.
 *
 * Modes:
 *  - async:        every push goes to the server;
 *  - local L:      a worker sums L gradients (at the same pulled x) before pushing;
 *  - global G:     the server applies after receiving G gradients (their sum);
 *  - combined:     both;
 *  - sync:         a barrier: all m workers compute at the same x, the server applies their sum;
 *  - sync with staleness injection U: workers pull only every U updates (Aji & Heafield §2.3).
 * Server order of events on a push: receive, apply if the buffer is full, answer the worker's pull.
 * Simultaneous finishes are served in worker order (deterministic).
 *
 * Records: the staleness of every applied gradient, iterates and loss every `saveEvery` updates,
 * and the simulated wall-clock time of each saved update.
 */
import { ConfigError } from '../core/errors.ts';
import { finiteNumber, integer, knownFields, nonNegativeNumber, numberInRange, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { optionalCallback, optionalSignal, POLL_MASK, throwIfAborted } from '../core/abort.ts';
import { deriveEngine, uniformIndex } from '../random/streams.ts';
import { ComputeTimes, type ComputeTimeSpec, validateComputeTime } from './compute-time.ts';
import { MinibatchSampler, type Sampling } from './minibatch.ts';
import { checkObjective, type FiniteSumObjective } from './objective.ts';
import { optimizer, type OptimizerSpec } from './optimizers.ts';
import { stationaryAsyncState } from './stationary-start.ts';
import { everyNthCount, everyNthIndex } from '../sdde/save-at.ts';

export { type ComputeTimeSpec, validateComputeTime } from './compute-time.ts';

/**
 * What {@link runParameterServer} takes: objective and x0, `workers` m, `batchSize` b, `mode`
 * ('async' or 'sync'), `computeTime`, server `optimizer` and `updates` (server updates to run).
 * Optional, with defaults: `sampling` 'with-replacement', `localAccumulation` 1, `globalAccumulation`
 * 1 (both async only), `pullEvery` 1 (sync only), `stepScale` 1, `dropAbove` none, `saveEvery` 1,
 * `stopAtLoss` none.
 */
export interface ServerSpec {
  /** The finite-sum objective the workers sample gradients of. */
  objective: FiniteSumObjective;
  /** Initial parameters: a vector of length d, or a number for every coordinate. */
  x0: ArrayLike<number> | number;
  /** Number of workers m (integer in [1, 10⁵]). */
  workers: number;
  /** Minibatch size b of each gradient (≤ n without replacement). */
  batchSize: number;
  /** Minibatch sampling; default 'with-replacement'. */
  sampling?: Sampling;
  /** 'async': every push goes to the server; 'sync': a barrier, the server applies the m workers' sum. */
  mode: 'async' | 'sync';
  /** Gradients a worker sums before pushing (async only); default 1. */
  localAccumulation?: number;
  /** Gradients the server sums before an update (async only); default 1. */
  globalAccumulation?: number;
  /** Sync only: workers pull the parameters every U updates; default 1. */
  pullEvery?: number;
  /** Law of a worker's compute time per gradient, in simulated time units. */
  computeTime: ComputeTimeSpec;
  /** The server's optimizer (SGD, momentum, Adam, DC-ASGD). */
  optimizer: OptimizerSpec;
  /**
   * α(τ) multiplier on each gradient by its staleness (MindTheStep); default 1. It must be finite
   * and ≥ 0 (checked before the run for τ up to a bound of several rounds, memoized per τ); 0
   * drops the gradient, and a value at τ = 0 must be > 0 (else nothing could ever be applied).
   */
  stepScale?: (tau: number) => number;
  /** Gradients staler than this are dropped (not applied); default none. */
  dropAbove?: number;
  /**
   * 'cold' (default): every worker pulls version 0 at time 0 and starts a fresh compute time.
   * 'stationary': the run starts just after a typical update of the server's stationary regime
   * (stationary-start.ts), so the per-update staleness is stationary from the first update: async —
   * residual compute times, accumulation counts and version counters drawn from the equilibrium of
   * the workers' renewal processes (gradients already summed are taken at x0); sync — the pull
   * cycle of `pullEvery` entered at a uniform phase. Its draws come from their own stream. A ConfigError with stepScale or dropAbove (drops change the version counting
   * the stationary state is derived from).
   */
  start?: 'cold' | 'stationary';
  /** Number of server updates. */
  updates: number;
  /** Keep the iterate every this many updates (and the last); default 1. */
  saveEvery?: number;
  /**
   * End the run at the first saved point whose F ≤ this value (a target reached, e.g. "epochs until
   * the loss is ≤ 0.05": the rest of the budget is not needed); default none. The saved points up
   * to there are those of the run without it, bit for bit; status stays 'ok'.
   */
  stopAtLoss?: number;
}

/**
 * What {@link runParameterServer} returns: the staleness and worker of every applied gradient, the
 * dropped count, and the saved trajectory (update numbers, simulated times, iterates, F).
 */
export interface ServerResult {
  /** Staleness of every applied gradient, in order of application. */
  staleness: Int32Array;
  /** The worker that computed each applied gradient (aligned with `staleness`). */
  worker: Int32Array;
  /**
   * Gradients not applied: staleness above `dropAbove`, or stepScale(τ) = 0 (or, beyond the range
   * checked before the run, not a finite number ≥ 0). A round or buffer whose gradients are all
   * dropped makes no update (the version and x stay; in sync mode the workers pull again).
   */
  dropped: number;
  /** Saved update numbers, simulated times, iterates (row-major) and F. */
  updates: Int32Array;
  time: Float64Array;
  x: Float64Array;
  F: Float64Array;
  status: 'ok' | 'diverged';
  divergence?: { update: number; time: number };
  dim: number;
  /** The master seed used (the one given, or the fresh one drawn when none was); pass it back to reproduce the run bit for bit. */
  seed: number;
}

const SPEC_FIELDS = ['objective', 'x0', 'workers', 'batchSize', 'sampling', 'mode', 'localAccumulation', 'globalAccumulation', 'pullEvery', 'computeTime', 'optimizer', 'stepScale', 'dropAbove', 'start', 'updates', 'saveEvery', 'stopAtLoss'];

/**
 * Simulate an event-driven parameter server with m workers (MindTheStep Algorithm 1; Aji & Heafield
 * 2019): workers pull, compute a minibatch gradient in a random compute time and push; the server
 * applies it with its optimizer. Staleness τ = updates between a worker's pull and the update that
 * applies its gradient. Deterministic given `options.seed` (default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`). `options.signal` aborts (polled every 4096 updates: the run throws the signal's reason, an AbortError, and returns nothing); `options.onProgress(done, total)` every 4096 updates.
 *
 * @throws {@link ConfigError} before any work: `server.workers`, `server.batchSize` (> n without
 * replacement), `server.mode` (accumulation in sync mode), `server.pullEvery` (in async mode),
 * `server.updates`, `server.saveEvery`, `server.stopAtLoss`, `server.computeTime.*`, `server.optimizer.*`,
 * `server.stepScale` (not finite ≥ 0, or 0 at τ = 0), `server.x0`, unknown fields.
 * @example
 * ```ts
 * import { runParameterServer, generatedLeastSquares } from 'asgd-sdde';
 *
 * const obj = generatedLeastSquares({ n: 500, d: 5, seed: 2 });
 * const r = runParameterServer({ objective: obj, x0: 0, workers: 8, batchSize: 8, mode: 'async',
 *   computeTime: { kind: 'exponential', mean: 1 }, optimizer: { kind: 'sgd', lr: 0.02 },
 *   updates: 2000, saveEvery: 500 }, { seed: 1 });
 * const meanTau = r.staleness.reduce((a, b) => a + b, 0) / r.staleness.length;
 * console.log(r.status, meanTau.toFixed(2), Array.from(r.updates)); // mean staleness ≈ m − 1
 * //> ok 6.98 [ 0, 500, 1000, 1500, 2000 ]
 * ```
 */
export function runParameterServer(spec: ServerSpec, options: { seed?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): ServerResult {
  const s = plainObject(spec, 'server');
  knownFields(s, 'server', SPEC_FIELDS);
  const obj = spec.objective;
  checkObjective(obj, 'server.objective');
  const d = obj.dim;
  const m = integer(s.workers, 'server.workers', { min: 1, max: 100_000 });
  const b = integer(s.batchSize, 'server.batchSize', { min: 1, max: 1_000_000 });
  const sampling = s.sampling === undefined ? 'with-replacement' : oneOf(s.sampling, 'server.sampling', ['with-replacement', 'without-replacement'] as const);
  if (sampling === 'without-replacement' && b > obj.n) throw new ConfigError('server.batchSize', `must be <= n = ${obj.n} without replacement, got ${b}`);
  const mode = oneOf(s.mode, 'server.mode', ['async', 'sync'] as const);
  const L = s.localAccumulation === undefined ? 1 : integer(s.localAccumulation, 'server.localAccumulation', { min: 1, max: 1_000_000 });
  const G = s.globalAccumulation === undefined ? 1 : integer(s.globalAccumulation, 'server.globalAccumulation', { min: 1, max: 1_000_000 });
  const U = s.pullEvery === undefined ? 1 : integer(s.pullEvery, 'server.pullEvery', { min: 1, max: 1_000_000 });
  if (mode === 'sync' && (L !== 1 || G !== 1)) throw new ConfigError('server.mode', 'accumulation applies to async mode (sync already sums the m workers)');
  if (mode === 'async' && U !== 1) throw new ConfigError('server.pullEvery', 'staleness injection applies to sync mode');
  const times = validateComputeTime(s.computeTime, 'server.computeTime');
  const updates = integer(s.updates, 'server.updates', { min: 1, max: 2 ** 31 - 1 });
  const saveEvery = s.saveEvery === undefined ? 1 : integer(s.saveEvery, 'server.saveEvery', { min: 1, max: 2 ** 31 - 1 });
  const stopAtLoss = s.stopAtLoss === undefined ? -Infinity : finiteNumber(s.stopAtLoss, 'server.stopAtLoss');
  const dropAbove = s.dropAbove === undefined ? Infinity : nonNegativeNumber(s.dropAbove, 'server.dropAbove');
  const start = s.start === undefined ? 'cold' : oneOf(s.start, 'server.start', ['cold', 'stationary'] as const);
  if (start === 'stationary' && (s.stepScale !== undefined || s.dropAbove !== undefined)) {
    throw new ConfigError('server.start', "'stationary' is derived for a server without drops: remove stepScale and dropAbove, or start 'cold'");
  }
  if (s.stepScale !== undefined && typeof s.stepScale !== 'function') throw new ConfigError('server.stepScale', 'must be a function τ => multiplier');
  // α(τ) per τ, memoized; checked before the run over the staleness a few rounds can produce
  const userScale = spec.stepScale;
  const scales: number[] = [];
  const scaleAt = (tau: number): number => {
    if (!userScale) return 1;
    let v = scales[tau];
    if (v === undefined) {
      const u = userScale(tau);
      v = scales[tau] = typeof u === 'number' && Number.isFinite(u) && u >= 0 ? u : 0;
    }
    return v;
  };
  if (userScale) {
    const checked = 4 * (s.workers as number) * Math.max(G, L) + 4 * U;
    for (let tau = 0; tau <= checked; tau++) {
      const u = userScale(tau);
      if (typeof u !== 'number' || !Number.isFinite(u) || u < 0) throw new ConfigError('server.stepScale', `must return a finite number >= 0, got ${u} at τ = ${tau}`);
      if (tau === 0 && !(u > 0)) throw new ConfigError('server.stepScale', 'must be > 0 at τ = 0: otherwise no gradient can ever be applied');
      scales[tau] = u;
    }
  }
  const opt = optimizer(s.optimizer, d, 'server.optimizer');
  const seed = seedOrFresh(options.seed, 'options.seed');
  const signal = optionalSignal(options.signal, 'options.signal');
  const onProgress = optionalCallback<(done: number, total: number) => void>(options.onProgress, 'options.onProgress');
  let polls = 0;
  const poll = () => {
    if ((++polls & POLL_MASK) === 0) {
      throwIfAborted(signal);
      onProgress?.(version, updates);
    }
  };
  const x = new Float64Array(d);
  if (typeof s.x0 === 'number') x.fill(finiteNumber(s.x0, 'server.x0'));
  else {
    const v = s.x0 as ArrayLike<number>;
    if (!v || v.length !== d) throw new ConfigError('server.x0', `must have length ${d}`);
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(v[i])) throw new ConfigError(`server.x0[${i}]`, `must be finite, got ${v[i]}`);
      x[i] = v[i];
    }
  }
  checkObjective(obj, 'server.objective', x); // its gradient writes into out, F(x0) is finite

  // ---- state ----
  const samplers = Array.from({ length: m }, (_, w) => new MinibatchSampler(obj.n, b, sampling, deriveEngine(seed, 'minibatch', w)));
  const clock = new ComputeTimes(times, deriveEngine(seed, 'delay', 0), m);
  const pulled = new Float64Array(m * d); // each worker's copy of x
  const pullVersion = new Int32Array(m);
  const acc = new Float64Array(m * d); // local accumulation
  // per-worker views, made once (no allocation per gradient)
  const pulledOf = Array.from({ length: m }, (_, w) => pulled.subarray(w * d, (w + 1) * d));
  const accOf = Array.from({ length: m }, (_, w) => acc.subarray(w * d, (w + 1) * d));
  const accCount = new Int32Array(m);
  const finish = new Float64Array(m); // next finish time of each worker
  const batch = new Int32Array(b);
  const gi = new Float64Array(d);
  const serverBuf = new Float64Array(d);
  // the server's buffer of received gradients (global accumulation): their pull versions, kept
  // until the update that applies them, when their staleness (and α(τ)) is known
  const pendingVersion = new Int32Array(G);
  const pendingWorker = new Int32Array(G);
  const pendingGrad = new Float64Array(G * d);
  // DC-ASGD: the parameters each buffered gradient was computed at (views made once)
  const compensate = opt.compensate;
  const pendingX = compensate ? new Float64Array(G * d) : null;
  const pendingXOf = pendingX ? Array.from({ length: G }, (_, j) => pendingX.subarray(j * d, (j + 1) * d)) : [];
  const pendingGradOf = compensate ? Array.from({ length: G }, (_, j) => pendingGrad.subarray(j * d, (j + 1) * d)) : [];
  let version = 0; // t′: updates applied
  const stalenessOut: number[] = [];
  const workerOut: number[] = [];
  let dropped = 0;
  const nSave = everyNthCount(updates, saveEvery);
  const uOut = new Int32Array(nSave);
  const tOut = new Float64Array(nSave);
  const xOut = new Float64Array(nSave * d);
  const FOut = new Float64Array(nSave);
  let saved = 0;
  const save = (now: number) => {
    uOut[saved] = version;
    tOut[saved] = now;
    xOut.set(x, saved * d);
    FOut[saved] = obj.value(x);
    saved++;
  };
  save(0);
  let status: 'ok' | 'diverged' = 'ok';
  let reached = FOut[0] <= stopAtLoss; // stopAtLoss: the target reached at a saved point ends the run
  let divergence: { update: number; time: number } | undefined;

  /** Minibatch gradient (mean over b) of worker w at its pulled x, added into out. */
  const addGradient = (w: number, out: Float64Array, off: number) => {
    samplers[w].draw(batch);
    const xw = pulledOf[w];
    if (obj.addMeanGradient) {
      obj.addMeanGradient(batch, b, xw, out, off); // the loop below, fused (same bits)
      return;
    }
    for (let j = 0; j < b; j++) {
      obj.componentGradient(batch[j], xw, gi);
      for (let i = 0; i < d; i++) out[off + i] += gi[i] / b;
    }
  };
  const pull = (w: number) => {
    pulled.set(x, w * d);
    pullVersion[w] = version;
  };
  const apply = (now: number): boolean => {
    opt.step(x, serverBuf);
    serverBuf.fill(0);
    version++;
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(x[i])) {
        status = 'diverged';
        divergence = { update: version, time: now };
        return false;
      }
    }
    if (everyNthIndex(version, updates, saveEvery) >= 0) {
      save(now);
      if (FOut[saved - 1] <= stopAtLoss) {
        reached = true;
        return false;
      }
    }
    return true;
  };

  for (let w = 0; w < m; w++) pull(w);
  const startEngine = start === 'stationary' ? deriveEngine(seed, 'stationaryStart', 0) : null;

  if (mode === 'sync') {
    // rounds: every worker computes at its (possibly stale) x; the barrier waits for the slowest.
    // Stationary start: the pull cycle entered at a uniform phase p (the workers pulled p updates ago)
    const phase = startEngine ? uniformIndex(startEngine, U) : 0;
    for (let w = 0; w < m; w++) pullVersion[w] = -phase;
    let now = 0;
    while (version < updates && !reached) {
      poll();
      let slowest = 0;
      let applied = 0;
      for (let w = 0; w < m; w++) {
        slowest = Math.max(slowest, clock.draw(w));
        const tau = version - pullVersion[w];
        const scale = tau > dropAbove ? 0 : scaleAt(tau);
        if (scale === 0) {
          dropped++;
          continue;
        }
        stalenessOut.push(tau);
        workerOut.push(w);
        applied++;
        const tmp = accOf[w];
        tmp.fill(0);
        addGradient(w, acc, w * d);
        if (compensate) compensate(tmp, x, pulledOf[w]);
        for (let i = 0; i < d; i++) serverBuf[i] += scale * tmp[i];
      }
      now += slowest;
      if (applied === 0) {
        // nothing to apply: no update; the workers pull again (else a stale round would repeat forever)
        for (let w = 0; w < m; w++) pull(w);
        continue;
      }
      if (!apply(now)) break;
      // staleness injection: workers pull only every U updates
      if ((version + phase) % U === 0) for (let w = 0; w < m; w++) pull(w);
    }
  } else {
    let received = 0;
    if (startEngine) {
      // the state just after a typical update of the stationary regime; gradients already summed are taken at x0
      const past = stationaryAsyncState(times, new ComputeTimes(times, startEngine, m), startEngine, m, L, G);
      for (let w = 0; w < m; w++) {
        finish[w] = past.residual[w];
        pullVersion[w] = past.pullVersion[w];
        for (let k = 0; k < past.accumulated[w]; k++) addGradient(w, acc, w * d);
        accCount[w] = past.accumulated[w];
      }
    } else for (let w = 0; w < m; w++) finish[w] = clock.draw(w);
    while (version < updates && !reached) {
      poll();
      // the next worker to finish (ties: lowest index)
      let w = 0;
      for (let v = 1; v < m; v++) if (finish[v] < finish[w]) w = v;
      const now = finish[w];
      addGradient(w, acc, w * d);
      accCount[w]++;
      if (accCount[w] < L) {
        finish[w] = now + clock.draw(w); // local accumulation: another gradient at the same x
        continue;
      }
      // push: the server receives (version pulled, gradient sum)
      pendingVersion[received] = pullVersion[w];
      pendingWorker[received] = w;
      pendingGrad.set(accOf[w], received * d);
      if (pendingX) pendingX.set(pulledOf[w], received * d);
      accOf[w].fill(0);
      accCount[w] = 0;
      received++;
      // apply if the buffer is full
      if (received === G) {
        let applied = 0;
        for (let j = 0; j < G; j++) {
          const tau = version - pendingVersion[j];
          const scale = tau > dropAbove ? 0 : scaleAt(tau);
          if (scale === 0) {
            dropped++;
            continue;
          }
          stalenessOut.push(tau);
          workerOut.push(pendingWorker[j]);
          applied++;
          if (compensate) compensate(pendingGradOf[j], x, pendingXOf[j]);
          for (let i = 0; i < d; i++) serverBuf[i] += scale * pendingGrad[j * d + i];
        }
        received = 0;
        // a buffer of dropped gradients makes no update (the version stays, so the next τ are smaller)
        if (applied > 0 && !apply(now)) break;
      }
      // answer the pull
      pull(w);
      finish[w] = now + clock.draw(w);
    }
  }
  throwIfAborted(signal); // no partial output
  onProgress?.(version, updates);
  return {
    staleness: Int32Array.from(stalenessOut),
    worker: Int32Array.from(workerOut),
    dropped,
    updates: uOut.slice(0, saved),
    time: tOut.slice(0, saved),
    x: xOut.slice(0, saved * d),
    F: FOut.slice(0, saved),
    status,
    ...(divergence ? { divergence } : {}),
    dim: d,
    seed,
  };
}
