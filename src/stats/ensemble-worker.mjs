// Worker-thread entry: plain JavaScript so it can register tsx before loading the TypeScript
// sources. Takes block indices from the shared counter until none are left, posting each
// block's statistics, then posts 'done'.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runBlock } = await import('./ensemble-block.ts');
const next = new Int32Array(workerData.counter);
for (;;) {
  const block = Atomics.add(next, 0, 1);
  if (block >= workerData.nBlocks) break;
  parentPort.postMessage(runBlock(workerData.task, block));
}
parentPort.postMessage('done');
