/**
 * He et al. (2018) Fig. 1 — path comparison on F(x) = ½(x+1)² + ½(x−1)²:
 * (a) ASGD vs its SDDE, (b) SGD vs its SDE.
 *
 * The paper's settings: η = 0.005, K = 2000 iterations, T = ηK = 10, ξ ≡ 4 on [−τ, 0], X(0) = 4,
 * constant delay l = 10 with plain SGD for the first ten steps.
 * Where the paper is silent we choose, and the caption says so:
 *  - components f_{1,2} = (x ± 1)² (n = 2), minibatch b = 1 drawn with replacement;
 *  - σ = √(Σ/b) = 2 (Σ ≡ 4 for this split, so σ is constant as the paper assumes);
 *  - δ = η, the SDDE/SDE solved by Euler–Maruyama at h = δ (the paper compares "with the
 *    Euler–Maruyama schemes");
 *  - independent noise by default (as in the paper), seeds stated; (a) and (b) share their seed,
 *    so the two panels differ only by the delay.
 */
import { toyObjective } from '../asgd/objectives/toy.ts';
import { asgdConfig } from '../asgd/runner.ts';
import { type Coupling, type PairResult, runPair } from '../bridge/pair.ts';
import type { Table } from '../io/csv.ts';
import type { FigureSpec } from '../plot/html.ts';

/**
 * Options of {@link runFig1}: `seed` (default 1) and `coupling` (default 'independent', as in the paper).
 */
export interface Fig1Options {
  seed?: number;
  coupling?: Coupling;
}

/** He et al.'s Fig. 1 settings: toy objective, η = 0.005, K = 2000, x0 = 4, lag 10, b = 1. */
export const FIG1_SETTINGS = {
  eta: 0.005,
  iterations: 2000,
  x0: 4,
  lag: 10,
  batchSize: 1,
} as const;

/**
 * What {@link runFig1} returns: the ASGD and SGD pairs, the table, the figure and a summary.
 */
export interface Fig1Result {
  seed: number;
  coupling: Coupling;
  asgd: PairResult;
  sgd: PairResult;
  table: Table;
  figure: FigureSpec;
  summary: Record<string, unknown>;
}

/**
 * Reproduce He et al. 2018, Fig. 1: ASGD (lag 10) and SGD on the toy objective beside their SDDE and SDE.
 *
 * @example
 * ```ts
 * import { runFig1 } from 'asgd-sdde';
 *
 * const r = runFig1({ seed: 1, coupling: 'quantile' });
 * console.log(r.table.columns, r.asgd.distance.length);
 * //> [ 'k', 't', 'asgd', 'sdde', 'sgd', 'sde' ] 2001
 * ```
 */
export function runFig1(options: Fig1Options = {}): Fig1Result {
  const seed = options.seed ?? 1;
  const coupling = options.coupling ?? 'independent';
  const { eta, iterations, x0, lag, batchSize } = FIG1_SETTINGS;
  const common = { objective: toyObjective(), x0, eta, iterations, batchSize, sampling: 'with-replacement' as const };
  const asgdCfg = asgdConfig({ ...common, delay: { kind: 'constant', lag }, beforeHistory: 'warmup' });
  const sgdCfg = asgdConfig({ ...common, delay: { kind: 'constant', lag: 0 } });
  // Independent noise follows the paper (the SDDE reads ξ ≡ 4); the coupled variants replay the
  // ASGD's delays, SGD warm-up included.
  const asgd = runPair(asgdCfg, { coupling, seed, sigma: 'at-minimizer', ...(coupling === 'independent' ? { sddeBeforeHistory: 'history' as const } : {}) });
  const sgd = runPair(sgdCfg, { coupling, seed, sigma: 'at-minimizer' });

  const table: Table = {
    columns: ['k', 't', 'asgd', 'sdde', 'sgd', 'sde'],
    data: [asgd.k, asgd.t, asgd.discrete.x, asgd.sdde.x, sgd.discrete.x, sgd.sdde.x],
  };
  const rms = (d: Float64Array) => Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
  const k = Array.from(asgd.k);
  // One legend entry per kind of path; panel (b) reuses (a)'s entries.
  const line = (y: Float64Array, name: string, color: string, axis: 1 | 2) => ({
    type: 'scatter',
    mode: 'lines',
    x: k,
    y: Array.from(y),
    name,
    legendgroup: color,
    showlegend: axis === 1,
    line: { color, width: 1.3 },
    xaxis: axis === 1 ? 'x' : 'x2',
    yaxis: axis === 1 ? 'y' : 'y2',
  });
  const discreteName = coupling === 'shared-brownian' ? 'discrete: Eq. (5) Gaussian recursion at δ' : 'discrete: ASGD in (a), SGD in (b)';
  const continuousName = `continuous: SDDE in (a), SDE in (b), Euler–Maruyama at h = δ${asgd.substeps > 1 ? `/${asgd.substeps}` : ''}`;
  const couplingText = {
    independent: 'independent noise (as in the paper): the discrete path uses the seed\'s minibatch stream, the continuous path its Brownian stream',
    'shared-brownian': 'shared Brownian path: the discrete path is the Eq. (5) Gaussian recursion at δ, the continuous path the same SDDE on h = δ/16 driven by the same increments',
    quantile: 'quantile coupling: each SDDE increment is Φ⁻¹ of the randomized PIT of the same step\'s minibatch noise, with the same delays',
    'axis-quantile': 'axis-quantile coupling: each SDDE increment is Φ⁻¹ of the rank PIT of the same step\'s minibatch noise under a law sampled at x*, with the same delays',
  }[coupling];
  const figure: FigureSpec = {
    title: 'He et al. (2018) Fig. 1 reproduced: path comparison',
    data: [
      line(asgd.discrete.x, discreteName, '#1f77b4', 1),
      line(asgd.sdde.x, continuousName, '#d62728', 1),
      line(sgd.discrete.x, discreteName, '#1f77b4', 2),
      line(sgd.sdde.x, continuousName, '#d62728', 2),
    ],
    layout: {
      grid: { rows: 1, columns: 2, pattern: 'independent' },
      annotations: [
        { text: '(a) ASGD (l = 10) vs SDDE', xref: 'x domain', yref: 'y domain', x: 0.5, y: 1.08, showarrow: false, font: { size: 14 } },
        { text: '(b) SGD vs SDE', xref: 'x2 domain', yref: 'y2 domain', x: 0.5, y: 1.08, showarrow: false, font: { size: 14 } },
      ],
      xaxis: { title: { text: 'iteration k  (t = kη)' } },
      xaxis2: { title: { text: 'iteration k  (t = kη)' } },
      yaxis: { title: { text: 'iterate xₖ, state X(t)' }, range: [-0.6, 4.3] },
      yaxis2: { title: { text: 'iterate xₖ, state X(t)' }, range: [-0.6, 4.3] },
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: -0.18 },
      margin: { t: 50, l: 60, r: 20, b: 90 },
      paper_bgcolor: '#fff',
      plot_bgcolor: '#fff',
    },
    caption:
      `Settings (He et al. Section 5): F(x) = ½(x+1)² + ½(x−1)², learning rate η = ${eta}, K = ${iterations} iterations (T = ηK = ${eta * iterations}), ` +
      `X(0) = ${x0}; (a) constant delay l = ${lag} (τ = lδ = ${lag * eta}) with plain SGD for the first ${lag} ASGD steps, ${coupling === 'independent' ? `SDDE initial function ξ ≡ ${x0} on [−τ, 0]` : 'the SDDE replaying the same delays (so also θ = 0 for its first ten steps)'}; (b) l = 0.\n\n` +
      `Choices where the paper is silent: F is split into n = 2 components f₁ = (x+1)², f₂ = (x−1)² (F is their mean); minibatch size b = ${batchSize}, drawn with replacement; ` +
      `Σ(x) = 4 for every x with this split, so σ = √(Σ/b) = ${Math.sqrt(4 / batchSize)}; δ = η and the SDDE (Eq. 6: dX = −∇F(X(t−θ))dt + √η σ dB) is solved by Euler–Maruyama at step δ${asgd.substeps > 1 ? `/${asgd.substeps}` : ''}. ` +
      `Coupling: ${couplingText}; seed ${seed}, (a) and (b) share it.\n\n` +
      `Measured: RMS distance between the paths ${rms(asgd.distance).toFixed(3)} in (a) and ${rms(sgd.distance).toFixed(3)} in (b); ` +
      `final values ASGD ${asgd.discrete.x.at(-1)!.toFixed(3)}, SDDE ${asgd.sdde.x.at(-1)!.toFixed(3)}, SGD ${sgd.discrete.x.at(-1)!.toFixed(3)}, SDE ${sgd.sdde.x.at(-1)!.toFixed(3)} (x* = 0).`,
    width: 1200,
    height: 500,
  };
  const summary = {
    figure: 'He et al. 2018 Fig. 1',
    seed,
    coupling,
    settings: { ...FIG1_SETTINGS, objective: asgdCfg.objective.description, sampling: 'with-replacement', sigma: Math.sqrt(4 / batchSize), delta: eta, sddeHistory: `ξ ≡ ${x0}`, asgdWarmup: `plain SGD for k < ${lag}` },
    status: { asgd: asgd.discrete.status, sdde: asgd.sdde.status, sgd: sgd.discrete.status, sde: sgd.sdde.status },
    final: { asgd: asgd.discrete.x.at(-1), sdde: asgd.sdde.x.at(-1), sgd: sgd.discrete.x.at(-1), sde: sgd.sdde.x.at(-1) },
    rmsDistance: { a: rms(asgd.distance), b: rms(sgd.distance) },
  };
  return { seed, coupling, asgd, sgd, table, figure, summary };
}
