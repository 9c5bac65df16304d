/**
 * How fast the CNN objective (src/asgd/objectives/cnn.ts) runs: forward + backward (the summed
 * minibatch gradient, b = 16) and forward only (the loss over all examples), in µs per example,
 * under the WebAssembly kernel and its TypeScript twin, best of 5 repeats; and the time of one
 * pass over 10 000 images. Times are CPU time of this process (process.cpuUsage), i.e. time on one
 * core, so that other jobs on a shared machine inflate them less than wall-clock time would. Generated 28×28 images stand in for MNIST (the cost does not depend
 * on the pixel values). Not part of the tests (speed is never asserted).
 *
 *   node --import tsx scripts/bench-cnn.ts                       the default architecture
 *   node --import tsx scripts/bench-cnn.ts '{"channels":[16,32]}' another (CnnArchitecture fields as JSON)
 */
import { loadavg } from 'node:os';
import { cnnInitialPoint, generatedCnn } from '../src/asgd/objectives/cnn.ts';
import { type KernelBackend, setKernelBackend } from '../src/kernels/index.ts';

const arch = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const n = 2000;
const obj = generatedCnn({ n, size: 28, classes: 10, seed: 1, ...arch });
const x = cnnInitialPoint(obj, 1);
const b = 16;
const batch = new Int32Array(b);
const out = new Float64Array(obj.dim);
console.log(`${obj.description}\nparameters: ${obj.dim}; load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} (2 cores, shared)`);

/** CPU milliseconds (user + system) of this process. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function best(repeats: number, f: () => number): number {
  let t = Infinity;
  for (let r = 0; r < repeats; r++) t = Math.min(t, f());
  return t;
}

for (const backend of ['wasm-simd', 'typescript'] as KernelBackend[]) {
  setKernelBackend(backend);
  const steps = backend === 'wasm-simd' ? 100 : 20;
  obj.minibatchGradientSum!(batch, b, x, out); // warm up (copies the data into kernel memory)
  const grad = best(5, () => {
    const t0 = cpuMs();
    for (let s = 0; s < steps; s++) {
      for (let m = 0; m < b; m++) batch[m] = (s * b + m) % n;
      obj.minibatchGradientSum!(batch, b, x, out);
    }
    return ((cpuMs() - t0) * 1000) / (steps * b);
  });
  const fwd = best(3, () => {
    const t0 = cpuMs();
    obj.value(x);
    return ((cpuMs() - t0) * 1000) / n;
  });
  console.log(`${backend.padEnd(10)} forward+backward ${grad.toFixed(1)} µs/example (${((grad * 1e4) / 1e6).toFixed(2)} s per 10 000 images); forward only ${fwd.toFixed(1)} µs/example`);
}
setKernelBackend('auto');
