/**
 * Interactive figures as self-contained HTML pages that load plotly from one shared file beside
 * them (`plotly.js`, copied from the plotly.js-dist package), instead of embedding the bundle in
 * every page.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { copyFileAtomicIfChanged, writeFileAtomic } from '../io/atomic.ts';

export interface FigureSpec {
  title: string;
  /** Plotly traces and layout (plain JSON). */
  data: unknown[];
  layout: Record<string, unknown>;
  /** Shown under the plot: the settings and the choices made. Plain text; paragraphs split on blank lines. */
  caption: string;
  width?: number;
  height?: number;
}

export const PLOTLY_FILE = 'plotly.js';

export function plotlyBundlePath(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('plotly.js-dist');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON for a <script> block: typed arrays become arrays; "</" cannot close the script. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)).replace(/<\//g, '<\\/');
}

export function figureHtml(fig: FigureSpec): string {
  const width = fig.width ?? 1200;
  const height = fig.height ?? 520;
  const caption = fig.caption
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p.trim())}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(fig.title)}</title>
<script src="${PLOTLY_FILE}"></script>
<style>
  body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 16px; color: #222; background: #fff; }
  #figure { width: ${width}px; height: ${height}px; }
  .caption { width: ${width - 40}px; margin: 8px 20px 0 20px; font-size: 13px; line-height: 1.45; }
  h1 { font-size: 18px; margin: 0 20px 4px 20px; }
</style>
</head>
<body>
<h1>${escapeHtml(fig.title)}</h1>
<div id="figure"></div>
<div class="caption">
${caption}
</div>
<script>
  const data = ${scriptJson(fig.data)};
  const layout = ${scriptJson({ ...fig.layout, width, height })};
  Plotly.newPlot('figure', data, layout, { displaylogo: false }).then(() => { document.body.dataset.ready = '1'; });
</script>
</body>
</html>
`;
}

/** Write the page and make sure the shared plotly bundle sits beside it. */
export function writeFigureHtml(file: string, fig: FigureSpec): void {
  copyFileAtomicIfChanged(plotlyBundlePath(), join(dirname(file), PLOTLY_FILE));
  writeFileAtomic(file, figureHtml(fig));
}
