/**
 * Worker-thread entry of `runEnsemble`: builds the model of its module source once (importing the
 * module and calling the exported factory with the given arguments), then takes block indices from
 * the shared counter until none are left, posting each block's statistics, then posts 'done'. The
 * built package runs the compiled file with plain Node; from the TypeScript sources (tests,
 * notebooks) `ensemble-worker.dev.mjs` registers tsx first.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { adoptKernelModule } from '../kernels/index.ts';
import { loadModel, moduleHref, type EnsembleModule } from './ensemble.ts';
import { type EnsembleStatistics, runBlock } from './ensemble-block.ts';
import { loadOutput } from './ensemble-extras.ts';

const { ref, spec, counter, nBlocks, kernels, outputRef } = workerData as { ref: EnsembleModule; spec: EnsembleStatistics & { paths: number; seed: number; keepPaths?: boolean }; counter: SharedArrayBuffer; nBlocks: number; kernels?: WebAssembly.Module; outputRef?: { module: string; export: string } };
// the main thread's compiled kernels, instead of compiling them again
adoptKernelModule(kernels);
const model = await loadModel(ref);
const output = outputRef ? await loadOutput(outputRef, moduleHref) : undefined;
const next = new Int32Array(counter);
for (;;) {
  const block = Atomics.add(next, 0, 1);
  if (block >= nBlocks) break;
  parentPort!.postMessage(runBlock(model, spec, block, output));
}
parentPort!.postMessage('done');
