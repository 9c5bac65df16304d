/**
 * Verdicts: a theorem's prediction against a measurement with its 95% confidence interval.
 * A verdict is computed from the numbers; nothing here can return `holds` for data that
 * contradict the prediction.
 *
 *  - holds              the measurement is within the prediction (or consistent with it);
 *  - holds, loose ×R    an upper bound holds and exceeds the measurement by at least R ≥ 2
 *                       everywhere it was evaluated;
 *  - violated           the measurement contradicts the prediction beyond its 95% CI;
 *  - not applicable     the theorem's assumptions do not hold for this configuration, or the
 *                       measurement could not be made (non-finite, diverged paths); said why;
 *  - measured           a quantity the issue asks to report, with no prediction to test.
 * Non-finite inputs never produce "holds".
 */
import { normalQuantile } from '../core/math/normal-quantile.ts';
import { Z95 } from '../stats/welford.ts';

/**
 * The kinds of {@link Verdict}: 'holds', 'loose' (an upper bound that holds with room ×R ≥ 2),
 * 'violated' (beyond the 95% CI), 'not-applicable' (assumptions fail or no measurement) and 'reported'
 * (no prediction to test).
 */
export type VerdictKind = 'holds' | 'loose' | 'violated' | 'not-applicable' | 'reported';

/**
 * A theorem's prediction judged against a measurement with its 95% CI; never 'holds' for non-finite data.
 */
export interface Verdict {
  kind: VerdictKind;
  /** "holds", "holds, loose ×3.1", "violated", "not applicable". */
  label: string;
  looseness?: number;
  /** One sentence: why this verdict. */
  reason: string;
}

/** A measured value with its standard error and 95% interval [lo, hi] (value ± 1.96·se). */
export interface Measurement {
  value: number;
  se: number;
  lo: number;
  hi: number;
}

export function measurement(value: number, se: number): Measurement {
  return { value, se, lo: value - Z95 * se, hi: value + Z95 * se };
}

export const LOOSE_FACTOR = 2;

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(3));

/**
 * An upper bound B_i ≥ E[Y_i] checked at several points. Violated if some measurement's CI lies
 * entirely above its bound; otherwise holds, and loose ×R with R = min_i B_i / mean_i when R ≥ 2.
 */
export function upperBoundVerdict(points: { bound: number; m: Measurement; where?: string }[]): Verdict {
  if (points.length === 0) return { kind: 'not-applicable', label: 'not applicable', reason: 'no points to evaluate' };
  const broken = points.find((p) => !Number.isFinite(p.m.value) || !Number.isFinite(p.m.se) || Number.isNaN(p.bound));
  if (broken) return notApplicable(`a measurement or bound is not finite${broken.where ? ` at ${broken.where}` : ''} (value ${broken.m.value}, SE ${broken.m.se}, bound ${broken.bound})`);
  // Bonferroni over the points: one-sided, family-wise 2.5%. The bound is violated where the
  // measurement exceeds it by more than z*·SE, z* = Φ⁻¹(1 − 0.025/n).
  const zStar = normalQuantile(1 - 0.025 / points.length);
  const bad = points.filter((p) => p.m.value - zStar * p.m.se > p.bound);
  if (bad.length) {
    const w = bad.reduce((a, p) => (p.m.lo / p.bound > a.m.lo / a.bound ? p : a));
    return { kind: 'violated', label: 'violated', reason: `measured ${fmt(w.m.value)} (95% CI ${fmt(w.m.lo)}–${fmt(w.m.hi)}) exceeds the bound ${fmt(w.bound)}${w.where ? ` at ${w.where}` : ''} by more than ${fmt(zStar)} SE (Bonferroni over ${points.length} points)` };
  }
  const ratios = points.filter((p) => p.m.value > 0).map((p) => p.bound / p.m.value);
  const R = ratios.length ? Math.min(...ratios) : Infinity;
  if (R >= LOOSE_FACTOR) return { kind: 'loose', label: `holds, loose ×${fmt(R)}`, looseness: R, reason: `the bound exceeds every measurement by at least ×${fmt(R)}` };
  return { kind: 'holds', label: 'holds', looseness: R, reason: `every measurement is within its bound (tightest ratio bound/measured ${fmt(R)})` };
}

/**
 * An exponent or rate prediction p against a fitted value with CI.
 *  - 'equal':    holds iff p lies in the CI;
 *  - 'at-most':  the measured value must not exceed p: violated iff the CI lies above p;
 *                a CI entirely below p is "holds, loose" with R = span^(p − value) if `logSpan`
 *                (the log of the ratio of the largest to smallest ladder value) is given.
 *  - 'at-least': mirror image.
 */
export function exponentVerdict(predicted: number, fit: { value: number; lo: number; hi: number }, relation: 'equal' | 'at-most' | 'at-least', logSpan?: number): Verdict {
  if (![predicted, fit.value, fit.lo, fit.hi].every(Number.isFinite)) return notApplicable(`the fit or the prediction is not finite (value ${fit.value}, CI ${fit.lo} … ${fit.hi}, predicted ${predicted})`);
  const ci = `${fmt(fit.value)} (95% CI ${fmt(fit.lo)} … ${fmt(fit.hi)})`;
  if (relation === 'equal') {
    if (fit.lo <= predicted && predicted <= fit.hi) return { kind: 'holds', label: 'holds', reason: `measured ${ci} contains the predicted ${fmt(predicted)}` };
    return { kind: 'violated', label: 'violated', reason: `measured ${ci} excludes the predicted ${fmt(predicted)}` };
  }
  const above = relation === 'at-most' ? fit.lo > predicted : fit.hi < predicted;
  if (above) return { kind: 'violated', label: 'violated', reason: `measured ${ci} is ${relation === 'at-most' ? 'above' : 'below'} the predicted ${fmt(predicted)}` };
  const strictly = relation === 'at-most' ? fit.hi < predicted : fit.lo > predicted;
  if (strictly && logSpan !== undefined && logSpan > 0) {
    // R = span^|p − value|, formed in logs: beyond the double range it is reported as e^{log R}
    const logR = Math.abs(predicted - fit.value) * logSpan;
    const R = Math.exp(logR);
    const text = Number.isFinite(R) ? fmt(R) : `e^${logR.toFixed(1)} (beyond double range)`;
    if (logR >= Math.log(LOOSE_FACTOR)) return { kind: 'loose', label: `holds, loose ×${text}`, ...(Number.isFinite(R) ? { looseness: R } : {}), reason: `measured ${ci} is ${relation === 'at-most' ? 'below' : 'above'} the predicted ${fmt(predicted)}: over the ladder the bound's shape overestimates by ×${text}` };
  }
  return { kind: 'holds', label: 'holds', reason: `measured ${ci} is consistent with ${relation === 'at-most' ? '≤' : '≥'} ${fmt(predicted)}` };
}

export function notApplicable(reason: string): Verdict {
  return { kind: 'not-applicable', label: 'not applicable', reason };
}

/** A measurement reported without a prediction to test. */
export function reported(reason: string): Verdict {
  return { kind: 'reported', label: 'measured', reason };
}

export { fmt as formatNumber };
