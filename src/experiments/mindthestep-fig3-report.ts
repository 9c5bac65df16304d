/**
 * What the Fig. 3 study writes: the per-run and summary CSV texts, the figure (epochs to the
 * threshold against m for both arms with 95% intervals; the speed-up ratio with its interval and
 * the paper's ×1.5 at m = 32), and the summary as a text table for the terminal.
 */
import { PALETTE } from '../plot/axes.ts';
import { colourDashLegend } from '../plot/axes.ts';
import type { FigureSpec } from '../plot/html.ts';
import type { Fig3Arm, Fig3RunRecord, Fig3StudyResult, Fig3SummaryRow } from './mindthestep-fig3.ts';

/** The paper's reported average speed-up at m = 32 (Bäckström et al. 2019, Section VI, Fig. 3). */
export const PAPER_SPEEDUP_M32 = 1.5;

const num = (v: number) => (Number.isFinite(v) ? String(v) : '');

/** Per-run CSV: one line per training run; `epochs` empty and `censored` 1 when the threshold was not reached. */
export function fig3RunsCsv(runs: readonly Fig3RunRecord[]): string {
  const head = 'model,server,m,arm,run,seed,epochs,censored,status,lowest_loss,last_loss,computed_per_applied,mean_staleness,mean_step_over_alpha_c\n';
  return head + runs.map((r) => [r.model, r.server, r.m, r.arm, r.run, r.seed, num(r.epochs), Number.isFinite(r.epochs) ? 0 : 1, r.status, num(r.lowest), num(r.last), num(r.computedPerApplied), num(r.meanStaleness), num(r.meanScale)].join(',')).join('\n') + '\n';
}

/** Summary CSV: one line per (model, server, m): both arms' mean epochs with 95% CI and censored runs, the speed-up with its CI and bound. */
export function fig3SummaryCsv(rows: readonly Fig3SummaryRow[]): string {
  const control = rows.some((r) => r.control);
  const arm = (p: string) => [`${p}_mean`, `${p}_sd`, `${p}_lo`, `${p}_hi`, `${p}_censored`];
  const ratio = (p: string) => [p, `${p}_lo`, `${p}_hi`, `${p}_df`, `${p}_bound`];
  const head = ['model', 'server', 'm', 'runs', ...arm('constant'), ...arm('eq17'), ...ratio('speedup'), 'mean_step_over_alpha_c', 'eq17_computed_per_applied', ...(control ? [...arm('cap'), ...ratio('cap_speedup'), ...ratio('eq17_over_cap')] : [])].join(',') + '\n';
  const armCells = (a: Fig3SummaryRow['constant']) => [num(a.mean), num(a.sd), num(a.lo), num(a.hi), a.censored];
  const ratioCells = (q: Fig3SummaryRow['speedup']) => [num(q.ratio), num(q.lo), num(q.hi), num(q.df), q.bound];
  return (
    head +
    rows
      .map((r) => [r.model, r.server, r.m, r.constant.runs, ...armCells(r.constant), ...armCells(r.eq17), ...ratioCells(r.speedup), num(r.meanScale), num(r.computedPerApplied), ...(control && r.control && r.controlSpeedup && r.overControl ? [...armCells(r.control), ...ratioCells(r.controlSpeedup), ...ratioCells(r.overControl)] : [])].join(','))
      .join('\n') +
    '\n'
  );
}

const f2 = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : '—');
const BOUND: Record<Fig3SummaryRow['speedup']['bound'], string> = { estimate: '', 'lower-bound': '≥ ', 'upper-bound': '≤ ', none: '' };

/** A speed-up as text: "×1.52 (1.31 … 1.76)", with ≥ / ≤ when censoring makes it a bound, "—" when both arms are censored. */
export function speedupText(q: Fig3SummaryRow['speedup']): string {
  if (q.bound === 'none') return '— (both arms censored)';
  return `${BOUND[q.bound]}×${f2(q.ratio)} (${f2(q.lo)} … ${f2(q.hi)})`;
}

/** One arm's epochs as text: "123 ± CI half-width", "≥ " and the censored count when some runs were censored. */
function armText(s: Fig3SummaryRow['constant']): string {
  return `${s.censored ? '≥ ' : ''}${f2(s.mean)} (${f2(s.lo)} … ${f2(s.hi)})${s.censored ? `, ${s.censored}/${s.runs} censored` : ''}`;
}

/** The summary as a plain-text table (for the terminal and the docs). */
export function fig3SummaryText(result: Fig3StudyResult): string {
  const control = result.study.capControl;
  const cap = `${result.study.capMultiple}αc`;
  const lines = [`model | server | m | AsyncPSGD epochs (95% CI) | MindTheStep epochs (95% CI) | speed-up (95% CI) | mean α(τ)/αc | gradients computed per applied${control ? ` | AsyncPSGD at ${cap}: epochs | speed-up of ${cap} | MindTheStep over ${cap}` : ''}`];
  for (const r of result.rows) lines.push(`${r.model} | ${r.server} | ${r.m} | ${armText(r.constant)} | ${armText(r.eq17)} | ${speedupText(r.speedup)} | ${f2(r.meanScale)} | ${f2(r.computedPerApplied)}${r.control && r.controlSpeedup && r.overControl ? ` | ${armText(r.control)} | ${speedupText(r.controlSpeedup)} | ${speedupText(r.overControl)}` : ''}`);
  return lines.join('\n') + '\n';
}

/** A compute-time law in words, e.g. "normal (mean 1, sd 0.2)". */
const lawWords = (law: object) => {
  const { kind, ...rest } = law as { kind: string };
  return `${kind} (${Object.entries(rest).map(([k, v]) => `${k} ${v}`).join(', ')})`;
};

/** The speed-up axis: a range holding every interval, 1 (no speed-up) and the paper's ×1.5, with labelled ticks (1 always among them). */
function ratioTicks(rows: readonly Fig3SummaryRow[]): Record<string, unknown> {
  const ends = rows.flatMap((r) => [r.speedup, r.controlSpeedup].filter((q): q is Fig3SummaryRow['speedup'] => q !== null && q.bound !== 'none').flatMap((q) => [q.lo, q.hi])).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.min(1, PAPER_SPEEDUP_M32, ...ends) / 1.15;
  const hi = Math.max(1, PAPER_SPEEDUP_M32, ...ends) * 1.15;
  const tickvals = [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100].filter((v) => v >= lo && v <= hi);
  return { range: [Math.log10(lo), Math.log10(hi)], tickmode: 'array', tickvals, ticktext: tickvals.map((v) => `×${v}`) };
}

const SERVER_WORDS = { simulated: 'simulated server', threads: 'real threads' } as const;
const ARM_COLOURS = { constant: PALETTE[0], eq17: PALETTE[1], 'constant-cap': PALETTE[3] } as const;
const DASHES = ['solid', 'dash', 'dot', 'dashdot'];
const SYMBOLS = ['circle', 'square', 'diamond', 'triangle-up'];

/**
 * The study's figure: left, epochs until the training loss ≤ threshold against m (log axis, ticks
 * at the powers of 2) for AsyncPSGD and MindTheStep, mean over the runs with 95% t intervals; right,
 * the speed-up (AsyncPSGD epochs / MindTheStep epochs) with its delta-method 95% interval, the line
 * of no speed-up, and the paper's ×1.5 at m = 32. Colour: the arm; dash and marker: model and
 * server. A point with censored runs is drawn hollow (its mean is a lower bound).
 */
export function fig3Figure(result: Fig3StudyResult): FigureSpec {
  const { study, rows, setups } = result;
  const groups = [...new Set(rows.map((r) => `${r.model}|${r.server}`))];
  const groupLabel = (g: string) => {
    const [model, server] = g.split('|');
    return `${model}, ${SERVER_WORDS[server as keyof typeof SERVER_WORDS]}`;
  };
  const data: unknown[] = [];
  const allM = [...new Set(rows.map((r) => r.m))].sort((a, b) => a - b);
  groups.forEach((g, gi) => {
    const rs = rows.filter((r) => `${r.model}|${r.server}` === g);
    const dash = DASHES[gi % DASHES.length];
    const symbol = SYMBOLS[gi % SYMBOLS.length];
    // arms side by side around m (a small shift on the log axis) so their intervals do not overlap
    const arms: [Fig3Arm, number][] = [['constant', 0.95], ['eq17', 1.0], ...(study.capControl ? [['constant-cap', 1.05] as [Fig3Arm, number]] : [])];
    for (const [arm, shift] of arms) {
      const s = rs.map((r) => (arm === 'constant-cap' ? r.control! : arm === 'eq17' ? r.eq17 : r.constant));
      data.push({
        type: 'scatter', mode: 'lines+markers', xaxis: 'x', yaxis: 'y', showlegend: false,
        name: `${arm === 'eq17' ? 'MindTheStep' : arm === 'constant' ? 'AsyncPSGD' : `AsyncPSGD at ${study.capMultiple}αc`}, ${groupLabel(g)}`,
        x: rs.map((r) => r.m * shift), y: s.map((v) => v.mean),
        error_y: { type: 'data', symmetric: false, array: s.map((v) => v.hi - v.mean), arrayminus: s.map((v) => v.mean - v.lo), thickness: 1.5, width: 4 },
        line: { color: ARM_COLOURS[arm], dash, width: 2 },
        marker: { color: ARM_COLOURS[arm], size: 8, symbol: s.map((v) => (v.censored ? `${symbol}-open` : symbol)), line: { color: ARM_COLOURS[arm], width: 2 } },
        text: s.map((v) => (v.censored ? `${v.censored}/${v.runs} runs censored at the budget` : '')),
        hovertemplate: 'm = %{customdata}: %{y:.1f} epochs %{text}<extra></extra>', customdata: rs.map((r) => r.m),
      });
    }
    type Of = (r: Fig3SummaryRow) => Fig3SummaryRow['speedup'];
    const ratios: [Fig3Arm, number, Of][] = [['eq17', 0.98, (r) => r.speedup], ...(study.capControl ? [['constant-cap', 1.02, (r: Fig3SummaryRow) => r.controlSpeedup!] as [Fig3Arm, number, Of]] : [])];
    for (const [arm, shift, of] of ratios) {
      const defined = rs.filter((r) => of(r).bound !== 'none');
      const q = defined.map(of);
      data.push({
        type: 'scatter', mode: 'lines+markers', xaxis: 'x2', yaxis: 'y2', showlegend: false,
        name: `speed-up of ${arm === 'eq17' ? 'MindTheStep' : `AsyncPSGD at ${study.capMultiple}αc`}, ${groupLabel(g)}`,
        x: defined.map((r) => r.m * shift), y: q.map((v) => v.ratio),
        error_y: { type: 'data', symmetric: false, array: q.map((v) => v.hi - v.ratio), arrayminus: q.map((v) => v.ratio - v.lo), thickness: 1.5, width: 4, color: ARM_COLOURS[arm] },
        line: { color: ARM_COLOURS[arm], dash, width: 2 },
        marker: { color: ARM_COLOURS[arm], size: 8, symbol: q.map((v) => (v.bound === 'estimate' ? symbol : `${symbol}-open`)), line: { color: ARM_COLOURS[arm], width: 2 } },
        text: q.map((v) => (v.bound === 'estimate' ? '' : v.bound === 'lower-bound' ? 'a lower bound (AsyncPSGD runs censored)' : 'an upper bound (the faster arm\'s runs censored)')),
        hovertemplate: 'm = %{customdata}: ×%{y:.2f} %{text}<extra></extra>', customdata: defined.map((r) => r.m),
      });
    }
  });
  const legend = colourDashLegend(
    [
      { label: `AsyncPSGD, constant step αc = ${study.alphaC}`, color: ARM_COLOURS.constant },
      { label: 'MindTheStep, α(τ) of Eq. 17, normalised (Eq. 26)', color: ARM_COLOURS.eq17 },
      ...(study.capControl ? [{ label: `control: AsyncPSGD at the cap ${study.capMultiple}αc`, color: ARM_COLOURS['constant-cap'] }] : []),
    ],
    groups.map((g, gi) => ({ label: groupLabel(g), dash: DASHES[gi % DASHES.length], symbol: SYMBOLS[gi % SYMBOLS.length] })),
    { colour: 'arm', dash: 'model and server' },
    -0.18,
  );
  data.push(...legend.traces);
  data.push({ type: 'scatter', mode: 'markers', xaxis: 'x2', yaxis: 'y2', x: [32], y: [PAPER_SPEEDUP_M32], name: 'the paper (CNN on CIFAR-10), m = 32: ×1.5', marker: { symbol: 'star', size: 14, color: PALETTE[2] }, legend: 'legend' });
  const ticks = { tickmode: 'array', tickvals: allM, ticktext: allM.map(String) };
  const xRange = [Math.log10(Math.min(...allM) * 0.8), Math.log10(Math.max(...allM) * 1.25)];
  const layout: Record<string, unknown> = {
    xaxis: { domain: [0, 0.45], type: 'log', range: xRange, ...ticks, title: { text: 'workers m (log scale)' } },
    yaxis: { title: { text: `epochs until training loss ≤ ${study.threshold}` }, range: [0, 1.05 * Math.max(1, ...rows.flatMap((r) => [r.constant.hi, r.eq17.hi]).filter(Number.isFinite))] },
    xaxis2: { domain: [0.57, 1], type: 'log', range: xRange, ...ticks, title: { text: 'workers m (log scale)' }, anchor: 'y2' },
    yaxis2: { type: 'log', title: { text: 'speed-up over AsyncPSGD at αc (epochs ratio, log scale)' }, anchor: 'x2', ...ratioTicks(rows) },
    shapes: [{ type: 'line', xref: 'x2 domain', x0: 0, x1: 1, yref: 'y2', y0: 1, y1: 1, line: { color: '#999999', dash: 'dot', width: 1 } }],
    annotations: [
      { text: 'Epochs to the threshold (mean, 95% CI over runs)', xref: 'paper', yref: 'paper', x: 0.225, y: 1.06, showarrow: false, xanchor: 'center', font: { size: 14 } },
      { text: 'Speed-up over AsyncPSGD at αc (95% CI, delta method)', xref: 'paper', yref: 'paper', x: 0.785, y: 1.06, showarrow: false, xanchor: 'center', font: { size: 14 } },
    ],
    margin: { t: 60, b: 170, l: 70, r: 30 },
    ...legend.layout,
  };
  const setupText = setups.map((s) => `${s.model}: ${s.description}; n = ${s.n}, ${s.dim} parameters, b = ${s.batchSize} (${s.updatesPerEpoch} updates an epoch), budget ${s.maxEpochs} epochs`).join('. ');
  const caption =
    `MindTheStep Fig. 3 under the paper's protocol: AsyncPSGD with the constant step αc = ${study.alphaC} against MindTheStep-AsyncPSGD with α(τ) of Eq. 17 (α = αc, K = ${study.K}, λ = m), α(τ) ≤ ${study.capMultiple}αc, gradients with τ > ${study.dropAbove} not applied, normalised so that the mean of α(τ) over the staleness of a pilot run of ${study.pilotUpdates} updates is αc (Eq. 26; refused and dropped gradients count as 0 in that mean, and where the cap makes αc unreachable every applied gradient gets ${study.capMultiple}αc); ${study.runs} runs per point, the two arms sharing each run's seed. ` +
    `An epoch is ⌈n/b⌉ applied updates; the training loss (cross-entropy on all n examples) is evaluated at the end of every epoch. Simulated server: compute times ${lawWords(study.computeTime)}; real threads: worker_threads sharing the parameters under a lock, on a machine shared with other jobs. ${setupText}.\n\n` +
    'Left: mean epochs with a 95% t interval over the runs. A hollow marker: some runs did not reach the threshold within the budget (censored); they enter the mean at the budget, so that mean is a lower bound. ' +
    `${study.capControl ? `Control (not in the paper): AsyncPSGD at the constant step ${study.capMultiple}αc, the largest step MindTheStep applies; if it is as fast as MindTheStep, MindTheStep's gain comes from its larger steps, not from how it weighs staleness. ` : ''}` +
    'Right: the ratio of the mean epochs of AsyncPSGD at αc to those of the other arm, with a 95% interval by the delta method on its logarithm (Welch–Satterthwaite degrees of freedom); hollow: a bound (≥ when AsyncPSGD runs were censored, ≤ when MindTheStep runs were); no point when both arms were censored. The dotted line is no speed-up; the star is the paper\'s average speed-up at m = 32 (a CNN on CIFAR-10, which is not available here).';
  return { title: `MindTheStep Fig. 3 protocol: epochs until training loss ≤ ${study.threshold}, ${study.runs} runs a point`, data, layout, caption, width: 1200, height: 620 };
}
