/**
 * The host side of the CNN kernel (assembly/cnn.ts, twin cnn-fallback.ts): the images and labels
 * of one objective copied into a kernel instance of each backend on first use, and calls that move
 * only x, the batch and the result. Which backend runs is read at each call (kernelBackend), so
 * setKernelBackend takes effect at once; both give the same bits.
 */
import { type CnnShape, cnnShape } from './cnn-shape.ts';
import { type KernelBackend, type KernelInstance, kernelBackend, newKernelInstance } from './index.ts';

/** Gradient modes of the kernel: write one example's gradient, sum the batch's, add their mean. */
const WRITE = 0;
const SUM = 1;
const MEAN_ADD = 2;

interface Slot {
  inst: KernelInstance;
  A: number;
  labels: number;
  x: number;
  out: number;
  S: number;
  batch: number;
  capacity: number;
}

/**
 * The small CNN of src/asgd/objectives/cnn.ts in the kernels: the loss over all examples, one
 * example's scores, and per-example gradients (written, summed, or averaged into a buffer).
 * Not re-entrant (one scratch per backend).
 */
export class CnnKernel {
  /** The sizes and offsets (cnnShape). */
  readonly shape: CnnShape;
  private readonly A: Float64Array;
  private readonly labels: Int32Array;
  private readonly n: number;
  private readonly l2: number;
  private readonly slots: Partial<Record<KernelBackend, Slot>> = {};

  /**
   * @param A - n images of H·W pixels, row-major (copied into kernel memory on first use).
   * @param labels - n labels in [0, C).
   */
  constructor(A: Float64Array, labels: Int32Array, n: number, H: number, W: number, k: number, c1: number, c2: number, h: number, C: number, l2: number) {
    this.A = A;
    this.labels = labels;
    this.n = n;
    this.l2 = l2;
    this.shape = cnnShape(H, W, k, c1, c2, h, C);
  }

  /** The slot of the current backend, its batch buffer at least `count` long. */
  private slot(count: number): Slot {
    const b = kernelBackend();
    let s = this.slots[b];
    if (!s) {
      const inst = newKernelInstance();
      const dim = this.shape.dim;
      s = { inst, A: inst.alloc(this.A.length * 8), labels: inst.alloc(this.n * 4), x: inst.alloc(dim * 8), out: inst.alloc(dim * 8), S: inst.alloc(this.shape.scratch * 8), batch: 0, capacity: 0 };
      inst.f64.set(this.A, s.A >> 3);
      inst.i32.set(this.labels, s.labels >> 2);
      this.slots[b] = s;
    }
    if (count > s.capacity) {
      s.capacity = Math.max(count, 2 * s.capacity, 64);
      s.batch = s.inst.alloc(s.capacity * 4);
    }
    return s;
  }

  private putX(s: Slot, x: Float64Array): void {
    const f = s.inst.f64;
    const xb = s.x >> 3;
    for (let k = 0; k < this.shape.dim; k++) f[xb + k] = x[k]; // by index: no subarray view per call
  }

  private putBatch(s: Slot, batch: ArrayLike<number>, count: number): void {
    const i32 = s.inst.i32;
    const at = s.batch >> 2;
    for (let m = 0; m < count; m++) {
      const i = batch[m];
      if (!(i >= 0 && i < this.n)) throw new RangeError(`minibatch index ${i} at position ${m} is outside [0, ${this.n})`);
      i32[at + m] = i;
    }
  }

  private call(s: Slot, count: number, mode: number): void {
    const { H, W, k, c1, c2, h, C } = this.shape;
    s.inst.k.cnnGradient(s.A, s.labels, H, W, k, c1, c2, h, C, this.l2, s.batch, count, mode, s.x, s.out, s.S);
  }

  /** F(x) = (1/n) Σ_i f_i(x) + (λ/2)‖x‖² (the examples in order). */
  value(x: Float64Array): number {
    const s = this.slot(0);
    this.putX(s, x);
    const { H, W, k, c1, c2, h, C } = this.shape;
    return s.inst.k.cnnValue(s.A, s.labels, this.n, H, W, k, c1, c2, h, C, this.l2, s.x, s.S);
  }

  /** The class scores of example i at x into `scores` (length C). */
  scores(x: Float64Array, i: number, scores: Float64Array): void {
    const s = this.slot(0);
    this.putX(s, x);
    const { H, W, k, c1, c2, h, C } = this.shape;
    s.inst.k.cnnForward(s.A, H, W, k, c1, c2, h, C, s.x, i, s.S);
    const f = s.inst.f64;
    const at = (s.S >> 3) + this.shape.sS;
    for (let c = 0; c < C; c++) scores[c] = f[at + c];
  }

  /** out = ∇f_i(x) (λx included). */
  componentGradient(i: number, x: Float64Array, out: Float64Array): void {
    const s = this.slot(1);
    this.putBatch(s, [i], 1);
    this.putX(s, x);
    this.call(s, 1, WRITE);
    this.getOut(s, out, 0);
  }

  /** out = Σ_{m<count} ∇f_{batch[m]}(x), summed in batch order. */
  gradientSum(batch: ArrayLike<number>, count: number, x: Float64Array, out: Float64Array): void {
    const s = this.slot(count);
    this.putBatch(s, batch, count);
    this.putX(s, x);
    this.call(s, count, SUM);
    this.getOut(s, out, 0);
  }

  /** out[offset + k] += (∇f_{batch[m]}(x))_k / count for m in order. */
  gradMeanAdd(batch: ArrayLike<number>, count: number, x: Float64Array, out: Float64Array, offset: number): void {
    const s = this.slot(count);
    this.putBatch(s, batch, count);
    this.putX(s, x);
    const f = s.inst.f64;
    const ob = s.out >> 3;
    for (let k = 0; k < this.shape.dim; k++) f[ob + k] = out[offset + k];
    this.call(s, count, MEAN_ADD);
    this.getOut(s, out, offset);
  }

  private getOut(s: Slot, out: Float64Array, offset: number): void {
    const f = s.inst.f64;
    const ob = s.out >> 3;
    for (let k = 0; k < this.shape.dim; k++) out[offset + k] = f[ob + k];
  }
}
