/**
 * The parts of `runEnsemble` that need no Node built-ins, shared by ensemble.ts (worker threads)
 * and its browser twin ensemble.browser.ts (Web Workers), which differ only in how blocks reach
 * threads and how a module's URL is resolved: the model a source describes, checking a model built
 * by a factory, the checked options and analysis plan, a worker's block runner, the block hand-out
 * bookkeeping (BlockCollector), and merging block results in block order (which makes the
 * statistics independent of who ran which block).
 */
import type { AsgdConfig, AsgdSpec } from '../asgd/runner.ts';
import type { PairOptions } from '../bridge/pair.ts';
import { ConfigError } from '../core/errors.ts';
import { seedOrFresh } from '../core/seed.ts';
import { integer } from '../core/validate.ts';
import type { SddeAlgorithm } from '../sdde/algorithm.ts';
import type { HistoryInterpolation } from '../sdde/delayed-read.ts';
import type { SddeProblem } from '../sdde/problem.ts';
import { asgdModel, type BlockResult, type BlockSpec, type EnsembleLayout, type EnsembleModel, pairModel, type PathOutput, runBlock, runBlockYielding, type SeriesState, sddeModel } from './ensemble-block.ts';
import { type AnalysisPlan, BlockOrderReducer, type EnsembleAnalysisOptions, exactQuantiles, loadOutput, validateAnalysis } from './ensemble-extras.ts';
import { MomentAccumulator } from './welford.ts';

/**
 * The model of a source that is not a module reference: an SDDE problem, an ASGD configuration
 * (alone or with its bridge), or a model object (checked).
 */
export function inlineModel(source: object): EnsembleModel {
  const s = source as Record<string, unknown>;
  if ('problem' in s) {
    const { dt, saveEvery, algorithm, interpolation } = s as { dt: number; saveEvery?: number; algorithm?: SddeAlgorithm; interpolation?: HistoryInterpolation };
    return sddeModel(s.problem as SddeProblem, { dt, ...(saveEvery !== undefined ? { saveEvery } : {}), ...(algorithm ? { algorithm } : {}), ...(interpolation ? { interpolation } : {}) });
  }
  if ('asgd' in s && 'bridge' in s) return pairModel(s.asgd as AsgdConfig | AsgdSpec, s.bridge as PairOptions, (s.run as 'pair' | 'bridge-sdde' | undefined) ?? 'pair');
  if ('asgd' in s) return asgdModel(s.asgd as AsgdConfig | AsgdSpec, s.saveEvery !== undefined ? { saveEvery: s.saveEvery as number } : {});
  return checkModel(source, 'the source');
}

/**
 * Import the module at `href` (already resolved: a file URL in Node, a page-relative URL in the
 * browser) and build the model of its exported factory `ref.export(ref.args)`.
 * @throws ConfigError (`ensemble.module`) when the module cannot be imported
 */
export async function importedModel(href: string, name: string, args: unknown): Promise<EnsembleModel> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('ensemble.module', `cannot import ${href}: ${(e as Error).message}`);
  }
  return factoryModel(mod, name, args, href);
}

/** True for a module reference `{ module, export, args? }` (the source worker threads can rebuild). */
export function isEnsembleModule(s: unknown): s is { module: string | URL; export: string; args?: unknown } {
  return typeof s === 'object' && s !== null && 'module' in s && 'export' in s;
}

/**
 * The model a source describes: a module reference is imported (its URL resolved by `href`: a file
 * URL in Node, page-relative in the browser) and built by its factory; any other source is built here.
 */
export async function modelOfSource(source: object, href: (m: string | URL) => string): Promise<EnsembleModel> {
  if (isEnsembleModule(source)) return importedModel(href(source.module), source.export, source.args);
  return inlineModel(source);
}

/** A module reference with its URL resolved (what a worker receives). */
export interface ResolvedModule {
  module: string;
  export: string;
  args?: unknown;
}

/**
 * A worker's block runner (Node's worker threads and the browser's Web Workers): import the model's
 * module and build the model, load the per-path `output` of its module reference, then run blocks.
 */
export async function blockRunner(ref: ResolvedModule, spec: BlockSpec, outputRef: { module: string; export: string } | undefined, href: (m: string | URL) => string): Promise<(block: number) => BlockResult> {
  const model = await importedModel(ref.module, ref.export, ref.args);
  const output = outputRef ? await loadOutput(outputRef, href) : undefined;
  return (block) => runBlock(model, spec, block, output);
}

/** The counts of `runEnsemble`'s options, checked: paths, the seed (drawn fresh when missing), block size, and the threads asked for (undefined: the runtime's choice). */
export function ensembleCounts(options: { paths: number; seed?: number; blockSize?: number; threads?: number }): { paths: number; seed: number; blockSize: number; threads: number | undefined } {
  const paths = integer(options.paths, 'ensemble.paths', { min: 1, max: 100_000_000 });
  const seed = seedOrFresh(options.seed, 'ensemble.seed');
  const blockSize = integer(options.blockSize ?? 32, 'ensemble.blockSize', { min: 1 });
  return { paths, seed, blockSize, threads: options.threads === undefined ? undefined : integer(options.threads, 'ensemble.threads', { min: 1, max: 1024 }) };
}

/**
 * What `runEnsemble` settles once its model is built, in Node and in the browser: the analysis
 * options checked against the layout (`threads`: those requested, for refusing a function output),
 * the per-path output loaded (a module reference is imported here too, so a bad one is refused
 * before any work), the reduction, the block spec, the output's resolved module reference for the
 * workers, and the calling thread's block runner (yielding to the event loop when there is a signal).
 */
export async function ensemblePlan(
  options: EnsembleAnalysisOptions & { keepFinals?: boolean; covariance?: boolean; reduceInit?: unknown },
  layout: EnsembleLayout,
  run: { paths: number; seed: number; blockSize: number; threads: number; signal: AbortSignal | undefined },
  model: EnsembleModel,
  href: (m: string | URL) => string,
) {
  const { paths, seed, blockSize: B, signal } = run;
  if (options.keepFinals && !(paths * layout.dim <= 50_000_000)) throw new ConfigError('ensemble.keepFinals', 'too many paths to keep every final state');
  const analysis = validateAnalysis(options, paths, layout.k.length, layout.dim, layout.seriesNames.length, run.threads);
  const output: ((path: PathOutput, i: number) => unknown) | undefined = analysis.output ? await loadOutput(analysis.output, href) : undefined;
  const reducer = output ? new BlockOrderReducer(analysis.reduce, options.reduceInit, B) : undefined;
  const spec: BlockSpec = { paths, seed, blockSize: B, covariance: options.covariance ?? false, keepFinals: options.keepFinals ?? false, keepPaths: analysis.keepPaths };
  const outputRef = analysis.output && typeof analysis.output !== 'function' ? { module: href(analysis.output.module), export: analysis.output.export } : undefined;
  const pace = { since: performance.now(), paths: 1 };
  const runHere = signal ? (b: number) => runBlockYielding(model, spec, b, output, signal, pace) : (b: number) => runBlock(model, spec, b, output);
  return { analysis, reducer, spec, outputRef, nBlocks: Math.ceil(paths / B), runHere };
}

/**
 * The block hand-out bookkeeping of `runEnsemble`, whoever ran the block: keep its result, fold its
 * outputs into the reduction (in block order), report progress; `add` says when the reduction has
 * seen enough (no more blocks should be handed out).
 */
export class BlockCollector {
  readonly results: BlockResult[] = [];
  constructor(
    private readonly nBlocks: number,
    private readonly reducer: BlockOrderReducer | undefined,
    private readonly onProgress: ((done: number, total: number) => void) | undefined,
  ) {}
  /** Take a block's result; true when the reduction asks to stop. A throw from onProgress propagates. */
  add(r: BlockResult): boolean {
    this.results.push(r);
    const enough = this.reducer?.add(r.block, r.outputs ?? []) === true;
    this.onProgress?.(this.results.length, this.nBlocks);
    return enough;
  }
}

/** The model built by the factory `name` of an imported module `mod` (loaded from `href`), called with `args`. */
export async function factoryModel(mod: Record<string, unknown>, name: string, args: unknown, href: string): Promise<EnsembleModel> {
  const factory = Object.hasOwn(mod, name) ? mod[name] : undefined;
  if (typeof factory !== 'function') throw new ConfigError('ensemble.export', `${href} has no exported function ${JSON.stringify(name)} (exports: ${Object.keys(mod).join(', ') || 'none'})`);
  return checkModel(await (factory as (a: unknown) => EnsembleModel | Promise<EnsembleModel>)(args), `${href}#${name}`);
}

/**
 * The statistics of one series of an ensemble at the saved times: streaming moments of the state, of
 * ‖X − x*‖² and of F(X) − F* (when known), the final states (with `keepFinals`), the envelope
 * max ‖X(t) − X(0)‖ and the number of diverged paths.
 */
export interface SeriesStats {
  x: MomentAccumulator;
  /** With `quantiles`: the probabilities p and the quantiles, row-major saved times × p × dim (exact, type 7; see ensemble-extras.ts). */
  quantiles?: { p: number[]; values: Float64Array };
  /** With `keep: 'paths'`: every path's saved states, row-major paths × saved times × dim (NaN past a divergence). */
  paths?: Float64Array;
  sqdist?: MomentAccumulator;
  gap?: MomentAccumulator;
  finals?: Float64Array;
  envelope: number;
  diverged: number;
}

/** Check that a factory returned an ensemble model (`what` names the factory in the message). */
export function checkModel(m: unknown, what: string): EnsembleModel {
  const o = m as EnsembleModel;
  if (typeof o !== 'object' || o === null || typeof o.runPath !== 'function' || typeof o.layout !== 'object' || o.layout === null) {
    throw new ConfigError('ensemble', `${what} is not an ensemble model ({ layout, runPath(seed, path) })`);
  }
  const L = o.layout;
  if (!(L.k instanceof Float64Array) || !(L.t instanceof Float64Array) || L.k.length !== L.t.length || L.k.length === 0) throw new ConfigError('ensemble.layout', `${what}: k and t must be Float64Arrays of one positive length`);
  if (!Number.isInteger(L.dim) || L.dim < 1) throw new ConfigError('ensemble.layout.dim', `${what}: must be a positive integer, got ${L.dim}`);
  if (!Array.isArray(L.seriesNames) || L.seriesNames.length === 0) throw new ConfigError('ensemble.layout.seriesNames', `${what}: must name at least one series`);
  return o;
}

/** Merge block results (sorted here by block) into the ensemble's statistics; B is the block size. */
export function mergeBlocks(results: BlockResult[], layout: EnsembleLayout, paths: number, B: number): { series: Record<string, SeriesStats>; distance?: MomentAccumulator } {
  results.sort((a, b) => a.block - b.block);
  const series: Record<string, SeriesStats> = {};
  let distance: MomentAccumulator | undefined;
  for (const r of results) {
    for (const [name, s] of Object.entries(r.series) as [string, SeriesState][]) {
      let acc = series[name];
      if (!acc) {
        acc = series[name] = {
          x: new MomentAccumulator(s.x.nPoints, s.x.dim, { covariance: s.x.covariance }),
          ...(s.sqdist ? { sqdist: new MomentAccumulator(s.sqdist.nPoints, 1) } : {}),
          ...(s.gap ? { gap: new MomentAccumulator(s.gap.nPoints, 1) } : {}),
          ...(s.finals ? { finals: new Float64Array(paths * layout.dim).fill(NaN) } : {}),
          envelope: 0,
          diverged: 0,
        };
      }
      acc.x.merge(MomentAccumulator.fromState(s.x));
      if (s.sqdist) acc.sqdist!.merge(MomentAccumulator.fromState(s.sqdist));
      if (s.gap) acc.gap!.merge(MomentAccumulator.fromState(s.gap));
      if (s.finals) acc.finals!.set(s.finals, r.block * B * layout.dim);
      acc.envelope = Math.max(acc.envelope, s.envelope);
      acc.diverged += s.diverged;
    }
    if (r.distance) {
      distance ??= new MomentAccumulator(r.distance.nPoints, 1);
      distance.merge(MomentAccumulator.fromState(r.distance));
    }
  }
  return { series, ...(distance ? { distance } : {}) };
}

/**
 * The ensemble's results from its block results: merged statistics (block order), the kept paths
 * and their quantiles, the per-path outputs, the reduction. A reduction that stopped after block s
 * drops the blocks past s, whichever thread ran them (`paths` is then the number of paths used).
 */
export function finishEnsemble<T, A>(
  results: BlockResult[],
  layout: EnsembleLayout,
  paths: number,
  B: number,
  analysis: AnalysisPlan,
  keep: { keepPaths: boolean; keepBlocks: boolean },
  reducer: BlockOrderReducer | undefined,
): { paths: number; series: Record<string, SeriesStats>; distance?: MomentAccumulator; blocks?: BlockResult[]; outputs?: T[]; reduced?: A; stoppedEarly?: boolean } {
  const stop = reducer?.stoppedAfter;
  const ran = stop === undefined ? results : results.filter((r) => r.block <= stop);
  const pathsRun = stop === undefined ? paths : Math.min(paths, (stop + 1) * B);
  const merged = mergeBlocks(ran, layout, pathsRun, B); // sorts results by block
  if (analysis.keepPaths) addKept(merged.series, ran, layout, pathsRun, analysis.quantiles, keep.keepPaths);
  return {
    paths: pathsRun,
    ...merged,
    ...(keep.keepBlocks ? { blocks: ran } : {}),
    ...(analysis.output ? { outputs: ran.flatMap((r) => (r.outputs ?? []) as T[]) } : {}),
    ...(analysis.reduce ? { reduced: reducer!.acc as A, stoppedEarly: stop !== undefined && pathsRun < paths } : {}),
  };
}

/** The kept paths of each series in path order, and their exact quantiles. */
function addKept(series: Record<string, SeriesStats>, ran: BlockResult[], layout: EnsembleLayout, paths: number, p: number[] | undefined, keepPaths: boolean): void {
  const n = layout.k.length * layout.dim;
  for (const name of layout.seriesNames) {
    const all = new Float64Array(paths * n);
    let offset = 0;
    for (const r of ran) {
      const k = r.kept![name];
      all.set(k, offset);
      offset += k.length;
    }
    if (p) series[name].quantiles = { p, values: exactQuantiles(all, paths, layout.k.length, layout.dim, p) };
    if (keepPaths) series[name].paths = all;
  }
  for (const r of ran) delete r.kept; // the merged copies are the ones kept
}
