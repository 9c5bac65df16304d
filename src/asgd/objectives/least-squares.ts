/**
 * Least squares F(x) = ‖Ax − B‖²/(2n) = (1/n) Σ ½(a_iᵀx − b_i)² (He et al. Section 4), with
 * ∇f_i(x) = a_i(a_iᵀx − b_i). x* solves the normal equations (ml-matrix), L and μ are the extreme
 * eigenvalues of Ã = AᵀA/n.
 */
import { mlMatrix } from '../../core/ml-matrix.ts';
import { ConfigError } from '../../core/errors.ts';
import { finiteMatrix, finiteVector, integer, nonNegativeNumber, plainObject, seedValue } from '../../core/validate.ts';
import { dot4 } from '../../core/kernels.ts';
import { GradientKernel, registerGradientKernel, useFullGradientKernel, useGradientKernel } from '../../kernels/gradients.ts';
import type { FiniteSumObjective } from '../objective.ts';
import { checkDataSize, gramOverN, linearModelData, symmetricSpectrumBounds } from './data.ts';

/**
 * Given data for {@link leastSquaresObjective}: rows A (n×d) and targets B (length n).
 */
export interface LeastSquaresData {
  /** n rows of length d. */
  A: number[][];
  /** Targets, one per row. */
  B: number[];
}

/**
 * Least squares F(x) = (1/n) Σᵢ ½(aᵢ·x − Bᵢ)² on given data, with x*, F*, L and μ computed at construction.
 *
 * @param field - the prefix of field names in errors; default `'objective'`.
 * @throws {@link ConfigError} `objective.A` (empty, ragged or non-finite), `objective.B` (length ≠ n),
 * or data too large.
 */
export function leastSquaresObjective(data: LeastSquaresData, field = 'objective'): FiniteSumObjective {
  plainObject(data, field);
  if (!Array.isArray(data?.A) || data.A.length === 0) throw new ConfigError(`${field}.A`, 'must be a non-empty array of rows');
  const n = data.A.length;
  const d = Array.isArray(data.A[0]) ? data.A[0].length : 0;
  if (d === 0) throw new ConfigError(`${field}.A[0]`, 'must be a non-empty row');
  checkDataSize(n, d, field);
  const A = finiteMatrix(data.A, `${field}.A`, n, d);
  const B = finiteVector(data.B, `${field}.B`, n);
  return buildLeastSquares(A, B, n, d, `least squares on given data (n = ${n}, d = ${d})`, field);
}

/**
 * Generated least-squares data: A ~ N(0, 1)^{n×d}, B = A x_true + noise·N(0, 1). `n` ≥ d (integer up to
 * 10⁷), `d` (up to 10⁴), `noise` default 0.5, data `seed` default 0 (independent of a run's seed).
 */
export interface GeneratedLeastSquares {
  /** Number of components n (≥ d, integer up to 10⁷). */
  n: number;
  /** Dimension d (integer up to 10⁴). */
  d: number;
  /** Standard deviation of the label noise; default 0.5. */
  noise?: number;
  /** Seed of the data (independent of the run's seed); default 0. */
  seed?: number;
}

/** A ~ N(0,1) entries, x_true ~ N(0, I), B = A x_true + noise·N(0, I), from the seed's data stream. */
export function generatedLeastSquares(spec: GeneratedLeastSquares, field = 'objective'): FiniteSumObjective {
  plainObject(spec, field);
  const n = integer(spec.n, `${field}.n`, { min: 1, max: 10_000_000 });
  const d = integer(spec.d, `${field}.d`, { min: 1, max: 10_000 });
  const noise = spec.noise === undefined ? 0.5 : nonNegativeNumber(spec.noise, `${field}.noise`);
  const seed = spec.seed === undefined ? 0 : seedValue(spec.seed, `${field}.seed`);
  if (n < d) throw new ConfigError(`${field}.n`, `must be >= d = ${d} so that x* is unique, got ${n}`);
  checkDataSize(n, d, field);
  const { A, response: B } = linearModelData(n, d, noise, seed, 0);
  return buildLeastSquares(A, B, n, d, `least squares, generated: A ~ N(0,1) in ${n}×${d}, B = A x_true + ${noise}·N(0,1), data seed ${seed}`, field);
}

/** a_iᵀx − b_i (four-chain dot product, src/core/kernels.ts): shared by the component and fused gradients. */
function residual(A: Float64Array, B: Float64Array, d: number, i: number, x: Float64Array): number {
  return dot4(A, i * d, x, d) - B[i];
}

function buildLeastSquares(A: Float64Array, B: Float64Array, n: number, d: number, description: string, field: string): FiniteSumObjective {
  const G = gramOverN(A, n, d);
  const { min: mu, max: L } = symmetricSpectrumBounds(G);
  if (!(mu > 1e-12 * L)) throw new ConfigError(`${field}.A`, `AᵀA/n is singular (smallest eigenvalue ${mu}); x* is not unique`);
  const { Matrix, solve } = mlMatrix();
  const AtB = new Matrix(d, 1);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += A[i * d + j] * B[i];
    AtB.set(j, 0, s / n);
  }
  const xs = solve(G, AtB);
  const At = new Float64Array(d * d);
  const Bt = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    Bt[a] = AtB.get(a, 0);
    for (let c = 0; c < d; c++) At[a * d + c] = G.get(a, c);
  }
  const minimizer = new Float64Array(d);
  for (let j = 0; j < d; j++) minimizer[j] = xs.get(j, 0);
  let kernel: GradientKernel | undefined;
  // F(x) = (1/2n) Σ (a_iᵀx − b_i)², each residual summed from −b_i left to right, the squares
  // added in row order. Four rows at a time: their residual chains are independent, so they run
  // side by side instead of one dependent addition after another (the same operations, the same bits).
  const value = (x: Float64Array) => {
    // the same sums in the WebAssembly kernel (src/kernels/assembly/full-gradient.ts lsqValue), same bits
    if (useFullGradientKernel(n, d)) return (kernel ??= new GradientKernel('least-squares', A, B, d, 0, { At, Bt })).value(x);
    let s = 0;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o0 = i * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      let r0 = -B[i];
      let r1 = -B[i + 1];
      let r2 = -B[i + 2];
      let r3 = -B[i + 3];
      for (let j = 0; j < d; j++) {
        const xj = x[j];
        r0 += A[o0 + j] * xj;
        r1 += A[o1 + j] * xj;
        r2 += A[o2 + j] * xj;
        r3 += A[o3 + j] * xj;
      }
      s += r0 * r0;
      s += r1 * r1;
      s += r2 * r2;
      s += r3 * r3;
    }
    for (; i < n; i++) {
      let r = -B[i];
      for (let j = 0; j < d; j++) r += A[i * d + j] * x[j];
      s += r * r;
    }
    return s / (2 * n);
  };
  const objective = {
    name: 'least-squares',
    description,
    dim: d,
    n,
    componentGradient(i, x, out) {
      const r = residual(A, B, d, i, x);
      const off = i * d;
      for (let j = 0; j < d; j++) out[j] = A[off + j] * r;
    },
    minibatchGradientSum(batch, count, x, out) {
      if (useGradientKernel(count, d)) {
        // the same sums in the WebAssembly SIMD kernel (src/kernels/assembly/asgd.ts), same bits
        (kernel ??= new GradientKernel('least-squares', A, B, d, 0, { At, Bt })).gradientSum(batch, count, x, out);
        return;
      }
      out.fill(0);
      const d4 = d & ~3;
      for (let m = 0; m < count; m++) {
        const i = batch[m];
        const r = residual(A, B, d, i, x);
        const off = i * d;
        // unrolled by 4 (each out[j] still gets exactly A_ij·r added: same result as a plain loop)
        let j = 0;
        for (; j < d4; j += 4) {
          out[j] += A[off + j] * r;
          out[j + 1] += A[off + j + 1] * r;
          out[j + 2] += A[off + j + 2] * r;
          out[j + 3] += A[off + j + 3] * r;
        }
        for (; j < d; j++) out[j] += A[off + j] * r;
      }
    },
    value,
    // ∇F(x) = Ãx − B̃ with Ã = AᵀA/n, B̃ = AᵀB/n precomputed: O(d²) per call instead of O(nd),
    // which matters in the SDDE's drift (evaluated every fine step).
    gradient(x, out) {
      for (let a = 0; a < d; a++) out[a] = dot4(At, a * d, x, d) - Bt[a];
    },
    minimizer,
    minimum: value(minimizer),
    lipschitz: L,
    strongConvexity: mu,
    data: { A, B },
  } as FiniteSumObjective & { data: { A: Float64Array; B: Float64Array } };
  // whole ASGD iterations in the kernel (src/asgd/kernel-host.ts) use the same data
  registerGradientKernel(objective, () => (kernel ??= new GradientKernel('least-squares', A, B, d, 0, { At, Bt })));
  return objective;
}

