// AssemblyScript. The random-number kernels: MT19937 (the twist and tempering vectorized within
// one stream, i32x4) and the 128-layer Marsaglia–Tsang ziggurat with the layer index from a
// separate pool of bits (the scalar part). They reproduce src/random/mt19937.ts and
// src/random/normal.ts word for word and bit for bit; src/kernels/fallback.ts is the same
// algorithm in TypeScript.
//
// A stream lives in linear memory at `r` (layout in src/kernels/layout.ts):
//   r + 0     MT state, 624 × i32
//   r + 2496  the 624 tempered outputs of the last twist
//   r + 4992  index of the next unread output (624: twist before reading)
//   r + 4996  the layer-bit pool (u32), r + 5000 the layers left in it (0 … 4)

import { exp, log } from './libm';

export const N: i32 = 624;
const M: i32 = 397;
export const OUT: usize = 2496;
export const INDEX: usize = 4992;
export const POOL: usize = 4996;
export const POOL_LEFT: usize = 5000;

/** Ziggurat tables kn, wn, fn (128 f64 each, in that order), written once by the host. */
export let tables: usize = 0;

export function setZigguratTables(ptr: usize): void {
  tables = ptr;
}

@inline function kn(i: i32): f64 {
  return load<f64>(tables + (<usize>i << 3));
}
@inline function wn(i: i32): f64 {
  return load<f64>(tables + 1024 + (<usize>i << 3));
}
@inline function fn(i: i32): f64 {
  return load<f64>(tables + 2048 + (<usize>i << 3));
}

@inline function twistWord(a: i32, b: i32, c: i32): i32 {
  const y = (a & 0x80000000) | (b & 0x7fffffff);
  return c ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
}

@inline function temper(y: i32): i32 {
  let v = y;
  v ^= v >>> 11;
  v ^= (v << 7) & 0x9d2c5680;
  v ^= (v << 15) & 0xefc60000;
  return v ^ (v >>> 18);
}

/**
 * Twist the state and temper all 624 outputs (MT19937's genrand, batched): each new state vector
 * is tempered into the output buffer as soon as it is final (one pass over the state).
 */
export function mtRefill(r: usize): void {
  const up = i32x4.splat(0x80000000);
  const low = i32x4.splat(0x7fffffff);
  const mag = i32x4.splat(0x9908b0df);
  const one = i32x4.splat(1);
  const m1 = i32x4.splat(0x9d2c5680);
  const m2 = i32x4.splat(0xefc60000);
  let k: i32 = 0;
  // k < N − M: mt[k + M] is still the old word; four lanes at a time need mt[k + 1 … k + 4] old too
  for (; k + 4 <= N - M; k += 4) {
    const p = r + (<usize>k << 2);
    const y = v128.or(v128.and(v128.load(p), up), v128.and(v128.load(p + 4), low));
    const t = v128.xor(v128.load(p + (<usize>M << 2)), i32x4.shr_u(y, 1));
    let v = v128.xor(t, v128.and(i32x4.neg(v128.and(y, one)), mag));
    v128.store(p, v);
    v = v128.xor(v, i32x4.shr_u(v, 11));
    v = v128.xor(v, v128.and(i32x4.shl(v, 7), m1));
    v = v128.xor(v, v128.and(i32x4.shl(v, 15), m2));
    v128.store(p + OUT, v128.xor(v, i32x4.shr_u(v, 18)));
  }
  for (; k < N - M; k++) {
    const p = r + (<usize>k << 2);
    const v = twistWord(load<i32>(p), load<i32>(p + 4), load<i32>(p + (<usize>M << 2)));
    store<i32>(p, v);
    store<i32>(p + OUT, temper(v));
  }
  // N − M ≤ k < N − 1: mt[k + M − N] is already new (227 words back, more than a vector)
  for (; k + 4 <= N - 1; k += 4) {
    const p = r + (<usize>k << 2);
    const y = v128.or(v128.and(v128.load(p), up), v128.and(v128.load(p + 4), low));
    const t = v128.xor(v128.load(p - (<usize>(N - M) << 2)), i32x4.shr_u(y, 1));
    let v = v128.xor(t, v128.and(i32x4.neg(v128.and(y, one)), mag));
    v128.store(p, v);
    v = v128.xor(v, i32x4.shr_u(v, 11));
    v = v128.xor(v, v128.and(i32x4.shl(v, 7), m1));
    v = v128.xor(v, v128.and(i32x4.shl(v, 15), m2));
    v128.store(p + OUT, v128.xor(v, i32x4.shr_u(v, 18)));
  }
  for (; k < N - 1; k++) {
    const p = r + (<usize>k << 2);
    const v = twistWord(load<i32>(p), load<i32>(p + 4), load<i32>(p - (<usize>(N - M) << 2)));
    store<i32>(p, v);
    store<i32>(p + OUT, temper(v));
  }
  const last = twistWord(load<i32>(r + (<usize>(N - 1) << 2)), load<i32>(r), load<i32>(r + (<usize>(M - 1) << 2)));
  store<i32>(r + (<usize>(N - 1) << 2), last);
  store<i32>(r + OUT + (<usize>(N - 1) << 2), temper(last));
  store<i32>(r + INDEX, 0);
}

/** The next 32-bit word of stream r (MT19937's next(); the index lives in memory). */
@inline export function nextWord(r: usize): i32 {
  let i = load<i32>(r + INDEX);
  if (i >= N) {
    mtRefill(r);
    i = 0;
  }
  store<i32>(r + INDEX, i + 1);
  return load<i32>(r + OUT + (<usize>i << 2));
}

/** A uniform in (0, 1) from two words: (a·2^26 + b + 1/2)/2^52 (src/random/streams.ts uniformOpen01). */
@inline export function uniformOpen01(r: usize): f64 {
  const a = <f64>(<u32>nextWord(r) >>> 6);
  const b = <f64>(<u32>nextWord(r) >>> 6);
  return (a * 67108864.0 + b + 0.5) / 4503599627370496.0;
}

/** Seven layer bits from the pool (one word feeds four layers), as NormalSampler.layer(). */
@inline function layer(r: usize): i32 {
  let left = load<i32>(r + POOL_LEFT);
  let pool = load<u32>(r + POOL);
  if (left == 0) {
    pool = <u32>nextWord(r);
    left = 4;
  }
  const i = <i32>(pool & 127);
  store<u32>(r + POOL, pool >>> 8);
  store<i32>(r + POOL_LEFT, left - 1);
  return i;
}

const R: f64 = 3.442619855899;

/** The wedges and the tail (Marsaglia & Tsang's nfix), as NormalSampler.slow(). */
@inline export function slowNormal(r: usize, hzIn: i32, izIn: i32): f64 {
  let hz = hzIn;
  let iz = izIn;
  for (;;) {
    const x = <f64>hz * wn(iz);
    if (iz == 0) {
      let t: f64;
      let y: f64;
      do {
        t = -log(uniformOpen01(r)) / R;
        y = -log(uniformOpen01(r));
      } while (y + y < t * t);
      return hz > 0 ? R + t : -R - t;
    }
    if (fn(iz) + uniformOpen01(r) * (fn(iz - 1) - fn(iz)) < exp(-0.5 * x * x)) return x;
    hz = nextWord(r);
    iz = layer(r);
    if (Math.abs(<f64>hz) < kn(iz)) return <f64>hz * wn(iz);
  }
  return 0; // unreachable
}

/**
 * count N(0, scale²) draws scale·z into out, out + stride, … (bytes): NormalSampler.next() in a
 * loop. Most draws happen in runs that need neither a refill nor the slow path (each draw takes at
 * most two words): such a run contains no call, so V8 keeps the stream's index, the pool and the
 * output pointer in registers; a draw outside the fast path leaves the run for the slow path.
 */
export function normals(r: usize, out: usize, count: i32, stride: i32, scale: f64): void {
  let i = load<i32>(r + INDEX);
  let pool = load<u32>(r + POOL);
  let left = load<i32>(r + POOL_LEFT);
  let p = out;
  const kt = tables;
  let n: i32 = 0;
  while (n < count) {
    if (i >= N - 1) {
      if (i >= N) { mtRefill(r); i = 0; }
      const hz = load<i32>(r + OUT + (<usize>i << 2));
      i++;
      if (left == 0) {
        if (i >= N) { mtRefill(r); i = 0; }
        pool = load<u32>(r + OUT + (<usize>i << 2));
        i++;
        left = 4;
      }
      const iz = <i32>(pool & 127);
      pool >>>= 8;
      left--;
      let z: f64;
      const fz = <f64>hz;
      const ti = kt + (<usize>iz << 3);
      if (Math.abs(fz) < load<f64>(ti)) z = fz * load<f64>(ti, 1024);
      else {
        store<i32>(r + INDEX, i); store<u32>(r + POOL, pool); store<i32>(r + POOL_LEFT, left);
        z = slowNormal(r, hz, iz);
        i = load<i32>(r + INDEX); pool = load<u32>(r + POOL); left = load<i32>(r + POOL_LEFT);
      }
      store<f64>(p, scale * z);
      p += <usize>stride;
      n++;
      continue;
    }
    let m = (N - i) >> 1;
    if (m > count - n) m = count - n;
    let slowHz: i32 = 0;
    let slowIz: i32 = -1;
    while (m > 0) {
      const hz = load<i32>(r + OUT + (<usize>i << 2));
      i++;
      if (left == 0) {
        pool = load<u32>(r + OUT + (<usize>i << 2));
        i++;
        left = 4;
      }
      const iz = <i32>(pool & 127);
      pool >>>= 8;
      left--;
      const fz = <f64>hz;
      const ti = kt + (<usize>iz << 3);
      if (!(Math.abs(fz) < load<f64>(ti))) {
        slowHz = hz;
        slowIz = iz;
        break;
      }
      store<f64>(p, scale * (fz * load<f64>(ti, 1024)));
      p += <usize>stride;
      n++;
      m--;
    }
    if (slowIz >= 0) {
      store<i32>(r + INDEX, i); store<u32>(r + POOL, pool); store<i32>(r + POOL_LEFT, left);
      const z = slowNormal(r, slowHz, slowIz);
      i = load<i32>(r + INDEX); pool = load<u32>(r + POOL); left = load<i32>(r + POOL_LEFT);
      store<f64>(p, scale * z);
      p += <usize>stride;
      n++;
    }
  }
  store<i32>(r + INDEX, i);
  store<u32>(r + POOL, pool);
  store<i32>(r + POOL_LEFT, left);
}

/** count raw 32-bit words of stream r into out (i32), for tests of the generator itself. */
export function words(r: usize, out: usize, count: i32): void {
  for (let n: i32 = 0; n < count; n++) store<i32>(out + (<usize>n << 2), nextWord(r));
}
