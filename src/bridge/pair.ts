/**
 * ASGD and its SDDE side by side, on the coarse grid t_k = kδ, under one of three couplings:
 *
 *  - 'independent'     ASGD and the SDDE each draw their own noise and delays (He et al. Fig. 1).
 *                      Their distance mixes approximation error with the luck of two draws.
 *  - 'shared-brownian' The Gaussian recursion of Eq. (5) — EM for Eq. (6) at step δ — against the
 *                      same SDDE solved on h = δ/m, driven by one Brownian path (fine increments
 *                      summed onto the coarse grid) and the same lags: the pathwise
 *                      discretization error, part (1) of the proof of Thm 3.2.
 *  - 'quantile'        (1-D) The SDDE's Gaussian increment at step k is Φ⁻¹ of the randomized
 *                      probability integral transform of the same ASGD step's minibatch noise
 *                      under its exact law, with the ASGD's lags: the distance measures the
 *                      CLT replacement of part (2), not two independent draws. (Feeding the raw
 *                      minibatch noise into EM would reproduce ASGD exactly and measure nothing.)
 *                      With m > 1 the fine increments are a Brownian bridge on each coarse step.
 */
import { type AsgdConfig, type AsgdResult, runAsgd, validatedConfig } from '../asgd/runner.ts';
import { ConfigError } from '../core/errors.ts';
import { integer, oneOf, plainObject, seedValue } from '../core/validate.ts';
import { type BeforeHistory, effectiveLag, type LagSource, PrescribedLag, RandomLag } from '../delay/lags.ts';
import { NormalSampler } from '../random/normal.ts';
import { normalQuantile } from '../random/normal-quantile.ts';
import { deriveEngine, type Engine, uniformOpen01 } from '../random/streams.ts';
import { EulerMaruyama } from '../sdde/algorithms/euler-maruyama.ts';
import { brownianPath, coarsenIncrements, PrescribedIncrements } from '../sdde/brownian.ts';
import { solve } from '../sdde/solve.ts';
import type { SddeSolution } from '../sdde/solution.ts';
import { lawSize, MinibatchNoiseLaw } from './minibatch-law.ts';
import { type BridgeOptions, sddeFromAsgd } from './to-sdde.ts';

export type Coupling = 'independent' | 'shared-brownian' | 'quantile';
export const COUPLINGS = ['independent', 'shared-brownian', 'quantile'] as const;

/** Largest exact minibatch-noise law the quantile coupling enumerates per step. */
export const MAX_LAW_SIZE = 50_000;

export interface PairOptions extends BridgeOptions {
  coupling: Coupling;
  seed?: number;
  path?: number;
  /** SDDE substeps per ASGD step: h = δ/m. Default 1 (16 for 'shared-brownian'). */
  substeps?: number;
  /** Keep every n-th coarse step; default 1. */
  saveEvery?: number;
}

export interface PairResult {
  coupling: Coupling;
  delta: number;
  substeps: number;
  dim: number;
  /** Coarse saved times t_k = kδ and their iteration numbers k. */
  t: Float64Array;
  k: Int32Array;
  /** The discrete path: ASGD (independent, quantile) or the Eq. (5) recursion (shared-brownian). */
  discrete: { label: string; x: Float64Array; status: 'ok' | 'diverged'; divergence?: { step: number } };
  /** The SDDE path at the coarse saved times. */
  sdde: SddeSolution;
  /** ‖discrete − SDDE‖ at the saved times (up to the first divergence). */
  distance: Float64Array;
  asgd?: AsgdResult;
  sigmaMode: 'constant' | 'state-dependent';
  sigma: Float64Array | null;
  seed: number;
  path: number;
}

/**
 * Hold a coarse lag l_k over m fine steps, as l_k·m fine steps (θ = l_k δ = l_k m h). The
 * pre-start policy is applied at the coarse index k (He et al.: l_k ∈ {0..k}), so θ stays a
 * whole number of δ; the solver's re-application on the fine grid is then the identity.
 */
class HeldLag implements LagSource {
  readonly maxLag: number;
  private current = 0;
  constructor(
    private readonly coarse: LagSource,
    private readonly m: number,
    private readonly policy: BeforeHistory,
  ) {
    this.maxLag = coarse.maxLag * m;
  }
  next(j: number): number {
    if (j % this.m === 0) {
      const k = j / this.m;
      this.current = effectiveLag(this.coarse.next(k), k, this.coarse.maxLag, this.policy) * this.m;
    }
    return this.current;
  }
}

/**
 * Solve the SDDE of an ASGD configuration on h = δ/m with its own noise and delays (drawn from
 * the ASGD's delay model, each held for m fine steps as θ = l_k δ): the continuous side of an
 * independent pair, and the SDDE ensembles of the theory checks.
 */
export function solveBridgedSdde(cfg: AsgdConfig, options: BridgeOptions & { substeps?: number; saveEvery?: number; seed: number; path: number; delayStream?: 'delay' | 'bridgeDelay'; recordDelays?: boolean }): SddeSolution {
  const { problem, delta } = sddeFromAsgd(cfg, options);
  const m = options.substeps === undefined ? 1 : integer(options.substeps, 'bridge.substeps', { min: 1, max: 1_000_000 });
  const engine = deriveEngine(options.seed, options.delayStream ?? 'delay', options.path);
  // inconsistent read: one held lag per coordinate, all drawing from the one engine in coordinate order
  const models = cfg.coordinateDelays ?? [cfg.delay];
  const held = models.map((model) => new HeldLag(new RandomLag(model, engine), m, problem.beforeHistory));
  return solve(problem, new EulerMaruyama(), {
    dt: delta / m,
    seed: options.seed,
    path: options.path,
    saveAt: { every: m * (options.saveEvery ?? 1) },
    recordDelays: options.recordDelays ?? false,
    lags: cfg.coordinateDelays ? held : held[0],
  });
}

/**
 * Draw the K lags of a delay model once (for replay in two solves); under inconsistent read one
 * column per coordinate (drawn in coordinate order at each iteration, as the runner does).
 */
function drawLags(cfg: AsgdConfig, engine: Engine): Int32Array[] {
  const models = cfg.coordinateDelays ?? [cfg.delay];
  const maxLag = Math.max(...models.map((mdl) => mdl.maxLag));
  const cols = models.map(() => new Int32Array(cfg.iterations));
  const srcs = models.map((mdl) => new RandomLag(mdl, engine));
  for (let k = 0; k < cfg.iterations; k++) for (let c = 0; c < cols.length; c++) cols[c][k] = effectiveLag(srcs[c].next(), k, maxLag, cfg.beforeHistory);
  return cols;
}

/**
 * Check a pair's options against its ASGD configuration and build its SDDE, without running
 * anything: every refusal of `runPair` happens here.
 */
export function validatePair(cfg: AsgdConfig, options: PairOptions) {
  validatedConfig(cfg, 'cfg');
  plainObject(options, 'options');
  const coupling = oneOf(options.coupling, 'bridge.coupling', COUPLINGS);
  const seed = options.seed === undefined ? 0 : seedValue(options.seed, 'options.seed');
  const path = options.path === undefined ? 0 : integer(options.path, 'options.path', { min: 0 });
  const m = options.substeps === undefined ? (coupling === 'shared-brownian' ? 16 : 1) : integer(options.substeps, 'bridge.substeps', { min: 1, max: 1_000_000 });
  const saveEvery = options.saveEvery === undefined ? 1 : integer(options.saveEvery, 'asgd.saveEvery', { min: 1, max: 2 ** 31 - 1 });
  // the SDDE saves every m·saveEvery fine steps and takes K·m of them: both must stay Int32
  if (m * saveEvery > 2 ** 31 - 1) throw new ConfigError('asgd.saveEvery', `× substeps ${m} exceeds 2^31 − 1`);
  if (cfg.iterations * m > 2 ** 31 - 1) throw new ConfigError('bridge.substeps', `K·m = ${cfg.iterations * m} fine steps exceed 2^31 − 1`);
  const d = cfg.objective.dim;
  if (coupling !== 'independent' && options.sddeBeforeHistory !== undefined && options.sddeBeforeHistory !== cfg.beforeHistory) {
    throw new ConfigError('bridge.sddeBeforeHistory', `the '${coupling}' coupling replays the ASGD's delays, so the SDDE uses the ASGD's policy '${cfg.beforeHistory}'; a different policy ('${options.sddeBeforeHistory}') is only possible with independent noise`);
  }
  if (coupling === 'quantile') {
    if (d !== 1) throw new ConfigError('bridge.coupling', `quantile coupling is defined for 1-D problems; this objective has d = ${d} (use "shared-brownian" or "independent")`);
    const size = lawSize(cfg.objective.n, cfg.batchSize, cfg.sampling);
    if (size > MAX_LAW_SIZE) {
      throw new ConfigError('bridge.coupling', `the exact minibatch-noise law has ${size} outcomes for n = ${cfg.objective.n}, b = ${cfg.batchSize} (${cfg.sampling}); the quantile coupling enumerates at most ${MAX_LAW_SIZE}`);
    }
  }
  const bridged = sddeFromAsgd(cfg, options);
  return { coupling, seed, path, m, saveEvery, bridged };
}

export function runPair(cfg: AsgdConfig, options: PairOptions): PairResult {
  const { coupling, seed, path, m, saveEvery, bridged } = validatePair(cfg, options);
  const d = cfg.objective.dim;
  const K = cfg.iterations;
  const { problem, delta } = bridged;
  const h = delta / m;
  const em = new EulerMaruyama();
  const fineSave = { every: m * saveEvery };

  let discreteX: Float64Array;
  let discreteStatus: 'ok' | 'diverged' = 'ok';
  let discreteDivergence: { step: number } | undefined;
  let label: string;
  let sdde: SddeSolution;
  let asgd: AsgdResult | undefined;

  if (coupling === 'independent') {
    asgd = runAsgd(cfg, { seed, path, saveAt: { every: saveEvery } });
    sdde = solveBridgedSdde(cfg, { ...options, substeps: m, saveEvery, seed, path, delayStream: 'bridgeDelay', recordDelays: true });
    label = 'ASGD';
  } else if (coupling === 'shared-brownian') {
    const cols = drawLags(cfg, deriveEngine(seed, 'delay', path));
    const one = (src: PrescribedLag[]) => (cfg.coordinateDelays ? src : src[0]);
    const fine = brownianPath(seed, path, d, K * m, h);
    const coarse = coarsenIncrements(fine, d, m);
    const recursion = solve(problem, em, { dt: delta, saveAt: { every: saveEvery }, noise: new PrescribedIncrements(coarse, d), lags: one(cols.map((c) => new PrescribedLag(c))) });
    sdde = solve(problem, em, { dt: h, saveAt: fineSave, noise: new PrescribedIncrements(fine, d), lags: one(cols.map((c) => new PrescribedLag(c, m, m))), recordDelays: true });
    discreteX = recursion.x;
    discreteStatus = recursion.status === 'diverged' ? 'diverged' : 'ok'; // no events here: never 'terminated'
    if (recursion.divergence) discreteDivergence = { step: recursion.divergence.step };
    label = 'Eq. (5) recursion (EM at δ)';
  } else {
    const obj = cfg.objective;
    const law = new MinibatchNoiseLaw(obj.n, cfg.batchSize, cfg.sampling);
    const c = new Float64Array(obj.n);
    const gi = new Float64Array(1);
    const z = new Float64Array(K);
    const vEngine = deriveEngine(seed, 'coupling', path);
    asgd = runAsgd(cfg, {
      seed,
      path,
      saveAt: { every: saveEvery },
      recordDelays: true,
      onStep: (k, _lag, xRead, batch) => {
        for (let i = 0; i < obj.n; i++) {
          obj.componentGradient(i, xRead, gi);
          c[i] = gi[0];
        }
        law.evaluate(c, law.canonicalSum(c, batch));
        // randomized PIT: uniform on [P(ζ < ζ_obs), P(ζ ≤ ζ_obs)], kept inside (0, 1)
        const u = Math.min(Math.max(law.below + uniformOpen01(vEngine) * law.at, Number.MIN_VALUE), 1 - 2 ** -53);
        z[k] = normalQuantile(u);
      },
    });
    const steps = asgd.iterations;
    let increments: Float64Array;
    if (m === 1) {
      increments = new Float64Array(K);
      const s = Math.sqrt(delta);
      for (let k = 0; k < steps; k++) increments[k] = s * z[k];
    } else {
      // Brownian bridge on each coarse step: m N(0, h) draws shifted to sum to √δ·z_k.
      increments = new Float64Array(K * m);
      const normal = new NormalSampler(deriveEngine(seed, 'brownian', path));
      const sh = Math.sqrt(h);
      for (let k = 0; k < steps; k++) {
        let sum = 0;
        for (let j = 0; j < m; j++) {
          const w = sh * normal.next();
          increments[k * m + j] = w;
          sum += w;
        }
        const shift = (Math.sqrt(delta) * z[k] - sum) / m;
        for (let j = 0; j < m; j++) increments[k * m + j] += shift;
      }
    }
    const lags = asgd.delays!;
    const fullLags = new Int32Array(K);
    fullLags.set(lags.subarray(0, Math.min(lags.length, K)));
    sdde = solve(problem, em, { dt: h, saveAt: fineSave, noise: new PrescribedIncrements(increments, 1), lags: new PrescribedLag(fullLags, m, m), recordDelays: true });
    label = 'ASGD';
  }
  if (asgd) {
    discreteX = asgd.x;
    discreteStatus = asgd.status;
    if (asgd.divergence) discreteDivergence = asgd.divergence;
  }

  const nSaved = Math.floor(K / saveEvery) + 1 + (K % saveEvery === 0 ? 0 : 1);
  const t = new Float64Array(nSaved);
  const kk = new Int32Array(nSaved);
  for (let i = 0; i < nSaved; i++) {
    kk[i] = Math.min(i * saveEvery, K);
    t[i] = kk[i] * delta;
  }
  const nBoth = Math.min(discreteX!.length, sdde.x.length) / d;
  const distance = new Float64Array(nBoth);
  for (let i = 0; i < nBoth; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += (discreteX![i * d + j] - sdde.x[i * d + j]) ** 2;
    distance[i] = Math.sqrt(s);
  }
  return {
    coupling,
    delta,
    substeps: m,
    dim: d,
    t,
    k: kk,
    discrete: { label, x: discreteX!, status: discreteStatus, ...(discreteDivergence ? { divergence: discreteDivergence } : {}) },
    sdde,
    distance,
    ...(asgd ? { asgd } : {}),
    sigmaMode: bridged.sigmaMode,
    sigma: bridged.sigma,
    seed,
    path,
  };
}
