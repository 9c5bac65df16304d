/**
 * The workbench's verdicts over a grid of points, with the multiple-comparison correction stated
 * in the reason. They extend src/theory/verdict.ts (same labels and looseness factor) to
 * measurements whose SE has few degrees of freedom (Student t instead of normal quantiles) and to
 * lower bounds and equalities within a tolerance.
 *
 * Bonferroni over n points: a bound (one-sided) is violated where the measurement is beyond it by
 * more than q·SE with q the 1 − 0.025/n quantile (family-wise 2.5% per side, as upperBoundVerdict);
 * an equality (two-sided) fails where |measured − predicted| − tolerance exceeds q·SE with the same
 * q (family-wise 5% over both sides). q is normal, or Student t with the point's df when given.
 */
import { normalQuantile } from '../../core/math/normal-quantile.ts';
import { tQuantile } from '../../core/stats/fit.ts';
import { formatNumber as f, LOOSE_FACTOR, notApplicable, type Verdict } from '../verdict.ts';

/** One grid point: predicted value (or bound), measured value with SE and df (undefined: normal). */
export interface PointComparison {
  predicted: number;
  value: number;
  se: number;
  df?: number;
  where: string;
}

/** The Bonferroni quantile for `n` comparisons at one-sided level 0.025/n (normal, or t with df). */
export function bonferroniQuantile(n: number, df?: number): number {
  const p = 1 - 0.025 / n;
  return df === undefined || !Number.isFinite(df) ? normalQuantile(p) : tQuantile(p, df);
}

const dfText = (points: PointComparison[]) => {
  const dfs = [...new Set(points.map((p) => p.df))];
  return dfs.length === 1 && dfs[0] === undefined ? 'normal quantiles' : `Student t with ${dfs.map((d) => d ?? '∞').join('/')} df`;
};

function broken(points: PointComparison[]): Verdict | undefined {
  if (points.length === 0) return notApplicable('no points to evaluate');
  const b = points.find((p) => !Number.isFinite(p.value) || !(p.se >= 0) || Number.isNaN(p.predicted));
  return b ? notApplicable(`a measurement or prediction is not finite at ${b.where} (value ${b.value}, SE ${b.se}, predicted ${b.predicted})`) : undefined;
}

/**
 * An upper (`side` 'upper') or lower bound checked at every point. Violated where the measurement
 * is beyond its bound by more than q·SE; otherwise holds, and "holds, loose ×R" when the bound is
 * at least ×2 away from every measurement (R = min bound/measured, lower: min measured/bound).
 */
export function boundVerdict(points: PointComparison[], side: 'upper' | 'lower'): Verdict {
  const bad = broken(points);
  if (bad) return bad;
  const n = points.length;
  const over = (p: PointComparison) => (side === 'upper' ? p.value - p.predicted : p.predicted - p.value) / p.se;
  const beyond = points.filter((p) => (p.se === 0 ? over({ ...p, se: 1 }) > 0 : over(p) > bonferroniQuantile(n, p.df)));
  const how = `Bonferroni over ${n} point${n > 1 ? 's' : ''}, one-sided, family-wise 2.5%, ${dfText(points)}`;
  if (beyond.length) {
    const w = beyond.reduce((a, p) => (over(p) > over(a) ? p : a));
    return { kind: 'violated', label: 'violated', reason: `measured ${f(w.value)} ± ${f(w.se)} (SE) is ${side === 'upper' ? 'above' : 'below'} the bound ${f(w.predicted)} at ${w.where} by ${f(over(w))} SE, more than ${f(bonferroniQuantile(n, w.df))} (${how})` };
  }
  const ratios = points.filter((p) => p.value > 0 && p.predicted > 0).map((p) => (side === 'upper' ? p.predicted / p.value : p.value / p.predicted));
  const R = ratios.length === n ? Math.min(...ratios) : NaN;
  if (R >= LOOSE_FACTOR) return { kind: 'loose', label: `holds, loose ×${f(R)}`, looseness: R, reason: `the bound is ×${f(R)} or more away from every measurement (${how})` };
  return { kind: 'holds', label: 'holds', ...(Number.isFinite(R) ? { looseness: R } : {}), reason: `every measurement is within its bound${Number.isFinite(R) ? ` (tightest ratio ${f(R)})` : ''} (${how})` };
}

/** Equality within a tolerance: |measured − predicted| ≤ tolerance(predicted) + q·SE at every point. */
export function equalityVerdict(points: PointComparison[], tolerance: { absolute?: number; relative?: number } = {}): Verdict {
  const bad = broken(points);
  if (bad) return bad;
  const n = points.length;
  const allowed = (p: PointComparison) => (tolerance.absolute ?? 0) + (tolerance.relative ?? 0) * Math.abs(p.predicted);
  const excess = (p: PointComparison) => Math.abs(p.value - p.predicted) - allowed(p);
  // in SE units (an exact measurement, SE 0, must lie within the tolerance itself)
  const z = (p: PointComparison) => (p.se === 0 ? (excess(p) > 0 ? Infinity : 0) : Math.max(0, excess(p)) / p.se);
  const worst = points.reduce((a, p) => (z(p) > z(a) || (z(p) === z(a) && excess(p) > excess(a)) ? p : a));
  const tol = tolerance.absolute || tolerance.relative ? ` beyond the tolerance ${tolerance.absolute ? f(tolerance.absolute) : ''}${tolerance.absolute && tolerance.relative ? ' + ' : ''}${tolerance.relative ? `${f(tolerance.relative)}·|predicted|` : ''}` : '';
  const how = `Bonferroni over ${n} point${n > 1 ? 's' : ''}, two-sided, family-wise 5%, ${dfText(points)}`;
  const dev = (p: PointComparison) => `${f(p.value - p.predicted)}${p.se > 0 ? ` (${f((p.value - p.predicted) / p.se)} SE)` : ''}`;
  const violated = points.filter((p) => z(p) > bonferroniQuantile(n, p.df));
  if (violated.length) return { kind: 'violated', label: 'violated', reason: `${worst.where}: measured − predicted = ${dev(worst)}${tol}, more than ${f(bonferroniQuantile(n, worst.df))} SE (${how})` };
  return { kind: 'holds', label: 'holds', reason: `every difference within ${f(bonferroniQuantile(n, worst.df))} SE${tol}; largest at ${worst.where}: ${dev(worst)} (${how})` };
}

/** A fitted exponent with its SE and the quantile its CI uses at the 95% level (t with n − 2 df when the scatter was estimated). */
export interface ExponentFit {
  value: number;
  se: number;
  df?: number;
  where: string;
  /** log(largest/smallest parameter value): for the looseness of an inequality. */
  logSpan: number;
}

/**
 * Claimed exponent against fitted ones (one per series of the other parameters), each CI widened
 * to Bonferroni level 1 − 0.05/S over the S series. 'equal': holds iff every CI contains the
 * claim; 'at-most' ('at-least'): violated iff some CI lies above (below) it; "holds, loose ×R"
 * when every CI lies strictly on the allowed side, R = min over series of span^|claimed − fitted|.
 */
export function scalingVerdict(claimed: number, fits: ExponentFit[], relation: 'equal' | 'at-most' | 'at-least'): Verdict {
  if (fits.length === 0) return notApplicable('no series to fit');
  const b = fits.find((x) => !Number.isFinite(x.value) || !Number.isFinite(x.se));
  if (b) return notApplicable(`the exponent could not be fitted at ${b.where} (value ${b.value}, SE ${b.se})`);
  const S = fits.length;
  const q = (x: ExponentFit) => (x.df === undefined ? normalQuantile(1 - 0.025 / S) : tQuantile(1 - 0.025 / S, x.df));
  const ci = (x: ExponentFit) => [x.value - q(x) * x.se, x.value + q(x) * x.se] as const;
  const how = S > 1 ? `CIs at the Bonferroni level 1 − 0.05/${S} over ${S} series` : '95% CI';
  const text = (x: ExponentFit) => `${f(x.value)} (${f(ci(x)[0])} … ${f(ci(x)[1])})${S > 1 ? ` at ${x.where}` : ''}`;
  if (relation === 'equal') {
    const out = fits.find((x) => claimed < ci(x)[0] || claimed > ci(x)[1]);
    if (out) return { kind: 'violated', label: 'violated', reason: `fitted exponent ${text(out)} excludes the claimed ${f(claimed)} (${how})` };
    return { kind: 'holds', label: 'holds', reason: `every fitted exponent's CI contains the claimed ${f(claimed)}: ${fits.map(text).join('; ')} (${how})` };
  }
  const wrongSide = (x: ExponentFit) => (relation === 'at-most' ? ci(x)[0] > claimed : ci(x)[1] < claimed);
  const out = fits.find(wrongSide);
  if (out) return { kind: 'violated', label: 'violated', reason: `fitted exponent ${text(out)} is ${relation === 'at-most' ? 'above' : 'below'} the claimed ${f(claimed)} (${how})` };
  const strictly = fits.every((x) => (relation === 'at-most' ? ci(x)[1] < claimed : ci(x)[0] > claimed));
  if (strictly) {
    const R = Math.min(...fits.map((x) => Math.exp(Math.abs(claimed - x.value) * x.logSpan)));
    if (R >= LOOSE_FACTOR) return { kind: 'loose', label: `holds, loose ×${f(R)}`, looseness: R, reason: `every fitted exponent is strictly ${relation === 'at-most' ? 'below' : 'above'} the claimed ${f(claimed)}: over the grid the claimed shape is off by ×${f(R)} or more (${fits.map(text).join('; ')}; ${how})` };
  }
  return { kind: 'holds', label: 'holds', reason: `fitted ${fits.map(text).join('; ')} consistent with ${relation === 'at-most' ? '≤' : '≥'} ${f(claimed)} (${how})` };
}
