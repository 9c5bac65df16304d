// AssemblyScript. The products G·v of the Euler–Maruyama kernels (em.ts) with a full noise matrix:
// one vector (matvec4) or a block of steps' increments at once (matvec4Many), each row summed as
// src/sdde/algorithms/euler-maruyama.ts sums it, so the bits are the general loop's.

import { finishSum4 } from './sum4';

/**
 * Σ_j G_ij v_j for rows [0, rows) into out, each row as src/sdde/algorithms/euler-maruyama.ts
 * sums it: four partial sums over j ≡ 0, 1, 2, 3 (mod 4), the tail added to the first, then
 * (s0 + s1) + (s2 + s3). Lanes (s0, s1) and (s2, s3) are two f64x2 accumulators — the same
 * additions in the same order — and four rows run interleaved so the accumulators' latency hides.
 */
export function matvec4(Gm: usize, v: usize, out: usize, rows: i32, cols: i32): void {
  const m4 = cols & ~3;
  const rowBytes = <usize>cols << 3;
  let i: i32 = 0;
  for (; i + 4 <= rows; i += 4) rows4(Gm + <usize>i * rowBytes, rowBytes, v, m4, cols, out + (<usize>i << 3));
  for (; i < rows; i++) store<f64>(out + (<usize>i << 3), row1(Gm + <usize>i * rowBytes, v, m4, cols));
}

/** Vectors per pass over G in matvec4Many: 32 vectors of m = 100 (25.6 kB) stay in L1 beside the two rows they meet. */
const VECTOR_BLOCK: i32 = 32;

/**
 * G·v_k for n vectors v_k (v + k·cols doubles) into out + k·rows doubles: G·[v_0 … v_{n−1}] as a
 * blocked matrix product, every row of every product summed exactly as matvec4 sums it (so each
 * out_k has matvec4's bits). The loops run over blocks of VECTOR_BLOCK vectors, and within one over
 * pairs of rows of G, each meeting the block's vectors two at a time: the 2 × 2 register block
 * loads four f64x2 of G and four of the vectors for eight products (matvec4's four rows × one
 * vector load ten), and a pair of rows is read from memory once per block and then from L1, where
 * matvec4 streams all of G (80 kB for d = m = 100, more than L1) for every vector.
 */
export function matvec4Many(Gm: usize, v: usize, out: usize, rows: i32, cols: i32, n: i32): void {
  const m4 = cols & ~3;
  const rowBytes = <usize>cols << 3;
  const outBytes = <usize>rows << 3;
  for (let k0: i32 = 0; k0 < n; k0 += VECTOR_BLOCK) {
    const k1 = min(n, k0 + VECTOR_BLOCK);
    let i: i32 = 0;
    for (; i + 2 <= rows; i += 2) {
      const r0 = Gm + <usize>i * rowBytes;
      let k = k0;
      for (; k + 2 <= k1; k += 2) rows2x2(r0, rowBytes, v + <usize>k * rowBytes, m4, cols, out + <usize>k * outBytes + (<usize>i << 3), outBytes);
      if (k < k1) {
        const vk = v + <usize>k * rowBytes;
        const ok = out + <usize>k * outBytes + (<usize>i << 3);
        store<f64>(ok, row1(r0, vk, m4, cols));
        store<f64>(ok, row1(r0 + rowBytes, vk, m4, cols), 8);
      }
    }
    if (i < rows) {
      const r0 = Gm + <usize>i * rowBytes;
      for (let k = k0; k < k1; k++) store<f64>(out + <usize>k * outBytes + (<usize>i << 3), row1(r0, v + <usize>k * rowBytes, m4, cols));
    }
  }
}

/**
 * Rows r0, r0 + 1 of G times vectors v0, v0 + 1 (consecutive, cols doubles apart) into out (row
 * sums of v0) and out + outBytes (of v0 + 1), each summed as matvec4 documents.
 */
@inline function rows2x2(r0: usize, rowBytes: usize, v0: usize, m4: i32, cols: i32, out: usize, outBytes: usize): void {
  const r1 = r0 + rowBytes;
  const v1 = v0 + rowBytes;
  let a01 = f64x2.splat(0);
  let a23 = f64x2.splat(0);
  let b01 = f64x2.splat(0);
  let b23 = f64x2.splat(0);
  let c01 = f64x2.splat(0);
  let c23 = f64x2.splat(0);
  let d01 = f64x2.splat(0);
  let d23 = f64x2.splat(0);
  for (let j: i32 = 0; j < m4; j += 4) {
    const o = <usize>j << 3;
    const g01 = v128.load(r0 + o);
    const g23 = v128.load(r0 + o + 16);
    const h01 = v128.load(r1 + o);
    const h23 = v128.load(r1 + o + 16);
    const x01 = v128.load(v0 + o);
    const x23 = v128.load(v0 + o + 16);
    a01 = f64x2.add(a01, f64x2.mul(g01, x01));
    a23 = f64x2.add(a23, f64x2.mul(g23, x23));
    b01 = f64x2.add(b01, f64x2.mul(h01, x01));
    b23 = f64x2.add(b23, f64x2.mul(h23, x23));
    const y01 = v128.load(v1 + o);
    const y23 = v128.load(v1 + o + 16);
    c01 = f64x2.add(c01, f64x2.mul(g01, y01));
    c23 = f64x2.add(c23, f64x2.mul(g23, y23));
    d01 = f64x2.add(d01, f64x2.mul(h01, y01));
    d23 = f64x2.add(d23, f64x2.mul(h23, y23));
  }
  store<f64>(out, finishSum4(a01, a23, r0, v0, m4, cols));
  store<f64>(out, finishSum4(b01, b23, r1, v0, m4, cols), 8);
  store<f64>(out + outBytes, finishSum4(c01, c23, r0, v1, m4, cols));
  store<f64>(out + outBytes, finishSum4(d01, d23, r1, v1, m4, cols), 8);
}

/** Four consecutive rows (the first at r0) · v into out[0 … 3], each summed as matvec4 documents. */
@inline function rows4(r0: usize, rowBytes: usize, v: usize, m4: i32, cols: i32, out: usize): void {
  const r1 = r0 + rowBytes;
  const r2 = r1 + rowBytes;
  const r3 = r2 + rowBytes;
  let a01 = f64x2.splat(0);
  let a23 = f64x2.splat(0);
  let b01 = f64x2.splat(0);
  let b23 = f64x2.splat(0);
  let c01 = f64x2.splat(0);
  let c23 = f64x2.splat(0);
  let d01 = f64x2.splat(0);
  let d23 = f64x2.splat(0);
  for (let j: i32 = 0; j < m4; j += 4) {
    const o = <usize>j << 3;
    const v01 = v128.load(v + o);
    const v23 = v128.load(v + o + 16);
    a01 = f64x2.add(a01, f64x2.mul(v128.load(r0 + o), v01));
    a23 = f64x2.add(a23, f64x2.mul(v128.load(r0 + o + 16), v23));
    b01 = f64x2.add(b01, f64x2.mul(v128.load(r1 + o), v01));
    b23 = f64x2.add(b23, f64x2.mul(v128.load(r1 + o + 16), v23));
    c01 = f64x2.add(c01, f64x2.mul(v128.load(r2 + o), v01));
    c23 = f64x2.add(c23, f64x2.mul(v128.load(r2 + o + 16), v23));
    d01 = f64x2.add(d01, f64x2.mul(v128.load(r3 + o), v01));
    d23 = f64x2.add(d23, f64x2.mul(v128.load(r3 + o + 16), v23));
  }
  store<f64>(out, finishSum4(a01, a23, r0, v, m4, cols));
  store<f64>(out, finishSum4(b01, b23, r1, v, m4, cols), 8);
  store<f64>(out, finishSum4(c01, c23, r2, v, m4, cols), 16);
  store<f64>(out, finishSum4(d01, d23, r3, v, m4, cols), 24);
}

/**
 * One row (at r0) · v, summed as matvec4 documents — as src/core/kernels.ts dot4: four chains over
 * j < m4, the tail into the first, then (s0 + s1) + (s2 + s3) (the pair kernel's products too).
 */
@inline export function row1(r0: usize, v: usize, m4: i32, cols: i32): f64 {
  let a01 = f64x2.splat(0);
  let a23 = f64x2.splat(0);
  for (let j: i32 = 0; j < m4; j += 4) {
    const o = <usize>j << 3;
    a01 = f64x2.add(a01, f64x2.mul(v128.load(r0 + o), v128.load(v + o)));
    a23 = f64x2.add(a23, f64x2.mul(v128.load(r0 + o + 16), v128.load(v + o + 16)));
  }
  return finishSum4(a01, a23, r0, v, m4, cols);
}
