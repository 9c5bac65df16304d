/**
 * The state of an asynchronous parameter server just after an update in its stationary regime,
 * so that a run started from it has no start-up transient (no warm-up to discard).
 *
 * A cold start (every worker pulls version 0 at time 0 and starts computing) cuts the first
 * gradients' staleness short: no update happened before 0. Instead, the server's past is drawn.
 * Staleness is a per-update quantity, so the start is a typical update (the Palm distribution of
 * the update times), not a typical time: started at a typical time, the first updates would be the
 * ends of length-biased gaps (the inspection paradox); with log-normal(1, 2) times and m = 3 that
 * biased the mean over 10 updates by +3.4 to +4.5 SE over 8000 runs, while the Palm start
 * below makes the sequence of per-update staleness stationary from the first update on.
 *
 * For independent renewal processes the Palm distribution of their superposition is: the worker
 * that just pushed is chosen with probability proportional to its push rate and starts a fresh
 * compute time; every other worker is in its equilibrium (Cox, Renewal Theory, 1962, §5.2; Daley &
 * Vere-Jones, 2003, §3.4):
 *  1. its current compute interval is length-biased and 0 falls at a uniform fraction U of it (age
 *     (1 − U)L, residual UL: the equilibrium law, density (1 − F(x))/μ), and the gradients it has
 *     already summed in the current local-accumulation cycle, k ∈ {0, …, L − 1}, are uniform (the
 *     cycle index of the interval covering 0 is uniform and independent of the i.i.d. lengths);
 *  2. before that, its past pushes are separated by sums of L ordinary compute times.
 * The server's buffer phase is independent of the push times and uniform (shift invariance), so
 * conditioning on "this push made an update" leaves the push times' law as it is: the buffer is
 * empty at 0, and counting pushes back from 0 (the push at 0 is the first), pushes 1, 1 + G,
 * 1 + 2G, … each triggered an update. Version counters follow: with version 0 now, a worker whose
 * last push is the i-th most recent pulled version −(updates triggered by the i − 1 pushes more
 * recent than it) — a push that triggers an update is followed by its own worker's pull of the
 * new version.
 *
 * Equal compute times (constant law, or sd 0) keep the workers in lock-step: there the stationary
 * regime is the periodic orbit of the cold start, and a typical update is a uniform one of its
 * period. Within a push instant the workers push in index order; the update is triggered by worker
 * j with j + 1 a multiple of g = gcd(m, G) (every such j triggers exactly one update per period of
 * G/g push rounds), so j + 1 is uniform on {g, 2g, …, m}. Workers after j have not pushed yet at
 * that instant: residual 0, served next in index order, as the server does.
 *
 * Exact for the server without drops: a stepScale or dropAbove changes which buffers make an
 * update, so the server refuses a stationary start with them.
 */
import { type ComputeTimes, type ComputeTimeSpec, isDeterministic } from './compute-time.ts';
import { type Engine, uniformIndex, uniformOpen01 } from '../random/streams.ts';

/** The server's state just after a typical update (versions relative to the current version 0). */
export interface StationaryAsyncState {
  /** Time until each worker finishes its current gradient (0: it finishes at this instant, after the update). */
  residual: Float64Array;
  /** Gradients each worker has already summed in its current local-accumulation cycle (0 … L − 1). */
  accumulated: Int32Array;
  /** Version each worker pulled (≤ 0). */
  pullVersion: Int32Array;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Mean compute time of worker w (slow workers: mean × slowdown). */
const workerMean = (law: ComputeTimeSpec, w: number, m: number): number =>
  law.kind === 'slow-workers' && w < Math.round(law.slowFraction * m) ? law.mean * law.slowdown : law.mean;

/**
 * Draws the state of an asynchronous server with m workers, local accumulation L and global
 * accumulation G just after a typical update of its stationary regime (see the module comment).
 * `clock` draws the compute times (ordinary and length-biased); `engine` the discrete choices.
 * Example: `stationaryAsyncState({ kind: 'exponential', mean: 1 }, clock, engine, 8, 1, 2)`.
 */
export function stationaryAsyncState(law: ComputeTimeSpec, clock: ComputeTimes, engine: Engine, m: number, L: number, G: number): StationaryAsyncState {
  const residual = new Float64Array(m);
  const accumulated = new Int32Array(m);
  const pushes: number[][] = []; // past push times of each worker, most recent first
  if (isDeterministic(law)) {
    const mu = law.mean;
    const g = gcd(m, G);
    const j = g * (1 + uniformIndex(engine, m / g)) - 1;
    for (let w = 0; w < m; w++) {
      const pushed = w <= j;
      residual[w] = pushed ? mu : 0;
      accumulated[w] = pushed ? 0 : L - 1;
      pushes.push([pushed ? 0 : -L * mu]);
    }
  } else {
    // the worker that just pushed, with probability ∝ its push rate 1/(L μ_w)
    let total = 0;
    for (let w = 0; w < m; w++) total += 1 / workerMean(law, w, m);
    let pick = uniformOpen01(engine) * total;
    let chosen = m - 1;
    for (let w = 0; w < m; w++) {
      pick -= 1 / workerMean(law, w, m);
      if (pick < 0) {
        chosen = w;
        break;
      }
    }
    for (let w = 0; w < m; w++) {
      if (w === chosen) {
        residual[w] = clock.draw(w);
        pushes.push([0]);
        continue;
      }
      const len = clock.lengthBiased(w);
      const u = clock.fraction();
      const k = uniformIndex(engine, L);
      residual[w] = u * len;
      accumulated[w] = k;
      let t = -(1 - u) * len;
      for (let i = 0; i < k; i++) t -= clock.draw(w);
      pushes.push([t]);
    }
  }
  // every push at or after the earliest last push is needed; list each worker's pushes below it
  let horizon = 0;
  for (const p of pushes) horizon = Math.min(horizon, p[0]);
  for (let w = 0; w < m; w++) {
    const list = pushes[w];
    while (list[list.length - 1] >= horizon) {
      let t = list[list.length - 1];
      for (let i = 0; i < L; i++) t -= clock.draw(w);
      list.push(t);
    }
  }
  // pushes in [horizon, 0], most recent first; simultaneous ones: the higher index was served later
  const merged: { t: number; w: number; nth: number }[] = [];
  for (let w = 0; w < m; w++) pushes[w].forEach((t, nth) => t >= horizon && merged.push({ t, w, nth }));
  merged.sort((a, b) => b.t - a.t || b.w - a.w);
  const pullVersion = new Int32Array(m);
  let updates = 0; // triggered by the pushes before index i
  for (let i = 0; i < merged.length; i++) {
    if (merged[i].nth === 0) pullVersion[merged[i].w] = -updates;
    if (i % G === 0) updates++;
  }
  return { residual, accumulated, pullVersion };
}
