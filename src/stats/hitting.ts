/**
 * Hitting times of a decreasing mean curve: the first (fractional) index where it reaches a level,
 * used for "iterations until E‖x − x*‖² ≤ ε" (He et al. rates; MindTheStep Thm 6).
 */

/** First k (log-linear interpolation between saved points) where the curve drops to ≤ ε; NaN if never. */
export function hittingIteration(k: ArrayLike<number>, y: ArrayLike<number>, eps: number): number {
  if (y.length > 0 && y[0] <= eps) return k[0];
  for (let p = 1; p < k.length; p++) {
    if (y[p] <= eps) {
      const a = Math.log(y[p - 1]);
      const b = Math.log(y[p]);
      const w = (a - Math.log(eps)) / (a - b);
      return k[p - 1] + w * (k[p] - k[p - 1]);
    }
  }
  return NaN;
}
