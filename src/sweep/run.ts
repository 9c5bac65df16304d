/**
 * `runSweep`: a sweep as a function — the grid validated before any work (every point, and every
 * key must change the run), the points computed on `threads` threads (bit-identical to one
 * thread), and the rows returned with their fitted exponents and the figure's caption. The CLI
 * (`asgd-sdde sweep`) adds the files, resume and shards on top of it.
 */
import { prepareExperiment } from '../experiments/config.ts';
import { type SeriesFit, sweepFits } from './figure.ts';
import { runPoints } from './parallel.ts';
import { type Metric, type PointResult, pointJobs, type PreparedSweep, prepareSweep, type SweepSpec } from './sweep.ts';
import { optionalSignal, throwIfAborted } from '../core/abort.ts';

export type { SweepSpec } from './sweep.ts';

/**
 * Options of {@link runSweep}: `threads` (default 1), a `shard` {i, n}, rows already `done`, and an
 * `onPoint` callback.
 */
export interface RunSweepOptions {
  /** Threads; default 1. Points are shared among them (or, with fewer points, each point's paths). */
  threads?: number;
  /** Compute only the points with index ≡ i (mod n). */
  shard?: { i: number; n: number };
  /** Rows computed before (a resumed sweep): their points are not computed again. */
  done?: PointResult[];
  /** Called with each row as it finishes. */
  onPoint?: (row: PointResult, finished: number, total: number) => void;
  /** Abort: the sweep stops (its worker threads too) and rejects with the signal's reason (an AbortError); rows already passed to onPoint stay the caller's, no result is returned. */
  signal?: AbortSignal;
}

/**
 * What {@link runSweep} returns: the rows by point index, the fitted exponent of the metric in each
 * numeric key, the figure's caption, and the seed, paths, points, threads and seconds.
 */
export interface SweepResult {
  keys: string[];
  metric: Metric;
  /** This shard's rows (including `done`), by point index. */
  rows: PointResult[];
  /** Exponent of the metric in each numeric key, per series (see the figure). */
  fits: SeriesFit[];
  caption: string;
  seed: number;
  paths: number;
  points: number;
  threads: number;
  seconds: number;
}

const METRIC_TEXT: Record<Metric, string> = {
  'approximation-error': 'E‖x_K − X(t_K)‖, the mean distance between ASGD and its SDDE at the last step under the pair\'s coupling',
  'weak-error': 'W1(law x_K, law X(t_K)) of the empirical final laws (1-D)',
  'weak-mmd': 'MMD² between the laws of x_K and X(t_K) (unbiased U-statistic, Gaussian kernel with the median bandwidth; it can be negative when the laws agree)',
  'final-loss': 'E F(x_K) − F* (or E‖x_K − x*‖² when F* is unknown)',
  'time-to-eps': 'the first saved k with E‖x_k − x*‖² ≤ eps',
};

/**
 * A warning for a sweep whose numbers would not mean what the metric says: the distance of an
 * independently driven pair measures two independent draws, not the approximation (issue 15: it
 * used to be returned without a word). Undefined when there is nothing to warn about.
 */
export function sweepWarning(sw: PreparedSweep): string | undefined {
  if (sw.spec.metric !== 'approximation-error') return undefined;
  const independent = sw.points.filter((p) => ((p.config as { bridge?: { coupling?: string } }).bridge?.coupling ?? 'independent') === 'independent');
  if (independent.length === 0) return undefined;
  return `${independent.length} of ${sw.points.length} points use the 'independent' coupling: their E‖x_K − X(t_K)‖ is the distance between two independent draws, not the approximation error path by path (use "axis-quantile" in any d, or "quantile" in 1-D)`;
}

/**
 * An objective's description with its size n, d, leaving out what it already says: a description
 * ending in its own size bracket, "… (n = 2)", gets the rest inside it, "… (n = 2, d = 1)", not a
 * second bracket.
 */
function withSize(description: string, n: number, d: number): string {
  const missing = [[`n = ${n}`, /\bn = /], [`d = ${d}`, /\bd = /]].filter(([, re]) => !(re as RegExp).test(description)).map(([t]) => t as string);
  if (!missing.length) return description;
  return /\([^()]*\b[nd] = [^()]*\)$/.test(description) ? `${description.slice(0, -1)}, ${missing.join(', ')})` : `${description} (${missing.join(', ')})`;
}

/** The caption: the metric and every setting of the base config, the grid, paths, seed and the fit method. */
export function sweepCaption(sw: PreparedSweep): string {
  const p = prepareExperiment(sw.points[0].config, sw.seed);
  const gridded = new Set(sw.keys.flatMap((k) => k.split(',').map((q) => q.trim())));
  const v = (key: string, text: string) => (gridded.has(key) ? `${key.split('.').at(-1)} gridded` : text);
  const parts = [`Metric: ${METRIC_TEXT[sw.spec.metric]}${sw.spec.eps !== undefined ? ` (eps = ${sw.spec.eps})` : ''}.`];
  if (p.kind !== 'sdde') {
    const a = p.asgd;
    const x0 = Array.from(a.x0);
    const xs = a.objective.minimizer;
    const x0Text = xs && x0.every((xi, i) => xi === xs[i]) ? 'x0 = x*' : x0.length <= 4 ? `x0 = (${x0.map((xi) => +xi.toPrecision(4)).join(', ')})` : `x0 in R^${x0.length}`;
    parts.push(
      `Objective: ${gridded.has('asgd.objective') ? v('asgd.objective', '') : withSize(a.objective.description, a.objective.n, a.objective.dim)}; ${x0Text}; ${v('asgd.eta', `η = ${a.eta}`)}, ${v('asgd.iterations', `K = ${a.iterations}`)}, ${v('asgd.batchSize', `b = ${a.batchSize}`)} (${a.sampling}); delay ${v('asgd.delay', JSON.stringify(a.delay.spec))}${[...gridded].some((k) => k.startsWith('asgd.delay.')) ? ` (${[...gridded].filter((k) => k.startsWith('asgd.delay.')).join(', ')} gridded)` : ''}, reads before the start: ${a.beforeHistory}; schedule ${JSON.stringify(a.schedule.spec)}.`,
    );
  }
  if (p.kind === 'pair') {
    const b = p.bridge;
    parts.push(
      `SDDE (He et al. Eq. 6): coupling ${v('bridge.coupling', `'${b.coupling}'`)}, σ ${JSON.stringify(b.sigma ?? 'at-minimizer')}, δ = ${b.delta ?? 'η'}, ${b.substeps ?? (b.coupling === 'shared-brownian' ? 16 : 1)} Euler–Maruyama substeps per step${b.coupling === 'axis-quantile' ? `, noise law sampled from ${b.lawSamples ?? 65536} minibatches at the σ point` : ''}.`,
    );
  }
  const warning = sweepWarning(sw);
  if (warning) parts.push(`Warning: ${warning}.`);
  parts.push(`Grid: ${sw.keys.map((k) => `${k} ∈ {${sw.spec.grid[k].map((x) => JSON.stringify(x)).join(', ')}}`).join('; ')}. ${sw.spec.paths} paths per point, seed ${sw.seed} at every point (common random numbers). Bars: 95% CIs (±1.96 SE). Exponents: weighted least squares of log metric on log x (x + 1 for a key including 0), 95% CI, errors inflated when the points scatter beyond their SEs.`);
  return parts.join('\n\n');
}

/**
 * A sweep as a function: the grid validated before any work ({@link prepareSweep}), one ensemble per
 * point on `threads` threads (bit-identical to one thread), the rows with their fitted exponents and
 * the figure's caption. The CLI (`asgd-sdde sweep`) adds files, resume and shards.
 *
 * @param spec - a {@link SweepSpec} (plain JSON).
 * @throws {@link ConfigError} as {@link prepareSweep}, before any point runs.
 * @example
 * ```ts
 * import { runSweep } from 'asgd-sdde';
 *
 * const res = await runSweep({
 *   base: { kind: 'pair', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.005, iterations: 200, batchSize: 1,
 *     delay: { kind: 'uniform', maxLag: 0 }, saveEvery: 200 }, bridge: { coupling: 'quantile', substeps: 4 } },
 *   grid: { 'asgd.delay.maxLag': [0, 4, 16] },
 *   metric: 'approximation-error', paths: 50, seed: 1,
 * });
 * for (const r of res.rows) console.log(r.values[0], r.metric.toFixed(4), '±', r.se.toFixed(4));
 * //> 0 0.0344 ± 0.0037
 * //> 4 0.0347 ± 0.0037
 * //> 16 0.0361 ± 0.0039
 * ```
 */
export async function runSweep(spec: SweepSpec, options: RunSweepOptions = {}): Promise<SweepResult> {
  return runPreparedSweep(prepareSweep(spec), options); // every point validated, every key checked, before any work
}

/** `runSweep` on a sweep already prepared (validated) by `prepareSweep`. */
export async function runPreparedSweep(sw: PreparedSweep, options: RunSweepOptions = {}): Promise<SweepResult> {
  const started = performance.now();
  const shard = options.shard ?? { i: 0, n: 1 };
  const threads = options.threads ?? 1;
  const rows = new Map<number, PointResult>();
  for (const r of options.done ?? []) rows.set(r.point, r);
  const mine = sw.points.filter((p) => p.index % shard.n === shard.i);
  const todo = mine.filter((p) => !rows.has(p.index));
  const caption = sweepCaption(sw);
  const signal = optionalSignal(options.signal, 'options.signal');
  throwIfAborted(signal);
  await runPoints(pointJobs(sw, todo), threads, (r) => {
    rows.set(r.point, r);
    options.onPoint?.(r, mine.filter((p) => rows.has(p.index)).length, mine.length);
  }, signal);
  throwIfAborted(signal);
  const sorted = [...rows.values()].filter((r) => r.point % shard.n === shard.i).sort((a, b) => a.point - b.point);
  return {
    keys: sw.keys,
    metric: sw.spec.metric,
    rows: sorted,
    fits: sweepFits(sw.keys, sorted),
    caption,
    seed: sw.seed,
    paths: sw.spec.paths,
    points: sw.points.length,
    threads,
    seconds: (performance.now() - started) / 1000,
  };
}
