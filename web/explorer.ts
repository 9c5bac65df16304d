/**
 * The explorer page: reads the controls, runs the library in the browser (src/explorer/model.ts),
 * draws three plotly figures, and shows refusals next to the control they concern — never a blank
 * plot: on invalid input the previous plots stay.
 */
import { ConfigError } from '../src/core/errors.ts';
import { controlOf, DEFAULT_SETTINGS, explore, type ExplorerSettings } from '../src/explorer/model.ts';
import { kernelsReady } from '../src/kernels/index.ts';

declare const Plotly: {
  react(id: string, data: unknown[], layout: Record<string, unknown>, config?: Record<string, unknown>): Promise<unknown>;
};

const NUMERIC: (keyof ExplorerSettings)[] = ['eta', 'delayParam', 'maxLag', 'batchSize', 'iterations', 'seed', 'paths'];
const ALL: (keyof ExplorerSettings)[] = ['objective', 'eta', 'delay', 'delayParam', 'maxLag', 'batchSize', 'iterations', 'coupling', 'seed', 'paths'];
const el = (id: string) => document.getElementById(id) as HTMLInputElement;
const state = { runs: 0, errors: 0, lastError: '', kernels: '' };
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

async function update(): Promise<void> {
  const s = read();
  const label = { constant: 'lag l', uniform: 'max l', geometric: 'p', poisson: 'λ' }[s.delay];
  document.getElementById('delayParamLabel')!.textContent = label;
  clearErrors();
  let r;
  const t0 = performance.now();
  try {
    r = explore(s);
  } catch (e) {
    if (e instanceof ConfigError) {
      state.errors++;
      state.lastError = e.message;
      showError(controlOf(e.field), `${e.reason} (${e.field})`);
      document.getElementById('status')!.textContent = 'invalid input: the plots show the last valid settings';
      return;
    }
    throw e;
  }
  const ms = performance.now() - t0;
  const common = { margin: { t: 36, r: 10, b: 60, l: 56 }, legend: { orientation: 'h', y: -0.3 } };
  await Plotly.react('paths-plot', [
    { x: r.k, y: r.asgd, name: 'ASGD x_k', mode: 'lines', line: { color: '#1f77b4', width: 1.3 } },
    { x: r.k, y: r.sdde, name: `SDDE X(kδ) (${s.coupling})`, mode: 'lines', line: { color: '#d62728', width: 1.3 } },
  ], { ...common, title: { text: 'one path: ASGD and its SDDE' }, xaxis: { title: { text: 'iteration k' } }, yaxis: { title: { text: 'x' } } });
  const m = r.moments;
  const band = (mean: number[], sd: number[], sign: 1 | -1) => mean.map((v, i) => v + sign * sd[i]);
  await Plotly.react('moments-plot', [
    { x: m.k, y: m.asgdMean, name: 'ASGD mean', line: { color: '#1f77b4' } },
    { x: m.k, y: band(m.asgdMean, m.asgdSd, 1), name: 'ASGD ± sd', line: { color: '#1f77b4', dash: 'dot', width: 1 } },
    { x: m.k, y: band(m.asgdMean, m.asgdSd, -1), showlegend: false, line: { color: '#1f77b4', dash: 'dot', width: 1 } },
    { x: m.k, y: m.sddeMean, name: 'SDDE mean', line: { color: '#d62728' } },
    { x: m.k, y: band(m.sddeMean, m.sddeSd, 1), name: 'SDDE ± sd', line: { color: '#d62728', dash: 'dot', width: 1 } },
    { x: m.k, y: band(m.sddeMean, m.sddeSd, -1), showlegend: false, line: { color: '#d62728', dash: 'dot', width: 1 } },
    ...(Number.isFinite(m.V) ? [{ x: m.k, y: m.envelope, name: `x* + (x0 − x*) e^{Vt}, V = ${m.V.toFixed(3)} (Thm 4.1, constant delay)`, line: { color: '#2ca02c', dash: 'dash' } }] : []),
  ], { ...common, title: { text: `ensemble of ${s.paths} paths: moments and the decay rate` }, xaxis: { title: { text: 'iteration k' } } });
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
  state.runs++;
  document.getElementById('status')!.textContent = `updated in ${ms.toFixed(0)} ms`;
}

let timer: number | undefined;
for (const key of ALL) {
  el(key).addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void update(), 150);
  });
}
// The WebAssembly kernels compile asynchronously on the main thread (a synchronous compile of a
// module this size is refused there); the TypeScript fallback would give the same plots, only slower.
void kernelsReady().then((backend) => {
  state.kernels = backend;
  return update();
});
