/**
 * The tolerance of a fitted convergence order, derived instead of a flat slack:
 *
 *   |fitted − theory| ≤ z·SE + drift
 *
 *  - z·SE, the Monte Carlo part: SE the fit's standard error (jackknife over blocks of paths, or
 *    the bound of test/helpers/loglog.ts), z = Φ⁻¹(1 − α/(2m)) two-sided with Bonferroni over the
 *    m fits of a test file that share this rule, so the file's family-wise false-alarm rate from
 *    noise is at most α (default 1%).
 *  - drift, the pre-asymptotic curvature measured on the ladder itself: the difference between the
 *    OLS slopes of the coarser and the finer half of the levels (overlapping in the middle level).
 *    The OLS slope over the ladder is a positively weighted mean of the local slopes, so it lies
 *    within the drift of the finer half's slope; the next-order error term ∝ h^q (q ≥ 1/2 for
 *    EM and Milstein) shrinks by 2^{−q} per halving, so below the finest level the local slope
 *    moves by at most r/(1 − r)·(last step) with r = 2^{−1/2}, which over ≥ 3 halvings is ≤ 0.55 of
 *    the drift across the ladder. Together: |fitted − asymptotic| ≲ drift (the noise in the
 *    measured drift only widens the allowance; it cannot hide a wrong order larger than it).
 *  - the reference's own error, in closed form: when the errors are measured against a numerical
 *    reference at step h_ref (convergenceOrder's refine), the measured error of order p is
 *    between two models — errors orthogonal across levels (nested refinements):
 *    e(h) ∝ (h^{2p} − h_ref^{2p})^{1/2}; and errors fully correlated (one path functional times
 *    h^p, as for the bias of a mean): e(h) ∝ h^p − h_ref^p. The fitted slope is compared with the
 *    interval spanned by p and the OLS slopes of both models over the ladder (expectedOrderRange);
 *    at refine = 8 and p = 1 the correlated model steepens the fit to ≈ 1.04.
 */
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';

function olsSlope(x: number[], y: number[]): number {
  const mx = x.reduce((a, v) => a + v, 0) / x.length;
  const my = y.reduce((a, v) => a + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** Drift of the log-log slope across a ladder: slope(coarser half) − slope(finer half). */
export function slopeDrift(h: number[], err: number[]): number {
  const L = h.length;
  if (L < 3) throw new RangeError('slopeDrift needs ≥ 3 levels');
  const lx = h.map(Math.log);
  const ly = err.map((e) => Math.log(Math.abs(e)));
  const coarse = Math.ceil((L + 1) / 2);
  const fine = Math.floor((L - 1) / 2);
  return Math.abs(olsSlope(lx.slice(0, coarse), ly.slice(0, coarse)) - olsSlope(lx.slice(fine), ly.slice(fine)));
}

export function familyZ(fits: number, alpha = 0.01): number {
  return normalQuantile(1 - alpha / (2 * fits));
}

/** z·SE + drift (see the file comment); `what` in the returned text names the parts. */
export function orderTolerance(h: number[], err: number[], se: number, fits: number, alpha = 0.01): { tol: number; text: string } {
  const z = familyZ(fits, alpha);
  const drift = slopeDrift(h, err);
  return { tol: z * se + drift, text: `${z.toFixed(2)}·SE (${se.toPrecision(2)}) + drift ${drift.toPrecision(2)}` };
}

/** [lo, hi]: p and the OLS slopes over the ladder of the two reference-error models (see above). */
export function expectedOrderRange(h: number[], hRef: number, p: number): [number, number] {
  if (!(hRef > 0)) return [p, p];
  const lx = h.map(Math.log);
  const nested = olsSlope(lx, h.map((x) => 0.5 * Math.log(x ** (2 * p) - hRef ** (2 * p))));
  const correlated = olsSlope(lx, h.map((x) => Math.log(x ** p - hRef ** p)));
  return [Math.min(p, nested, correlated), Math.max(p, nested, correlated)];
}

/**
 * The distance of a fitted order from expectedOrderRange and its tolerance z·SE + drift: the check
 * is `distance < tol`.
 */
export function orderCheck(fit: { order: number; se: number; levels: { dt: number; error: number }[] }, p: number, hRef: number, fits: number, alpha = 0.01): { distance: number; tol: number; text: string } {
  const h = fit.levels.map((l) => l.dt);
  const [lo, hi] = expectedOrderRange(h, hRef, p);
  const { tol, text } = orderTolerance(h, fit.levels.map((l) => l.error), fit.se, fits, alpha);
  return { distance: Math.max(0, lo - fit.order, fit.order - hi), tol, text: `fitted ${fit.order} ± ${fit.se} against [${lo.toFixed(4)}, ${hi.toFixed(4)}] (order ${p} and the reference-error models at h_ref = ${hRef}); tolerance ${text}` };
}

/** orderCheck for a slope fitted by test/helpers/loglog.ts against an exact solution (no reference error). */
export function slopeCheck(h: number[], err: number[], slope: number, seBound: number, p: number, fits: number, alpha = 0.01): { distance: number; tol: number; text: string } {
  return orderCheck({ order: slope, se: seBound, levels: h.map((dt, i) => ({ dt, error: err[i] })) }, p, 0, fits, alpha);
}
