/**
 * The host of the pair kernel (src/kernels/assembly/pair.ts `axisPairRun`): the 'axis-quantile'
 * coupling with m = 1 on least squares — the ASGD run beside the inline Eq. (5) SDDE, the whole
 * pair step in WebAssembly. The draws are the path's own streams (seed, 'delay' | 'minibatch' |
 * 'coupling', path), each read in the order the runner and the coupling read it: the lags and step
 * sizes are drawn here, a chunk of steps at a time; the minibatches (with replacement; without,
 * they are drawn here too) and the PIT's uniforms by the kernel, from the engines' MT19937 states
 * copied into its memory. The kernel takes the steps and the saves are read back from its rings. The result is the TypeScript loop's to the bit
 * (runner.ts with axis-coupling.ts's observer, which is the fallback:
 * test/bridge/axis-pair-kernel.test.ts compares them). A path on which either side turns
 * non-finite is left to that loop (returns undefined), as is everything the kernel does not cover
 * (another objective, step scales, a signal or progress callback, another backend).
 *
 * The PIT's index is built here once per law (see src/kernels/assembly/pit.ts): G cells per axis
 * with the first sample of each, and a 16-bit key per sample — the exact rank, read from about a
 * quarter of the memory the 8-byte samples take. At b = 1 the kernel also builds, once per law, the
 * table of every data row's PIT ranks ({@link axisPairAtomTable}), which a step then reads instead.
 */
import type { AsgdConfig, AsgdResult } from '../asgd/runner.ts';
import { MinibatchSampler } from '../asgd/minibatch.ts';
import { dot4 } from '../core/kernels.ts';
import { startValue } from '../asgd/start-value.ts';
import { effectiveLag, type LagSource, RandomLag } from '../delay/lags.ts';
import { gradientKernelOf } from '../kernels/gradients.ts';
import { type KernelInstance, kernelBackend, newKernelInstance } from '../kernels/index.ts';
import { RNG_BYTES } from '../kernels/layout.ts';
import type { BatchedMersenneTwister19937 } from '../random/mt19937.ts';
import { deriveEngine } from '../random/streams.ts';
import { withSolutionViews } from '../sdde/dense-output.ts';
import { everyNthCount, everyNthIndex, planSaves } from '../sdde/save-at.ts';
import type { Divergence, SddeSolution } from '../sdde/solution.ts';
import type { AxisNoiseLaw } from './axis-law.ts';

/** Pair steps per kernel call. */
const CHUNK = 256;
/** Words of the law block (pair-law.ts L_*). */
const LAW_FIELDS = 18;
/** The law block's word of the b = 1 atom table (pair-law.ts L_ATOMS). */
const L_ATOMS = 17;

/** Cells per axis of the PIT's index for M samples: M/4 (on average four samples a cell), at most 65 536. */
export function pitCells(samples: number): number {
  return Math.max(1, Math.min(65_536, Math.floor(samples / 4)));
}

/** The cell of t = (v − lo)·iw: ⌊t⌋ clamped to [0, G) (pit.ts cellOf, the same operations). */
function cellOf(t: number, G: number): number {
  return t < 0 ? 0 : t >= G ? G - 1 : Math.floor(t);
}

/** The 16-bit key of t in cell c (pit.ts keyOf). */
function keyOf(t: number, c: number): number {
  const q = Math.floor((t - c) * 65536);
  return q < 0 ? 0 : q > 65535 ? 65535 : q;
}

/** A law's data in a kernel instance of its own (reclaimed with the law), and the run's buffers. */
interface LawKernel {
  objective: object;
  inst: KernelInstance;
  A: number;
  B: number;
  block: number;
  mix: number;
  busy: boolean;
  /** The b = 1 atom table's address (pair.ts axisPairAtoms), once built. */
  atoms?: number;
  run?: { b: number; maxLag: number; cap: number; ringX: number; ringS: number; lags: number; batches: number; stepsA: number; stepsS: number; coupling: number; minibatch: number; div: number };
}

const kernels = new WeakMap<AxisNoiseLaw, LawKernel>();

/** Copy the law, the data and Ã, B̃ into a new instance, with the PIT's index (cells and keys). */
function buildLawKernel(law: AxisNoiseLaw, objective: object, A: Float64Array, B: Float64Array, At: Float64Array, Bt: Float64Array): LawKernel {
  const d = law.dim;
  const M = law.samples;
  const G = pitCells(M);
  const inst = newKernelInstance();
  const f64Block = (values: ArrayLike<number>) => {
    const p = inst.alloc(values.length * 8);
    inst.f64.set(values, p >> 3);
    return p;
  };
  const pA = f64Block(A);
  const pB = f64Block(B);
  const sorted = law.sortedSamples;
  const p = {
    whiten: f64Block(law.whitening),
    sorted: f64Block(sorted),
    keys: inst.alloc(M * d * 2 + 16), // + 16: the kernel reads eight keys at a time
    start: inst.alloc((G + 1) * d * 4),
    lo: inst.alloc(d * 8),
    iw: inst.alloc(d * 8),
    bias: f64Block(law.bias),
    dead: inst.alloc(d * 4),
    mix: inst.alloc(d * d * 8),
    At: f64Block(At),
    Bt: f64Block(Bt),
    point: f64Block(law.point),
    gPoint: f64Block(law.pointGradient),
    scratch: inst.alloc(8 * d * 8 + (5 * d + 2) * 4 + 16), // pair-law.ts scratchRow, scratchWords
    // the residuals a_iᵀx_L − b_i at the law point, once (four-chain dot products, as the kernels')
    residual: f64Block(Float64Array.from({ length: B.length }, (_, i) => dot4(A, i * d, law.point, d) - B[i])),
  };
  const block = inst.alloc(LAW_FIELDS * 4);
  const f64 = inst.f64;
  const i32 = inst.i32;
  const keys = new Uint16Array(f64.buffer, p.keys, M * d);
  for (let j = 0; j < d; j++) {
    const base = j * M;
    const lo = sorted[base];
    const width = (sorted[base + M - 1] - lo) / G;
    const iw = width > 0 ? 1 / width : 0;
    f64[(p.lo >> 3) + j] = lo;
    f64[(p.iw >> 3) + j] = iw;
    i32[(p.dead >> 2) + j] = law.degenerate[j];
    const sb = (p.start >> 2) + j * (G + 1);
    let c = 0;
    if (iw > 0) {
      for (let i = 0; i < M; i++) {
        const t = (sorted[base + i] - lo) * iw;
        const ci = cellOf(t, G);
        keys[base + i] = keyOf(t, ci);
        while (c <= ci) i32[sb + c++] = base + i; // start[c]: the first sample of cell ≥ c
      }
    }
    while (c <= G) i32[sb + c++] = base + M;
  }
  const fields = [M, G, p.whiten, p.sorted, p.keys, p.start, p.lo, p.iw, p.bias, p.dead, p.mix, p.At, p.Bt, p.point, p.gPoint, p.scratch, p.residual, 0];
  for (let i = 0; i < LAW_FIELDS; i++) i32[(block >> 2) + i] = fields[i];
  return { objective, inst, A: pA, B: pB, block, mix: p.mix, busy: false };
}

/** The ring and chunk buffers of a run with minibatch b and largest lag maxLag (kept for the next path). */
function runBuffers(k: LawKernel, d: number, b: number, maxLag: number): NonNullable<LawKernel['run']> {
  if (k.run && k.run.b === b && k.run.maxLag === maxLag) return k.run;
  const inst = k.inst;
  const cap = maxLag + CHUNK + 1;
  k.run = {
    b,
    maxLag,
    cap,
    ringX: inst.alloc(cap * d * 8),
    ringS: inst.alloc(cap * d * 8),
    lags: inst.alloc(CHUNK * 4),
    batches: inst.alloc(CHUNK * b * 4),
    stepsA: inst.alloc(CHUNK * 8),
    stepsS: inst.alloc(CHUNK * 8),
    coupling: inst.alloc(RNG_BYTES),
    minibatch: inst.alloc(RNG_BYTES),
    div: inst.alloc(16),
  };
  return k.run;
}

/**
 * The SDDE side of an inline (m = 1) axis-quantile pair: the solution record of the saved states
 * `xs` (`saved` of `nSaved` rows), as the coupling's loop and the kernel's host both return it.
 */
export function inlineSolution(d: number, K: number, saveEvery: number, delta: number, xs: Float64Array, saved: number, nSaved: number, status: 'ok' | 'diverged', divergence: Divergence | undefined, delays: Int32Array | undefined, seed: number, path: number): SddeSolution {
  const t = new Float64Array(saved);
  for (let i = 0; i < saved; i++) t[i] = Math.min(i * saveEvery, K) * delta;
  return withSolutionViews({
    status,
    ...(divergence ? { divergence } : {}),
    dim: d,
    t,
    x: saved === nSaved ? xs : xs.slice(0, saved * d),
    delays,
    steps: status === 'ok' ? K : divergence!.step - 1,
    dt: delta,
    seed,
    path,
    algorithm: { name: 'Euler–Maruyama (Eq. 5, inline with the ASGD)', strongOrder: 0.5, weakOrder: 1 },
  });
}

/**
 * The b = 1 atom table of the pair kernel: at b = 1 a step's minibatch noise at the law point is one
 * of the n atoms ∇F(x_L) − ∇f_i(x_L), so the kernel reads each atom's PIT ranks from a table it
 * computed once per law with the step's own code (src/kernels/assembly/pair.ts axisPairAtoms)
 * instead of whitening and searching every step — the same ranks, so the same bits. Built when
 * n ≤ M (the law's samples: then it costs less than the law itself). `enabled` (default true):
 * false runs b = 1 through the search (the tests compare the two); `builds` counts the tables built.
 */
export const axisPairAtomTable = { enabled: true, builds: 0 };

/** The law's atom table (built on first use; its address). */
function atomTable(lk: LawKernel, d: number, n: number): number {
  if (lk.atoms === undefined) {
    const table = lk.inst.alloc(n * d * 8);
    lk.inst.k.axisPairAtoms!(lk.A, d, lk.block, n, table);
    lk.atoms = table;
    axisPairAtomTable.builds++;
  }
  return lk.atoms;
}

/** Pair-kernel runs so far (for tests that check the kernel did run). */
export const axisPairKernelRuns = { count: 0 };

/**
 * One path of the inline axis-quantile pair in the kernel, or undefined when the TypeScript loop
 * must run it (see the header). `mix` = VΛ^{1/2}T (row-major d×d), the coupling's noise matrix.
 */
export function runAxisPairKernel(cfg: AsgdConfig, law: AxisNoiseLaw, mix: Float64Array, seed: number, path: number, saveEvery: number, delta: number): { asgd: AsgdResult; sdde: SddeSolution } | undefined {
  if (kernelBackend() !== 'wasm-simd') return undefined;
  if (cfg.coordinateDelays || cfg.sparse || cfg.compensation || cfg.stepScales) return undefined;
  if (!(Number.isInteger(path) && path >= 0 && path <= 0xffff_ffff)) return undefined; // the runner's refusal
  const obj = cfg.objective;
  const gk = gradientKernelOf(obj);
  const data = gk?.data();
  if (!gk || !data || data.kind !== 'least-squares' || !gk.normalEquations) return undefined;
  const d = obj.dim;
  const K = cfg.iterations;
  const b = cfg.batchSize;
  let plan: ReturnType<typeof planSaves>;
  try {
    plan = planSaves({ every: saveEvery }, K, 0, 1, 'options.saveAt');
  } catch {
    return undefined; // the runner throws it
  }
  if (plan.steps.length * d > 2 ** 28) return undefined;
  let lk = kernels.get(law);
  if (!lk || lk.objective !== obj) {
    lk = buildLawKernel(law, obj, data.A, data.B, gk.normalEquations.At, gk.normalEquations.Bt);
    kernels.set(law, lk);
  }
  if (lk.busy) return undefined;
  const lags: LagSource = new RandomLag(cfg.delay, deriveEngine(seed, 'delay', path));
  const maxLag = lags.maxLag;
  const minibatchEngine = deriveEngine(seed, 'minibatch', path);
  // with replacement the kernel draws the minibatches itself (MinibatchSampler's rejection, in
  // WebAssembly); without, they are drawn here
  const inKernel = cfg.sampling === 'with-replacement' && obj.n > 1;
  const sampler = inKernel ? undefined : new MinibatchSampler(obj.n, b, cfg.sampling, minibatchEngine);
  const run = runBuffers(lk, d, b, maxLag);
  const { inst, block } = lk;
  const atoms = b === 1 && axisPairAtomTable.enabled && obj.n <= law.samples ? atomTable(lk, d, obj.n) : 0;
  const f64 = inst.f64;
  const i32 = inst.i32;
  i32[(block >> 2) + L_ATOMS] = atoms;
  lk.busy = true;
  axisPairKernelRuns.count++;
  try {
    const { cap, ringX, ringS } = run;
    f64.set(mix, lk.mix >> 3);
    // the path's coupling stream (and minibatch stream) continue in the kernel
    (deriveEngine(seed, 'coupling', path) as BatchedMersenneTwister19937).save(i32, run.coupling >> 2);
    if (inKernel) (minibatchEngine as BatchedMersenneTwister19937).save(i32, run.minibatch >> 2);
    // x_0 = X_0 in row 0; rows of j < 0 hold the history (read only before the start)
    f64.set(cfg.x0, ringX >> 3);
    f64.set(cfg.x0, ringS >> 3);
    for (let j = 1; j <= maxLag; j++) {
      f64.set(cfg.history, (ringX >> 3) + (cap - j) * d);
      f64.set(cfg.history, (ringS >> 3) + (cap - j) * d);
    }
    const saveSteps = plan.steps;
    const kOut = new Int32Array(saveSteps.length);
    const xOut = new Float64Array(saveSteps.length * d);
    const FOut = new Float64Array(saveSteps.length);
    const delays = new Int32Array(K);
    const nSaved = everyNthCount(K, saveEvery);
    const xs = new Float64Array(nSaved * d);
    xs.set(cfg.x0, 0);
    let saved = 0;
    const x = Float64Array.from(cfg.x0);
    if (saveSteps[0] === 0) {
      xOut.set(x, 0);
      FOut[0] = startValue(cfg, x);
      saved = 1;
    }
    const batch = new Int32Array(b);
    const { eta, schedule, beforeHistory: policy } = cfg;
    const lagW = run.lags >> 2;
    const batchW = run.batches >> 2;
    const stepA = run.stepsA >> 3;
    const stepS = run.stepsS >> 3;
    const div = run.div >> 2;
    let slot = 0;
    for (let k = 0; k < K; ) {
      const n = Math.min(CHUNK, K - k);
      for (let i = 0; i < n; i++) {
        const kk = k + i;
        const lag = effectiveLag(lags.next(kk), kk, maxLag, policy);
        if (!(lag >= 0 && lag <= maxLag)) throw new RangeError(`lag source returned ${lag} at iteration ${kk}, outside [0, maxLag = ${maxLag}]`);
        i32[lagW + i] = lag;
        delays[kk] = lag;
        if (sampler) {
          sampler.draw(batch);
          i32.set(batch, batchW + i * b);
        }
        const u = schedule.at(kk);
        f64[stepA + i] = eta * u;
        f64[stepS + i] = eta * u;
      }
      i32[div] = -1;
      i32[div + 1] = -1;
      const start = slot;
      slot = inst.k.axisPairRun!(lk.A, lk.B, d, b, block, n, ringX, ringS, cap, slot, run.lags, run.batches, run.stepsA, run.stepsS, run.coupling, inKernel ? run.minibatch : 0, obj.n, 0x1_0000_0000 - (0x1_0000_0000 % obj.n), run.div);
      if (i32[div] >= 0 || i32[div + 1] >= 0) return undefined; // a non-finite step: the TypeScript loop runs this path
      const rowOf = (s: number) => {
        const row = start + (s - k);
        return (row >= cap ? row - cap : row) * d;
      };
      while (saved < saveSteps.length && saveSteps[saved] <= k + n) {
        const s = saveSteps[saved];
        const r = (ringX >> 3) + rowOf(s);
        for (let i = 0; i < d; i++) x[i] = f64[r + i];
        kOut[saved] = s;
        xOut.set(x, saved * d);
        FOut[saved] = obj.value(x);
        saved++;
      }
      for (let s = k + 1; s <= k + n; s++) {
        const at = everyNthIndex(s, K, saveEvery);
        if (at >= 0) {
          const r = (ringS >> 3) + rowOf(s);
          for (let i = 0; i < d; i++) xs[at * d + i] = f64[r + i];
        }
      }
      k += n;
    }
    const asgd: AsgdResult = { status: 'ok', dim: d, k: kOut, x: xOut, F: FOut, delays, iterations: K, seed, path };
    return { asgd, sdde: inlineSolution(d, K, saveEvery, delta, xs, nSaved, nSaved, 'ok', undefined, delays, seed, path) };
  } finally {
    lk.busy = false;
  }
}
