/**
 * One look for every figure: log axes whose labels a reader can read (10⁻³, 2·10⁻³ or 0.01, never
 * plotly's abbreviated "5, 2, 0.01, 5"), minor ticks unlabelled, axis titles held clear of the tick
 * labels, a colour-blind-safe palette with a dash per series group, and a legend that explains
 * colour and dash separately when a panel would otherwise list more than a handful of series.
 */

/** Okabe–Ito colours (safe for the common colour-vision deficiencies), the yellow left out (too pale on white). */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999'];

/** Line dashes, in the order series groups take them. */
export const DASHES: readonly string[] = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot'];

/** Marker symbols, one per dash, so groups differ in print too where lines are short. */
export const SYMBOLS: readonly string[] = ['circle', 'square', 'diamond', 'triangle-up', 'x', 'star'];

/** Colour, dash and marker of series `i`: colours first, then the next dash for the next round of colours. */
export function seriesStyle(i: number): { color: string; dash: string; symbol: string } {
  const round = Math.floor(i / PALETTE.length);
  return { color: PALETTE[i % PALETTE.length], dash: DASHES[round % DASHES.length], symbol: SYMBOLS[round % SYMBOLS.length] };
}

const SUP: Record<string, string> = { '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻' };

/** 10ⁿ written with a superscript exponent (10⁻³, 10⁰, 10⁴). */
export function powerOfTen(n: number): string {
  return `10${String(n).replace(/./g, (c) => SUP[c] ?? c)}`;
}

/** Ticks of a log axis: labelled values with their text, and unlabelled minor values. */
export interface LogTicks {
  tickvals: number[];
  ticktext: string[];
  minor: number[];
}

/**
 * Ticks for a log axis over [lo, hi] (data units, both > 0) with at most `maxLabels` labels (default
 * 8; styleAxes derives it from the panel's size): the densest of every integer multiple of 10ⁿ,
 * 1-2-5 × 10ⁿ, 1-3 × 10ⁿ, the decades, every k-th decade that fits. The other integer multiples are
 * minor ticks, unlabelled; unless only decades are labelled, the outermost one is labelled too
 * when the last label lies more than a factor 2 inside the range and the new label has a label's
 * room (span/maxLabels decades) from it, so a panel has labels near its top and bottom. Labels are plain
 * decimals (0.002, 500) when all lie in [10⁻³, 10⁴], otherwise powers (2·10⁻⁴, 10⁵).
 *
 * @remarks Example (an internal helper, not in the package API): `logTicks(3e-4, 0.05).ticktext // ['5·10⁻⁴', '10⁻³', '2·10⁻³', '5·10⁻³', '10⁻²', '2·10⁻²', '5·10⁻²']`
 */
export function logTicks(lo: number, hi: number, maxLabels = 8): LogTicks {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) return { tickvals: [], ticktext: [], minor: [] };
  const span = Math.log10(hi / lo);
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const inRange = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const split = (labelled: number[], every: number) => {
    const major: { v: number; m: number; e: number }[] = [];
    const minor: number[] = [];
    for (let e = e0; e <= e1; e++) {
      for (let m = 1; m <= 9; m++) {
        // m·10^e computed from a decimal string, so 3e-4 is the double nearest 0.0003
        const v = Number(`${m}e${e}`);
        if (!inRange(v)) continue;
        if (labelled.includes(m) && e % every === 0) major.push({ v, m, e });
        else minor.push(v);
      }
    }
    return { major, minor };
  };
  // the densest labelling that fits in maxLabels: every multiple, 1-2-5, 1-3, decades, every k-th decade
  const limit = Math.max(2, maxLabels);
  let chosen = split([1], Math.max(1, Math.ceil((span + 1) / limit)));
  let decadesOnly = true;
  for (const labelled of [[1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 5], [1, 3], [1]]) {
    const c = split(labelled, 1);
    if (c.major.length <= limit && c.major.length >= 1) {
      chosen = c;
      decadesOnly = labelled.length === 1;
      break;
    }
  }
  const { major, minor } = chosen;
  // a label near each end of the axis: promote the outermost minor value when the last label is
  // more than a factor 2 inside the range (a top half-decade without labels is hard to read)
  // (not on an axis labelled by decades: there an extra 2·10ⁿ beside 10ⁿ would crowd, and a
  // decade's gap at the end is the norm)
  // (nor where the promoted label would sit closer to its neighbour than a label's room, span/limit
  // decades: a 0.2 beside 0.1 on a 4-decade panel is unreadable)
  if (major.length && !decadesOnly) {
    const last = major[major.length - 1].v;
    const first = major[0].v;
    const room = span / limit;
    const clear = (v: number | undefined, next: number) => (v !== undefined && Math.abs(Math.log10(v / next)) >= room ? v : undefined);
    const top = hi >= 2 * last ? clear(minor.filter((v) => v > last).at(-1), last) : undefined;
    const bottom = 2 * lo <= first ? clear(minor.find((v) => v < first), first) : undefined;
    for (const v of [top, bottom]) {
      if (v === undefined) continue;
      const e = Math.floor(Math.log10(v) + 1e-9);
      major.push({ v, m: Math.round(v / 10 ** e), e });
      minor.splice(minor.indexOf(v), 1);
    }
    major.sort((p, q) => p.v - q.v);
  }
  const plain = major.every(({ v }) => v >= 1e-3 && v <= 1e4);
  const text = ({ v, m, e }: { v: number; m: number; e: number }) => (plain ? String(v) : m === 1 ? powerOfTen(e) : `${m}·${powerOfTen(e)}`);
  return { tickvals: major.map((t) => t.v), ticktext: major.map(text), minor };
}

type Trace = Record<string, unknown>;
type Axis = Record<string, unknown>;

const finiteNumbers = (a: unknown): number[] => (Array.isArray(a) || ArrayBuffer.isView(a) ? Array.from(a as ArrayLike<unknown>).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)) : []);

/** The positive data range a trace puts on its x or y axis, error bars included. */
function traceRange(t: Trace, dim: 'x' | 'y'): [number, number] | undefined {
  const vals = finiteNumbers(t[dim]);
  const err = t[`error_${dim}`] as { array?: unknown; arrayminus?: unknown; visible?: boolean } | undefined;
  const lo: number[] = [];
  const hi: number[] = [];
  const raw = Array.from((t[dim] ?? []) as ArrayLike<unknown>);
  const plus = err && err.visible !== false ? Array.from((err.array ?? []) as ArrayLike<unknown>) : [];
  const minus = err && err.visible !== false ? Array.from((err.arrayminus ?? err.array ?? []) as ArrayLike<unknown>) : [];
  raw.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return;
    const p = typeof plus[i] === 'number' && Number.isFinite(plus[i]) ? (plus[i] as number) : 0;
    const m = typeof minus[i] === 'number' && Number.isFinite(minus[i]) ? (minus[i] as number) : 0;
    hi.push(v + p);
    // a lower error bar reaching zero or below is cut by plotly on a log axis: the point bounds the range
    lo.push(v - m > 0 ? v - m : v);
  });
  const pos = [...lo, ...hi, ...vals].filter((v) => v > 0);
  return pos.length ? [Math.min(...pos), Math.max(...pos)] : undefined;
}

/** The layout keys of the axes a trace is drawn on ('xaxis', 'yaxis2', …). */
function traceAxes(t: Trace): { x: string; y: string } {
  const suffix = (ref: unknown) => (typeof ref === 'string' && ref.length > 1 ? ref.slice(1) : '');
  return { x: `xaxis${suffix(t.xaxis)}`, y: `yaxis${suffix(t.yaxis)}` };
}

/**
 * The layout with the house style on every axis: log axes get `logTicks` over their data (or over
 * their explicit `range`), unless they set `tickvals` themselves; every axis gets automargin and a
 * title standoff so titles clear the tick labels. Returns a new layout; the input is not changed.
 */
export function styleAxes(data: readonly unknown[], layout: Record<string, unknown>, size: { width?: number; height?: number } = {}): Record<string, unknown> {
  // the pixel length of a panel's axis, from the figure size and the grid (margins and gaps estimated)
  const grid = (layout.grid ?? {}) as { rows?: number; columns?: number; xgap?: number; ygap?: number };
  const panelPx = (dim: 'x' | 'y') =>
    dim === 'x' ? (((size.width ?? 1200) - 150) / (grid.columns ?? 1)) * (1 - ((grid.columns ?? 1) > 1 ? (grid.xgap ?? 0.2) : 0)) : (((size.height ?? 520) - 200) / (grid.rows ?? 1)) * (1 - ((grid.rows ?? 1) > 1 ? (grid.ygap ?? 0.3) : 0));
  // a label needs about 28 px of height on a y axis and 60 px of width on an x axis
  const maxLabels = (key: string) => Math.max(3, Math.min(8, Math.floor(key.startsWith('y') ? panelPx('y') / 28 : panelPx('x') / 60)));
  const out: Record<string, unknown> = { ...layout };
  const ranges = new Map<string, [number, number]>();
  for (const t of data as Trace[]) {
    const axes = traceAxes(t);
    for (const dim of ['x', 'y'] as const) {
      const r = traceRange(t, dim);
      if (!r) continue;
      const key = axes[dim];
      const prev = ranges.get(key);
      ranges.set(key, prev ? [Math.min(prev[0], r[0]), Math.max(prev[1], r[1])] : r);
    }
  }
  const axisKeys = new Set([...Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k)), ...ranges.keys()]);
  for (const key of axisKeys) {
    const axis: Axis = { ...((layout[key] as Axis | undefined) ?? {}) };
    if (axis.type === 'log' && axis.tickvals === undefined) {
      const range = Array.isArray(axis.range) && axis.range.length === 2 ? [10 ** (axis.range[0] as number), 10 ** (axis.range[1] as number)] : ranges.get(key);
      if (range) {
        const ticks = logTicks(range[0], range[1], maxLabels(key));
        if (ticks.tickvals.length >= 2) {
          axis.tickmode = 'array';
          axis.tickvals = ticks.tickvals;
          axis.ticktext = ticks.ticktext;
          // minor grid lines only where they are few (under 3 decades); beyond, they grey the panel
          const few = ticks.minor.length <= 30;
          // minor tick marks inside the panel: outside they run into the labels' superscripts
          axis.minor = { tickmode: 'array', tickvals: ticks.minor, ticks: 'inside', ticklen: 3, showgrid: few, gridcolor: '#f2f2f2', ...((axis.minor as Axis | undefined) ?? {}) };
        }
      }
    }
    axis.automargin = axis.automargin ?? true;
    const title = axis.title as { text?: string; standoff?: number } | undefined;
    if (title && title.text) axis.title = { standoff: 10, ...title };
    out[key] = axis;
  }
  return out;
}

/** Legend entries a figure shows (traces with a name and showlegend not false, once per legendgroup). */
export function legendEntryCount(data: readonly unknown[], legend?: string): number {
  const seen = new Set<string>();
  let n = 0;
  for (const t of data as Trace[]) {
    if (t.showlegend === false || typeof t.name !== 'string' || t.name === '') continue;
    if (legend !== undefined && (t.legend ?? 'legend') !== legend) continue;
    const g = typeof t.legendgroup === 'string' ? t.legendgroup : undefined;
    if (g !== undefined) {
      if (seen.has(g)) continue;
      seen.add(g);
    }
    n++;
  }
  return n;
}

/**
 * A legend that explains colour and dash separately: one entry per colour (solid lines) and one per
 * dash (grey lines, with the group's marker if given), as traces without data, instead of one entry per series (colours × dashes).
 * Give the plotted series `showlegend: false`. The second legend sits in `legend2`, placed below
 * the first; the layout keys to merge in are returned with the traces.
 */
export function colourDashLegend(
  colours: { label: string; color: string }[],
  dashes: { label: string; dash: string; symbol?: string }[],
  titles: { colour: string; dash: string },
  y = -0.2,
): { traces: Trace[]; layout: Record<string, unknown> } {
  const empty = { type: 'scatter', mode: 'lines', x: [null], y: [null], hoverinfo: 'skip' };
  const traces: Trace[] = [
    ...colours.map((c) => ({ ...empty, name: c.label, line: { color: c.color, dash: 'solid', width: 3 }, legend: 'legend' })),
    ...dashes.map((d) => ({ ...empty, ...(d.symbol ? { mode: 'lines+markers', marker: { symbol: d.symbol, color: '#555555', size: 7 } } : {}), name: d.label, line: { color: '#555555', dash: d.dash, width: 2 }, legend: 'legend2' })),
  ];
  // traceorder 'normal': hidden series with a legendgroup would otherwise make plotly stack the legend vertically
  const legend = { orientation: 'h', x: 0, xanchor: 'left', traceorder: 'normal', font: { size: 12 } };
  return {
    traces,
    layout: {
      legend: { ...legend, y, yanchor: 'top', title: { text: `${titles.colour}: `, side: 'left' } },
      legend2: { ...legend, y: y - 0.09, yanchor: 'top', title: { text: `${titles.dash}: `, side: 'left' } },
    },
  };
}

/** `#RRGGBB` as an rgba() colour with alpha `a` (other colour strings are returned unchanged). */
function withAlpha(color: string, a: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  return m ? `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${a})` : color;
}

/**
 * A confidence band as one filled trace (the polygon along `hi` and back along `lo`, in `color` at
 * 20% opacity, no line, no legend entry, no hover), to be drawn under the measured series it
 * belongs to (give both the same `legendgroup` so a legend click hides both). On a log axis pass
 * `floor`: lower ends below it (a CI reaching zero) are drawn at the floor.
 */
export function ciBand(
  x: ArrayLike<number>,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  opts: { color: string; floor?: number; xaxis?: string; yaxis?: string; legendgroup?: string; legend?: string },
): Trace {
  const xs = Array.from(x);
  const { color, floor, ...rest } = opts;
  const low = Array.from(lo, (v) => (floor !== undefined && !(v >= floor) ? floor : v));
  return {
    type: 'scatter',
    mode: 'lines',
    x: [...xs, ...xs.slice().reverse()],
    y: [...Array.from(hi), ...low.reverse()],
    fill: 'toself',
    fillcolor: withAlpha(color, 0.2),
    line: { width: 0, color: withAlpha(color, 0) },
    hoverinfo: 'skip',
    showlegend: false,
    ...rest,
  };
}
