/**
 * What an ensemble keeps beyond its streaming moments, for analysis (SciML's EnsembleProblem
 * `output_func` / `reduction` and EnsembleSummary's quantiles):
 *  - `keep: 'paths'`: every path's saved states, per series (paths × times × dim, row-major; NaN
 *    past the point where a path diverged), with the memory checked before any work;
 *  - `quantiles: p[]`: per saved time and series, the p-quantiles of each coordinate over the
 *    paths, computed exactly from the kept values (type 7 of Hyndman & Fan 1996, numpy's default:
 *    linear between order statistics) — no approximation error beyond that definition. A streaming
 *    sketch (t-digest, DDSketch) would bound memory but give approximate values (DDSketch: 1%
 *    relative error, coarse near 0); the exact values are preferred where memory allows, and the
 *    limit below says where it does not;
 *  - `output(path, i)`: a per-path value kept in path order (`result.outputs`);
 *  - `reduce(acc, outputs, first)`: folds each block's outputs into an accumulator in block order,
 *    and may stop the ensemble early (`{ value, stop: true }`). Block order makes the result the
 *    same bits for any thread count; blocks after the stopping one are discarded even where a
 *    worker thread had already run them.
 */
import { ConfigError, describe } from '../core/errors.ts';
import type { PathOutput } from './ensemble-block.ts';

/** Most numbers `keep: 'paths'` / `quantiles` may hold (2^27 doubles: 1 GiB). */
export const MAX_KEPT_NUMBERS = 2 ** 27;

/** A per-path output function, or a module export of one (what worker threads can import). */
export type OutputSpec<T = unknown> = ((path: PathOutput, i: number) => T) | { module: string | URL; export: string };

/** A reduction: the next accumulator, or `{ value, stop: true }` to end the ensemble after this block. */
export type Reduction<T = unknown, A = unknown> = (acc: A, outputs: T[], first: number) => A | { value: A; stop: true };

/** The analysis options of `runEnsemble` (see `EnsembleOptions`). */
export interface EnsembleAnalysisOptions<T = unknown, A = unknown> {
  /** Probabilities in [0, 1] whose quantiles to compute per saved time, series and coordinate. */
  quantiles?: number[];
  /** 'paths' keeps every path's saved states (memory checked before any work). */
  keep?: 'paths';
  /** Per-path output (SciML's output_func); on worker threads it must be a module reference. */
  output?: OutputSpec<T>;
  /** Fold each block's outputs in block order (SciML's reduction); needs `output`. */
  reduce?: Reduction<T, A>;
  /** Initial accumulator of `reduce` (default undefined). */
  reduceInit?: A;
}

/** Validated analysis options. */
export interface AnalysisPlan {
  quantiles?: number[];
  keepPaths: boolean;
  output?: OutputSpec;
  reduce?: Reduction;
}

export function validateAnalysis(o: EnsembleAnalysisOptions, paths: number, points: number, dim: number, nSeries: number, threads: number): AnalysisPlan {
  let quantiles: number[] | undefined;
  if (o.quantiles !== undefined) {
    if (!Array.isArray(o.quantiles) || o.quantiles.length === 0) throw new ConfigError('ensemble.quantiles', `must be a non-empty array of probabilities, got ${describe(o.quantiles)}`);
    o.quantiles.forEach((p, i) => {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ConfigError(`ensemble.quantiles[${i}]`, `must be a probability in [0, 1], got ${describe(p)}`);
    });
    quantiles = [...o.quantiles];
  }
  if (o.keep !== undefined && o.keep !== 'paths') throw new ConfigError('ensemble.keep', `must be 'paths', got ${describe(o.keep)}`);
  const keepPaths = o.keep === 'paths' || quantiles !== undefined;
  if (keepPaths) {
    const numbers = paths * points * dim * nSeries;
    if (!(numbers <= MAX_KEPT_NUMBERS)) {
      throw new ConfigError(o.keep === 'paths' ? 'ensemble.keep' : 'ensemble.quantiles', `would keep ${paths} paths × ${points} saved times × ${dim} × ${nSeries} series = ${numbers} numbers (${(numbers * 8 / 2 ** 30).toFixed(1)} GiB), more than ${MAX_KEPT_NUMBERS} (1 GiB); use fewer paths or save less often`);
    }
  }
  if (o.output !== undefined) {
    const isRef = typeof o.output === 'object' && o.output !== null && 'module' in o.output && 'export' in o.output;
    if (typeof o.output !== 'function' && !isRef) throw new ConfigError('ensemble.output', `must be a function (path, i) => value or a module reference { module, export }, got ${describe(o.output)}`);
    if (typeof o.output === 'function' && threads > 1) throw new ConfigError('ensemble.output', `a function cannot be sent to ${threads} threads; give a module reference { module, export } of an exported (path, i) => value`);
  }
  if (o.reduce !== undefined) {
    if (typeof o.reduce !== 'function') throw new ConfigError('ensemble.reduce', `must be a function (acc, outputs, first) => acc, got ${describe(o.reduce)}`);
    if (o.output === undefined) throw new ConfigError('ensemble.reduce', 'needs an `output` (it folds the per-path outputs)');
  }
  return { ...(quantiles ? { quantiles } : {}), keepPaths, ...(o.output !== undefined ? { output: o.output as OutputSpec } : {}), ...(o.reduce ? { reduce: o.reduce as Reduction } : {}) };
}

/**
 * Exact p-quantiles (type 7: h = (n − 1)p, x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋) over the sorted finite
 * values) of every coordinate at every saved time over the kept paths.
 *
 * @param kept paths × points × dim, row-major (NaN: a point a path did not reach)
 * @returns points × p × dim, row-major; NaN where no path reached a point
 * @example
 * ```ts
 * import { exactQuantiles } from 'asgd-sdde';
 *
 * // 3 paths, 1 point, dim 1, values 3, 1, 2: type 7 gives 1.5, 2, 2.5 at p = 0.25, 0.5, 0.75 (h = 0.5, 1, 1.5)
 * console.log(Array.from(exactQuantiles(Float64Array.of(3, 1, 2), 3, 1, 1, [0.25, 0.5, 0.75])));
 * //> [ 1.5, 2, 2.5 ]
 * ```
 */
export function exactQuantiles(kept: Float64Array, paths: number, points: number, dim: number, p: number[]): Float64Array {
  const out = new Float64Array(points * p.length * dim);
  const column = new Float64Array(paths);
  for (let t = 0; t < points; t++) {
    for (let i = 0; i < dim; i++) {
      let n = 0;
      for (let path = 0; path < paths; path++) {
        const v = kept[(path * points + t) * dim + i];
        if (!Number.isNaN(v)) column[n++] = v;
      }
      const sorted = column.subarray(0, n).sort();
      for (let q = 0; q < p.length; q++) {
        let v = NaN;
        if (n > 0) {
          const h = (n - 1) * p[q];
          const lo = Math.floor(h);
          v = lo + 1 < n ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
        }
        out[(t * p.length + q) * dim + i] = v;
      }
    }
  }
  return out;
}

/** Load the per-path output function of a module reference (in a worker thread or the main one). */
export async function loadOutput(spec: OutputSpec, href: (m: string | URL) => string): Promise<(path: PathOutput, i: number) => unknown> {
  if (typeof spec === 'function') return spec;
  const url = href(spec.module);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('ensemble.output.module', `cannot import ${url}: ${(e as Error).message}`);
  }
  const fn = Object.hasOwn(mod, spec.export) ? mod[spec.export] : undefined;
  if (typeof fn !== 'function') throw new ConfigError('ensemble.output.export', `${url} has no exported function ${JSON.stringify(spec.export)}`);
  return fn as (path: PathOutput, i: number) => unknown;
}

/**
 * Applies `reduce` to blocks in block order as they arrive (from any thread), and says after
 * which block the ensemble stopped.
 */
export class BlockOrderReducer {
  private next = 0;
  private readonly pending = new Map<number, unknown[]>();
  acc: unknown;
  /** Last block folded in when the reduction asked to stop (undefined: it did not). */
  stoppedAfter: number | undefined;
  constructor(
    private readonly reduce: Reduction | undefined,
    init: unknown,
    private readonly blockSize: number,
  ) {
    this.acc = init;
  }
  /** Take block b's outputs; returns true when the ensemble should stop. */
  add(b: number, outputs: unknown[]): boolean {
    this.pending.set(b, outputs);
    while (this.stoppedAfter === undefined && this.pending.has(this.next)) {
      const outs = this.pending.get(this.next)!;
      this.pending.delete(this.next);
      if (this.reduce) {
        const r = this.reduce(this.acc, outs, this.next * this.blockSize);
        if (typeof r === 'object' && r !== null && (r as { stop?: unknown }).stop === true && 'value' in r) {
          this.acc = (r as { value: unknown }).value;
          this.stoppedAfter = this.next;
        } else this.acc = r;
      }
      this.next++;
    }
    return this.stoppedAfter !== undefined;
  }
}
