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

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/**
 * The sweep's figure: the metric against the first key (log axes where it spans a factor ≥ 3), one line
 * per value of the second key, and with two keys a second panel against the second key; the fitted
 * exponents in the legend.
 */
export function sweepFigure(keys: string[], metric: string, rows: SweepRow[], caption: string): FigureSpec {
  const fits = sweepFits(keys, rows);
  const panels = keys.length === 2 ? [0, 1] : [0];
  const finite = rows.filter((r) => Number.isFinite(r.metric));
  const positive = finite.length > 0 && finite.every((r) => r.metric > 0);
  const spanY = positive ? Math.max(...finite.map((r) => r.metric)) / Math.min(...finite.map((r) => r.metric)) : 0;
  // log y where the values span a factor of 3 or more: a power law is then a straight line
  const logY = positive && spanY >= 3;
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = { margin: { t: 40, b: 140 }, legend: { orientation: 'h', y: -0.25, font: { size: 11 } } };
  if (panels.length === 2) layout.grid = { rows: 1, columns: 2, pattern: 'independent' };
  for (const [p, j] of panels.entries()) {
    const axis = p === 0 ? '' : '2';
    const info = numericKey(rows, j);
    const logX = info.numeric && !info.hasZero && info.positiveSpan >= 4;
    const ticks = info.numeric ? [...new Set(rows.map((r) => xOf(r.values[j]) as number))].sort((a, b) => a - b) : undefined;
    const xName = keys[j].split(',')[0];
    layout[`xaxis${axis}`] = { title: { text: info.hasZero ? `${xName} (exponent fitted in ${xName} + 1)` : keys[j].includes(',') ? `${xName} (with ${keys[j].split(',').slice(1).join(', ')})` : xName }, zeroline: false, ...(logX ? { type: 'log' } : info.numeric ? {} : { type: 'category' }), ...(ticks && ticks.length <= 12 ? { tickvals: ticks } : {}) };
    layout[`yaxis${axis}`] = { title: { text: p === 0 ? metric : '' }, zeroline: false, ...(logY ? { type: 'log' } : {}) };
    panelSeries(keys, rows, j).forEach((s, i) => {
      const fit = fits.find((f) => f.key === keys[j].split(',')[0] && f.series === s.name);
      const slope = fit ? `: exponent ${fit.exponent.toFixed(2)} (${fit.ci95[0].toFixed(2)} … ${fit.ci95[1].toFixed(2)})` : '';
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        name: `${panels.length === 2 ? `[vs ${keys[j].split(',')[0]}] ` : ''}${s.name}${slope}`,
        x: s.rows.map((r) => (info.numeric ? xOf(r.values[j]) : label(r.values[j]))),
        y: s.rows.map((r) => (Number.isFinite(r.metric) ? r.metric : null)),
        error_y: { type: 'data', array: s.rows.map((r) => (Number.isFinite(r.se) ? Z95 * r.se : 0)), thickness: 1 },
        line: { color: COLORS[i % COLORS.length], dash: p === 0 ? 'solid' : 'dot' },
        marker: { size: 6 },
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
      });
    });
  }
  const short = (k: string) => k.split(',')[0];
  return { title: `Sweep: ${metric}${panels.length === 2 ? ` over ${short(keys[0])} (left) and ${short(keys[1])} (right)` : ''}`, data, layout, caption, width: panels.length === 2 ? 1400 : 900, height: 640 };
}
