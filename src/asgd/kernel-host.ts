/**
 * The host side of the whole-iteration ASGD kernel (src/kernels/assembly/asgd.ts `asgdRun`): the
 * runner (src/asgd/runner.ts) hands a validated run here when its objective has a gradient kernel
 * (least squares, logistic regression), the backend is WebAssembly and no per-step observer is
 * attached. Lags, minibatches and steps η·u_k·α(l_k) are drawn here from the run's own streams, in
 * the runner's order, for a chunk of iterations; the kernel then reads the iterates, forms the
 * gradients and updates, and the saves (with F, evaluated by the objective) are read back from its
 * ring. Bit-identical to the runner's loop (test/kernels/backends.test.ts). The TypeScript
 * fallback is the runner's own loop.
 */
import type { FiniteSumObjective } from './objective.ts';
import type { MinibatchSampler } from './minibatch.ts';
import type { Schedule } from './schedule.ts';
import { type BeforeHistory, effectiveLag, type LagSource } from '../delay/lags.ts';
import { type GradientKernel, gradientKernelOf } from '../kernels/gradients.ts';
import { kernelBackend } from '../kernels/index.ts';

/** Iterations per kernel call. */
const CHUNK = 256;

export interface AsgdKernelRun {
  objective: FiniteSumObjective;
  x0: Float64Array;
  history: Float64Array;
  eta: number;
  iterations: number;
  batchSize: number;
  policy: BeforeHistory;
  schedule: Schedule;
  stepScales?: Float64Array;
  lags: LagSource;
  sampler: MinibatchSampler;
  saveSteps: Int32Array;
  /** Outputs sized by the caller; `saved` entries already written (iteration 0). */
  kOut: Int32Array;
  xOut: Float64Array;
  FOut: Float64Array;
  saved: number;
  delays?: Int32Array;
  batches?: Int32Array;
}

/** The objective's kernel when a run can use it (else the runner's loop runs). */
export function asgdKernelFor(objective: FiniteSumObjective, batchSize: number, maxLag: number): GradientKernel | undefined {
  if (kernelBackend() !== 'wasm-simd') return undefined;
  const kernel = gradientKernelOf(objective);
  if (!kernel || kernel.running) return undefined;
  // kernel memory: ring of maxLag + CHUNK iterates, a chunk of minibatches
  const bytes = 8 * (maxLag + CHUNK) * objective.dim + 4 * CHUNK * batchSize;
  return bytes < 2 ** 29 ? kernel : undefined;
}

/** Kernel runs so far (for tests that check the kernel did run). */
export const asgdRuns = { count: 0 };

/** Run to the end or the first non-finite iterate; returns the iterations done, saves written, status. */
export function runAsgdKernel(kernel: GradientKernel, run: AsgdKernelRun): { iterations: number; saved: number; status: 'ok' | 'diverged' } {
  const { objective: obj, eta, batchSize: b, policy, schedule, stepScales, lags, sampler, saveSteps, kOut, xOut, FOut, delays, batches } = run;
  const d = obj.dim;
  const K = run.iterations;
  const maxLag = lags.maxLag;
  asgdRuns.count++;
  const args = kernel.runArgs(b);
  const inst = kernel.instance(b);
  const mark = inst.mark();
  kernel.running = true;
  try {
    const cap = maxLag + CHUNK + 1;
    const ring = inst.alloc(cap * d * 8);
    const lagBuf = inst.alloc(CHUNK * 4);
    const batchBuf = inst.alloc(CHUNK * b * 4);
    const stepBuf = inst.alloc(CHUNK * 8);
    const div = inst.alloc(4);
    const f64 = inst.f64;
    const i32 = inst.i32;
    // x_0 in row 0; rows of j < 0 hold the history (read only under 'history', as the runner does)
    f64.set(run.x0, ring >> 3);
    for (let j = 1; j <= maxLag; j++) f64.set(run.history, (ring >> 3) + (cap - j) * d);
    const batch = new Int32Array(b);
    const x = new Float64Array(d);
    let saved = run.saved;
    let slot = 0;
    let k = 0;
    while (k < K) {
      const n = Math.min(CHUNK, K - k);
      for (let i = 0; i < n; i++) {
        const kk = k + i;
        const lag = effectiveLag(lags.next(kk), kk, maxLag, policy);
        if (!(lag >= 0 && lag <= maxLag)) throw new RangeError(`lag source returned ${lag} at iteration ${kk}, outside [0, maxLag = ${maxLag}]`);
        i32[(lagBuf >> 2) + i] = lag;
        if (delays) delays[kk] = lag;
        sampler.draw(batch);
        i32.set(batch, (batchBuf >> 2) + i * b);
        if (batches) batches.set(batch, kk * b);
        const u = schedule.at(kk);
        f64[(stepBuf >> 3) + i] = stepScales ? eta * u * stepScales[lag] : eta * u;
      }
      i32[div >> 2] = -1;
      const start = slot;
      slot = inst.k.asgdRun!(args.kind, args.A, args.B, d, args.l2, n, ring, cap, slot, lagBuf, batchBuf, b, stepBuf, args.g, args.cbuf, div);
      const q = i32[div >> 2];
      const last = q >= 0 ? k + q : k + n; // iterates x_j, j ≤ last, are finite
      while (saved < saveSteps.length && saveSteps[saved] <= last) {
        const s = saveSteps[saved];
        let row = start + (s - k);
        if (row >= cap) row -= cap;
        for (let i = 0; i < d; i++) x[i] = f64[(ring >> 3) + row * d + i];
        kOut[saved] = s;
        xOut.set(x, saved * d);
        FOut[saved] = obj.value(x);
        saved++;
      }
      if (q >= 0) return { iterations: k + q, saved, status: 'diverged' };
      k += n;
    }
    return { iterations: K, saved, status: 'ok' };
  } finally {
    kernel.running = false;
    inst.release(mark);
  }
}
