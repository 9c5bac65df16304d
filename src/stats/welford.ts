/**
 * Streaming moments at many points (the saved times of an ensemble) without keeping the paths:
 * Welford's update, and Chan et al.'s pairwise merge so partial results from blocks of paths
 * (or worker threads) combine. Each point has its own count, so a path that diverged part-way
 * contributes the points it reached.
 *
 * `dim` values per point; with `covariance: true` the full dim×dim co-moment is kept, else only
 * the diagonal.
 */
import { Z95 } from '../core/math/normal-quantile.ts';

/**
 * The plain-data state of a {@link MomentAccumulator} (structured-cloneable: sent between threads).
 */
export interface MomentState {
  nPoints: number;
  dim: number;
  covariance: boolean;
  count: Float64Array;
  mean: Float64Array;
  /** Co-moment Σ (x − mean)(x − mean)ᵀ: nPoints × dim × dim (covariance) or nPoints × dim. */
  m2: Float64Array;
}

/** Φ⁻¹(0.975) (defined with the normal quantile in core/math; re-exported here for the intervals). */
export { Z95 };

/**
 * Streaming means and (co)variances of `dim` values at each of `nPoints` points (the saved times of an
 * ensemble), without keeping the samples: Welford's update, and Chan et al.'s pairwise merge for
 * blocks. Each point has its own count.
 *
 * @example
 * ```ts
 * import { MomentAccumulator } from 'asgd-sdde';
 *
 * const acc = new MomentAccumulator(1, 1);
 * for (const v of [1, 2, 3, 4]) acc.add([v]);
 * console.log(acc.meanAt(0), acc.variance(0), acc.standardError(0)); // 5/2, 5/3, √(5/12)
 * //> 2.5 1.6666666666666667 0.6454972243679028
 * ```
 */
export class MomentAccumulator {
  readonly nPoints: number;
  readonly dim: number;
  readonly covariance: boolean;
  readonly count: Float64Array;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  private readonly delta: Float64Array;

  /**
   * An empty accumulator.
   *
   * @param nPoints - the number of points (saved times).
   * @param dim - values per point.
   * @param options - `covariance`: keep the full dim×dim co-moment (default false: the diagonal only).
   */
  constructor(nPoints: number, dim: number, options: { covariance?: boolean } = {}) {
    this.nPoints = nPoints;
    this.dim = dim;
    this.covariance = options.covariance ?? false;
    this.count = new Float64Array(nPoints);
    this.mean = new Float64Array(nPoints * dim);
    this.m2 = new Float64Array(nPoints * (this.covariance ? dim * dim : dim));
    this.delta = new Float64Array(dim);
  }

  /**
   * An accumulator holding a copy of a {@link MomentState}.
   */
  static fromState(s: MomentState): MomentAccumulator {
    const a = new MomentAccumulator(s.nPoints, s.dim, { covariance: s.covariance });
    a.count.set(s.count);
    a.mean.set(s.mean);
    a.m2.set(s.m2);
    return a;
  }

  /** A copy of the accumulator's state, as plain data. */
  state(): MomentState {
    return { nPoints: this.nPoints, dim: this.dim, covariance: this.covariance, count: this.count.slice(), mean: this.mean.slice(), m2: this.m2.slice() };
  }

  /** Add one sample at points 0..points−1: values row-major (points × dim). */
  add(values: ArrayLike<number>, points = this.nPoints): void {
    const d = this.dim;
    const { count, mean, m2, delta } = this;
    for (let p = 0; p < points; p++) {
      const n = ++count[p];
      const off = p * d;
      for (let i = 0; i < d; i++) {
        delta[i] = values[off + i] - mean[off + i];
        mean[off + i] += delta[i] / n;
      }
      if (this.covariance) {
        const o2 = p * d * d;
        for (let i = 0; i < d; i++) {
          const after = values[off + i] - mean[off + i];
          for (let j = 0; j < d; j++) m2[o2 + j * d + i] += delta[j] * after;
        }
      } else {
        for (let i = 0; i < d; i++) m2[off + i] += delta[i] * (values[off + i] - mean[off + i]);
      }
    }
  }

  /** Merge another accumulator of the same shape into this one (Chan, Golub & LeVeque 1979). */
  merge(o: MomentAccumulator): void {
    if (o.nPoints !== this.nPoints || o.dim !== this.dim || o.covariance !== this.covariance) throw new RangeError('merge: accumulators of different shapes');
    const d = this.dim;
    for (let p = 0; p < this.nPoints; p++) {
      const na = this.count[p];
      const nb = o.count[p];
      if (nb === 0) continue;
      const n = na + nb;
      const off = p * d;
      for (let i = 0; i < d; i++) this.delta[i] = o.mean[off + i] - this.mean[off + i];
      const f = (na * nb) / n;
      if (this.covariance) {
        const o2 = p * d * d;
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) this.m2[o2 + i * d + j] += o.m2[o2 + i * d + j] + this.delta[i] * this.delta[j] * f;
      } else {
        for (let i = 0; i < d; i++) this.m2[off + i] += o.m2[off + i] + this.delta[i] * this.delta[i] * f;
      }
      for (let i = 0; i < d; i++) this.mean[off + i] += (this.delta[i] * nb) / n;
      this.count[p] = n;
    }
  }

  /** Unbiased variance of component i at point p. */
  variance(p: number, i = 0): number {
    const n = this.count[p];
    if (n < 2) return NaN;
    const d = this.dim;
    return (this.covariance ? this.m2[p * d * d + i * d + i] : this.m2[p * d + i]) / (n - 1);
  }

  /** Unbiased covariance matrix at point p (row-major dim × dim); needs `covariance: true`. */
  covarianceAt(p: number): Float64Array {
    if (!this.covariance) throw new Error('covarianceAt: accumulator keeps only variances');
    const d = this.dim;
    const n = this.count[p];
    const out = new Float64Array(d * d);
    for (let k = 0; k < d * d; k++) out[k] = this.m2[p * d * d + k] / (n - 1);
    return out;
  }

  /** Mean of component i at point p; NaN where no sample reached the point (never a silent 0). */
  meanAt(p: number, i = 0): number {
    return this.count[p] > 0 ? this.mean[p * this.dim + i] : NaN;
  }

  /** Standard error of the mean of component i at point p. */
  standardError(p: number, i = 0): number {
    return Math.sqrt(this.variance(p, i) / this.count[p]);
  }

  /** Normal-approximation 95% confidence interval of the mean. */
  ci95(p: number, i = 0): [number, number] {
    const m = this.meanAt(p, i);
    const h = Z95 * this.standardError(p, i);
    return [m - h, m + h];
  }
}
