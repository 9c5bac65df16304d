// AssemblyScript. The one-hidden-layer tanh MLP of src/asgd/objectives/mlp.ts (parameters
// W1 (h×d), b1 (h), W2 (C×h), b2 (C), flattened in that order): its loss summed over all examples
// and its per-example gradients averaged into a buffer, with the objective's arithmetic operation
// for operation (tanh, exp and log are the fdlibm ports of libm.ts, equal to the objective's).
// Scratch: u (h), s (C), g1 (h), gi (dim) doubles.

import { exp, log, tanh } from './libm';

/** u = tanh(W1 a_i + b1), s = W2 u + b2; returns max_c s_c. */
function forward(A: usize, d: i32, h: i32, C: i32, x: usize, i: i32, u: usize, s: usize): f64 {
  const oB1 = h * d;
  const oW2 = oB1 + h;
  const oB2 = oW2 + C * h;
  const a = A + (<usize>(i * d) << 3);
  for (let k: i32 = 0; k < h; k++) {
    const w = x + (<usize>(k * d) << 3);
    let t = load<f64>(x + (<usize>(oB1 + k) << 3));
    for (let j: i32 = 0; j < d; j++) t += load<f64>(w + (<usize>j << 3)) * load<f64>(a + (<usize>j << 3));
    store<f64>(u + (<usize>k << 3), tanh(t));
  }
  let m = -Infinity;
  for (let c: i32 = 0; c < C; c++) {
    const w = x + (<usize>(oW2 + c * h) << 3);
    let t = load<f64>(x + (<usize>(oB2 + c) << 3));
    for (let k: i32 = 0; k < h; k++) t += load<f64>(w + (<usize>k << 3)) * load<f64>(u + (<usize>k << 3));
    store<f64>(s + (<usize>c << 3), t);
    if (t > m) m = t;
  }
  return m;
}

/** F(x) = (1/n) Σ_i −log softmax(s_i)[y_i] + (λ/2)‖x‖², the sum over i in order. */
export function mlpValue(A: usize, labels: usize, n: i32, d: i32, h: i32, C: i32, l2: f64, x: usize, u: usize, s: usize): f64 {
  let total: f64 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const m = forward(A, d, h, C, x, i, u, s);
    let Z: f64 = 0;
    for (let c: i32 = 0; c < C; c++) Z += exp(load<f64>(s + (<usize>c << 3)) - m);
    total += m + log(Z) - load<f64>(s + (<usize>load<i32>(labels + (<usize>i << 2)) << 3));
  }
  const dim = h * d + h + C * h + C;
  let r: f64 = 0;
  for (let k: i32 = 0; k < dim; k++) {
    const v = load<f64>(x + (<usize>k << 3));
    r += v * v;
  }
  return total / <f64>n + 0.5 * l2 * r;
}

/** out_k += (∇f_i)_k / count for each i of the batch in order (the parameter server's worker gradient). */
export function mlpGradMeanAdd(A: usize, labels: usize, d: i32, h: i32, C: i32, l2: f64, batch: usize, count: i32, x: usize, out: usize, u: usize, s: usize, g1: usize, gi: usize): void {
  const oB1 = h * d;
  const oW2 = oB1 + h;
  const oB2 = oW2 + C * h;
  const dim = oB2 + C;
  const b = <f64>count;
  for (let mi: i32 = 0; mi < count; mi++) {
    const i = load<i32>(batch + (<usize>mi << 2));
    const m = forward(A, d, h, C, x, i, u, s);
    // s ← softmax(s) − e_label
    let Z: f64 = 0;
    for (let c: i32 = 0; c < C; c++) {
      const e = exp(load<f64>(s + (<usize>c << 3)) - m);
      store<f64>(s + (<usize>c << 3), e);
      Z += e;
    }
    const inv = 1 / Z;
    for (let c: i32 = 0; c < C; c++) store<f64>(s + (<usize>c << 3), load<f64>(s + (<usize>c << 3)) * inv);
    const sl = s + (<usize>load<i32>(labels + (<usize>i << 2)) << 3);
    store<f64>(sl, load<f64>(sl) - 1);
    memory.fill(g1, 0, <usize>h << 3);
    for (let c: i32 = 0; c < C; c++) {
      const r = load<f64>(s + (<usize>c << 3));
      const w = oW2 + c * h;
      for (let k: i32 = 0; k < h; k++) {
        const xw = load<f64>(x + (<usize>(w + k) << 3));
        const pg = g1 + (<usize>k << 3);
        store<f64>(pg, load<f64>(pg) + xw * r);
        store<f64>(gi + (<usize>(w + k) << 3), r * load<f64>(u + (<usize>k << 3)) + l2 * xw);
      }
      store<f64>(gi + (<usize>(oB2 + c) << 3), r + l2 * load<f64>(x + (<usize>(oB2 + c) << 3)));
    }
    const a = A + (<usize>(i * d) << 3);
    for (let k: i32 = 0; k < h; k++) {
      const uk = load<f64>(u + (<usize>k << 3));
      const r = load<f64>(g1 + (<usize>k << 3)) * (1 - uk * uk);
      const w = k * d;
      for (let j: i32 = 0; j < d; j++) store<f64>(gi + (<usize>(w + j) << 3), r * load<f64>(a + (<usize>j << 3)) + l2 * load<f64>(x + (<usize>(w + j) << 3)));
      store<f64>(gi + (<usize>(oB1 + k) << 3), r + l2 * load<f64>(x + (<usize>(oB1 + k) << 3)));
    }
    for (let k: i32 = 0; k < dim; k++) {
      const po = out + (<usize>k << 3);
      store<f64>(po, load<f64>(po) + load<f64>(gi + (<usize>k << 3)) / b);
    }
  }
}
