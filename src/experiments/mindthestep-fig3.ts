/**
 * MindTheStep Fig. 3 under the paper's protocol (Bäckström et al. 2019, Section VI), as a study:
 * epochs until the training cross-entropy is ≤ 0.05 for AsyncPSGD with the constant step α_c and
 * for MindTheStep-AsyncPSGD with α(τ) of Eq. 17 (α = α_c, K = 1, λ = m), capped at 5α_c, τ > 150
 * not applied, normalised so that E_τ[α(τ)] = α_c over the staleness observed in a pilot run of
 * the same system (Eq. 26); 5 runs per setting, for each model of the config, on the simulated
 * parameter server (runParameterServer) and on real threads (runThreadedServer).
 *
 * Choices the paper leaves open, made here and stated in every output:
 *  - epochs count applied updates: an epoch is ⌈n/b⌉ server updates (the paper's ⌈|D|/b⌉); a
 *    gradient MindTheStep refuses (α(τ) ≤ 0 or τ > 150) is computed but is not an iteration, and
 *    the gradients computed per applied update are reported beside the epochs;
 *  - the loss is evaluated on the whole training set at the end of every epoch, so the measure is
 *    a whole number of epochs;
 *  - the pilot run (5000 updates at the constant step, a separate seed) gives the "observed τ
 *    distribution" of Eq. 26: on the simulated server a run started in its stationary regime, on
 *    threads a real-thread run whose start (4× the updates until every worker has pushed once) is
 *    discarded, as threads start cold;
 *  - both arms of a run share its seed (start point and minibatch streams);
 *  - a run ends once the loss is at the threshold (stopAtLoss of both servers), so its lowest and
 *    last loss in the per-run table are those of the run as far as it went.
 * Simulated runs are deterministic in the seed and run on the worker pool (parallelMap), so the
 * numbers do not depend on the thread count; real-thread runs vary with the scheduler.
 */
import { adaptiveStep, type AdaptiveStep } from '../asgd/adaptive-step.ts';
import type { FiniteSumObjective } from '../asgd/objective.ts';
import { cnnInitialPoint, type CnnObjective } from '../asgd/objectives/cnn.ts';
import { mlpInitialPoint, type MlpObjective } from '../asgd/objectives/mlp.ts';
import { objectiveFromSpec, type ObjectiveSpec } from '../asgd/objectives/spec.ts';
import { type ComputeTimeSpec, runParameterServer } from '../asgd/parameter-server.ts';
import { runThreadedServer } from '../asgd/threaded-server.ts';
import { ServerThreadPool } from '../asgd/threaded-server-pool.ts';
import { ConfigError } from '../core/errors.ts';
import { parallelMap } from '../stats/parallel-map.ts';
import type { Fig3Study } from './mindthestep-fig3-config.ts';
import { censoredMean, type CensoredMean, epochsToThreshold, speedupRatio, type SpeedupRatio } from './mindthestep-fig3-stats.ts';
import { firstPushComplete, simulateStaleness, WARMUP_MULTIPLE } from './staleness.ts';

/**
 * The arms: AsyncPSGD at the constant step α_c, MindTheStep-AsyncPSGD with α(τ) of Eq. 17, and (with
 * `capControl`) AsyncPSGD at the constant step capMultiple·α_c.
 */
export const FIG3_ARMS = ['constant', 'eq17', 'constant-cap'] as const;
/** One of {@link FIG3_ARMS}. */
export type Fig3Arm = (typeof FIG3_ARMS)[number];

/** One simulated training run as plain data (a parallelMap task). */
export interface Fig3RunTask {
  objective: ObjectiveSpec;
  x0: 'seeded' | 'zero';
  m: number;
  arm: Fig3Arm;
  seed: number;
  pilotSeed: number;
  pilotUpdates: number;
  alphaC: number;
  K: number;
  capMultiple: number;
  dropAbove: number;
  batchSize: number;
  maxEpochs: number;
  threshold: number;
  computeTime: ComputeTimeSpec;
}

/**
 * One training run: its setting, the epochs to the threshold (Infinity: censored), the status
 * ('ok', 'diverged', 'time-limit'), the lowest and last training loss, gradients computed per
 * applied update, the mean staleness of the applied gradients, and for the MindTheStep arm the
 * mean multiplier E_τ[α(τ)]/α_c reached over the pilot's staleness (1 unless the cap prevents it).
 */
export interface Fig3RunRecord {
  model: string;
  server: 'simulated' | 'threads';
  m: number;
  arm: Fig3Arm;
  run: number;
  seed: number;
  epochs: number;
  status: string;
  lowest: number;
  last: number;
  computedPerApplied: number;
  meanStaleness: number;
  meanScale: number;
}

/** One (model, server, m) row of the summary: both arms' epochs and the speed-up constant / MindTheStep. */
export interface Fig3SummaryRow {
  model: string;
  server: 'simulated' | 'threads';
  m: number;
  constant: CensoredMean;
  eq17: CensoredMean;
  speedup: SpeedupRatio;
  /** With capControl: AsyncPSGD at capMultiple·α_c, and the speed-up constant / that control; null without. */
  control: CensoredMean | null;
  controlSpeedup: SpeedupRatio | null;
  /** With capControl: the speed-up of MindTheStep over that control (> 1: faster than the cap's constant step); null without. */
  overControl: SpeedupRatio | null;
  /** E_τ[α(τ)]/α_c reached by the normalisation (1 unless the cap prevents it). */
  meanScale: number;
  /** MindTheStep arm: gradients computed per applied update, mean over the runs. */
  computedPerApplied: number;
}

/** What each model trains on: n, updates per epoch, the budget, and the objective's own description. */
export interface Fig3StudySetup {
  model: string;
  n: number;
  dim: number;
  batchSize: number;
  updatesPerEpoch: number;
  maxEpochs: number;
  description: string;
}

/** The study's result ({@link runFig3Study}): the validated config, every run, the summary rows, the setups. */
export interface Fig3StudyResult {
  study: Fig3Study;
  setups: Fig3StudySetup[];
  runs: Fig3RunRecord[];
  rows: Fig3SummaryRow[];
}

// per thread: the objective of each spec and the steps of each pilot, built once
const objectives = new Map<string, FiniteSumObjective>();
const pilotSteps = new Map<string, AdaptiveStep | null>();

function objectiveOf(spec: ObjectiveSpec, field = 'objective'): FiniteSumObjective {
  const key = JSON.stringify(spec);
  let obj = objectives.get(key);
  if (!obj) {
    obj = objectiveFromSpec(spec, field);
    objectives.set(key, obj);
  }
  return obj;
}

/**
 * The seeded start point of a model: the objective's own `initialPoint(seed)` when it has one, else
 * the LeCun-style initializer of the CNN (cnnInitialPoint) or of the MLP (mlpInitialPoint);
 * undefined for any other objective.
 */
export function seededInitialPoint(obj: FiniteSumObjective, seed: number): Float64Array | undefined {
  const o = obj as Partial<MlpObjective> & { initialPoint?: (seed: number) => Float64Array };
  if (typeof o.initialPoint === 'function') return o.initialPoint(seed);
  // the CNN: its image and architecture fields (cnnObjective)
  const cnn = obj as Partial<CnnObjective>;
  if (Array.isArray(cnn.channels) && typeof cnn.kernel === 'number' && typeof cnn.height === 'number' && typeof cnn.width === 'number') return cnnInitialPoint(obj as CnnObjective, seed);
  // the MLP: recognised by its parameter count h·d + h + C·h + C (another model with a hidden width is not one)
  const { hidden: h, features: d, classes: C } = o;
  if (typeof h === 'number' && typeof d === 'number' && typeof C === 'number' && typeof o.initScale === 'number' && obj.dim === h * d + h + C * h + C) return mlpInitialPoint(obj as MlpObjective, seed);
  return undefined;
}

function startPoint(obj: FiniteSumObjective, x0: 'seeded' | 'zero', seed: number): Float64Array | number {
  return x0 === 'zero' ? 0 : seededInitialPoint(obj, seed)!;
}

/**
 * MindTheStep's step of the protocol for m workers: Eq. 17 (K, λ = m, α = α_c), normalised over the
 * observed staleness (Eq. 26) with the cap and the drop inside the mean; null when no observed τ
 * that is kept has α(τ) > 0 (the arm could apply nothing).
 */
export function fig3Step(m: number, p: { alphaC: number; K: number; capMultiple: number; dropAbove: number }, observed: ArrayLike<number>): AdaptiveStep | null {
  try {
    return adaptiveStep({ kind: 'poisson-momentum', K: p.K, lambda: m }, p.alphaC, { normalizeOver: observed, cap: p.capMultiple, dropAbove: p.dropAbove });
  } catch (e) {
    if (e instanceof ConfigError && e.message.includes('not positive for any observed')) return null;
    throw e;
  }
}

function simulatedStep(t: Fig3RunTask): AdaptiveStep | null {
  const key = JSON.stringify([t.m, t.pilotSeed, t.pilotUpdates, t.computeTime, t.alphaC, t.K, t.capMultiple, t.dropAbove]);
  if (!pilotSteps.has(key)) {
    const observed = simulateStaleness({ workers: t.m, computeTime: t.computeTime, updates: t.pilotUpdates, replicates: 1, seed: t.pilotSeed }).staleness;
    pilotSteps.set(key, fig3Step(t.m, t, observed));
  }
  return pilotSteps.get(key)!;
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
};
const lowestOf = (F: ArrayLike<number>) => {
  let lo = Infinity;
  for (let i = 0; i < F.length; i++) if (F[i] < lo) lo = F[i];
  return lo;
};

/** One simulated run (the function parallelMap calls on every thread); deterministic in the task. */
export function fig3SimulatedRun(t: Fig3RunTask): Omit<Fig3RunRecord, 'model' | 'server' | 'run'> {
  const obj = objectiveOf(t.objective);
  const upe = Math.ceil(obj.n / t.batchSize);
  const step = t.arm === 'eq17' ? simulatedStep(t) : undefined;
  if (step === null) return { m: t.m, arm: t.arm, seed: t.seed, epochs: Infinity, status: 'no-step', lowest: NaN, last: NaN, computedPerApplied: Infinity, meanStaleness: NaN, meanScale: 0 };
  const r = runParameterServer(
    {
      objective: obj,
      x0: startPoint(obj, t.x0, t.seed),
      workers: t.m,
      batchSize: t.batchSize,
      mode: 'async',
      computeTime: t.computeTime,
      optimizer: { kind: 'sgd', lr: t.arm === 'constant-cap' ? t.capMultiple * t.alphaC : t.alphaC },
      ...(step ? { stepScale: (tau: number) => step.scale(tau), dropAbove: t.dropAbove } : {}),
      updates: t.maxEpochs * upe,
      saveEvery: upe,
      stopAtLoss: t.threshold, // the measure needs the run only until the threshold
    },
    { seed: t.seed },
  );
  return {
    m: t.m,
    arm: t.arm,
    seed: t.seed,
    epochs: epochsToThreshold(r.updates, r.F, t.threshold, upe),
    status: r.status,
    lowest: lowestOf(r.F),
    last: r.F[r.F.length - 1],
    computedPerApplied: (r.staleness.length + r.dropped) / r.staleness.length,
    meanStaleness: mean(r.staleness),
    meanScale: step ? step.meanScale! : 1,
  };
}

/** The staleness of a real-thread pilot run at the constant step, after its cold start (Eq. 26's observed τ). */
async function threadedPilot(study: Fig3Study, model: Fig3Study['models'][number], obj: FiniteSumObjective, m: number, seed: number, pool: ServerThreadPool): Promise<Int32Array> {
  const r = await runThreadedServer({ objective: model.objective, x0: startPoint(obj, model.x0, seed), workers: m, batchSize: model.batchSize, mode: 'async', optimizer: { kind: 'sgd', lr: study.alphaC }, updates: study.pilotUpdates, saveEvery: study.pilotUpdates, maxSeconds: study.threadMaxSeconds }, { seed, pool });
  const j = firstPushComplete(r.worker, m);
  const warmup = Math.min(Math.floor(r.staleness.length / 2), WARMUP_MULTIPLE * (j < 0 ? r.staleness.length : j));
  return r.staleness.slice(warmup);
}

/** The arms a study runs: the paper's two, and the control at the cap with `capControl`. */
export function fig3StudyArms(study: Pick<Fig3Study, 'capControl'>): readonly Fig3Arm[] {
  return study.capControl ? FIG3_ARMS : FIG3_ARMS.slice(0, 2);
}

/** Seeds: run r of model i shares its seed across servers, m and arms; pilots have their own. */
const runSeed = (study: Fig3Study, i: number, r: number) => study.seed + 7919 * i + 101 * r + 1;
const pilotSeed = (study: Fig3Study, i: number, m: number, server: number) => study.seed + 7919 * i + 50_000 + 1000 * server + m;

/**
 * Build and check every model of the study (its objective, its seeded start, its batch against n)
 * and say what each trains on; the CLI calls it before any output is staged, {@link runFig3Study}
 * before any training. Objectives are built once per process (cached).
 *
 * @throws {@link ConfigError} `models[i].objective` (an invalid spec, or the optional `mnist` package
 * missing), `models[i].x0` ('seeded' for a model without an initializer), `models[i].batchSize` (> n).
 */
export function fig3Setups(study: Fig3Study): Fig3StudySetup[] {
  return study.models.map((model, i) => {
    const obj = objectiveOf(model.objective, `models[${i}].objective`);
    if (model.batchSize > obj.n) throw new ConfigError(`models[${i}].batchSize`, `must be <= n = ${obj.n}, got ${model.batchSize}`);
    if (model.x0 === 'seeded' && !seededInitialPoint(obj, 1)) throw new ConfigError(`models[${i}].x0`, "'seeded' needs a model with an initializer (an MLP, or an objective with initialPoint(seed)); use 'zero'");
    return { model: model.name, n: obj.n, dim: obj.dim, batchSize: model.batchSize, updatesPerEpoch: Math.ceil(obj.n / model.batchSize), maxEpochs: model.maxEpochs, description: (obj as { description?: string }).description ?? JSON.stringify(model.objective) };
  });
}

/**
 * Run the study: every model's simulated runs on the worker pool (`threads`, default all cores),
 * then its real-thread runs one after the other on one pool of threads. `onProgress` gets a line
 * per stage. Every model's objective (and seeded start) is built and checked before any training.
 *
 * @throws {@link ConfigError} as {@link fig3Setups}, before any training.
 * @example
 * ```ts
 * import { prepareFig3Study, runFig3Study } from 'asgd-sdde';
 *
 * // a toy version: a small MLP on generated data, m = 2 on the simulated server only, 2 runs
 * const study = prepareFig3Study({ kind: 'mindthestep-fig3', alphaC: 0.05, threshold: 0.9, runs: 2, pilotUpdates: 300,
 *   models: [{ name: 'toy MLP', objective: { kind: 'mlp', n: 120, d: 4, hidden: 6, classes: 3, l2: 0, seed: 1 },
 *              batchSize: 8, maxEpochs: 6, workers: [2], threadWorkers: [] }] });
 * const result = await runFig3Study(study, { threads: 1 });
 * console.log(result.runs.length, result.rows.length); // 2 arms × 2 runs, one row (m = 2)
 * //> 4 1
 * ```
 */
export async function runFig3Study(study: Fig3Study, options: { threads?: number; onProgress?: (message: string) => void } = {}): Promise<Fig3StudyResult> {
  const setups = fig3Setups(study);
  const runs: Fig3RunRecord[] = [];
  // simulated: all tasks of all models at once, results in task order
  const tasks: Fig3RunTask[] = [];
  const where: { model: string; run: number }[] = [];
  study.models.forEach((model, i) => {
    for (const m of model.workers)
      for (const arm of fig3StudyArms(study))
        for (let r = 0; r < study.runs; r++) {
          tasks.push({ objective: model.objective, x0: model.x0, m, arm, seed: runSeed(study, i, r), pilotSeed: pilotSeed(study, i, m, 0), pilotUpdates: study.pilotUpdates, alphaC: study.alphaC, K: study.K, capMultiple: study.capMultiple, dropAbove: study.dropAbove, batchSize: model.batchSize, maxEpochs: model.maxEpochs, threshold: study.threshold, computeTime: study.computeTime });
          where.push({ model: model.name, run: r });
        }
  });
  if (tasks.length) {
    options.onProgress?.(`simulated server: ${tasks.length} training runs`);
    const out = await parallelMap<Fig3RunTask, Omit<Fig3RunRecord, 'model' | 'server' | 'run'>>(tasks, { module: import.meta.url, name: 'fig3SimulatedRun' }, options.threads ? { threads: options.threads } : {});
    out.forEach((o, k) => runs.push({ model: where[k].model, server: 'simulated', run: where[k].run, ...o }));
  }
  const largest = Math.max(0, ...study.models.flatMap((m) => m.threadWorkers));
  if (largest > 0) {
    const pool = new ServerThreadPool(largest);
    try {
      for (const [i, model] of study.models.entries()) {
        const obj = objectiveOf(model.objective);
        const upe = setups[i].updatesPerEpoch;
        for (const m of model.threadWorkers) {
          options.onProgress?.(`real threads: ${model.name}, m = ${m} (pilot and ${fig3StudyArms(study).length * study.runs} runs)`);
          const step = fig3Step(m, study, await threadedPilot(study, model, obj, m, pilotSeed(study, i, m, 1), pool));
          for (const arm of fig3StudyArms(study)) {
            for (let r = 0; r < study.runs; r++) {
              const seed = runSeed(study, i, r);
              const s = arm === 'eq17' ? step : undefined;
              if (s === null) {
                runs.push({ model: model.name, server: 'threads', m, arm, run: r, seed, epochs: Infinity, status: 'no-step', lowest: NaN, last: NaN, computedPerApplied: Infinity, meanStaleness: NaN, meanScale: 0 });
                continue;
              }
              const res = await runThreadedServer(
                { objective: model.objective, x0: startPoint(obj, model.x0, seed), workers: m, batchSize: model.batchSize, mode: 'async', optimizer: { kind: 'sgd', lr: arm === 'constant-cap' ? study.capMultiple * study.alphaC : study.alphaC }, updates: model.maxEpochs * upe, saveEvery: upe, maxSeconds: study.threadMaxSeconds, stopAtLoss: study.threshold, ...(s ? { stepScale: (tau: number) => s.scale(tau), dropAbove: study.dropAbove } : {}) },
                { seed, pool },
              );
              const applied = res.staleness.length;
              const dropped = res.dropped.reduce((a, v) => a + v, 0);
              runs.push({ model: model.name, server: 'threads', m, arm, run: r, seed, epochs: epochsToThreshold(res.updates, res.F, study.threshold, upe), status: res.status, lowest: lowestOf(res.F), last: res.F[res.F.length - 1], computedPerApplied: (applied + dropped) / applied, meanStaleness: mean(res.staleness), meanScale: s ? s.meanScale! : 1 });
            }
          }
        }
      }
    } finally {
      await pool.close();
    }
  }
  return { study, setups, runs, rows: summarizeFig3Runs(study, setups, runs) };
}

/** The summary rows of a set of runs, in the order (model, server, m) of the config. */
export function summarizeFig3Runs(study: Pick<Fig3Study, 'models' | 'capControl'>, setups: readonly Fig3StudySetup[], runs: readonly Fig3RunRecord[]): Fig3SummaryRow[] {
  const rows: Fig3SummaryRow[] = [];
  study.models.forEach((model, i) => {
    for (const [server, ms] of [['simulated', model.workers], ['threads', model.threadWorkers]] as const) {
      for (const m of ms) {
        const of = (arm: Fig3Arm) => runs.filter((r) => r.model === model.name && r.server === server && r.m === m && r.arm === arm);
        const c = censoredMean(of('constant').map((r) => r.epochs), setups[i].maxEpochs);
        const a = censoredMean(of('eq17').map((r) => r.epochs), setups[i].maxEpochs);
        const k = study.capControl ? censoredMean(of('constant-cap').map((r) => r.epochs), setups[i].maxEpochs) : null;
        rows.push({ model: model.name, server, m, constant: c, eq17: a, speedup: speedupRatio(c, a), control: k, controlSpeedup: k ? speedupRatio(c, k) : null, overControl: k ? speedupRatio(k, a) : null, meanScale: mean(of('eq17').map((r) => r.meanScale)), computedPerApplied: mean(of('eq17').map((r) => r.computedPerApplied)) });
      }
    }
  });
  return rows;
}
