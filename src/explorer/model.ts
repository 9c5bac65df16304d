/**
 * What the explorer computes, kept free of DOM and Node built-ins so the same code runs in the
 * browser bundle and in the tests: from the control values, a validated ASGD configuration, one
 * ASGD path beside its SDDE, ensemble moments with Thm 4.1's decay envelope, and the staleness
 * histogram with the configured model and the four staleness models fitted by Bhattacharyya distance.
 */
import type { FiniteSumObjective } from '../asgd/objective.ts';
import { generatedLeastSquares } from '../asgd/objectives/least-squares.ts';
import { toyObjective } from '../asgd/objectives/toy.ts';
import { asgdConfig, type AsgdConfig, runAsgd } from '../asgd/runner.ts';
import { type Coupling, runPair, validatePair } from '../bridge/pair.ts';
import { ConfigError } from '../core/errors.ts';
import { fitStalenessModels } from '../delay/fit.ts';
import { spectralAbscissa } from '../theory/lambert-w.ts';

export interface ExplorerSettings {
  objective: 'toy' | 'least-squares';
  eta: number;
  delay: 'constant' | 'uniform' | 'geometric' | 'poisson';
  /** lag (constant), max (uniform), p (geometric) or λ (Poisson). */
  delayParam: number;
  /** maxLag for geometric and Poisson. */
  maxLag: number;
  batchSize: number;
  iterations: number;
  coupling: Coupling;
  seed: number;
  paths: number;
}

export const DEFAULT_SETTINGS: ExplorerSettings = { objective: 'toy', eta: 0.005, delay: 'constant', delayParam: 10, maxLag: 20, batchSize: 1, iterations: 2000, coupling: 'quantile', seed: 1, paths: 64 };

/** Which control a refused field belongs to. */
export function controlOf(field: string): keyof ExplorerSettings {
  if (field.startsWith('asgd.eta') || field.startsWith('bridge.delta')) return 'eta';
  if (field.startsWith('asgd.delay.maxLag')) return 'maxLag';
  if (field.startsWith('asgd.delay')) return 'delayParam';
  if (field.startsWith('asgd.batchSize')) return 'batchSize';
  if (field.startsWith('asgd.iterations')) return 'iterations';
  if (field.startsWith('bridge.coupling') || field.startsWith('bridge.substeps')) return 'coupling';
  if (field.startsWith('seed') || field.startsWith('options.seed')) return 'seed';
  if (field.startsWith('paths')) return 'paths';
  return 'objective';
}

let lsCache: FiniteSumObjective | undefined;
function objectiveOf(s: ExplorerSettings): FiniteSumObjective {
  if (s.objective === 'toy') return toyObjective();
  lsCache ??= generatedLeastSquares({ n: 12, d: 1, noise: 0.5, seed: 1 });
  return lsCache;
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

/** Validate everything before any work; throws ConfigError (use `controlOf(e.field)`). */
export function explorerConfig(s: ExplorerSettings): AsgdConfig {
  const obj = objectiveOf(s);
  const x0 = s.objective === 'toy' ? 4 : obj.minimizer![0] + 2;
  const cfg = asgdConfig({ objective: obj, x0, eta: s.eta, iterations: s.iterations, batchSize: s.batchSize, delay: delaySpec(s) as never, beforeHistory: 'clip' });
  if (!Number.isInteger(s.paths) || s.paths < 2 || s.paths > 2000) throw new ConfigError('paths', `must be an integer in [2, 2000], got ${s.paths}`);
  if (!Number.isInteger(s.seed) || s.seed < 0) throw new ConfigError('seed', `must be a non-negative integer, got ${s.seed}`);
  validatePair(cfg, { coupling: s.coupling, seed: s.seed });
  return cfg;
}

export interface ExplorerResult {
  k: number[];
  asgd: number[];
  sdde: number[];
  /** Ensemble over `paths` paths (independent coupling): mean and sd of x_k and X(t_k) at saved k. */
  moments: { k: number[]; asgdMean: number[]; asgdSd: number[]; sddeMean: number[]; sddeSd: number[]; xStar: number; envelope: number[]; V: number };
  staleness: { lags: number[]; observed: number[]; model: number[]; fits: { model: string; params: Record<string, number>; distance: number; pmf: number[] }[]; workersHat: number };
}

export function explore(s: ExplorerSettings): ExplorerResult {
  const cfg = explorerConfig(s);
  const obj = cfg.objective;
  const pair = runPair(cfg, { coupling: s.coupling, seed: s.seed, substeps: 1 });
  const k = Array.from(pair.k);
  // ensemble moments, every 20th iterate
  const every = Math.max(1, Math.floor(s.iterations / 200));
  const n = Math.floor(s.iterations / every) + 1;
  const sum = { a: new Float64Array(n), a2: new Float64Array(n), s: new Float64Array(n), s2: new Float64Array(n) };
  for (let p = 0; p < s.paths; p++) {
    const r = runPair(cfg, { coupling: 'independent', seed: s.seed, path: p + 1, saveEvery: every });
    for (let i = 0; i < n; i++) {
      sum.a[i] += r.discrete.x[i] ?? NaN;
      sum.a2[i] += (r.discrete.x[i] ?? NaN) ** 2;
      sum.s[i] += r.sdde.x[i] ?? NaN;
      sum.s2[i] += (r.sdde.x[i] ?? NaN) ** 2;
    }
  }
  const mean = (v: Float64Array) => Array.from(v, (x) => x / s.paths);
  const sd = (v: Float64Array, v2: Float64Array) => Array.from(v, (x, i) => Math.sqrt(Math.max(0, (v2[i] - (x * x) / s.paths) / (s.paths - 1))));
  const xStar = obj.minimizer![0];
  // Thm 4.1: for a constant delay the mean obeys x′ = −a x(t − τ) (a = F'' on these 1-D
  // quadratics) and decays like e^{Vt}, V = Re W₀(−aτ)/τ. For random delays maxLag is only a
  // truncation, not the delay the mean sees, so no envelope is drawn (V = NaN).
  const a = obj.lipschitz!;
  const constantDelay = cfg.delay.minLag === cfg.delay.maxLag;
  const V = constantDelay ? spectralAbscissa([a], cfg.delay.maxLag * cfg.eta).V : NaN;
  const kk = Array.from({ length: n }, (_, i) => Math.min(i * every, s.iterations));
  const x0 = cfg.x0[0];
  const envelope = kk.map((ki) => (constantDelay ? xStar + (x0 - xStar) * Math.exp(V * ki * cfg.eta) : NaN));
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
    k,
    asgd: Array.from(pair.discrete.x),
    sdde: Array.from(pair.sdde.x),
    moments: { k: kk, asgdMean: mean(sum.a), asgdSd: sd(sum.a, sum.a2), sddeMean: mean(sum.s), sddeSd: sd(sum.s, sum.s2), xStar, envelope, V },
    staleness: { lags: counts.map((_, i) => i), observed, model: Array.from(cfg.delay.pmf), fits, workersHat: mHat },
  };
}
