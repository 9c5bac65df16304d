/**
 * Run a prepared experiment and shape its result for output: a table (CSV), a figure (HTML)
 * and a summary (JSON) with the final states, the status and the settings used.
 */
import { runAsgd } from '../asgd/runner.ts';
import { runPair } from '../bridge/pair.ts';
import type { Table } from '../io/csv.ts';
import type { FigureSpec } from '../plot/html.ts';
import { MAX_DRAWN_POINTS, thinSeries } from '../plot/thin.ts';
import { solve } from '../sdde/solve.ts';
import type { PreparedExperiment } from './config.ts';

/**
 * What {@link runExperiment} returns: the CSV table, the figure and a JSON summary.
 */
export interface ExperimentOutput {
  table: Table;
  figure: FigureSpec;
  summary: Record<string, unknown>;
}

function columns(x: Float64Array, d: number, prefix: string): { names: string[]; cols: Float64Array[] } {
  const n = x.length / d;
  const cols = Array.from({ length: d }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) cols[j][i] = x[i * d + j];
  return { names: Array.from({ length: d }, (_, j) => (d === 1 ? prefix : `${prefix}${j + 1}`)), cols };
}

function lastState(x: Float64Array, d: number): number[] {
  return x.length >= d ? Array.from(x.subarray(x.length - d)) : [];
}

const PLOTTED = 4; // components drawn in the figure (all are in the CSV)

/** The first PLOTTED components as lines, each thinned to MAX_DRAWN_POINTS (the CSV has every point). */
function lines(t: ArrayLike<number>, names: string[], cols: ArrayLike<number>[], dash = 'solid') {
  return cols.slice(0, PLOTTED).map((c, j) => {
    const { x, y } = thinSeries(t, c);
    return { type: 'scatter', mode: 'lines', x, y, name: names[j], line: { width: 1.3, dash } };
  });
}

/** The caption's note when the figure draws fewer points than the CSV holds. */
function thinNote(rows: number): string {
  return rows > MAX_DRAWN_POINTS ? ` The figure draws at most ${MAX_DRAWN_POINTS} points per line (the smallest and largest value of each of ${MAX_DRAWN_POINTS / 2} equal slices); the CSV has all ${rows} rows.` : '';
}

/**
 * Run a prepared experiment in memory (the CLI's `run` writes its files): the table, figure and summary.
 */
export function runExperiment(p: PreparedExperiment): ExperimentOutput {
  switch (p.kind) {
    case 'asgd': {
      const r = runAsgd(p.asgd, { seed: p.seed, saveAt: { every: p.saveEvery } });
      const d = r.dim;
      const { names, cols } = columns(r.x, d, 'x');
      return {
        table: { columns: ['k', ...names, 'F'], data: [r.k, ...cols, r.F] },
        figure: {
          title: `ASGD on ${p.asgd.objective.name}`,
          data: lines(r.k, names, cols),
          layout: { xaxis: { title: { text: 'iteration k' } }, yaxis: { title: { text: 'iterate xₖ' } } },
          caption: `${p.asgd.objective.description}; η = ${p.asgd.eta}, b = ${p.asgd.batchSize} (${p.asgd.sampling}), K = ${p.asgd.iterations}, delay ${JSON.stringify(p.asgd.delay.spec)}, before-history policy '${p.asgd.beforeHistory}', schedule ${JSON.stringify(p.asgd.schedule.spec)}; seed ${p.seed}. Status: ${r.status}.${thinNote(r.k.length)}`,
        },
        summary: {
          status: r.status,
          ...(r.divergence ? { divergence: r.divergence } : {}),
          iterations: r.iterations,
          final: { k: r.k.at(-1), x: lastState(r.x, d), F: r.F.at(-1) },
          ...(p.asgd.objective.minimizer ? { xStar: Array.from(p.asgd.objective.minimizer), FStar: p.asgd.objective.minimum } : {}),
        },
      };
    }
    case 'sdde': {
      const sol = solve(p.problem, p.algorithm, { dt: p.dt, seed: p.seed, saveAt: { every: p.saveEvery }, interpolation: p.interpolation, ...(p.events ? { events: p.events } : {}) });
      const d = sol.dim;
      const { names, cols } = columns(sol.x, d, 'x');
      return {
        table: { columns: ['t', ...names], data: [sol.t, ...cols] },
        figure: {
          title: `SDDE path (${p.algorithm.name})`,
          data: lines(sol.t, names, cols),
          layout: { xaxis: { title: { text: 't' } }, yaxis: { title: { text: 'X(t)' } } },
          caption: `${p.algorithm.name}, dt = ${p.dt}, T = ${p.problem.T}, history read '${p.interpolation}', seed ${p.seed}. Status: ${sol.status}${sol.divergence ? ` at step ${sol.divergence.step}, t = ${sol.divergence.time}` : ''}${sol.terminated ? ` at event '${sol.terminated.name}', t = ${sol.terminated.t}` : ''}.${thinNote(sol.t.length)}`,
        },
        summary: {
          status: sol.status,
          ...(sol.divergence ? { divergence: sol.divergence } : {}),
          steps: sol.steps,
          final: { t: sol.t.at(-1), x: lastState(sol.x, d) },
          algorithm: sol.algorithm,
          ...(sol.terminated ? { terminated: { event: sol.terminated.name, t: sol.terminated.t, x: Array.from(sol.terminated.x) } } : {}),
          ...(sol.events ? { events: sol.events.map((e) => ({ name: e.name, count: e.count, t: Array.from(e.t) })) } : {}),
        },
      };
    }
    case 'pair': {
      const r = runPair(p.asgd, p.bridge);
      const d = r.dim;
      const a = columns(r.discrete.x, d, 'discrete_x');
      const s = columns(r.sdde.x, d, 'sdde_x');
      const n = Math.min(r.k.length, a.cols[0].length, s.cols[0].length);
      // typed views, not copies into JS arrays (a long run's table would fill the V8 heap)
      const cut = (c: Float64Array | Int32Array) => c.subarray(0, n);
      return {
        table: { columns: ['k', 't', ...a.names, ...s.names, 'distance'], data: [cut(r.k), cut(r.t), ...a.cols.map(cut), ...s.cols.map(cut), cut(r.distance)] },
        figure: {
          title: `${r.discrete.label} and its SDDE (${r.coupling} coupling)`,
          data: [...lines(r.k, a.names, a.cols), ...lines(r.k, s.names, s.cols, 'dot')],
          layout: { xaxis: { title: { text: `iteration k (t = kδ, δ = ${r.delta})` } }, yaxis: { title: { text: 'iterate xₖ, state X(t)' } } },
          caption: `${p.asgd.objective.description}; η = ${p.asgd.eta}, b = ${p.asgd.batchSize} (${p.asgd.sampling}), K = ${p.asgd.iterations}, delay ${JSON.stringify(p.asgd.delay.spec)}; SDDE (He et al. Eq. 6) with δ = ${r.delta}, ${r.substeps} EM substeps per step, σ ${r.sigmaMode}; coupling '${r.coupling}'; seed ${p.seed}.${thinNote(n)}`,
        },
        summary: {
          status: { discrete: r.discrete.status, sdde: r.sdde.status },
          ...(r.discrete.divergence ? { discreteDivergence: r.discrete.divergence } : {}),
          ...(r.sdde.divergence ? { sddeDivergence: r.sdde.divergence } : {}),
          coupling: r.coupling,
          delta: r.delta,
          substeps: r.substeps,
          final: { discrete: lastState(r.discrete.x, d), sdde: lastState(r.sdde.x, d), distance: r.distance.at(-1) },
          meanDistance: r.distance.reduce((acc, v) => acc + v, 0) / Math.max(1, r.distance.length),
        },
      };
    }
  }
}
