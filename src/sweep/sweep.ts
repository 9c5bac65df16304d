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
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../core/canonical-json.ts';
import { ConfigError, describe as describeValue } from '../core/errors.ts';
import { checkJsonTree, setDottedPath, splitDottedPath } from '../core/safe-keys.ts';
import { integer, knownFields, oneOf, plainObject, positiveNumber, seedValue } from '../core/validate.ts';
import { prepareExperiment } from '../experiments/config.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { readInputText } from '../io/input-file.ts';
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

/**
 * A sweep: a `base` experiment config (kind 'asgd' or 'pair', as for `asgd-sdde run`), a `grid` of
 * dotted field paths → values (the Cartesian product, first key slowest; a zipped key "a.b,c.d" sets
 * several fields together), the `metric`, `paths` per point (≥ 2), `eps` (time-to-eps), and one `seed`
 * for every point (default 1: common random numbers).
 */
export interface SweepSpec {
  /** An experiment config (kind "asgd" or "pair", as for `asgd-sdde run`). */
  base: Record<string, unknown>;
  /** Dotted field paths of `base` (or zipped "a.b,c.d") → the values to try. */
  grid: Record<string, unknown[]>;
  /**
   * What each point computes (see {@link METRICS}).
   */
  metric: Metric;
  /** Paths per point. */
  paths: number;
  /** time-to-eps: the threshold on E‖x_k − x*‖². */
  eps?: number;
  /** One seed for every point (common random numbers); default 1. */
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
  points: { index: number; values: unknown[]; config: unknown }[];
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
  const seed = s.seed === undefined ? 1 : seedValue(s.seed, 'sweep.seed');
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
    const values: unknown[] = new Array(keys.length);
    for (let j = keys.length - 1; j >= 0; j--) {
      const vs = grid[keys[j]] as unknown[];
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
  return { spec: { base, grid: grid as Record<string, unknown[]>, metric, paths, ...(eps !== undefined ? { eps } : {}), seed }, keys, points, run, seed };
}

/**
 * One row of a sweep: the point's index and grid values, the metric with its standard error (empty when
 * any path diverged), the diverged count and the seconds taken.
 */
export interface PointResult {
  point: number;
  values: unknown[];
  metric: number;
  se: number;
  /** Paths that diverged; when > 0 the metric is not computed (empty cell), never a mean of survivors. */
  diverged: number;
  seconds: number;
}

/** What a thread needs to compute one grid point (plain data: it is sent to worker threads). */
export interface PointJob {
  index: number;
  values: unknown[];
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
export async function runPoint(job: PointJob, threads?: number): Promise<PointResult> {
  const t0 = performance.now();
  const { metric, paths, eps } = job;
  const ens = await runEnsemble(configEnsemble(job.config, job.run), { paths, seed: job.seed, keepFinals: metric === 'weak-error' || metric === 'weak-mmd', ...(threads ? { threads } : {}) });
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

// ---- CSV with atomic rewrite, resume and merge ----
// sweep.csv holds results only (same seed ⇒ the same bytes); wall-clock seconds per point go to
// sweep-timings.csv.

export function csvHeader(keys: string[], metric: Metric): string {
  return ['point', ...keys.map(quote), metric, `${metric}_se`, 'diverged', 'check'].join(',');
}

/**
 * The key of a sweep's rows: SHA-256 of its settings in canonical JSON (base config, grid, metric,
 * paths, eps, seed). Each row's `check` cell digests this key with the row's other cells, so a
 * resumed sweep keeps only rows computed with exactly these settings and left unedited.
 */
export function rowKey(sw: Pick<PreparedSweep, 'spec' | 'seed'>): string {
  return createHash('sha256').update(canonicalJson({ spec: sw.spec, seed: sw.seed })).digest('hex');
}

/** The `check` cell of a row: 16 hex digits of SHA-256(key, the row's other cells). */
function rowCheck(key: string, body: string): string {
  return createHash('sha256').update(`${key}\n${body}`).digest('hex').slice(0, 16);
}

/** RFC 4180: a field containing a comma, quote or newline is quoted, inner quotes doubled. */
function quote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A grid value or a result as the text of its CSV field (before quoting): numbers as numbers, anything else as its JSON text. */
function fieldText(v: unknown): string {
  return typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : JSON.stringify(v);
}

const cell = (v: unknown) => quote(fieldText(v));

/** A row of sweep.csv; `key` is the sweep's `rowKey` (its digest goes into the last cell). */
export function csvRow(r: Omit<PointResult, 'seconds'> & { seconds?: number }, key = ''): string {
  const body = [r.point, ...r.values.map(cell), cell(r.metric), cell(r.se), r.diverged].join(',');
  return `${body},${rowCheck(key, body)}`;
}

/** A row of sweep.csv back as a PointResult (values JSON-decoded, empty cells NaN). */
export function parseRow(line: string, keys: string[]): PointResult {
  const cells = parseCsvLine(line);
  const num = (c: string) => (c === '' ? NaN : Number(c));
  return { point: Number(cells[0]), values: cells.slice(1, 1 + keys.length).map((c) => JSON.parse(c)), metric: num(cells[1 + keys.length]), se: num(cells[2 + keys.length]), diverged: Number(cells[3 + keys.length]), seconds: NaN }; // wall-clock seconds live in sweep-timings.csv
}

/** Split one CSV line into fields (RFC 4180 quoting). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let f = '';
      i++;
      for (;;) {
        if (line[i] === '"' && line[i + 1] === '"') {
          f += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else if (i >= line.length) break;
        else f += line[i++];
      }
      out.push(f);
      i++; // the comma
    } else {
      const j = line.indexOf(',', i);
      const end = j === -1 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** What a finished row must match: the sweep's points, the shard, the number of paths. */
export interface RowExpectation {
  points: PreparedSweep['points'];
  shard: { i: number; n: number };
  paths: number;
  /** The sweep's `rowKey`: a row whose check cell does not digest it with the row was edited or computed with other settings. */
  key: string;
}

const CANONICAL_INDEX = /^(0|[1-9][0-9]*)$/;
/** A number cell as our writer writes it: empty, or the shortest round-trip text of a finite double. */
const canonicalNumber = (c: string) => c === '' || (Number.isFinite(Number(c)) && String(Number(c)) === c);

/**
 * Why `line` is not a finished row of this sweep, or null if it is: every field present, the point
 * in the grid and in this shard, the grid values those of the point, the metric and its standard
 * error empty or a number in the writer's exact form (a row cut mid-number, `0.`, fails), the
 * diverged count an integer in [0, paths] with an empty metric when positive.
 */
export function badRow(line: string, width: number, expect: RowExpectation): string | null {
  const cells = parseCsvLine(line);
  if (cells.length !== width) return `has ${cells.length} fields, the header ${width}`;
  if (!CANONICAL_INDEX.test(cells[0])) return `point ${JSON.stringify(cells[0])} is not an index`;
  const index = Number(cells[0]);
  const p = index < expect.points.length ? expect.points[index] : undefined;
  if (!p) return `point ${index} is not in the grid (${expect.points.length} points)`;
  if (index % expect.shard.n !== expect.shard.i) return `point ${index} belongs to another shard than ${expect.shard.i}/${expect.shard.n}`;
  for (let j = 0; j < p.values.length; j++) {
    if (cells[1 + j] !== fieldText(p.values[j])) return `point ${index} has ${JSON.stringify(cells[1 + j])} where the grid has ${JSON.stringify(fieldText(p.values[j]))}`;
  }
  const k = 1 + p.values.length;
  const [metric, se, diverged] = [cells[k], cells[k + 1], cells[k + 2]];
  if (!canonicalNumber(metric)) return `point ${index}: the metric ${JSON.stringify(metric)} is not a number as written by asgd-sdde`;
  if (!canonicalNumber(se)) return `point ${index}: the standard error ${JSON.stringify(se)} is not a number as written by asgd-sdde`;
  if (!CANONICAL_INDEX.test(diverged) || Number(diverged) > expect.paths) return `point ${index}: the diverged count ${JSON.stringify(diverged)} is not an integer in [0, ${expect.paths}]`;
  if (Number(diverged) > 0 && metric !== '') return `point ${index}: a metric beside ${diverged} diverged paths`;
  const check = cells[k + 3];
  if (check !== rowCheck(expect.key, line.slice(0, line.length - check.length - 1))) return `point ${index}: its check digest does not match the row and this sweep's settings (edited, or computed with other settings)`;
  return null;
}

export interface ReadRows {
  rows: Map<number, string>;
  /** Rows that are not finished rows of this sweep, with the reason (a resumed run recomputes them). */
  dropped: { line: string; reason: string }[];
}

/** The largest sweep table read back (256 MiB: millions of rows, below V8's string limit). */
const TABLE_LIMIT_BYTES = 256 * 1024 * 1024;

/**
 * Rows already in DIR/sweep.csv, by point index (a resumed run keeps them). Each is checked by
 * `badRow`; a last line without its newline was cut by a crash (the writer ends every file with
 * one); two different rows for the same point are both dropped. Every drop comes with its reason.
 */
export function readRows(dir: string, header: string, expect: RowExpectation): ReadRows {
  const file = join(dir, 'sweep.csv');
  // (a shard that never finished a point may have no table: zero rows)
  const rows = new Map<number, string>();
  const dropped: ReadRows['dropped'] = [];
  if (!existsSync(file)) return { rows, dropped };
  // a regular file below the limit (a FIFO or a directory is refused by name); a BOM and CRLF line ends (an editor's) are read as written
  const text = readInputText(file, '--out', TABLE_LIMIT_BYTES).replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const complete = lines.pop() === ''; // text ended with a newline
  if (lines.length === 0 && !complete) throw new ConfigError('--out', `${file} is not a sweep table (no header line); remove it or choose another directory`);
  if (lines[0] !== header) throw new ConfigError('--out', `${file} belongs to a different sweep (header ${JSON.stringify(lines[0]?.slice(0, 200))}); choose another directory`);
  const width = parseCsvLine(header).length;
  const body = lines.slice(1);
  if (!complete) {
    const cut = text.slice(text.lastIndexOf('\n') + 1);
    dropped.push({ line: cut, reason: 'was cut off (no newline at the end of the file)' });
  }
  const conflicting = new Set<number>();
  for (const line of body) {
    if (line === '') continue;
    const reason = badRow(line, width, expect);
    if (reason) {
      dropped.push({ line, reason });
      continue;
    }
    const index = Number(parseCsvLine(line)[0]);
    if (!rows.has(index)) rows.set(index, line);
    else if (rows.get(index) !== line) conflicting.add(index);
    // (an identical second copy is harmless: kept once)
  }
  // two different results for one point: neither can be trusted
  for (const index of conflicting) {
    dropped.push({ line: rows.get(index)!, reason: `point ${index} appears twice with different results` });
    rows.delete(index);
  }
  return { rows, dropped };
}

export function writeRows(dir: string, header: string, rows: Map<number, string>): void {
  const sorted = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  writeFileAtomic(join(dir, 'sweep.csv'), [header, ...sorted].join('\n') + '\n');
}

/** Wall-clock seconds per computed point, kept apart from the results (DIR/sweep-timings.csv). */
export function writeTimings(dir: string, seconds: Map<number, number>): void {
  const sorted = [...seconds.entries()].sort((a, b) => a[0] - b[0]).map(([i, s]) => `${i},${s.toFixed(3)}`);
  writeFileAtomic(join(dir, 'sweep-timings.csv'), ['point,seconds', ...sorted].join('\n') + '\n');
}

/** Timings of earlier runs into the same directory (resume keeps them); unreadable lines are ignored. */
export function readTimings(dir: string): Map<number, number> {
  const out = new Map<number, number>();
  const file = join(dir, 'sweep-timings.csv');
  if (!existsSync(file)) return out;
  for (const line of readInputText(file, '--out', TABLE_LIMIT_BYTES).replace(/\r\n/g, '\n').split('\n').slice(1)) {
    const m = /^(\d+),(\d+(?:\.\d+)?)$/.exec(line);
    if (m) out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

export function parseShard(v: string | undefined): { i: number; n: number } {
  if (v === undefined) return { i: 0, n: 1 };
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (!m || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new ConfigError('--shard', `must be i/n with 0 ≤ i < n, got ${JSON.stringify(v)}`);
  return { i: Number(m[1]), n: Number(m[2]) };
}

export { Z95 };
