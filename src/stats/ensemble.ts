/**
 * Ensembles: N independent paths of one configuration, path i driven by the streams of
 * (seed, path i), summarized by streaming moments at the saved times.
 *
 * Reproducibility whatever the thread count: paths are grouped in fixed blocks; each block is
 * accumulated sequentially, and the blocks are merged in block order. Threads only decide who
 * computes which block, so 1 thread and 2 threads give bit-identical statistics.
 *
 * Parallelism: worker_threads on all cores when the ensemble is large enough to pay for starting
 * them (each worker loads the library, ~0.5 s).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ConfigError } from '../core/errors.ts';
import { workerEntryUrl } from '../core/worker-entry.ts';
import { kernelModule } from '../kernels/index.ts';
import { integer, seedValue } from '../core/validate.ts';
import { type BlockResult, ensembleLayout, type EnsembleLayout, type EnsembleTask, runBlock, type SeriesState } from './ensemble-block.ts';
import { MomentAccumulator } from './welford.ts';

export type { BlockResult, EnsembleTask, EnsembleRun } from './ensemble-block.ts';

export interface SeriesStats {
  x: MomentAccumulator;
  sqdist?: MomentAccumulator;
  gap?: MomentAccumulator;
  finals?: Float64Array;
  envelope: number;
  diverged: number;
}

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

export interface EnsembleOptions {
  /** Worker threads; default: all cores when paths × saved points is large, else 1. */
  threads?: number;
  /** Called after each block. */
  onProgress?: (done: number, total: number) => void;
  /** Keep each block's statistics (for jackknife standard errors). */
  keepBlocks?: boolean;
}

/**
 * Path-steps below which threads do not pay for their start-up: a worker compiles and loads the
 * library (~1 s) while one thread runs a few million steps per second.
 */
const PARALLEL_THRESHOLD = 20_000_000;

/**
 * The worker's entry file. The built package (dist/stats/ensemble.js) starts the compiled
 * ensemble-worker.js with plain Node; running from the TypeScript sources (tests, notebooks under
 * tsx) it starts a development shim that registers tsx first.
 */
export function ensembleWorkerUrl(moduleUrl: string = import.meta.url): URL {
  return workerEntryUrl(moduleUrl, 'ensemble-worker');
}

function mergeBlocks(results: BlockResult[], layout: EnsembleLayout, task: EnsembleTask): Pick<EnsembleResult, 'series' | 'distance'> {
  results.sort((a, b) => a.block - b.block);
  const series: Record<string, SeriesStats> = {};
  let distance: MomentAccumulator | undefined;
  const B = task.blockSize ?? 32;
  for (const r of results) {
    for (const [name, s] of Object.entries(r.series) as [string, SeriesState][]) {
      let acc = series[name];
      if (!acc) {
        acc = series[name] = {
          x: new MomentAccumulator(s.x.nPoints, s.x.dim, { covariance: s.x.covariance }),
          ...(s.sqdist ? { sqdist: new MomentAccumulator(s.sqdist.nPoints, 1) } : {}),
          ...(s.gap ? { gap: new MomentAccumulator(s.gap.nPoints, 1) } : {}),
          ...(s.finals ? { finals: new Float64Array(task.paths * layout.dim).fill(NaN) } : {}),
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

export async function runEnsemble(task: EnsembleTask, options: EnsembleOptions = {}): Promise<EnsembleResult> {
  const paths = integer(task.paths, 'ensemble.paths', { min: 1, max: 100_000_000 });
  seedValue(task.seed, 'ensemble.seed');
  const B = integer(task.blockSize ?? 32, 'ensemble.blockSize', { min: 1 });
  const layout = ensembleLayout(task); // validates the config before any work
  if (task.keepFinals && !(paths * layout.dim <= 50_000_000)) throw new ConfigError('ensemble.keepFinals', 'too many paths to keep every final state');
  const nBlocks = Math.ceil(paths / B);
  const work = paths * layout.steps;
  const threads = Math.max(1, Math.min(nBlocks, options.threads ?? (work >= PARALLEL_THRESHOLD ? availableParallelism() : 1)));
  const started = performance.now();
  const results: BlockResult[] = [];
  // Blocks are taken from a shared atomic counter by the main thread and by threads − 1 workers:
  // work starts at once, workers join when they have loaded, and the load balances itself.
  // Which thread ran a block does not matter: results are merged in block order.
  const counter = new SharedArrayBuffer(4);
  const next = new Int32Array(counter);
  const workers = Array.from({ length: threads - 1 }, () => {
    const worker = new Worker(ensembleWorkerUrl(), { workerData: { task, counter, nBlocks, kernels: kernelModule() } });
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (r: BlockResult | 'done') => {
        if (r === 'done') {
          void worker.terminate().then(() => resolve());
          return;
        }
        results.push(r);
        options.onProgress?.(results.length, nBlocks);
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0 && code !== 1) reject(new Error(`ensemble worker exited with code ${code}`));
      });
    });
  });
  for (;;) {
    const b = Atomics.add(next, 0, 1);
    if (b >= nBlocks) break;
    results.push(runBlock(task, b));
    options.onProgress?.(results.length, nBlocks);
    // let worker messages in (progress, and their results) between blocks
    if (threads > 1) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(workers);
  const merged = mergeBlocks(results, layout, task); // sorts results by block
  return { ...layout, paths, seed: task.seed, ...merged, ...(options.keepBlocks ? { blocks: results } : {}), threads, seconds: (performance.now() - started) / 1000 };
}
