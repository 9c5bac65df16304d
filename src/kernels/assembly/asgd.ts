// AssemblyScript. Minibatch gradient sums Σ_{m<count} ∇f_{batch[m]}(x) of the ASGD runner
// (He et al. Eq. 3: g_M(b, y) = (1/b) Σ_{i∈M} ∇f_i(y); the runner divides by b), with the
// arithmetic of src/asgd/objectives/least-squares.ts and logistic.ts operation for operation.
// A is row-major n×d; batch is i32; out is overwritten.

import { exp } from './libm';
import { finishSum4 } from './sum4';

/**
 * Least squares, ∇f_i = a_i (a_iᵀx − b_i). The residual sums a_iᵀx in four partial sums over
 * j ≡ 0, 1, 2, 3 (mod 4) (tail into the first), then (s0 + s1) + (s2 + s3) − b_i: two f64x2
 * accumulators per row, four rows at a time. Then out_j += a_ij r row after row, in batch order
 * (four rows per pass over out).
 */
export function lsqGradSum(A: usize, Bv: usize, d: i32, batch: usize, count: i32, x: usize, out: usize): void {
  lsqSum(A, Bv, d, batch, count, x, out);
}

@inline export function lsqSum(A: usize, Bv: usize, d: i32, batch: usize, count: i32, x: usize, out: usize): void {
  const rowBytes = <usize>d << 3;
  const d4 = d & ~3;
  const d2 = d & ~1;
  memory.fill(out, 0, rowBytes);
  let m: i32 = 0;
  for (; m + 4 <= count; m += 4) {
    const i0 = load<i32>(batch + (<usize>m << 2));
    const i1 = load<i32>(batch + (<usize>(m + 1) << 2));
    const i2 = load<i32>(batch + (<usize>(m + 2) << 2));
    const i3 = load<i32>(batch + (<usize>(m + 3) << 2));
    const p0 = A + <usize>i0 * rowBytes;
    const p1 = A + <usize>i1 * rowBytes;
    const p2 = A + <usize>i2 * rowBytes;
    const p3 = A + <usize>i3 * rowBytes;
    let a01 = f64x2.splat(0), a23 = f64x2.splat(0), b01 = f64x2.splat(0), b23 = f64x2.splat(0);
    let c01 = f64x2.splat(0), c23 = f64x2.splat(0), e01 = f64x2.splat(0), e23 = f64x2.splat(0);
    for (let j: i32 = 0; j < d4; j += 4) {
      const o = <usize>j << 3;
      const x01 = v128.load(x + o);
      const x23 = v128.load(x + o + 16);
      a01 = f64x2.add(a01, f64x2.mul(v128.load(p0 + o), x01));
      a23 = f64x2.add(a23, f64x2.mul(v128.load(p0 + o + 16), x23));
      b01 = f64x2.add(b01, f64x2.mul(v128.load(p1 + o), x01));
      b23 = f64x2.add(b23, f64x2.mul(v128.load(p1 + o + 16), x23));
      c01 = f64x2.add(c01, f64x2.mul(v128.load(p2 + o), x01));
      c23 = f64x2.add(c23, f64x2.mul(v128.load(p2 + o + 16), x23));
      e01 = f64x2.add(e01, f64x2.mul(v128.load(p3 + o), x01));
      e23 = f64x2.add(e23, f64x2.mul(v128.load(p3 + o + 16), x23));
    }
    const r0 = finishSum4(a01, a23, p0, x, d4, d) - load<f64>(Bv + (<usize>i0 << 3));
    const r1 = finishSum4(b01, b23, p1, x, d4, d) - load<f64>(Bv + (<usize>i1 << 3));
    const r2 = finishSum4(c01, c23, p2, x, d4, d) - load<f64>(Bv + (<usize>i2 << 3));
    const r3 = finishSum4(e01, e23, p3, x, d4, d) - load<f64>(Bv + (<usize>i3 << 3));
    const v0 = f64x2.splat(r0), v1 = f64x2.splat(r1), v2 = f64x2.splat(r2), v3 = f64x2.splat(r3);
    let j: i32 = 0;
    for (; j < d2; j += 2) {
      const o = <usize>j << 3;
      let t = f64x2.add(v128.load(out + o), f64x2.mul(v128.load(p0 + o), v0));
      t = f64x2.add(t, f64x2.mul(v128.load(p1 + o), v1));
      t = f64x2.add(t, f64x2.mul(v128.load(p2 + o), v2));
      v128.store(out + o, f64x2.add(t, f64x2.mul(v128.load(p3 + o), v3)));
    }
    for (; j < d; j++) {
      const o = <usize>j << 3;
      let t = load<f64>(out + o) + load<f64>(p0 + o) * r0;
      t = t + load<f64>(p1 + o) * r1;
      t = t + load<f64>(p2 + o) * r2;
      store<f64>(out + o, t + load<f64>(p3 + o) * r3);
    }
  }
  // the remaining rows one at a time (as lsqGradSum's single-row tail)
  for (; m < count; m++) {
    const i0 = load<i32>(batch + (<usize>m << 2));
    const p0 = A + <usize>i0 * rowBytes;
    let a01 = f64x2.splat(0);
    let a23 = f64x2.splat(0);
    for (let j: i32 = 0; j < d4; j += 4) {
      const o = <usize>j << 3;
      a01 = f64x2.add(a01, f64x2.mul(v128.load(p0 + o), v128.load(x + o)));
      a23 = f64x2.add(a23, f64x2.mul(v128.load(p0 + o + 16), v128.load(x + o + 16)));
    }
    const r0 = finishSum4(a01, a23, p0, x, d4, d) - load<f64>(Bv + (<usize>i0 << 3));
    const v0 = f64x2.splat(r0);
    let j: i32 = 0;
    for (; j < d2; j += 2) {
      const o = <usize>j << 3;
      v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(v128.load(p0 + o), v0)));
    }
    for (; j < d; j++) {
      const o = <usize>j << 3;
      store<f64>(out + o, load<f64>(out + o) + load<f64>(p0 + o) * r0);
    }
  }
}


/** The logistic sigmoid as logistic.ts evaluates it (two branches, fdlibm exp). */
@inline export function sigmoid(z: f64): f64 {
  if (z >= 0) return 1 / (1 + exp(-z));
  const e = exp(z);
  return e / (1 + e);
}

/**
 * Logistic regression with labels ±1 and L2 weight λ: ∇f_i = c_i a_i + λx, c_i = −y_i s(−y_i a_iᵀx),
 * a_iᵀx summed left to right from +0 (four rows interleaved), c_i into cbuf (count doubles); then
 * out_j += (c_i a_ij + λ x_j) row after row in batch order — the runner's sum of componentGradient.
 */
export function logisticGradSum(A: usize, y: usize, d: i32, l2: f64, batch: usize, count: i32, x: usize, out: usize, cbuf: usize): void {
  logisticSum(A, y, d, l2, batch, count, x, out, cbuf);
}

@inline function logisticSum(A: usize, y: usize, d: i32, l2: f64, batch: usize, count: i32, x: usize, out: usize, cbuf: usize): void {
  const rowBytes = <usize>d << 3;
  let m: i32 = 0;
  for (; m + 4 <= count; m += 4) {
    const i0 = load<i32>(batch + (<usize>m << 2));
    const i1 = load<i32>(batch + (<usize>(m + 1) << 2));
    const i2 = load<i32>(batch + (<usize>(m + 2) << 2));
    const i3 = load<i32>(batch + (<usize>(m + 3) << 2));
    const p0 = A + <usize>i0 * rowBytes;
    const p1 = A + <usize>i1 * rowBytes;
    const p2 = A + <usize>i2 * rowBytes;
    const p3 = A + <usize>i3 * rowBytes;
    let s0: f64 = 0;
    let s1: f64 = 0;
    let s2: f64 = 0;
    let s3: f64 = 0;
    for (let j: i32 = 0; j < d; j++) {
      const o = <usize>j << 3;
      const xj = load<f64>(x + o);
      s0 += load<f64>(p0 + o) * xj;
      s1 += load<f64>(p1 + o) * xj;
      s2 += load<f64>(p2 + o) * xj;
      s3 += load<f64>(p3 + o) * xj;
    }
    storeCoefficient(cbuf, m, y, i0, s0);
    storeCoefficient(cbuf, m + 1, y, i1, s1);
    storeCoefficient(cbuf, m + 2, y, i2, s2);
    storeCoefficient(cbuf, m + 3, y, i3, s3);
  }
  for (; m < count; m++) {
    const i0 = load<i32>(batch + (<usize>m << 2));
    const p0 = A + <usize>i0 * rowBytes;
    let s0: f64 = 0;
    for (let j: i32 = 0; j < d; j++) s0 += load<f64>(p0 + (<usize>j << 3)) * load<f64>(x + (<usize>j << 3));
    storeCoefficient(cbuf, m, y, i0, s0);
  }
  memory.fill(out, 0, rowBytes);
  const vl = f64x2.splat(l2);
  const d2 = d & ~1;
  for (m = 0; m < count; m++) {
    const p0 = A + <usize>load<i32>(batch + (<usize>m << 2)) * rowBytes;
    const c0 = load<f64>(cbuf + (<usize>m << 3));
    const vc = f64x2.splat(c0);
    let j: i32 = 0;
    for (; j < d2; j += 2) {
      const o = <usize>j << 3;
      const gi = f64x2.add(f64x2.mul(vc, v128.load(p0 + o)), f64x2.mul(vl, v128.load(x + o)));
      v128.store(out + o, f64x2.add(v128.load(out + o), gi));
    }
    for (; j < d; j++) {
      const o = <usize>j << 3;
      store<f64>(out + o, load<f64>(out + o) + (c0 * load<f64>(p0 + o) + l2 * load<f64>(x + o)));
    }
  }
}

@inline function storeCoefficient(cbuf: usize, m: i32, y: usize, i: i32, s: f64): void {
  const yi = load<f64>(y + (<usize>i << 3));
  const margin = yi * s;
  store<f64>(cbuf + (<usize>m << 3), -yi * sigmoid(-margin));
}

/**
 * n iterations of the ASGD runner (src/asgd/runner.ts, consistent read) on least squares
 * (kind 0) or logistic regression (kind 1): for iteration k, the iterate read at lag lags[k] from
 * the ring (rows of d doubles, row j mod cap = x_j; rows of j < 0 hold the history), the sum of the
 * minibatch batches[k·b …] gradients as above, divided by b, and x_{k+1} = x_k − steps[k]·g written
 * to the next row — the runner's arithmetic operation for operation. The host draws the lags, the
 * minibatches and the steps (η·u_k·α(l_k)) from its own streams. Stops at the first non-finite
 * candidate x_{k+1}, writing k to div (host-initialized to −1) and leaving its row unwritten as
 * the runner does. g: d doubles of scratch; cbuf: b doubles (logistic). Returns the row of the
 * last iterate.
 */
export function asgdRun(
  kind: i32, A: usize, Bv: usize, d: i32, l2: f64, n: i32, ring: usize, cap: i32, slotIn: i32,
  lags: usize, batches: usize, b: i32, steps: usize, g: usize, cbuf: usize, div: usize,
): i32 {
  const rowBytes = <usize>d << 3;
  const fb = <f64>b;
  let slot = slotIn;
  for (let k: i32 = 0; k < n; k++) {
    let rs = slot - load<i32>(lags + (<usize>k << 2));
    if (rs < 0) rs += cap;
    const xr = ring + <usize>rs * rowBytes;
    const batch = batches + (<usize>(k * b) << 2);
    if (kind == 0) lsqSum(A, Bv, d, batch, b, xr, g);
    else logisticSum(A, Bv, d, l2, batch, b, xr, g, cbuf);
    const step = load<f64>(steps + (<usize>k << 3));
    const ns = slot + 1 == cap ? 0 : slot + 1;
    const xc = ring + <usize>slot * rowBytes;
    const xn = ring + <usize>ns * rowBytes;
    let finite = true;
    for (let i: i32 = 0; i < d; i++) {
      const o = <usize>i << 3;
      const gi = load<f64>(g + o) / fb;
      const v = load<f64>(xc + o) - step * gi;
      finite = finite && Math.abs(v) < Infinity;
      store<f64>(g + o, v); // the candidate, as the runner keeps it in xRead
    }
    if (!finite) {
      store<i32>(div, k);
      return slot;
    }
    memory.copy(xn, g, rowBytes);
    slot = ns;
  }
  return slot;
}
