// AssemblyScript. Euler–Maruyama over a chunk of steps (Mao 2007, Section 5.5):
//
//   X_{k+1} = X_k + h f(X_k, X_{k−l_k}) + g ΔB_k,   f = A X_k + B X_{k−l_k} + c,
//
// with the arithmetic of src/sdde/algorithms/euler-maruyama.ts operation for operation (absent
// terms are +0, sums in the same order), so results are bit-identical to the general loop. The
// increments ΔB (already scaled by √h) come from `normals` in rng.ts; the history is the solver's
// ring buffer, row j mod cap holding X_j (rows for j < 0 prefilled by the host with the history or
// with X_0, which is how the pre-start policies reach the kernel).

import { INDEX, mtRefill, N, OUT, POOL, POOL_LEFT, slowNormal, tables } from './rng';
import { matvec4 } from './matvec';

const HAS_A: i32 = 1;
const HAS_B: i32 = 2;
const HAS_C: i32 = 4;
const HAS_NOISE: i32 = 8;

@inline function lagAt(lags: usize, lagConst: i32, k: i32): i32 {
  return lags == 0 ? lagConst : load<i32>(lags + (<usize>k << 2));
}

/**
 * d = 1, G ≤ 8 paths at once (lanes; the ring row of step j is G doubles, path p at column p;
 * z holds ΔB as [k][G]). Lanes are independent: a path's bits do not depend on G. Pairs of
 * lanes run as f64x2. div[p] (i32) receives the first step offset whose state is non-finite (the
 * host initializes it to −1). Returns the ring row of the last state written.
 */
export function em1(
  G: i32, n: i32, ring: usize, cap: i32, slotIn: i32, lags: usize, lagConst: i32, z: usize,
  h: f64, a: f64, b: f64, c: f64, flags: i32, g: f64, div: usize,
): i32 {
  const hasA = (flags & HAS_A) != 0;
  const hasB = (flags & HAS_B) != 0;
  const hasC = (flags & HAS_C) != 0;
  const noise = (flags & HAS_NOISE) != 0;
  let slot = slotIn;
  if (G == 8) return em1x8(n, ring, cap, slot, lags, lagConst, z, h, a, b, c, flags, g, div);
  if (G == 1) {
    // one path: X_k stays in a register; the chain X_k → X_{k+1} is two additions
    let x = load<f64>(ring + (<usize>slot << 3));
    for (let k: i32 = 0; k < n; k++) {
      let rs = slot - lagAt(lags, lagConst, k);
      if (rs < 0) rs += cap;
      const xl = load<f64>(ring + (<usize>rs << 3));
      const f = (hasA ? a * x : 0.0) + (hasB ? b * xl : 0.0) + (hasC ? c : 0.0);
      const xn = noise ? x + h * f + g * load<f64>(z + (<usize>k << 3)) : x + h * f;
      slot = slot + 1 == cap ? 0 : slot + 1;
      store<f64>(ring + (<usize>slot << 3), xn);
      if (!(Math.abs(xn) < Infinity) && load<i32>(div) < 0) store<i32>(div, k);
      x = xn;
    }
    return slot;
  }
  const va = f64x2.splat(a);
  const vb = f64x2.splat(b);
  const vc = f64x2.splat(c);
  const vh = f64x2.splat(h);
  const vg = f64x2.splat(g);
  const zero = f64x2.splat(0);
  const inf = f64x2.splat(Infinity);
  const rowBytes = <usize>G << 3;
  const pairs = G & ~1;
  for (let k: i32 = 0; k < n; k++) {
    let rs = slot - lagAt(lags, lagConst, k);
    if (rs < 0) rs += cap;
    const ns = slot + 1 == cap ? 0 : slot + 1;
    const px = ring + <usize>slot * rowBytes;
    const pl = ring + <usize>rs * rowBytes;
    const pn = ring + <usize>ns * rowBytes;
    const pz = z + <usize>k * rowBytes;
    let l: i32 = 0;
    for (; l < pairs; l += 2) {
      const off = <usize>l << 3;
      const x = v128.load(px + off);
      const xl = v128.load(pl + off);
      const f = f64x2.add(f64x2.add(hasA ? f64x2.mul(va, x) : zero, hasB ? f64x2.mul(vb, xl) : zero), hasC ? vc : zero);
      let xn = f64x2.add(x, f64x2.mul(vh, f));
      if (noise) xn = f64x2.add(xn, f64x2.mul(vg, v128.load(pz + off)));
      v128.store(pn + off, xn);
      if (!i64x2.all_true(f64x2.lt(f64x2.abs(xn), inf))) {
        if (!(Math.abs(f64x2.extract_lane(xn, 0)) < Infinity) && load<i32>(div + (<usize>l << 2)) < 0) store<i32>(div + (<usize>l << 2), k);
        if (!(Math.abs(f64x2.extract_lane(xn, 1)) < Infinity) && load<i32>(div + (<usize>(l + 1) << 2)) < 0) store<i32>(div + (<usize>(l + 1) << 2), k);
      }
    }
    if (l < G) {
      const off = <usize>l << 3;
      const x = load<f64>(px + off);
      const xl = load<f64>(pl + off);
      const f = (hasA ? a * x : 0.0) + (hasB ? b * xl : 0.0) + (hasC ? c : 0.0);
      const xn = noise ? x + h * f + g * load<f64>(pz + off) : x + h * f;
      store<f64>(pn + off, xn);
      if (!(Math.abs(xn) < Infinity) && load<i32>(div + (<usize>l << 2)) < 0) store<i32>(div + (<usize>l << 2), k);
    }
    slot = ns;
  }
  return slot;
}

/** em1 for 8 lanes: the four f64x2 states stay in registers from step to step; the common case compiled on its own. */
function em1x8(n: i32, ring: usize, cap: i32, slotIn: i32, lags: usize, lagConst: i32, z: usize, h: f64, a: f64, b: f64, c: f64, flags: i32, g: f64, div: usize): i32 {
  const hasA = (flags & HAS_A) != 0;
  const hasB = (flags & HAS_B) != 0;
  const hasC = (flags & HAS_C) != 0;
  const noise = (flags & HAS_NOISE) != 0;
  if (lags == 0 && !hasA && hasB && !hasC && noise) return lanes8(n, ring, cap, slotIn, 0, lagConst, z, h, a, b, c, false, true, false, true, g, div);
  return lanes8(n, ring, cap, slotIn, lags, lagConst, z, h, a, b, c, hasA, hasB, hasC, noise, g, div);
}

@inline function lanes8(n: i32, ring: usize, cap: i32, slotIn: i32, lags: usize, lagConst: i32, z: usize, h: f64, a: f64, b: f64, c: f64, hasA: bool, hasB: bool, hasC: bool, noise: bool, g: f64, div: usize): i32 {
  const va = f64x2.splat(a);
  const vb = f64x2.splat(b);
  const vc = f64x2.splat(c);
  const vh = f64x2.splat(h);
  const vg = f64x2.splat(g);
  const zero = f64x2.splat(0);
  const inf = f64x2.splat(Infinity);
  let slot = slotIn;
  let px = ring + (<usize>slot << 6);
  let x0 = v128.load(px);
  let x1 = v128.load(px, 16);
  let x2 = v128.load(px, 32);
  let x3 = v128.load(px, 48);
  for (let k: i32 = 0; k < n; k++) {
    let rs = slot - lagAt(lags, lagConst, k);
    if (rs < 0) rs += cap;
    slot = slot + 1 == cap ? 0 : slot + 1;
    const pl = ring + (<usize>rs << 6);
    const pn = ring + (<usize>slot << 6);
    const pz = z + (<usize>k << 6);
    // f = (A x or +0) + (B y or +0) + (c or +0), then X + h f (+ g ΔB), per lane as em1
    let f0 = f64x2.add(f64x2.add(hasA ? f64x2.mul(va, x0) : zero, hasB ? f64x2.mul(vb, v128.load(pl)) : zero), hasC ? vc : zero);
    let f1 = f64x2.add(f64x2.add(hasA ? f64x2.mul(va, x1) : zero, hasB ? f64x2.mul(vb, v128.load(pl, 16)) : zero), hasC ? vc : zero);
    let f2 = f64x2.add(f64x2.add(hasA ? f64x2.mul(va, x2) : zero, hasB ? f64x2.mul(vb, v128.load(pl, 32)) : zero), hasC ? vc : zero);
    let f3 = f64x2.add(f64x2.add(hasA ? f64x2.mul(va, x3) : zero, hasB ? f64x2.mul(vb, v128.load(pl, 48)) : zero), hasC ? vc : zero);
    x0 = f64x2.add(x0, f64x2.mul(vh, f0));
    x1 = f64x2.add(x1, f64x2.mul(vh, f1));
    x2 = f64x2.add(x2, f64x2.mul(vh, f2));
    x3 = f64x2.add(x3, f64x2.mul(vh, f3));
    if (noise) {
      x0 = f64x2.add(x0, f64x2.mul(vg, v128.load(pz)));
      x1 = f64x2.add(x1, f64x2.mul(vg, v128.load(pz, 16)));
      x2 = f64x2.add(x2, f64x2.mul(vg, v128.load(pz, 32)));
      x3 = f64x2.add(x3, f64x2.mul(vg, v128.load(pz, 48)));
    }
    v128.store(pn, x0);
    v128.store(pn, x1, 16);
    v128.store(pn, x2, 32);
    v128.store(pn, x3, 48);
    const ok = v128.and(v128.and(f64x2.lt(f64x2.abs(x0), inf), f64x2.lt(f64x2.abs(x1), inf)), v128.and(f64x2.lt(f64x2.abs(x2), inf), f64x2.lt(f64x2.abs(x3), inf)));
    if (!i64x2.all_true(ok)) {
      for (let l: i32 = 0; l < 8; l++) {
        const v = load<f64>(pn + (<usize>l << 3));
        if (!(Math.abs(v) < Infinity) && load<i32>(div + (<usize>l << 2)) < 0) store<i32>(div + (<usize>l << 2), k);
      }
    }
  }
  return slot;
}

/**
 * One path with its normals drawn inside the step loop (the ziggurat's fast path inline, as in
 * rng.ts `normals`): the random numbers are independent of the state, so the processor overlaps
 * them with the two dependent additions of X_k → X_{k+1}. ΔB = √h·z, the same product as
 * `normals` with scale √h. Stream r continues where it was. As in `normals`, the steps run in
 * stretches without calls (no refill, no slow path), so that X_k stays in a register, and the
 * common case (dX = b X(t − l) dt + g dB, constant lag) is compiled on its own.
 */
export function em1Fused(n: i32, ring: usize, cap: i32, slotIn: i32, lags: usize, lagConst: i32, r: usize, sqrtH: f64, h: f64, a: f64, b: f64, c: f64, flags: i32, g: f64, div: usize): i32 {
  const hasA = (flags & HAS_A) != 0;
  const hasB = (flags & HAS_B) != 0;
  const hasC = (flags & HAS_C) != 0;
  if (lags == 0 && !hasA && hasB && !hasC) return fusedSteps(n, ring, cap, slotIn, lags, lagConst, r, sqrtH, h, a, b, c, false, true, false, true, g, div);
  return fusedSteps(n, ring, cap, slotIn, lags, lagConst, r, sqrtH, h, a, b, c, hasA, hasB, hasC, lags == 0, g, div);
}

/**
 * X_k → X_{k+1} = X_k + h f + g ΔB for one path, f = (a X_k or +0) + (b X_{k−lag} or +0) + (c or +0)
 * as the general stepper computes it; stores X_{k+1} at ring row `next` and flags a non-finite one.
 */
@inline function scalarStep(x: f64, dB: f64, ring: usize, slot: i32, next: i32, cap: i32, lag: i32, h: f64, a: f64, b: f64, c: f64, hasA: bool, hasB: bool, hasC: bool, g: f64, div: usize, k: i32): f64 {
  let rs = slot - lag;
  if (rs < 0) rs += cap;
  const xl = load<f64>(ring + (<usize>rs << 3));
  const f = (hasA ? a * x : 0.0) + (hasB ? b * xl : 0.0) + (hasC ? c : 0.0);
  const xn = x + h * f + g * dB;
  store<f64>(ring + (<usize>next << 3), xn);
  if (!(Math.abs(xn) < Infinity) && load<i32>(div) < 0) store<i32>(div, k);
  return xn;
}

@inline function fusedSteps(n: i32, ring: usize, cap: i32, slotIn: i32, lags: usize, lagConst: i32, r: usize, sqrtH: f64, h: f64, a: f64, b: f64, c: f64, hasA: bool, hasB: bool, hasC: bool, constLag: bool, g: f64, div: usize): i32 {
  const kt = tables;
  let i = load<i32>(r + INDEX);
  let pool = load<u32>(r + POOL);
  let left = load<i32>(r + POOL_LEFT);
  let slot = slotIn;
  let x = load<f64>(ring + (<usize>slot << 3));
  let k: i32 = 0;
  while (k < n) {
    if (i >= N - 1) {
      // at the end of the buffer: one step the general way (refill, maybe the slow path)
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
      let zn: f64;
      const fz = <f64>hz;
      const ti = kt + (<usize>iz << 3);
      if (Math.abs(fz) < load<f64>(ti)) zn = fz * load<f64>(ti, 1024);
      else {
        store<i32>(r + INDEX, i); store<u32>(r + POOL, pool); store<i32>(r + POOL_LEFT, left);
        zn = slowNormal(r, hz, iz);
        i = load<i32>(r + INDEX); pool = load<u32>(r + POOL); left = load<i32>(r + POOL_LEFT);
      }
      const next = slot + 1 == cap ? 0 : slot + 1;
      x = scalarStep(x, sqrtH * zn, ring, slot, next, cap, constLag ? lagConst : load<i32>(lags + (<usize>k << 2)), h, a, b, c, hasA, hasB, hasC, g, div, k);
      slot = next;
      k++;
      continue;
    }
    // a run of steps that needs no refill (≤ 2 words per step) and no call: the state stays in registers
    let m = (N - i) >> 1;
    if (m > n - k) m = n - k;
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
      const next = slot + 1 == cap ? 0 : slot + 1;
      x = scalarStep(x, sqrtH * (fz * load<f64>(ti, 1024)), ring, slot, next, cap, constLag ? lagConst : load<i32>(lags + (<usize>k << 2)), h, a, b, c, hasA, hasB, hasC, g, div, k);
      slot = next;
      k++;
      m--;
    }
    if (slowIz >= 0) {
      store<i32>(r + INDEX, i); store<u32>(r + POOL, pool); store<i32>(r + POOL_LEFT, left);
      const zn = slowNormal(r, slowHz, slowIz);
      i = load<i32>(r + INDEX); pool = load<u32>(r + POOL); left = load<i32>(r + POOL_LEFT);
      const next = slot + 1 == cap ? 0 : slot + 1;
      x = scalarStep(x, sqrtH * zn, ring, slot, next, cap, constLag ? lagConst : load<i32>(lags + (<usize>k << 2)), h, a, b, c, hasA, hasB, hasC, g, div, k);
      slot = next;
      k++;
    }
  }
  store<i32>(r + INDEX, i);
  store<u32>(r + POOL, pool);
  store<i32>(r + POOL_LEFT, left);
  return slot;
}

const NOISE_NONE: i32 = 0;
const NOISE_SCALAR: i32 = 1;
const NOISE_DIAGONAL: i32 = 2;
const NOISE_FULL: i32 = 3;
/** Full noise with G·ΔB already computed (matvec4Many): step k adds row k of g (d doubles). */
const NOISE_GIVEN: i32 = 4;

/**
 * One path, d ≥ 1, n steps: X_k and X_{k−l_k} are ring rows (d doubles each). The drift is either
 * linear (driftGiven = 0: A, B (d×d row-major) and c may each be 0 = absent; f is computed into
 * fbuf as the general stepper does: c_i (or +0), then + A_ij x_j for j ascending, then + B_ij y_j)
 * or given in fbuf by the host (driftGiven = 1, one step: a drift function). The noise is kind
 * none / scalar (g: d, one ΔB) / diagonal (g: d) / full (g: d×m row-major, summed as matvec4),
 * with ΔB for step k at z + k·m, or given (G·ΔB of step k already at g + k·d, from matvec4Many). gdb: scratch of d doubles. Stops at the first non-finite state,
 * writing its step offset to div. Returns the ring row of the last state written.
 */
export function emD(
  d: i32, m: i32, n: i32, ring: usize, cap: i32, slotIn: i32, lags: usize, lagConst: i32, z: usize,
  h: f64, A: usize, B: usize, c: usize, driftGiven: i32, fbuf: usize, kind: i32, g: usize, gdb: usize, div: usize,
): i32 {
  let slot = slotIn;
  const rowBytes = <usize>d << 3;
  for (let k: i32 = 0; k < n; k++) {
    let rs = slot - lagAt(lags, lagConst, k);
    if (rs < 0) rs += cap;
    const ns = slot + 1 == cap ? 0 : slot + 1;
    const px = ring + <usize>slot * rowBytes;
    const pl = ring + <usize>rs * rowBytes;
    const pn = ring + <usize>ns * rowBytes;
    if (driftGiven == 0) linearDrift(d, A, B, c, px, pl, fbuf);
    const pz = z + (<usize>k * <usize>m << 3);
    let finite = true;
    if (kind == NOISE_FULL) {
      matvec4(g, pz, gdb, d, m);
      for (let i: i32 = 0; i < d; i++) {
        const o = <usize>i << 3;
        const xn = load<f64>(px + o) + h * load<f64>(fbuf + o) + load<f64>(gdb + o);
        store<f64>(pn + o, xn);
        finite = finite && Math.abs(xn) < Infinity;
      }
    } else if (kind == NOISE_GIVEN) {
      const pg = g + <usize>k * rowBytes;
      for (let i: i32 = 0; i < d; i++) {
        const o = <usize>i << 3;
        const xn = load<f64>(px + o) + h * load<f64>(fbuf + o) + load<f64>(pg + o);
        store<f64>(pn + o, xn);
        finite = finite && Math.abs(xn) < Infinity;
      }
    } else if (kind == NOISE_DIAGONAL) {
      for (let i: i32 = 0; i < d; i++) {
        const o = <usize>i << 3;
        const xn = load<f64>(px + o) + h * load<f64>(fbuf + o) + load<f64>(g + o) * load<f64>(pz + o);
        store<f64>(pn + o, xn);
        finite = finite && Math.abs(xn) < Infinity;
      }
    } else if (kind == NOISE_SCALAR) {
      const db = load<f64>(pz);
      for (let i: i32 = 0; i < d; i++) {
        const o = <usize>i << 3;
        const xn = load<f64>(px + o) + h * load<f64>(fbuf + o) + load<f64>(g + o) * db;
        store<f64>(pn + o, xn);
        finite = finite && Math.abs(xn) < Infinity;
      }
    } else {
      for (let i: i32 = 0; i < d; i++) {
        const o = <usize>i << 3;
        const xn = load<f64>(px + o) + h * load<f64>(fbuf + o);
        store<f64>(pn + o, xn);
        finite = finite && Math.abs(xn) < Infinity;
      }
    }
    slot = ns;
    if (!finite) {
      store<i32>(div, k);
      return slot;
    }
  }
  return slot;
}

/**
 * One step of a drift function's loop with constant full noise (the host calls the function
 * between steps): X_{k+1} = X_k + h f + (G·ΔB)_k, f given in fbuf, (G·ΔB)_k at gz (from
 * matvec4Many), written to ring row slot + 1 (mod cap) — the operations of emD's NOISE_GIVEN,
 * two lanes at a time — and also to xbuf; then, unless lagNext < 0, X_{k+1−lagNext} is copied into
 * ybuf: the drift function's arguments for the next step, with no call between. Returns the new
 * slot, or its complement (~slot, negative) when X_{k+1} is not finite.
 */
export function emGivenStep(d: i32, ring: usize, cap: i32, slot: i32, lagNext: i32, h: f64, fbuf: usize, gz: usize, xbuf: usize, ybuf: usize): i32 {
  const rowBytes = <usize>d << 3;
  const ns = slot + 1 == cap ? 0 : slot + 1;
  const px = ring + <usize>slot * rowBytes;
  const pn = ring + <usize>ns * rowBytes;
  const vh = f64x2.splat(h);
  const inf = f64x2.splat(Infinity);
  let good = i64x2.splat(-1);
  const d2 = d & ~1;
  let i: i32 = 0;
  for (; i < d2; i += 2) {
    const o = <usize>i << 3;
    const xn = f64x2.add(f64x2.add(v128.load(px + o), f64x2.mul(vh, v128.load(fbuf + o))), v128.load(gz + o));
    v128.store(pn + o, xn);
    v128.store(xbuf + o, xn);
    good = v128.and(good, f64x2.lt(f64x2.abs(xn), inf));
  }
  let finite = i64x2.all_true(good);
  if (i < d) {
    const o = <usize>i << 3;
    const xn = load<f64>(px + o) + h * load<f64>(fbuf + o) + load<f64>(gz + o);
    store<f64>(pn + o, xn);
    store<f64>(xbuf + o, xn);
    finite = finite && Math.abs(xn) < Infinity;
  }
  if (!finite) return ~ns;
  if (lagNext >= 0) {
    let rs = ns - lagNext;
    if (rs < 0) rs += cap;
    memory.copy(ybuf, ring + <usize>rs * rowBytes, rowBytes);
  }
  return ns;
}

/** f = c + A x + B y, each row summed left to right as the general stepper does (rows in pairs for ILP). */
function linearDrift(d: i32, A: usize, B: usize, c: usize, x: usize, y: usize, f: usize): void {
  const rowBytes = <usize>d << 3;
  let i: i32 = 0;
  for (; i + 2 <= d; i += 2) {
    let s0 = c == 0 ? 0.0 : load<f64>(c + (<usize>i << 3));
    let s1 = c == 0 ? 0.0 : load<f64>(c + (<usize>(i + 1) << 3));
    if (A != 0) {
      const r0 = A + <usize>i * rowBytes;
      const r1 = r0 + rowBytes;
      for (let j: i32 = 0; j < d; j++) {
        const o = <usize>j << 3;
        const xj = load<f64>(x + o);
        s0 += load<f64>(r0 + o) * xj;
        s1 += load<f64>(r1 + o) * xj;
      }
    }
    if (B != 0) {
      const r0 = B + <usize>i * rowBytes;
      const r1 = r0 + rowBytes;
      for (let j: i32 = 0; j < d; j++) {
        const o = <usize>j << 3;
        const yj = load<f64>(y + o);
        s0 += load<f64>(r0 + o) * yj;
        s1 += load<f64>(r1 + o) * yj;
      }
    }
    store<f64>(f + (<usize>i << 3), s0);
    store<f64>(f + (<usize>(i + 1) << 3), s1);
  }
  for (; i < d; i++) {
    let s = c == 0 ? 0.0 : load<f64>(c + (<usize>i << 3));
    if (A != 0) for (let j: i32 = 0; j < d; j++) s += load<f64>(A + <usize>i * rowBytes + (<usize>j << 3)) * load<f64>(x + (<usize>j << 3));
    if (B != 0) for (let j: i32 = 0; j < d; j++) s += load<f64>(B + <usize>i * rowBytes + (<usize>j << 3)) * load<f64>(y + (<usize>j << 3));
    store<f64>(f + (<usize>i << 3), s);
  }
}
