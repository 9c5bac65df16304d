/**
 * Sweeps: a grid over any fields of an experiment config (dotted paths such as "asgd.eta" or
 * "asgd.delay.lag"), one ensemble per point, one CSV row per point.
 *
 * - Points are the Cartesian product of the grid in a fixed order (the first key varies slowest);
 *   every point is validated before any work. A zipped key "a.b,c.d" with values [[a1, c1], …]
 *   sets several fields together (e.g. K and η = 1/K for He et al.'s δ = η = 1/K ladder).
 * - Every point uses the sweep's seed, so neighbouring points share random numbers (common random
 *   numbers: differences between points are not sampling noise of independent streams), and a
 *   point's result does not depend on which shard or run computed it.
 * - The CSV is rewritten atomically after each point, so a sweep killed and restarted with the same
 *   output directory resumes: finished points are kept, none is recomputed, lost or duplicated.
 *   Each kept row is checked first (`badRow`): a row that is not exactly what this sweep would
 *   have written for its point is dropped and the point recomputed.
 * - `--shard i/n` computes the points with index ≡ i (mod n); `merge` joins the shards' CSVs.
 */
import { ConfigError, describe as describeValue } from '../core/errors.ts';
import { checkJsonTree, setDottedPath, splitDottedPath } from '../core/safe-keys.ts';
import { integer, knownFields, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { seedOrFresh } from '../core/seed.ts';
import { prepareExperiment } from '../experiments/config.ts';
import { runEnsemble } from '../stats/ensemble.ts';
import { configEnsemble, type EnsembleRun } from '../experiments/ensemble-source.ts';
import { wasserstein1 } from '../stats/wasserstein.ts';
import { mmdSquared } from '../stats/weak.ts';
import { Z95 } from '../stats/welford.ts';
import { refuseNoOpKeys } from './no-op.ts';

/**
 * The metrics a sweep computes per point: `approximation-error` (E‖x_K − X(t_K)‖ of a pair),
 * `weak-error` (W1 of the final laws, 1-D), `weak-mmd` (MMD² of the final laws), `final-loss`
 * (E F(x_K) − F*) and `time-to-eps` (first saved k with E‖x_k − x*‖² ≤ eps).
 */
export const METRICS = ['approximation-error', 'weak-error', 'weak-mmd', 'final-loss', 'time-to-eps'] as const;
/**
 * One of {@link METRICS}.
 */
export type Metric = (typeof METRICS)[number];

/** A value of a JSON config (what a sweep's grid holds and its rows report). */
export type JsonValue = number | string | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The base of a sweep: an experiment config of kind "asgd" or "pair", as for `asgd-sdde run`
 * (the sections' fields are those of the config files, validated by `prepareSweep`).
 */
export type SweepBase =
  | { kind: 'asgd'; asgd: { [key: string]: JsonValue }; seed?: number; description?: string }
  | { kind: 'pair'; asgd: { [key: string]: JsonValue }; bridge: { [key: string]: JsonValue }; seed?: number; description?: string };

/**
 * A sweep: a `base` experiment config (kind 'asgd' or 'pair', as for `asgd-sdde run`), a `grid` of
 * dotted field paths → values (the Cartesian product, first key slowest; a zipped key "a.b,c.d" sets
 * several fields together), the `metric`, `paths` per point (≥ 2), `eps` (time-to-eps), and one `seed`
 * for every point (common random numbers; default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`; the CLI's default is 1).
 */
export interface SweepSpec {
  /** An experiment config (kind "asgd" or "pair", as for `asgd-sdde run`). */
  base: SweepBase;
  /** Dotted field paths of `base` (or zipped "a.b,c.d") → the values to try. */
  grid: Record<string, JsonValue[]>;
  /**
   * What each point computes (see {@link METRICS}).
   */
  metric: Metric;
  /** Paths per point. */
  paths: number;
  /** time-to-eps: the threshold on E‖x_k − x*‖². */
  eps?: number;
  /** One seed for every point (common random numbers); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed` (the CLI's default is 1). */
  seed?: number;
  /** A sentence for the caption and the result files. */
  description?: string;
}

/**
 * A validated sweep ({@link prepareSweep}): its keys, every point's config (validated), the ensemble run
 * and the seed.
 */
export interface PreparedSweep {
  spec: SweepSpec;
  keys: string[];
  points: { index: number; values: JsonValue[]; config: unknown }[];
  run: EnsembleRun;
  seed: number;
}

/**
 * Validate a sweep spec and every one of its points before any work (each key must change the run).
 *
 * @throws {@link ConfigError} `sweep.grid` (empty, a value list that is not a non-empty array, a zipped
 * value of the wrong length, a key that does not change the run), `sweep.metric`, `sweep.paths`,
 * `sweep.eps`, `sweep.seed`, `sweep.base.*` and each point's config fields.
 */
export function prepareSweep(input: unknown): PreparedSweep {
  checkJsonTree(input, 'sweep');
  const s = plainObject(input, 'sweep');
  knownFields(s, 'sweep', ['base', 'grid', 'metric', 'paths', 'eps', 'seed', 'description']);
  const base = plainObject(s.base, 'sweep.base');
  const grid = plainObject(s.grid, 'sweep.grid');
  const keys = Object.keys(grid);
  if (keys.length === 0) throw new ConfigError('sweep.grid', 'must name at least one field, e.g. {"asgd.eta": [0.01, 0.02]}');
  for (const k of keys) {
    // no __proto__ / constructor / prototype, no empty segment (in every field of a zipped key)
    for (const q of k.split(',')) splitDottedPath(q.trim(), `sweep.grid[${JSON.stringify(k)}]`);
    const v = grid[k];
    if (!Array.isArray(v) || v.length === 0) throw new ConfigError(`sweep.grid.${k}`, `must be a non-empty array of values, got ${describeValue(v)}`);
    // a zipped key "a.b,c.d" sets several fields together: each value is an array with one entry per field
    const parts = k.split(',');
    if (parts.some((q) => q.trim() === '')) throw new ConfigError(`sweep.grid.${k}`, 'names an empty field');
    if (parts.length > 1) {
      v.forEach((x, i) => {
        if (!Array.isArray(x) || x.length !== parts.length) throw new ConfigError(`sweep.grid.${k}[${i}]`, `must be an array of ${parts.length} values (one per field of the zipped key), got ${describeValue(x)}`);
      });
    }
  }
  const metric = oneOf(s.metric, 'sweep.metric', METRICS);
  const paths = integer(s.paths, 'sweep.paths', { min: 2, max: 10_000_000 });
  const seed = seedOrFresh(s.seed, 'sweep.seed');
  const eps = metric === 'time-to-eps' ? positiveNumber(s.eps, 'sweep.eps') : undefined;
  if (metric !== 'time-to-eps' && s.eps !== undefined) throw new ConfigError('sweep.eps', 'is only used with the metric "time-to-eps"');
  const run: EnsembleRun = metric === 'approximation-error' || metric === 'weak-error' || metric === 'weak-mmd' ? 'pair' : 'asgd';
  if (run === 'pair' && base.kind !== 'pair') throw new ConfigError('sweep.base.kind', `the metric "${metric}" needs a "pair" config, got ${describeValue(base.kind)}`);
  if (run === 'asgd' && base.kind !== 'asgd' && base.kind !== 'pair') throw new ConfigError('sweep.base.kind', `the metric "${metric}" needs an "asgd" or "pair" config, got ${describeValue(base.kind)}`);
  const total = keys.reduce((n, k) => n * (grid[k] as unknown[]).length, 1);
  if (total > 100_000) throw new ConfigError('sweep.grid', `has ${total} points; at most 100 000`);
  const points: PreparedSweep['points'] = [];
  for (let index = 0; index < total; index++) {
    let r = index;
    const values: JsonValue[] = new Array(keys.length);
    for (let j = keys.length - 1; j >= 0; j--) {
      const vs = grid[keys[j]] as JsonValue[]; // checkJsonTree: JSON values only
      values[j] = vs[r % vs.length];
      r = Math.floor(r / vs.length);
    }
    const config = structuredClone(base);
    keys.forEach((k, j) => {
      const field = `sweep.grid[${JSON.stringify(k)}]`;
      const parts = k.split(',');
      if (parts.length === 1) setDottedPath(config, k, values[j], field);
      else parts.forEach((q, m) => setDottedPath(config, q.trim(), (values[j] as unknown[])[m], field));
    });
    // every point is validated now, before any work; the message names the point
    const where = `sweep.grid (point ${index}: ${keys.map((k, j) => `${k} = ${JSON.stringify(values[j])}`).join(', ')})`;
    try {
      const prepared = prepareExperiment(config, seed);
      // what the metric needs of the point, checked now rather than after its ensemble ran
      if (prepared.kind === 'sdde') throw new ConfigError('kind', `a sweep runs "asgd" or "pair" configs, got "sdde"`);
      if (run === 'pair' && prepared.kind !== 'pair') throw new ConfigError('kind', `the metric "${metric}" needs a "pair" config, got ${describeValue(prepared.kind)}`);
      const obj = prepared.asgd.objective;
      if (metric === 'weak-error' && obj.dim !== 1) throw new ConfigError('asgd.objective', `the metric "weak-error" (Wasserstein-1 of the final states) needs a 1-D problem; this objective has d = ${obj.dim}`);
      if (metric === 'time-to-eps' && !obj.minimizer) throw new ConfigError('asgd.objective', `the metric "time-to-eps" needs an objective with a known minimizer; ${obj.name} has none`);
      if (metric === 'final-loss' && !obj.minimizer && obj.minimum === undefined) throw new ConfigError('asgd.objective', `the metric "final-loss" needs an objective with a known minimum or minimizer; ${obj.name} has neither`);
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(`${where} → ${e.field}`, e.reason);
      throw e;
    }
    points.push({ index, values, config });
  }
  refuseNoOpKeys(keys, points, grid as Record<string, unknown[]>);
  // checkJsonTree above: the base and the grid hold JSON values only
  return { spec: { base: base as SweepBase, grid: grid as Record<string, JsonValue[]>, metric, paths, ...(eps !== undefined ? { eps } : {}), seed }, keys, points, run, seed };
}

/**
 * One row of a sweep: the point's index and grid values, the metric with its standard error (empty when
 * any path diverged), the diverged count and the seconds taken.
 */
export interface PointResult {
  point: number;
  /** The point's grid values, one per grid key (in the grid's key order). */
  values: JsonValue[];
  metric: number;
  se: number;
  /** Paths that diverged; when > 0 the metric is not computed (empty cell), never a mean of survivors. */
  diverged: number;
  seconds: number;
}

/** What a thread needs to compute one grid point (plain data: it is sent to worker threads). */
export interface PointJob {
  index: number;
  values: JsonValue[];
  config: unknown;
  run: EnsembleRun;
  metric: Metric;
  paths: number;
  seed: number;
  eps?: number;
}

/** The jobs of a prepared sweep (all points, or the given subset). */
export function pointJobs(sw: PreparedSweep, points: PreparedSweep['points'] = sw.points): PointJob[] {
  return points.map((p) => ({ index: p.index, values: p.values, config: p.config, run: sw.run, metric: sw.spec.metric, paths: sw.spec.paths, seed: sw.seed, ...(sw.spec.eps !== undefined ? { eps: sw.spec.eps } : {}) }));
}

/** One grid point: its ensemble and the metric with its standard error (NaN: not reached / not defined). */
export async function runPoint(job: PointJob, threads?: number, signal?: AbortSignal): Promise<PointResult> {
  const t0 = performance.now();
  const { metric, paths, eps } = job;
  const ens = await runEnsemble(configEnsemble(job.config, job.run), { paths, seed: job.seed, keepFinals: metric === 'weak-error' || metric === 'weak-mmd', ...(threads ? { threads } : {}), ...(signal ? { signal } : {}) });
  const last = ens.k.length - 1;
  let value = NaN;
  let se = NaN;
  const diverged = Object.values(ens.series).reduce((n, sr) => Math.max(n, sr.diverged), 0);
  if (diverged > 0) return { point: job.index, values: job.values, metric: NaN, se: NaN, diverged, seconds: (performance.now() - t0) / 1000 };
  if (metric === 'approximation-error') {
    value = ens.distance!.meanAt(last);
    se = ens.distance!.standardError(last);
  } else if (metric === 'weak-error') {
    const a = ens.series.asgd.finals!;
    const s = ens.series.sdde.finals!;
    const d = ens.dim;
    if (d !== 1) throw new ConfigError('sweep.metric', 'weak-error (Wasserstein-1 of the final states) needs a 1-D problem; use "weak-mmd" in d dimensions');
    value = wasserstein1(a.filter(Number.isFinite), s.filter(Number.isFinite));
  } else if (metric === 'weak-mmd') {
    // unbiased MMD² between the laws of x_K and X(t_K) (Gaussian kernel, median bandwidth), jackknife SE
    const r = mmdSquared(ens.series.asgd.finals!, ens.series.sdde.finals!, ens.dim);
    value = r.mmd2;
    se = r.se;
  } else if (metric === 'final-loss') {
    const g = ens.series.asgd.gap;
    if (g) {
      value = g.meanAt(last);
      se = g.standardError(last);
    } else {
      const q = ens.series.asgd.sqdist!;
      value = q.meanAt(last);
      se = q.standardError(last);
    }
  } else {
    const q = ens.series.asgd.sqdist;
    if (!q) throw new ConfigError('sweep.metric', 'time-to-eps needs an objective with a known minimizer');
    for (let i = 0; i < ens.k.length; i++) {
      if (q.meanAt(i) <= eps!) {
        value = ens.k[i];
        break;
      }
    }
  }
  return { point: job.index, values: job.values, metric: value, se, diverged: 0, seconds: (performance.now() - t0) / 1000 };
}

export function parseShard(v: string | undefined): { i: number; n: number } {
  if (v === undefined) return { i: 0, n: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new ConfigError('--shard', `must be i/n with 0 ≤ i < n, got ${JSON.stringify(v)}`);
  return { i: Number(m[1]), n: Number(m[2]) };
}

export { Z95 };
