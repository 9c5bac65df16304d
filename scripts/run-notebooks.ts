/**
 * `npm run notebooks`: run every notebooks/*.ts cell by cell and render each into
 * figures/<notebook>.html (its markdown, code, tables and interactive plotly figures, loading
 * plotly.js from beside it) and figures/<notebook>-<figure>.png.
 *   node --import tsx scripts/run-notebooks.ts [NAME…] [--out DIR] [--no-png]
 * NAME selects notebooks by a part of their file name; DIR defaults to figures/. The script and the
 * notebooks ship in the package, so an installed copy renders the same way (with tsx and marked
 * installed): npx tsx node_modules/asgd-sdde/scripts/run-notebooks.ts --out pages 01
 *
 * Percent format: a line `// %%` starts a code cell, `// %% [markdown]` a markdown cell whose
 * lines are comments (`// ` stripped). The notebook runs as one module with a marker inserted at
 * the start of each code cell, so outputs are attributed to the cell that produced them.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { marked } from 'marked';
import { writeFileAtomic } from '../src/io/atomic.ts';
import type { NotebookOutput } from '../src/notebook/output.ts';
import { plotlyScriptTags, writeFigureHtml } from '../src/plot/html.ts';
import { renderPng } from '../src/plot/png.ts';

export interface Cell {
  kind: 'code' | 'markdown';
  source: string;
}

export function parseNotebook(text: string): Cell[] {
  const cells: Cell[] = [];
  let cur: Cell | null = null;
  for (const line of text.split('\n')) {
    const m = /^\/\/ %%(.*)$/.exec(line);
    if (m) {
      if (cur) cells.push(cur);
      cur = { kind: m[1].includes('[markdown]') ? 'markdown' : 'code', source: '' };
      continue;
    }
    if (!cur) cur = { kind: 'code', source: '' }; // a preamble before the first marker
    cur.source += (cur.kind === 'markdown' ? line.replace(/^\/\/ ?/, '') : line) + '\n';
  }
  if (cur) cells.push(cur);
  return cells.map((c) => ({ ...c, source: c.source.replace(/\n+$/, '') })).filter((c) => c.source.trim() !== '');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x)).replace(/<\//g, '<\\/');
}

export async function runNotebook(file: string, outDir: string, png = true): Promise<{ html: string; pngs: string[]; seconds: number }> {
  const started = performance.now();
  const name = basename(file, '.ts');
  const text = readFileSync(file, 'utf8');
  const cells = parseNotebook(text);
  const outputs: NotebookOutput[][] = cells.map(() => []);
  let current = -1;
  (globalThis as Record<string, unknown>).__asgdSddeNotebook = { push: (o: NotebookOutput) => outputs[Math.max(current, 0)].push(o) };
  (globalThis as Record<string, unknown>).__asgdSddeCell = (i: number) => {
    current = i;
  };
  // the instrumented module sits beside the notebook so its relative imports resolve
  const instrumented = join(resolve(file, '..'), `.${name}.run.ts`);
  writeFileSync(instrumented, cells.map((c, i) => (c.kind === 'code' ? `(globalThis as any).__asgdSddeCell(${i});\n${c.source}` : '')).join('\n'));
  try {
    await import(pathToFileURL(instrumented).href + `?t=${Date.now()}`);
  } finally {
    rmSync(instrumented, { force: true });
    delete (globalThis as Record<string, unknown>).__asgdSddeNotebook;
  }
  mkdirSync(outDir, { recursive: true });
  const pngs: string[] = [];
  const plots: string[] = [];
  let figureIndex = 0;
  const body = await Promise.all(
    cells.map(async (c, i) => {
      const parts: string[] = [];
      if (c.kind === 'markdown') parts.push(`<div class="md">${await marked.parse(c.source)}</div>`);
      else parts.push(`<pre class="code"><code>${esc(c.source)}</code></pre>`);
      for (const o of outputs[i]) {
        if (o.kind === 'text') parts.push(`<pre class="out">${esc(o.text)}</pre>`);
        else if (o.kind === 'table') {
          parts.push(`<table>${o.caption ? `<caption>${esc(o.caption)}</caption>` : ''}<thead><tr>${o.columns.map((c2) => `<th>${esc(c2)}</th>`).join('')}</tr></thead><tbody>${o.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(String(v))}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
        } else {
          const id = `fig-${figureIndex++}`;
          parts.push(`<div id="${id}" class="fig"></div><p class="caption">${esc(o.figure.caption).replace(/\n\n/g, '</p><p class="caption">')}</p>`);
          const margin = { ...((o.figure.layout.margin as object) ?? {}), t: 80 }; // room for the title above subplot titles
          plots.push(`Plotly.newPlot('${id}', ${json(o.figure.data)}, ${json({ ...o.figure.layout, margin, width: o.figure.width ?? 1100, height: (o.figure.height ?? 480) + 40, title: { text: o.figure.title } })}, { displaylogo: false })`);
        }
      }
      return parts.join('\n');
    }),
  );
  // PNGs: each figure as its own page, rendered in Chromium
  for (const o of outputs.flat()) {
    if (o.kind !== 'figure') continue;
    const page = join(outDir, `${name}-${o.name}.html`);
    writeFigureHtml(page, o.figure);
    if (png) {
      const r = await renderPng(page, join(outDir, `${name}-${o.name}.png`));
      if (r.ok) pngs.push(r.file);
      else console.error(`note: ${r.reason}`);
    }
    rmSync(page, { force: true });
  }
  const title = /^#\s+(.+)$/m.exec(cells.find((c) => c.kind === 'markdown')?.source ?? '')?.[1] ?? name;
  const seconds = (performance.now() - started) / 1000;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><link rel="icon" href="data:,">
${plotlyScriptTags(outDir)}
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1150px; color: #222; line-height: 1.5; }
pre.code { background: #f5f5f5; border-left: 3px solid #999; padding: 8px 12px; overflow-x: auto; font-size: 12.5px; }
pre.out { background: #fbfbf0; padding: 6px 12px; font-size: 12.5px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f0f0f0; } caption { text-align: left; font-size: 13px; color: #555; }
.caption { font-size: 13px; color: #444; }
</style></head><body>
${body.join('\n')}
<p class="caption">Generated by <code>npm run notebooks</code> from <code>notebooks/${esc(basename(file))}</code>.</p>
<script>Promise.all([${plots.join(',\n')}]).then(() => { document.body.dataset.ready = '1'; });</script>
</body></html>
`;
  const out = join(outDir, `${name}.html`);
  writeFileAtomic(out, html);
  return { html: out, pngs, seconds };
}

/** The notebooks shipped beside this script (the repository's, or an installed package's). */
const NOTEBOOKS_DIR = fileURLToPath(new URL('../notebooks/', import.meta.url));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const outDir = outAt >= 0 ? args[outAt + 1] : 'figures';
  if (!outDir || outDir.startsWith('--')) throw new Error('--out needs a directory');
  const only = args.filter((a, i) => !a.startsWith('--') && i !== outAt + 1);
  const png = !args.includes('--no-png');
  const files = readdirSync(NOTEBOOKS_DIR)
    .filter((f) => /^\d+.*\.ts$/.test(f))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  if (files.length === 0) throw new Error(`no notebook matches ${only.join(', ')} in ${NOTEBOOKS_DIR}`);
  for (const f of files) {
    const r = await runNotebook(join(NOTEBOOKS_DIR, f), outDir, png);
    console.log(`${f}: ${r.html} and ${r.pngs.length} PNG(s) in ${r.seconds.toFixed(1)} s`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
