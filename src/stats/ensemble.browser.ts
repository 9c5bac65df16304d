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
 * Web Workers; in the calling thread, blocks yield to the page's events about every 50 ms), a
 * missing seed drawn fresh, and `output` / `reduce`: with Web Workers the per-path `output` must be
 * a module reference `{ module, export }` (an ES module URL the workers import, as for the model),
 * while `reduce` runs in the calling thread on the blocks' outputs in block order — the same bits
 * for any thread count, and as in Node.
 */
import { ConfigError } from '../core/errors.ts';
import { abortReason, optionalSignal, throwIfAborted } from '../core/abort.ts';
import type { BlockResult, BlockSpec, EnsembleModel } from './ensemble-block.ts';
import type { EnsembleModule, EnsembleOptions, EnsembleResult, EnsembleSource } from './ensemble.ts';
import type { EnsembleAnalysisOptions } from './ensemble-extras.ts';
import { BlockCollector, ensembleCounts, ensemblePlan, finishEnsemble, isEnsembleModule, modelOfSource, type ResolvedModule } from './ensemble-merge.ts';

export type { BlockResult, EnsembleLayout, EnsembleModel, EnsembleStatistics, PathOutput } from './ensemble-block.ts';
export type { EnsembleModule, EnsembleOptions, EnsembleResult, EnsembleSource } from './ensemble.ts';
export type { SeriesStats } from './ensemble-merge.ts';
export { asgdModel, pairModel, sddeModel } from './ensemble-block.ts';
export { blockRunner, checkModel, isEnsembleModule } from './ensemble-merge.ts';

/** A module reference as an absolute URL (relative ones resolve against the page or worker location). */
export function moduleHref(m: string | URL): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  try {
    return new URL(String(m), base).href;
  } catch {
    throw new ConfigError('ensemble.module', `not a URL: ${String(m)}`);
  }
}

/** The model a source describes (module sources are imported and built here). */
export async function modelOf(source: EnsembleSource): Promise<EnsembleModel> {
  return modelOfSource(source, moduleHref);
}

/** What the page and an ensemble Web Worker (web/ensemble-worker.ts) say to each other. */
export type EnsembleWorkerRequest = { type: 'init'; ref: ResolvedModule; spec: BlockSpec; outputRef?: { module: string; export: string } } | { type: 'block'; block: number };
export type EnsembleWorkerReply = { type: 'ready' } | { type: 'result'; result: BlockResult } | { type: 'error'; message: string; field?: string; reason?: string };

/** Ensemble statistics of N paths (see ensemble.ts for the Node version; same results). */
export async function runEnsemble<T = unknown, A = unknown>(source: EnsembleSource, options: EnsembleOptions<T, A>): Promise<EnsembleResult<T, A>> {
  const counts = ensembleCounts(options);
  const { paths, seed, blockSize: B } = counts;
  const requested = counts.threads ?? 1;
  const viaModule = isEnsembleModule(source);
  if (requested > 1 && !viaModule) {
    throw new ConfigError('ensemble.threads', `${requested} Web Workers need a source they can rebuild: give { module, export, args } (the URL of an ES module and an exported factory (args) => { layout, runPath }) instead of objects holding functions`);
  }
  if (requested > 1 && options.workerUrl === undefined) {
    throw new ConfigError('ensemble.workerUrl', `${requested} Web Workers need the URL of the worker script: serve node_modules/asgd-sdde/dist/web/ensemble-worker.js beside your page and pass its URL`);
  }
  const model = await modelOf(source); // validates everything before any work
  const layout = model.layout;
  const signal = optionalSignal(options.signal, 'ensemble.signal');
  const { analysis, reducer, spec, outputRef, nBlocks, runHere } = await ensemblePlan(options as EnsembleAnalysisOptions, layout, { paths, seed, blockSize: B, threads: requested, signal }, model, moduleHref);
  throwIfAborted(signal);
  const threads = Math.min(requested, nBlocks);
  const started = performance.now();
  const collected = new BlockCollector(nBlocks, reducer, options.onProgress);
  if (threads === 1) {
    // with a signal, the blocks yield to the page's events (an abort) about every 50 ms
    for (let b = 0; b < nBlocks; b++) {
      if (collected.add(await runHere(b))) break;
      throwIfAborted(signal);
    }
  } else {
    const m = source as EnsembleModule;
    await onWebWorkers(String(options.workerUrl), { ref: { module: moduleHref(m.module), export: m.export, args: m.args }, spec, ...(outputRef ? { outputRef } : {}) }, nBlocks, threads, collected, signal);
  }
  const finished = finishEnsemble<T, A>(collected.results, layout, paths, B, analysis, { keepPaths: options.keep === 'paths', keepBlocks: options.keepBlocks ?? false }, reducer);
  return { ...layout, seed, ...finished, threads, seconds: (performance.now() - started) / 1000 };
}

/**
 * Run blocks 0 … nBlocks − 1 on `threads` module Web Workers, handing out the next block as each
 * finishes one, until every block is back or the reduction has seen enough (the blocks still out
 * then finish and are collected; finishEnsemble drops those past the stopping one).
 */
function onWebWorkers(url: string, init: Omit<Extract<EnsembleWorkerRequest, { type: 'init' }>, 'type'>, nBlocks: number, threads: number, collected: BlockCollector, signal?: AbortSignal): Promise<void> {
  const workers: Worker[] = [];
  let next = 0;
  let out = 0;
  let enough = false;
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const onAbort = () => stop(abortReason(signal!));
    const stop = (e?: unknown) => {
      for (const w of workers) w.terminate();
      signal?.removeEventListener('abort', onAbort);
      if (e === undefined) resolve();
      else if (!failed) {
        failed = true;
        reject(e);
      }
    };
    // an abort ends the Web Workers at once; no partial result
    signal?.addEventListener('abort', onAbort, { once: true });
    const feed = (w: Worker) => {
      if (enough || next >= nBlocks) {
        if (out === 0) stop();
        return;
      }
      out++;
      w.postMessage({ type: 'block', block: next++ } satisfies EnsembleWorkerRequest);
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
          out--;
          try {
            if (collected.add(msg.result)) enough = true;
          } catch (err) {
            stop(err); // a throwing onProgress or reduce ends the ensemble, its workers too
            return;
          }
          feed(w);
        }
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        stop(new ConfigError('ensemble.workerUrl', `the Web Worker ${url} failed: ${e.message || 'could not be loaded (is the URL right, and served as JavaScript?)'}`));
      };
      w.postMessage({ type: 'init', ...init } satisfies EnsembleWorkerRequest);
    }
  });
}
