/**
 * Weak (distributional) error between two samples in R^d — the laws of x_K and X(t_K) — with
 * confidence intervals: moments, and the maximum mean discrepancy (MMD) with a Gaussian kernel.
 *
 * Why MMD: its unbiased U-statistic (Gretton et al. 2012, Lemma 6) removes the estimator's bias
 * exactly (the plug-in V-statistic, the empirical sliced Wasserstein distance and the empirical
 * energy distance between two samples of one law are all positive in expectation), it costs O(N²d)
 * and no sorting or projection, and between two Gaussians it has a closed form, which the tests
 * use as an independent reference:
 *   E k(X, Y) = det(I + (C₁ + C₂)/s²)^{−1/2} exp(−½ Δᵀ(s²I + C₁ + C₂)^{−1}Δ),  k(x, y) = e^{−‖x−y‖²/(2s²)}.
 *
 * Samples are given as pairs (x_i, y_i) — from coupled paths, or from independent runs paired by
 * index — i.i.d. across i. The U-statistic over pairs i ≠ j,
 *   MMD²_u = 1/(N(N−1)) Σ_{i≠j} [k(x_i,x_j) + k(y_i,y_j) − k(x_i,y_j) − k(x_j,y_i)],
 * never uses x_i with its own y_i, so it is unbiased whatever the dependence within a pair. Its
 * standard error is the delete-one-pair jackknife (conservative when the laws are equal, where the
 * U-statistic is degenerate). Above `maxPairs` pairs the sample is split into equal groups and
 * the group statistics are averaged (an incomplete U-statistic, still unbiased), with the SE from
 * their spread (Student t over the groups).
 *
 * Bandwidth: by default the median heuristic — the median distance between the first ≤ 500 pooled
 * points of each sample — reported with the result, so a comparison can reuse it.
 */
import { tQuantile } from '../core/stats/fit.ts';
import { jackknifeSe } from '../core/stats/jackknife.ts';
import { Z95 } from './welford.ts';

/** An unbiased MMD² estimate (Gaussian kernel) with its standard error and 95% CI. */
export interface MmdResult {
  /** Unbiased estimate of MMD² (it can be negative when the laws are equal). */
  mmd2: number;
  se: number;
  ci95: [number, number];
  /** Kernel bandwidth s of k(x, y) = exp(−‖x − y‖²/(2s²)). */
  bandwidth: number;
  pairs: number;
}

/**
 * Options of {@link mmdSquared}: the kernel `bandwidth` (default: {@link medianBandwidth}) and `maxPairs`.
 */
export interface MmdOptions {
  bandwidth?: number;
  /** Largest number of pairs in one full U-statistic (O(N²)); default 4000. */
  maxPairs?: number;
}

function checkSamples(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`weak error: dimension must be a positive integer, got ${d}`);
  if (x.length !== y.length || x.length % d !== 0) throw new RangeError(`weak error: samples of ${x.length} and ${y.length} numbers are not N pairs of dimension ${d}`);
  const N = x.length / d;
  if (N < 4) throw new RangeError(`weak error: needs at least 4 pairs, got ${N}`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new RangeError(`weak error: non-finite value at pair ${Math.floor(i / d)}`);
  return N;
}

function sqDist(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, d: number): number {
  let s = 0;
  const oa = i * d;
  const ob = j * d;
  for (let k = 0; k < d; k++) {
    const t = a[oa + k] - b[ob + k];
    s += t * t;
  }
  return s;
}

/** The median heuristic: median pairwise distance of the first ≤ 500 points of each sample, pooled. */
export function medianBandwidth(x: ArrayLike<number>, y: ArrayLike<number>, d: number): number {
  const N = x.length / d;
  const take = Math.min(N, 500);
  const pool = new Float64Array(2 * take * d);
  for (let i = 0; i < take * d; i++) {
    pool[i] = x[i];
    pool[take * d + i] = y[i];
  }
  const P = 2 * take;
  const dist = new Float64Array((P * (P - 1)) / 2);
  let c = 0;
  for (let i = 0; i < P; i++) for (let j = i + 1; j < P; j++) dist[c++] = Math.sqrt(sqDist(pool, i, pool, j, d));
  dist.sort();
  const med = dist[Math.floor(dist.length / 2)];
  return med > 0 ? med : 1;
}

/** The pair U-statistic and its jackknife SE on pairs [from, to). */
function mmdBlock(x: ArrayLike<number>, y: ArrayLike<number>, d: number, from: number, to: number, inv2s2: number): { u: number; se: number } {
  const N = to - from;
  const row = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const a = from + i;
    for (let j = i + 1; j < N; j++) {
      const b = from + j;
      const h = Math.exp(-sqDist(x, a, x, b, d) * inv2s2) + Math.exp(-sqDist(y, a, y, b, d) * inv2s2) - Math.exp(-sqDist(x, a, y, b, d) * inv2s2) - Math.exp(-sqDist(x, b, y, a, d) * inv2s2);
      row[i] += h;
      row[j] += h;
    }
  }
  let S = 0;
  for (let i = 0; i < N; i++) S += row[i];
  const u = S / (N * (N - 1));
  // delete-one-pair jackknife: U_(−i) = (S − 2 r_i)/((N − 1)(N − 2))
  return { u, se: jackknifeSe(Array.from(row, (r) => (S - 2 * r) / ((N - 1) * (N - 2)))) };
}

/** Unbiased MMD² between the laws of x and y (N pairs, row-major N×d each) with a 95% CI. */
export function mmdSquared(x: ArrayLike<number>, y: ArrayLike<number>, d: number, options: MmdOptions = {}): MmdResult {
  const N = checkSamples(x, y, d);
  const s = options.bandwidth ?? medianBandwidth(x, y, d);
  if (!(s > 0 && Number.isFinite(s))) throw new RangeError(`weak error: bandwidth must be a positive number, got ${s}`);
  const inv = 1 / (2 * s * s);
  const maxPairs = options.maxPairs ?? 4000;
  if (N <= maxPairs) {
    const { u, se } = mmdBlock(x, y, d, 0, N, inv);
    return { mmd2: u, se, ci95: [u - Z95 * se, u + Z95 * se], bandwidth: s, pairs: N };
  }
  const G = Math.ceil(N / maxPairs);
  const size = Math.floor(N / G);
  const us: number[] = [];
  for (let g = 0; g < G; g++) us.push(mmdBlock(x, y, d, g * size, (g + 1) * size, inv).u);
  const mean = us.reduce((a, v) => a + v, 0) / G;
  const se = Math.sqrt(us.reduce((a, v) => a + (v - mean) ** 2, 0) / (G - 1) / G);
  const q = tQuantile(0.975, G - 1);
  return { mmd2: mean, se, ci95: [mean - q * se, mean + q * se], bandwidth: s, pairs: G * size };
}

/**
 * Weak-error statistics of two samples ({@link weakError}): mean difference per coordinate, ‖E x − E y‖²
 * without the bias of ‖x̄ − ȳ‖², the difference of covariance traces, and MMD², each with SE and 95% CI.
 */
export interface WeakError {
  pairs: number;
  dim: number;
  /** E x − E y per coordinate, with standard errors (paired when `paired`). */
  meanDiff: Float64Array;
  meanDiffSe: Float64Array;
  /**
   * ‖E x − E y‖² estimated without the upward bias of ‖x̄ − ȳ‖² (which adds tr Cov(x̄ − ȳ)), with
   * its SE (delta method) and 95% CI.
   */
  meanDiffNorm2: { value: number; se: number; ci95: [number, number] };
  /** tr Cov x − tr Cov y (= E‖x − Ex‖² − E‖y − Ey‖²), with SE from per-pair influence values. */
  traceCovDiff: { value: number; se: number; ci95: [number, number] };
  mmd: MmdResult;
}

/**
 * Moments and MMD² of two samples of N pairs. `paired`: the pairs come from coupled paths, so
 * differences are taken pair by pair (smaller SEs); otherwise the two samples are independent.
 */
export function weakError(x: ArrayLike<number>, y: ArrayLike<number>, d: number, options: MmdOptions & { paired?: boolean } = {}): WeakError {
  const N = checkSamples(x, y, d);
  const paired = options.paired ?? true;
  const mx = new Float64Array(d);
  const my = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < d; k++) {
      mx[k] += x[i * d + k] / N;
      my[k] += y[i * d + k] / N;
    }
  }
  const meanDiff = new Float64Array(d);
  const meanDiffSe = new Float64Array(d);
  // Var of the mean difference per coordinate: paired from the differences, else summed variances
  let trVarMean = 0;
  for (let k = 0; k < d; k++) {
    meanDiff[k] = mx[k] - my[k];
    let v = 0;
    for (let i = 0; i < N; i++) {
      if (paired) v += (x[i * d + k] - y[i * d + k] - meanDiff[k]) ** 2;
      else v += (x[i * d + k] - mx[k]) ** 2 + (y[i * d + k] - my[k]) ** 2;
    }
    const varMean = v / (N - 1) / N;
    meanDiffSe[k] = Math.sqrt(varMean);
    trVarMean += varMean;
  }
  let norm2 = 0;
  let norm2Var = 0;
  for (let k = 0; k < d; k++) {
    norm2 += meanDiff[k] ** 2;
    norm2Var += 4 * meanDiff[k] ** 2 * meanDiffSe[k] ** 2; // delta method
  }
  const nValue = norm2 - trVarMean;
  // the delta method vanishes at Δ = 0; the bias term's own fluctuation (~ √(2Σσ⁴)) keeps the CI honest there
  let fourth = 0;
  for (let k = 0; k < d; k++) fourth += 2 * meanDiffSe[k] ** 4;
  const nSe = Math.sqrt(norm2Var + fourth);
  // per-pair influence values of tr Cov x − tr Cov y
  const u = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let a = 0;
    let b = 0;
    for (let k = 0; k < d; k++) {
      a += (x[i * d + k] - mx[k]) ** 2;
      b += (y[i * d + k] - my[k]) ** 2;
    }
    u[i] = a - b;
  }
  let uMean = 0;
  for (let i = 0; i < N; i++) uMean += u[i] / N;
  let uVar = 0;
  if (paired) for (let i = 0; i < N; i++) uVar += (u[i] - uMean) ** 2;
  else {
    let aMean = 0;
    let bMean = 0;
    const av = new Float64Array(N);
    const bv = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < d; k++) {
        av[i] += (x[i * d + k] - mx[k]) ** 2;
        bv[i] += (y[i * d + k] - my[k]) ** 2;
      }
      aMean += av[i] / N;
      bMean += bv[i] / N;
    }
    for (let i = 0; i < N; i++) uVar += (av[i] - aMean) ** 2 + (bv[i] - bMean) ** 2;
  }
  const tcValue = uMean * (N / (N - 1));
  const tcSe = Math.sqrt(uVar / (N - 1) / N);
  const ci = (v: number, se: number): [number, number] => [v - Z95 * se, v + Z95 * se];
  return {
    pairs: N,
    dim: d,
    meanDiff,
    meanDiffSe,
    meanDiffNorm2: { value: nValue, se: nSe, ci95: ci(nValue, nSe) },
    traceCovDiff: { value: tcValue, se: tcSe, ci95: ci(tcValue, tcSe) },
    mmd: mmdSquared(x, y, d, options),
  };
}
