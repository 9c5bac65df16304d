/** The sweep's figure: the metric against one key (lines, error bars), or a heatmap over two. */
import type { FigureSpec } from '../plot/html.ts';
import { Z95 } from '../stats/welford.ts';

export function sweepFigure(keys: string[], metric: string, rows: { values: unknown[]; metric: number; se: number }[], caption: string): FigureSpec {
  const num = (v: unknown) => (typeof v === 'number' ? v : JSON.stringify(v));
  if (keys.length === 2) {
    const xs = [...new Set(rows.map((r) => JSON.stringify(r.values[0])))];
    const ys = [...new Set(rows.map((r) => JSON.stringify(r.values[1])))];
    const z = ys.map((y) => xs.map((x) => rows.find((r) => JSON.stringify(r.values[0]) === x && JSON.stringify(r.values[1]) === y)?.metric ?? null));
    return {
      title: `Sweep: ${metric}`,
      data: [{ type: 'heatmap', x: xs.map((x) => JSON.parse(x)), y: ys.map((y) => JSON.parse(y)), z, colorscale: 'Viridis', colorbar: { title: { text: metric } } }],
      layout: { xaxis: { title: { text: keys[0] }, type: 'category' }, yaxis: { title: { text: keys[1] }, type: 'category' }, margin: { t: 30 } },
      caption,
    };
  }
  // one key: one line; more: one line per combination of the others
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const g = keys.length > 1 ? keys.slice(1).map((k, j) => `${k} = ${JSON.stringify(r.values[j + 1])}`).join(', ') : metric;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(r);
  }
  return {
    title: `Sweep: ${metric}`,
    data: [...groups.entries()].map(([name, rs]) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name,
      x: rs.map((r) => num(r.values[0])),
      y: rs.map((r) => (Number.isFinite(r.metric) ? r.metric : null)),
      error_y: { type: 'data', array: rs.map((r) => (Number.isFinite(r.se) ? Z95 * r.se : 0)) },
    })),
    layout: { xaxis: { title: { text: keys[0] } }, yaxis: { title: { text: metric } }, margin: { t: 30 }, legend: { orientation: 'h', y: -0.2 } },
    caption,
  };
}
