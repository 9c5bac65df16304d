/**
 * Finite-sum objectives F(x) = (1/n) Σ_i f_i(x) (He et al. Eq. 1) with per-component gradients,
 * which is what minibatch SGD samples from. Gradients are written into caller-owned buffers.
 */
import { ConfigError, describe } from '../core/errors.ts';

/**
 * A finite-sum objective F(x) = (1/n) Σᵢ fᵢ(x) (He et al. 2018, Eq. 1): its component gradients ∇fᵢ
 * (what minibatch SGD samples), F and ∇F, written into caller-owned buffers, with x*, F*, L and μ where
 * known. Built by {@link toyObjective}, {@link generatedLeastSquares}, {@link logisticObjective},
 * {@link softmaxObjective}, {@link mlpObjective}, {@link cnnObjective}, {@link mnistObjective}, {@link expressionObjective},
 * or written by hand (checked by {@link asgdConfig}).
 */
export interface FiniteSumObjective {
  readonly name: string;
  readonly dim: number;
  /** Number of components n. */
  readonly n: number;
  /** ∇f_i(x) into out. */
  componentGradient(i: number, x: Float64Array, out: Float64Array): void;
  /** F(x). */
  value(x: Float64Array): number;
  /** ∇F(x) into out. */
  gradient(x: Float64Array, out: Float64Array): void;
  /**
   * Optional fused Σ_{m<count} ∇f_{batch[m]}(x) into out (a sum, not a mean), for speed; when
   * present it must equal the sum of componentGradient calls in the same order (tested).
   */
  minibatchGradientSum?(batch: Int32Array, count: number, x: Float64Array, out: Float64Array): void;
  /**
   * Optional fused out[offset + k] += (∇f_{batch[m]}(x))_k / count for m = 0 … count − 1 in
   * order (the parameter server's averaged worker gradient), for speed; when present it must equal
   * that loop over componentGradient bit for bit (tested).
   */
  addMeanGradient?(batch: Int32Array, count: number, x: Float64Array, out: Float64Array, offset: number): void;
  /** x* and F* where known in closed form or computed at construction. */
  readonly minimizer?: Float64Array;
  readonly minimum?: number;
  /** Lipschitz constant L of ∇F, where known. */
  readonly lipschitz?: number;
  /** Strong-convexity constant μ, where known. */
  readonly strongConvexity?: number;
  /** A short description of the data and split, for captions and result files. */
  readonly description: string;
}

/**
 * Check an objective handed to the runner, before any work: the shape (dim, n positive
 * integers; componentGradient, value, gradient functions), a component gradient that writes into
 * `out` (a gradient written as `(i, x) => …` returning its value instead runs as zero — refused),
 * and F(x0) a finite number (a NaN objective would otherwise run to status "ok" with F = null).
 */
export function checkObjective(obj: unknown, field: string, x0?: Float64Array): asserts obj is FiniteSumObjective {
  if (typeof obj !== 'object' || obj === null) throw new ConfigError(field, `must be a finite-sum objective (see toyObjective, generatedLeastSquares, expressionObjective), got ${describe(obj)}`);
  const o = obj as Record<string, unknown>;
  for (const f of ['componentGradient', 'value', 'gradient']) {
    if (typeof o[f] !== 'function') throw new ConfigError(`${field}.${f}`, `must be a function, got ${describe(o[f])}`);
  }
  if (typeof o.dim !== 'number' || !Number.isInteger(o.dim) || o.dim < 1 || o.dim > 2 ** 26) throw new ConfigError(`${field}.dim`, `must be an integer in [1, 2^26], got ${describe(o.dim)}`);
  if (typeof o.n !== 'number' || !Number.isInteger(o.n) || o.n < 1 || o.n > 2 ** 31 - 1) throw new ConfigError(`${field}.n`, `must be a positive integer (the number of components), got ${describe(o.n)}`);
  if (!x0) return;
  const objective = obj as FiniteSumObjective;
  const out = new Float64Array(objective.dim).fill(NaN);
  const returned = (objective.componentGradient as (i: number, x: Float64Array, out: Float64Array) => unknown)(0, Float64Array.from(x0), out);
  if (returned !== undefined && out.every(Number.isNaN)) {
    throw new ConfigError(`${field}.componentGradient`, `returned ${describe(returned)} and wrote nothing into out: a gradient writes ∇f_i(x) into out (out[j] = …) and returns nothing`);
  }
  const F = objective.value(Float64Array.from(x0));
  if (typeof F !== 'number' || !Number.isFinite(F)) throw new ConfigError(`${field}.value`, `F(x0) is ${describe(F)}, not a finite number, at x0 = [${Array.from(x0.subarray(0, 8)).join(', ')}${x0.length > 8 ? ', …' : ''}]`);
}

/** ∇F = mean of the component gradients (used by objectives without a faster closed form). */
export function meanGradient(obj: FiniteSumObjective, x: Float64Array, out: Float64Array, tmp: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < obj.n; i++) {
    obj.componentGradient(i, x, tmp);
    for (let j = 0; j < obj.dim; j++) out[j] += tmp[j];
  }
  for (let j = 0; j < obj.dim; j++) out[j] /= obj.n;
}

/**
 * Σ(x) = (1/n) Σ_i (∇f_i(x) − ∇F(x))(∇f_i(x) − ∇F(x))ᵀ: the covariance of one uniformly drawn
 * component gradient (He et al. Section 3), population normalization (divide by n). A minibatch
 * of b drawn with replacement has covariance Σ/b; without replacement Σ/b·(n−b)/(n−1).
 *
 * Preallocated workspace: `compute` allocates nothing, so it can run every step of a
 * state-dependent diffusion.
 */
export class GradientCovariance {
  readonly dim: number;
  private readonly obj: FiniteSumObjective;
  private readonly mean: Float64Array;
  private readonly gi: Float64Array;
  /** Σ, row-major d×d, after `compute`. */
  readonly sigma: Float64Array;

  /**
   * Allocate the workspace for an objective.
   *
   * @param obj - the objective whose gradient covariance Σ(x) is computed (workspace sized d×d).
   */
  constructor(obj: FiniteSumObjective) {
    this.obj = obj;
    this.dim = obj.dim;
    this.mean = new Float64Array(obj.dim);
    this.gi = new Float64Array(obj.dim);
    this.sigma = new Float64Array(obj.dim * obj.dim);
  }

  /**
   * Σ(x), row-major d×d, into {@link GradientCovariance.sigma} (returned; overwritten by the next call).
   */
  compute(x: Float64Array): Float64Array {
    const d = this.dim;
    const { obj, mean, gi, sigma } = this;
    obj.gradient(x, mean);
    sigma.fill(0);
    for (let i = 0; i < obj.n; i++) {
      obj.componentGradient(i, x, gi);
      for (let a = 0; a < d; a++) gi[a] -= mean[a];
      for (let a = 0; a < d; a++) {
        const ga = gi[a];
        for (let c = a; c < d; c++) sigma[a * d + c] += ga * gi[c];
      }
    }
    for (let a = 0; a < d; a++) {
      for (let c = a; c < d; c++) {
        const v = sigma[a * d + c] / obj.n;
        sigma[a * d + c] = v;
        sigma[c * d + a] = v;
      }
    }
    return sigma;
  }
}

/** Covariance factor of a minibatch mean of size b: 1/b, times (n−b)/(n−1) without replacement. */
export function minibatchVarianceFactor(n: number, b: number, replacement: boolean): number {
  if (replacement || n === 1) return 1 / b;
  return ((n - b) / (n - 1)) / b;
}
