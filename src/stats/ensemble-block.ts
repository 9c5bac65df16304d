/**
 * One block of an ensemble: paths [first, first + count) of a task, run one after the other
 * and accumulated into streaming moments. This is the unit of work of `runEnsemble`, the same
 * code in the main thread and in worker threads.
 *
 * A task is plain JSON (an experiment config and what to run), so a worker rebuilds it exactly.
 */
import { runAsgd } from '../asgd/runner.ts';
import { runPair, solveBridgedSdde } from '../bridge/pair.ts';
import { prepareExperiment, type PreparedExperiment } from '../experiments/config.ts';
import { ConfigError } from '../core/errors.ts';
import { solvePaths } from '../sdde/solve-paths.ts';
import { solve } from '../sdde/solve.ts';
import { MomentAccumulator, type MomentState } from './welford.ts';

export type EnsembleRun = 'asgd' | 'pair' | 'bridge-sdde' | 'sdde';

export interface EnsembleTask {
  /** An experiment config as for `asgd-sdde run` (kind asgd, pair or sdde). */
  config: unknown;
  /** asgd: the ASGD of an asgd/pair config; pair: ASGD and SDDE; bridge-sdde: only the SDDE of a pair config; sdde: an sdde config. */
  run: EnsembleRun;
  paths: number;
  seed: number;
  /** Paths per block (default 32). Results do not depend on the thread count, but do on this. */
  blockSize?: number;
  /** Keep the full covariance of the state at every saved time (default: variances only). */
  covariance?: boolean;
  /** Keep every path's final state (1-D problems: for Wasserstein distances); default false. */
  keepFinals?: boolean;
}

/** Per-series statistics of a block (or of the merged ensemble). */
export interface SeriesState {
  x: MomentState;
  /** ‖X − x*‖² per saved time (when x* is known). */
  sqdist?: MomentState;
  /** F(X) − F* per saved time (ASGD series with known F*). */
  gap?: MomentState;
  /** Final state of every path (row-major paths × d), when keepFinals. */
  finals?: Float64Array;
  /** max over paths and times of ‖X(t) − X(0)‖: the envelope D of He et al. Thm 4.2. */
  envelope: number;
  /** Paths that diverged. */
  diverged: number;
}

export interface BlockResult {
  block: number;
  series: Record<string, SeriesState>;
  /** ‖discrete − SDDE‖ per saved time (pair). */
  distance?: MomentState;
}

export interface EnsembleLayout {
  /** Saved iteration numbers k and times t = kδ (δ = 1 for plain ASGD: t = k). */
  k: Float64Array;
  t: Float64Array;
  dim: number;
  seriesNames: string[];
  /** Solver/runner steps per path (for deciding whether threads pay). */
  steps: number;
  xStar?: Float64Array;
  FStar?: number;
}

function prepare(task: EnsembleTask): PreparedExperiment {
  return prepareExperiment(task.config, task.seed);
}

export function ensembleLayout(task: EnsembleTask): EnsembleLayout {
  const p = prepare(task);
  if (p.kind === 'sdde') {
    if (p.events) throw new ConfigError('sdde.events', 'events apply to a single run (asgd-sdde run); an ensemble keeps whole paths');
    const every = p.saveEvery;
    const n = Math.round((p.problem.T - p.problem.t0) / p.dt);
    const steps = [...Array.from({ length: Math.floor(n / every) + 1 }, (_, i) => i * every), ...(n % every ? [n] : [])];
    return { k: Float64Array.from(steps), t: Float64Array.from(steps, (s) => p.problem.t0 + s * p.dt), dim: p.problem.dim, seriesNames: ['sdde'], steps: n };
  }
  const cfg = p.asgd;
  const every = p.kind === 'asgd' ? p.saveEvery : p.bridge.saveEvery ?? 1;
  const K = cfg.iterations;
  const steps = [...Array.from({ length: Math.floor(K / every) + 1 }, (_, i) => i * every), ...(K % every ? [K] : [])];
  const delta = p.kind === 'pair' ? p.bridge.delta ?? cfg.eta : 1;
  const names = task.run === 'pair' ? ['asgd', 'sdde'] : task.run === 'bridge-sdde' ? ['sdde'] : ['asgd'];
  return {
    k: Float64Array.from(steps),
    t: Float64Array.from(steps, (s) => s * delta),
    dim: cfg.objective.dim,
    seriesNames: names,
    steps: K * ((task.run === 'asgd' ? 1 : 0) + (task.run === 'asgd' || p.kind !== 'pair' ? 0 : p.bridge.substeps ?? 1) + (task.run === 'pair' ? 1 : 0)),
    ...(cfg.objective.minimizer ? { xStar: cfg.objective.minimizer } : {}),
    ...(cfg.objective.minimum !== undefined ? { FStar: cfg.objective.minimum } : {}),
  };
}

class SeriesAccumulator {
  readonly x: MomentAccumulator;
  readonly sqdist?: MomentAccumulator;
  readonly gap?: MomentAccumulator;
  readonly finals?: Float64Array;
  envelope = 0;
  diverged = 0;
  private readonly sq: Float64Array;
  constructor(nT: number, d: number, covariance: boolean, withSq: boolean, withGap: boolean, finals: number) {
    this.x = new MomentAccumulator(nT, d, { covariance });
    if (withSq) this.sqdist = new MomentAccumulator(nT, 1);
    if (withGap) this.gap = new MomentAccumulator(nT, 1);
    if (finals > 0) this.finals = new Float64Array(finals * d).fill(NaN);
    this.sq = new Float64Array(nT);
  }
  addPath(x: Float64Array, d: number, xStar: Float64Array | undefined, pathInBlock: number, status: string, F?: Float64Array, FStar?: number): void {
    const n = x.length / d;
    if (status !== 'ok') this.diverged++;
    this.x.add(x, n);
    if (this.sqdist && xStar) {
      for (let p = 0; p < n; p++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += (x[p * d + i] - xStar[i]) ** 2;
        this.sq[p] = s;
      }
      this.sqdist.add(this.sq, n);
    }
    if (this.gap && F && FStar !== undefined) {
      for (let p = 0; p < n; p++) this.sq[p] = F[p] - FStar;
      this.gap.add(this.sq, n);
    }
    for (let p = 1; p < n; p++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += (x[p * d + i] - x[i]) ** 2;
      this.envelope = Math.max(this.envelope, Math.sqrt(s));
    }
    if (this.finals && status === 'ok') this.finals.set(x.subarray((n - 1) * d, n * d), pathInBlock * d);
  }
  state(): SeriesState {
    return {
      x: this.x.state(),
      ...(this.sqdist ? { sqdist: this.sqdist.state() } : {}),
      ...(this.gap ? { gap: this.gap.state() } : {}),
      ...(this.finals ? { finals: this.finals } : {}),
      envelope: this.envelope,
      diverged: this.diverged,
    };
  }
}

/** Run block `block` (paths block·B … min((block+1)·B, paths) − 1). */
export function runBlock(task: EnsembleTask, block: number): BlockResult {
  const B = task.blockSize ?? 32;
  const first = block * B;
  const count = Math.min(B, task.paths - first);
  const p = prepare(task);
  const layout = ensembleLayout(task);
  const nT = layout.k.length;
  const d = layout.dim;
  const withSq = layout.xStar !== undefined;
  const series: Record<string, SeriesAccumulator> = {};
  for (const name of layout.seriesNames) series[name] = new SeriesAccumulator(nT, d, task.covariance ?? false, withSq, name === 'asgd' && layout.FStar !== undefined, task.keepFinals ? count : 0);
  const distance = task.run === 'pair' ? new MomentAccumulator(nT, 1) : undefined;

  if (p.kind === 'sdde') {
    // paths side by side in the kernels where they apply (grid reads); the same bits as one solve per path
    const options = { dt: p.dt, seed: task.seed, saveAt: { every: p.saveEvery } };
    const sols =
      p.interpolation === 'grid'
        ? solvePaths(p.problem, p.algorithm, options, first, count)
        : Array.from({ length: count }, (_, j) => solve(p.problem, p.algorithm, { ...options, path: first + j, interpolation: p.interpolation }));
    sols.forEach((sol, j) => series.sdde.addPath(sol.x, d, undefined, j, sol.status));
  }
  for (let j = 0; j < count && p.kind !== 'sdde'; j++) {
    const path = first + j;
    if (task.run === 'asgd') {
      const every = p.kind === 'asgd' ? p.saveEvery : p.bridge.saveEvery ?? 1;
      const r = runAsgd(p.asgd, { seed: task.seed, path, saveAt: { every } });
      series.asgd.addPath(r.x, d, layout.xStar, j, r.status, r.F, layout.FStar);
      continue;
    }
    if (p.kind !== 'pair') throw new RangeError(`ensemble: run '${task.run}' needs a pair config`);
    if (task.run === 'bridge-sdde') {
      const sol = solveBridgedSdde(p.asgd, { ...p.bridge, seed: task.seed, path });
      series.sdde.addPath(sol.x, d, layout.xStar, j, sol.status);
      continue;
    }
    const r = runPair(p.asgd, { ...p.bridge, seed: task.seed, path });
    series.asgd.addPath(r.discrete.x, d, layout.xStar, j, r.discrete.status);
    series.sdde.addPath(r.sdde.x, d, layout.xStar, j, r.sdde.status);
    distance!.add(r.distance, r.distance.length);
  }
  const out: Record<string, SeriesState> = {};
  for (const [name, acc] of Object.entries(series)) out[name] = acc.state();
  return { block, series: out, ...(distance ? { distance: distance.state() } : {}) };
}
