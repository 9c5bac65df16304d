// AssemblyScript. The rank PIT of the pair kernel (pair.ts; axis-law.ts AxisNoiseLaw.pits):
// u_j = (R + v_j(T + 1))/(M + 1) with R = #{s < w_j − tol} and T = #{|s − w_j| ≤ tol} over the
// law's M sorted samples s of axis j — the exact counts, so the same u as the TypeScript loop's
// binary searches in the doubles.
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

import { field, L_G, L_IW, L_KEYS, L_LO, L_M, L_SORTED, L_START } from './pair-law';

/** Whitened values closer than this count as one atom (axis-law.ts TIE_TOLERANCE). */
const TIE: f64 = 1e-9;

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
 * The exact ranks of the rank PIT (AxisNoiseLaw.pits) for the d axes of w: per axis j,
 * ranks[2j] = R = #{s < w_j − tol} and ranks[2j + 1] = T + 1, T = #{|s − w_j| ≤ tol} (i32). First
 * every axis's cell and its start offsets (their cache misses overlap), then each cell's keys.
 * `cells`, `cellLo`: d i32 of scratch, `cellHi`: d + 1, `tx`: d doubles.
 */
export function pitRanks(law: usize, d: i32, w: usize, ranks: usize, cells: usize, cellLo: usize, cellHi: usize, tx: usize): void {
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
    store<i32>(ranks + (<usize>j << 3), below - base);
    store<i32>(ranks + (<usize>j << 3), upto - below + 1, 4);
  }
}

/**
 * u_j = (R + v_j(T + 1))/(M + 1) for the d axes from their ranks (pitRanks' layout: R, T + 1 as
 * i32 pairs) and the uniforms v (AxisNoiseLaw.pits' arithmetic).
 */
@inline export function pitUniforms(ranks: usize, v: usize, u: usize, d: i32, M: i32): void {
  for (let j: i32 = 0; j < d; j++) {
    const o = <usize>j << 3;
    store<f64>(u + o, (<f64>load<i32>(ranks + o) + load<f64>(v + o) * <f64>load<i32>(ranks + o, 4)) / <f64>(M + 1));
  }
}
