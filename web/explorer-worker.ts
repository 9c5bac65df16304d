/**
 * The explorer's Web Worker: runs the model (src/explorer/model.ts) off the page's thread, so the
 * page never freezes; posts progress after each ensemble path, then the result, or the refusal of
 * an invalid value (with the control it belongs to). The page cancels a computation by terminating
 * this worker and starting a new one. The MNIST subset is fetched once, when first asked for.
 */
import { ConfigError } from '../src/core/errors.ts';
import { controlOf, explore, type ExplorerSettings, type MnistAsset } from '../src/explorer/model.ts';
import { kernelsReady } from '../src/kernels/index.ts';

declare const self: { onmessage: ((e: { data: { id: number; settings: ExplorerSettings } }) => void) | null; postMessage(m: unknown): void };

let mnist: MnistAsset | null | undefined; // null: this build has none
// The WebAssembly kernels compile asynchronously (a browser may refuse a synchronous compile of a
// module this size); until they are ready nothing runs, and where WebAssembly SIMD is missing the
// TypeScript fallback gives the same bits, only slower.
const kernels = kernelsReady();

self.onmessage = async (e) => {
  const { id, settings } = e.data;
  const backend = await kernels;
  if (settings.objective === 'mnist' && mnist === undefined) {
    try {
      const r = await fetch('mnist-3v8.json');
      mnist = r.ok ? ((await r.json()) as MnistAsset) : null;
    } catch {
      mnist = null;
    }
  }
  let last = 0;
  try {
    const result = explore(settings, {
      ...(mnist ? { mnist } : {}),
      onProgress: (done, total) => {
        // at most ~100 messages per run
        if (done === total || done - last >= Math.max(1, Math.floor(total / 100))) {
          last = done;
          self.postMessage({ id, type: 'progress', done, total });
        }
      },
    });
    self.postMessage({ id, type: 'result', result, kernels: backend });
  } catch (err) {
    if (err instanceof ConfigError) self.postMessage({ id, type: 'invalid', field: err.field, reason: err.reason, control: controlOf(err.field, settings) });
    else self.postMessage({ id, type: 'error', message: String((err as Error)?.stack ?? err) });
  }
};
