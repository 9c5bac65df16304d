/**
 * Staleness as it emerges from a simulated parameter server (MindTheStep Section VI, Table I and
 * Fig. 2; Aji & Heafield Section 2.3): run m workers, collect the staleness of every applied
 * gradient, and fit geometric, uniform, Poisson and CMP models by Bhattacharyya distance.
 *
 * The staleness of an asynchronous server depends only on the compute times and the
 * accumulation settings, not on the gradients' values, so the simulation runs the cheapest
 * objective (the toy, b = 1) unless the caller passes one.
 *
 * Start. A cold server (every worker pulls version 0 at time 0) has a start-up transient: the
 * first gradients' staleness is cut short, because no update happened before 0. An earlier version
 * discarded a warm-up of 4W updates (W the update by which every worker had pushed once); its
 * remaining bias was small but grew relative to the SE for short or long runs alike (the SE of the
 * mean falls like 1/U, see below), and quick and full reports disagreed at exponential N = 8, G = 2.
 * The simulation now starts every replicate in the stationary regime (runParameterServer's
 * `start: 'stationary'`, src/asgd/stationary-start.ts): async — each worker's residual compute time
 * from the equilibrium law of its renewal process, the accumulation counts, the server's buffer and
 * the version counters drawn consistently with that past; sync — the pull cycle entered at a
 * uniform phase. No update is discarded: every run length, short ones included, measures the
 * stationary law. `start: 'cold'` with an explicit `warmup` reproduces a cold server. Real threads
 * (threaded-staleness.ts) cannot be started in a drawn past and keep the documented warm-up
 * `WARMUP_MULTIPLE`·W.
 *
 * Standard errors. The staleness series is strongly anti-correlated: the sum of the staleness of
 * the gradients applied in a window is (m − 1)·(updates in it) up to the ages of the gradients in
 * flight at its two ends, so the variance of the mean falls like 1/U², not 1/U, and batch means
 * overstate it by about √(number of batches) (≈ 6× with 20 batches at m = 16). The standard error
 * therefore comes from independent replicate runs: `replicates` runs (default 10), each with its
 * own seed derived from the master seed, warm-up and `updates` updates; the mean is the mean of the
 * replicate means and its SE their sample standard deviation over √R (R − 1 degrees of freedom).
 */
import type { FiniteSumObjective } from '../asgd/objective.ts';
import { toyObjective } from '../asgd/objectives/toy.ts';
import { type ComputeTimeSpec, runParameterServer } from '../asgd/parameter-server.ts';
import { integer, knownFields, oneOf, plainObject } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { fitStalenessModels, type ModelFit } from '../delay/fit.ts';
import { deriveEngine } from '../random/streams.ts';

/**
 * What {@link simulateStaleness} takes: `workers` m, `computeTime` law, `updates` per replicate; optional
 * `mode` ('async' default), accumulation / pull settings as in {@link ServerSpec}, `seed` (default 0),
 * `replicates` (default 10), `warmup` (default 4W async, 0 sync) and an `objective`.
 */
export interface StalenessSimulationSpec {
  /** Number of workers m. */
  workers: number;
  /** Law of a worker's compute time per gradient. */
  computeTime: ComputeTimeSpec;
  /** Server updates per replicate run (the warm-up included). */
  updates: number;
  /** 'async' (default) or 'sync'. */
  mode?: 'async' | 'sync';
  /** Gradients a worker sums before pushing (async); default 1. */
  localAccumulation?: number;
  /** Gradients the server sums before an update (async); default 1. */
  globalAccumulation?: number;
  /** Sync only: workers pull every U updates (staleness injection); default 1. */
  pullEvery?: number;
  /** Master seed (integer in [0, 2^53)); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`. */
  seed?: number;
  /** Independent runs whose means give the standard error; default 10 (1: no SE). */
  replicates?: number;
  /**
   * 'stationary' (default): each run starts in the server's stationary regime (see the module
   * comment), so nothing needs discarding. 'cold': every worker pulls version 0 at time 0 (a
   * start-up transient; combine with `warmup`).
   */
  start?: 'stationary' | 'cold';
  /** Updates discarded at the start of each run; default 0 (a stationary start has no transient). */
  warmup?: number;
  /**
   * The objective whose gradients the workers compute; default the toy objective with b = 1 (staleness
   * does not depend on the values).
   */
  objective?: FiniteSumObjective;
}

/**
 * What {@link simulateStaleness} returns: the staleness after warm-up, its mean and P[τ = 0] with
 * standard errors across replicates, the pooled histogram and the fitted staleness models.
 */
export interface StalenessSimulation {
  spec: StalenessSimulationSpec;
  /** The master seed used (spec.seed, or a fresh one when the spec has none); pass it back to reproduce the simulation. */
  seed: number;
  /** The staleness after the warm-up, all replicates in order. */
  staleness: Int32Array;
  /** Mean of the replicate means. */
  mean: number;
  /** Its standard error from the spread of the replicate means (NaN with one replicate). */
  meanSe: number;
  /** Mean over replicates of the share of τ = 0, and its standard error. */
  pZero: number;
  pZeroSe: number;
  /** Per replicate: mean staleness, share of τ = 0, updates discarded as warm-up. */
  replicateMeans: Float64Array;
  replicatePZero: Float64Array;
  warmups: Int32Array;
  /** P[τ = i], i = 0..max, pooled over the replicates. */
  histogram: Float64Array;
  fits: ModelFit[];
  /** The m of the CMP line search λ = m^ν: the worker count for plain async, round(mean τ) + 1 otherwise. */
  cmpWorkers: number;
  /** Share of applied gradients from the same worker as the previous one (mean over replicates). */
  sameWorkerRate: number;
  /** Simulated time per update. */
  timePerUpdate: number;
}

const FIELDS = ['workers', 'computeTime', 'updates', 'mode', 'localAccumulation', 'globalAccumulation', 'pullEvery', 'seed', 'replicates', 'start', 'warmup', 'objective'];

/**
 * Multiple of W (the update by which every worker has pushed once) discarded as warm-up where no
 * stationary start exists: runs on real threads (threaded-staleness.ts), whose past cannot be drawn.
 * Over 400 – 4000 simulated replicate runs (m = 2, 4, 16, 32 exponential, m = 16 normal(1, 0.2),
 * m = 8 log-normal(1, 1)) a cold start's remaining bias after 4W was within 1.5 pooled SE.
 */
export const WARMUP_MULTIPLE = 4;

/**
 * Mean and batch-means SE of a correlated series (B batches). Valid when the batches are long
 * against the series' correlation and their means are close to independent; it is not used for
 * staleness (see the module comment: its series is anti-correlated and B batch means overstate
 * the SE by ≈ √B).
 */
export function batchMeans(values: ArrayLike<number>, B = 20): { mean: number; se: number } {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  const size = Math.floor(n / B);
  if (size < 1) return { mean, se: NaN };
  let ss = 0;
  for (let b = 0; b < B; b++) {
    let m = 0;
    for (let i = b * size; i < (b + 1) * size; i++) m += values[i];
    ss += (m / size - mean) ** 2;
  }
  return { mean, se: Math.sqrt(ss / (B - 1) / B) };
}

/** The seed of replicate r of a simulation seeded `seed`: 53 bits of its own stream. */
export function replicateSeed(seed: number, r: number): number {
  const e = deriveEngine(seed, 'replicate', r);
  return (e.next() >>> 0) * 2 ** 21 + ((e.next() >>> 0) & 0x1f_ffff);
}

/** Index (in applied gradients) just past the first gradient of the last worker to push; −1 if some never pushed. */
export function firstPushComplete(worker: ArrayLike<number>, m: number): number {
  const seen = new Uint8Array(m);
  let count = 0;
  for (let j = 0; j < worker.length; j++) {
    if (!seen[worker[j]]) {
      seen[worker[j]] = 1;
      if (++count === m) return j + 1;
    }
  }
  return -1;
}

/** Share of consecutive applied gradients that come from the same worker. */
export function sameWorkerRate(worker: ArrayLike<number>): number {
  let same = 0;
  for (let k = 1; k < worker.length; k++) if (worker[k] === worker[k - 1]) same++;
  return worker.length > 1 ? same / (worker.length - 1) : NaN;
}

const meanAndSe = (xs: Float64Array): { mean: number; se: number } => {
  const R = xs.length;
  let s = 0;
  for (const v of xs) s += v;
  const mean = s / R;
  if (R < 2) return { mean, se: NaN };
  let ss = 0;
  for (const v of xs) ss += (v - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (R - 1) / R) };
};

/**
 * Simulate the staleness of a parameter server ({@link runParameterServer}) over independent replicate
 * runs, discard each run's warm-up, and fit the staleness models of MindTheStep to the pooled histogram.
 *
 * @throws {@link ConfigError} `staleness.workers`, `staleness.updates`, `staleness.computeTime.*`,
 * `staleness.replicates`, `staleness.warmup`, `staleness.seed`, the server's mode fields, unknown fields.
 * @example
 * ```ts
 * import { simulateStaleness } from 'asgd-sdde';
 *
 * const sim = simulateStaleness({ workers: 8, computeTime: { kind: 'exponential', mean: 1 }, updates: 4000, seed: 1 });
 * console.log(sim.mean.toFixed(2), '±', sim.meanSe.toFixed(2), sim.fits.map((f) => f.model).join(' ')); // mean ≈ m − 1
 * //> 7.00 ± 0.00 geometric uniform poisson cmp empirical
 * ```
 */
export function simulateStaleness(spec: StalenessSimulationSpec): StalenessSimulation {
  const s = plainObject(spec, 'staleness');
  knownFields(s, 'staleness', FIELDS);
  const m = integer(s.workers, 'staleness.workers', { min: 1, max: 100_000 });
  const updates = integer(s.updates, 'staleness.updates', { min: 10, max: 100_000_000 });
  const mode = s.mode === undefined ? 'async' : oneOf(s.mode, 'staleness.mode', ['async', 'sync'] as const);
  const G = s.globalAccumulation === undefined ? 1 : integer(s.globalAccumulation, 'staleness.globalAccumulation', { min: 1, max: 1_000_000 });
  const R = s.replicates === undefined ? 10 : integer(s.replicates, 'staleness.replicates', { min: 1, max: 100_000 });
  const seed = seedOrFresh(s.seed, 'staleness.seed');
  const start = s.start === undefined ? 'stationary' : oneOf(s.start, 'staleness.start', ['stationary', 'cold'] as const);
  const warmup = s.warmup === undefined ? 0 : integer(s.warmup, 'staleness.warmup', { min: 0, max: updates - 1 });
  const objective = spec.objective ?? toyObjective();
  const perUpdate = mode === 'sync' ? m : G; // nothing is dropped here: every update applies exactly this many gradients
  const parts: Int32Array[] = [];
  const replicateMeans = new Float64Array(R);
  const replicatePZero = new Float64Array(R);
  const warmups = new Int32Array(R);
  let same = 0;
  let time = 0;
  for (let r = 0; r < R; r++) {
    const run = runParameterServer(
      {
        objective,
        x0: 0,
        workers: m,
        batchSize: 1,
        mode,
        ...(spec.localAccumulation !== undefined ? { localAccumulation: spec.localAccumulation } : {}),
        ...(spec.globalAccumulation !== undefined ? { globalAccumulation: spec.globalAccumulation } : {}),
        ...(spec.pullEvery !== undefined ? { pullEvery: spec.pullEvery } : {}),
        computeTime: spec.computeTime,
        // a negligible step: the iterate barely moves, so nothing can diverge; staleness does not depend on it
        optimizer: { kind: 'sgd', lr: 1e-9 },
        start,
        updates,
        saveEvery: updates,
      },
      { seed: R === 1 ? seed : replicateSeed(seed, r) },
    );
    if (run.status !== 'ok') throw new Error(`staleness simulation: the server ended with status ${run.status}`); // lr 1e-9 on the toy: a bug, not input
    warmups[r] = warmup;
    const tau = run.staleness.slice(warmup * perUpdate);
    parts.push(tau);
    same += sameWorkerRate(run.worker.subarray(warmup * perUpdate)) / R;
    let sum = 0;
    let zeros = 0;
    for (const t of tau) {
      sum += t;
      if (t === 0) zeros++;
    }
    replicateMeans[r] = sum / tau.length;
    replicatePZero[r] = zeros / tau.length;
    time += run.time[run.time.length - 1] / updates;
  }
  const staleness = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    staleness.set(p, off);
    off += p.length;
  }
  const { mean, se } = meanAndSe(replicateMeans);
  const z = meanAndSe(replicatePZero);
  // Eq. 13 ties the CMP mode to the worker count (λ^{1/ν} = m) for plain asynchronous SGD; with
  // accumulation or in synchronous mode the staleness is not centred near m − 1, so the line
  // search uses the worker count whose plain-async mode would be the observed mean
  const cmpWorkers = mode === 'async' && G === 1 ? m : Math.max(1, Math.round(mean) + 1);
  const fits = fitStalenessModels(staleness, cmpWorkers);
  const histogram = fits.find((f) => f.model === 'empirical')!.pmf;
  return { spec, seed, staleness, mean, meanSe: se, pZero: z.mean, pZeroSe: z.se, replicateMeans, replicatePZero, warmups, histogram, fits, cmpWorkers, sameWorkerRate: same, timePerUpdate: time / R };
}
