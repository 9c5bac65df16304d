/**
 * Fitting staleness models to an observed staleness sample by minimizing the Bhattacharyya
 * distance D_B(p, q) = −ln Σ_i √(p_i q_i) (MindTheStep Section VI): geometric, bounded uniform,
 * Poisson and Conway–Maxwell–Poisson (a 1-D search over ν with λ^{1/ν} = m, MindTheStep Eq. 13),
 * and the empirical distribution itself. All pmfs are truncated at the largest observed lag (the
 * fit compares shapes on the support that was observed) and renormalized.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { delayModel, MAX_LAG_LIMIT } from './models.ts';

/**
 * The Bhattacharyya distance D_B(p, q) = −ln Σᵢ √(pᵢ qᵢ) between two pmfs on {0, 1, …} (missing entries
 * are 0); Infinity when their supports do not overlap (MindTheStep Section VI).
 *
 * @example
 * ```ts
 * import { bhattacharyyaDistance } from 'asgd-sdde';
 *
 * console.log(bhattacharyyaDistance([0.5, 0.5], [0.5, 0.5]), bhattacharyyaDistance([1, 0], [0, 1])); // −log 1, −log 0
 * //> -0 Infinity
 * ```
 */
export function bhattacharyyaDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const n = Math.max(p.length, q.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.sqrt((p[i] ?? 0) * (q[i] ?? 0));
  return s > 0 ? -Math.log(Math.min(s, 1)) : Infinity;
}

/** The empirical pmf of a staleness sample on {0..max}. */
export function empiricalPmf(sample: ArrayLike<number>): Float64Array {
  if (typeof sample !== 'object' || sample === null || typeof sample.length !== 'number') throw new ConfigError('staleness', `must be an array of observed staleness values, got ${describe(sample)}`);
  if (sample.length === 0) throw new ConfigError('staleness', 'the sample is empty');
  let max = 0;
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ConfigError(`staleness[${i}]`, `must be a non-negative integer, got ${describe(v)}`);
    if (v > MAX_LAG_LIMIT) throw new ConfigError(`staleness[${i}]`, `is ${v}, beyond the largest lag ${MAX_LAG_LIMIT}`);
    if (v > max) max = v;
  }
  const pmf = new Float64Array(max + 1);
  for (let i = 0; i < sample.length; i++) pmf[sample[i]]++;
  for (let k = 0; k <= max; k++) pmf[k] /= sample.length; // counts, then one division (exact frequencies)
  return pmf;
}

/** Golden-section minimization of a unimodal f on [lo, hi]. */
export function minimize1d(f: (x: number) => number, lo: number, hi: number, tol = 1e-9): { x: number; value: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tol * (1 + Math.abs(a) + Math.abs(b))) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  const x = (a + b) / 2;
  return { x, value: f(x) };
}

/**
 * Global-then-local minimization of f on [lo, hi]: a grid of n points locates the best cell (the
 * Bhattacharyya distance of a one-parameter family need not be unimodal over a wide range, and is
 * flat where the model puts no mass on the observed support), then golden section refines it.
 */
export function minimizeScan(f: (x: number) => number, lo: number, hi: number, n = 64): { x: number; value: number } {
  let best = 0;
  let bestV = Infinity;
  const xs = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
  xs.forEach((x, i) => {
    const v = f(x);
    if (v < bestV) {
      bestV = v;
      best = i;
    }
  });
  const r = minimize1d(f, xs[Math.max(0, best - 1)], xs[Math.min(n - 1, best + 1)]);
  return r.value <= bestV ? r : { x: xs[best], value: bestV };
}

/**
 * One fitted staleness model ({@link fitStalenessModels}): its parameters, the Bhattacharyya distance
 * to the observed pmf, and its pmf truncated at the largest observed lag.
 */
export interface ModelFit {
  model: 'geometric' | 'uniform' | 'poisson' | 'cmp' | 'empirical';
  params: Record<string, number>;
  distance: number;
  pmf: Float64Array;
}

/** A model fit as reports keep it: the model, its fitted parameters and its Bhattacharyya distance (no pmf). */
export interface ModelFitSummary {
  model: ModelFit['model'];
  params: Record<string, number>;
  distance: number;
}

/**
 * The four model fits of `fitStalenessModels` without the empirical pmf, as the reports (CLI JSON,
 * theory report) keep them: model, parameters, distance, in the order fitted.
 *
 * @remarks Example (an internal helper, not in the package API): `fitSummaries(fitStalenessModels(sample, 8)).map((f) => f.model) // ['geometric', 'uniform', 'poisson', 'cmp']`
 */
export function fitSummaries(fits: readonly ModelFit[]): ModelFitSummary[] {
  return fits.filter((x) => x.model !== 'empirical').map((x) => ({ model: x.model, params: x.params, distance: x.distance }));
}

/** The model fit (not the empirical pmf) closest to the sample in Bhattacharyya distance; the first fitted on a tie. */
export function bestFit(fits: readonly ModelFit[]): ModelFit {
  return fits.filter((x) => x.model !== 'empirical').sort((a, b) => a.distance - b.distance)[0];
}

/**
 * Fit every model to a staleness sample. `workers` m fixes the CMP line search λ = m^ν (Eq. 13:
 * the mode ⌊λ^{1/ν}⌋ = m).
 */
export function fitStalenessModels(sample: ArrayLike<number>, workers: number): ModelFit[] {
  const emp = empiricalPmf(sample);
  const maxLag = emp.length - 1;
  const D = (q: Float64Array) => bhattacharyyaDistance(emp, q);
  const geometric = (p: number) => delayModel({ kind: 'geometric', p, maxLag }).pmf;
  const poisson = (lambda: number) => delayModel({ kind: 'poisson', lambda, maxLag }).pmf;
  const cmp = (nu: number) => delayModel({ kind: 'cmp', lambda: workers ** nu, nu, maxLag }).pmf;
  const g = minimizeScan((p) => D(geometric(p)), 1e-6, 1 - 1e-6);
  // λ and ν on log scales: the distance is smooth in log λ, log ν
  const lp = minimizeScan((ll) => D(poisson(Math.exp(ll))), Math.log(1e-3), Math.log(Math.max(10, 3 * maxLag)));
  const po = { x: Math.exp(lp.x), value: lp.value };
  const c = minimizeScan((lnu) => D(cmp(Math.exp(lnu))), Math.log(0.02), Math.log(20));
  let bestU = { max: 0, distance: Infinity };
  for (let u = 0; u <= maxLag; u++) {
    const dist = D(delayModel({ kind: 'uniform', maxLag: Math.min(u, maxLag) }).pmf);
    if (dist < bestU.distance) bestU = { max: u, distance: dist };
  }
  const nu = Math.exp(c.x);
  return [
    { model: 'geometric', params: { p: g.x }, distance: g.value, pmf: geometric(g.x) },
    { model: 'uniform', params: { max: bestU.max }, distance: bestU.distance, pmf: delayModel({ kind: 'uniform', maxLag: Math.min(bestU.max, maxLag) }).pmf },
    { model: 'poisson', params: { lambda: po.x }, distance: po.value, pmf: poisson(po.x) },
    { model: 'cmp', params: { lambda: workers ** nu, nu }, distance: c.value, pmf: cmp(nu) },
    { model: 'empirical', params: {}, distance: 0, pmf: emp },
  ];
}
