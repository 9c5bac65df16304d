/**
 * What an ensemble runs, and one block of it.
 *
 * An `EnsembleModel` says what one path is: its layout (saved times, dimension, series names) and
 * `runPath(seed, path)`, which returns the saved states of each series. Models come from what a
 * user has: an SDDE problem (`sddeModel`), an ASGD configuration with its objective object
 * (`asgdModel`), ASGD beside its SDDE (`pairModel`), or any object with `layout` and `runPath`.
 *
 * A block is paths [block·B, min((block+1)·B, N)), run one after the other and accumulated into
 * streaming moments; blocks are the unit of work of `runEnsemble`, the same code in the main thread
 * and in worker threads.
 */
import { type AsgdConfig, type AsgdSpec, runAsgd, toAsgdConfig } from '../asgd/runner.ts';
import { type PairOptions, runPair, solveBridgedSdde, validatePair } from '../bridge/pair.ts';
import type { SddeAlgorithm } from '../sdde/algorithm.ts';
import { EulerMaruyama } from '../sdde/algorithms/euler-maruyama.ts';
import type { HistoryInterpolation } from '../sdde/delayed-read.ts';
import type { SddeProblem } from '../sdde/problem.ts';
import { solvePaths } from '../sdde/solve-paths.ts';
import { gridSteps, solve } from '../sdde/solve.ts';
import { MomentAccumulator, type MomentState } from './welford.ts';
import { ConfigError, describe } from '../core/errors.ts';
import { integer, plainObject, positiveNumber } from '../core/validate.ts';
import { everyNthSteps } from '../sdde/save-at.ts';
import { throwIfAborted, YIELD_EVERY_MS, yieldToEventLoop } from '../core/abort.ts';

/**
 * The shape of an ensemble model's output: saved step numbers and times, state dimension, series names,
 * steps per path, and x* and F* when known.
 */
export interface EnsembleLayout {
  /** Saved step numbers k and times t (t = kδ for ASGD/SDDE pairs; t = k for plain ASGD). */
  k: Float64Array;
  t: Float64Array;
  dim: number;
  seriesNames: string[];
  /** Solver/runner steps per path (for deciding whether threads pay). */
  steps: number;
  /** x*, when known: the ensemble then tracks ‖X − x*‖². */
  xStar?: Float64Array;
  /** F*, when known: ASGD series then track F(x) − F*. */
  FStar?: number;
}

/** One path's output: saved states (saved points × dim, row-major) per series, and for pairs their distance. */
export interface PathOutput {
  series: Record<string, { x: Float64Array; status: 'ok' | 'diverged' | 'terminated'; F?: Float64Array }>;
  /** ‖discrete − SDDE‖ at the saved points (pairs). */
  distance?: Float64Array;
}

/** What one path of an ensemble is. */
export interface EnsembleModel {
  layout: EnsembleLayout;
  /** Run path `path` of `seed` (deterministic: same arguments ⇒ same bits). */
  runPath(seed: number, path: number): PathOutput;
  /** Paths first … first + count − 1 at once (optional; must equal runPath path by path, bit for bit). */
  runPaths?(seed: number, first: number, count: number): PathOutput[];
}

/** Statistics accumulated by an ensemble. */
export interface EnsembleStatistics {
  /** Paths per block (default 32). Results do not depend on the thread count, but do on this. */
  blockSize?: number;
  /** Keep the full covariance of the state at every saved time (default: variances only). */
  covariance?: boolean;
  /** Keep every path's final state (paths × dim), for distances between laws; default false. */
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

/** The statistics of one block of paths (kept with `keepBlocks`, for jackknife standard errors). */
export interface BlockResult {
  block: number;
  series: Record<string, SeriesState>;
  /** ‖discrete − SDDE‖ per saved time (pair). */
  distance?: MomentState;
  /** Every path's saved states per series (count × points × dim; NaN where a path stopped early), when kept. */
  kept?: Record<string, Float64Array>;
  /** The per-path outputs, in path order (when an `output` function is given). */
  outputs?: unknown[];
}

/** How an SDDE ensemble steps and saves: step dt, every `saveEvery`-th step kept (default 1), the algorithm (default Euler–Maruyama), the history read. */
export interface SddeModelOptions {
  dt: number;
  saveEvery?: number;
  algorithm?: SddeAlgorithm;
  interpolation?: HistoryInterpolation;
}

/**
 * Paths of an SDDE solved by `algorithm` (default Euler–Maruyama) at step dt, every `saveEvery`-th
 * step kept, the delayed state read on the grid or interpolated. Events are not taken: an ensemble
 * keeps whole paths (a run with events is `solve`'s).
 *
 * Takes `(problem, { dt, saveEvery?, algorithm?, interpolation? })` or, as `runEnsemble` takes it as
 * a source, one object `{ problem, dt, saveEvery?, algorithm?, interpolation? }`.
 * @throws ConfigError for a missing or bad problem, dt, saveEvery (before any path runs)
 * @example
 * ```ts
 * import { defineSdde, runEnsemble, sddeModel } from 'asgd-sdde';
 *
 * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -x[0]!; }, diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1, T: 1 });
 * const model = sddeModel({ problem, dt: 0.01, saveEvery: 10 }); // = sddeModel(problem, { dt: 0.01, saveEvery: 10 })
 * const ens = await runEnsemble(model, { paths: 1000, seed: 1 });
 * const x = ens.series.sdde!.x;
 * console.log(ens.k.length, x.meanAt(10).toFixed(3)); // 11 saved times; E X(1) = e⁻¹ = 0.368 within its SE 0.006
 * //> 11 0.370
 * ```
 */
export function sddeModel(source: SddeModelOptions & { problem: SddeProblem }): EnsembleModel;
export function sddeModel(problem: SddeProblem, options: SddeModelOptions): EnsembleModel;
export function sddeModel(first: SddeProblem | (SddeModelOptions & { problem: SddeProblem }), second?: SddeModelOptions): EnsembleModel {
  const single = second === undefined && typeof first === 'object' && first !== null && 'problem' in first;
  const problem = (single ? (first as { problem: SddeProblem }).problem : first) as SddeProblem;
  const rawOptions: unknown = single ? first : second;
  if (typeof problem !== 'object' || problem === null || typeof problem.drift !== 'function' || typeof problem.diffusion !== 'object') {
    throw new ConfigError(single ? 'sddeModel.problem' : 'sddeModel(problem)', `must be a problem built by defineSdde, got ${describe(problem)}`);
  }
  const o = plainObject(rawOptions, 'sddeModel.options');
  const options: SddeModelOptions = {
    dt: positiveNumber(o.dt, 'sddeModel.dt'),
    ...(o.saveEvery !== undefined ? { saveEvery: integer(o.saveEvery, 'sddeModel.saveEvery', { min: 1 }) } : {}),
    ...(o.algorithm !== undefined ? { algorithm: o.algorithm as SddeAlgorithm } : {}),
    ...(o.interpolation !== undefined ? { interpolation: o.interpolation as HistoryInterpolation } : {}),
  };
  const every = options.saveEvery ?? 1;
  const n = gridSteps(problem.t0, problem.T, options.dt);
  const steps = everyNthSteps(n, every);
  const algorithm = options.algorithm ?? new EulerMaruyama();
  const interpolation = options.interpolation ?? 'grid';
  const solveOptions = (seed: number) => ({ dt: options.dt, seed, saveAt: { every } });
  const output = (sol: { x: Float64Array; status: 'ok' | 'diverged' | 'terminated' }): PathOutput => ({ series: { sdde: { x: sol.x, status: sol.status } } });
  return {
    layout: { k: Float64Array.from(steps), t: Float64Array.from(steps, (s) => problem.t0 + s * options.dt), dim: problem.dim, seriesNames: ['sdde'], steps: n },
    runPath(seed, path) {
      return output(solve(problem, algorithm, { ...solveOptions(seed), path, interpolation }));
    },
    // paths side by side in the kernels where they apply (one lag read on the grid): the same bits as runPath
    ...(interpolation === 'grid' ? { runPaths: (seed: number, first: number, count: number) => solvePaths(problem, algorithm, solveOptions(seed), first, count).map(output) } : {}),
  };
}

function asgdLayout(cfg: AsgdConfig, every: number, delta: number, names: string[], steps: number): EnsembleLayout {
  const saved = everyNthSteps(cfg.iterations, every);
  return {
    k: Float64Array.from(saved),
    t: Float64Array.from(saved, (s) => s * delta),
    dim: cfg.objective.dim,
    seriesNames: names,
    steps,
    ...(cfg.objective.minimizer ? { xStar: cfg.objective.minimizer } : {}),
    ...(cfg.objective.minimum !== undefined ? { FStar: cfg.objective.minimum } : {}),
  };
}

/** Paths of ASGD (iteration numbers as times), every `saveEvery`-th iterate kept. */
export function asgdModel(config: AsgdConfig | AsgdSpec, options: { saveEvery?: number } = {}): EnsembleModel {
  const cfg = toAsgdConfig(config);
  const every = options.saveEvery ?? 1;
  return {
    layout: asgdLayout(cfg, every, 1, ['asgd'], cfg.iterations),
    runPath(seed, path) {
      const r = runAsgd(cfg, { seed, path, saveAt: { every } });
      return { series: { asgd: { x: r.x, status: r.status, F: r.F } } };
    },
  };
}

/**
 * ASGD beside its SDDE (He et al. Eq. 6) under a coupling: series 'asgd' and 'sdde' and their
 * distance ('pair'), or the bridged SDDE alone with its own noise and delays ('bridge-sdde').
 */
export function pairModel(config: AsgdConfig | AsgdSpec, bridge: PairOptions, run: 'pair' | 'bridge-sdde' = 'pair'): EnsembleModel {
  const cfg = toAsgdConfig(config);
  const v = validatePair(cfg, bridge); // every refusal before any work
  const every = v.saveEvery;
  const names = run === 'pair' ? ['asgd', 'sdde'] : ['sdde'];
  return {
    layout: asgdLayout(cfg, every, v.bridged.delta, names, cfg.iterations * (v.m + (run === 'pair' ? 1 : 0))),
    runPath(seed, path): PathOutput {
      if (run === 'bridge-sdde') {
        const sol = solveBridgedSdde(cfg, { ...bridge, seed, path }, v.bridged);
        return { series: { sdde: { x: sol.x, status: sol.status } } };
      }
      // validated once above (the SDDE and its covariance at the σ point included), not per path
      const r = runPair(cfg, { ...bridge, seed, path }, { ...v, seed, path });
      return { series: { asgd: { x: r.discrete.x, status: r.discrete.status }, sdde: { x: r.sdde.x, status: r.sdde.status } }, distance: r.distance };
    },
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

/** What a block needs to know of its ensemble: paths, seed, block size and what to keep. */
export type BlockSpec = EnsembleStatistics & { paths: number; seed: number; keepPaths?: boolean };

/**
 * One block being run: paths block·B … min((block+1)·B, paths) − 1 of `model`, added to the block's
 * statistics in path order. `run(j, n)` runs the block's paths j … j + n − 1 (in one `runPaths`
 * batch where the model has one); the result does not depend on how the block is cut into runs
 * (runPaths equals runPath path by path, and the statistics are added path after path).
 */
class BlockRun {
  readonly first: number;
  readonly count: number;
  private readonly series: Record<string, SeriesAccumulator> = {};
  private distance: MomentAccumulator | undefined;
  private readonly kept: Record<string, Float64Array> | undefined;
  private readonly outputs: unknown[] | undefined;
  constructor(
    private readonly model: EnsembleModel,
    private readonly spec: BlockSpec,
    private readonly block: number,
    private readonly output?: (path: PathOutput, i: number) => unknown,
  ) {
    const B = spec.blockSize ?? 32;
    this.first = block * B;
    this.count = Math.min(B, spec.paths - this.first);
    const layout = model.layout;
    const nT = layout.k.length;
    const d = layout.dim;
    const withSq = layout.xStar !== undefined;
    for (const name of layout.seriesNames) this.series[name] = new SeriesAccumulator(nT, d, spec.covariance ?? false, withSq, name === 'asgd' && layout.FStar !== undefined, spec.keepFinals ? this.count : 0);
    this.kept = spec.keepPaths ? Object.fromEntries(layout.seriesNames.map((n) => [n, new Float64Array(this.count * nT * d).fill(NaN)])) : undefined;
    this.outputs = output ? [] : undefined;
  }
  run(from: number, n: number): void {
    const { layout } = this.model;
    const nT = layout.k.length;
    const d = layout.dim;
    const first = this.first + from;
    const batch = this.model.runPaths?.(this.spec.seed, first, n);
    for (let q = 0; q < n; q++) {
      const j = from + q;
      const out = batch ? batch[q] : this.model.runPath(this.spec.seed, first + q);
      for (const name of layout.seriesNames) {
        const s = out.series[name];
        if (!s) throw new RangeError(`ensemble: path ${first + q} returned no series '${name}' (the layout names ${layout.seriesNames.join(', ')})`);
        this.series[name].addPath(s.x, d, layout.xStar, j, s.status, s.F, layout.FStar);
        this.kept?.[name].set(s.x.subarray(0, Math.min(s.x.length, nT * d)), j * nT * d);
      }
      if (this.outputs) this.outputs.push(this.output!(out, first + q));
      if (out.distance) {
        this.distance ??= new MomentAccumulator(nT, 1);
        this.distance.add(out.distance, out.distance.length);
      }
    }
  }
  result(): BlockResult {
    const result: Record<string, SeriesState> = {};
    for (const [name, acc] of Object.entries(this.series)) result[name] = acc.state();
    return { block: this.block, series: result, ...(this.distance ? { distance: this.distance.state() } : {}), ...(this.kept ? { kept: this.kept } : {}), ...(this.outputs ? { outputs: this.outputs } : {}) };
  }
}

/** Run block `block` of `paths` paths of `model` (paths block·B … min((block+1)·B, paths) − 1). */
export function runBlock(model: EnsembleModel, spec: BlockSpec, block: number, output?: (path: PathOutput, i: number) => unknown): BlockResult {
  const r = new BlockRun(model, spec, block, output);
  r.run(0, r.count);
  return r.result();
}

/**
 * {@link runBlock} that yields to the event loop about every {@link YIELD_EVERY_MS} ms of work, so that
 * a timer (`AbortSignal.timeout`) or a UI event can abort the ensemble while a long block runs; after
 * each yield it throws the signal's reason once aborted. It runs the block in runs of paths whose
 * length adapts to the time a path takes (one path at first, doubling while a run takes under a
 * tenth of the interval): the same bits as runBlock. A single path is not interrupted. `pace` is
 * shared by the blocks the calling thread runs: `since`, when it last yielded (so short blocks
 * yield too), and `paths`, the current length of a run (start with 1).
 */
export async function runBlockYielding(model: EnsembleModel, spec: BlockSpec, block: number, output: ((path: PathOutput, i: number) => unknown) | undefined, signal: AbortSignal, pace: { since: number; paths: number }): Promise<BlockResult> {
  const r = new BlockRun(model, spec, block, output);
  for (let j = 0; j < r.count; ) {
    const len = Math.min(pace.paths, r.count - j);
    const start = performance.now();
    r.run(j, len);
    j += len;
    const now = performance.now();
    // a run as long as it may be: doubled while it takes under a tenth of the interval (up to 2^20 paths)
    if (now - start < YIELD_EVERY_MS / 10 && len === pace.paths) pace.paths = Math.min(pace.paths * 2, 2 ** 20);
    else if (now - start > YIELD_EVERY_MS && pace.paths > 1) pace.paths >>= 1;
    if (now - pace.since >= YIELD_EVERY_MS) {
      await yieldToEventLoop();
      throwIfAborted(signal);
      pace.since = performance.now();
    }
  }
  return r.result();
}
