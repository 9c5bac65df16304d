// Worker-thread entry: plain JavaScript so it can register tsx before loading the TypeScript
// sources. Runs the blocks it is given and posts each block's statistics back.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runBlock } = await import('./ensemble-block.ts');
for (const block of workerData.blocks) {
  parentPort.postMessage(runBlock(workerData.task, block));
}
