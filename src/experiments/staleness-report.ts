/**
 * Text and figures for staleness simulations: the histogram as bars, the fitted models as a
 * table (a Table I analog when several worker counts are given), and a plotly figure with the
 * observed pmfs (with replicate CIs) against the fits and the Bhattacharyya distances against m (Fig. 2 analog).
 */
import type { ComputeTimeSpec } from '../asgd/parameter-server.ts';
import { bestFit } from '../delay/fit.ts';
import type { FigureSpec } from '../plot/html.ts';
import { tQuantile } from '../core/stats/fit.ts';
import { PALETTE } from '../plot/axes.ts';
import type { StalenessSimulation } from './staleness.ts';
import type { ThreadedStaleness } from './threaded-staleness.ts';

const MODELS = ['geometric', 'uniform', 'poisson', 'cmp'] as const;

const g = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toPrecision(3));

function paramsText(model: string, p: Record<string, number>): string {
  switch (model) {
    case 'geometric':
      return `p = ${g(p.p)}`;
    case 'uniform':
      return `τ̂ = ${p.max}`;
    case 'poisson':
      return `λ = ${g(p.lambda)}`;
    case 'cmp':
      return `λ = ${g(p.lambda)}, ν = ${g(p.nu)}`;
    default:
      return '';
  }
}

/**
 * The staleness histogram of a simulation as text bars (`width` characters at the mode; default 50),
 * with the mean and its 95% CI.
 */
export function stalenessHistogramText(sim: StalenessSimulation, width = 50): string {
  const h = sim.histogram;
  const max = Math.max(...h);
  const R = sim.replicateMeans.length;
  const ci = R > 1 ? ` ± ${g(tQuantile(0.975, R - 1) * sim.meanSe)} (95%, across ${R} independent runs)` : ' (one run: no standard error)';
  const lines = [`staleness of ${sim.staleness.length} applied gradients, m = ${sim.spec.workers}: mean ${g(sim.mean)}${ci}`];
  for (let t = 0; t < h.length; t++) {
    if (h[t] === 0 && (t === 0 || h[t - 1] === 0) && t < h.length - 1 && h[t + 1] === 0) continue;
    lines.push(`${String(t).padStart(4)} ${'█'.repeat(Math.round((h[t] / max) * width)).padEnd(width)} ${g(h[t])}`);
  }
  return lines.join('\n') + '\n';
}

/** The Table I analog; `labels` name the rows (default: m). */
export function stalenessTableText(sims: StalenessSimulation[], labels?: string[]): string {
  const head = ['m', 'mean τ', 'P[τ=0]', ...MODELS.map((m) => `${m} (params; D_B)`)];
  const rows = sims.map((s, i) => [
    labels?.[i] ?? String(s.spec.workers),
    g(s.mean),
    g(s.histogram[0] ?? 0),
    ...MODELS.map((m) => {
      const f = s.fits.find((x) => x.model === m)!;
      return `${paramsText(m, f.params)}; ${g(f.distance)}`;
    }),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => c.padEnd(widths[j])).join('  ');
  return ['', line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line), 'D_B: Bhattacharyya distance to the observed pmf (smaller is better); CMP fitted with λ = m^ν (MindTheStep Eq. 13).', ''].join('\n');
}

const MODEL_WORDS: Record<string, string> = { geometric: 'geometric fit', uniform: 'uniform fit', poisson: 'Poisson fit', cmp: 'CMP fit (λ = m^ν)' };
const MODEL_STYLE: Record<string, { color: string; dash: string }> = {
  geometric: { color: PALETTE[4], dash: 'dot' },
  uniform: { color: PALETTE[3], dash: 'dashdot' },
  poisson: { color: PALETTE[2], dash: 'dash' },
  cmp: { color: PALETTE[1], dash: 'solid' },
};
const COLORS: Record<string, string> = Object.fromEntries(Object.entries(MODEL_STYLE).map(([m, st]) => [m, st.color]));

/**
 * P[τ = k] with a 95% CI per k from the spread of the replicate runs' own frequencies (Student t,
 * R − 1 df): the runs are independent, the staleness within a run is not, so a binomial interval
 * on the pooled count would be too narrow. With one run the half-widths are NaN.
 */
export function stalenessPmfCi(sim: StalenessSimulation): { pmf: number[]; halfWidth: number[] } {
  const K = sim.histogram.length;
  const R = sim.warmups.length;
  const kept = Array.from(sim.warmups, (w) => sim.spec.updates - w);
  const total = kept.reduce((a, b) => a + b, 0);
  const perUpdate = total > 0 ? sim.staleness.length / total : NaN;
  if (R < 2 || !Number.isInteger(perUpdate)) return { pmf: Array.from(sim.histogram), halfWidth: new Array<number>(K).fill(NaN) };
  const freq = Array.from({ length: R }, () => new Float64Array(K));
  let off = 0;
  kept.forEach((n, r) => {
    const len = n * perUpdate;
    for (let i = off; i < off + len; i++) freq[r][sim.staleness[i]] += 1 / len;
    off += len;
  });
  const t = tQuantile(0.975, R - 1);
  const halfWidth = Array.from({ length: K }, (_, k) => {
    let mean = 0;
    for (const f of freq) mean += f[k] / R;
    let ss = 0;
    for (const f of freq) ss += (f[k] - mean) ** 2;
    return t * Math.sqrt(ss / (R - 1) / R);
  });
  return { pmf: Array.from(sim.histogram), halfWidth };
}

/**
 * Small multiples: one histogram panel per worker count (every m given), each bar with its 95% CI
 * across the independent runs and the four fitted models drawn over it, and, with several m, a
 * last panel of the fits' Bhattacharyya distances against m (MindTheStep Fig. 2 analog).
 */
export function stalenessFigure(sims: StalenessSimulation[], settings: Record<string, unknown>, caption?: string): FigureSpec {
  const panels = sims.length + (sims.length > 1 ? 1 : 0);
  const columns = Math.min(4, Math.ceil(Math.sqrt(panels)));
  const gridRows = Math.ceil(panels / columns);
  const data: unknown[] = [];
  const layout: Record<string, unknown> = {
    grid: { rows: gridRows, columns, pattern: 'independent', roworder: 'top to bottom', xgap: 0.18, ygap: 0.3 },
    legend: { orientation: 'h', x: 0, y: -0.3 / gridRows, yanchor: 'top', font: { size: 12 } },
    margin: { t: 40, b: 90 },
  };
  const R = sims[0]?.warmups.length ?? 0;
  sims.forEach((s, i) => {
    const ax = i === 0 ? '' : String(i + 1);
    const x = Array.from(s.histogram, (_, k) => k);
    const { pmf, halfWidth } = stalenessPmfCi(s);
    const bars = halfWidth.every(Number.isNaN) ? {} : { error_y: { type: 'data', array: halfWidth.map((h) => (Number.isFinite(h) ? h : 0)), thickness: 1, width: 2, color: '#444444' } };
    data.push({ type: 'bar', x, y: pmf, name: R > 1 ? `observed, 95% CI across ${R} runs` : 'observed (one run: no CI)', marker: { color: '#c8c8c8' }, ...bars, showlegend: i === 0, legendgroup: 'observed', xaxis: `x${ax}`, yaxis: `y${ax}` });
    for (const m of MODELS) data.push({ type: 'scatter', mode: 'lines', x, y: Array.from(s.fits.find((f) => f.model === m)!.pmf), name: MODEL_WORDS[m], legendgroup: m, line: { ...MODEL_STYLE[m], width: 2 }, showlegend: i === 0, xaxis: `x${ax}`, yaxis: `y${ax}` });
    layout[`xaxis${ax}`] = { title: { text: `staleness τ (updates), m = ${s.spec.workers}` } };
    layout[`yaxis${ax}`] = { title: { text: i % columns === 0 ? 'probability P[τ]' : '' }, rangemode: 'tozero' };
  });
  if (sims.length > 1) {
    const ax = String(panels);
    const ms = sims.map((s) => s.spec.workers);
    for (const m of MODELS) data.push({ type: 'scatter', mode: 'lines+markers', x: ms, y: sims.map((s) => s.fits.find((f) => f.model === m)!.distance), name: MODEL_WORDS[m], legendgroup: m, line: { ...MODEL_STYLE[m], width: 2 }, marker: { color: MODEL_STYLE[m].color, size: 6 }, showlegend: false, xaxis: `x${ax}`, yaxis: `y${ax}` });
    layout[`xaxis${ax}`] = { title: { text: 'workers m' } };
    layout[`yaxis${ax}`] = { title: { text: 'Bhattacharyya distance' }, type: 'log' };
  }
  const ct = settings.computeTime as Record<string, unknown>;
  const text = caption ?? `Simulated parameter server (${settings.mode}, local accumulation ${settings.localAccumulation}, global ${settings.globalAccumulation}, pull every ${settings.pullEvery}), compute times ${JSON.stringify(ct)}, ${settings.updates} updates per run, ${settings.replicates ?? 10} independent runs per m (each started just after a typical update of the stationary regime: no warm-up), seed ${settings.seed}. Models fitted by minimizing the Bhattacharyya distance on the observed support (pmfs truncated at the largest observed τ and renormalized); CMP with λ = m^ν (MindTheStep Eq. 13).`;
  const ciNote = R > 1 ? ` Bars: the pooled pmf, each with its 95% CI from the spread of the ${R} runs' own frequencies (Student t, ${R - 1} df).` : '';
  const rowHeight = 300;
  return { title: 'Staleness of a simulated parameter server and fitted models', data, layout, caption: text + ciNote, width: Math.max(700, 330 * columns), height: 130 + rowHeight * gridRows };
}

/** Measured (real threads) against simulated (fitted compute-time law) staleness, one block per m. */
export function threadedStalenessText(results: ThreadedStaleness[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const m = r.measured.spec.workers;
    const R = r.runs.length;
    const ci = (se: number, df: number) => (df >= 1 && Number.isFinite(se) ? ` ± ${g(tQuantile(0.975, df) * se)}` : '');
    const c = r.computeTime;
    lines.push(
      `m = ${m} (${r.read} reads, ${R} run${R > 1 ? 's' : ''} on ${r.cores} cores): measured mean τ ${g(r.measured.mean)}${ci(r.measured.meanSe, R - 1)}, P[τ=0] ${g(r.measured.pZero)}${ci(r.measured.pZeroSe, R - 1)}, same worker twice in a row ${g(r.sameWorkerRate.measured)}; ` +
        `simulated at the fitted law ${lawText(c.law)}: mean ${g(r.simulated.mean)}, P[τ=0] ${g(r.simulated.pZero)}, same worker ${g(r.sameWorkerRate.simulated)}; D_B(measured, simulated) ${g(r.distance)}.`,
      `    compute time per gradient: mean ${g(c.meanSeconds * 1e6)} µs, median ${g(c.quantilesSeconds.p50 * 1e6)} µs, 99% ${g(c.quantilesSeconds.p99 * 1e6)} µs; of m × run time: ${g(100 * r.computeShare)}% computing, ${g(100 * r.lockWaitShare)}% waiting for the server lock; ${g(r.updatesPerSecond)} updates/s`,
    );
  }
  const sims = results.flatMap((r) => [r.measured, r.simulated]);
  const labels = results.flatMap((r) => [`${r.measured.spec.workers} threads`, `${r.measured.spec.workers} simulated`]);
  return lines.join('\n') + '\n' + stalenessTableText(sims, labels);
}

/** A compute-time law as short text (e.g. "exponential, mean 1"). */
export function lawText(law: ComputeTimeSpec): string {
  switch (law.kind) {
    case 'constant':
    case 'exponential':
      return `${law.kind}(mean ${g(law.mean)})`;
    case 'normal':
    case 'lognormal':
      return `${law.kind}(mean ${g(law.mean)}, sd ${g(law.sd)})`;
    case 'slow-workers':
      return `slow-workers(mean ${g(law.mean)}, ${g(law.slowFraction)} × ${g(law.slowdown)})`;
  }
}

/**
 * Measured against simulated staleness: pmfs for every worker count (bars: measured, with 95% CIs
 * across the runs; black: the simulated server at the fitted compute-time law; colour and dash: the
 * best of the four model fits to the measured pmf), then mean τ, P[τ = 0] and the model distances
 * against m. Two legends of at most 7 entries: one for the pmf panels (with the four models, whose
 * colour and dash also mark their distances), one for the summary row.
 */
export function threadedStalenessFigure(results: ThreadedStaleness[], caption: string): FigureSpec {
  // every worker count gets its pmf panel (rows of three), the three summary panels a row of their own
  const histRows = Math.ceil(results.length / 3);
  const gridRows = histRows + 1;
  const s0 = histRows * 3; // the summary panels are axes s0 + 1 … s0 + 3
  const data: unknown[] = [];
  const height = 190 + 330 * gridRows;
  // legends below the grid, in pixels converted to paper units: the pmf panels' first, the summary row's under it
  const below = (px: number) => -px / (height - 150);
  const legend = { orientation: 'h', x: 0, xanchor: 'left', yanchor: 'top', font: { size: 12 } };
  const layout: Record<string, unknown> = {
    grid: { rows: gridRows, columns: 3, pattern: 'independent', roworder: 'top to bottom', xgap: 0.15, ygap: 0.35 },
    legend: { ...legend, y: below(70), title: { text: 'pmf panels (top): ', side: 'left' } },
    legend2: { ...legend, y: below(125), title: { text: 'bottom row: ', side: 'left' } },
    margin: { t: 40, b: 190 },
  };
  const runs = results[0]?.runs.length ?? 0;
  results.forEach((r, i) => {
    const ax = i === 0 ? '' : String(i + 1);
    const m = r.measured.spec.workers;
    const shown = Math.min(r.measured.histogram.length, Math.max(4 * m, 12));
    const x = Array.from({ length: shown }, (_, k) => k);
    const best = bestFit(r.measured.fits);
    // a log axis from a decade below the smallest observed frequency: model tails far below it are cut
    let floor = 1;
    for (const v of r.measured.histogram) if (v > 0) floor = Math.min(floor, v);
    for (const v of r.simulated.histogram) if (v > 0) floor = Math.min(floor, v);
    floor /= 10;
    const clip = (v: number | undefined) => (v !== undefined && v >= floor ? v : null);
    const { halfWidth } = stalenessPmfCi(r.measured);
    const withCi = halfWidth.some(Number.isFinite);
    const bars = withCi ? { error_y: { type: 'data', array: x.map((k) => (Number.isFinite(halfWidth[k]) ? halfWidth[k] : 0)), thickness: 1, width: 2, color: '#444444' } } : {};
    data.push({ type: 'bar', x, y: x.map((k) => clip(r.measured.histogram[k])), ...bars, name: withCi ? `measured on real threads, 95% CI across ${runs} runs` : 'measured on real threads (one run: no CI)', marker: { color: '#bbbbbb' }, legendgroup: 'measured', showlegend: i === 0, xaxis: `x${ax}`, yaxis: `y${ax}` });
    data.push({ type: 'scatter', mode: 'lines', x, y: x.map((k) => clip(r.simulated.histogram[k])), name: 'simulated server, fitted compute-time law', line: { color: '#000000' }, legendgroup: 'simulated', showlegend: i === 0, xaxis: `x${ax}`, yaxis: `y${ax}` });
    data.push({ type: 'scatter', mode: 'lines', x, y: x.map((k) => clip(best.pmf[k])), name: MODEL_WORDS[best.model], legendgroup: best.model, showlegend: false, line: { ...MODEL_STYLE[best.model], width: 2 }, xaxis: `x${ax}`, yaxis: `y${ax}` });
    const tail = r.measured.histogram.length > shown ? `; τ up to ${r.measured.histogram.length - 1} observed` : '';
    layout[`xaxis${ax}`] = { title: { text: `staleness τ (updates), m = ${m}${tail}` } };
    layout[`yaxis${ax}`] = { title: { text: i % 3 === 0 ? 'probability P[τ] (log)' : '' }, type: 'log', range: [Math.log10(floor), 0.05] };
  });
  const ms = results.map((r) => r.measured.spec.workers);
  const t = (r: ThreadedStaleness) => (r.runs.length > 1 ? tQuantile(0.975, r.runs.length - 1) : NaN);
  const summary = { legend: 'legend2' };
  data.push({ type: 'scatter', mode: 'markers+lines', x: ms, y: results.map((r) => r.measured.mean), error_y: { type: 'data', array: results.map((r) => t(r) * r.measured.meanSe) }, name: 'mean τ, measured (95% CI across runs)', line: { color: PALETTE[0], dash: 'solid' }, marker: { color: PALETTE[0] }, ...summary, xaxis: `x${s0 + 1}`, yaxis: `y${s0 + 1}` });
  data.push({ type: 'scatter', mode: 'markers+lines', x: ms, y: results.map((r) => r.simulated.mean), name: 'mean τ, simulated', line: { color: PALETTE[0], dash: 'dot' }, marker: { color: PALETTE[0], symbol: 'circle-open' }, ...summary, xaxis: `x${s0 + 1}`, yaxis: `y${s0 + 1}` });
  data.push({ type: 'scatter', mode: 'lines', x: ms, y: ms.map((m) => m - 1), name: 'm − 1', line: { color: '#999999', dash: 'dash' }, ...summary, xaxis: `x${s0 + 1}`, yaxis: `y${s0 + 1}` });
  layout[`xaxis${s0 + 1}`] = { title: { text: 'workers m' }, type: 'log' };
  layout[`yaxis${s0 + 1}`] = { title: { text: 'mean staleness τ (updates)' } };
  data.push({ type: 'scatter', mode: 'markers+lines', x: ms, y: results.map((r) => r.measured.pZero), error_y: { type: 'data', array: results.map((r) => t(r) * r.measured.pZeroSe) }, name: 'P[τ = 0], measured (95% CI)', line: { color: PALETTE[1], dash: 'solid' }, marker: { color: PALETTE[1] }, ...summary, xaxis: `x${s0 + 2}`, yaxis: `y${s0 + 2}` });
  data.push({ type: 'scatter', mode: 'markers+lines', x: ms, y: results.map((r) => r.simulated.pZero), name: 'P[τ = 0], simulated', line: { color: PALETTE[1], dash: 'dot' }, marker: { color: PALETTE[1], symbol: 'circle-open' }, ...summary, xaxis: `x${s0 + 2}`, yaxis: `y${s0 + 2}` });
  data.push({ type: 'scatter', mode: 'markers+lines', x: ms, y: results.map((r) => r.sameWorkerRate.measured), name: 'same worker twice in a row, measured', line: { color: PALETTE[3], dash: 'dashdot' }, marker: { color: PALETTE[3], symbol: 'square' }, ...summary, xaxis: `x${s0 + 2}`, yaxis: `y${s0 + 2}` });
  layout[`xaxis${s0 + 2}`] = { title: { text: 'workers m' }, type: 'log' };
  layout[`yaxis${s0 + 2}`] = { title: { text: 'share of updates' }, range: [0, 1.05] };
  // the four models' distances carry the pmf legend's model entries (same colour and dash as the best fits above)
  for (const model of MODELS) data.push({ type: 'scatter', mode: 'markers+lines', x: ms, y: results.map((r) => r.measured.fits.find((f) => f.model === model)!.distance), name: MODEL_WORDS[model], legendgroup: model, line: { ...MODEL_STYLE[model], width: 2 }, marker: { color: MODEL_STYLE[model].color }, xaxis: `x${s0 + 3}`, yaxis: `y${s0 + 3}` });
  data.push({ type: 'scatter', mode: 'markers+lines', x: ms, y: results.map((r) => r.distance), name: 'D_B(measured, simulated)', line: { color: '#000000', dash: 'dot' }, marker: { color: '#000000' }, ...summary, xaxis: `x${s0 + 3}`, yaxis: `y${s0 + 3}` });
  layout[`xaxis${s0 + 3}`] = { title: { text: 'workers m' }, type: 'log' };
  layout[`yaxis${s0 + 3}`] = { title: { text: 'Bhattacharyya distance' }, type: 'log' };
  const ciNote = runs > 1 ? ` Bars and markers carry 95% CIs from the spread of the ${runs} independent runs (Student t, ${runs - 1} df).` : '';
  const key = ` Top rows, one panel per m: measured pmf (bars, log scale, cut a decade below the smallest observed frequency), the simulated pmf (black) and the best of the four fits to the measured pmf (its colour and dash). Bottom row: mean staleness against m with m − 1; P[τ = 0] and the share of updates whose gradient came from the same worker as the previous update; Bhattacharyya distances D_B of the four fits to the measured pmf (colours and dashes of the top legend), and between measured and simulated pmfs (black dotted).${ciNote}`;
  return { title: 'Staleness measured on real threads against the simulated server at the fitted compute-time law', data, layout, caption: caption + key, width: 1200, height };
}
