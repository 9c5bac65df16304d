/**
 * Text and figures for staleness simulations: the histogram as bars, the fitted models as a
 * table (a Table I analog when several worker counts are given), and a plotly figure with the
 * observed pmfs against the fits and the Bhattacharyya distances against m (Fig. 2 analog).
 */
import type { FigureSpec } from '../plot/html.ts';
import { tQuantile } from '../stats/fit.ts';
import { type StalenessSimulation, WARMUP_MULTIPLE } from './staleness.ts';

const MODELS = ['geometric', 'uniform', 'poisson', 'cmp'] as const;
const COLORS: Record<string, string> = { geometric: '#ff7f0e', uniform: '#9467bd', poisson: '#2ca02c', cmp: '#d62728' };
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

export function stalenessTableText(sims: StalenessSimulation[]): string {
  const head = ['m', 'mean τ', 'P[τ=0]', ...MODELS.map((m) => `${m} (params; D_B)`)];
  const rows = sims.map((s) => [
    String(s.spec.workers),
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

/** Histogram panels for up to three worker counts, and D_B against m when there are several. */
export function stalenessFigure(sims: StalenessSimulation[], settings: Record<string, unknown>, caption?: string): FigureSpec {
  const pick = sims.length <= 3 ? sims : [sims[1] ?? sims[0], sims[Math.floor(sims.length / 2)], sims[sims.length - 1]].filter((s, i, a) => a.indexOf(s) === i);
  const panels = pick.length + (sims.length > 1 ? 1 : 0);
  const data: unknown[] = [];
  const layout: Record<string, unknown> = { grid: { rows: 1, columns: panels, pattern: 'independent' }, legend: { orientation: 'h', y: -0.25 }, margin: { t: 40, b: 130 } };
  pick.forEach((s, i) => {
    const ax = i === 0 ? '' : String(i + 1);
    const x = Array.from(s.histogram, (_, k) => k);
    data.push({ type: 'bar', x, y: Array.from(s.histogram), name: 'observed', marker: { color: '#bbbbbb' }, showlegend: i === 0, xaxis: `x${ax}`, yaxis: `y${ax}` });
    for (const m of MODELS) data.push({ type: 'scatter', mode: 'lines', x, y: Array.from(s.fits.find((f) => f.model === m)!.pmf), name: m, line: { color: COLORS[m] }, showlegend: i === 0, xaxis: `x${ax}`, yaxis: `y${ax}` });
    layout[`xaxis${ax}`] = { title: { text: `staleness τ (m = ${s.spec.workers})` } };
    layout[`yaxis${ax}`] = { title: { text: i === 0 ? 'P[τ]' : '' } };
  });
  if (sims.length > 1) {
    const ax = String(panels);
    const ms = sims.map((s) => s.spec.workers);
    for (const m of MODELS) data.push({ type: 'scatter', mode: 'lines+markers', x: ms, y: sims.map((s) => s.fits.find((f) => f.model === m)!.distance), name: m, line: { color: COLORS[m] }, showlegend: false, xaxis: `x${ax}`, yaxis: `y${ax}` });
    layout[`xaxis${ax}`] = { title: { text: 'workers m' } };
    layout[`yaxis${ax}`] = { title: { text: 'Bhattacharyya distance' }, type: 'log' };
  }
  const ct = settings.computeTime as Record<string, unknown>;
  const text = caption ?? `Simulated parameter server (${settings.mode}, local accumulation ${settings.localAccumulation}, global ${settings.globalAccumulation}, pull every ${settings.pullEvery}), compute times ${JSON.stringify(ct)}, ${settings.updates} updates per run, ${settings.replicates ?? 10} independent runs per m (async: each after a warm-up of ${WARMUP_MULTIPLE}× the updates until every worker has pushed once), seed ${settings.seed}. Models fitted by minimizing the Bhattacharyya distance on the observed support (pmfs truncated at the largest observed τ and renormalized); CMP with λ = m^ν (MindTheStep Eq. 13).`;
  return { title: 'Staleness of a simulated parameter server and fitted models', data, layout, caption: text, width: Math.max(700, 350 * panels), height: 520 };
}
