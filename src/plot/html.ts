/**
 * Interactive figures as HTML pages that load plotly (plotly.js-dist-min) from one shared copy:
 * by default the copy installed with the package, linked by a relative path, so an output
 * directory holds only its own few kB (not a 4.6 MB bundle per folder); `plotly: 'copy'` puts the
 * bundle beside the page instead, for a folder that must work on its own (e.g. on a web server).
 * A linked page that is moved away from the installation falls back to the same plotly version on
 * its CDN, so a figure sent to a colleague still opens.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { copyFileAtomicIfChanged, writeFileAtomic } from '../io/atomic.ts';
import { styleFigure } from './style.ts';
import { escapeHtmlMath } from './unicode-math.ts';

/**
 * A figure: a title, plotly traces and layout (plain JSON), a caption shown under the plot, and optional
 * width and height in pixels.
 */
export interface FigureSpec {
  /** The figure's title (plain text). */
  title: string;
  /** Plotly traces and layout (plain JSON). */
  data: unknown[];
  /** Plotly layout (plain JSON). */
  layout: Record<string, unknown>;
  /** Shown under the plot: the settings and the choices made. Plain text; paragraphs split on blank lines. */
  caption: string;
  /** Width in pixels (default: plotly's). */
  width?: number;
  /** Height in pixels (default: plotly's). */
  height?: number;
}

/** How a page reaches plotly: a relative link to the installed copy (default), or a copy beside it. */
export type PlotlyMode = 'link' | 'copy';
/**
 * The values of {@link PlotlyMode}.
 */
export const PLOTLY_MODES: readonly PlotlyMode[] = ['link', 'copy'];

/** The file name of the copy beside a page in 'copy' mode (and in the explorer's folder). */
export const PLOTLY_FILE = 'plotly.js';

/** The installed plotly bundle (plotly.js-dist-min's minified build). */
export function plotlyBundlePath(): string {
  return createRequire(import.meta.url).resolve('plotly.js-dist-min');
}

let plotlyVersionCache: string | undefined;
function plotlyVersion(): string {
  plotlyVersionCache ??= (JSON.parse(readFileSync(join(dirname(plotlyBundlePath()), 'package.json'), 'utf8')) as { version: string }).version;
  return plotlyVersionCache;
}

/**
 * The `<script>` tags that load plotly into a page written to directory `pageDir`; in 'copy' mode
 * also puts the bundle there (once: an unchanged copy is not rewritten).
 */
export function plotlyScriptTags(pageDir: string, mode: PlotlyMode = 'link'): string {
  if (mode === 'copy') {
    copyFileAtomicIfChanged(plotlyBundlePath(), join(pageDir, PLOTLY_FILE));
    return `<script src="${PLOTLY_FILE}"></script>`;
  }
  const href = relative(pageDir, plotlyBundlePath()).split(sep).map(encodeURIComponent).join('/');
  const cdn = `https://cdn.plot.ly/plotly-${plotlyVersion()}.min.js`;
  // document.write runs while the page is still being parsed, so the later inline script that
  // draws the figure sees Plotly either way.
  return `<script src="${escapeHtml(href)}"></script>\n<script>window.Plotly || document.write('<script src="${cdn}"><\\/script>');</script>`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON for a <script> block: typed arrays become arrays; "</" cannot close the script. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)).replace(/<\//g, '<\\/');
}

/**
 * The page of one figure, in the house style (`styleFigure`: readable log ticks, titles clear of
 * tick labels, Unicode math); `plotlyTags` from `plotlyScriptTags` (default: a copy beside the page).
 */
export function figureHtml(spec: FigureSpec, plotlyTags = `<script src="${PLOTLY_FILE}"></script>`): string {
  const fig = styleFigure(spec);
  const width = fig.width ?? 1200;
  const height = fig.height ?? 520;
  const caption = fig.caption
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtmlMath(p.trim())}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(fig.title.replace(/<\/?su[pb]>/g, ''))}</title>
${plotlyTags}
<style>
  body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 16px; color: #222; background: #fff; }
  #figure { width: ${width}px; height: ${height}px; }
  .caption { width: ${width - 40}px; margin: 8px 20px 0 20px; font-size: 13px; line-height: 1.45; }
  h1 { font-size: 18px; margin: 0 20px 4px 20px; }
</style>
</head>
<body>
<h1>${escapeHtmlMath(fig.title)}</h1>
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

/** Write the page of one figure, loading plotly as `mode` says (default: the shared installed copy). */
export function writeFigureHtml(file: string, fig: FigureSpec, mode: PlotlyMode = 'link'): void {
  writeFileAtomic(file, figureHtml(fig, plotlyScriptTags(dirname(file), mode)));
}
