/**
 * Worker-thread entry of `runEnsemble`: takes block indices from the shared counter until none are
 * left, posting each block's statistics, then posts 'done'. The built package runs the compiled
 * file with plain Node; from the TypeScript sources (tests, notebooks) `ensemble-worker.dev.mjs`
 * registers tsx first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBlock, type EnsembleTask } from './ensemble-block.ts';

const { task, counter, nBlocks } = workerData as { task: EnsembleTask; counter: SharedArrayBuffer; nBlocks: number };
const next = new Int32Array(counter);
for (;;) {
  const block = Atomics.add(next, 0, 1);
  if (block >= nBlocks) break;
  parentPort!.postMessage(runBlock(task, block));
}
parentPort!.postMessage('done');
