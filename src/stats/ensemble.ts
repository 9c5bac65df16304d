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
import { integer, seedValue } from '../core/validate.ts';
import type { SddeAlgorithm } from '../sdde/algorithm.ts';
import type { HistoryInterpolation } from '../sdde/delayed-read.ts';
import type { SddeProblem } from '../sdde/problem.ts';
import { type BlockResult, type EnsembleLayout, type EnsembleModel, type EnsembleStatistics, runBlock } from './ensemble-block.ts';
import { factoryModel, inlineModel, mergeBlocks, type SeriesStats } from './ensemble-merge.ts';
import type { MomentAccumulator } from './welford.ts';
import { poolWorkerUrl, runPool } from './worker-pool.ts';

export type { BlockResult, EnsembleLayout, EnsembleModel, EnsembleStatistics, PathOutput } from './ensemble-block.ts';
export { asgdModel, pairModel, sddeModel } from './ensemble-block.ts';
export type { SeriesStats } from './ensemble-merge.ts';

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
export interface EnsembleResult extends EnsembleLayout {
  paths: number;
  seed: number;
  series: Record<string, SeriesStats>;
  distance?: MomentAccumulator;
  /** Per-block results in block order (when `keepBlocks`), for jackknife errors. */
  blocks?: BlockResult[];
  threads: number;
  seconds: number;
}

export interface EnsembleOptions extends EnsembleStatistics {
  /** Number of independent paths N (integer in [1, 10⁸]). */
  paths: number;
  /** Master seed: path i uses the streams of (seed, i). */
  seed: number;
  /**
   * Worker threads; default: all cores for a module source whose paths × steps pays for starting
   * them, else 1. More than 1 needs a module source.
   */
  threads?: number;
  /** Called after each block. */
  onProgress?: (done: number, total: number) => void;
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
 * The pool's task runner on a worker thread: builds the model of the module source once, then
 * runs block b of the ensemble.
 */
export async function ensembleBlockRunner(args: { ref: EnsembleModule; spec: EnsembleStatistics & { paths: number; seed: number } }): Promise<(block: number) => BlockResult> {
  const model = await loadModel(args.ref);
  return (block) => runBlock(model, args.spec, block);
}

export function isEnsembleModule(s: unknown): s is EnsembleModule {
  return typeof s === 'object' && s !== null && 'module' in s && 'export' in s;
}

/** A module reference with its URL as a string (what a worker receives). */
export function moduleHref(m: string | URL): string {
  if (m instanceof URL) return m.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(m) && !/^[a-z]:[\\/]/i.test(m)) return m; // a URL (not a Windows drive)
  return pathToFileURL(isAbsolute(m) ? m : resolve(m)).href;
}

/** Build the model of a module source: import the module, call its factory. */
export async function loadModel(ref: EnsembleModule): Promise<EnsembleModel> {
  const href = moduleHref(ref.module);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('ensemble.module', `cannot import ${href}: ${(e as Error).message}`);
  }
  return factoryModel(mod, ref.export, ref.args, href);
}

/** The model a source describes (module sources are imported and built here). */
export async function modelOf(source: EnsembleSource): Promise<EnsembleModel> {
  if (isEnsembleModule(source)) return loadModel(source);
  return inlineModel(source);
}

/**
 * Run N independent paths of a model (path i driven by the streams of (seed, i)) and summarize them by
 * streaming moments at the saved times. Paths are grouped in fixed blocks merged in block order, so the
 * statistics are bit-identical whatever the thread count. Threads need a module source.
 *
 * @param source - what one path is (see {@link EnsembleSource}).
 * @param options - `paths` (required), `seed` (required), `threads` (default: all cores for a large
 * module source, else 1), `blockSize` (default 32), `covariance`, `keepFinals`, `keepBlocks` (default
 * false), `onProgress`.
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
 * ```
 */
export async function runEnsemble(source: EnsembleSource, options: EnsembleOptions): Promise<EnsembleResult> {
  const paths = integer(options.paths, 'ensemble.paths', { min: 1, max: 100_000_000 });
  const seed = seedValue(options.seed, 'ensemble.seed');
  const B = integer(options.blockSize ?? 32, 'ensemble.blockSize', { min: 1 });
  if (options.threads !== undefined) integer(options.threads, 'ensemble.threads', { min: 1, max: 1024 });
  const viaModule = isEnsembleModule(source);
  if (!viaModule && (options.threads ?? 1) > 1) {
    throw new ConfigError('ensemble.threads', `${options.threads} threads need a source that worker threads can rebuild: give { module, export, args } (a module URL and an exported factory (args) => { layout, runPath }) instead of objects holding functions`);
  }
  const model = await modelOf(source); // validates everything before any work
  const layout = model.layout;
  if (options.keepFinals && !(paths * layout.dim <= 50_000_000)) throw new ConfigError('ensemble.keepFinals', 'too many paths to keep every final state');
  const spec = { paths, seed, blockSize: B, covariance: options.covariance ?? false, keepFinals: options.keepFinals ?? false };
  const nBlocks = Math.ceil(paths / B);
  const work = paths * layout.steps;
  const threads = Math.max(1, Math.min(nBlocks, options.threads ?? (viaModule && work >= PARALLEL_THRESHOLD ? availableParallelism() : 1)));
  const started = performance.now();
  const results: BlockResult[] = [];
  // Blocks go to the worker pool: taken by the main thread and by threads − 1 workers, each of
  // which builds its own model from the module source. Which thread ran a block does not matter:
  // results are merged in block order.
  const ref = viaModule ? { module: moduleHref((source as EnsembleModule).module), export: (source as EnsembleModule).export, args: (source as EnsembleModule).args } : undefined;
  await runPool<BlockResult>({
    count: nBlocks,
    threads,
    run: (b) => runBlock(model, spec, b),
    job: { module: import.meta.url, name: 'ensembleBlockRunner', args: { ref, spec } },
    onResult: (_, r) => {
      results.push(r);
      options.onProgress?.(results.length, nBlocks);
    },
  });
  const merged = mergeBlocks(results, layout, paths, B); // sorts results by block
  return { ...layout, paths, seed, ...merged, ...(options.keepBlocks ? { blocks: results } : {}), threads, seconds: (performance.now() - started) / 1000 };
}
