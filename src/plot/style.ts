/**
 * The house style applied to every figure page as it is written (figureHtml): readable log ticks and
 * clear axis titles (axes.ts), and math without TeX or carets in everything a reader sees (title,
 * caption, trace names, axis and legend titles, annotations): Unicode scripts where they exist,
 * `<sup>`/`<sub>` (which Plotly and the page render) where they do not.
 */
import { styleAxes } from './axes.ts';
import type { FigureSpec } from './html.ts';
import { htmlMath } from './unicode-math.ts';

/** Every string under `v` passed through `htmlMath` (arrays and plain objects copied, numbers kept). */
function mathText(v: unknown): unknown {
  if (typeof v === 'string') return htmlMath(v);
  if (Array.isArray(v)) return v.map(mathText);
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mathText(x)]));
  return v;
}

const TEXT_KEYS = ['name', 'text', 'hovertext', 'title', 'legendgrouptitle'];

/**
 * `fig` in the house style: log axes with `logTicks`, automargins and title standoffs, and TeX
 * scripts and carets rewritten by `htmlMath` (`e^{Vt}` → eⱽᵗ, `m^ν` → m<sup>ν</sup>). Data values
 * are not touched. Returns a new spec.
 */
export function styleFigure(fig: FigureSpec): FigureSpec {
  const data = fig.data.map((t) => {
    if (t === null || typeof t !== 'object') return t;
    const out: Record<string, unknown> = { ...(t as Record<string, unknown>) };
    // 'text' of a trace is data labels: strings only (a numeric text array stays as it is)
    for (const k of TEXT_KEYS) if (k in out) out[k] = mathText(out[k]);
    return out;
  });
  const layout = mathText(styleAxes(data, fig.layout, { width: fig.width ?? 1200, height: fig.height ?? 520 })) as Record<string, unknown>;
  return { ...fig, title: htmlMath(fig.title), caption: htmlMath(fig.caption), data, layout };
}
