/**
 * The Web Worker of `runEnsemble` in the browser (src/stats/ensemble.browser.ts), bundled by
 * scripts/build.mjs as an ES module: dist/web/ensemble-worker.js. On 'init' it imports the module
 * source and builds the model (a refusal goes back as a ConfigError's field and reason), then runs
 * each block it is sent — the same runBlock as Node's worker threads, so the same bits.
 */
import { ConfigError } from '../src/core/errors.ts';
import { kernelsReady } from '../src/kernels/index.ts';
import { type BlockResult, type EnsembleModel, runBlock } from '../src/stats/ensemble-block.ts';
import { type EnsembleWorkerReply, type EnsembleWorkerRequest, loadModel } from '../src/stats/ensemble.browser.ts';

declare const self: { onmessage: ((e: { data: EnsembleWorkerRequest }) => void) | null; postMessage(m: EnsembleWorkerReply): void };

let model: Promise<EnsembleModel> | undefined;
let spec: Parameters<typeof runBlock>[1] | undefined;

const fail = (err: unknown) =>
  self.postMessage(err instanceof ConfigError ? { type: 'error', message: err.message, field: err.field, reason: err.reason } : { type: 'error', message: String((err as Error)?.stack ?? err) });

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'init') {
      spec = msg.spec;
      // the kernels compile asynchronously; the TypeScript fallback gives the same bits meanwhile
      model = kernelsReady().then(() => loadModel(msg.ref));
      await model;
      self.postMessage({ type: 'ready' });
    } else {
      const result: BlockResult = runBlock(await model!, spec!, msg.block);
      self.postMessage({ type: 'result', result });
    }
  } catch (err) {
    fail(err);
  }
};
