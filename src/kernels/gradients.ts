/**
 * Minibatch gradient sums of the ASGD runner in the WebAssembly kernels
 * (src/kernels/assembly/asgd.ts): the objective's data live in a kernel instance of its own, copied
 * there on the first call, so a call moves only x, the batch indices and the result. The
 * TypeScript fallback of these kernels is the objective's own loop (least-squares.ts,
 * logistic.ts), which they reproduce bit for bit; `useGradientKernel` says which one runs.
 */
import { type KernelInstance, kernelBackend, newKernelInstance } from './index.ts';

/** Least squares keeps Aᵀ in kernel memory too (for F) up to this many numbers (256 MB). */
const TRANSPOSED_MAX = 2 ** 25;

/** count·d from which a kernel call pays for its copies. */
export const MIN_WORK = 64;

/** Whether a minibatch of `count` rows of dimension d goes to the WebAssembly kernel. */
export function useGradientKernel(count: number, d: number): boolean {
  return count * d >= MIN_WORK && kernelBackend() === 'wasm-simd';
}

type Kind = 'least-squares' | 'logistic';

/** Copy batch[0 … count) into kernel memory at word `at`, refusing an index outside [0, n) (the kernels trust them). */
function copyBatch(i32: Int32Array, at: number, batch: Int32Array, count: number, n: number): void {
  for (let m = 0; m < count; m++) {
    const i = batch[m];
    if (!(i >= 0 && i < n)) throw new RangeError(`minibatch index ${i} at position ${m} is outside [0, ${n})`);
    i32[at + m] = i;
  }
}

/** The gradient kernel of an objective that has one (least squares, logistic), for whole-run kernels. */
const registry = new WeakMap<object, () => GradientKernel>();

export function registerGradientKernel(objective: object, kernel: () => GradientKernel): void {
  registry.set(objective, kernel);
}

export function gradientKernelOf(objective: object): GradientKernel | undefined {
  return registry.get(objective)?.();
}

/** The data of one objective in kernel memory, with scratch for one call. */
export class GradientKernel {
  private readonly kind: Kind;
  private readonly A: Float64Array;
  /** Responses b (least squares) or labels y (logistic). */
  private readonly B: Float64Array;
  private readonly d: number;
  private readonly l2: number;
  private inst: KernelInstance | undefined;
  /** Set while a whole run uses the instance (see runIterations). */
  running = false;
  private pA = 0;
  private pB = 0;
  private pX = 0;
  private pOut = 0;
  private pBatch = 0;
  private pC = 0;
  /** x and ∇F of fullGradient: scratch of their own, so a whole run's scratch is never touched. */
  private pFx = 0;
  /** Least squares: Aᵀ (d×n) for F, when A has at most TRANSPOSED_MAX numbers (0: absent). */
  private pAt = 0;
  private pFout = 0;
  private capacity = 0;
  /** States and gradients of fullGradients, room for `manyCapacity` states. */
  private pMx = 0;
  private pMout = 0;
  private manyCapacity = 0;

  /**
   * Least squares: Ã = AᵀA/n (row-major d×d) and B̃ = AᵀB/n, the objective's full gradient
   * ∇F(x) = Ãx − B̃ (each row a four-chain dot product), for kernels that take SDDE steps.
   */
  readonly normalEquations: { At: Float64Array; Bt: Float64Array } | undefined;

  constructor(kind: Kind, A: Float64Array, B: Float64Array, d: number, l2 = 0, normalEquations?: { At: Float64Array; Bt: Float64Array }) {
    this.kind = kind;
    this.A = A;
    this.B = B;
    this.d = d;
    this.l2 = l2;
    this.normalEquations = normalEquations;
  }

  /** The objective's data as given: kind, rows A (n×d, row-major), responses or labels B, d, λ. */
  data(): { kind: Kind; A: Float64Array; B: Float64Array; d: number; l2: number } {
    return { kind: this.kind, A: this.A, B: this.B, d: this.d, l2: this.l2 };
  }

  /** The kernel instance holding the data (created on first use). */
  instance(count: number): KernelInstance {
    let inst = this.inst;
    if (!inst) {
      inst = this.inst = newKernelInstance();
      this.capacity = 0;
      this.pA = inst.alloc(this.A.length * 8);
      this.pB = inst.alloc(this.B.length * 8);
      this.pX = inst.alloc(this.d * 8);
      this.pOut = inst.alloc(this.d * 8);
      this.pFx = inst.alloc(this.d * 8);
      this.pFout = inst.alloc(this.d * 8);
      inst.f64.set(this.A, this.pA >> 3);
      inst.f64.set(this.B, this.pB >> 3);
      if (this.kind === 'least-squares' && this.A.length <= TRANSPOSED_MAX) {
        // Aᵀ as well, for F (lsqValueT: one load per two rows); allocated here, never inside a
        // whole run's allocation mark (runAsgdKernel evaluates F at its saves)
        const n = this.B.length;
        const d = this.d;
        this.pAt = inst.alloc(this.A.length * 8);
        const at = this.pAt >> 3;
        const f64 = inst.f64;
        for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) f64[at + j * n + i] = this.A[i * d + j];
      }
    }
    if (count > this.capacity) {
      this.capacity = Math.max(count, 2 * this.capacity, 64);
      this.pBatch = inst.alloc(this.capacity * 4);
      this.pC = inst.alloc(this.capacity * 8);
    }
    return inst;
  }

  /** What asgdRun needs: the kind code, the data pointers, d, λ and the scratch for b = count. */
  runArgs(count: number): { kind: number; A: number; B: number; d: number; l2: number; cbuf: number; g: number } {
    this.instance(count);
    return { kind: this.kind === 'least-squares' ? 0 : 1, A: this.pA, B: this.pB, d: this.d, l2: this.l2, cbuf: this.pC, g: this.pOut };
  }

  /** Σ_{m<count} ∇f_{batch[m]}(x) into out. */
  gradientSum(batch: Int32Array, count: number, x: Float64Array, out: Float64Array): void {
    const d = this.d;
    const inst = this.instance(count);
    const i32 = inst.i32;
    const f64 = inst.f64;
    const pb = this.pBatch >> 2;
    copyBatch(i32, pb, batch, count, this.B.length);
    const px = this.pX >> 3;
    for (let j = 0; j < d; j++) f64[px + j] = x[j];
    if (this.kind === 'least-squares') inst.k.lsqGradSum!(this.pA, this.pB, d, this.pBatch, count, this.pX, this.pOut);
    else inst.k.logisticGradSum!(this.pA, this.pB, d, this.l2, this.pBatch, count, this.pX, this.pOut, this.pC);
    const po = this.pOut >> 3;
    for (let j = 0; j < d; j++) out[j] = f64[po + j];
  }

  /**
   * The full gradient ∇F(x) = (1/n) Σ_i ∇f_i(x) into out (logistic regression only: the SDDE's
   * drift of the bridge, n·d multiply-adds per call), the bits of the objective's own `gradient`.
   */
  fullGradient(x: Float64Array, out: Float64Array): void {
    if (this.kind !== 'logistic') throw new Error('GradientKernel.fullGradient: logistic regression only');
    const d = this.d;
    const inst = this.instance(0);
    const px = this.pFx >> 3;
    let f64 = inst.f64;
    for (let j = 0; j < d; j++) f64[px + j] = x[j]; // by index: no subarray view per call
    inst.k.logisticFullGrad!(this.pA, this.pB, this.B.length, d, this.l2, this.pFx, this.pFout);
    f64 = inst.f64;
    const po = this.pFout >> 3;
    for (let j = 0; j < d; j++) out[j] = f64[po + j];
  }

  /**
   * ∇F at p states at once (logistic regression only): X holds the p states of d numbers one after
   * the other, out receives their gradients likewise. One pass over the data serves all p; each
   * gradient has the bits of {@link GradientKernel.fullGradient} at its state (the TypeScript
   * fallback is `gradient` state by state). Measured by bench/logistic-full-gradients.ts against p
   * single-state passes; the library's pairs do not step side by side on it, since it pays too
   * little (docs/performance-and-reproducibility.md, W6).
   */
  fullGradients(X: Float64Array, p: number, out: Float64Array): void {
    if (this.kind !== 'logistic') throw new Error('GradientKernel.fullGradients: logistic regression only');
    const d = this.d;
    const inst = this.instance(0);
    if (p > this.manyCapacity) {
      this.manyCapacity = Math.max(p, 2 * this.manyCapacity, 8);
      this.pMx = inst.alloc(this.manyCapacity * d * 8);
      this.pMout = inst.alloc(this.manyCapacity * d * 8);
    }
    const pd = p * d;
    let f64 = inst.f64;
    const px = this.pMx >> 3;
    for (let j = 0; j < pd; j++) f64[px + j] = X[j];
    inst.k.logisticFullGradMany!(this.pA, this.pB, this.B.length, d, this.l2, this.pMx, p, this.pMout);
    f64 = inst.f64;
    const po = this.pMout >> 3;
    for (let j = 0; j < pd; j++) out[j] = f64[po + j];
  }

  /** F(x), the bits of the objective's own `value` (evaluated at every ASGD save). */
  value(x: Float64Array): number {
    const d = this.d;
    const inst = this.instance(0);
    const px = this.pFx >> 3;
    const f64 = inst.f64;
    for (let j = 0; j < d; j++) f64[px + j] = x[j];
    if (this.kind === 'least-squares') return this.pAt !== 0 ? inst.k.lsqValueT!(this.pAt, this.pB, this.B.length, d, this.pFx) : inst.k.lsqValue!(this.pA, this.pB, this.B.length, d, this.pFx);
    return inst.k.logisticValue!(this.pA, this.pB, this.B.length, d, this.l2, this.pFx);
  }
}

/**
 * Whether the full gradient ∇F (and the value F) of an n×d objective goes to the WebAssembly kernel
 * (`GradientKernel.fullGradient`, `GradientKernel.value`): under the wasm-simd backend, from
 * n·d ≥ {@link MIN_WORK}.
 */
export function useFullGradientKernel(n: number, d: number): boolean {
  return n * d >= MIN_WORK && kernelBackend() === 'wasm-simd';
}

/**
 * The tanh MLP of src/asgd/objectives/mlp.ts in the WebAssembly kernels (assembly/mlp.ts): the
 * loss over all examples (what the parameter server evaluates at every save) and the worker's
 * averaged minibatch gradient. The TypeScript fallback is the objective's own code.
 */
export class MlpKernel {
  private readonly A: Float64Array;
  private readonly labels: Int32Array;
  private readonly n: number;
  private readonly d: number;
  private readonly h: number;
  private readonly C: number;
  private readonly l2: number;
  private readonly dim: number;
  private inst: KernelInstance | undefined;
  private p = { A: 0, labels: 0, x: 0, out: 0, u: 0, s: 0, g1: 0, gi: 0, batch: 0 };
  private capacity = 0;

  constructor(A: Float64Array, labels: Int32Array, n: number, d: number, h: number, C: number, l2: number) {
    this.A = A;
    this.labels = labels;
    this.n = n;
    this.d = d;
    this.h = h;
    this.C = C;
    this.l2 = l2;
    this.dim = h * d + h + C * h + C;
  }

  /** The kernel instance holding the data (created on first use). */
  instance(count: number): KernelInstance {
    let inst = this.inst;
    if (!inst) {
      inst = this.inst = newKernelInstance();
      const p = this.p;
      p.A = inst.alloc(this.A.length * 8);
      p.labels = inst.alloc(this.n * 4);
      p.x = inst.alloc(this.dim * 8);
      p.out = inst.alloc(this.dim * 8);
      p.u = inst.alloc(this.h * 8);
      p.s = inst.alloc(this.C * 8);
      p.g1 = inst.alloc(this.h * 8);
      p.gi = inst.alloc(this.dim * 8);
      inst.f64.set(this.A, p.A >> 3);
      inst.i32.set(this.labels, p.labels >> 2);
    }
    if (count > this.capacity) {
      this.capacity = Math.max(count, 2 * this.capacity, 64);
      this.p.batch = inst.alloc(this.capacity * 4);
    }
    return inst;
  }

  value(x: Float64Array): number {
    const inst = this.instance(0);
    const p = this.p;
    const f = inst.f64;
    const xb = p.x >> 3;
    for (let k = 0; k < this.dim; k++) f[xb + k] = x[k]; // copied by index: no subarray view per call
    return inst.k.mlpValue!(p.A, p.labels, this.n, this.d, this.h, this.C, this.l2, p.x, p.u, p.s);
  }

  /** out[offset + k] += (∇f_{batch[m]}(x))_k / count for m in order. */
  gradMeanAdd(batch: Int32Array, count: number, x: Float64Array, out: Float64Array, offset: number): void {
    const inst = this.instance(count);
    const p = this.p;
    copyBatch(inst.i32, p.batch >> 2, batch, count, this.n);
    const dim = this.dim;
    const f = inst.f64;
    const xb = p.x >> 3;
    const ob = p.out >> 3;
    // copied by index: a subarray view per call would allocate on every ASGD step
    for (let k = 0; k < dim; k++) {
      f[xb + k] = x[k];
      f[ob + k] = out[offset + k];
    }
    inst.k.mlpGradMeanAdd!(p.A, p.labels, this.d, this.h, this.C, this.l2, p.batch, count, p.x, p.out, p.u, p.s, p.g1, p.gi);
    const r = inst.f64; // (the view as the call left it)
    for (let k = 0; k < dim; k++) out[offset + k] = r[ob + k];
  }
}
