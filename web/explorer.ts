/**
 * The explorer page: reads the controls, sends them to the Web Worker (web/explorer-worker.ts) that
 * runs the library, and draws four plotly figures and the approximation-error readout. The page
 * never computes, so it never freezes; a running computation can be cancelled (the worker is
 * terminated and a fresh one started), and a new setting cancels the one running. Refusals show
 * next to the control they concern — never a blank plot: on invalid input or a cancel the previous
 * plots stay. A diverged run is shown as a status with its step and time, and its path is drawn
 * only up to where it stays in range.
 */
import type { ExplorerResult, ExplorerSettings, RunStatus } from '../src/explorer/model.ts';
import { DEFAULT_SETTINGS } from '../src/explorer/settings.ts';

declare const Plotly: {
  react(id: string, data: unknown[], layout: Record<string, unknown>, config?: Record<string, unknown>): Promise<unknown>;
};

const NUMERIC: (keyof ExplorerSettings)[] = ['eta', 'delayParam', 'maxLag', 'batchSize', 'iterations', 'seed', 'paths'];
const ALL: (keyof ExplorerSettings)[] = ['objective', 'eta', 'delay', 'delayParam', 'maxLag', 'batchSize', 'iterations', 'coupling', 'seed', 'paths'];
const el = (id: string) => document.getElementById(id) as HTMLInputElement;
/** Counters the browser tests wait on; `kernels` is the worker's kernel backend. */
const state = { runs: 0, errors: 0, cancels: 0, diverged: 0, busy: false, lastError: '', started: 0, kernels: '' };
(window as unknown as { __explorer: typeof state }).__explorer = state;

function read(): ExplorerSettings {
  const s: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const key of ALL) {
    const v = el(key).value;
    // an empty or non-numeric field becomes NaN, which validation refuses with its name
    s[key] = NUMERIC.includes(key) ? (v.trim() === '' ? NaN : Number(v)) : v;
  }
  return s as unknown as ExplorerSettings;
}

function clearErrors(): void {
  for (const key of ALL) el(key).classList.remove('invalid');
  document.querySelectorAll('.error').forEach((e) => (e.textContent = ''));
}

function showError(key: string, message: string): void {
  el(key).classList.add('invalid');
  const box = document.querySelector(`.error[data-for="${key}"]`) ?? document.querySelector('.error[data-for="objective"]');
  if (box) box.textContent = message;
}

const statusEl = () => document.getElementById('status')!;
const progressEl = () => document.getElementById('progress') as HTMLProgressElement;
const cancelEl = () => document.getElementById('cancel') as HTMLButtonElement;

let worker: Worker | undefined;
let current = 0;
let started = 0;
let lastSettings: ExplorerSettings | undefined;

function newWorker(): Worker {
  const w = new Worker('explorer-worker.js');
  w.onmessage = (e: MessageEvent) => onMessage(e.data);
  return w;
}

function setBusy(busy: boolean): void {
  state.busy = busy;
  cancelEl().disabled = !busy;
  progressEl().style.visibility = busy ? 'visible' : 'hidden';
}

/** Stop the running computation: the worker is terminated (it cannot be interrupted otherwise). */
function cancel(reason: string): void {
  if (!state.busy) return;
  worker?.terminate();
  worker = newWorker();
  current++;
  state.cancels++;
  setBusy(false);
  statusEl().textContent = `${reason}: the plots show the last finished settings`;
}

function start(): void {
  const s = read();
  const label = { constant: 'lag l', uniform: 'max lag l', geometric: 'p', poisson: 'λ' }[s.delay];
  document.getElementById('delayParamLabel')!.textContent = label;
  if (state.busy) cancel('cancelled by a new setting');
  clearErrors();
  lastSettings = s;
  current++;
  started = performance.now();
  state.started++;
  setBusy(true);
  progressEl().value = 0;
  statusEl().textContent = 'computing…';
  worker ??= newWorker();
  worker.postMessage({ id: current, settings: s });
}

type Message = { id: number } & ({ type: 'progress'; done: number; total: number } | { type: 'result'; result: ExplorerResult; kernels: string } | { type: 'invalid'; field: string; reason: string; control: string } | { type: 'error'; message: string });

function onMessage(m: Message): void {
  if (m.id !== current) return; // a cancelled run's late message
  if (m.type === 'progress') {
    progressEl().value = m.done / m.total;
    statusEl().textContent = `ensemble: ${m.done} of ${m.total} paths`;
    return;
  }
  setBusy(false);
  if (m.type === 'invalid') {
    state.errors++;
    state.lastError = `${m.field}: ${m.reason}`;
    showError(m.control, `${m.reason} (${m.field})`);
    statusEl().textContent = 'invalid input: the plots show the last valid settings';
    return;
  }
  if (m.type === 'error') {
    state.errors++;
    state.lastError = m.message;
    statusEl().textContent = `internal error: ${m.message.split('\n')[0]}`;
    return;
  }
  state.kernels = m.kernels;
  void draw(m.result, lastSettings!, performance.now() - started);
}

const fmt = (v: number) => (Number.isFinite(v) ? (v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? String(Number(v.toPrecision(3))) : v.toExponential(2)) : '—');
const statusText = (what: string, r: RunStatus) =>
  r.status === 'ok' ? '' : r.status === 'diverged' ? `${what} diverged at step ${r.step} (t = ${fmt(r.time!)})` : `${what} left the range |x| ≤ 10⁶·scale at step ${r.step} (t = ${fmt(r.time!)}): diverging`;

async function draw(r: ExplorerResult, s: ExplorerSettings, ms: number): Promise<void> {
  const common = { margin: { t: 36, r: 10, b: 60, l: 60 }, legend: { orientation: 'h', y: -0.3 } };
  // the model cut both paths where they overflowed or left the range: nothing huge reaches an axis
  const a = { k: r.k, y: r.asgd };
  const x = { k: r.k, y: r.sdde };
  const divergence = [statusText('ASGD', r.status.asgd), statusText('SDDE', r.status.sdde)].filter(Boolean).join('; ');
  const dimNote = r.dim > 1 ? ` (coordinate 1 of ${r.dim})` : '';
  await Plotly.react('paths-plot', [
    { x: a.k, y: a.y, name: `ASGD x_k${dimNote}`, mode: 'lines', line: { color: '#1f77b4', width: 1.3 } },
    { x: x.k, y: x.y, name: `SDDE X(kδ) (${s.coupling})${dimNote}`, mode: 'lines', line: { color: '#d62728', width: 1.3 } },
  ], { ...common, title: { text: divergence ? `one path, up to where it diverges (step ${Math.min(r.status.asgd.step ?? Infinity, r.status.sdde.step ?? Infinity)})` : 'one path: ASGD and its SDDE' }, xaxis: { title: { text: 'iteration k' } }, yaxis: { title: { text: 'x' } } });

  const ap = r.approximation;
  const one = { k: r.k, y: r.distance };
  await Plotly.react('approx-plot', [
    { x: ap.k, y: ap.strongHi, mode: 'lines', line: { width: 0 }, showlegend: false, hoverinfo: 'skip' },
    { x: ap.k, y: ap.strongLo, mode: 'lines', line: { width: 0 }, fill: 'tonexty', fillcolor: 'rgba(148,103,189,0.25)', name: '95% band' },
    { x: ap.k, y: ap.strong, mode: 'lines', line: { color: '#9467bd', width: 2 }, name: `E‖x_k − X(t_k)‖ over ${ap.paths - ap.diverged} paths` },
    { x: one.k, y: one.y, mode: 'lines', line: { color: '#7f7f7f', width: 1 }, name: '‖x_k − X(t_k)‖ of the path above' },
  ], { ...common, title: { text: `approximation error (${s.coupling} coupling)` }, xaxis: { title: { text: 'iteration k' } }, yaxis: { title: { text: 'distance' }, rangemode: 'tozero' } });

  const m = r.moments;
  const band = (mean: number[], sd: number[], sign: 1 | -1) => mean.map((v, i) => v + sign * sd[i]);
  const allDiverged = ap.diverged === ap.paths;
  await Plotly.react('moments-plot', allDiverged ? [] : [
    { x: m.k, y: m.asgdMean, name: 'ASGD mean', line: { color: '#1f77b4' } },
    { x: m.k, y: band(m.asgdMean, m.asgdSd, 1), name: 'ASGD ± sd', line: { color: '#1f77b4', dash: 'dot', width: 1 } },
    { x: m.k, y: band(m.asgdMean, m.asgdSd, -1), showlegend: false, line: { color: '#1f77b4', dash: 'dot', width: 1 } },
    { x: m.k, y: m.sddeMean, name: 'SDDE mean', line: { color: '#d62728' } },
    { x: m.k, y: band(m.sddeMean, m.sddeSd, 1), name: 'SDDE ± sd', line: { color: '#d62728', dash: 'dot', width: 1 } },
    { x: m.k, y: band(m.sddeMean, m.sddeSd, -1), showlegend: false, line: { color: '#d62728', dash: 'dot', width: 1 } },
    ...(Number.isFinite(m.V) ? [{ x: m.k, y: m.envelope, name: `x* + (x0 − x*) e^{Vt}, V = ${m.V.toFixed(3)} (Thm 4.1, constant delay)`, line: { color: '#2ca02c', dash: 'dash' } }] : []),
  ], { ...common, title: { text: allDiverged ? `ensemble: all ${ap.paths} paths diverged` : ap.diverged ? `ensemble: ${ap.diverged} of ${ap.paths} paths diverged (moments over the rest)` : `ensemble of ${s.paths} paths (${s.coupling} coupling)${dimNote}` }, xaxis: { title: { text: 'iteration k' } } });

  const st = r.staleness;
  await Plotly.react('staleness-plot', [
    { type: 'bar', x: st.lags, y: st.observed, name: 'observed lags', marker: { color: '#9ecae1' } },
    { x: st.lags, y: st.model, name: 'configured model', mode: 'lines+markers', line: { color: '#333' } },
    ...st.fits.map((f, i) => ({
      x: st.lags,
      y: f.pmf,
      name: `${f.model} (${Object.entries(f.params).map(([k, v]) => `${k} ${Number(v).toPrecision(3)}`).join(', ')}), D_B ${f.distance.toPrecision(2)}`,
      mode: 'lines',
      line: { color: ['#ff7f0e', '#2ca02c', '#9467bd', '#d62728'][i % 4], dash: ['dash', 'dot', 'dashdot', 'longdash'][i % 4] },
    })),
  ], { ...common, title: { text: 'staleness of the ASGD path' }, xaxis: { title: { text: 'lag l_k' } }, yaxis: { title: { text: 'probability' } } });

  // the readout: strong error with its CI, weak errors at t_K, divergence
  const w = ap.weak;
  const lines = [
    `<b>Approximation error at t_K</b> (${s.coupling} coupling, ${ap.paths - ap.diverged} paths${r.dim > 1 ? `, d = ${r.dim}` : ''})`,
    `strong E‖x_K − X(t_K)‖ = ${fmt(ap.final.mean)} (95% CI ${fmt(ap.final.lo)} … ${fmt(ap.final.hi)})`,
    ...(w
      ? [
          `weak: ${w.meanDiffWhat} = ${fmt(w.meanDiff)} (${fmt(w.meanDiffLo)} … ${fmt(w.meanDiffHi)})`,
          `Δ ${r.dim > 1 ? 'tr Cov' : 'Var'} = ${fmt(w.traceCovDiff)} (${fmt(w.traceCovLo)} … ${fmt(w.traceCovHi)})`,
          `MMD² = ${fmt(w.mmd2)} (${fmt(w.mmd2Lo)} … ${fmt(w.mmd2Hi)}), bandwidth ${fmt(w.bandwidth)}${w.paired ? '; paired over coupled paths' : ''}`,
        ]
      : [`weak errors: not computed (${ap.diverged} paths diverged)`]),
    ...(divergence ? [`<span class="diverged">${divergence}</span>`] : []),
  ];
  document.getElementById('readout')!.innerHTML = lines.join('<br>');
  if (divergence || ap.diverged) state.diverged++;
  state.runs++;
  statusEl().textContent = `${divergence ? `${divergence} — ` : ''}updated in ${ms.toFixed(0)} ms`;
}

cancelEl().addEventListener('click', () => cancel('cancelled'));
let timer: number | undefined;
for (const key of ALL) {
  el(key).addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(start, 150);
  });
}
start();
