/**
 * The host side of the Euler–Maruyama kernels (src/kernels/assembly/em.ts): `solve` and the
 * ensembles hand a validated problem here, and the steps run in chunks of `CHUNK` steps per
 * kernel call — the random numbers of a chunk first (`normals`, continuing each path's own MT19937
 * stream bit for bit), then the steps. Calling in chunks is also what lets V8 move the kernels from
 * its baseline compiler to its optimizing one, which only happens between calls.
 *
 * What runs here (everything else stays on the general loop of src/sdde/solve.ts):
 *   - Euler–Maruyama with increments from the library's Gaussian stream (or no noise);
 *   - d = 1: linear drift, constant scalar/diagonal diffusion, any lag source — and up to
 *     MAX_LANES paths at once (f64x2 lanes) when their lag is constant;
 *   - d ≥ 2: linear drift with constant diffusion (all four noise kinds), or a drift and/or a
 *     diffusion function evaluated here between kernel steps when the noise is full and
 *     G·ΔB is large (d·m ≥ 64), where the kernel's matrix–vector product pays for the call. A
 *     constant full G multiplies the increments of GIVEN_BLOCK steps at once (matvec4Many, a
 *     blocked matrix product with each row summed as the per-step product sums it).
 * Results are bit-identical to the general loop (test/kernels/), including divergence, saving and
 * the recorded lags.
 *
 * The ring buffer holds maxLag + (steps per call) rows (row j mod cap = X_j), so that every state of a chunk
 * is still there to be saved after it; rows of steps −maxLag … −1 are filled before the first step
 * with ξ(t0 + j·h) ('history') or X_0 ('clip': then a constant lag reads X_0 before the start,
 * which is what clipping gives), so the kernels read the history like any other row.
 */
import { checkedLag, ConstantLag, type LagSource } from '../delay/lags.ts';
import { BatchedMersenneTwister19937 } from '../random/mt19937.ts';
import { GaussianIncrements } from './brownian.ts';
import type { CoefficientFn, SddeProblem } from './problem.ts';
import { evalHistory } from './problem-compile.ts';
import { borrowKernels, type KernelInstance, returnKernels } from '../kernels/index.ts';
import { EM_HAS_A, EM_HAS_B, EM_HAS_C, EM_HAS_NOISE, MAX_LANES, NOISE_CODE, NOISE_GIVEN, RNG_BYTES, RNG_POOL, RNG_POOL_LEFT } from '../kernels/layout.ts';

/** Steps per kernel call (a group of paths; d ≥ 2). */
const CHUNK = 256;
/** Steps per kernel call for one scalar path: its calls are short, so fewer of them. */
const CHUNK_ONE = 2048;
/** Steps per block of increments and G·ΔB with a constant full G (matvec4Many's block of vectors). */
const GIVEN_BLOCK = 32;
/** d·m from which a drift or diffusion function is worth running beside the kernel. */
const HYBRID_MIN_WORK = 64;

/** One path of a kernel run: its streams in, its outputs out (arrays sized by the caller). */
export interface EmPath {
  /** The path's Brownian increments (null when the problem has no noise). */
  noise: GaussianIncrements | null;
  lags: LagSource;
  /** Saved times and states; the first `saved` entries are already written (step 0). */
  tOut: Float64Array;
  xOut: Float64Array;
  saved: number;
  delays?: Int32Array;
  /** Set by the run. */
  status: 'ok' | 'diverged';
  divergence?: { step: number; time: number };
  /** Steps taken (the diverging step's index on divergence). */
  steps: number;
}

export interface EmRun {
  problem: SddeProblem;
  h: number;
  nSteps: number;
  /** Grid steps to save, ascending. */
  saveSteps: ArrayLike<number>;
  /** X_0 = ξ(t0). */
  x0: Float64Array;
}

/** Whether the kernels run this solve (given that the algorithm is Euler–Maruyama). */
export function emKernelApplies(problem: SddeProblem, noise: unknown, lags: LagSource): boolean {
  if (noise !== null && !streamOfLibrary(noise)) return false;
  if (!(lags.maxLag >= 0 && Number.isInteger(lags.maxLag))) return false;
  const d = problem.dim;
  const dif = problem.diffusion;
  // kernel memory (ring, ΔB, matrices) stays well below WebAssembly's 32-bit address space; a
  // larger history runs on the general loop, whose ring is an ordinary Float64Array
  const bytes = 8 * ((lags.maxLag + CHUNK_ONE) * d * MAX_LANES + CHUNK * (Math.max(1, dif.noiseDim) + d) + 2 * d * d + dif.size);
  if (!(bytes < 2 ** 30)) return false;
  const linear = problem.linearDrift !== null;
  const constantNoise = dif.kind === 'none' || dif.constant !== null;
  if (d === 1) return linear && constantNoise && dif.kind !== 'full';
  if (linear && constantNoise) return true;
  return dif.kind === 'full' && d * dif.noiseDim >= HYBRID_MIN_WORK;
}

/** Whether several paths of this problem can share one kernel call (d = 1, same constant lag). */
export function emKernelGroups(problem: SddeProblem, lags: LagSource): boolean {
  return problem.dim === 1 && lags instanceof ConstantLag;
}

function streamOfLibrary(noise: unknown): noise is GaussianIncrements {
  return noise instanceof GaussianIncrements && noise.sampler.streamState().engine instanceof BatchedMersenneTwister19937;
}

/** Kernel runs so far (for tests that check the kernels did run). */
export const emRuns = { count: 0 };

/**
 * Run paths (1 … MAX_LANES of them; several only when `emKernelGroups`) to the end or their
 * divergence, writing saves, lags, status and steps into each EmPath.
 */
export function runEmKernel(run: EmRun, paths: EmPath[]): void {
  emRuns.count++;
  const inst = borrowKernels();
  try {
    if (run.problem.dim === 1) runScalar(inst, run, paths);
    else runVector(inst, run, paths[0]);
  } finally {
    returnKernels(inst);
  }
}


interface Streams {
  blocks: number[];
  load(): void;
  store(): void;
}

/** Copy each path's generator and layer pool into kernel memory (and back afterwards). */
function streams(inst: KernelInstance, paths: EmPath[]): Streams {
  const blocks = paths.map((p) => (p.noise ? inst.alloc(RNG_BYTES) : 0));
  return {
    blocks,
    load() {
      paths.forEach((p, l) => {
        if (!p.noise) return;
        const s = p.noise.sampler.streamState();
        (s.engine as BatchedMersenneTwister19937).save(inst.i32, blocks[l] >> 2);
        inst.u32[(blocks[l] + RNG_POOL) >> 2] = s.pool;
        inst.i32[(blocks[l] + RNG_POOL_LEFT) >> 2] = s.poolLeft;
      });
    },
    store() {
      paths.forEach((p, l) => {
        if (!p.noise) return;
        const s = p.noise.sampler.streamState();
        (s.engine as BatchedMersenneTwister19937).restore(inst.i32, blocks[l] >> 2);
        p.noise.sampler.setPool(inst.u32[(blocks[l] + RNG_POOL) >> 2], inst.i32[(blocks[l] + RNG_POOL_LEFT) >> 2]);
      });
    },
  };
}

/** Fill history rows j = −maxLag … −1 of a ring (rows of `width` doubles, `lanes` copies each). */
function prefill(inst: KernelInstance, run: EmRun, ring: number, cap: number, maxLag: number, lanes: number): void {
  const { problem, h } = run;
  const d = problem.dim;
  const t0 = problem.t0;
  const v = new Float64Array(d);
  const rowAt = (row: number, x: Float64Array) => {
    for (let l = 0; l < lanes; l++) for (let i = 0; i < d; i++) inst.f64[(ring >> 3) + row * d * lanes + i * lanes + l] = x[i];
  };
  rowAt(0, run.x0);
  for (let j = -1; j >= -maxLag; j--) {
    if (problem.beforeHistory === 'history') {
      evalHistory(problem.history, t0 + j * h, v);
      rowAt(cap + j, v);
    } else rowAt(cap + j, run.x0);
  }
}

function runScalar(inst: KernelInstance, run: EmRun, paths: EmPath[]): void {
  const { problem, h, nSteps, saveSteps } = run;
  const G = paths.length;
  if (G < 1 || G > MAX_LANES) throw new RangeError(`kernel lanes: ${G}`);
  const lags = paths[0].lags;
  const maxLag = lags.maxLag;
  const constant = lags instanceof ConstantLag;
  if (G > 1 && !constant) throw new RangeError('kernel lanes: paths share one kernel call only with a constant lag');
  const policy = problem.beforeHistory;
  const t0 = problem.t0;
  const L = problem.linearDrift!;
  const dif = problem.diffusion;
  const hasNoise = dif.kind !== 'none';
  const flags = (L.A ? EM_HAS_A : 0) | (L.B ? EM_HAS_B : 0) | (L.c ? EM_HAS_C : 0) | (hasNoise ? EM_HAS_NOISE : 0);
  const a = L.A ? L.A[0] : 0;
  const b = L.B ? L.B[0] : 0;
  const c = L.c ? L.c[0] : 0;
  const g = hasNoise ? dif.constant![0] : 0;
  const sqrtH = Math.sqrt(h);

  const chunk = G === 1 ? CHUNK_ONE : CHUNK;
  const cap = maxLag + chunk;
  const ring = inst.alloc(cap * G * 8);
  const z = hasNoise && G > 1 ? inst.alloc(chunk * G * 8) : 0;
  const lagBuf = constant ? 0 : inst.alloc(chunk * 4);
  const div = inst.alloc(G * 4);
  const rng = streams(inst, paths);
  prefill(inst, run, ring, cap, maxLag, G);
  rng.load();

  const active = paths.map(() => true);
  let nActive = G;
  let slot = 0;
  let k = 0;
  let nextSave = paths[0].saved; // all lanes have saved the same steps so far
  while (k < nSteps && nActive > 0) {
    let n = Math.min(chunk, nSteps - k);
    if (constant && policy === 'warmup' && k < maxLag) n = Math.min(n, maxLag - k);
    let lagConst = 0;
    if (constant) {
      lagConst = policy === 'warmup' && k < maxLag ? 0 : maxLag;
    } else {
      for (let i = 0; i < n; i++) inst.i32[(lagBuf >> 2) + i] = checkedLag(lags.next(k + i), k + i, maxLag, policy);
    }
    for (let l = 0; l < G; l++) inst.i32[(div >> 2) + l] = -1;
    const start = slot;
    if (G === 1 && hasNoise) {
      // one path: its normals drawn inside the step loop
      slot = inst.k.em1Fused(n, ring, cap, slot, lagBuf, lagConst, rng.blocks[0], sqrtH, h, a, b, c, flags, g, div);
    } else {
      if (hasNoise) for (let l = 0; l < G; l++) inst.k.normals(rng.blocks[l], z + l * 8, n, G * 8, sqrtH);
      slot = inst.k.em1(G, n, ring, cap, slot, lagBuf, lagConst, z, h, a, b, c, flags, g, div);
    }

    for (let l = 0; l < G; l++) {
      const p = paths[l];
      if (!active[l]) continue;
      if (p.delays) {
        for (let i = 0; i < n; i++) {
          const kk = k + i;
          p.delays[kk] = constant ? checkedLag(maxLag, kk, maxLag, policy) : inst.i32[(lagBuf >> 2) + i];
        }
      }
      const q = inst.i32[(div >> 2) + l];
      const last = q >= 0 ? k + q : k + n; // states up to step `last` are finite
      let s = nextSave;
      while (s < saveSteps.length && saveSteps[s] <= last) {
        const step = saveSteps[s];
        let row = start + (step - k);
        if (row >= cap) row -= cap;
        p.tOut[p.saved] = t0 + step * h;
        p.xOut[p.saved] = inst.f64[(ring >> 3) + row * G + l];
        p.saved++;
        s++;
      }
      if (q >= 0) {
        active[l] = false;
        nActive--;
        p.status = 'diverged';
        p.divergence = { step: k + q + 1, time: t0 + (k + q + 1) * h };
        p.steps = k + q;
      }
    }
    while (nextSave < saveSteps.length && saveSteps[nextSave] <= k + n) nextSave++;
    k += n;
  }
  for (let l = 0; l < G; l++) {
    if (active[l]) {
      paths[l].status = 'ok';
      paths[l].steps = nSteps;
    }
  }
  rng.store();
}

function runVector(inst: KernelInstance, run: EmRun, p: EmPath): void {
  const { problem, h, nSteps, saveSteps } = run;
  const d = problem.dim;
  const dif = problem.diffusion;
  const m = dif.noiseDim;
  const lags = p.lags;
  const maxLag = lags.maxLag;
  const constant = lags instanceof ConstantLag;
  const policy = problem.beforeHistory;
  const t0 = problem.t0;
  const L = problem.linearDrift;
  const hybrid = L === null || dif.constant === null;
  const sqrtH = Math.sqrt(h);
  const chunk = Math.max(1, Math.min(CHUNK, Math.floor(131072 / Math.max(1, m)))); // ΔB of a chunk ≤ 1 MB

  const cap = maxLag + chunk;
  const ring = inst.alloc(cap * d * 8);
  const z = m > 0 ? inst.alloc(chunk * m * 8) : 0;
  const lagBuf = inst.alloc(chunk * 4);
  const div = inst.alloc(4);
  const copy = (src: Float64Array | null) => {
    if (!src) return 0;
    const ptr = inst.alloc(src.length * 8);
    inst.f64.set(src, ptr >> 3);
    return ptr;
  };
  const A = L ? copy(L.A) : 0;
  const B = L ? copy(L.B) : 0;
  const c = L ? copy(L.c) : 0;
  const gPtr = dif.kind === 'none' ? 0 : dif.constant ? copy(dif.constant) : inst.alloc(dif.size * 8);
  const fbuf = inst.alloc(d * 8);
  const gdb = inst.alloc(d * 8);
  // a constant full G: the increments of a chunk are drawn before its steps and do not depend on
  // the state, so G·ΔB of all its steps is one blocked matrix product (matvec4Many, the same sums
  // as matvec4 per step), and the steps add row k of it (emD's NOISE_GIVEN)
  const given = dif.kind === 'full' && dif.constant !== null;
  const gz = given ? inst.alloc(chunk * d * 8) : 0;
  const stepKind = given ? NOISE_GIVEN : NOISE_CODE[dif.kind];
  const rng = streams(inst, [p]);
  prefill(inst, run, ring, cap, maxLag, 1);
  rng.load();
  // views lent to the drift and diffusion functions: X_k and X_{k−l} are copied into xbuf/ybuf
  // (memmove inside kernel memory), f and g are written in place; the borrowed memory cannot grow
  const xbuf = inst.alloc(d * 8);
  const ybuf = inst.alloc(d * 8);
  const xView = inst.f64.subarray(xbuf >> 3, (xbuf >> 3) + d);
  const yView = inst.f64.subarray(ybuf >> 3, (ybuf >> 3) + d);
  const fView = inst.f64.subarray(fbuf >> 3, (fbuf >> 3) + d);
  const gView = inst.f64.subarray(gPtr >> 3, (gPtr >> 3) + Math.max(1, dif.size));
  const f64 = inst.f64;
  const i32 = inst.i32;

  const driftLoop: DriftLoop | null = hybrid && given ? { k: inst.k, drift: problem.drift, t0, h, d, ring, cap, lagBuf, fbuf, gz, xbuf, ybuf, div, f64, i32, xView, yView, fView } : null;

  let slot = 0;
  let k = 0;
  let nextSave = p.saved;
  p.status = 'ok';
  while (k < nSteps) {
    const n = Math.min(chunk, nSteps - k);
    for (let i = 0; i < n; i++) i32[(lagBuf >> 2) + i] = checkedLag(constant ? maxLag : lags.next(k + i), k + i, maxLag, policy);
    if (given) {
      // ΔB and G·ΔB in blocks of GIVEN_BLOCK steps (the same stream, drawn in order): a block's
      // increments are still in L1 for the product, and the kernels' first calls — before V8 has
      // optimized them — are short
      for (let b = 0; b < n; b += GIVEN_BLOCK) {
        const nb = Math.min(GIVEN_BLOCK, n - b);
        inst.k.normals(rng.blocks[0], z, nb * m, 8, sqrtH);
        inst.k.matvec4Many(gPtr, z, gz + b * d * 8, d, m, nb);
      }
    } else if (m > 0) inst.k.normals(rng.blocks[0], z, n * m, 8, sqrtH);
    i32[div >> 2] = -1;
    const start = slot;
    if (!hybrid) {
      slot = inst.k.emD(d, m, n, ring, cap, slot, lagBuf, 0, z, h, A, B, c, 0, fbuf, stepKind, given ? gz : gPtr, gdb, div);
    } else if (driftLoop !== null) {
      slot = driftFunctionSteps(driftLoop, k, n, slot);
    } else {
      for (let i = 0; i < n; i++) {
        let rs = slot - i32[(lagBuf >> 2) + i];
        if (rs < 0) rs += cap;
        const xo = (ring >> 3) + slot * d;
        const yo = (ring >> 3) + rs * d;
        f64.copyWithin(xbuf >> 3, xo, xo + d);
        f64.copyWithin(ybuf >> 3, yo, yo + d);
        const t = t0 + (k + i) * h;
        // a linear drift (beside a diffusion function) is computed by the kernel itself
        if (L === null) problem.drift(t, xView, yView, fView);
        if (dif.fn) dif.fn(t, xView, yView, gView);
        slot = inst.k.emD(d, m, 1, ring, cap, slot, lagBuf + 4 * i, 0, z + i * m * 8, h, A, B, c, L === null ? 1 : 0, fbuf, stepKind, given ? gz + i * d * 8 : gPtr, gdb, div);
        if (i32[div >> 2] >= 0) {
          i32[div >> 2] = i;
          break;
        }
      }
    }
    if (p.delays) for (let i = 0; i < n; i++) p.delays[k + i] = inst.i32[(lagBuf >> 2) + i];
    const q = inst.i32[div >> 2];
    const last = q >= 0 ? k + q : k + n;
    while (nextSave < saveSteps.length && saveSteps[nextSave] <= last) {
      const step = saveSteps[nextSave];
      let row = start + (step - k);
      if (row >= cap) row -= cap;
      p.tOut[p.saved] = t0 + step * h;
      p.xOut.set(inst.f64.subarray((ring >> 3) + row * d, (ring >> 3) + (row + 1) * d), p.saved * d);
      p.saved++;
      nextSave++;
    }
    if (q >= 0) {
      p.status = 'diverged';
      p.divergence = { step: k + q + 1, time: t0 + (k + q + 1) * h };
      p.steps = k + q;
      rng.store();
      return;
    }
    k += n;
  }
  p.steps = nSteps;
  rng.store();
}

/** What driftFunctionSteps needs: the kernels, the drift function, the memory and its views. */
interface DriftLoop {
  k: KernelInstance['k'];
  drift: CoefficientFn;
  t0: number;
  h: number;
  d: number;
  ring: number;
  cap: number;
  lagBuf: number;
  fbuf: number;
  gz: number;
  xbuf: number;
  ybuf: number;
  div: number;
  f64: Float64Array;
  i32: Int32Array;
  xView: Float64Array;
  yView: Float64Array;
  fView: Float64Array;
}

/**
 * Steps k … k + n − 1 of a drift function with constant full noise (G·ΔB of the chunk already in
 * gz): per step the function, then one kernel call (emGivenStep) that also leaves X_{k+1} and
 * X_{k+1−l} in xbuf/ybuf for the next call of the function (the chunk's first pair is copied here).
 * Returns the ring row of the last state written; a non-finite state writes its step offset to div.
 * A function of its own, and small, so that V8 optimizes this hot loop within a few hundred steps
 * (compiled on the stack of runVector, the loop waited ≈ 30–50 ms for its optimized code).
 */
function driftFunctionSteps(c: DriftLoop, k: number, n: number, slotIn: number): number {
  const { k: kernels, drift, t0, h, d, ring, cap, lagBuf, fbuf, gz, xbuf, ybuf, f64, i32, xView, yView, fView } = c;
  let slot = slotIn;
  let rs = slot - i32[lagBuf >> 2];
  if (rs < 0) rs += cap;
  f64.copyWithin(xbuf >> 3, (ring >> 3) + slot * d, (ring >> 3) + (slot + 1) * d);
  f64.copyWithin(ybuf >> 3, (ring >> 3) + rs * d, (ring >> 3) + (rs + 1) * d);
  for (let i = 0; i < n; i++) {
    drift(t0 + (k + i) * h, xView, yView, fView);
    const next = kernels.emGivenStep(d, ring, cap, slot, i + 1 < n ? i32[(lagBuf >> 2) + i + 1] : -1, h, fbuf, gz + i * d * 8, xbuf, ybuf);
    if (next < 0) {
      i32[c.div >> 2] = i;
      return ~next;
    }
    slot = next;
  }
  return slot;
}
