/**
 * Minibatch gradient sums of the ASGD runner in the WebAssembly kernels
 * (src/kernels/assembly/asgd.ts): the objective's data live in a kernel instance of its own, copied
 * there on the first call, so a call moves only x, the batch indices and the result. The
 * TypeScript fallback of these kernels is the objective's own loop (least-squares.ts,
 * logistic.ts), which they reproduce bit for bit; `useGradientKernel` says which one runs.
 */
import { type KernelInstance, kernelBackend, newKernelInstance } from './index.ts';

/** count·d from which a kernel call pays for its copies. */
export const MIN_WORK = 64;

/** Whether a minibatch of `count` rows of dimension d goes to the WebAssembly kernel. */
export function useGradientKernel(count: number, d: number): boolean {
  return count * d >= MIN_WORK && kernelBackend() === 'wasm-simd';
}

type Kind = 'least-squares' | 'logistic';

/** The data of one objective in kernel memory, with scratch for one call. */
export class GradientKernel {
  private readonly kind: Kind;
  private readonly A: Float64Array;
  /** Responses b (least squares) or labels y (logistic). */
  private readonly B: Float64Array;
  private readonly d: number;
  private readonly l2: number;
  private inst: KernelInstance | undefined;
  private pA = 0;
  private pB = 0;
  private pX = 0;
  private pOut = 0;
  private pBatch = 0;
  private pC = 0;
  private capacity = 0;

  constructor(kind: Kind, A: Float64Array, B: Float64Array, d: number, l2 = 0) {
    this.kind = kind;
    this.A = A;
    this.B = B;
    this.d = d;
    this.l2 = l2;
  }

  private instance(count: number): KernelInstance {
    let inst = this.inst;
    if (!inst) {
      inst = this.inst = newKernelInstance();
      this.capacity = 0;
      this.pA = inst.alloc(this.A.length * 8);
      this.pB = inst.alloc(this.B.length * 8);
      this.pX = inst.alloc(this.d * 8);
      this.pOut = inst.alloc(this.d * 8);
      inst.f64.set(this.A, this.pA >> 3);
      inst.f64.set(this.B, this.pB >> 3);
    }
    if (count > this.capacity) {
      this.capacity = Math.max(count, 2 * this.capacity, 64);
      this.pBatch = inst.alloc(this.capacity * 4);
      this.pC = inst.alloc(this.capacity * 8);
    }
    return inst;
  }

  /** Σ_{m<count} ∇f_{batch[m]}(x) into out. */
  gradientSum(batch: Int32Array, count: number, x: Float64Array, out: Float64Array): void {
    const d = this.d;
    const inst = this.instance(count);
    const i32 = inst.i32;
    const f64 = inst.f64;
    const pb = this.pBatch >> 2;
    const n = this.B.length;
    for (let m = 0; m < count; m++) {
      const i = batch[m];
      if (!(i >= 0 && i < n)) throw new RangeError(`minibatch index ${i} at position ${m} is outside [0, ${n})`);
      i32[pb + m] = i;
    }
    const px = this.pX >> 3;
    for (let j = 0; j < d; j++) f64[px + j] = x[j];
    if (this.kind === 'least-squares') inst.k.lsqGradSum!(this.pA, this.pB, d, this.pBatch, count, this.pX, this.pOut);
    else inst.k.logisticGradSum!(this.pA, this.pB, d, this.l2, this.pBatch, count, this.pX, this.pOut, this.pC);
    const po = this.pOut >> 3;
    for (let j = 0; j < d; j++) out[j] = f64[po + j];
  }
}
