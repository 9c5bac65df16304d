/**
 * The Web Worker of `runEnsemble` in the browser (src/stats/ensemble.browser.ts), bundled by
 * scripts/build.mjs as an ES module: dist/web/ensemble-worker.js. On 'init' it imports the module
 * source and builds the model, and the per-path `output` of its module reference when given (a
 * refusal goes back as a ConfigError's field and reason), then runs each block it is sent — the
 * same block runner as Node's worker threads (src/stats/ensemble-merge.ts), so the same bits.
 */
import { ConfigError } from '../src/core/errors.ts';
import { kernelsReady } from '../src/kernels/index.ts';
import type { BlockResult } from '../src/stats/ensemble-block.ts';
import { blockRunner, type EnsembleWorkerReply, type EnsembleWorkerRequest, moduleHref } from '../src/stats/ensemble.browser.ts';

declare const self: { onmessage: ((e: { data: EnsembleWorkerRequest }) => void) | null; postMessage(m: EnsembleWorkerReply): void };

let runner: Promise<(block: number) => BlockResult> | undefined;

const fail = (err: unknown) =>
  self.postMessage(err instanceof ConfigError ? { type: 'error', message: err.message, field: err.field, reason: err.reason } : { type: 'error', message: String((err as Error)?.stack ?? err) });

self.onmessage = async (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'init') {
      // the kernels compile asynchronously; the TypeScript fallback gives the same bits meanwhile
      runner = kernelsReady().then(() => blockRunner(msg.ref, msg.spec, msg.outputRef, moduleHref));
      await runner;
      self.postMessage({ type: 'ready' });
    } else {
      const result: BlockResult = (await runner!)(msg.block);
      self.postMessage({ type: 'result', result });
    }
  } catch (err) {
    fail(err);
  }
};
