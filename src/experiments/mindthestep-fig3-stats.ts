/**
 * The measures of the Fig. 3 study: epochs until the training loss reaches the threshold (the
 * paper's Fig. 3 measure), the mean over runs with its 95% interval, and the speed-up ratio
 * (epochs of AsyncPSGD / epochs of MindTheStep) with its 95% interval by the delta method.
 *
 * Censoring: a run that does not reach the threshold within the epoch budget is right-censored.
 * It enters the mean at the budget (the least it could have taken), so a mean over an arm with
 * censored runs is a lower bound of the uncensored mean, and so is its interval's lower end; the
 * summary says how many runs were censored. A ratio whose numerator arm (AsyncPSGD) has censored
 * runs is then a lower bound (≥), one whose denominator arm has them an upper bound (≤), both: no
 * bound at all ('none').
 */
import { tQuantile } from '../core/stats/fit.ts';

/**
 * Epochs until the loss first reaches `threshold` (F ≤ threshold), from a run's saved points:
 * `updates[i]` applied updates with loss `F[i]`, `updatesPerEpoch` = ⌈n/b⌉ updates an epoch (the
 * paper: ⌈|D|/b⌉ = 469). With the loss saved at every epoch's end this is a whole number of epochs.
 * Returns Infinity when no saved point reaches it (censored), or when a loss is not finite before it
 * (a diverged run).
 *
 * @example
 * ```ts
 * import { epochsToThreshold } from 'asgd-sdde';
 *
 * console.log(epochsToThreshold([0, 100, 200, 300], [2.3, 0.4, 0.04, 0.01], 0.05, 100)); // epoch 2: the first loss ≤ 0.05
 * //> 2
 * ```
 */
export function epochsToThreshold(updates: ArrayLike<number>, F: ArrayLike<number>, threshold: number, updatesPerEpoch: number): number {
  for (let i = 0; i < F.length; i++) {
    if (!Number.isFinite(F[i])) return Infinity;
    if (F[i] <= threshold) return updates[i] / updatesPerEpoch;
  }
  return Infinity;
}

/**
 * Mean of the epochs of one arm over its runs, censored runs (Infinity) counted at `budget`:
 * the mean, the sample SD, the 95% interval mean ± t_{0.975, n−1}·sd/√n, and how many runs were
 * censored (with any, `mean` and `lo` are lower bounds).
 */
export interface CensoredMean {
  mean: number;
  sd: number;
  lo: number;
  hi: number;
  runs: number;
  censored: number;
}

/**
 * {@link CensoredMean} of `epochs` (Infinity = censored at `budget`).
 *
 * @example
 * ```ts
 * import { censoredMean } from 'asgd-sdde';
 *
 * const s = censoredMean([10, 12, Infinity], 20); // the censored run counts as 20 epochs
 * console.log(s.mean.toFixed(3), s.censored); // (10 + 12 + 20) / 3, one run censored
 * //> 14.000 1
 * ```
 */
export function censoredMean(epochs: readonly number[], budget: number): CensoredMean {
  const xs = epochs.map((e) => (Number.isFinite(e) ? e : budget));
  const n = xs.length;
  const mean = xs.reduce((a, v) => a + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  const half = n > 1 ? tQuantile(0.975, n - 1) * (sd / Math.sqrt(n)) : NaN;
  return { mean, sd, lo: mean - half, hi: mean + half, runs: n, censored: epochs.filter((e) => !Number.isFinite(e)).length };
}

/**
 * The speed-up ratio R = mean(constant) / mean(adaptive) with a 95% interval, and what censoring
 * makes of it: 'estimate' (no run censored), 'lower-bound' (AsyncPSGD runs censored), 'upper-bound'
 * (MindTheStep runs censored) or 'none' (both).
 */
export interface SpeedupRatio {
  ratio: number;
  lo: number;
  hi: number;
  /** Welch–Satterthwaite degrees of freedom of the interval. */
  df: number;
  bound: 'estimate' | 'lower-bound' | 'upper-bound' | 'none';
}

/**
 * The speed-up R = x̄_c / x̄_a of two independent samples' means, with a 95% interval by the delta
 * method on log R: Var(log R) ≈ s_c²/(n_c x̄_c²) + s_a²/(n_a x̄_a²), the interval
 * exp(log R ± t_{0.975, ν}·√Var) with ν the Welch–Satterthwaite degrees of freedom of the two terms
 * (ν = ∞ when both SDs are 0). The runs of the two arms share their seeds (the same start point and
 * minibatch streams); treating them as independent ignores that positive correlation, which makes
 * the interval wider, not narrower.
 *
 * @example
 * ```ts
 * import { censoredMean, speedupRatio } from 'asgd-sdde';
 *
 * const r = speedupRatio(censoredMean([30, 33, 27], 100), censoredMean([20, 22, 18], 100));
 * console.log(r.ratio.toFixed(2), r.bound); // 30 / 20, no run censored
 * //> 1.50 estimate
 * ```
 */
export function speedupRatio(constant: CensoredMean, adaptive: CensoredMean): SpeedupRatio {
  const ratio = constant.mean / adaptive.mean;
  const vc = constant.sd ** 2 / (constant.runs * constant.mean ** 2);
  const va = adaptive.sd ** 2 / (adaptive.runs * adaptive.mean ** 2);
  const v = vc + va;
  const df = v === 0 ? Infinity : (v * v) / ((vc * vc) / (constant.runs - 1) + (va * va) / (adaptive.runs - 1));
  const half = v === 0 ? 0 : tQuantile(0.975, df) * Math.sqrt(v);
  const bound = constant.censored > 0 ? (adaptive.censored > 0 ? 'none' : 'lower-bound') : adaptive.censored > 0 ? 'upper-bound' : 'estimate';
  return { ratio, lo: ratio * Math.exp(-half), hi: ratio * Math.exp(half), df, bound };
}
