/**
 * The TypeScript twin of the WebAssembly kernels (src/kernels/assembly/), over the same memory
 * layout (the minibatch-gradient kernels' twins are the objectives' own loops, see gradients.ts): the backend where WebAssembly SIMD is missing (or until the module has compiled in a
 * browser's main thread). Same algorithm, same operations in the same order, so the same bits
 * (test/kernels/backends.test.ts runs both and compares). Pointers are byte offsets into the
 * backing buffer, as in WebAssembly; doubles are 8-byte aligned.
 */
import { exp, log } from '../core/math/libm.ts';
import { type CnnKernelExports, cnnTypeScriptKernels } from './cnn-fallback.ts';
import { EM_HAS_A, EM_HAS_B, EM_HAS_C, EM_HAS_NOISE, MT_N, NOISE_CODE, NOISE_GIVEN, RNG_INDEX, RNG_OUT, RNG_POOL, RNG_POOL_LEFT } from './layout.ts';

/** Typed views over the current backing buffer (replaced when it grows). */
export interface MemoryViews {
  f64: Float64Array;
  i32: Int32Array;
  u32: Uint32Array;
}

/** The kernels' exported functions (WebAssembly exports or this file's twins; the CNN's twins are in cnn-fallback.ts). */
export interface KernelExports extends CnnKernelExports {
  exp(x: number): number;
  log(x: number): number;
  setZigguratTables(ptr: number): void;
  mtRefill(r: number): void;
  normals(r: number, out: number, count: number, stride: number, scale: number): void;
  words(r: number, out: number, count: number): void;
  em1(G: number, n: number, ring: number, cap: number, slot: number, lags: number, lagConst: number, z: number, h: number, a: number, b: number, c: number, flags: number, g: number, div: number): number;
  em1Fused(n: number, ring: number, cap: number, slot: number, lags: number, lagConst: number, r: number, sqrtH: number, h: number, a: number, b: number, c: number, flags: number, g: number, div: number): number;
  emD(d: number, m: number, n: number, ring: number, cap: number, slot: number, lags: number, lagConst: number, z: number, h: number, A: number, B: number, c: number, driftGiven: number, fbuf: number, kind: number, g: number, gdb: number, div: number): number;
  emGivenStep(d: number, ring: number, cap: number, slot: number, lagNext: number, h: number, fbuf: number, gz: number, xbuf: number, ybuf: number): number;
  matvec4(G: number, v: number, out: number, rows: number, cols: number): void;
  matvec4Many(G: number, v: number, out: number, rows: number, cols: number, n: number): void;
  /** WebAssembly only: the TypeScript fallback is the objective's own loop (see gradients.ts). */
  lsqGradSum?(A: number, B: number, d: number, batch: number, count: number, x: number, out: number): void;
  logisticGradSum?(A: number, y: number, d: number, l2: number, batch: number, count: number, x: number, out: number, cbuf: number): void;
  logisticFullGrad?(A: number, y: number, n: number, d: number, l2: number, x: number, out: number): void;
  logisticFullGradMany?(A: number, y: number, n: number, d: number, l2: number, X: number, p: number, OUT: number): void;
  logisticValue?(A: number, y: number, n: number, d: number, l2: number, x: number): number;
  lsqValue?(A: number, Bv: number, n: number, d: number, x: number): number;
  lsqValueT?(At: number, Bv: number, n: number, d: number, x: number): number;
  asgdRun?(kind: number, A: number, Bv: number, d: number, l2: number, n: number, ring: number, cap: number, slot: number, lags: number, batches: number, b: number, steps: number, g: number, cbuf: number, div: number): number;
  /** WebAssembly only: the TypeScript fallback is the coupling's own loop (src/bridge/axis-coupling.ts). */
  axisPairRun?(A: number, Bv: number, d: number, b: number, law: number, n: number, ringX: number, ringS: number, cap: number, slot: number, lags: number, batches: number, stepsA: number, stepsS: number, coupling: number, minibatch: number, nData: number, limit: number, div: number): number;
  /** WebAssembly only: the pair kernel's b = 1 atom table (src/bridge/axis-pair-kernel.ts builds it). */
  axisPairAtoms?(A: number, d: number, law: number, nData: number, table: number): void;
  /** WebAssembly only: Φ⁻¹ as src/core/math/normal-quantile.ts (the pair kernel's; exported for its test). */
  normalQuantile?(p: number): number;
  mlpValue?(A: number, labels: number, n: number, d: number, h: number, C: number, l2: number, x: number, u: number, s: number): number;
  mlpGradMeanAdd?(A: number, labels: number, d: number, h: number, C: number, l2: number, batch: number, count: number, x: number, out: number, u: number, s: number, g1: number, gi: number): void;
  expm1?(x: number): number;
  log1p?(x: number): number;
  /** WebAssembly only, for the tests: exp of count doubles, two at a time where both are in (−707, 0]. */
  expPairs?(src: number, dst: number, count: number): void;
  tanh?(x: number): number;
}

const N = MT_N;
const M = 397;
const MATRIX_A = 0x9908b0df | 0;
const R = 3.442619855899;

export function typeScriptKernels(mem: MemoryViews): KernelExports {
  let tables = 0; // f64 index of kn; wn at +128, fn at +256

  function mtRefill(r: number): void {
    const mt = mem.i32;
    const s = r >> 2;
    let k = 0;
    let y: number;
    for (; k < N - M; k++) {
      y = (mt[s + k] & 0x80000000) | (mt[s + k + 1] & 0x7fffffff);
      mt[s + k] = mt[s + k + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; k < N - 1; k++) {
      y = (mt[s + k] & 0x80000000) | (mt[s + k + 1] & 0x7fffffff);
      mt[s + k] = mt[s + k + M - N] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (mt[s + N - 1] & 0x80000000) | (mt[s] & 0x7fffffff);
    mt[s + N - 1] = mt[s + M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    const o = (r + RNG_OUT) >> 2;
    for (let i = 0; i < N; i++) {
      let v = mt[s + i];
      v ^= v >>> 11;
      v ^= (v << 7) & 0x9d2c5680;
      v ^= (v << 15) & 0xefc60000;
      mt[o + i] = v ^ (v >>> 18);
    }
    mt[(r + RNG_INDEX) >> 2] = 0;
  }

  function nextWord(r: number): number {
    const ii = (r + RNG_INDEX) >> 2;
    let i = mem.i32[ii];
    if (i >= N) {
      mtRefill(r);
      i = 0;
    }
    mem.i32[ii] = i + 1;
    return mem.i32[((r + RNG_OUT) >> 2) + i];
  }

  function uniformOpen01(r: number): number {
    const a = nextWord(r) >>> 6;
    const b = nextWord(r) >>> 6;
    return (a * 67108864 + b + 0.5) / 4503599627370496;
  }

  function layer(r: number): number {
    let left = mem.i32[(r + RNG_POOL_LEFT) >> 2];
    let pool = mem.u32[(r + RNG_POOL) >> 2];
    if (left === 0) {
      pool = nextWord(r) >>> 0;
      left = 4;
    }
    const i = pool & 127;
    mem.u32[(r + RNG_POOL) >> 2] = pool >>> 8;
    mem.i32[(r + RNG_POOL_LEFT) >> 2] = left - 1;
    return i;
  }

  function slowNormal(r: number, hzIn: number, izIn: number): number {
    const t0 = tables;
    let hz = hzIn;
    let iz = izIn;
    for (;;) {
      const x = hz * mem.f64[t0 + 128 + iz];
      if (iz === 0) {
        let t: number;
        let y: number;
        do {
          t = -log(uniformOpen01(r)) / R;
          y = -log(uniformOpen01(r));
        } while (y + y < t * t);
        return hz > 0 ? R + t : -R - t;
      }
      const fz = mem.f64[t0 + 256 + iz];
      if (fz + uniformOpen01(r) * (mem.f64[t0 + 256 + iz - 1] - fz) < exp(-0.5 * x * x)) return x;
      hz = nextWord(r);
      iz = layer(r);
      if (Math.abs(hz) < mem.f64[t0 + iz]) return hz * mem.f64[t0 + 128 + iz];
    }
  }

  /** count draws scale·z into dst[at], dst[at + step], … (the `normals` kernel over any array). */
  function normalsInto(r: number, dst: Float64Array, at: number, step: number, count: number, scale: number): void {
    const i32 = mem.i32;
    const u32 = mem.u32;
    const f64 = mem.f64;
    const t0 = tables;
    const ii = (r + RNG_INDEX) >> 2;
    const ip = (r + RNG_POOL) >> 2;
    const il = (r + RNG_POOL_LEFT) >> 2;
    const o = (r + RNG_OUT) >> 2;
    let i = i32[ii];
    let pool = u32[ip];
    let left = i32[il];
    let p = at;
    for (let n = 0; n < count; n++) {
      if (i >= N) {
        mtRefill(r);
        i = 0;
      }
      const hz = i32[o + i];
      i++;
      if (left === 0) {
        if (i >= N) {
          mtRefill(r);
          i = 0;
        }
        pool = u32[o + i];
        i++;
        left = 4;
      }
      const iz = pool & 127;
      pool >>>= 8;
      left--;
      let z: number;
      if (Math.abs(hz) < f64[t0 + iz]) z = hz * f64[t0 + 128 + iz];
      else {
        i32[ii] = i;
        u32[ip] = pool;
        i32[il] = left;
        z = slowNormal(r, hz, iz);
        i = i32[ii];
        pool = u32[ip];
        left = i32[il];
      }
      dst[p] = scale * z;
      p += step;
    }
    i32[ii] = i;
    u32[ip] = pool;
    i32[il] = left;
  }

  function normals(r: number, out: number, count: number, stride: number, scale: number): void {
    normalsInto(r, mem.f64, out >> 3, stride >> 3, count, scale);
  }

  const fusedScratch = new Float64Array(256);
  function em1Fused(n: number, ring: number, cap: number, slotIn: number, lags: number, lagConst: number, r: number, sqrtH: number, h: number, a: number, b: number, c: number, flags: number, g: number, div: number): number {
    const hasA = (flags & EM_HAS_A) !== 0;
    const hasB = (flags & EM_HAS_B) !== 0;
    const hasC = (flags & EM_HAS_C) !== 0;
    const rb = ring >> 3;
    let slot = slotIn;
    for (let k0 = 0; k0 < n; k0 += fusedScratch.length) {
      const m = Math.min(fusedScratch.length, n - k0);
      normalsInto(r, fusedScratch, 0, 1, m, sqrtH);
      const f = mem.f64;
      let x = f[rb + slot];
      for (let j = 0; j < m; j++) {
        const k = k0 + j;
        let rs = slot - (lags === 0 ? lagConst : mem.i32[(lags >> 2) + k]);
        if (rs < 0) rs += cap;
        const xl = f[rb + rs];
        const fx = (hasA ? a * x : 0) + (hasB ? b * xl : 0) + (hasC ? c : 0);
        const xn = x + h * fx + g * fusedScratch[j];
        slot = slot + 1 === cap ? 0 : slot + 1;
        f[rb + slot] = xn;
        if (!(Math.abs(xn) < Infinity) && mem.i32[div >> 2] < 0) mem.i32[div >> 2] = k;
        x = xn;
      }
    }
    return slot;
  }

  function words(r: number, out: number, count: number): void {
    for (let n = 0; n < count; n++) mem.i32[(out >> 2) + n] = nextWord(r);
  }

  function em1(G: number, n: number, ring: number, cap: number, slotIn: number, lags: number, lagConst: number, z: number, h: number, a: number, b: number, c: number, flags: number, g: number, div: number): number {
    const f = mem.f64;
    const hasA = (flags & EM_HAS_A) !== 0;
    const hasB = (flags & EM_HAS_B) !== 0;
    const hasC = (flags & EM_HAS_C) !== 0;
    const noise = (flags & EM_HAS_NOISE) !== 0;
    const rb = ring >> 3;
    const zb = z >> 3;
    const lb = lags >> 2;
    const db = div >> 2;
    let slot = slotIn;
    for (let k = 0; k < n; k++) {
      let rs = slot - (lags === 0 ? lagConst : mem.i32[lb + k]);
      if (rs < 0) rs += cap;
      const ns = slot + 1 === cap ? 0 : slot + 1;
      for (let l = 0; l < G; l++) {
        const x = f[rb + slot * G + l];
        const xl = f[rb + rs * G + l];
        const fx = (hasA ? a * x : 0) + (hasB ? b * xl : 0) + (hasC ? c : 0);
        const xn = noise ? x + h * fx + g * f[zb + k * G + l] : x + h * fx;
        f[rb + ns * G + l] = xn;
        if (!(Math.abs(xn) < Infinity) && mem.i32[db + l] < 0) mem.i32[db + l] = k;
      }
      slot = ns;
    }
    return slot;
  }

  function matvec4(Gm: number, v: number, out: number, rows: number, cols: number): void {
    const f = mem.f64;
    const gb = Gm >> 3;
    const vb = v >> 3;
    const ob = out >> 3;
    const m4 = cols & ~3;
    for (let i = 0; i < rows; i++) {
      const row = gb + i * cols;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let j = 0;
      for (; j < m4; j += 4) {
        a0 += f[row + j] * f[vb + j];
        a1 += f[row + j + 1] * f[vb + j + 1];
        a2 += f[row + j + 2] * f[vb + j + 2];
        a3 += f[row + j + 3] * f[vb + j + 3];
      }
      for (; j < cols; j++) a0 += f[row + j] * f[vb + j];
      f[ob + i] = a0 + a1 + (a2 + a3);
    }
  }

  /** matvec4 of each v_k (the WebAssembly twin blocks the loops for the cache; the sums are the same). */
  function matvec4Many(Gm: number, v: number, out: number, rows: number, cols: number, n: number): void {
    for (let k = 0; k < n; k++) matvec4(Gm, v + k * cols * 8, out + k * rows * 8, rows, cols);
  }

  function emD(d: number, m: number, n: number, ring: number, cap: number, slotIn: number, lags: number, lagConst: number, z: number, h: number, A: number, B: number, c: number, driftGiven: number, fbuf: number, kind: number, g: number, gdb: number, div: number): number {
    const f = mem.f64;
    const fb = fbuf >> 3;
    const gb = g >> 3;
    const qb = gdb >> 3;
    let slot = slotIn;
    for (let k = 0; k < n; k++) {
      let rs = slot - (lags === 0 ? lagConst : mem.i32[(lags >> 2) + k]);
      if (rs < 0) rs += cap;
      const ns = slot + 1 === cap ? 0 : slot + 1;
      const px = (ring >> 3) + slot * d;
      const pl = (ring >> 3) + rs * d;
      const pn = (ring >> 3) + ns * d;
      if (driftGiven === 0) {
        for (let i = 0; i < d; i++) {
          let s = c === 0 ? 0 : f[(c >> 3) + i];
          if (A !== 0) for (let j = 0; j < d; j++) s += f[(A >> 3) + i * d + j] * f[px + j];
          if (B !== 0) for (let j = 0; j < d; j++) s += f[(B >> 3) + i * d + j] * f[pl + j];
          f[fb + i] = s;
        }
      }
      const pz = (z >> 3) + k * m;
      let finite = true;
      if (kind === NOISE_CODE.full) {
        matvec4(g, pz << 3, gdb, d, m);
        for (let i = 0; i < d; i++) {
          const xn = f[px + i] + h * f[fb + i] + f[qb + i];
          f[pn + i] = xn;
          finite = finite && Math.abs(xn) < Infinity;
        }
      } else if (kind === NOISE_GIVEN) {
        const pg = gb + k * d;
        for (let i = 0; i < d; i++) {
          const xn = f[px + i] + h * f[fb + i] + f[pg + i];
          f[pn + i] = xn;
          finite = finite && Math.abs(xn) < Infinity;
        }
      } else if (kind === NOISE_CODE.diagonal) {
        for (let i = 0; i < d; i++) {
          const xn = f[px + i] + h * f[fb + i] + f[gb + i] * f[pz + i];
          f[pn + i] = xn;
          finite = finite && Math.abs(xn) < Infinity;
        }
      } else if (kind === NOISE_CODE.scalar) {
        const dbv = f[pz];
        for (let i = 0; i < d; i++) {
          const xn = f[px + i] + h * f[fb + i] + f[gb + i] * dbv;
          f[pn + i] = xn;
          finite = finite && Math.abs(xn) < Infinity;
        }
      } else {
        for (let i = 0; i < d; i++) {
          const xn = f[px + i] + h * f[fb + i];
          f[pn + i] = xn;
          finite = finite && Math.abs(xn) < Infinity;
        }
      }
      slot = ns;
      if (!finite) {
        mem.i32[div >> 2] = k;
        return slot;
      }
    }
    return slot;
  }

  function emGivenStep(d: number, ring: number, cap: number, slot: number, lagNext: number, h: number, fbuf: number, gz: number, xbuf: number, ybuf: number): number {
    const f = mem.f64;
    const ns = slot + 1 === cap ? 0 : slot + 1;
    const px = (ring >> 3) + slot * d;
    const pn = (ring >> 3) + ns * d;
    const fb = fbuf >> 3;
    const gb = gz >> 3;
    const xb = xbuf >> 3;
    let finite = true;
    for (let i = 0; i < d; i++) {
      const xn = f[px + i] + h * f[fb + i] + f[gb + i];
      f[pn + i] = xn;
      f[xb + i] = xn;
      finite = finite && Math.abs(xn) < Infinity;
    }
    if (!finite) return ~ns;
    if (lagNext >= 0) {
      let rs = ns - lagNext;
      if (rs < 0) rs += cap;
      f.copyWithin(ybuf >> 3, (ring >> 3) + rs * d, (ring >> 3) + (rs + 1) * d);
    }
    return ns;
  }

  return {
    exp,
    log,
    setZigguratTables(ptr: number) {
      tables = ptr >> 3;
    },
    mtRefill,
    normals,
    words,
    em1,
    em1Fused,
    emD,
    emGivenStep,
    matvec4,
    matvec4Many,
    ...cnnTypeScriptKernels(mem),
  };
}
