/**
 * The configuration of the MindTheStep Fig. 3 study (Bäckström et al. 2019, Section VI) and its
 * validation. The protocol's constants are fields with the paper's values as defaults: the
 * constant step α_c = 0.01 of AsyncPSGD; MindTheStep's Eq. 17 with α = α_c, K = 1 and λ = m; the cap
 * α(τ) ≤ 5α_c; gradients with τ > 150 not applied; α(τ) normalised so that E_τ[α(τ)] = α_c over the
 * staleness observed in a pilot run of the same system (Eq. 26); epochs until the training loss
 * (cross-entropy) is ≤ 0.05; 5 runs per setting. What the paper does not fix (the data subset, the
 * batch, the epoch budget, the models) is given per model, so the study's cost is explicit.
 *
 * A model is any objective spec (`{"kind": "mnist", "model": "mlp", …}`, a CNN spec, a generated
 * classifier), so a new model needs no code here. Every field is checked before any work; a bad
 * one is a ConfigError naming it.
 */
import { ConfigError } from '../core/errors.ts';
import { checkJsonTree } from '../core/safe-keys.ts';
import { integer, knownFields, numberInRange, oneOf, plainObject, positiveNumber, seedValue } from '../core/validate.ts';
import { type ComputeTimeSpec, validateComputeTime } from '../asgd/parameter-server.ts';
import type { ObjectiveSpec } from '../asgd/objectives/spec.ts';

/** The `kind` a Fig. 3 study config carries. */
export const FIG3_STUDY_KIND = 'mindthestep-fig3';

/** The servers a model can run on: the simulated parameter server, real worker threads. */
export const FIG3_SERVERS = ['simulated', 'threads'] as const;

/**
 * One model of the study: what is trained (an objective spec), from where, with which batch, for
 * at most how many epochs, with which numbers of workers on the simulated server and on threads.
 */
export interface Fig3ModelConfig {
  /** Short name for tables, legends and the CSV (letters, digits, spaces, `-`, `.`), e.g. "MNIST MLP". */
  name: string;
  /** The objective as JSON (see ObjectiveSpec); it must be a classifier whose value is the cross-entropy the threshold applies to. */
  objective: ObjectiveSpec;
  /** Start point: 'seeded' (the model's seeded initializer: LeCun-style for the MLP, `initialPoint(seed)` of other models) or 'zero'. Default 'seeded'. */
  x0?: 'seeded' | 'zero';
  /** Minibatch size b; an epoch is ⌈n/b⌉ applied updates (the paper: ⌈|D|/b⌉ = 469). */
  batchSize: number;
  /** Epoch budget: a run that has not reached the threshold after this many epochs is censored. */
  maxEpochs: number;
  /** Worker counts m on the simulated server (default 2, 4, 8, 16, 32); [] for none. */
  workers?: number[];
  /** Worker counts m on real threads (default 2, 4, 8); [] for none. */
  threadWorkers?: number[];
}

/** A Fig. 3 study as written in its JSON config; every field but `kind` and `models` has the paper's value or a stated default. */
export interface Fig3StudyConfig {
  kind: typeof FIG3_STUDY_KIND;
  /** Free text, copied into the manifest. */
  description?: string;
  models: Fig3ModelConfig[];
  /** AsyncPSGD's constant step α_c; default 0.01. */
  alphaC?: number;
  /** Eq. 17's implicit momentum K; default 1. */
  K?: number;
  /** The cap α(τ) ≤ capMultiple·α_c; default 5. */
  capMultiple?: number;
  /** Gradients with τ above this are not applied (adaptive arm); default 150. */
  dropAbove?: number;
  /** Training loss threshold; default 0.05. */
  threshold?: number;
  /** Runs per (model, server, m, arm); default 5. */
  runs?: number;
  /** Compute-time law of the simulated workers; default normal(1, 0.2). */
  computeTime?: ComputeTimeSpec;
  /** Updates of the pilot run whose staleness normalises α(τ) (Eq. 26); default 5000 (on threads its cold start is discarded). */
  pilotUpdates?: number;
  /**
   * Also run AsyncPSGD at the constant step capMultiple·αc (the cap): a control that tells whether
   * MindTheStep is faster because of how it weighs staleness or only because the steps it applies
   * are larger (not in the paper); default false.
   */
  capControl?: boolean;
  /** Wall-clock limit of one real-thread run in seconds (a run stopped by it is censored); default 600. */
  threadMaxSeconds?: number;
  /** Master seed; default 1. */
  seed?: number;
}

/** A validated model: the config's fields with defaults filled in. */
export type Fig3Model = Required<Fig3ModelConfig>;

/** A validated study ({@link prepareFig3Study}): every default filled in. */
export interface Fig3Study {
  kind: typeof FIG3_STUDY_KIND;
  description: string;
  models: Fig3Model[];
  alphaC: number;
  K: number;
  capMultiple: number;
  dropAbove: number;
  threshold: number;
  runs: number;
  computeTime: ComputeTimeSpec;
  pilotUpdates: number;
  capControl: boolean;
  threadMaxSeconds: number;
  seed: number;
}

const FIELDS = ['kind', 'description', 'models', 'alphaC', 'K', 'capMultiple', 'dropAbove', 'threshold', 'runs', 'computeTime', 'pilotUpdates', 'capControl', 'threadMaxSeconds', 'seed'];
const MODEL_FIELDS = ['name', 'objective', 'x0', 'batchSize', 'maxEpochs', 'workers', 'threadWorkers'];

function workerList(v: unknown, field: string, fallback: number[], max: number): number[] {
  if (v === undefined) return fallback;
  if (!Array.isArray(v)) throw new ConfigError(field, `must be an array of worker counts, got ${JSON.stringify(v)}`);
  const out = v.map((m, i) => integer(m, `${field}[${i}]`, { min: 1, max }));
  if (new Set(out).size !== out.length) throw new ConfigError(field, `must not repeat a worker count, got ${JSON.stringify(v)}`);
  return out;
}

/**
 * Validate a Fig. 3 study config (the parsed JSON) and fill in the defaults; `seed` (e.g. from
 * `--seed`) replaces the config's. Nothing is built or run: the objectives are checked by the
 * runner, which builds each once before any training.
 *
 * @throws {@link ConfigError} naming the field: `kind`, `models` (empty, more than 4), `models[i].name`
 * (empty, repeated, other characters), `models[i].objective` (not an object; `kind: 'expression'`
 * cannot run on threads), `models[i].x0`, `models[i].batchSize`, `models[i].maxEpochs`,
 * `models[i].workers[j]` / `threadWorkers[j]` (not an integer in [1, 256] / [1, 64], repeated;
 * both empty), `alphaC`, `K`, `capMultiple` (< 1), `dropAbove`, `threshold`, `runs` (< 2: no
 * interval), `computeTime.*`, `pilotUpdates`, `capControl`, `threadMaxSeconds`, `seed`, unknown fields.
 * @example
 * ```ts
 * import { prepareFig3Study } from 'asgd-sdde';
 *
 * const study = prepareFig3Study({ kind: 'mindthestep-fig3', models: [{ name: 'toy MLP',
 *   objective: { kind: 'mlp', n: 200, d: 5, hidden: 8, classes: 3, seed: 1 }, batchSize: 8, maxEpochs: 20 }] });
 * console.log(study.alphaC, study.capMultiple, study.dropAbove, study.runs); // the paper's protocol, filled in
 * //> 0.01 5 150 5
 * ```
 */
export function prepareFig3Study(raw: unknown, seed?: number): Fig3Study {
  checkJsonTree(raw, '');
  const s = plainObject(raw, 'config');
  if (s.kind !== FIG3_STUDY_KIND) {
    const hint = s.kind === undefined && s.grid !== undefined ? ' (this looks like a sweep config: run it with the sweep command)' : '';
    throw new ConfigError('kind', `must be "${FIG3_STUDY_KIND}", got ${JSON.stringify(s.kind)}${hint}`);
  }
  knownFields(s, 'config', FIELDS);
  if (s.description !== undefined && typeof s.description !== 'string') throw new ConfigError('description', 'must be a string');
  if (!Array.isArray(s.models) || s.models.length === 0) throw new ConfigError('models', 'must be a non-empty array of models');
  if (s.models.length > 4) throw new ConfigError('models', `at most 4 models (the figure keeps its legend short), got ${s.models.length}`);
  const names = new Set<string>();
  const models: Fig3Model[] = s.models.map((mr, i) => {
    const f = `models[${i}]`;
    const m = plainObject(mr, f);
    knownFields(m, f, MODEL_FIELDS);
    if (typeof m.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 .-]{0,39}$/.test(m.name)) throw new ConfigError(`${f}.name`, `must be 1–40 letters, digits, spaces, '-' or '.', starting with a letter or digit, got ${JSON.stringify(m.name)}`);
    if (names.has(m.name)) throw new ConfigError(`${f}.name`, `repeats ${JSON.stringify(m.name)}`);
    names.add(m.name);
    const objective = plainObject(m.objective, `${f}.objective`) as unknown as ObjectiveSpec;
    if (objective.kind === 'expression') throw new ConfigError(`${f}.objective.kind`, 'expression objectives have no cross-entropy and cannot run on threads; use a classifier (mlp, softmax, mnist, …)');
    const x0 = m.x0 === undefined ? 'seeded' : oneOf(m.x0, `${f}.x0`, ['seeded', 'zero'] as const);
    const batchSize = integer(m.batchSize, `${f}.batchSize`, { min: 1, max: 1_000_000 });
    const maxEpochs = integer(m.maxEpochs, `${f}.maxEpochs`, { min: 1, max: 100_000 });
    const workers = workerList(m.workers, `${f}.workers`, [2, 4, 8, 16, 32], 256);
    const threadWorkers = workerList(m.threadWorkers, `${f}.threadWorkers`, [2, 4, 8], 64);
    if (workers.length + threadWorkers.length === 0) throw new ConfigError(`${f}.workers`, 'workers and threadWorkers are both empty: the model would not run');
    return { name: m.name, objective, x0, batchSize, maxEpochs, workers, threadWorkers };
  });
  const alphaC = s.alphaC === undefined ? 0.01 : positiveNumber(s.alphaC, 'alphaC');
  const K = s.K === undefined ? 1 : numberInRange(s.K, 'K', 0, 1e6);
  const capMultiple = s.capMultiple === undefined ? 5 : positiveNumber(s.capMultiple, 'capMultiple');
  if (capMultiple < 1) throw new ConfigError('capMultiple', `must be >= 1 (a cap below α_c could not meet E_τ[α(τ)] = α_c), got ${capMultiple}`);
  const dropAbove = s.dropAbove === undefined ? 150 : integer(s.dropAbove, 'dropAbove', { min: 0, max: 1_000_000 });
  const threshold = s.threshold === undefined ? 0.05 : positiveNumber(s.threshold, 'threshold');
  const runs = s.runs === undefined ? 5 : integer(s.runs, 'runs', { min: 2, max: 1000 });
  const computeTime = validateComputeTime(s.computeTime ?? { kind: 'normal', mean: 1, sd: 0.2 }, 'computeTime');
  const pilotUpdates = s.pilotUpdates === undefined ? 5000 : integer(s.pilotUpdates, 'pilotUpdates', { min: 100, max: 10_000_000 });
  if (s.capControl !== undefined && typeof s.capControl !== 'boolean') throw new ConfigError('capControl', `must be true or false, got ${JSON.stringify(s.capControl)}`);
  const capControl = s.capControl === true;
  const threadMaxSeconds = s.threadMaxSeconds === undefined ? 600 : positiveNumber(s.threadMaxSeconds, 'threadMaxSeconds');
  const master = seed ?? (s.seed === undefined ? 1 : seedValue(s.seed, 'seed'));
  return { kind: FIG3_STUDY_KIND, description: typeof s.description === 'string' ? s.description : '', models, alphaC, K, capMultiple, dropAbove, threshold, runs, computeTime, pilotUpdates, capControl, threadMaxSeconds, seed: master };
}
