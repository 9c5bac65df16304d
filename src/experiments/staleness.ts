/**
 * Staleness as it emerges from a simulated parameter server (MindTheStep Section VI, Table I and
 * Fig. 2; Aji & Heafield Section 2.3): run m workers, collect the staleness of every applied
 * gradient, and fit geometric, uniform, Poisson and CMP models by Bhattacharyya distance.
 *
 * The staleness of an asynchronous server depends only on the compute times and the
 * accumulation settings, not on the gradients' values, so the simulation runs the cheapest
 * objective (the toy, b = 1) unless the caller passes one.
 */
import type { FiniteSumObjective } from '../asgd/objective.ts';
import { toyObjective } from '../asgd/objectives/toy.ts';
import { type ComputeTimeSpec, runParameterServer } from '../asgd/parameter-server.ts';
import { integer, knownFields, oneOf, plainObject } from '../core/validate.ts';
import { fitStalenessModels, type ModelFit } from '../delay/fit.ts';

export interface StalenessSimulationSpec {
  workers: number;
  computeTime: ComputeTimeSpec;
  updates: number;
  mode?: 'async' | 'sync';
  localAccumulation?: number;
  globalAccumulation?: number;
  pullEvery?: number;
  seed?: number;
  /** Updates discarded at the start; default ⌈m/G⌉ (the first m pushes, pulled at version 0), 0 in sync mode. */
  warmup?: number;
  objective?: FiniteSumObjective;
}

export interface StalenessSimulation {
  spec: StalenessSimulationSpec;
  staleness: Int32Array;
  mean: number;
  /** Standard error of the mean by batch means (20 batches): successive staleness values are correlated. */
  meanSe: number;
  /** P[τ = i], i = 0..max. */
  histogram: Float64Array;
  fits: ModelFit[];
  /** The m of the CMP line search λ = m^ν: the worker count for plain async, round(mean τ) + 1 otherwise. */
  cmpWorkers: number;
  /** Simulated time per update. */
  timePerUpdate: number;
}

const FIELDS = ['workers', 'computeTime', 'updates', 'mode', 'localAccumulation', 'globalAccumulation', 'pullEvery', 'seed', 'warmup', 'objective'];

/** Mean and batch-means SE of a correlated series (B batches). */
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

export function simulateStaleness(spec: StalenessSimulationSpec): StalenessSimulation {
  const s = plainObject(spec, 'staleness');
  knownFields(s, 'staleness', FIELDS);
  const m = integer(s.workers, 'staleness.workers', { min: 1, max: 100_000 });
  const updates = integer(s.updates, 'staleness.updates', { min: 10, max: 100_000_000 });
  const mode = s.mode === undefined ? 'async' : oneOf(s.mode, 'staleness.mode', ['async', 'sync'] as const);
  const G = s.globalAccumulation === undefined ? 1 : integer(s.globalAccumulation, 'staleness.globalAccumulation', { min: 1, max: 1_000_000 });
  // the start-up transient: the first m pushes (every worker's first gradient was pulled at
  // version 0), i.e. ⌈m/G⌉ updates; synchronous rounds have none (τ cycles 0 … U−1 from the start)
  const warmup = s.warmup === undefined ? (mode === 'sync' ? 0 : Math.min(Math.floor(updates / 2), Math.ceil(m / G))) : integer(s.warmup, 'staleness.warmup', { min: 0, max: updates - 1 });
  const objective = spec.objective ?? toyObjective();
  const r = runParameterServer(
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
      updates,
      saveEvery: updates,
    },
    { seed: spec.seed ?? 0 },
  );
  if (r.status !== 'ok') throw new Error(`staleness simulation: the server ended with status ${r.status}`); // lr 1e-9 on the toy: a bug, not input
  // drop the gradients of the first `warmup` updates: nothing is dropped here, so every update
  // applied exactly G (async) or m (sync) gradients
  const staleness = r.staleness.slice(warmup * (mode === 'sync' ? m : G));
  const { mean, se } = batchMeans(staleness);
  // Eq. 13 ties the CMP mode to the worker count (λ^{1/ν} = m) for plain asynchronous SGD; with
  // accumulation or in synchronous mode the staleness is not centred near m − 1, so the line
  // search uses the worker count whose plain-async mode would be the observed mean
  const cmpWorkers = mode === 'async' && G === 1 ? m : Math.max(1, Math.round(mean) + 1);
  const fits = fitStalenessModels(staleness, cmpWorkers);
  const histogram = fits.find((f) => f.model === 'empirical')!.pmf;
  return { spec, staleness, mean, meanSe: se, histogram, fits, cmpWorkers, timePerUpdate: r.time[r.time.length - 1] / updates };
}
