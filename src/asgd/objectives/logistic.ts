/**
 * Logistic regression F(x) = (1/n) Σ [log(1 + exp(−y_i a_iᵀx)) + (λ/2)‖x‖²], labels y_i ∈ {−1, +1},
 * ∇f_i(x) = −y_i a_i s(−y_i a_iᵀx) + λx with s the logistic sigmoid.
 * L = λ_max(AᵀA/n)/4 + λ (the bound He et al. quote, L ≤ 0.25 for normalized data), μ = λ.
 * x* by Newton's method (ml-matrix solve) when it converges (always for λ > 0).
 */
import { mlMatrix } from '../../core/ml-matrix.ts';
import { ConfigError } from '../../core/errors.ts';
import { finiteMatrix, finiteVector, integer, nonNegativeNumber, plainObject, seedValue } from '../../core/validate.ts';
import { dot4 } from '../../core/kernels.ts';
import { GradientKernel, registerGradientKernel, useFullGradientKernel, useGradientKernel } from '../../kernels/gradients.ts';
import { exp, log1p } from '../../core/math/libm.ts';
import type { FiniteSumObjective } from '../objective.ts';
import { checkDataSize, gramOverN, linearModelData, symmetricSpectrumBounds } from './data.ts';

/** log(1 + e^z) without overflow, with fdlibm's exp and log1p (src/core/math/libm.ts): the value kernel computes the same. */
function softplus(z: number): number {
  return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}
/** The logistic sigmoid, with fdlibm's exp (src/core/math/libm.ts): the gradient kernel computes the same. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + exp(-z));
  const e = exp(z);
  return e / (1 + e);
}

/**
 * Given data for {@link logisticObjective}: rows A (n×d), labels y ∈ {−1, +1}, L2 weight λ (default 0).
 */
export interface LogisticData {
  /** Examples: n rows of d numbers. */
  A: number[][];
  /** Labels ±1. */
  y: number[];
  /** L2 regularization λ ≥ 0; default 0. */
  l2?: number;
}

/**
 * L2-regularized logistic regression F(x) = (1/n) Σᵢ log(1 + e^{−yᵢ aᵢ·x}) + (λ/2)‖x‖² on given data; x*
 * and F* computed by Newton's method at construction.
 *
 * @param field - the prefix of field names in errors; default `'objective'`.
 * @throws {@link ConfigError} `objective.A`, `objective.y` (length ≠ n), `objective.y[i]` (not ±1),
 * `objective.l2` (negative).
 */
export function logisticObjective(data: LogisticData, field = 'objective'): FiniteSumObjective {
  plainObject(data, field);
  if (!Array.isArray(data?.A) || data.A.length === 0) throw new ConfigError(`${field}.A`, 'must be a non-empty array of rows');
  const n = data.A.length;
  const d = Array.isArray(data.A[0]) ? data.A[0].length : 0;
  if (d === 0) throw new ConfigError(`${field}.A[0]`, 'must be a non-empty row');
  checkDataSize(n, d, field);
  const A = finiteMatrix(data.A, `${field}.A`, n, d);
  const y = finiteVector(data.y, `${field}.y`, n);
  for (let i = 0; i < n; i++) if (y[i] !== 1 && y[i] !== -1) throw new ConfigError(`${field}.y[${i}]`, `must be +1 or -1, got ${y[i]}`);
  const l2 = data.l2 === undefined ? 0 : nonNegativeNumber(data.l2, `${field}.l2`);
  return buildLogistic(A, y, n, d, l2, `logistic regression on given data (n = ${n}, d = ${d}, λ = ${l2})`);
}

/**
 * Generated logistic-regression data: A ~ N(0, 1)^{n×d}, y = sign(A w + noise·N(0, 1)). Defaults: `noise`
 * 0.5, `l2` 0.01, data `seed` 0.
 */
export interface GeneratedLogistic {
  /** Number of components n (integer up to 10⁷). */
  n: number;
  /** Dimension d (integer up to 10⁴). */
  d: number;
  /** Label noise: y = sign(a·w + noise·N(0,1)); default 0.5. */
  noise?: number;
  /** L2 regularization λ ≥ 0; default 0.01. */
  l2?: number;
  /** Seed of the data (independent of a run's seed); default 0. */
  seed?: number;
}

/**
 * Logistic regression (see {@link logisticObjective}) on generated data ({@link GeneratedLogistic}).
 *
 * @throws {@link ConfigError} `objective.n`, `objective.d`, `objective.noise`, `objective.l2`, `objective.seed`.
 * @example
 * ```ts
 * import { generatedLogistic } from 'asgd-sdde';
 *
 * const obj = generatedLogistic({ n: 500, d: 5, seed: 1 });
 * console.log(obj.n, obj.dim, obj.minimum); // n, d and the minimum F* (computed once)
 * //> 500 5 0.2677806724426713
 * ```
 */
export function generatedLogistic(spec: GeneratedLogistic, field = 'objective'): FiniteSumObjective {
  plainObject(spec, field);
  const n = integer(spec.n, `${field}.n`, { min: 1, max: 10_000_000 });
  const d = integer(spec.d, `${field}.d`, { min: 1, max: 10_000 });
  const noise = spec.noise === undefined ? 0.5 : nonNegativeNumber(spec.noise, `${field}.noise`);
  const l2 = spec.l2 === undefined ? 0.01 : nonNegativeNumber(spec.l2, `${field}.l2`);
  const seed = spec.seed === undefined ? 0 : seedValue(spec.seed, `${field}.seed`);
  checkDataSize(n, d, field);
  const { A, response } = linearModelData(n, d, noise, seed, 1);
  const y = response.map((r) => (r >= 0 ? 1 : -1));
  return buildLogistic(A, y, n, d, l2, `logistic regression, generated: A ~ N(0,1) in ${n}×${d}, y = sign(A w + ${noise}·N(0,1)), λ = ${l2}, data seed ${seed}`);
}

function buildLogistic(A: Float64Array, y: Float64Array, n: number, d: number, l2: number, description: string): FiniteSumObjective {
  const { max } = symmetricSpectrumBounds(gramOverN(A, n, d));
  // a_iᵀx summed left to right: the order of the minibatch kernel (src/kernels/assembly/asgd.ts),
  // so that componentGradient and minibatchGradientSum give its bits
  const margin = (i: number, x: Float64Array) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += A[i * d + j] * x[j];
    return y[i] * s;
  };
  // the full gradient and value (no kernel) sum in four chains: ∇F is the hot loop of the SDDE's
  // drift, evaluated every step (n·d per call)
  const margin4 = (i: number, x: Float64Array) => y[i] * dot4(A, i * d, x, d);
  let kernel: GradientKernel | undefined;
  const obj: FiniteSumObjective = {
    name: 'logistic',
    description,
    dim: d,
    n,
    componentGradient(i, x, out) {
      const c = -y[i] * sigmoid(-margin(i, x));
      for (let j = 0; j < d; j++) out[j] = c * A[i * d + j] + l2 * x[j];
    },
    // Σ of componentGradient in batch order (the runner's sum, bit for bit); in the WebAssembly
    // SIMD kernel (src/kernels/assembly/asgd.ts) when the batch is large enough to pay for a call
    minibatchGradientSum(batch, count, x, out) {
      if (useGradientKernel(count, d)) {
        (kernel ??= new GradientKernel('logistic', A, y, d, l2)).gradientSum(batch, count, x, out);
        return;
      }
      out.fill(0);
      for (let m = 0; m < count; m++) {
        const i = batch[m];
        const c = -y[i] * sigmoid(-margin(i, x));
        for (let j = 0; j < d; j++) out[j] += c * A[i * d + j] + l2 * x[j];
      }
    },
    value(x) {
      if (useFullGradientKernel(n, d)) return (kernel ??= new GradientKernel('logistic', A, y, d, l2)).value(x);
      let s = 0;
      for (let i = 0; i < n; i++) s += softplus(-margin4(i, x));
      let r = 0;
      for (let j = 0; j < d; j++) r += x[j] * x[j];
      return s / n + 0.5 * l2 * r;
    },
    // in the WebAssembly SIMD kernel (src/kernels/assembly/full-gradient.ts), the same bits
    gradient(x, out) {
      if (useFullGradientKernel(n, d)) {
        (kernel ??= new GradientKernel('logistic', A, y, d, l2)).fullGradient(x, out);
        return;
      }
      out.fill(0);
      for (let i = 0; i < n; i++) {
        const c = -y[i] * sigmoid(-margin4(i, x));
        const off = i * d;
        for (let j = 0; j < d; j++) out[j] += c * A[off + j];
      }
      for (let j = 0; j < d; j++) out[j] = out[j] / n + l2 * x[j];
    },
    lipschitz: max / 4 + l2,
    ...(l2 > 0 ? { strongConvexity: l2 } : {}),
  };
  const xs = newtonMinimizer(obj, A, y, n, d, l2);
  const objective = xs ? { ...obj, minimizer: xs, minimum: obj.value(xs) } : obj;
  // whole ASGD iterations in the kernel (src/asgd/kernel-host.ts) use the same data
  registerGradientKernel(objective, () => (kernel ??= new GradientKernel('logistic', A, y, d, l2)));
  return objective;
}

/** Newton's method on F; returns x* if ‖∇F‖ < 1e-12 within 100 iterations, else undefined (e.g. separable data, λ = 0). */
function newtonMinimizer(obj: FiniteSumObjective, A: Float64Array, y: Float64Array, n: number, d: number, l2: number): Float64Array | undefined {
  const { Matrix, solve } = mlMatrix();
  const x = new Float64Array(d);
  const g = new Float64Array(d);
  for (let it = 0; it < 100; it++) {
    obj.gradient(x, g);
    let gn = 0;
    for (let j = 0; j < d; j++) gn += g[j] * g[j];
    if (Math.sqrt(gn) < 1e-12) return x;
    const H = new Matrix(d, d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A[i * d + j] * x[j];
      const p = sigmoid(y[i] * s);
      const w = (p * (1 - p)) / n;
      for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) H.set(a, c, H.get(a, c) + w * A[i * d + a] * A[i * d + c]);
    }
    for (let a = 0; a < d; a++) H.set(a, a, H.get(a, a) + l2);
    const step = solve(H, Matrix.columnVector(Array.from(g)));
    for (let j = 0; j < d; j++) x[j] -= step.get(j, 0);
    for (let j = 0; j < d; j++) if (!Number.isFinite(x[j])) return undefined;
  }
  return undefined;
}
