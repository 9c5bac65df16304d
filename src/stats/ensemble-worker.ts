/**
 * Worker-thread entry of `runEnsemble`: takes block indices from the shared counter until none are
 * left, posting each block's statistics, then posts 'done'. The built package runs the compiled
 * file with plain Node; from the TypeScript sources (tests, notebooks) `ensemble-worker.dev.mjs`
 * registers tsx first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptKernelModule } from '../kernels/index.ts';
import { runBlock, type EnsembleTask } from './ensemble-block.ts';

const { task, counter, nBlocks, kernels } = workerData as { task: EnsembleTask; counter: SharedArrayBuffer; nBlocks: number; kernels?: WebAssembly.Module };
// the main thread's compiled (and by now optimized) kernels, instead of compiling them again
adoptKernelModule(kernels);
const next = new Int32Array(counter);
for (;;) {
  const block = Atomics.add(next, 0, 1);
  if (block >= nBlocks) break;
  parentPort!.postMessage(runBlock(task, block));
}
parentPort!.postMessage('done');
