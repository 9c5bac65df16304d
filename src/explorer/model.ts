/**
 * What the explorer computes, kept free of DOM and Node built-ins so the same code runs in the
 * browser's Web Worker (web/explorer-worker.ts) and in the tests: from the control values, a
 * validated ASGD configuration, one ASGD path beside its SDDE, an ensemble under the chosen
 * coupling with its moments, the approximation error (strong: E‖x_k − X(t_k)‖ along the path with
 * its 95% band; weak at t_K: moments and MMD²), Thm 4.1's decay envelope, and the staleness
 * histogram with the configured model and the four staleness models fitted by Bhattacharyya distance.
 * Divergence is reported as a status with its step and time, never as a number.
 */
import type { FiniteSumObjective } from '../asgd/objective.ts';
import { generatedLeastSquares } from '../asgd/objectives/least-squares.ts';
import { generatedLogistic, logisticObjective } from '../asgd/objectives/logistic.ts';
import { toyObjective } from '../asgd/objectives/toy.ts';
import { asgdConfig, type AsgdConfig, runAsgd } from '../asgd/runner.ts';
import { type Coupling, runPair, validatePair } from '../bridge/pair.ts';
import { ConfigError } from '../core/errors.ts';
import { fitStalenessModels } from '../delay/fit.ts';
import { weakError } from '../stats/weak.ts';
import { MomentAccumulator, Z95 } from '../stats/welford.ts';
import { spectralAbscissa } from '../theory/lambert-w.ts';
import { EXPLORER_OBJECTIVES, type ExplorerSettings } from './settings.ts';

export { DEFAULT_SETTINGS, EXPLORER_OBJECTIVES, type ExplorerObjective, type ExplorerSettings } from './settings.ts';

/** The prepared MNIST subset the page ships (written by the build: see scripts/build.mjs). */
export interface MnistAsset {
  A: number[][];
  y: number[];
  provenance: string;
}


/** Which control a refused field belongs to. */
export function controlOf(field: string, s?: Pick<ExplorerSettings, 'delay'>): keyof ExplorerSettings {
  if (field.startsWith('asgd.eta') || field.startsWith('bridge.delta')) return 'eta';
  // the uniform model's bound is maxLag, read from the delay parameter's control
  if (field.startsWith('asgd.delay.maxLag')) return s?.delay === 'uniform' ? 'delayParam' : 'maxLag';
  if (field.startsWith('asgd.delay')) return 'delayParam';
  if (field.startsWith('asgd.batchSize')) return 'batchSize';
  if (field.startsWith('asgd.iterations')) return 'iterations';
  if (field.startsWith('bridge.coupling') || field.startsWith('bridge.substeps') || field.startsWith('bridge.sigma')) return 'coupling';
  if (field.startsWith('seed') || field.startsWith('options.seed')) return 'seed';
  if (field.startsWith('paths')) return 'paths';
  return 'objective';
}

const cache = new Map<string, FiniteSumObjective>();
function objectiveOf(s: ExplorerSettings, mnist?: MnistAsset): FiniteSumObjective {
  if (s.objective === 'toy') return toyObjective();
  if (s.objective === 'mnist') {
    if (!mnist) throw new ConfigError('objective', 'the MNIST subset is not available in this build of the explorer (the build writes it when the mnist package is installed)');
    const hit = cache.get('mnist');
    if (hit) return hit;
    const o = logisticObjective({ A: mnist.A, y: mnist.y, l2: 0.01 });
    const named = Object.assign(o, { description: `logistic regression (λ = 0.01) on ${mnist.provenance}` });
    cache.set('mnist', named);
    return named;
  }
  let o = cache.get(s.objective);
  if (!o) {
    o = s.objective === 'least-squares' ? generatedLeastSquares({ n: 12, d: 1, noise: 0.5, seed: 1 }) : s.objective === 'least-squares-10' ? generatedLeastSquares({ n: 500, d: 10, noise: 0.5, seed: 1 }) : generatedLogistic({ n: 500, d: 10, noise: 0.5, l2: 0.01, seed: 1 });
    cache.set(s.objective, o);
  }
  return o;
}

function delaySpec(s: ExplorerSettings): Record<string, unknown> {
  switch (s.delay) {
    case 'constant':
      return { kind: 'constant', lag: s.delayParam };
    case 'uniform':
      return { kind: 'uniform', maxLag: s.delayParam };
    case 'geometric':
      return { kind: 'geometric', p: s.delayParam, maxLag: s.maxLag };
    case 'poisson':
      return { kind: 'poisson', lambda: s.delayParam, maxLag: s.maxLag };
  }
}

/** Validate everything before any work; throws ConfigError (use `controlOf(e.field, s)`). */
export function explorerConfig(s: ExplorerSettings, mnist?: MnistAsset): AsgdConfig {
  if (!(EXPLORER_OBJECTIVES as readonly string[]).includes(s.objective)) throw new ConfigError('objective', `must be one of ${EXPLORER_OBJECTIVES.join(', ')}, got ${JSON.stringify(s.objective)}`);
  const obj = objectiveOf(s, mnist);
  // 1-D: start away from x* as in Fig. 1; d > 1: one unit away in every coordinate
  const x0 = s.objective === 'toy' ? 4 : Array.from(obj.minimizer!, (v) => v + (obj.dim === 1 ? 2 : 0.5));
  const cfg = asgdConfig({ objective: obj, x0, eta: s.eta, iterations: s.iterations, batchSize: s.batchSize, delay: delaySpec(s) as never, beforeHistory: 'clip' });
  if (!Number.isInteger(s.paths) || s.paths < 4 || s.paths > 2000) throw new ConfigError('paths', `must be an integer in [4, 2000], got ${s.paths}`);
  if (!Number.isInteger(s.seed) || s.seed < 0) throw new ConfigError('seed', `must be a non-negative integer, got ${s.seed}`);
  validatePair(cfg, bridgeOf(s));
  return cfg;
}

function bridgeOf(s: ExplorerSettings) {
  return { coupling: s.coupling, seed: s.seed, substeps: 1, ...(s.coupling === 'axis-quantile' ? { lawSamples: 8192 } : {}) };
}

export interface RunStatus {
  /**
   * 'diverged': the state became non-finite (the run stopped there); 'left-range': it grew past
   * `RANGE`·scale without overflowing (an unstable configuration can reach 1e150 and stay finite).
   */
  status: 'ok' | 'diverged' | 'left-range';
  /** First step whose state is non-finite or out of range, and its time t = step·δ. */
  step?: number;
  time?: number;
}

/** How far past the problem's scale (max of 1, |x0|, |x*|) a state may go before it counts as diverging. */
export const RANGE = 1e6;

export interface ExplorerResult {
  dim: number;
  description: string;
  /** One pair: iteration numbers, first coordinate of x_k and X(t_k), and ‖x_k − X(t_k)‖, up to a divergence. */
  k: number[];
  asgd: number[];
  sdde: number[];
  distance: number[];
  status: { asgd: RunStatus; sdde: RunStatus };
  /** Ensemble under the chosen coupling (first coordinate): mean and sd at saved k. */
  moments: { k: number[]; asgdMean: number[]; asgdSd: number[]; sddeMean: number[]; sddeSd: number[]; xStar: number; envelope: number[]; V: number };
  /** The approximation error of the ensemble. */
  approximation: {
    coupling: Coupling;
    paths: number;
    diverged: number;
    /** E‖x_k − X(t_k)‖ at saved k with its 95% band. */
    k: number[];
    strong: number[];
    strongLo: number[];
    strongHi: number[];
    final: { mean: number; lo: number; hi: number };
    /** Weak error at t_K (paired for coupled pairs); absent when paths diverged. */
    weak?: { paired: boolean; meanDiff: number; meanDiffLo: number; meanDiffHi: number; meanDiffWhat: string; traceCovDiff: number; traceCovLo: number; traceCovHi: number; mmd2: number; mmd2Lo: number; mmd2Hi: number; bandwidth: number };
  };
  staleness: { lags: number[]; observed: number[]; model: number[]; fits: { model: string; params: Record<string, number>; distance: number; pmf: number[] }[]; workersHat: number };
}

function statusOf(s: 'ok' | 'diverged' | 'terminated', step: number | undefined, delta: number): RunStatus {
  return s === 'ok' ? { status: 'ok' } : { status: 'diverged', step: step!, time: step! * delta };
}

/** Saved points before the first state out of range (all of them if none). */
function inRangePoints(x: Float64Array, d: number, bound: number): number {
  const n = x.length / d;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) if (!(Math.abs(x[i * d + j]) <= bound)) return i;
  return n;
}

export interface ExploreOptions {
  mnist?: MnistAsset;
  /** Called after each ensemble path (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export function explore(s: ExplorerSettings, options: ExploreOptions = {}): ExplorerResult {
  const cfg = explorerConfig(s, options.mnist);
  const obj = cfg.objective;
  const d = obj.dim;
  const bridge = bridgeOf(s);
  const pair = runPair(cfg, bridge);
  const delta = pair.delta;
  let scale = 1;
  for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(cfg.x0[j]), Math.abs(obj.minimizer![j]));
  const bound = RANGE * scale;
  // both paths are kept (and drawn) only up to where they stay finite and in range
  const inA = inRangePoints(pair.discrete.x, d, bound);
  const inS = inRangePoints(pair.sdde.x, d, bound);
  const n = Math.min(pair.distance.length, inA, inS);
  const first = (x: Float64Array) => Array.from({ length: n }, (_, i) => x[i * d]);
  const rangeStatus = (st: RunStatus, inside: number, total: number): RunStatus => (st.status === 'ok' && inside < total ? { status: 'left-range', step: pair.k[inside], time: pair.k[inside] * delta } : st);
  const statusA = rangeStatus(statusOf(pair.discrete.status, pair.discrete.divergence?.step, delta), inA, pair.discrete.x.length / d);
  const statusS = rangeStatus(statusOf(pair.sdde.status, pair.sdde.divergence?.step, delta), inS, pair.sdde.x.length / d);

  // the ensemble, under the chosen coupling, every `every`-th step
  const every = Math.max(1, Math.floor(s.iterations / 200));
  const nT = Math.floor(s.iterations / every) + 1 + (s.iterations % every ? 1 : 0);
  const kk = Array.from({ length: nT }, (_, i) => Math.min(i * every, s.iterations));
  const A = new MomentAccumulator(nT, 1);
  const S = new MomentAccumulator(nT, 1);
  const D = new MomentAccumulator(nT, 1);
  const finA = new Float64Array(s.paths * d);
  const finS = new Float64Array(s.paths * d);
  let diverged = 0;
  const col = new Float64Array(nT);
  for (let p = 0; p < s.paths; p++) {
    const r = runPair(cfg, { ...bridge, path: p + 1, saveEvery: every });
    // a path that overflowed or left the range is counted, not averaged
    if (r.discrete.status !== 'ok' || r.sdde.status !== 'ok' || inRangePoints(r.discrete.x, d, bound) < nT || inRangePoints(r.sdde.x, d, bound) < nT) diverged++;
    else {
      for (const [acc, x] of [[A, r.discrete.x], [S, r.sdde.x]] as const) {
        for (let i = 0; i < nT; i++) col[i] = x[i * d];
        acc.add(col, nT);
      }
      D.add(r.distance, nT);
      finA.set(r.discrete.x.subarray((nT - 1) * d, nT * d), p * d);
      finS.set(r.sdde.x.subarray((nT - 1) * d, nT * d), p * d);
    }
    options.onProgress?.(p + 1, s.paths);
  }
  const ok = s.paths - diverged;
  const mean = (acc: MomentAccumulator) => kk.map((_, i) => (ok > 0 ? acc.meanAt(i) : NaN));
  const sd = (acc: MomentAccumulator) => kk.map((_, i) => (ok > 1 ? Math.sqrt(acc.variance(i)) : NaN));
  const strong = mean(D);
  const half = kk.map((_, i) => (ok > 1 ? Z95 * D.standardError(i) : NaN));
  let weak: ExplorerResult['approximation']['weak'];
  if (diverged === 0 && s.paths >= 4) {
    const paired = s.coupling !== 'independent';
    const w = weakError(finA, finS, d, { paired });
    const md = d === 1 ? { v: w.meanDiff[0], se: w.meanDiffSe[0], what: 'E x_K − E X(t_K)' } : { v: w.meanDiffNorm2.value, se: w.meanDiffNorm2.se, what: '‖E x_K − E X(t_K)‖² (bias-corrected)' };
    weak = {
      paired,
      meanDiff: md.v,
      meanDiffLo: md.v - Z95 * md.se,
      meanDiffHi: md.v + Z95 * md.se,
      meanDiffWhat: md.what,
      traceCovDiff: w.traceCovDiff.value,
      traceCovLo: w.traceCovDiff.ci95[0],
      traceCovHi: w.traceCovDiff.ci95[1],
      mmd2: w.mmd.mmd2,
      mmd2Lo: w.mmd.ci95[0],
      mmd2Hi: w.mmd.ci95[1],
      bandwidth: w.mmd.bandwidth,
    };
  }

  const xStar = obj.minimizer![0];
  // Thm 4.1: for a constant delay on a 1-D quadratic the mean obeys x′ = −a x(t − τ) and decays like
  // e^{Vt}, V = Re W₀(−aτ)/τ. For random delays maxLag is only a truncation, not the delay the mean
  // sees, and in d > 1 or for logistic regression a is not one number: no envelope (V = NaN).
  const quadratic1d = d === 1 && obj.name !== 'logistic';
  const a = obj.lipschitz!;
  const constantDelay = cfg.delay.minLag === cfg.delay.maxLag;
  const V = constantDelay && quadratic1d ? spectralAbscissa([a], cfg.delay.maxLag * cfg.eta).V : NaN;
  const x0 = cfg.x0[0];
  const envelope = kk.map((ki) => (Number.isFinite(V) ? xStar + (x0 - xStar) * Math.exp(V * ki * cfg.eta) : NaN));
  // staleness: the lags the ASGD path drew (recorded whatever the coupling)
  const delays = runAsgd(cfg, { seed: s.seed, recordDelays: true, saveAt: { final: true } }).delays!;
  const maxLag = cfg.delay.maxLag;
  const counts = new Array(maxLag + 1).fill(0);
  for (const l of delays) counts[l]++;
  const total = Math.max(1, delays.length);
  const observed = counts.map((c) => c / total);
  const meanLag = delays.reduce((acc, l) => acc + l, 0) / total;
  // Bhattacharyya fits of the four MindTheStep models (Section VI), shown on 0..maxLag; CMP on the
  // line λ^{1/ν} = m̂ (Eq. 13) with m̂ = round(mean lag) + 1, the worker count whose staleness mode
  // would be this mean (there are no workers here: the lags come from a model)
  const mHat = Math.max(1, Math.round(meanLag) + 1);
  const fits = fitStalenessModels(delays.length ? delays : [0], mHat)
    .filter((f) => f.model !== 'empirical')
    .map((f) => ({ model: f.model, params: f.params, distance: f.distance, pmf: Array.from({ length: maxLag + 1 }, (_, i) => f.pmf[i] ?? 0) }));
  return {
    dim: d,
    description: obj.description,
    k: Array.from(pair.k.subarray(0, n)),
    asgd: first(pair.discrete.x),
    sdde: first(pair.sdde.x),
    distance: Array.from(pair.distance.subarray(0, n)),
    status: { asgd: statusA, sdde: statusS },
    moments: { k: kk, asgdMean: mean(A), asgdSd: sd(A), sddeMean: mean(S), sddeSd: sd(S), xStar, envelope, V },
    approximation: {
      coupling: s.coupling,
      paths: s.paths,
      diverged,
      k: kk,
      strong,
      strongLo: strong.map((v, i) => v - half[i]),
      strongHi: strong.map((v, i) => v + half[i]),
      final: { mean: strong[nT - 1], lo: strong[nT - 1] - half[nT - 1], hi: strong[nT - 1] + half[nT - 1] },
      ...(weak ? { weak } : {}),
    },
    staleness: { lags: counts.map((_, i) => i), observed, model: Array.from(cfg.delay.pmf), fits, workersHat: mHat },
  };
}
