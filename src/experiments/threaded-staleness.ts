/**
 * Measured staleness (MindTheStep Section VI on this machine): run the real-thread parameter
 * server (runThreadedServer) with m workers, take the staleness of every applied gradient, and
 * give it the simulated server's analysis — histogram, the four model fits by Bhattacharyya
 * distance — side by side with the simulated server (simulateStaleness) at the compute-time law
 * fitted to the measured per-gradient compute times.
 *
 * Warm-up: real threads start cold (every worker pulls version 0) and their past cannot be drawn,
 * so, unlike simulateStaleness (which starts in the stationary regime), each of `runs` independent
 * real runs drops its first WARMUP_MULTIPLE·W = 4W updates (W: the update by which every worker has
 * pushed once; at most half the run). Standard errors as in simulateStaleness: the SE of the mean
 * staleness and of P[τ = 0] is the spread of the run means over √runs.
 *
 * The compute-time law: exponential, normal and log-normal fitted by maximum likelihood to the
 * measured times of the applied gradients (all runs), in units of their mean; the one with the
 * largest likelihood drives the simulation. The simulated server has no communication time and
 * draws each compute time independently; on a machine with fewer cores than workers neither holds
 * (threads time-share the cores, and a thread that holds the server lock can be descheduled), which
 * is what the comparison measures. `sameWorkerRate` (the share of applied gradients that come from
 * the same worker as the previous one) shows the time-sharing directly: a thread that runs alone
 * in its time slice pushes several gradients in a row at τ = 0.
 */
import { ConfigError } from '../core/errors.ts';
import { runThreadedServer } from '../asgd/threaded-server.ts';
import type { ServerThreadPool } from '../asgd/threaded-server-pool.ts';
import type { ComputeTimeSpec } from '../asgd/parameter-server.ts';
import { integer, knownFields, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { bhattacharyyaDistance, fitStalenessModels } from '../delay/fit.ts';
import type { ObjectiveSpec } from '../asgd/objectives/spec.ts';
import { firstPushComplete, replicateSeed, sameWorkerRate, simulateStaleness, type StalenessSimulation, WARMUP_MULTIPLE } from './staleness.ts';

/**
 * What {@link measureThreadedStaleness} takes: `workers` m, a JSON `objective`, `batchSize`, `updates` per
 * run; optional `runs` (default 3), `read`, `lr` (default 0.01), `x0` (default 0), `seed`,
 * `simulatedReplicates` (default 10) and `maxSeconds`.
 */
export interface ThreadedStalenessSpec {
  /** Number of worker threads m (integer in [1, 256]). */
  workers: number;
  /** A JSON objective spec (each thread builds its own copy). */
  objective: ObjectiveSpec;
  /** Minibatch size b (it sets a gradient's cost against the scheduler's time slice). */
  batchSize: number;
  /** Server updates per real run. */
  updates: number;
  /** Independent real runs (their spread gives the SE); default 3. */
  runs?: number;
  /** 'consistent' (default, locked server) or 'inconsistent' (Hogwild). */
  read?: 'consistent' | 'inconsistent';
  /** SGD step at the server; default 0.01 (staleness does not depend on the values). */
  lr?: number;
  /** Start point (a number: every coordinate); default 0, or the MLP's own initialization is the caller's to pass. */
  x0?: ArrayLike<number> | number;
  /** Master seed (integer in [0, 2^53)); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`. */
  seed?: number;
  /** Replicate runs of the simulation at the fitted law; default 10. */
  simulatedReplicates?: number;
  /**
   * Wall-clock limit of each real run, in seconds (see {@link ThreadedServerSpec}; default 600).
   */
  maxSeconds?: number;
}

/**
 * The compute-time law fitted to measured gradient times by maximum likelihood (exponential, normal or
 * log-normal, in units of the mean), with every candidate's log-likelihood and a summary in seconds.
 */
export interface ComputeTimeFit {
  law: ComputeTimeSpec;
  /** Log-likelihood per observation of each candidate (in units of the mean). */
  candidates: { law: ComputeTimeSpec; logLikelihood: number }[];
  /** Summary of the measured times in seconds. */
  meanSeconds: number;
  sdSeconds: number;
  quantilesSeconds: { p50: number; p90: number; p99: number };
  samples: number;
}

/**
 * What {@link measureThreadedStaleness} returns: the measured staleness beside the simulated server at
 * the fitted compute-time law, their Bhattacharyya distance, and where the threads' time went.
 */
export interface ThreadedStaleness {
  /** The measured staleness, in the simulated server's shape (spec.computeTime: the fitted law). */
  measured: StalenessSimulation;
  /** The simulated server at the fitted compute-time law, same m and updates. */
  simulated: StalenessSimulation;
  computeTime: ComputeTimeFit;
  /** Bhattacharyya distance between the measured and the simulated pmf. */
  distance: number;
  /** Share of applied gradients from the same worker as the previous one: measured, simulated. */
  sameWorkerRate: { measured: number; simulated: number };
  /** Summed over workers and runs, as shares of m × run time: computing gradients, waiting for the lock. */
  computeShare: number;
  lockWaitShare: number;
  updatesPerSecond: number;
  runs: { seconds: number; startupSeconds: number; mean: number; pZero: number; warmup: number; status: string }[];
  read: 'consistent' | 'inconsistent';
  cores: number;
}

const FIELDS = ['workers', 'objective', 'batchSize', 'updates', 'runs', 'read', 'lr', 'x0', 'seed', 'simulatedReplicates', 'maxSeconds'];

/** Maximum-likelihood exponential, normal and log-normal laws for positive times, in units of their mean. */
export function fitComputeTimeLaw(seconds: ArrayLike<number>): ComputeTimeFit {
  const n = seconds.length;
  if (n < 2) throw new RangeError('fitComputeTimeLaw: need at least two times');
  let s = 0;
  for (let i = 0; i < n; i++) s += seconds[i];
  const mean = s / n;
  const x = Float64Array.from(seconds, (v) => Math.max(v, mean * 1e-9) / mean); // units of the mean; a 0 reading (timer resolution) becomes tiny
  let ss = 0;
  let sl = 0;
  for (const v of x) {
    ss += (v - 1) ** 2;
    sl += Math.log(v);
  }
  const sd = Math.sqrt(ss / n); // MLE
  const mu = sl / n;
  let sll = 0;
  for (const v of x) sll += (Math.log(v) - mu) ** 2;
  const sigma = Math.sqrt(sll / n);
  const half = 0.5 * Math.log(2 * Math.PI);
  const expo = -1; // exponential with mean 1: log f(x) = −x, and x̄ = 1
  const normal = sd > 0 ? -Math.log(sd) - half - 0.5 : -Infinity; // Σ(x−1)²/(2sd²n) = 1/2
  const lognormal = sigma > 0 ? -sl / n - Math.log(sigma) - half - 0.5 : -Infinity;
  const candidates: ComputeTimeFit['candidates'] = [
    { law: { kind: 'exponential', mean: 1 }, logLikelihood: expo },
    { law: { kind: 'normal', mean: 1, sd }, logLikelihood: normal },
    { law: { kind: 'lognormal', mean: Math.exp(mu + (sigma * sigma) / 2), sd: Math.exp(mu + (sigma * sigma) / 2) * Math.sqrt(Math.expm1(sigma * sigma)) }, logLikelihood: lognormal },
  ];
  const best = candidates.reduce((a, c) => (c.logLikelihood > a.logLikelihood ? c : a));
  const sorted = Float64Array.from(seconds).sort();
  const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * (n - 1)))];
  let sd2 = 0;
  for (let i = 0; i < n; i++) sd2 += (seconds[i] - mean) ** 2;
  return { law: best.law, candidates, meanSeconds: mean, sdSeconds: Math.sqrt(sd2 / (n - 1)), quantilesSeconds: { p50: q(0.5), p90: q(0.9), p99: q(0.99) }, samples: n };
}

const meanAndSe = (xs: number[]) => {
  const R = xs.length;
  const mean = xs.reduce((a, v) => a + v, 0) / R;
  const se = R > 1 ? Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (R - 1) / R) : NaN;
  return { mean, se };
};

/**
 * Measure the staleness of a real-thread parameter server ({@link runThreadedServer}) over `runs` runs,
 * fit the compute-time law to the measured gradient times ({@link fitComputeTimeLaw}) and compare with
 * the simulated server at that law. Timing-dependent: results vary from machine to machine.
 *
 * @param options - a `pool` of threads to reuse (default: one per run).
 * @throws {@link ConfigError} `staleness.workers` (integer in [1, 256]), `staleness.updates`,
 * `staleness.runs`, `staleness.read`, `staleness.lr`, `staleness.seed`, `staleness.simulatedReplicates`,
 * and the server fields of {@link runThreadedServer}, before any thread starts.
 */
export async function measureThreadedStaleness(spec: ThreadedStalenessSpec, options: { pool?: ServerThreadPool } = {}): Promise<ThreadedStaleness> {
  const s = plainObject(spec, 'staleness');
  knownFields(s, 'staleness', FIELDS);
  const m = integer(s.workers, 'staleness.workers', { min: 1, max: 256 });
  const updates = integer(s.updates, 'staleness.updates', { min: 10, max: 10_000_000 });
  const runs = s.runs === undefined ? 3 : integer(s.runs, 'staleness.runs', { min: 1, max: 1000 });
  const read = s.read === undefined ? 'consistent' : oneOf(s.read, 'staleness.read', ['consistent', 'inconsistent'] as const);
  const lr = s.lr === undefined ? 0.01 : positiveNumber(s.lr, 'staleness.lr');
  const seed = seedOrFresh(s.seed, 'staleness.seed');
  const simR = s.simulatedReplicates === undefined ? 10 : integer(s.simulatedReplicates, 'staleness.simulatedReplicates', { min: 1, max: 100_000 });
  const parts: Int32Array[] = [];
  const computes: Float64Array[] = [];
  const perRun: ThreadedStaleness['runs'] = [];
  const same: number[] = [];
  let computeTotal = 0;
  let lockTotal = 0;
  let wall = 0;
  let applied = 0;
  let cores = 0;
  for (let r = 0; r < runs; r++) {
    const res = await runThreadedServer(
      {
        objective: spec.objective,
        x0: spec.x0 ?? 0,
        workers: m,
        batchSize: spec.batchSize,
        mode: 'async',
        read,
        optimizer: { kind: 'sgd', lr },
        updates,
        saveEvery: updates,
        ...(spec.maxSeconds !== undefined ? { maxSeconds: spec.maxSeconds } : {}),
      },
      { seed: runs === 1 ? seed : replicateSeed(seed, r), ...(options.pool ? { pool: options.pool } : {}) },
    );
    cores = res.cores;
    const j = firstPushComplete(res.worker, m);
    const total = res.staleness.length;
    const warmup = Math.min(Math.floor(total / 2), WARMUP_MULTIPLE * (j < 0 ? total : j));
    const tau = res.staleness.slice(warmup);
    parts.push(tau);
    computes.push(res.computeSeconds.slice(warmup));
    same.push(sameWorkerRate(res.worker.subarray(warmup)));
    let sum = 0;
    let zeros = 0;
    for (const t of tau) {
      sum += t;
      if (t === 0) zeros++;
    }
    perRun.push({ seconds: res.seconds, startupSeconds: res.startupSeconds, mean: sum / tau.length, pZero: zeros / tau.length, warmup, status: res.status });
    computeTotal += res.computeTotalSeconds.reduce((a, v) => a + v, 0);
    lockTotal += res.lockWaitSeconds.reduce((a, v) => a + v, 0);
    wall += res.seconds;
    applied += total;
  }
  const staleness = concat(parts, (n) => new Int32Array(n));
  const computeSeconds = concat(computes, (n) => new Float64Array(n));
  if (computeSeconds.length < 2 || perRun.some((p) => p.status === 'diverged')) {
    // a diverging objective: the server stops at a non-finite state after a few updates, whose staleness says nothing (and may leave no law to fit)
    const statuses = [...new Set(perRun.map((p) => p.status))].join(', ');
    throw new ConfigError('staleness.objective', `the runs diverged (status ${statuses} after ${applied} applied updates): the staleness of a run stopped at a non-finite state measures nothing; use a smaller lr or a better-conditioned objective`);
  }
  const computeTime = fitComputeTimeLaw(computeSeconds);
  const fits = fitStalenessModels(staleness, m);
  const histogram = fits.find((f) => f.model === 'empirical')!.pmf;
  const mean = meanAndSe(perRun.map((p) => p.mean));
  const p0 = meanAndSe(perRun.map((p) => p.pZero));
  const measured: StalenessSimulation = {
    spec: { workers: m, computeTime: computeTime.law, updates, replicates: runs, seed },
    seed,
    staleness,
    mean: mean.mean,
    meanSe: mean.se,
    pZero: p0.mean,
    pZeroSe: p0.se,
    replicateMeans: Float64Array.from(perRun, (p) => p.mean),
    replicatePZero: Float64Array.from(perRun, (p) => p.pZero),
    warmups: Int32Array.from(perRun, (p) => p.warmup),
    histogram,
    fits,
    cmpWorkers: m,
    sameWorkerRate: meanAndSe(same).mean,
    timePerUpdate: wall / applied,
  };
  const simulated = simulateStaleness({ workers: m, computeTime: computeTime.law, updates, replicates: simR, seed });
  return {
    measured,
    simulated,
    computeTime,
    distance: bhattacharyyaDistance(histogram, simulated.histogram),
    sameWorkerRate: { measured: measured.sameWorkerRate, simulated: simulated.sameWorkerRate },
    computeShare: computeTotal / (m * wall),
    lockWaitShare: lockTotal / (m * wall),
    updatesPerSecond: applied / wall,
    runs: perRun,
    read,
    cores,
  };
}

/** The parts one after the other, in a new array made by `make`. */
function concat<T extends Int32Array | Float64Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
