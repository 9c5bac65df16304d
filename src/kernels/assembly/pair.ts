// AssemblyScript. The pair step of the bridge's 'axis-quantile' coupling with m = 1 on least
// squares (src/bridge/axis-coupling.ts, the inline Eq. (5) branch, driven by the runner's loop in
// src/asgd/runner.ts), n steps at a time: the ASGD step, the coupled normals of the same
// minibatch (its noise at the law point, whitened, the rank PIT of the sampled law per axis, Φ⁻¹)
// and the SDDE's Eq. (5) step — the TypeScript code's arithmetic operation for operation, so the
// same bits (test/bridge/axis-pair-kernel.test.ts). The draws are the path's own streams: the
// host (src/bridge/axis-pair-kernel.ts) draws the lags and steps, the kernel the minibatches (with
// replacement) and the PIT's uniforms from the MT19937 states the host copies in (rng.ts).
//
// The PIT's index (built by the host from the law's sorted samples, axis-pair-kernel.ts): per axis
// j, G cells over [lo_j, hi_j] by the monotone map t(v) = (v − lo_j)·iw_j, cell(t) = ⌊t⌋ clamped to
// [0, G); start[c] = the first sample with cell ≥ c; and per sample a 16-bit key
// key_c(t) = ⌊(t − c)·65536⌋ clamped to [0, 65535], the position inside its cell. (cell, key) is
// a non-decreasing function of v, so a sample whose (cell, key) is below that of x is below x, one
// above is above: the exact rank R = #{s < x} reads start[c] and the cell's keys (2 bytes a sample,
// a fifth of the doubles' memory and cache lines), and compares doubles only for a sample with the
// same key as x — the same R, without the searches in the 8-byte samples (M·d·8 = 10 MB at
// M = 65 536, d = 20: beyond L2).

import { log } from './libm';
import { lsqSum } from './asgd';
import { finishSum4 } from './sum4';
import { nextWord, uniformOpen01 } from './rng';

/** Whitened values closer than this count as one atom (axis-law.ts TIE_TOLERANCE). */
const TIE: f64 = 1e-9;

// the law block: i32 words at `law` (the host writes them; axis-pair-kernel.ts LAW_FIELDS)
const L_M = 0;
const L_G = 1;
const L_WHITEN = 2;
const L_SORTED = 3;
const L_KEYS = 4;
const L_START = 5;
const L_LO = 6;
const L_IW = 7;
const L_BIAS = 8;
const L_DEAD = 9;
const L_MIX = 10;
const L_AT = 11;
const L_BT = 12;
const L_POINT = 13;
const L_GPOINT = 14;
const L_SCRATCH = 15;
const L_RESIDUAL = 16;

@inline function field(law: usize, i: i32): usize {
  return <usize>load<i32>(law + (<usize>i << 2));
}

/** Σ_j row[j]·v[j] summed as src/core/kernels.ts dot4 (four chains, (s0 + s1) + (s2 + s3)). */
@inline function dot4(row: usize, v: usize, d: i32, d4: i32): f64 {
  let a01 = f64x2.splat(0);
  let a23 = f64x2.splat(0);
  for (let j: i32 = 0; j < d4; j += 4) {
    const o = <usize>j << 3;
    a01 = f64x2.add(a01, f64x2.mul(v128.load(row + o), v128.load(v + o)));
    a23 = f64x2.add(a23, f64x2.mul(v128.load(row + o + 16), v128.load(v + o + 16)));
  }
  return finishSum4(a01, a23, row, v, d4, d);
}

/**
 * out = Σ_m a_{batch[m]}·c_{batch[m]}: the update half of lsqSum (asgd.ts) with the residuals
 * c_i = a_iᵀx − b_i given (at the law point x_L they are the same every step: the host computes
 * them once, with lsqSum's dot product), each out_j summed in batch order — the same bits.
 */
@inline function residualSum(A: usize, d: i32, batch: usize, count: i32, c: usize, out: usize): void {
  const rowBytes = <usize>d << 3;
  const d2 = d & ~1;
  memory.fill(out, 0, rowBytes);
  for (let m: i32 = 0; m < count; m++) {
    const i = load<i32>(batch + (<usize>m << 2));
    const p = A + <usize>i * rowBytes;
    const r = load<f64>(c + (<usize>i << 3));
    const v = f64x2.splat(r);
    let j: i32 = 0;
    for (; j < d2; j += 2) {
      const o = <usize>j << 3;
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(v128.load(p + o), v)));
    }
    for (; j < d; j++) {
      const o = <usize>j << 3;
      store<f64>(out + o, load<f64>(out + o) + load<f64>(p + o) * r);
    }
  }
}

/**
 * Φ⁻¹(p), Wichura's AS 241 as src/core/math/normal-quantile.ts evaluates it (Horner from the top
 * coefficient, fdlibm log).
 */
export function normalQuantile(p: f64): f64 {
  if (isNaN(p) || p < 0 || p > 1) return NaN;
  if (p == 0) return -Infinity;
  if (p == 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    let a = 2509.0809287301226727;
    a = a * r + 33430.575583588128105;
    a = a * r + 67265.770927008700853;
    a = a * r + 45921.953931549871457;
    a = a * r + 13731.693765509461125;
    a = a * r + 1971.5909503065514427;
    a = a * r + 133.14166789178437745;
    a = a * r + 3.387132872796366608;
    let b = 5226.495278852545925;
    b = b * r + 28729.085735721942674;
    b = b * r + 39307.89580009271061;
    b = b * r + 21213.794301586595867;
    b = b * r + 5394.1960214247511077;
    b = b * r + 687.1870074920579083;
    b = b * r + 42.313330701600911252;
    b = b * r + 1;
    return (q * a) / b;
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-log(r));
  let x: f64;
  if (r <= 5) {
    r -= 1.6;
    let a = 7.7454501427834140764e-4;
    a = a * r + 0.0227238449892691845833;
    a = a * r + 0.24178072517745061177;
    a = a * r + 1.27045825245236838258;
    a = a * r + 3.64784832476320460504;
    a = a * r + 5.7694972214606914055;
    a = a * r + 4.6303378461565452959;
    a = a * r + 1.42343711074968357734;
    let b = 1.05075007164441684324e-9;
    b = b * r + 5.475938084995344946e-4;
    b = b * r + 0.0151986665636164571966;
    b = b * r + 0.14810397642748007459;
    b = b * r + 0.68976733498510000455;
    b = b * r + 1.6763848301838038494;
    b = b * r + 2.05319162663775882187;
    b = b * r + 1;
    x = a / b;
  } else {
    r -= 5;
    let a = 2.01033439929228813265e-7;
    a = a * r + 2.71155556874348757815e-5;
    a = a * r + 0.0012426609473880784386;
    a = a * r + 0.026532189526576123093;
    a = a * r + 0.29656057182850489123;
    a = a * r + 1.7848265399172913358;
    a = a * r + 5.4637849111641143699;
    a = a * r + 6.6579046435011037772;
    let b = 2.04426310338993978564e-15;
    b = b * r + 1.4215117583164458887e-7;
    b = b * r + 1.8463183175100546818e-5;
    b = b * r + 7.868691311456132591e-4;
    b = b * r + 0.0148753612908506148525;
    b = b * r + 0.13692988092273580531;
    b = b * r + 0.59983220655588793769;
    b = b * r + 1;
    x = a / b;
  }
  return q < 0 ? -x : x;
}

/** normalQuantile's central branch (|q| ≤ 0.425, q = p − 1/2) for two q at once, lane by lane. */
@inline function centralQuantile2(q: v128): v128 {
  const r = f64x2.sub(f64x2.splat(0.180625), f64x2.mul(q, q));
  let a = f64x2.splat(2509.0809287301226727);
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(33430.575583588128105));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(67265.770927008700853));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(45921.953931549871457));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(13731.693765509461125));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(1971.5909503065514427));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(133.14166789178437745));
  a = f64x2.add(f64x2.mul(a, r), f64x2.splat(3.387132872796366608));
  let b = f64x2.splat(5226.495278852545925);
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(28729.085735721942674));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(39307.89580009271061));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(21213.794301586595867));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(5394.1960214247511077));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(687.1870074920579083));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(42.313330701600911252));
  b = f64x2.add(f64x2.mul(b, r), f64x2.splat(1));
  return f64x2.div(f64x2.mul(q, a), b);
}

/** The cell of t = (v − lo)·iw: ⌊t⌋ clamped to [0, G). */
@inline function cellOf(t: f64, G: i32): i32 {
  return t < 0 ? 0 : t >= <f64>G ? G - 1 : <i32>Math.floor(t);
}

/** The 16-bit key of t inside cell c: ⌊(t − c)·65536⌋ clamped to [0, 65535]. */
@inline function keyOf(t: f64, c: i32): i32 {
  const q = Math.floor((t - <f64>c) * 65536.0);
  return q < 0 ? 0 : q > 65535 ? 65535 : <i32>q;
}

/** First index in [lo, hi) with s[i] ≥ v. */
function lowerBound(s: usize, lo: i32, hi: i32, v: f64): i32 {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = <i32>(<u32>(a + b) >>> 1);
    if (load<f64>(s + (<usize>mid << 3)) < v) a = mid + 1;
    else b = mid;
  }
  return a;
}

/** First index in [lo, hi) with s[i] > v. */
function upperBound(s: usize, lo: i32, hi: i32, v: f64): i32 {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = <i32>(<u32>(a + b) >>> 1);
    if (load<f64>(s + (<usize>mid << 3)) <= v) a = mid + 1;
    else b = mid;
  }
  return a;
}

/**
 * The rank PITs of all d axes (AxisNoiseLaw.pits): u_j = (R + v_j(T + 1))/(M + 1) with
 * R = #{s < w_j − tol}, T = #{|s − w_j| ≤ tol}. First every axis's cell and its start offsets
 * (their cache misses overlap), then each cell's keys.
 */
function pits(law: usize, d: i32, w: usize, v: usize, u: usize, cells: usize, cellLo: usize, cellHi: usize, tx: usize): void {
  const M = load<i32>(law + (<usize>L_M << 2));
  const G = load<i32>(law + (<usize>L_G << 2));
  const sorted = field(law, L_SORTED);
  const keys = field(law, L_KEYS);
  const start = field(law, L_START);
  const loP = field(law, L_LO);
  const iwP = field(law, L_IW);
  for (let j: i32 = 0; j < d; j++) {
    const o = <usize>j << 3;
    const iw = load<f64>(iwP + o);
    const t = (load<f64>(w + o) - TIE - load<f64>(loP + o)) * iw;
    store<f64>(tx + o, t);
    if (!(iw > 0)) {
      store<i32>(cells + (<usize>j << 2), -1); // all samples equal: searched in the doubles
      continue;
    }
    const c = cellOf(t, G);
    store<i32>(cells + (<usize>j << 2), c);
    const sp = start + ((<usize>j * <usize>(G + 1) + <usize>c) << 2);
    store<i32>(cellLo + (<usize>j << 2), load<i32>(sp));
    store<i32>(cellHi + (<usize>j << 2), load<i32>(sp, 4));
  }
  // touch every cell's first and last key before any search: the searches below branch on what
  // they read, and a mispredicted branch would hold back the next axis's loads (its cache misses
  // would then come one after another instead of overlapping)
  let touched: i32 = 0;
  for (let j: i32 = 0; j < d; j++) {
    if (load<i32>(cells + (<usize>j << 2)) < 0) continue;
    touched += <i32>load<u16>(keys + (<usize>load<i32>(cellLo + (<usize>j << 2)) << 1));
    touched += <i32>load<u16>(keys + (<usize>load<i32>(cellHi + (<usize>j << 2)) << 1) - 2);
  }
  store<i32>(cellHi + (<usize>d << 2), touched); // (kept, so that the loads are)
  for (let j: i32 = 0; j < d; j++) {
    const o = <usize>j << 3;
    const wj = load<f64>(w + o);
    const x = wj - TIE;
    const y = wj + TIE;
    const base = j * M;
    const end = base + M;
    const c = load<i32>(cells + (<usize>j << 2));
    let below: i32;
    let upto: i32;
    if (c < 0) {
      below = lowerBound(sorted, base, end, x);
      upto = below < end && load<f64>(sorted + (<usize>below << 3)) <= y ? upperBound(sorted, below, end, y) : below;
    } else {
      const lo = load<i32>(cellLo + (<usize>j << 2));
      const hi = load<i32>(cellHi + (<usize>j << 2));
      const kx = keyOf(load<f64>(tx + o), c);
      // the keys below kx: a prefix of the cell (its keys ascend), eight at a time
      const kv = i16x8.splat(<i16>kx);
      let r = lo;
      while (r < hi) {
        let bits = i16x8.bitmask(i16x8.lt_u(v128.load(keys + (<usize>r << 1)), kv));
        const left = hi - r;
        if (left < 8) bits &= (1 << left) - 1;
        const n = <i32>popcnt<i32>(bits);
        r += n;
        if (n < 8) break;
      }
      // keys equal to kx: the doubles decide
      while (r < hi && <i32>load<u16>(keys + (<usize>r << 1)) == kx && load<f64>(sorted + (<usize>r << 3)) < x) r++;
      below = r;
      upto = below;
      if (below < end) {
        // a sample within the tolerance? (cell, key) of y = w + tol against the sample at `below`
        const ty = (y - load<f64>(loP + o)) * load<f64>(iwP + o);
        const cy = cellOf(ty, G);
        let maybe = true;
        if (below < hi) maybe = !(cy == c && <i32>load<u16>(keys + (<usize>below << 1)) > keyOf(ty, c));
        else maybe = cy != c; // the sample lies in a later cell than x's, and y is still in x's
        if (maybe && load<f64>(sorted + (<usize>below << 3)) <= y) upto = upperBound(sorted, below, end, y);
      }
    }
    store<f64>(u + o, (<f64>(below - base) + load<f64>(v + o) * <f64>(upto - below + 1)) / <f64>(M + 1));
  }
}

/**
 * A minibatch with replacement from nData rows, as MinibatchSampler.draw: rejection above the
 * largest multiple of nData below 2^32 (`limit`), then the remainder.
 */
@inline function drawBatch(stream: usize, out: usize, b: i32, nData: i32, limit: u32): void {
  for (let m: i32 = 0; m < b; m++) {
    let r: u32;
    do r = <u32>nextWord(stream);
    while (r >= limit);
    store<i32>(out + (<usize>m << 2), <i32>(r % <u32>nData));
  }
}

/**
 * n pair steps (m = 1, least squares). Rings: rows of d doubles, row j mod cap = x_j (ASGD, at
 * ringX) and X_j (SDDE, at ringS), rows of j < 0 the history; slotIn the row of step k's iterate.
 * Per step: lags[k] (effective), the minibatch batches[k·b …] (drawn here from the stream block
 * `minibatch` with replacement from nData rows, rejection limit `limit`, when minibatch ≠ 0),
 * stepsA[k] = η·u_k(·α(l_k)) (ASGD), stepsS[k] = η·u_k (SDDE), and d uniforms from the stream
 * block `coupling` (src/kernels/layout.ts; the host copies the path's engines in). Stops at the first non-finite candidate of
 * either path, writing k to div[0] (ASGD) or div[1] (SDDE) (host-initialized to −1; div[2] is
 * scratch): the host then runs that path in TypeScript. A, Bv: the data (row-major n×d, n); law: the law block.
 * Returns the row of the last iterate.
 */
export function axisPairRun(
  A: usize, Bv: usize, d: i32, b: i32, law: usize, n: i32, ringX: usize, ringS: usize, cap: i32, slotIn: i32,
  lags: usize, batches: usize, stepsA: usize, stepsS: usize, coupling: usize, minibatch: usize, nData: i32, limit: u32, div: usize,
): i32 {
  const rowBytes = <usize>d << 3;
  const d4 = d & ~3;
  const fb = <f64>b;
  const whiten = field(law, L_WHITEN);
  const bias = field(law, L_BIAS);
  const dead = field(law, L_DEAD);
  const mix = field(law, L_MIX);
  const At = field(law, L_AT);
  const Bt = field(law, L_BT);
  const residual = field(law, L_RESIDUAL);
  const gPoint = field(law, L_GPOINT);
  const scratch = field(law, L_SCRATCH);
  const g = scratch;
  const gs = g + rowBytes;
  const w = gs + rowBytes;
  const z = w + rowBytes;
  const u = z + rowBytes;
  const gX = u + rowBytes;
  const tx = gX + rowBytes;
  const vk = tx + rowBytes;
  const cells = vk + rowBytes;
  const cellLo = cells + (<usize>d << 2);
  const cellHi = cellLo + (<usize>d << 2);
  let slot = slotIn;
  if (minibatch != 0 && n > 0) drawBatch(minibatch, batches, b, nData, limit);
  for (let k: i32 = 0; k < n; k++) {
    let rs = slot - load<i32>(lags + (<usize>k << 2));
    if (rs < 0) rs += cap;
    const ns = slot + 1 == cap ? 0 : slot + 1;
    const batch = batches + (<usize>(k * b) << 2);
    // the next step's minibatch (each stream is still read in step order), and its rows of A
    // touched now: their cache misses overlap with this step's work instead of stalling the next
    if (k + 1 < n) {
      const next = batch + (<usize>b << 2);
      if (minibatch != 0) drawBatch(minibatch, next, b, nData, limit);
      let touched: i32 = 0;
      for (let m: i32 = 0; m < b; m++) {
        const p = A + <usize>load<i32>(next + (<usize>m << 2)) * rowBytes;
        for (let o: usize = 0; o < rowBytes; o += 64) touched ^= load<i32>(p + o);
        touched ^= load<i32>(p + rowBytes - 4);
      }
      store<i32>(div, touched, 8); // (kept, so that the loads are)
    }
    // the ASGD's minibatch gradient at its read point (runner.ts)
    lsqSum(A, Bv, d, batch, b, ringX + <usize>rs * rowBytes, g);
    // the same minibatch's noise at the law point, whitened (axis-coupling.ts axisNormals)
    residualSum(A, d, batch, b, residual, gs);
    for (let i: i32 = 0; i < d; i++) {
      const o = <usize>i << 3;
      store<f64>(gs + o, load<f64>(gPoint + o) - load<f64>(gs + o) / fb);
    }
    for (let j: i32 = 0; j < d; j++) store<f64>(w + (<usize>j << 3), dot4(whiten + <usize>j * rowBytes, gs, d, d4));
    // the PIT's uniforms from the path's coupling stream, axis by axis (axis-coupling.ts)
    for (let j: i32 = 0; j < d; j++) store<f64>(vk + (<usize>j << 3), uniformOpen01(coupling));
    pits(law, d, w, vk, u, cells, cellLo, cellHi, tx);
    // z_j = Φ⁻¹(u_j) − β_j (Φ⁻¹(v_j) on an axis without noise); two axes at once in f64x2 when
    // both lie in AS 241's central region (the same operations lane by lane: the same bits)
    let j: i32 = 0;
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j << 3;
      const dead0 = load<i32>(dead + (<usize>j << 2)) != 0;
      const dead1 = load<i32>(dead + (<usize>j << 2), 4) != 0;
      const p0 = dead0 ? load<f64>(vk + o) : load<f64>(u + o);
      const p1 = dead1 ? load<f64>(vk + o, 8) : load<f64>(u + o, 8);
      const q0 = p0 - 0.5;
      const q1 = p1 - 0.5;
      if (Math.abs(q0) <= 0.425 && Math.abs(q1) <= 0.425) {
        const x = centralQuantile2(f64x2.replace_lane(f64x2.splat(q0), 1, q1));
        store<f64>(z + o, dead0 ? f64x2.extract_lane(x, 0) : f64x2.extract_lane(x, 0) - load<f64>(bias + o));
        store<f64>(z + o, dead1 ? f64x2.extract_lane(x, 1) : f64x2.extract_lane(x, 1) - load<f64>(bias + o, 8), 8);
      } else {
        store<f64>(z + o, dead0 ? normalQuantile(p0) : normalQuantile(p0) - load<f64>(bias + o));
        store<f64>(z + o, dead1 ? normalQuantile(p1) : normalQuantile(p1) - load<f64>(bias + o, 8), 8);
      }
    }
    for (; j < d; j++) {
      const o = <usize>j << 3;
      store<f64>(z + o, load<i32>(dead + (<usize>j << 2)) != 0 ? normalQuantile(load<f64>(vk + o)) : normalQuantile(load<f64>(u + o)) - load<f64>(bias + o));
    }
    // the SDDE: X_{k+1} = X_k − c∇F(X_{k−l}) + c·R z, ∇F = ÃX − B̃ (least-squares.ts gradient)
    const XR = ringS + <usize>rs * rowBytes;
    for (let a: i32 = 0; a < d; a++) store<f64>(gX + (<usize>a << 3), dot4(At + <usize>a * rowBytes, XR, d, d4) - load<f64>(Bt + (<usize>a << 3)));
    const c = load<f64>(stepsS + (<usize>k << 3));
    const Xc = ringS + <usize>slot * rowBytes;
    const Xn = ringS + <usize>ns * rowBytes;
    let finite = true;
    for (let i: i32 = 0; i < d; i++) {
      const o = <usize>i << 3;
      const noise = dot4(mix + <usize>i * rowBytes, z, d, d4);
      const val = load<f64>(Xc + o) - c * load<f64>(gX + o) + c * noise;
      finite = finite && Math.abs(val) < Infinity;
      store<f64>(Xn + o, val);
    }
    if (!finite) {
      store<i32>(div, k, 4);
      return slot;
    }
    // the ASGD's update (runner.ts): g/b, x_{k+1} = x_k − step·g
    const step = load<f64>(stepsA + (<usize>k << 3));
    const xc = ringX + <usize>slot * rowBytes;
    const xn = ringX + <usize>ns * rowBytes;
    for (let i: i32 = 0; i < d; i++) {
      const o = <usize>i << 3;
      const val = load<f64>(xc + o) - step * (load<f64>(g + o) / fb);
      finite = finite && Math.abs(val) < Infinity;
      store<f64>(xn + o, val);
    }
    if (!finite) {
      store<i32>(div, k);
      return slot;
    }
    slot = ns;
  }
  return slot;
}
