/**
 * `runClaim`: run a claim's experiment over its grid and return the rows, figure and data in the
 * theory report's own format (a CheckResult: `formatTable`, `reportHtml` and `asgd-sdde check
 * --claim` render it like the built-in checks).
 */
import { optionalSignal, throwIfAborted } from '../../core/abort.ts';
import { runEnsemble } from '../../stats/ensemble.ts';
import { logLogFit, tQuantile } from '../../core/stats/fit.ts';
import { Z95 } from '../../stats/welford.ts';
import { runPreparedSweep } from '../../sweep/run.ts';
import type { CheckOptions, CheckResult, CheckRow } from '../check.ts';
import { formatNumber as f, notApplicable, type Verdict } from '../verdict.ts';
import { type Claim, type MeasuredValue, type Params, type PreparedClaim, prepareClaim } from './claim.ts';
import { boundVerdict, equalityVerdict, type ExponentFit, type PointComparison, scalingVerdict } from './verdicts.ts';

/** A measured grid point. */
export interface ClaimPoint {
  params: Params;
  predicted?: number;
  value: number;
  se: number;
  df?: number;
}

/**
 * Options of {@link runClaim}: `threads`, `onProgress` and `signal` as for the theory checks (an abort
 * stops the claim's ensembles or sweep while they compute, or before the next point; a `measure`
 * function finishes first), and a `seed` that overrides the claim's.
 */
export interface RunClaimOptions extends Partial<Pick<CheckOptions, 'threads' | 'onProgress' | 'signal'>> {
  /** Overrides the claim's seed. */
  seed?: number;
}

function toMeasurement(m: MeasuredValue, where: string): { value: number; se: number; df?: number } {
  if (Array.isArray(m)) {
    const n = m.length;
    if (n < 2) throw new Error(`claim: the measurement at ${where} returned ${n} replicate value(s); at least 2 are needed for an SE`);
    const mean = m.reduce((a, v) => a + v, 0) / n;
    const sd = Math.sqrt(m.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
    return { value: mean, se: sd / Math.sqrt(n), df: n - 1 };
  }
  if (!m || typeof m.value !== 'number' || typeof m.se !== 'number') throw new Error(`claim: the measurement at ${where} must return { value, se, df? } or an array of replicate values, got ${JSON.stringify(m)}`);
  return { value: m.value, se: m.se, ...(m.df !== undefined ? { df: m.df } : {}) };
}

const num = (v: number) => (Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : f(v));
const at = (p: Params) => Object.entries(p).map(([k, v]) => `${k} = ${num(v)}`).join(', ');

async function measureAll(pc: PreparedClaim, seed: number, options: RunClaimOptions): Promise<ClaimPoint[]> {
  const e = pc.claim.experiment;
  const out: ClaimPoint[] = [];
  const withPrediction = (params: Params, m: { value: number; se: number; df?: number }): ClaimPoint => ({ params, ...(pc.predict ? { predicted: pc.predict(params) } : {}), ...m });
  if (e.kind === 'sweep') {
    const sw = pc.sweep!;
    const spec = { ...sw, seed };
    options.onProgress?.(`claim: sweep of ${sw.points.length} points`);
    const r = await runPreparedSweep(spec, { ...(options.threads ? { threads: options.threads } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    for (const row of r.rows) {
      const params = pc.points[row.point];
      out.push(withPrediction(params, row.diverged > 0 ? { value: NaN, se: NaN } : { value: row.metric, se: row.se }));
    }
    return out;
  }
  for (let i = 0; i < pc.points.length; i++) {
    const params = pc.points[i];
    throwIfAborted(options.signal);
    options.onProgress?.(`claim: point ${i + 1}/${pc.points.length} (${at(params)})`);
    if (e.kind === 'measure') out.push(withPrediction(params, toMeasurement(await e.measure({ ...params }, { seed, point: i }), at(params))));
    else {
      const result = await runEnsemble(e.source({ ...params }), { paths: e.paths, seed, ...(options.threads ? { threads: options.threads } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      out.push(withPrediction(params, toMeasurement(e.statistic(result, { ...params }), at(params))));
    }
  }
  return out;
}

/** Series along `parameter`: the points grouped by the other parameters (those set together with it excepted). */
function series(points: ClaimPoint[], parameter: string, linked: string[] = [parameter]): { key: string; points: ClaimPoint[] }[] {
  const groups = new Map<string, ClaimPoint[]>();
  for (const p of points) {
    const key = at(Object.fromEntries(Object.entries(p.params).filter(([k]) => k !== parameter && !linked.includes(k)))) || 'all points';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(p);
  }
  return [...groups.entries()].map(([key, ps]) => ({ key, points: ps.sort((a, b) => a.params[parameter] - b.params[parameter]) }));
}

function verdictOf(pc: PreparedClaim, points: ClaimPoint[]): { verdict: Verdict; measured: string; predicted: string; fits?: (ExponentFit & { prefactor: number })[] } {
  const c = pc.claim;
  const cmp: PointComparison[] = points.map((p) => ({ predicted: p.predicted ?? NaN, value: p.value, se: p.se, ...(p.df !== undefined ? { df: p.df } : {}), where: at(p.params) }));
  const predictedText = typeof c.prediction === 'string' ? c.prediction : 'the claim\'s function';
  const range = (xs: number[]) => (xs.length === 1 ? f(xs[0]) : `${f(Math.min(...xs))} … ${f(Math.max(...xs))}`);
  if (c.kind === 'upper-bound' || c.kind === 'lower-bound') {
    const side = c.kind === 'upper-bound' ? 'upper' : 'lower';
    const tight = cmp.reduce((a, p) => ((side === 'upper' ? p.value / p.predicted > a.value / a.predicted : p.predicted / p.value > a.predicted / a.value) ? p : a));
    return {
      verdict: boundVerdict(cmp, side),
      predicted: `${side === 'upper' ? '≤' : '≥'} ${predictedText} (${range(cmp.map((p) => p.predicted))})`,
      measured: `${points.length === 1 ? '' : `closest to the bound at ${tight.where}: `}${f(tight.value)} ± ${f(Z95 * tight.se)} (bound ${f(tight.predicted)})`,
    };
  }
  if (c.kind === 'equal') {
    const worst = cmp.reduce((a, p) => (Math.abs(p.value - p.predicted) / (p.se || 1) > Math.abs(a.value - a.predicted) / (a.se || 1) ? p : a));
    return {
      verdict: equalityVerdict(cmp, c.tolerance),
      predicted: `= ${predictedText} (${range(cmp.map((p) => p.predicted))})${c.tolerance ? ` within ${c.tolerance.absolute ?? 0} + ${c.tolerance.relative ?? 0}·|predicted|` : ''}`,
      measured: `largest deviation ${f(worst.value - worst.predicted)}${worst.se > 0 ? ` (${f((worst.value - worst.predicted) / worst.se)} SE)` : ''} at ${worst.where}`,
    };
  }
  const s = c.scaling!;
  const fits: (ExponentFit & { prefactor: number })[] = [];
  for (const g of series(points, s.parameter, pc.linked[s.parameter])) {
    const xs = g.points.map((p) => p.params[s.parameter]);
    // without standard errors (e.g. a sweep's time-to-eps) the fit is unweighted and its CI comes from the scatter about the line (n − 2 df)
    const noSe = g.points.every((p) => !Number.isFinite(p.se));
    const ok = g.points.every((p) => p.value > 0 && Number.isFinite(p.value) && (noSe || p.se >= 0));
    if (!ok || g.points.length < 3 || (noSe && g.points.length < 4)) {
      fits.push({ value: NaN, se: NaN, where: g.key, logSpan: 0, prefactor: NaN });
      continue;
    }
    const fit = noSe ? logLogFit(xs, g.points.map((p) => p.value)) : logLogFit(xs, g.points.map((p) => p.value), g.points.map((p) => p.se));
    // weightedLineFit estimates the scatter (n − 2 df) when unweighted or χ²_red > 1, else uses the given SEs
    const df = noSe || fit.chi2red > 1 ? fit.n - 2 : undefined;
    fits.push({ value: fit.slope, se: fit.slopeSe, ...(df !== undefined ? { df } : {}), where: g.key, logSpan: Math.log(xs.at(-1)! / xs[0]), prefactor: fit.prefactor });
  }
  const relation = s.relation ?? 'equal';
  const verdict = fits.some((x) => !Number.isFinite(x.value)) ? notApplicable('an exponent could not be fitted: every point needs a positive, finite measurement, and a series at least 3 values of the parameter (4 without standard errors)') : scalingVerdict(s.exponent, fits, relation);
  const q = (x: ExponentFit) => (x.df === undefined ? Z95 : tQuantile(0.975, x.df));
  return {
    verdict,
    fits,
    predicted: `exponent in ${s.parameter} ${relation === 'equal' ? '=' : relation === 'at-most' ? '≤' : '≥'} ${f(s.exponent)}`,
    measured: fits.map((x) => `${f(x.value)} (${f(x.value - q(x) * x.se)} … ${f(x.value + q(x) * x.se)})${fits.length > 1 ? ` at ${x.where}` : ''}`).join('; '),
  };
}

function figureOf(pc: PreparedClaim, points: ClaimPoint[], fits?: (ExponentFit & { prefactor: number })[]) {
  const c = pc.claim;
  const xName = c.kind === 'scaling' ? c.scaling!.parameter : pc.names[0];
  const label = (n: string) => c.labels?.[n] ?? n;
  const groups = series(points, xName, pc.linked[xName]);
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];
  const logX = c.kind === 'scaling' || points.every((p) => p.params[xName] > 0) && Math.max(...points.map((p) => p.params[xName])) / Math.min(...points.map((p) => p.params[xName])) >= 20;
  const logY = c.kind === 'scaling';
  const data: unknown[] = [];
  groups.forEach((g, i) => {
    const color = palette[i % palette.length];
    const name = groups.length > 1 ? g.key : 'measured';
    const hasSe = g.points.some((p) => Number.isFinite(p.se));
    data.push({ type: 'scatter', mode: 'markers', x: g.points.map((p) => p.params[xName]), y: g.points.map((p) => p.value), ...(hasSe ? { error_y: { type: 'data', array: g.points.map((p) => (p.df === undefined ? Z95 : tQuantile(0.975, p.df)) * p.se) } } : {}), name: hasSe ? `${name}, 95% CI` : name, marker: { color, size: 8 } });
    if (pc.predict) data.push({ type: 'scatter', mode: 'lines', x: g.points.map((p) => p.params[xName]), y: g.points.map((p) => p.predicted), name: groups.length > 1 ? `predicted, ${g.key}` : 'predicted', line: { color, dash: 'dash' }, showlegend: i === 0 || groups.length <= 4 });
    const fit = fits?.[i];
    if (fit && Number.isFinite(fit.value)) {
      const xs = g.points.map((p) => p.params[xName]);
      data.push({ type: 'scatter', mode: 'lines', x: xs, y: xs.map((x) => fit.prefactor * x ** fit.value), name: `fitted exponent ${f(fit.value)}${groups.length > 1 ? `, ${g.key}` : ''}`, line: { color, dash: 'dot', width: 1 }, showlegend: groups.length <= 4 });
    }
  });
  // readable log ticks: the grid's own x values, and 1-2-5 steps over the measured range
  const xs = [...new Set(points.map((p) => p.params[xName]))].sort((a, b) => a - b);
  const ys = points.flatMap((p) => [p.value, ...(p.predicted !== undefined ? [p.predicted] : [])]).filter((v) => v > 0 && Number.isFinite(v));
  const niceTicks = (lo: number, hi: number) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)) + 1; e++) for (const m of [1, 2, 5]) out.push(m * 10 ** e);
    const inRange = out.filter((v) => v >= lo / 1.5 && v <= hi * 1.5);
    return inRange.length >= 2 ? inRange.map((v) => +v.toPrecision(3)) : undefined;
  };
  const yTicks = logY && ys.length ? niceTicks(Math.min(...ys), Math.max(...ys)) : undefined;
  const hasSe = points.some((p) => Number.isFinite(p.se));
  return {
    title: `${c.name}: ${c.quantity}`,
    data,
    layout: {
      xaxis: { title: { text: label(xName) }, ...(logX ? { type: 'log' } : {}), ...(logX && xs.length <= 12 ? { tickvals: xs } : {}) },
      yaxis: { title: { text: c.quantity }, ...(logY ? { type: 'log' } : {}), ...(yTicks ? { tickvals: yTicks } : {}) },
      legend: { orientation: 'h', y: -0.25 },
      margin: { t: 50, b: 140 },
    },
    caption: `${c.name}${c.source ? ` (${c.source})` : ''}. Markers: the measured ${c.quantity}${hasSe ? ` with 95% CIs (${points.some((p) => p.df !== undefined) ? 'Student t where the SE comes from replicates' : 'normal'})` : ' (no standard errors: the exponent\'s CI comes from the scatter about the fitted line)'}${pc.predict ? `; dashed: the prediction${typeof c.prediction === 'string' ? ` ${c.prediction}` : ''}` : ''}${fits ? '; dotted: the fitted power law' : ''}. Grid: ${pc.names.map((n) => `${n} ∈ {${[...new Set(points.map((p) => p.params[n]))].map(num).join(', ')}}`).join('; ')}; seed ${pc.seed}.`,
    width: 1000,
    height: 560,
  };
}

/**
 * Runs a claim and returns one report row (verdict with the multiple-comparison correction in its
 * reason), a figure, notes and the per-point data. Errors in the claim are ConfigErrors thrown
 * before any work (see prepareClaim). Example:
 * `const result = await runClaim(claim); console.log(formatTable([result]))`.
 */
export async function runClaim(claim: Claim | unknown, options: RunClaimOptions = {}): Promise<CheckResult> {
  const started = performance.now();
  const pc = prepareClaim(claim);
  const signal = optionalSignal(options.signal, 'options.signal');
  throwIfAborted(signal);
  // a sweep keeps its own seed unless the claim or the caller sets one
  const seed = options.seed ?? (pc.sweep && (claim as Claim).seed === undefined ? pc.sweep.seed : pc.seed);
  const points = await measureAll({ ...pc, seed }, seed, options);
  throwIfAborted(signal); // no result after an abort
  const c = pc.claim;
  const v = verdictOf(pc, points);
  const row: CheckRow = { theorem: c.name, quantity: `${c.quantity} (${pc.names.map((n) => `${n} ∈ {${[...new Set(points.map((p) => p.params[n]))].map(num).join(', ')}}`).join('; ')})`, predicted: v.predicted, measured: v.measured, verdict: v.verdict };
  const slug = c.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'claim';
  const notes = [`Claim "${c.name}"${c.source ? ` from ${c.source}` : ''}: kind ${c.kind}, experiment ${c.experiment.kind} over ${points.length} grid point(s), seed ${seed}. ${v.verdict.reason}.`];
  return {
    name: `claim-${slug}`,
    title: `Claim: ${c.name}`,
    rows: [row],
    figures: [{ file: `claim-${slug}`, figure: figureOf({ ...pc, seed }, points, v.fits) }],
    notes,
    data: { kind: c.kind, seed, names: pc.names, constants: c.constants ?? {}, points, ...(v.fits ? { fits: v.fits.map(({ prefactor: _p, ...x }) => x) } : {}) },
    seconds: (performance.now() - started) / 1000,
  };
}
