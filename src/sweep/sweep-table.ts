/**
 * The sweep table on disk: sweep.csv (RFC 4180, one row per grid point, each row ending in a check
 * digest of the sweep's key and its cells) and sweep-timings.csv, written atomically, read back on
 * resume and merge with every row checked against what this sweep would have written.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../core/canonical-json.ts';
import { ConfigError } from '../core/errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { readInputText } from '../io/input-file.ts';
import type { Metric, PointResult, PreparedSweep } from './sweep.ts';

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
