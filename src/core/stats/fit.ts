/**
 * Generic line fits and the Student-t quantile, used by the theory checks and by the SDDE
 * convergence orders (a leaf, so that the solver layer and the statistics layer share one OLS).
 *
 * `weightedLineFit`: y = a + s·x by weighted least squares with weights 1/σ_i². The slope's
 * standard error from the weights alone is sqrt(1/Σ w (x − x̄_w)²); when the points scatter more
 * than their σ allow (reduced χ² > 1: the model does not describe the data within the noise), the
 * error is inflated by sqrt(χ²_red) (the Birge ratio), so a poor fit never looks precise.
 * Without σ the fit is unweighted and the error comes from the residuals.
 * Confidence intervals are ±1.96 SE (normal approximation; the checks use ≥ 4 points).
 */
import { normalQuantile, Z95 } from '../math/normal-quantile.ts';

/**
 * Student-t quantile t_p(ν): exact for ν = 1, 2; for ν ≥ 3 the Cornish–Fisher expansion to
 * ν^{−4} about the normal quantile (relative error at p = 0.975: 1.2e-3 at ν = 3, 4e-6 at ν = 10;
 * larger in the far tail at small ν; tested against SciPy). Used for intervals whose standard error comes from few degrees of freedom (a jackknife
 * over G blocks, residuals of a short fit).
 */
export function tQuantile(p: number, df: number): number {
  if (!(df > 0) || !(p > 0 && p < 1)) return NaN;
  if (!Number.isFinite(df)) return normalQuantile(p);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * (5 * z2 * z2 + 16 * z2 + 3)) / 96;
  const g3 = (z * (3 * z2 ** 3 + 19 * z2 * z2 + 17 * z2 - 15)) / 384;
  const g4 = (z * (79 * z2 ** 4 + 776 * z2 ** 3 + 1482 * z2 * z2 - 1920 * z2 - 945)) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/**
 * A fitted line y = intercept + slope·x with standard errors, a 95% CI on the slope, the reduced χ²
 * (weighted) or residual variance (unweighted), and the number of points.
 */
export interface LineFit {
  slope: number;
  intercept: number;
  slopeSe: number;
  interceptSe: number;
  /** Reduced χ² (weighted) or residual variance (unweighted). */
  chi2red: number;
  n: number;
  slopeCi95: [number, number];
}

/**
 * Least-squares line y = a + b·x, weighted by 1/σᵢ² when `sigma` is given. Standard errors are scaled by
 * √max(1, χ²_red) (weighted) or taken from the residuals (unweighted); the slope's CI uses Student t
 * on n − 2 degrees of freedom (normal when the weights are trusted).
 *
 * @throws RangeError when the arrays differ in length or have fewer than 2 points.
 * @example
 * ```ts
 * import { weightedLineFit } from 'asgd-sdde';
 *
 * const fit = weightedLineFit([0, 1, 2, 3], [1, 3.1, 4.9, 7]);
 * console.log(fit.slope.toFixed(3), fit.intercept.toFixed(3)); // least squares: Sxy/Sxx = 9.9/5, 4 − 1.98·1.5
 * //> 1.980 1.030
 * ```
 */
export function weightedLineFit(x: ArrayLike<number>, y: ArrayLike<number>, sigma?: ArrayLike<number>): LineFit {
  const n = x.length;
  if (n !== y.length || (sigma && sigma.length !== n)) throw new RangeError('weightedLineFit: arrays of different lengths');
  if (n < 2) throw new RangeError('weightedLineFit: needs at least 2 points');
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = sigma ? 1 / (sigma[i] * sigma[i]) : 1;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  const xm = sx / sw;
  const ym = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += w[i] * (x[i] - xm) ** 2;
    sxy += w[i] * (x[i] - xm) * (y[i] - ym);
  }
  const slope = sxy / sxx;
  const intercept = ym - slope * xm;
  let chi2 = 0;
  for (let i = 0; i < n; i++) chi2 += w[i] * (y[i] - intercept - slope * x[i]) ** 2;
  const chi2red = n > 2 ? chi2 / (n - 2) : 0;
  // weighted: errors from σ, inflated by the Birge ratio when χ²_red > 1; unweighted: from residuals
  const scale = sigma ? Math.max(1, chi2red) : n > 2 ? chi2red : NaN;
  const slopeSe = Math.sqrt(scale / sxx);
  const interceptSe = Math.sqrt(scale * (1 / sw + (xm * xm) / sxx));
  // the scatter estimated from the residuals (unweighted, or inflated) has n − 2 degrees of freedom
  const q = !sigma || chi2red > 1 ? tQuantile(0.975, n - 2) : Z95;
  return { slope, intercept, slopeSe, interceptSe, chi2red, n, slopeCi95: [slope - q * slopeSe, slope + q * slopeSe] };
}

/**
 * Exponent p of y ≈ C x^p: a line fit of log y on log x, with σ(log y) = SE(y)/y (delta method)
 * when standard errors of y are given.
 */
export function logLogFit(x: ArrayLike<number>, y: ArrayLike<number>, ySe?: ArrayLike<number>): LineFit & { prefactor: number } {
  const lx = Array.from(x, Math.log);
  const ly = Array.from(y, Math.log);
  for (let i = 0; i < ly.length; i++) if (!Number.isFinite(lx[i]) || !Number.isFinite(ly[i])) throw new RangeError(`logLogFit: point ${i} (${x[i]}, ${y[i]}) is not positive`);
  const s = ySe ? Array.from(ySe, (e, i) => Math.max(e, 1e-300) / y[i]) : undefined;
  const fit = weightedLineFit(lx, ly, s);
  return { ...fit, prefactor: Math.exp(fit.intercept) };
}

/**
 * Exponential decay rate r of y ≈ C e^{−r t}: a line fit of log y on t (rate = −slope), with
 * σ(log y) = SE(y)/y when given.
 */
export function decayRate(t: ArrayLike<number>, y: ArrayLike<number>, ySe?: ArrayLike<number>): { rate: number; rateSe: number; rateCi95: [number, number]; chi2red: number; n: number } {
  const ly = Array.from(y, Math.log);
  for (let i = 0; i < ly.length; i++) if (!Number.isFinite(ly[i])) throw new RangeError(`decayRate: y[${i}] = ${y[i]} is not positive`);
  const s = ySe ? Array.from(ySe, (e, i) => Math.max(e, 1e-300) / y[i]) : undefined;
  const fit = weightedLineFit(t, ly, s);
  return { rate: -fit.slope, rateSe: fit.slopeSe, rateCi95: [-fit.slopeCi95[1], -fit.slopeCi95[0]], chi2red: fit.chi2red, n: fit.n };
}
