/**
 * The browser twin of ensemble.ts (package.json "browser" field): `runEnsemble` with Web Workers
 * instead of Node's worker threads, and the same statistics bit for bit for the same seed and
 * block size, whatever the thread count and whichever runtime (blocks are the same code,
 * src/stats/ensemble-block.ts, merged in block order, src/stats/ensemble-merge.ts).
 *
 *  - threads: 1 (the default) runs every block in the calling thread — any source.
 *  - threads: N > 1 runs the blocks on N Web Workers and leaves the calling thread free (a page
 *    stays responsive). It needs a module source `{ module, export, args }`: the URL of an ES
 *    module (bundled for the browser) exporting a factory `(args) => EnsembleModel`, which each
 *    worker imports; and `workerUrl`: the URL of the package's worker script
 *    `dist/web/ensemble-worker.js` (an ES module; copy it beside your page). Workers are given
 *    blocks one at a time by messages, so no SharedArrayBuffer (cross-origin isolation) is needed.
 *
 * The analysis options work as in Node: `quantiles`, `keep: 'paths'`, `signal` (an abort ends the
 * Web Workers), a missing seed drawn fresh; `output` / `reduce` run in the calling thread, so they
 * need threads: 1 here (an `output` with threads > 1 is refused with a ConfigError).
 */
import { ConfigError } from '../core/errors.ts';
import { abortReason, optionalSignal, throwIfAborted } from '../core/abort.ts';
import { seedOrFresh } from '../core/seed.ts';
import { integer } from '../core/validate.ts';
import { type BlockResult, type EnsembleModel, runBlock } from './ensemble-block.ts';
import type { EnsembleModule, EnsembleOptions, EnsembleResult, EnsembleSource } from './ensemble.ts';
import { BlockOrderReducer, type EnsembleAnalysisOptions, loadOutput, validateAnalysis } from './ensemble-extras.ts';
import { finishEnsemble, importedModel, inlineModel } from './ensemble-merge.ts';

export type { BlockResult, EnsembleLayout, EnsembleModel, EnsembleStatistics, PathOutput } from './ensemble-block.ts';
export type { EnsembleModule, EnsembleOptions, EnsembleResult, EnsembleSource } from './ensemble.ts';
export type { SeriesStats } from './ensemble-merge.ts';
export { asgdModel, pairModel, sddeModel } from './ensemble-block.ts';
export { checkModel } from './ensemble-merge.ts';

export function isEnsembleModule(s: unknown): s is EnsembleModule {
  return typeof s === 'object' && s !== null && 'module' in s && 'export' in s;
}

/** A module reference as an absolute URL (relative ones resolve against the page or worker location). */
export function moduleHref(m: string | URL): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return new URL(String(m), base).href;
  } catch {
    throw new ConfigError('ensemble.module', `not a URL: ${String(m)}`);
  }
}

/** Build the model of a module source: import the module, call its factory. */
export async function loadModel(ref: EnsembleModule): Promise<EnsembleModel> {
  return importedModel(moduleHref(ref.module), ref.export, ref.args);
}

/** The model a source describes (module sources are imported and built here). */
export async function modelOf(source: EnsembleSource): Promise<EnsembleModel> {
  if (isEnsembleModule(source)) return loadModel(source);
  return inlineModel(source);
}

/** What the page and an ensemble Web Worker (web/ensemble-worker.ts) say to each other. */
export type EnsembleWorkerRequest = { type: 'init'; ref: { module: string; export: string; args?: unknown }; spec: BlockSpec } | { type: 'block'; block: number };
export type EnsembleWorkerReply = { type: 'ready' } | { type: 'result'; result: BlockResult } | { type: 'error'; message: string; field?: string; reason?: string };
type BlockSpec = { paths: number; seed: number; blockSize: number; covariance: boolean; keepFinals: boolean; keepPaths: boolean };

/** Ensemble statistics of N paths (see ensemble.ts for the Node version; same results). */
export async function runEnsemble<T = unknown, A = unknown>(source: EnsembleSource, options: EnsembleOptions<T, A>): Promise<EnsembleResult<T, A>> {
  const paths = integer(options.paths, 'ensemble.paths', { min: 1, max: 100_000_000 });
  const seed = seedOrFresh(options.seed, 'ensemble.seed');
  const B = integer(options.blockSize ?? 32, 'ensemble.blockSize', { min: 1 });
  const requested = options.threads === undefined ? 1 : integer(options.threads, 'ensemble.threads', { min: 1, max: 1024 });
  const viaModule = isEnsembleModule(source);
  if (requested > 1 && !viaModule) {
    throw new ConfigError('ensemble.threads', `${requested} Web Workers need a source they can rebuild: give { module, export, args } (the URL of an ES module and an exported factory (args) => { layout, runPath }) instead of objects holding functions`);
  }
  if (requested > 1 && options.workerUrl === undefined) {
    throw new ConfigError('ensemble.workerUrl', `${requested} Web Workers need the URL of the worker script: serve node_modules/asgd-sdde/dist/web/ensemble-worker.js beside your page and pass its URL`);
  }
  const model = await modelOf(source); // validates everything before any work
  const layout = model.layout;
  if (options.keepFinals && !(paths * layout.dim <= 50_000_000)) throw new ConfigError('ensemble.keepFinals', 'too many paths to keep every final state');
  const analysis = validateAnalysis(options as EnsembleAnalysisOptions, paths, layout.k.length, layout.dim, layout.seriesNames.length, requested);
  if (analysis.output && requested > 1) throw new ConfigError('ensemble.output', 'runs in the calling thread in the browser: use threads: 1 with output / reduce');
  const output = analysis.output ? await loadOutput(analysis.output, moduleHref) : undefined;
  const reducer = output ? new BlockOrderReducer(analysis.reduce, options.reduceInit, B) : undefined;
  const signal = optionalSignal(options.signal, 'ensemble.signal');
  throwIfAborted(signal);
  const spec: BlockSpec = { paths, seed, blockSize: B, covariance: options.covariance ?? false, keepFinals: options.keepFinals ?? false, keepPaths: analysis.keepPaths };
  const nBlocks = Math.ceil(paths / B);
  const threads = Math.min(requested, nBlocks);
  const started = performance.now();
  let results: BlockResult[];
  if (threads === 1) {
    results = [];
    for (let b = 0; b < nBlocks; b++) {
      const r = runBlock(model, spec, b, output);
      results.push(r);
      const enough = reducer?.add(r.block, r.outputs ?? []) === true;
      options.onProgress?.(results.length, nBlocks);
      if (enough) break;
      // with a signal, let the page's events (an abort) in between blocks
      if (signal) {
        await new Promise((resume) => setTimeout(resume, 0));
        throwIfAborted(signal);
      }
    }
  } else {
    const m = source as EnsembleModule;
    results = await onWebWorkers(String(options.workerUrl), { module: moduleHref(m.module), export: m.export, args: m.args }, spec, nBlocks, threads, options.onProgress, signal);
  }
  const finished = finishEnsemble<T, A>(results, layout, paths, B, analysis, { keepPaths: options.keep === 'paths', keepBlocks: options.keepBlocks ?? false }, reducer);
  return { ...layout, seed, ...finished, threads, seconds: (performance.now() - started) / 1000 };
}

/** Run blocks 0 … nBlocks − 1 on `threads` module Web Workers, handing out the next block as each finishes one. */
function onWebWorkers(url: string, ref: { module: string; export: string; args?: unknown }, spec: BlockSpec, nBlocks: number, threads: number, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<BlockResult[]> {
  const results: BlockResult[] = [];
  const workers: Worker[] = [];
  let next = 0;
  return new Promise<BlockResult[]>((resolve, reject) => {
    let failed = false;
    const onAbort = () => stop(abortReason(signal!));
    const stop = (e?: unknown) => {
      for (const w of workers) w.terminate();
      signal?.removeEventListener('abort', onAbort);
      if (e === undefined) resolve(results);
      else if (!failed) {
        failed = true;
        reject(e);
      }
    };
    // an abort ends the Web Workers at once; no partial result
    signal?.addEventListener('abort', onAbort, { once: true });
    const feed = (w: Worker) => {
      if (next < nBlocks) w.postMessage({ type: 'block', block: next++ } satisfies EnsembleWorkerRequest);
    };
    for (let i = 0; i < threads; i++) {
      let w: Worker;
      try {
        w = new Worker(url, { type: 'module' });
      } catch (e) {
        stop(new ConfigError('ensemble.workerUrl', `cannot start a Web Worker from ${url}: ${(e as Error).message}`));
        return;
      }
      workers.push(w);
      w.onmessage = (e: MessageEvent<EnsembleWorkerReply>) => {
        const msg = e.data;
        if (msg.type === 'error') stop(msg.field ? new ConfigError(msg.field, msg.reason ?? msg.message) : new Error(`ensemble Web Worker: ${msg.message}`));
        else if (msg.type === 'ready') feed(w);
        else {
          if (failed) return;
          results.push(msg.result);
          try {
            onProgress?.(results.length, nBlocks);
          } catch (err) {
            stop(err); // a throwing onProgress ends the ensemble, its workers too
            return;
          }
          if (results.length === nBlocks) stop();
          else feed(w);
        }
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        stop(new ConfigError('ensemble.workerUrl', `the Web Worker ${url} failed: ${e.message || 'could not be loaded (is the URL right, and served as JavaScript?)'}`));
      };
      w.postMessage({ type: 'init', ref, spec } satisfies EnsembleWorkerRequest);
    }
  });
}
