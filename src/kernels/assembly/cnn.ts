// AssemblyScript. The small CNN of src/asgd/objectives/cnn.ts: conv(k, c1) → 2×2 average pool →
// tanh → conv(k, c2) → 2×2 average pool → tanh → dense(h) → tanh → dense(C) → softmax
// cross-entropy, with the parameter and scratch layout of src/kernels/cnn-shape.ts (computed again
// in `Sh` below, in the same order). Its TypeScript twin is src/kernels/cnn-fallback.ts: the
// same operations in the same order. SIMD only where it keeps that order: over two adjacent
// output columns (each lane is one output's own chain of additions), and over the two chains
// (column even, column odd) of the weight-gradient sums, which the twin writes as two chains too.
// The pooled maps B0, B1 store each row's even columns first, then its odd columns, so that the
// inputs at 2q + v of two adjacent outputs q, q + 1 are adjacent in memory.
// tanh, exp and log are the fdlibm ports of libm.ts, equal to the TypeScript ones.

import { exp, log, tanh } from './libm';

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
@inline function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}
@inline function ldv(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 3));
}
@inline function stv(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 3), v);
}
/** Column t of a parity-split row of width w. */
@inline function col(t: i32, w: i32): i32 {
  return t & 1 ? ((w + 1) >> 1) + (t >> 1) : t >> 1;
}

// Offsets in doubles, as cnnShape in src/kernels/cnn-shape.ts, in globals (the kernels allocate
// nothing: the host owns linear memory), set by setShape at the start of each exported call.
namespace Sh {
  export let H: i32 = 0; export let W: i32 = 0; export let k: i32 = 0; export let c1: i32 = 0; export let c2: i32 = 0; export let h: i32 = 0; export let C: i32 = 0;
  export let P1h: i32 = 0; export let P1w: i32 = 0; export let P2h: i32 = 0; export let P2w: i32 = 0; export let F: i32 = 0;
  export let oK1: i32 = 0; export let oB1: i32 = 0; export let oK2: i32 = 0; export let oB2: i32 = 0; export let oW3: i32 = 0; export let oB3: i32 = 0; export let oW4: i32 = 0; export let oB4: i32 = 0; export let dim: i32 = 0;
  export let sB0: i32 = 0; export let sY1: i32 = 0; export let sB1: i32 = 0; export let sY2: i32 = 0; export let sY3: i32 = 0; export let sS: i32 = 0; export let sG3: i32 = 0; export let sG2: i32 = 0; export let sGB1: i32 = 0; export let sGY1: i32 = 0; export let sGi: i32 = 0;
}

function setShape(H: i32, W: i32, k: i32, c1: i32, c2: i32, h: i32, C: i32): void {
  Sh.H = H; Sh.W = W; Sh.k = k; Sh.c1 = c1; Sh.c2 = c2; Sh.h = h; Sh.C = C;
  Sh.P1h = (H - k + 1) >> 1;
  Sh.P1w = (W - k + 1) >> 1;
  Sh.P2h = (Sh.P1h - k + 1) >> 1;
  Sh.P2w = (Sh.P1w - k + 1) >> 1;
  Sh.F = c2 * Sh.P2h * Sh.P2w;
  Sh.oK1 = 0;
  Sh.oB1 = c1 * k * k;
  Sh.oK2 = Sh.oB1 + c1;
  Sh.oB2 = Sh.oK2 + c2 * c1 * k * k;
  Sh.oW3 = Sh.oB2 + c2;
  Sh.oB3 = Sh.oW3 + h * Sh.F;
  Sh.oW4 = Sh.oB3 + h;
  Sh.oB4 = Sh.oW4 + C * h;
  Sh.dim = Sh.oB4 + C;
  Sh.sB0 = 0;
  Sh.sY1 = (H - 1) * (W - 1);
  Sh.sB1 = Sh.sY1 + c1 * Sh.P1h * Sh.P1w;
  Sh.sY2 = Sh.sB1 + c1 * (Sh.P1h - 1) * (Sh.P1w - 1);
  Sh.sY3 = Sh.sY2 + Sh.F;
  Sh.sS = Sh.sY3 + h;
  Sh.sG3 = Sh.sS + C;
  Sh.sG2 = Sh.sG3 + h;
  Sh.sGB1 = Sh.sG2 + Sh.F;
  Sh.sGY1 = Sh.sGB1 + c1 * (Sh.P1h - 1) * (Sh.P1w - 1);
  Sh.sGi = Sh.sGY1 + c1 * Sh.P1h * Sh.P1w;
}

/** B[r][col t] = ¼((y[r][t] + y[r][t+1]) + (y[r+1][t] + y[r+1][t+1])) for `ch` maps rows × cols. */
function average2(y: usize, B: usize, ch: i32, rows: i32, cols: i32): void {
  const Bw = cols - 1;
  for (let c: i32 = 0; c < ch; c++) {
    const yc = y + (<usize>(c * rows * cols) << 3);
    const Bc = B + (<usize>(c * (rows - 1) * Bw) << 3);
    for (let r: i32 = 0; r < rows - 1; r++) {
      for (let t: i32 = 0; t < Bw; t++) {
        const a = r * cols + t;
        st(Bc, r * Bw + col(t, Bw), 0.25 * ((ld(yc, a) + ld(yc, a + 1)) + (ld(yc, a + cols) + ld(yc, a + cols + 1))));
      }
    }
  }
}

/** y[c][p][q] = tanh(bias[c] + Σ_{c', u, v} K[c][c'][u][v]·B[c'][2p+u][2q+v]), two columns q at a time. */
function convPoolTanh(x: usize, oK: i32, oB: i32, B: usize, cin: i32, Bh: i32, Bw: i32, k: i32, cout: i32, P: i32, Q: i32, y: usize): void {
  for (let c: i32 = 0; c < cout; c++) {
    const bias = ld(x, oB + c);
    for (let p: i32 = 0; p < P; p++) {
      const yr = (c * P + p) * Q;
      let q: i32 = 0;
      for (; q + 3 < Q; q += 4) {
        let acc0 = f64x2.splat(bias);
        let acc1 = acc0;
        for (let ci: i32 = 0; ci < cin; ci++) {
          const Kc = oK + (c * cin + ci) * k * k;
          const Bc = ci * Bh * Bw;
          for (let u: i32 = 0; u < k; u++) {
            const row = Bc + (2 * p + u) * Bw + q;
            for (let v: i32 = 0; v < k; v++) {
              const Kv = f64x2.splat(ld(x, Kc + u * k + v));
              const o = row + col(v, Bw);
              acc0 = f64x2.add(acc0, f64x2.mul(Kv, ldv(B, o)));
              acc1 = f64x2.add(acc1, f64x2.mul(Kv, ldv(B, o + 2)));
            }
          }
        }
        st(y, yr + q, tanh(f64x2.extract_lane(acc0, 0)));
        st(y, yr + q + 1, tanh(f64x2.extract_lane(acc0, 1)));
        st(y, yr + q + 2, tanh(f64x2.extract_lane(acc1, 0)));
        st(y, yr + q + 3, tanh(f64x2.extract_lane(acc1, 1)));
      }
      for (; q + 1 < Q; q += 2) {
        let acc = f64x2.splat(bias);
        for (let ci: i32 = 0; ci < cin; ci++) {
          const Kc = oK + (c * cin + ci) * k * k;
          const Bc = ci * Bh * Bw;
          for (let u: i32 = 0; u < k; u++) {
            const row = Bc + (2 * p + u) * Bw + q;
            for (let v: i32 = 0; v < k; v++) acc = f64x2.add(acc, f64x2.mul(f64x2.splat(ld(x, Kc + u * k + v)), ldv(B, row + col(v, Bw))));
          }
        }
        st(y, yr + q, tanh(f64x2.extract_lane(acc, 0)));
        st(y, yr + q + 1, tanh(f64x2.extract_lane(acc, 1)));
      }
      if (q < Q) {
        let acc = bias;
        for (let ci: i32 = 0; ci < cin; ci++) {
          const Kc = oK + (c * cin + ci) * k * k;
          const Bc = ci * Bh * Bw;
          for (let u: i32 = 0; u < k; u++) {
            const row = Bc + (2 * p + u) * Bw + q;
            for (let v: i32 = 0; v < k; v++) acc += ld(x, Kc + u * k + v) * ld(B, row + col(v, Bw));
          }
        }
        st(y, yr + q, tanh(acc));
      }
    }
  }
}

/** The forward pass of example i (see the twin); returns max_c s_c. */
function forward(A: usize, x: usize, i: i32, S: usize): f64 {
  const H = Sh.H;
  const W = Sh.W;
  const h = Sh.h;
  const F = Sh.F;
  average2(A + (<usize>(i * H * W) << 3), S + (<usize>Sh.sB0 << 3), 1, H, W);
  convPoolTanh(x, Sh.oK1, Sh.oB1, S + (<usize>Sh.sB0 << 3), 1, H - 1, W - 1, Sh.k, Sh.c1, Sh.P1h, Sh.P1w, S + (<usize>Sh.sY1 << 3));
  average2(S + (<usize>Sh.sY1 << 3), S + (<usize>Sh.sB1 << 3), Sh.c1, Sh.P1h, Sh.P1w);
  convPoolTanh(x, Sh.oK2, Sh.oB2, S + (<usize>Sh.sB1 << 3), Sh.c1, Sh.P1h - 1, Sh.P1w - 1, Sh.k, Sh.c2, Sh.P2h, Sh.P2w, S + (<usize>Sh.sY2 << 3));
  const y2 = S + (<usize>Sh.sY2 << 3);
  const y3 = S + (<usize>Sh.sY3 << 3);
  let j: i32 = 0;
  // four hidden units at a time: four independent chains, each summed in the twin's order
  for (; j + 3 < h; j += 4) {
    const w = Sh.oW3 + j * F;
    let t0 = ld(x, Sh.oB3 + j);
    let t1 = ld(x, Sh.oB3 + j + 1);
    let t2 = ld(x, Sh.oB3 + j + 2);
    let t3 = ld(x, Sh.oB3 + j + 3);
    for (let e: i32 = 0; e < F; e++) {
      const ye = ld(y2, e);
      t0 += ld(x, w + e) * ye;
      t1 += ld(x, w + F + e) * ye;
      t2 += ld(x, w + 2 * F + e) * ye;
      t3 += ld(x, w + 3 * F + e) * ye;
    }
    st(y3, j, tanh(t0));
    st(y3, j + 1, tanh(t1));
    st(y3, j + 2, tanh(t2));
    st(y3, j + 3, tanh(t3));
  }
  for (; j < h; j++) {
    const w = Sh.oW3 + j * F;
    let t = ld(x, Sh.oB3 + j);
    for (let e: i32 = 0; e < F; e++) t += ld(x, w + e) * ld(y2, e);
    st(y3, j, tanh(t));
  }
  let m = -Infinity;
  for (let c: i32 = 0; c < Sh.C; c++) {
    const w = Sh.oW4 + c * h;
    let t = ld(x, Sh.oB4 + c);
    for (let j: i32 = 0; j < h; j++) t += ld(x, w + j) * ld(y3, j);
    st(S, Sh.sS + c, t);
    if (t > m) m = t;
  }
  return m;
}

/** Weight and bias gradients of one convolution (two chains), and its input gradient gB when gB ≠ 0. */
function convBackward(x: usize, oK: i32, oB: i32, l2: f64, B: usize, cin: i32, Bh: i32, Bw: i32, k: i32, cout: i32, P: i32, Q: i32, d: usize, gi: usize, gB: usize): void {
  const Q2 = Q & ~1;
  let c: i32 = 0;
  // two output channels c, c1 at a time (they share the loads of B; an odd last channel is paired
  // with itself and written twice, the same value), each weight in two chains as the twin
  for (; c < cout; c += 2) {
    const c1 = c + 1 < cout ? c + 1 : c;
    const dc = c * P * Q;
    const dc1 = c1 * P * Q;
    for (let ci: i32 = 0; ci < cin; ci++) {
      const Bc = ci * Bh * Bw;
      const wk = oK + (c * cin + ci) * k * k;
      const wk1 = oK + (c1 * cin + ci) * k * k;
      for (let u: i32 = 0; u < k; u++) {
        for (let v: i32 = 0; v < k; v++) {
          let acc = f64x2.splat(0);
          let acc1 = acc;
          let s2: f64 = 0;
          let s21: f64 = 0;
          const base = Bc + u * Bw + col(v, Bw);
          for (let p: i32 = 0; p < P; p++) {
            const row = base + 2 * p * Bw;
            const dr = dc + p * Q;
            const dr1 = dc1 + p * Q;
            for (let q: i32 = 0; q < Q2; q += 2) {
              const b = ldv(B, row + q);
              acc = f64x2.add(acc, f64x2.mul(ldv(d, dr + q), b));
              acc1 = f64x2.add(acc1, f64x2.mul(ldv(d, dr1 + q), b));
            }
            if (Q2 < Q) {
              const b = ld(B, row + Q2);
              s2 += ld(d, dr + Q2) * b;
              s21 += ld(d, dr1 + Q2) * b;
            }
          }
          const at = wk + u * k + v;
          st(gi, at, ((f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1)) + s2) + l2 * ld(x, at));
          const at1 = wk1 + u * k + v;
          st(gi, at1, ((f64x2.extract_lane(acc1, 0) + f64x2.extract_lane(acc1, 1)) + s21) + l2 * ld(x, at1));
        }
      }
    }
  }
  for (c = 0; c < cout; c++) {
    const dc = c * P * Q;
    let sb: f64 = 0;
    for (let e: i32 = 0; e < P * Q; e++) sb += ld(d, dc + e);
    st(gi, oB + c, sb + l2 * ld(x, oB + c));
  }
  if (gB == 0) return;
  memory.fill(gB, 0, <usize>(cin * Bh * Bw) << 3);
  for (let c: i32 = 0; c < cout; c++) {
    for (let p: i32 = 0; p < P; p++) {
      const dr = (c * P + p) * Q;
      for (let ci: i32 = 0; ci < cin; ci++) {
        const Kc = oK + (c * cin + ci) * k * k;
        for (let u: i32 = 0; u < k; u++) {
          const row = ci * Bh * Bw + (2 * p + u) * Bw;
          for (let v: i32 = 0; v < k; v++) {
            const K = ld(x, Kc + u * k + v);
            const Kv = f64x2.splat(K);
            const o = row + col(v, Bw);
            let q: i32 = 0;
            for (; q + 3 < Q; q += 4) {
              stv(gB, o + q, f64x2.add(ldv(gB, o + q), f64x2.mul(ldv(d, dr + q), Kv)));
              stv(gB, o + q + 2, f64x2.add(ldv(gB, o + q + 2), f64x2.mul(ldv(d, dr + q + 2), Kv)));
            }
            for (; q < Q2; q += 2) stv(gB, o + q, f64x2.add(ldv(gB, o + q), f64x2.mul(ldv(d, dr + q), Kv)));
            if (q < Q) st(gB, o + q, ld(gB, o + q) + ld(d, dr + q) * K);
          }
        }
      }
    }
  }
}

/** gi = ∇f_i(x) (λx included), after forward (see the twin). */
function backward(x: usize, label: i32, l2: f64, m: f64, S: usize): void {
  const h = Sh.h;
  const C = Sh.C;
  const F = Sh.F;
  const c1 = Sh.c1;
  const P1h = Sh.P1h;
  const P1w = Sh.P1w;
  const gi = S + (<usize>Sh.sGi << 3);
  const sc = S + (<usize>Sh.sS << 3);
  let Z: f64 = 0;
  for (let c: i32 = 0; c < C; c++) {
    const e = exp(ld(sc, c) - m);
    st(sc, c, e);
    Z += e;
  }
  const inv = 1 / Z;
  for (let c: i32 = 0; c < C; c++) st(sc, c, ld(sc, c) * inv);
  st(sc, label, ld(sc, label) - 1);
  const y3 = S + (<usize>Sh.sY3 << 3);
  const g3 = S + (<usize>Sh.sG3 << 3);
  memory.fill(g3, 0, <usize>h << 3);
  for (let c: i32 = 0; c < C; c++) {
    const r = ld(sc, c);
    const w = Sh.oW4 + c * h;
    for (let j: i32 = 0; j < h; j++) {
      const xw = ld(x, w + j);
      st(g3, j, ld(g3, j) + xw * r);
      st(gi, w + j, r * ld(y3, j) + l2 * xw);
    }
    st(gi, Sh.oB4 + c, r + l2 * ld(x, Sh.oB4 + c));
  }
  const y2 = S + (<usize>Sh.sY2 << 3);
  const g2 = S + (<usize>Sh.sG2 << 3);
  memory.fill(g2, 0, <usize>F << 3);
  for (let j: i32 = 0; j < h; j++) {
    const yj = ld(y3, j);
    const r = ld(g3, j) * (1 - yj * yj);
    const w = Sh.oW3 + j * F;
    const rv = f64x2.splat(r);
    const lv = f64x2.splat(l2);
    let e: i32 = 0;
    for (; e + 1 < F; e += 2) {
      const xw = ldv(x, w + e);
      stv(g2, e, f64x2.add(ldv(g2, e), f64x2.mul(xw, rv)));
      stv(gi, w + e, f64x2.add(f64x2.mul(rv, ldv(y2, e)), f64x2.mul(lv, xw)));
    }
    for (; e < F; e++) {
      const xw = ld(x, w + e);
      st(g2, e, ld(g2, e) + xw * r);
      st(gi, w + e, r * ld(y2, e) + l2 * xw);
    }
    st(gi, Sh.oB3 + j, r + l2 * ld(x, Sh.oB3 + j));
  }
  for (let e: i32 = 0; e < F; e++) {
    const y = ld(y2, e);
    st(g2, e, ld(g2, e) * (1 - y * y));
  }
  const gB1 = S + (<usize>Sh.sGB1 << 3);
  convBackward(x, Sh.oK2, Sh.oB2, l2, S + (<usize>Sh.sB1 << 3), c1, P1h - 1, P1w - 1, Sh.k, Sh.c2, Sh.P2h, Sh.P2w, g2, gi, gB1);
  const y1 = S + (<usize>Sh.sY1 << 3);
  const gy1 = S + (<usize>Sh.sGY1 << 3);
  memory.fill(gy1, 0, <usize>(c1 * P1h * P1w) << 3);
  const Bw = P1w - 1;
  for (let c: i32 = 0; c < c1; c++) {
    const gc = c * P1h * P1w;
    const bc = c * (P1h - 1) * Bw;
    for (let r: i32 = 0; r < P1h - 1; r++) {
      for (let t: i32 = 0; t < Bw; t++) {
        const q = 0.25 * ld(gB1, bc + r * Bw + col(t, Bw));
        const a = gc + r * P1w + t;
        st(gy1, a, ld(gy1, a) + q);
        st(gy1, a + 1, ld(gy1, a + 1) + q);
        st(gy1, a + P1w, ld(gy1, a + P1w) + q);
        st(gy1, a + P1w + 1, ld(gy1, a + P1w + 1) + q);
      }
    }
  }
  for (let e: i32 = 0; e < c1 * P1h * P1w; e++) {
    const y = ld(y1, e);
    st(gy1, e, ld(gy1, e) * (1 - y * y));
  }
  convBackward(x, Sh.oK1, Sh.oB1, l2, S + (<usize>Sh.sB0 << 3), 1, Sh.H - 1, Sh.W - 1, Sh.k, c1, P1h, P1w, gy1, gi, 0);
}

/** The forward pass of example i; the scores are left in the scratch S; returns max_c s_c. */
export function cnnForward(A: usize, H: i32, W: i32, k: i32, c1: i32, c2: i32, h: i32, C: i32, x: usize, i: i32, S: usize): f64 {
  setShape(H, W, k, c1, c2, h, C);
  return forward(A, x, i, S);
}

/** F(x) = (1/n) Σ_i −log softmax(s_i)[y_i] + (λ/2)‖x‖², the sum over i in order. */
export function cnnValue(A: usize, labels: usize, n: i32, H: i32, W: i32, k: i32, c1: i32, c2: i32, h: i32, C: i32, l2: f64, x: usize, S: usize): f64 {
  setShape(H, W, k, c1, c2, h, C);
  const sc = S + (<usize>Sh.sS << 3);
  let total: f64 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const m = forward(A, x, i, S);
    let Z: f64 = 0;
    for (let c: i32 = 0; c < C; c++) Z += exp(ld(sc, c) - m);
    total += m + log(Z) - ld(sc, load<i32>(labels + (<usize>i << 2)));
  }
  let r: f64 = 0;
  for (let e: i32 = 0; e < Sh.dim; e++) {
    const v = ld(x, e);
    r += v * v;
  }
  return total / <f64>n + 0.5 * l2 * r;
}

/** Per-example gradients of the batch, in order: mode 0 out = ∇f_i (count 1), 1 out = Σ ∇f_i, 2 out += ∇f_i / count. */
export function cnnGradient(A: usize, labels: usize, H: i32, W: i32, k: i32, c1: i32, c2: i32, h: i32, C: i32, l2: f64, batch: usize, count: i32, mode: i32, x: usize, out: usize, S: usize): void {
  setShape(H, W, k, c1, c2, h, C);
  const dim = Sh.dim;
  const gi = S + (<usize>Sh.sGi << 3);
  if (mode == 1) memory.fill(out, 0, <usize>dim << 3);
  const b = f64x2.splat(<f64>count);
  const dim2 = dim & ~1;
  for (let mi: i32 = 0; mi < count; mi++) {
    const i = load<i32>(batch + (<usize>mi << 2));
    const m = forward(A, x, i, S);
    backward(x, load<i32>(labels + (<usize>i << 2)), l2, m, S);
    if (mode == 0) memory.copy(out, gi, <usize>dim << 3);
    else if (mode == 1) {
      let e: i32 = 0;
      for (; e < dim2; e += 2) stv(out, e, f64x2.add(ldv(out, e), ldv(gi, e)));
      if (e < dim) st(out, e, ld(out, e) + ld(gi, e));
    } else {
      let e: i32 = 0;
      for (; e < dim2; e += 2) stv(out, e, f64x2.add(ldv(out, e), f64x2.div(ldv(gi, e), b)));
      if (e < dim) st(out, e, ld(out, e) + ld(gi, e) / <f64>count);
    }
  }
}
