// AssemblyScript. The full gradient of logistic regression, ∇F(x) = (1/n) Σ_i c_i a_i + λx with
// c_i = −y_i s(−y_i a_iᵀx) (s the logistic sigmoid), with the arithmetic of the objective's own
// loop (src/asgd/objectives/logistic.ts, `gradient`) operation for operation: a_iᵀx in four
// partial sums over j ≡ 0, 1, 2, 3 (mod 4), the tail into the first, then (s0 + s1) + (s2 + s3)
// (core/kernels.ts dot4); then out_j += c_i a_ij row after row; then out_j = out_j / n + λ x_j.
// It is the SDDE's drift of the bridge (He et al. Eq. 6) on logistic regression: n·d
// multiply-adds per path step. F(x) itself (logisticValue), which the ASGD runner evaluates at
// every save, likewise.

import { sigmoid } from './asgd';
import { exp, expNonPositive2, expNonPositiveRange2, log1p } from './libm';
import { finishSum4 } from './sum4';

/** c_i = −y_i s(−y_i a_iᵀx) from the dot product s = a_iᵀx, as logistic.ts computes it. */
@inline function coefficient(y: usize, i: i32, s: f64): f64 {
  const yi = load<f64>(y + (<usize>i << 3));
  return -yi * sigmoid(-(yi * s));
}

/**
 * (c_i, c_{i+1}) of two rows at once: both exp(−|z|) of the sigmoid in f64x2 lanes (libm's
 * expNonPositive2, `exp`'s bits), then 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0 as `sigmoid`;
 * lanes outside its range (|z| ≥ 707, NaN) one at a time by `coefficient`.
 */
@inline function coefficients2(y: usize, i: i32, s0: f64, s1: f64): v128 {
  const yv = v128.load(y + (<usize>i << 3));
  const z = f64x2.neg(f64x2.mul(yv, f64x2.replace_lane(f64x2.splat(s0), 1, s1)));
  const arg = f64x2.neg(f64x2.abs(z));
  if (!expNonPositiveRange2(arg)) return f64x2.replace_lane(f64x2.splat(coefficient(y, i, s0)), 1, coefficient(y, i + 1, s1));
  const e = expNonPositive2(arg);
  const one = f64x2.splat(1);
  const sig = f64x2.div(v128.bitselect(one, e, f64x2.ge(z, f64x2.splat(0))), f64x2.add(one, e));
  return f64x2.mul(f64x2.neg(yv), sig);
}

/**
 * Four rows' contributions c_i a_i (i = i … i+3, rows at p0, p0 + rowBytes, …) added to out in row
 * order, for the state x: their dot products in two f64x2 accumulators each (lanes j ≡ 0, 1 and
 * j ≡ 2, 3), then the four updates of out within one pass over out.
 */
@inline function addRows4(p0: usize, rowBytes: usize, y: usize, i: i32, d: i32, d4: i32, d2: i32, x: usize, out: usize): void {
  const p1 = p0 + rowBytes;
  const p2 = p1 + rowBytes;
  const p3 = p2 + rowBytes;
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
  const r01 = coefficients2(y, i, finishSum4(a01, a23, p0, x, d4, d), finishSum4(b01, b23, p1, x, d4, d));
  const r23 = coefficients2(y, i + 2, finishSum4(c01, c23, p2, x, d4, d), finishSum4(e01, e23, p3, x, d4, d));
  const r0 = f64x2.extract_lane(r01, 0), r1 = f64x2.extract_lane(r01, 1);
  const r2 = f64x2.extract_lane(r23, 0), r3 = f64x2.extract_lane(r23, 1);
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

/** One row's contribution c_i a_i (row at p0) added to out, for the state x. */
@inline function addRow(p0: usize, y: usize, i: i32, d: i32, d4: i32, d2: i32, x: usize, out: usize): void {
  let a01 = f64x2.splat(0);
  let a23 = f64x2.splat(0);
  for (let j: i32 = 0; j < d4; j += 4) {
    const o = <usize>j << 3;
    a01 = f64x2.add(a01, f64x2.mul(v128.load(p0 + o), v128.load(x + o)));
    a23 = f64x2.add(a23, f64x2.mul(v128.load(p0 + o + 16), v128.load(x + o + 16)));
  }
  const r0 = coefficient(y, i, finishSum4(a01, a23, p0, x, d4, d));
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

/** out_j = out_j / n + λ x_j: the end of ∇F. */
@inline function finishFullGrad(n: i32, d: i32, l2: f64, x: usize, out: usize): void {
  const fn = <f64>n;
  for (let j: i32 = 0; j < d; j++) {
    const o = <usize>j << 3;
    store<f64>(out + o, load<f64>(out + o) / fn + l2 * load<f64>(x + o));
  }
}

/**
 * ∇F(x) into out (d doubles) for A row-major n×d, labels y (±1, n doubles), L2 weight λ. Four rows
 * at a time (addRows4), the remaining rows one at a time.
 */
export function logisticFullGrad(A: usize, y: usize, n: i32, d: i32, l2: f64, x: usize, out: usize): void {
  const rowBytes = <usize>d << 3;
  const d4 = d & ~3;
  const d2 = d & ~1;
  memory.fill(out, 0, rowBytes);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) addRows4(A + <usize>i * rowBytes, rowBytes, y, i, d, d4, d2, x, out);
  for (; i < n; i++) addRow(A + <usize>i * rowBytes, y, i, d, d4, d2, x, out);
  finishFullGrad(n, d, l2, x, out);
}

/**
 * ∇F at p states at once: X holds p states of d doubles one after the other, OUT receives their p
 * gradients likewise. One pass over the data: each block of four rows, loaded once, serves the p
 * states in turn while it is in L1. Per state exactly logisticFullGrad's operations in its order,
 * so each gradient has its bits; what is shared is only the data's trip from memory.
 * Not on the pair ensemble's path: there it measured 1.03–1.10× per pair step (the row's cost is
 * its instructions, not its loads), too little for stepping paths in lock step; kept for the
 * benchmark that shows this (bench/logistic-full-gradients.ts, docs/performance-and-reproducibility.md).
 */
export function logisticFullGradMany(A: usize, y: usize, n: i32, d: i32, l2: f64, X: usize, p: i32, OUT: usize): void {
  const rowBytes = <usize>d << 3;
  const d4 = d & ~3;
  const d2 = d & ~1;
  memory.fill(OUT, 0, <usize>p * rowBytes);
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const p0 = A + <usize>i * rowBytes;
    for (let k: i32 = 0; k < p; k++) addRows4(p0, rowBytes, y, i, d, d4, d2, X + <usize>k * rowBytes, OUT + <usize>k * rowBytes);
  }
  for (; i < n; i++) {
    const p0 = A + <usize>i * rowBytes;
    for (let k: i32 = 0; k < p; k++) addRow(p0, y, i, d, d4, d2, X + <usize>k * rowBytes, OUT + <usize>k * rowBytes);
  }
  for (let k: i32 = 0; k < p; k++) finishFullGrad(n, d, l2, X + <usize>k * rowBytes, OUT + <usize>k * rowBytes);
}


/** log(1 + e^z) without overflow, as logistic.ts's softplus. */
@inline function softplus(z: f64): f64 {
  return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}

/** softplus(z₀) + softplus(z₁) added to s in that order, both exp(−|z|) in f64x2 lanes (as coefficients2). */
@inline function addSoftplus2(s: f64, z0: f64, z1: f64): f64 {
  const z = f64x2.replace_lane(f64x2.splat(z0), 1, z1);
  const arg = f64x2.neg(f64x2.abs(z));
  if (!expNonPositiveRange2(arg)) return s + softplus(z0) + softplus(z1);
  const e = expNonPositive2(arg);
  const l0 = log1p(f64x2.extract_lane(e, 0));
  const l1 = log1p(f64x2.extract_lane(e, 1));
  return s + (z0 > 0 ? z0 + l0 : l0) + (z1 > 0 ? z1 + l1 : l1);
}

/**
 * F(x) = (1/n) Σ_i log(1 + e^{−y_i a_iᵀx}) + (λ/2)‖x‖² as logistic.ts's `value` computes it: the
 * dot products as in logisticFullGrad (four rows interleaved), the softplus terms added in row
 * order, ‖x‖² left to right.
 */
export function logisticValue(A: usize, y: usize, n: i32, d: i32, l2: f64, x: usize): f64 {
  const rowBytes = <usize>d << 3;
  const d4 = d & ~3;
  let s: f64 = 0;
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    const p0 = A + <usize>i * rowBytes;
    const p1 = p0 + rowBytes;
    const p2 = p1 + rowBytes;
    const p3 = p2 + rowBytes;
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
    const yb = y + (<usize>i << 3);
    s = addSoftplus2(s, -(load<f64>(yb) * finishSum4(a01, a23, p0, x, d4, d)), -(load<f64>(yb + 8) * finishSum4(b01, b23, p1, x, d4, d)));
    s = addSoftplus2(s, -(load<f64>(yb + 16) * finishSum4(c01, c23, p2, x, d4, d)), -(load<f64>(yb + 24) * finishSum4(e01, e23, p3, x, d4, d)));
  }
  for (; i < n; i++) {
    const p0 = A + <usize>i * rowBytes;
    let a01 = f64x2.splat(0);
    let a23 = f64x2.splat(0);
    for (let j: i32 = 0; j < d4; j += 4) {
      const o = <usize>j << 3;
      a01 = f64x2.add(a01, f64x2.mul(v128.load(p0 + o), v128.load(x + o)));
      a23 = f64x2.add(a23, f64x2.mul(v128.load(p0 + o + 16), v128.load(x + o + 16)));
    }
    s += softplus(-(load<f64>(y + (<usize>i << 3)) * finishSum4(a01, a23, p0, x, d4, d)));
  }
  let r: f64 = 0;
  for (let j: i32 = 0; j < d; j++) {
    const xj = load<f64>(x + (<usize>j << 3));
    r += xj * xj;
  }
  return s / <f64>n + 0.5 * l2 * r;
}

/**
 * F(x) = (1/2n) Σ_i (a_iᵀx − b_i)² of least squares as src/asgd/objectives/least-squares.ts
 * evaluates it: each residual one chain from −b_i, a_ij·x_j added for j = 0, 1, …; the squares
 * added in row order. Eight rows at a time, two per f64x2 (their chains are independent: the same
 * operations, the same bits).
 */
export function lsqValue(A: usize, Bv: usize, n: i32, d: i32, x: usize): f64 {
  const rowBytes = <usize>d << 3;
  let s: f64 = 0;
  let i: i32 = 0;
  for (; i + 8 <= n; i += 8) {
    const p0 = A + <usize>i * rowBytes;
    const b = Bv + (<usize>i << 3);
    let r01 = f64x2.neg(v128.load(b));
    let r23 = f64x2.neg(v128.load(b, 16));
    let r45 = f64x2.neg(v128.load(b, 32));
    let r67 = f64x2.neg(v128.load(b, 48));
    for (let j: i32 = 0; j < d; j++) {
      const o = <usize>j << 3;
      const xj = f64x2.splat(load<f64>(x + o));
      const q = p0 + o;
      r01 = f64x2.add(r01, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(q)), 1, load<f64>(q + rowBytes)), xj));
      r23 = f64x2.add(r23, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(q + 2 * rowBytes)), 1, load<f64>(q + 3 * rowBytes)), xj));
      r45 = f64x2.add(r45, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(q + 4 * rowBytes)), 1, load<f64>(q + 5 * rowBytes)), xj));
      r67 = f64x2.add(r67, f64x2.mul(f64x2.replace_lane(f64x2.splat(load<f64>(q + 6 * rowBytes)), 1, load<f64>(q + 7 * rowBytes)), xj));
    }
    const q01 = f64x2.mul(r01, r01);
    const q23 = f64x2.mul(r23, r23);
    const q45 = f64x2.mul(r45, r45);
    const q67 = f64x2.mul(r67, r67);
    s += f64x2.extract_lane(q01, 0);
    s += f64x2.extract_lane(q01, 1);
    s += f64x2.extract_lane(q23, 0);
    s += f64x2.extract_lane(q23, 1);
    s += f64x2.extract_lane(q45, 0);
    s += f64x2.extract_lane(q45, 1);
    s += f64x2.extract_lane(q67, 0);
    s += f64x2.extract_lane(q67, 1);
  }
  for (; i < n; i++) {
    const p0 = A + <usize>i * rowBytes;
    let r = -load<f64>(Bv + (<usize>i << 3));
    for (let j: i32 = 0; j < d; j++) r += load<f64>(p0 + (<usize>j << 3)) * load<f64>(x + (<usize>j << 3));
    s += r * r;
  }
  return s / (2.0 * <f64>n);
}

/**
 * lsqValue with the data also held transposed (At: d×n, column j of A contiguous): the same
 * chains, two rows per f64x2 read with one load instead of two, so F's pass over the data is half
 * the instructions. The same bits as lsqValue.
 */
export function lsqValueT(At: usize, Bv: usize, n: i32, d: i32, x: usize): f64 {
  const colBytes = <usize>n << 3;
  let s: f64 = 0;
  let i: i32 = 0;
  for (; i + 8 <= n; i += 8) {
    const b = Bv + (<usize>i << 3);
    let r01 = f64x2.neg(v128.load(b));
    let r23 = f64x2.neg(v128.load(b, 16));
    let r45 = f64x2.neg(v128.load(b, 32));
    let r67 = f64x2.neg(v128.load(b, 48));
    let q = At + (<usize>i << 3);
    for (let j: i32 = 0; j < d; j++) {
      const xj = f64x2.splat(load<f64>(x + (<usize>j << 3)));
      r01 = f64x2.add(r01, f64x2.mul(v128.load(q), xj));
      r23 = f64x2.add(r23, f64x2.mul(v128.load(q, 16), xj));
      r45 = f64x2.add(r45, f64x2.mul(v128.load(q, 32), xj));
      r67 = f64x2.add(r67, f64x2.mul(v128.load(q, 48), xj));
      q += colBytes;
    }
    const q01 = f64x2.mul(r01, r01);
    const q23 = f64x2.mul(r23, r23);
    const q45 = f64x2.mul(r45, r45);
    const q67 = f64x2.mul(r67, r67);
    s += f64x2.extract_lane(q01, 0);
    s += f64x2.extract_lane(q01, 1);
    s += f64x2.extract_lane(q23, 0);
    s += f64x2.extract_lane(q23, 1);
    s += f64x2.extract_lane(q45, 0);
    s += f64x2.extract_lane(q45, 1);
    s += f64x2.extract_lane(q67, 0);
    s += f64x2.extract_lane(q67, 1);
  }
  for (; i < n; i++) {
    let r = -load<f64>(Bv + (<usize>i << 3));
    for (let j: i32 = 0; j < d; j++) r += load<f64>(At + <usize>j * colBytes + (<usize>i << 3)) * load<f64>(x + (<usize>j << 3));
    s += r * r;
  }
  return s / (2.0 * <f64>n);
}
