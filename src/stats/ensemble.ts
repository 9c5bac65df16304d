/**
 * Ensembles: N independent paths of one model, path i driven by the streams of (seed, path i),
 * summarized by streaming moments at the saved times.
 *
 * What runs is what a TypeScript user has (src/stats/ensemble-block.ts):
 *   runEnsemble({ problem, dt, saveEvery }, …)             an SDDE from defineSdde
 *   runEnsemble({ asgd, saveEvery }, …)                    an ASGD configuration or spec (objective object)
 *   runEnsemble({ asgd, bridge, run? }, …)                 ASGD beside its SDDE ('pair') or the SDDE alone
 *   runEnsemble({ layout, runPath }, …)                    any model: a function of (seed, path)
 *   runEnsemble({ module, export, args }, …)               a model built in each thread by a factory
 * Objects holding functions cannot be sent to worker threads, so the first four run on the calling
 * thread; a module reference — a module URL (or path) and the name of an exported factory
 * `(args) => EnsembleModel` — is imported by each worker, which builds its own model once and runs
 * blocks of paths with it. The JSON configurations of the CLI use this route
 * (src/experiments/ensemble-source.ts).
 *
 * Reproducibility whatever the thread count: paths are grouped in fixed blocks; each block is
 * accumulated sequentially, and the blocks are merged in block order. Threads only decide who
 * computes which block, so 1 thread and 2 threads give bit-identical statistics.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AsgdConfig, AsgdSpec } from '../asgd/runner.ts';
import type { PairOptions } from '../bridge/pair.ts';
import { ConfigError } from '../core/errors.ts';
import type { SddeAlgorithm } from '../sdde/algorithm.ts';
import type { HistoryInterpolation } from '../sdde/delayed-read.ts';
import type { SddeProblem } from '../sdde/problem.ts';
import type { BlockResult, BlockSpec, EnsembleLayout, EnsembleModel, EnsembleStatistics } from './ensemble-block.ts';
import type { EnsembleAnalysisOptions } from './ensemble-extras.ts';
import { BlockCollector, blockRunner, ensembleCounts, ensemblePlan, finishEnsemble, isEnsembleModule, modelOfSource, type ResolvedModule, type SeriesStats } from './ensemble-merge.ts';
import type { MomentAccumulator } from './welford.ts';
import { optionalSignal, throwIfAborted } from '../core/abort.ts';
import { poolWorkerUrl, runPool } from './worker-pool.ts';

export type { BlockResult, EnsembleLayout, EnsembleModel, EnsembleStatistics, PathOutput } from './ensemble-block.ts';
export { asgdModel, pairModel, sddeModel } from './ensemble-block.ts';
export type { SddeModelOptions } from './ensemble-block.ts';
export type { SeriesStats } from './ensemble-merge.ts';
export { isEnsembleModule } from './ensemble-merge.ts';

/** A model built by an exported factory of a module: what worker threads can rebuild. */
export interface EnsembleModule {
  /** Module URL (file:…) or file path (relative paths resolve against the working directory). */
  module: string | URL;
  /** Name of the exported factory (args) => EnsembleModel (or a promise of one). */
  export: string;
  /** Arguments of the factory; must be structured-cloneable (plain data). */
  args?: unknown;
}

/**
 * What {@link runEnsemble} runs: an {@link EnsembleModel} (`{ layout, runPath }`), a module reference
 * ({@link EnsembleModule}: the only form worker threads can rebuild), an SDDE `{ problem, dt, saveEvery?,
 * algorithm?, interpolation? }`, an ASGD `{ asgd, saveEvery? }`, or ASGD beside its SDDE
 * `{ asgd, bridge, run? }`.
 */
export type EnsembleSource =
  | EnsembleModel
  | EnsembleModule
  | { problem: SddeProblem; dt: number; saveEvery?: number; algorithm?: SddeAlgorithm; interpolation?: HistoryInterpolation }
  | { asgd: AsgdConfig | AsgdSpec; saveEvery?: number }
  | { asgd: AsgdConfig | AsgdSpec; bridge: PairOptions; run?: 'pair' | 'bridge-sdde' };

/**
 * What {@link runEnsemble} returns: the layout (saved k and t), the statistics of every series by name
 * (e.g. 'sdde', 'asgd'), the distance of a pair, per-block results with `keepBlocks`, and the threads
 * and seconds used.
 */
export interface EnsembleResult<T = unknown, A = unknown> extends EnsembleLayout {
  paths: number;
  seed: number;
  series: Record<string, SeriesStats>;
  distance?: MomentAccumulator;
  /** Per-block results in block order (when `keepBlocks`), for jackknife errors. */
  blocks?: BlockResult[];
  threads: number;
  seconds: number;
  /** With `output`: the per-path outputs in path order (paths of the blocks run, when `reduce` stopped early). */
  outputs?: T[];
  /** With `reduce`: the final accumulator. */
  reduced?: A;
  /** With `reduce`: true when the reduction stopped the ensemble before all paths ran (`paths` is then the number run). */
  stoppedEarly?: boolean;
}

export interface EnsembleOptions<T = unknown, A = unknown> extends EnsembleStatistics, EnsembleAnalysisOptions<T, A> {
  /** Number of independent paths N (integer in [1, 10⁸]). */
  paths: number;
  /** Master seed: path i uses the streams of (seed, i); default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`. */
  seed?: number;
  /**
   * Worker threads; default: all cores for a module source whose paths × steps pays for starting
   * them, else 1. More than 1 needs a module source.
   */
  threads?: number;
  /** Called after each block. A throw from it stops the ensemble (its workers too) and rejects with the error. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Abort: the ensemble stops between blocks, or inside a block between paths: with a signal the
   * calling thread yields to the event loop about every 50 ms of work (so a timer, e.g.
   * `AbortSignal.timeout(ms)`, or a UI event can abort it; a single path is not interrupted). It
   * ends its worker threads and rejects with the signal's reason (an AbortError, or a
   * TimeoutError); no partial result. The same bits with or without a signal.
   */
  signal?: AbortSignal;
  /** Keep each block's statistics (for jackknife standard errors). */
  keepBlocks?: boolean;
  /**
   * Browser only (ignored by Node): URL of the Web Worker script that runs blocks when threads > 1,
   * the package's dist/web/ensemble-worker.js served beside the page (see ensemble.browser.ts).
   */
  workerUrl?: string | URL;
}

/**
 * Path-steps below which threads do not pay for their start-up: a worker loads the library and
 * builds its model (~0.3–1 s) while one thread runs a few million steps per second.
 */
const PARALLEL_THRESHOLD = 20_000_000;

/**
 * The worker entry file of ensembles: the worker pool's (pool-worker.js beside worker-pool.js in
 * the built package), e.g. to check that a bundle ships it.
 *
 * @deprecated the same as `poolWorkerUrl`, kept for callers of earlier versions
 */
export function ensembleWorkerUrl(): URL {
  return poolWorkerUrl();
}

/**
 * The pool's task runner on a worker thread: builds the model of the module source (and the
 * per-path `output` function of its module reference) once, then runs block b of the ensemble.
 */
export async function ensembleBlockRunner(args: { ref: ResolvedModule; spec: BlockSpec; outputRef?: { module: string; export: string } }): Promise<(block: number) => BlockResult> {
  return blockRunner(args.ref, args.spec, args.outputRef, moduleHref);
}

/** A module reference with its URL as a string (what a worker receives). */
export function moduleHref(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(m) && !/^[a-z]:[\\/]/i.test(m)) return m; // a URL (not a Windows drive)
  return pathToFileURL(isAbsolute(m) ? m : resolve(m)).href;
}

/** The model a source describes (module sources are imported and built here). */
export async function modelOf(source: EnsembleSource): Promise<EnsembleModel> {
  return modelOfSource(source, moduleHref);
}

/**
 * Run N independent paths of a model (path i driven by the streams of (seed, i)) and summarize them by
 * streaming moments at the saved times. Paths are grouped in fixed blocks merged in block order, so the
 * statistics are bit-identical whatever the thread count. Threads need a module source.
 *
 * @param source - what one path is (see {@link EnsembleSource}).
 * @param options - `paths` (required), `seed` (default: a fresh seed from crypto.getRandomValues, recorded as `result.seed`), `threads` (default: all cores for a large
 * module source, else 1), `blockSize` (default 32), `covariance`, `keepFinals`, `keepBlocks` (default
 * false), `onProgress`, `quantiles`, `keep`, `output`, `reduce` / `reduceInit` (see ensemble-extras.ts), `signal`.
 * @throws {@link ConfigError} before any path runs: `ensemble.paths`, `ensemble.seed`,
 * `ensemble.blockSize`, `ensemble.threads` (> 1 without a module source), `ensemble.keepFinals` (too
 * many numbers), `ensemble.module` / `ensemble.export` (a module that cannot be imported or has no such
 * factory), `ensemble.layout.*`, and the source's own fields (`problem.*`, `asgd.*`, `bridge.*`).
 * @example
 * ```ts
 * import { runEnsemble, defineSdde } from 'asgd-sdde';
 *
 * const problem = defineSdde({ dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1, T: 5, delay: { kind: 'constant', tau: 1 } });
 * const ens = await runEnsemble({ problem, dt: 0.01, saveEvery: 100 }, { paths: 200, seed: 1 });
 * const K = ens.k.length - 1;
 * const x = ens.series.sdde!.x;
 * console.log(ens.t[K], x.meanAt(K).toFixed(3), '±', (1.96 * x.standardError(K)).toFixed(3)); // E X(5) with a 95% CI
 * //> 5 0.180 ± 0.054
 * ```
 */
export async function runEnsemble<T = unknown, A = unknown>(source: EnsembleSource, options: EnsembleOptions<T, A>): Promise<EnsembleResult<T, A>> {
  const { paths, seed, blockSize: B } = ensembleCounts(options);
  const viaModule = isEnsembleModule(source);
  if (!viaModule && (options.threads ?? 1) > 1) {
    throw new ConfigError('ensemble.threads', `${options.threads} threads need a source that worker threads can rebuild: give { module, export, args } (a module URL and an exported factory (args) => { layout, runPath }) instead of objects holding functions`);
  }
  const model = await modelOf(source); // validates everything before any work
  const layout = model.layout;
  const nBlocks = Math.ceil(paths / B);
  const work = paths * layout.steps;
  const threads = Math.max(1, Math.min(nBlocks, options.threads ?? (viaModule && typeof options.output !== 'function' && work >= PARALLEL_THRESHOLD ? availableParallelism() : 1)));
  const signal = optionalSignal(options.signal, 'ensemble.signal');
  const { analysis, reducer, spec, outputRef, runHere } = await ensemblePlan(options as EnsembleAnalysisOptions, layout, { paths, seed, blockSize: B, threads: options.threads ?? 1, signal }, model, moduleHref);
  throwIfAborted(signal);
  const started = performance.now();
  // Blocks go to the worker pool: taken by the main thread and by threads − 1 workers, each of
  // which builds its own model (and output function) from the module references. Which thread ran
  // a block does not matter: results are merged (and reduced) in block order. An abort, or a
  // throwing onProgress, halts the pool (its workers too): no partial result.
  const ref = viaModule ? { module: moduleHref((source as EnsembleModule).module), export: (source as EnsembleModule).export, args: (source as EnsembleModule).args } : undefined;
  const collected = new BlockCollector(nBlocks, reducer, options.onProgress);
  await runPool<BlockResult>({
    count: nBlocks,
    threads,
    run: runHere,
    job: { module: import.meta.url, name: 'ensembleBlockRunner', args: { ref, spec, ...(outputRef ? { outputRef } : {}) } },
    // a reduction's stop ends the handing out
    onResult: (_, r) => collected.add(r),
    signal,
  });
  const results = collected.results;
  const finished = finishEnsemble<T, A>(results, layout, paths, B, analysis, { keepPaths: options.keep === 'paths', keepBlocks: options.keepBlocks ?? false }, reducer);
  return { ...layout, seed, ...finished, threads, seconds: (performance.now() - started) / 1000 };
}
