/**
 * Delete-one-block jackknife (Efron & Stein 1981; the blocks are the ensemble's fixed blocks of
 * paths, so the estimate does not depend on the thread count). Used where an estimator combines
 * many saved times of the same paths — a decay rate fitted to a mean curve — whose errors are
 * correlated along t, so a fit's own standard error would be too small.
 */
import type { MomentState } from './welford.ts';

/** The jackknife standard error itself lives in the core leaf (the solver's convergence orders use it too). */
export { jackknifeSe } from '../core/stats/jackknife.ts';

/**
 * The mean curves (points × dim) of the ensemble with block j left out, for every j:
 * mean_(−j) = (N·mean − n_j·mean_j)/(N − n_j), exactly, per point.
 */
export function leaveOneBlockOutMeans(blocks: MomentState[]): Float64Array[] {
  const { nPoints, dim } = blocks[0];
  const total = new Float64Array(nPoints * dim);
  const count = new Float64Array(nPoints);
  for (const b of blocks) {
    for (let p = 0; p < nPoints; p++) {
      count[p] += b.count[p];
      for (let i = 0; i < dim; i++) total[p * dim + i] += b.count[p] * b.mean[p * dim + i];
    }
  }
  return blocks.map((b) => {
    const out = new Float64Array(nPoints * dim);
    for (let p = 0; p < nPoints; p++) {
      const n = count[p] - b.count[p];
      for (let i = 0; i < dim; i++) out[p * dim + i] = (total[p * dim + i] - b.count[p] * b.mean[p * dim + i]) / n;
    }
    return out;
  });
}
