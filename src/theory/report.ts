/**
 * Reports of theory checks: a terminal table (theorem · quantity · predicted · measured (95% CI) ·
 * verdict), a JSON document, and an HTML page with every table and figure (plotly loaded by the
 * tags of plot/html.ts's `plotlyScriptTags`). Text is written with Unicode math (no TeX scripts)
 * and figures in the house style of plot/style.ts.
 */
import { styleFigure } from '../plot/style.ts';
import { escapeHtmlMath, htmlMath, unicodeMath } from '../plot/unicode-math.ts';
import type { CheckResult } from './check.ts';

const COLS = [
  { key: 'theorem', title: 'theorem', width: 30 },
  { key: 'quantity', title: 'quantity', width: 40 },
  { key: 'predicted', title: 'predicted', width: 28 },
  { key: 'measured', title: 'measured (95% CI)', width: 30 },
  { key: 'verdict', title: 'verdict', width: 22 },
] as const;

function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && (line + ' ' + w).length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = line.slice(width);
    }
  }
  lines.push(line);
  return lines;
}

/**
 * The theory report's table as text: one block per check, a row per theorem with the prediction, the
 * measurement (95% CI) and the verdict, columns wrapped to fixed widths.
 */
export function formatTable(results: CheckResult[]): string {
  const out: string[] = [];
  const sep = COLS.map((c) => '─'.repeat(c.width)).join('─┼─');
  for (const r of results) {
    out.push('', `${r.title}  (${r.seconds.toFixed(1)} s)`, COLS.map((c) => c.title.padEnd(c.width)).join(' │ '), sep);
    for (const row of r.rows) {
      const cells = COLS.map((c) => wrap(unicodeMath(c.key === 'verdict' ? row.verdict.label : row[c.key]), c.width));
      const h = Math.max(...cells.map((c) => c.length));
      for (let i = 0; i < h; i++) out.push(cells.map((c, j) => (c[i] ?? '').padEnd(COLS[j].width)).join(' │ '));
    }
  }
  const all = results.flatMap((r) => r.rows);
  const count = (k: string) => all.filter((row) => row.verdict.kind === k).length;
  out.push('', `${all.length} rows: ${count('holds')} hold, ${count('loose')} hold loosely, ${count('violated')} violated, ${count('not-applicable')} not applicable, ${count('reported')} measured without a prediction.`);
  return out.join('\n') + '\n';
}

/** Report text for the page: scripts as Unicode or <sup>/<sub> (htmlMath), everything else escaped. */
function esc(s: string): string {
  return escapeHtmlMath(htmlMath(s));
}

/** For an attribute (a tooltip): Unicode scripts only, every tag escaped. */
function escAttr(s: string): string {
  return unicodeMath(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x)).replace(/<\//g, '<\\/');
}

const VERDICT_COLOR: Record<string, string> = { holds: '#1a7f37', loose: '#6a7f1a', violated: '#b42318', 'not-applicable': '#777', reported: '#1f4e79' };

/**
 * The theory report as one HTML page: per check its table with coloured verdicts, figures (plotly, loaded
 * by `plotlyTags`; default a copy beside the page) and notes, with `meta` (settings, seed, timings) at
 * the top.
 */
export function reportHtml(results: CheckResult[], meta: Record<string, unknown>, plotlyTags = '<script src="plotly.js"></script>'): string {
  const styled = results.map((r) => r.figures.map((f) => styleFigure(f.figure)));
  const sections = results
    .map((r, i) => {
      const rows = r.rows
        .map(
          (row) =>
            `<tr><td>${esc(row.theorem)}</td><td>${esc(row.quantity)}</td><td>${esc(row.predicted)}</td><td>${esc(row.measured)}</td><td style="color:${VERDICT_COLOR[row.verdict.kind]};font-weight:600" title="${escAttr(row.verdict.reason)}">${esc(row.verdict.label)}</td><td class="reason">${esc(row.verdict.reason)}</td></tr>`,
        )
        .join('\n');
      const figs = styled[i].map((f, j) => `<div id="fig-${i}-${j}" class="fig"></div><p class="caption">${escapeHtmlMath(f.caption).replace(/\n\n/g, '</p><p class="caption">')}</p>`).join('\n');
      return `<section><h2>${esc(r.title)}</h2>
<table><thead><tr><th>theorem</th><th>quantity</th><th>predicted</th><th>measured (95% CI)</th><th>verdict</th><th>why</th></tr></thead><tbody>
${rows}
</tbody></table>
${figs}</section>`;
    })
    .join('\n');
  const plots = styled.flatMap((figures, i) => figures.map((f, j) => `Plotly.newPlot('fig-${i}-${j}', ${json(f.data)}, ${json({ ...f.layout, width: f.width ?? 1100, height: f.height ?? 520, title: { text: f.title } })}, { displaylogo: false })`));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>asgd-sdde theory report</title>
${plotlyTags}
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 20px; color: #222; max-width: 1450px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px 0; }
th, td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #f3f3f3; }
td.reason { color: #555; font-size: 12px; max-width: 360px; }
.caption { font-size: 13px; max-width: 1300px; line-height: 1.4; }
.meta { color: #555; font-size: 13px; }
</style></head><body>
<h1>asgd-sdde: He et al. (2018) theorems, measured</h1>
<p class="meta">${escAttr(Object.entries(meta).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' · '))}</p>
${sections}
<script>
Promise.all([${plots.join(',\n')}]).then(() => { document.body.dataset.ready = '1'; });
</script>
</body></html>
`;
}
