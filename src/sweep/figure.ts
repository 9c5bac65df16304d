/**
 * The sweep's figure: the metric against the first key with one series per value of the second
 * (and, with two keys, a second panel the other way round), 95% CIs, log axes where the values
 * span decades, and a fitted exponent per series: metric ≈ C·x^p by weighted least squares on
 * log–log (weights from the SEs, errors inflated when the points scatter beyond them; fit.ts).
 * A key that includes 0 (a delay bound l = 0) is fitted against x + 1 — He et al.'s bound is a
 * function of l + 1 — and drawn on a linear axis.
 */
import type { FigureSpec } from '../plot/html.ts';
import { logLogFit } from '../core/stats/fit.ts';
import { Z95 } from '../stats/welford.ts';
import { DASHES, PALETTE, SYMBOLS } from '../plot/axes.ts';

/** A sweep row as the figure reads it: grid values, metric and standard error. */
export interface SweepRow {
  values: unknown[];
  metric: number;
  se: number;
}

/** The fitted power law metric ≈ C·x^p of one series of a sweep along one key, with its 95% CI. */
export interface SeriesFit {
  /** The key on the x axis, and the series it belongs to (values of the other keys). */
  key: string;
  series: string;
  /** Exponent p of metric ≈ C·x^p (x + 1 when the key includes 0), with its 95% CI. */
  exponent: number;
  ci95: [number, number];
  /** 'x' or 'x+1'. */
  against: 'x' | 'x+1';
  points: number;
}

const label = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v));

/** The x value of a key: the value, or the first entry of a zipped key's tuple. */
const xOf = (v: unknown) => (Array.isArray(v) ? v[0] : v);

function numericKey(rows: SweepRow[], j: number): { numeric: boolean; hasZero: boolean; positiveSpan: number } {
  const xs = rows.map((r) => xOf(r.values[j]));
  const numeric = xs.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!numeric) return { numeric, hasZero: false, positiveSpan: 0 };
  const v = xs as number[];
  const pos = v.filter((x) => x > 0);
  return { numeric, hasZero: v.some((x) => x === 0) && v.every((x) => x >= 0), positiveSpan: pos.length ? Math.max(...pos) / Math.min(...pos) : 0 };
}

/** Series of one panel: x = key j, one series per combination of the other keys' values. */
function panelSeries(keys: string[], rows: SweepRow[], j: number): { name: string; rows: SweepRow[] }[] {
  const groups = new Map<string, SweepRow[]>();
  // series in the order of the other keys' values (numbers numerically), whatever order the rows came in
  const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0);
  const ordered = [...rows].sort((a, b) => {
    for (let m = 0; m < keys.length; m++) if (m !== j && cmp(a.values[m], b.values[m]) !== 0) return cmp(a.values[m], b.values[m]);
    return 0;
  });
  for (const r of ordered) {
    // a zipped key is named by its first field and value (K for a K–η ladder)
    const others = keys.map((k, m) => (m === j ? '' : `${k.split(',')[0]} = ${label(xOf(r.values[m]))}`)).filter((s) => s !== '').join(', ');
    const name = others || keys[j];
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name)!.push(r);
  }
  return [...groups.entries()].map(([name, rs]) => ({ name, rows: [...rs].sort((a, b) => Number(xOf(a.values[j])) - Number(xOf(b.values[j]))) }));
}

/** The exponent fits of every series of every panel (numeric keys only; ≥ 3 finite positive points). */
export function sweepFits(keys: string[], rows: SweepRow[]): SeriesFit[] {
  const fits: SeriesFit[] = [];
  const panels = keys.length === 2 ? [0, 1] : [0];
  for (const j of panels) {
    const info = numericKey(rows, j);
    if (!info.numeric) continue;
    for (const s of panelSeries(keys, rows, j)) {
      const ok = s.rows.filter((r) => Number.isFinite(r.metric) && r.metric > 0);
      const xs = ok.map((r) => (xOf(r.values[j]) as number) + (info.hasZero ? 1 : 0));
      if (ok.length < 3 || new Set(xs).size < 3 || xs.some((x) => !(x > 0))) continue;
      const se = ok.map((r) => (Number.isFinite(r.se) && r.se > 0 ? r.se : NaN));
      const fit = logLogFit(xs, ok.map((r) => r.metric), se.every(Number.isFinite) ? se : undefined);
      fits.push({ key: keys[j].split(',')[0], series: s.name, exponent: fit.slope, ci95: fit.slopeCi95, against: info.hasZero ? 'x+1' : 'x', points: ok.length });
    }
  }
  return fits;
}

/** The metric in words, with its symbol: the y-axis title and the figure title. */
export const METRIC_WORDS: Record<string, string> = {
  'approximation-error': 'approximation error E‖x_K − X(t_K)‖',
  'weak-error': 'weak error W₁(law x_K, law X(t_K))',
  'weak-mmd': 'weak error MMD²(law x_K, law X(t_K))',
  'final-loss': 'final loss gap E F(x_K) − F*',
  'time-to-eps': 'iterations until E‖x_k − x*‖² ≤ ε',
};

/** Config keys in words (the last path segment, spelled out for the usual ones). */
const KEY_WORDS: Record<string, string> = {
  batchSize: 'batch size b',
  maxLag: 'delay bound l',
  lag: 'delay l',
  eta: 'step size η',
  iterations: 'iterations K',
  workers: 'workers m',
  delta: 'SDDE step δ',
  substeps: 'substeps per step',
  coupling: 'coupling',
  paths: 'paths',
  dim: 'dimension d',
  d: 'dimension d',
  n: 'data points n',
  mean: 'mean delay',
  p: 'geometric p',
};

/** A config key (`asgd.delay.maxLag`; a zipped key by its first field) in words: 'delay bound l'. */
export function keyWords(key: string): string {
  const first = key.split(',')[0].trim();
  const last = first.split('.').at(-1) ?? first;
  return KEY_WORDS[last] ?? last;
}

const fmtExp = (v: number) => v.toFixed(2).replace(/^-/, '−').replace(/^−0\.00$/, '0.00');

/**
 * The sweep's figure: one panel per key (two at most), one series per value of the other key, each
 * series with its own colour, dash and marker, 95% CI bars, and points offset slightly sideways so
 * that series lying on top of each other stay visible (said in the caption). Each panel has its own
 * legend under it, titled by what its series are.
 */
export function sweepFigure(keys: string[], metric: string, rows: SweepRow[], caption: string): FigureSpec {
  const fits = sweepFits(keys, rows);
  const panels = keys.length === 2 ? [0, 1] : [0];
  const finite = rows.filter((r) => Number.isFinite(r.metric));
  const positive = finite.length > 0 && finite.every((r) => r.metric > 0);
  const spanY = positive ? Math.max(...finite.map((r) => r.metric)) / Math.min(...finite.map((r) => r.metric)) : 0;
  // log y where the values span a factor of 3 or more: a power law is then a straight line
  const logY = positive && spanY >= 3;
  const metricWords = METRIC_WORDS[metric] ?? metric;
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = { margin: { t: 40, b: 60 } };
  if (panels.length === 2) layout.grid = { rows: 1, columns: 2, pattern: 'independent', xgap: 0.12 };
  let maxSeries = 0;
  for (const [p, j] of panels.entries()) {
    const axis = p === 0 ? '' : '2';
    const info = numericKey(rows, j);
    const logX = info.numeric && !info.hasZero && info.positiveSpan >= 4;
    const ticks = info.numeric ? [...new Set(rows.map((r) => xOf(r.values[j]) as number))].sort((a, b) => a - b) : undefined;
    const xName = keyWords(keys[j]);
    const zipped = keys[j].includes(',') ? ` (with ${keys[j].split(',').slice(1).map((k) => keyWords(k)).join(', ')})` : '';
    layout[`xaxis${axis}`] = { title: { text: `${xName}${zipped}${info.hasZero ? `; exponent fitted in ${xName.split(' ').at(-1)} + 1` : ''}` }, zeroline: false, ...(logX ? { type: 'log' } : info.numeric ? {} : { type: 'category' }), ...(ticks && ticks.length <= 12 ? { tickvals: ticks } : {}) };
    // linear y: powers of ten (8·10⁻⁵), not Plotly's SI suffixes (80μ), which read as units
    layout[`yaxis${axis}`] = { title: { text: metricWords }, zeroline: false, ...(logY ? { type: 'log' } : { exponentformat: 'power' }) };
    const series = panelSeries(keys, rows, j);
    maxSeries = Math.max(maxSeries, series.length);
    // sideways offset: ±3% of a log decade's worth on log x, ±2% of the smallest spacing on linear x
    const spacing = ticks && ticks.length > 1 ? Math.min(...ticks.slice(1).map((t, k) => t - ticks[k])) : 1;
    const shift = (x: number, i: number) => {
      const o = series.length > 1 ? i - (series.length - 1) / 2 : 0;
      return logX ? x * 10 ** (0.012 * o) : x + 0.02 * spacing * o;
    };
    const legend = p === 0 ? 'legend' : 'legend2';
    const other = keys.length === 2 ? keyWords(keys[1 - j]) : '';
    layout[legend] = { x: p === 0 ? 0 : 0.56, xanchor: 'left', y: -0.2, yanchor: 'top', font: { size: 12 }, title: { text: other ? `${panels.length === 2 ? (p === 0 ? 'Left' : 'Right') + ': ' : ''}series by ${other}; fitted exponent (95% CI)` : 'fitted exponent (95% CI)' } };
    series.forEach((s, i) => {
      const fit = fits.find((f) => f.key === keys[j].split(',')[0] && f.series === s.name);
      const slope = fit ? `: ${fmtExp(fit.exponent)} (${fmtExp(fit.ci95[0])} … ${fmtExp(fit.ci95[1])})` : '';
      const name = other ? s.name.replace(/^[^=]*=/, `${other.split(' ').at(-1)} =`) : xName;
      const style = { color: PALETTE[i % PALETTE.length], dash: DASHES[i % DASHES.length], symbol: SYMBOLS[i % SYMBOLS.length] };
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: `${name}${slope}`,
        legend,
        x: s.rows.map((r) => (info.numeric ? shift(xOf(r.values[j]) as number, i) : label(r.values[j]))),
        y: s.rows.map((r) => (Number.isFinite(r.metric) ? r.metric : null)),
        customdata: s.rows.map((r) => label(xOf(r.values[j]))),
        hovertemplate: `${xName} = %{customdata}<br>%{y:.4g}<extra>%{fullData.name}</extra>`,
        error_y: { type: 'data', array: s.rows.map((r) => (Number.isFinite(r.se) ? Z95 * r.se : 0)), thickness: 1.2, width: 4 },
        line: { color: style.color, dash: style.dash, width: 2 },
        marker: { size: 7, symbol: style.symbol, color: style.color },
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
      });
    });
  }
  const panelText = panels.length === 2 ? ` against ${keyWords(keys[0])} (left) and ${keyWords(keys[1])} (right)` : ` against ${keyWords(keys[0])}`;
  const offsetNote = maxSeries > 1 ? '\n\nPoints of different series are drawn slightly apart sideways so that series lying on top of each other stay visible; the hover text gives the exact x.' : '';
  // a plot area of 380 px, and room under it for the axis titles and one legend row per series
  const plotHeight = 380;
  const bottom = 110 + 22 * Math.min(maxSeries, 10);
  layout.margin = { t: 40, b: bottom };
  for (const l of ['legend', 'legend2']) if (layout[l]) (layout[l] as Record<string, unknown>).y = -80 / plotHeight;
  const height = 40 + plotHeight + bottom;
  return { title: `Sweep: ${metricWords}${panelText}`, data, layout, caption: caption + offsetNote, width: panels.length === 2 ? 1300 : 900, height };
}
