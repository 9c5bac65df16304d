/**
 * The TypeScript twin of the CNN kernel (assembly/cnn.ts): the loss of the small CNN of
 * src/asgd/objectives/cnn.ts over all examples, one example's forward pass, and per-example
 * gradients written, summed or averaged into a buffer. Same memory layout (byte pointers into
 * the kernel instance's buffer; the shape and scratch offsets of cnn-shape.ts), same operations in
 * the same order, so the same bits: the WebAssembly kernel vectorizes only over independent
 * outputs (two adjacent columns) or over the two chains of a sum that this file writes as two
 * chains (j even, j odd), so every double is the result of the same sequence of IEEE operations.
 * tanh, exp and log are the fdlibm ports of src/core/math/libm.ts, as in the kernel.
 */
import { exp, log, tanh } from '../core/math/libm.ts';
import { type CnnShape, cnnShape } from './cnn-shape.ts';
import type { MemoryViews } from './fallback.ts';

/** The CNN functions of the kernel exports (see {@link cnnTypeScriptKernels}). */
export interface CnnKernelExports {
  cnnForward(A: number, H: number, W: number, k: number, c1: number, c2: number, h: number, C: number, x: number, i: number, S: number): number;
  cnnValue(A: number, labels: number, n: number, H: number, W: number, k: number, c1: number, c2: number, h: number, C: number, l2: number, x: number, S: number): number;
  cnnGradient(A: number, labels: number, H: number, W: number, k: number, c1: number, c2: number, h: number, C: number, l2: number, batch: number, count: number, mode: number, x: number, out: number, S: number): void;
}

/** Column t of a map stored by column parity (even columns first): its index within a row of width w. */
const col = (t: number, w: number): number => (t & 1 ? ((w + 1) >> 1) + (t >> 1) : t >> 1);

/** The TypeScript CNN kernels over the memory `mem` (its views are read at each call: memory may grow between calls). */
export function cnnTypeScriptKernels(mem: MemoryViews): CnnKernelExports {
  /** B[r][col t] = ¼((y[r][t] + y[r][t+1]) + (y[r+1][t] + y[r+1][t+1])) for each of `ch` maps rows × cols (stride-1 2×2 averages). */
  function average2(f: Float64Array, y: number, B: number, ch: number, rows: number, cols: number): void {
    const Bw = cols - 1;
    for (let c = 0; c < ch; c++) {
      const yc = y + c * rows * cols;
      const Bc = B + c * (rows - 1) * Bw;
      for (let r = 0; r < rows - 1; r++) {
        for (let t = 0; t < Bw; t++) {
          const a = yc + r * cols + t;
          f[Bc + r * Bw + col(t, Bw)] = 0.25 * ((f[a] + f[a + 1]) + (f[a + cols] + f[a + cols + 1]));
        }
      }
    }
  }

  /** y[c][p][q] = tanh(bias[c] + Σ_{c', u, v} K[c][c'][u][v]·B[c'][2p+u][2q+v]): convolution, 2×2 average pool, tanh. */
  function convPoolTanh(f: Float64Array, x: number, oK: number, oB: number, B: number, cin: number, Bh: number, Bw: number, k: number, cout: number, P: number, Q: number, y: number): void {
    for (let c = 0; c < cout; c++) {
      for (let p = 0; p < P; p++) {
        for (let q = 0; q < Q; q++) {
          let acc = f[x + oB + c];
          for (let ci = 0; ci < cin; ci++) {
            const Kc = x + oK + (c * cin + ci) * k * k;
            const Bc = B + ci * Bh * Bw;
            for (let u = 0; u < k; u++) {
              const row = Bc + (2 * p + u) * Bw;
              for (let v = 0; v < k; v++) acc += f[Kc + u * k + v] * f[row + col(v, Bw) + q];
            }
          }
          f[y + (c * P + p) * Q + q] = tanh(acc);
        }
      }
    }
  }

  /** The forward pass of example i: fills B0, y1, B1, y2, y3 and the scores s; returns max_c s_c. */
  function forward(f: Float64Array, s: CnnShape, A: number, x: number, i: number, S: number): number {
    const { H, W, k, c1, c2, h, C, P1h, P1w, P2h, P2w, F } = s;
    average2(f, A + i * H * W, S + s.sB0, 1, H, W);
    convPoolTanh(f, x, s.oK1, s.oB1, S + s.sB0, 1, H - 1, W - 1, k, c1, P1h, P1w, S + s.sY1);
    average2(f, S + s.sY1, S + s.sB1, c1, P1h, P1w);
    convPoolTanh(f, x, s.oK2, s.oB2, S + s.sB1, c1, P1h - 1, P1w - 1, k, c2, P2h, P2w, S + s.sY2);
    const y2 = S + s.sY2;
    const y3 = S + s.sY3;
    for (let j = 0; j < h; j++) {
      const w = x + s.oW3 + j * F;
      let t = f[x + s.oB3 + j];
      for (let e = 0; e < F; e++) t += f[w + e] * f[y2 + e];
      f[y3 + j] = tanh(t);
    }
    let m = -Infinity;
    for (let c = 0; c < C; c++) {
      const w = x + s.oW4 + c * h;
      let t = f[x + s.oB4 + c];
      for (let j = 0; j < h; j++) t += f[w + j] * f[y3 + j];
      f[S + s.sS + c] = t;
      if (t > m) m = t;
    }
    return m;
  }

  /**
   * g[c][c'][u][v] = Σ_{p,q} δ[c][p][q]·B[c'][2p+u][2q+v] + λK in two chains (q even, q odd; an
   * odd last column in a third), gb[c] = Σ_{p,q} δ[c][p][q] + λb; and, when gB ≠ −1, the input
   * gradient gB[c'][2p+u][2q+v] += δ[c][p][q]·K[c][c'][u][v] (q innermost, c, p, c', u, v outside).
   */
  function convBackward(f: Float64Array, x: number, oK: number, oB: number, l2: number, B: number, cin: number, Bh: number, Bw: number, k: number, cout: number, P: number, Q: number, d: number, gi: number, gB: number): void {
    const Q2 = Q & ~1;
    for (let c = 0; c < cout; c++) {
      const dc = d + c * P * Q;
      for (let ci = 0; ci < cin; ci++) {
        const Bc = B + ci * Bh * Bw;
        const wk = oK + (c * cin + ci) * k * k;
        for (let u = 0; u < k; u++) {
          for (let v = 0; v < k; v++) {
            let s0 = 0;
            let s1 = 0;
            let s2 = 0;
            const base = Bc + u * Bw + col(v, Bw);
            for (let p = 0; p < P; p++) {
              const row = base + 2 * p * Bw;
              const dr = dc + p * Q;
              for (let q = 0; q < Q2; q += 2) {
                s0 += f[dr + q] * f[row + q];
                s1 += f[dr + q + 1] * f[row + q + 1];
              }
              if (Q2 < Q) s2 += f[dr + Q2] * f[row + Q2];
            }
            const at = wk + u * k + v;
            f[gi + at] = ((s0 + s1) + s2) + l2 * f[x + at];
          }
        }
      }
      let sb = 0;
      for (let e = 0; e < P * Q; e++) sb += f[dc + e];
      f[gi + oB + c] = sb + l2 * f[x + oB + c];
    }
    if (gB < 0) return;
    f.fill(0, gB, gB + cin * Bh * Bw);
    for (let c = 0; c < cout; c++) {
      for (let p = 0; p < P; p++) {
        const dr = d + (c * P + p) * Q;
        for (let ci = 0; ci < cin; ci++) {
          const Kc = x + oK + (c * cin + ci) * k * k;
          for (let u = 0; u < k; u++) {
            const row = gB + ci * Bh * Bw + (2 * p + u) * Bw;
            for (let v = 0; v < k; v++) {
              const K = f[Kc + u * k + v];
              const o = row + col(v, Bw);
              for (let q = 0; q < Q; q++) f[o + q] += f[dr + q] * K;
            }
          }
        }
      }
    }
  }

  /** gi = ∇f_i(x) (λx included), after forward: the dense layers as in the MLP, then the two convolutions. */
  function backward(f: Float64Array, s: CnnShape, x: number, label: number, l2: number, m: number, S: number): void {
    const { c1, c2, h, C, P1h, P1w, P2h, P2w, F } = s;
    const gi = S + s.sGi;
    const sc = S + s.sS;
    // s ← softmax(s) − e_label (softmaxMinusOneHot of classifier.ts)
    let Z = 0;
    for (let c = 0; c < C; c++) {
      const e = exp(f[sc + c] - m);
      f[sc + c] = e;
      Z += e;
    }
    const inv = 1 / Z;
    for (let c = 0; c < C; c++) f[sc + c] *= inv;
    f[sc + label] -= 1;
    // dense 2: ∇W4 = δs y3ᵀ, g3 = W4ᵀ δs
    const y3 = S + s.sY3;
    const g3 = S + s.sG3;
    f.fill(0, g3, g3 + h);
    for (let c = 0; c < C; c++) {
      const r = f[sc + c];
      const w = s.oW4 + c * h;
      for (let j = 0; j < h; j++) {
        const xw = f[x + w + j];
        f[g3 + j] += xw * r;
        f[gi + w + j] = r * f[y3 + j] + l2 * xw;
      }
      f[gi + s.oB4 + c] = r + l2 * f[x + s.oB4 + c];
    }
    // dense 1: δ3 = g3 ⊙ (1 − y3²); ∇W3 = δ3 y2ᵀ, g2 = W3ᵀ δ3
    const y2 = S + s.sY2;
    const g2 = S + s.sG2;
    f.fill(0, g2, g2 + F);
    for (let j = 0; j < h; j++) {
      const yj = f[y3 + j];
      const r = f[g3 + j] * (1 - yj * yj);
      const w = s.oW3 + j * F;
      for (let e = 0; e < F; e++) {
        const xw = f[x + w + e];
        f[g2 + e] += xw * r;
        f[gi + w + e] = r * f[y2 + e] + l2 * xw;
      }
      f[gi + s.oB3 + j] = r + l2 * f[x + s.oB3 + j];
    }
    // conv 2: δ2 = g2 ⊙ (1 − y2²) in place of g2
    for (let e = 0; e < F; e++) {
      const y = f[y2 + e];
      f[g2 + e] *= 1 - y * y;
    }
    const gB1 = S + s.sGB1;
    convBackward(f, x, s.oK2, s.oB2, l2, S + s.sB1, c1, P1h - 1, P1w - 1, s.k, c2, P2h, P2w, g2, gi, gB1);
    // gy1 = the transpose of the 2×2 averages, then δ1 = gy1 ⊙ (1 − y1²)
    const y1 = S + s.sY1;
    const gy1 = S + s.sGY1;
    f.fill(0, gy1, gy1 + c1 * P1h * P1w);
    const Bw = P1w - 1;
    for (let c = 0; c < c1; c++) {
      const gc = gy1 + c * P1h * P1w;
      const bc = gB1 + c * (P1h - 1) * Bw;
      for (let r = 0; r < P1h - 1; r++) {
        for (let t = 0; t < Bw; t++) {
          const q = 0.25 * f[bc + r * Bw + col(t, Bw)];
          const a = gc + r * P1w + t;
          f[a] += q;
          f[a + 1] += q;
          f[a + P1w] += q;
          f[a + P1w + 1] += q;
        }
      }
    }
    for (let e = 0; e < c1 * P1h * P1w; e++) {
      const y = f[y1 + e];
      f[gy1 + e] *= 1 - y * y;
    }
    convBackward(f, x, s.oK1, s.oB1, l2, S + s.sB0, 1, s.H - 1, s.W - 1, s.k, c1, P1h, P1w, gy1, gi, -1);
  }

  return {
    cnnForward(A, H, W, k, c1, c2, h, C, x, i, S) {
      return forward(mem.f64, cnnShape(H, W, k, c1, c2, h, C), A >> 3, x >> 3, i, S >> 3);
    },
    cnnValue(A, labels, n, H, W, k, c1, c2, h, C, l2, x, S) {
      const f = mem.f64;
      const s = cnnShape(H, W, k, c1, c2, h, C);
      const sc = (S >> 3) + s.sS;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const m = forward(f, s, A >> 3, x >> 3, i, S >> 3);
        let Z = 0;
        for (let c = 0; c < C; c++) Z += exp(f[sc + c] - m);
        total += m + log(Z) - f[sc + mem.i32[(labels >> 2) + i]];
      }
      let r = 0;
      for (let e = 0; e < s.dim; e++) {
        const v = f[(x >> 3) + e];
        r += v * v;
      }
      return total / n + 0.5 * l2 * r;
    },
    cnnGradient(A, labels, H, W, k, c1, c2, h, C, l2, batch, count, mode, x, out, S) {
      const f = mem.f64;
      const i32 = mem.i32;
      const s = cnnShape(H, W, k, c1, c2, h, C);
      const dim = s.dim;
      const o = out >> 3;
      const gi = (S >> 3) + s.sGi;
      if (mode === 1) f.fill(0, o, o + dim);
      const b = count;
      for (let mi = 0; mi < count; mi++) {
        const i = i32[(batch >> 2) + mi];
        const m = forward(f, s, A >> 3, x >> 3, i, S >> 3);
        backward(f, s, x >> 3, i32[(labels >> 2) + i], l2, m, S >> 3);
        if (mode === 0) for (let e = 0; e < dim; e++) f[o + e] = f[gi + e];
        else if (mode === 1) for (let e = 0; e < dim; e++) f[o + e] += f[gi + e];
        else for (let e = 0; e < dim; e++) f[o + e] += f[gi + e] / b;
      }
    },
  };
}
