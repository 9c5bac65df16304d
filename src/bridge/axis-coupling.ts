/**
 * The 'axis-quantile' coupling of a pair (see pair.ts for the four couplings): the ASGD run, with
 * the SDDE's increment for each of its steps built from the same step's minibatch noise along the
 * principal axes of its covariance.
 */
import { type AsgdConfig, type AsgdResult, runAsgd } from '../asgd/runner.ts';
import { normalQuantile } from '../core/math/normal-quantile.ts';
import { deriveEngine, uniformOpen01 } from '../random/streams.ts';
import type { SddeSolution } from '../sdde/solution.ts';
import { type AxisNoiseLaw, axisNoiseLaw, batchMeanGradient } from './axis-law.ts';
import { runInlinePairs } from './axis-inline.ts';
import { axisToBrownian, coupledIncrements } from './coupled-increments.ts';
import type { PhasedProgress } from '../core/abort.ts';

/**
 * The 'axis-quantile' coupling: the ASGD run, and for each of its steps the SDDE's coupled
 * increment (see the header). Per step: ∇F at the read point, ζ = ∇F − g_M, w = Λ^{-1/2}Vᵀζ,
 * U_j by the rank PIT of the sampled law, z_j = Φ⁻¹(U_j) (an independent N(0, 1) on an axis without
 * noise). The uniforms come from the path's coupling stream.
 *
 * With m = 1 the SDDE's Euler–Maruyama step at h = δ is Eq. (5) itself: it is taken with the
 * ASGD's lags and noise, without storing increments on a fine grid (axis-inline.ts; the
 * research-scale path, and several paths can step side by side: runAxisQuantileInline). With m > 1
 * the increments √δ·Qz_k (Q = σ⁻¹VΛ^{1/2}) are bridged onto the fine grid and the SDDE is solved by
 * `solve`.
 *
 * `progress` (runPair's signal and progress) is polled in phase 0 (sampling the law, when not
 * memoized), phase 1 (the ASGD run) and phase 2 (the inline SDDE's steps, m = 1; the bridged
 * increments, m > 1).
 */
export function runAxisQuantile(cfg: AsgdConfig, sigma: Float64Array, point: Float64Array, lawSamples: number, seed: number, path: number, saveEvery: number, m: number, delta: number, progress?: PhasedProgress): { asgd: AsgdResult; sdde?: SddeSolution; increments?: Float64Array; lags?: Int32Array } {
  if (m === 1) return runAxisQuantileInline(cfg, point, lawSamples, seed, [path], saveEvery, delta, progress)[0];
  const d = cfg.objective.dim;
  const K = cfg.iterations;
  const law = axisNoiseLaw(cfg, point, lawSamples, seed, progress?.poller(0));
  const za = new Float64Array(d);
  const axisNormals = axisNormalsOf(cfg, law, seed, path, za);
  const Q0 = axisToBrownian(sigma, law.axes, law.lambda, d);
  // QT: decorrelated axis normals (T = 1 in 1-D)
  const Q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) Q[i * d + j] += Q0[i * d + k] * law.decorrelate[k * d + j];
  const z = new Float64Array(K * d);
  const asgd = runAsgd(cfg, {
    seed,
    path,
    saveAt: { every: saveEvery },
    recordDelays: true,
    onStep: (k, _lag, _xRead, batch) => {
      axisNormals(batch);
      const off = k * d;
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += Q[i * d + j] * za[j];
        z[off + i] = s;
      }
    },
    ...progress?.options(1),
  });
  const lags = new Int32Array(K);
  lags.set(asgd.delays!.subarray(0, Math.min(asgd.delays!.length, K)));
  return { asgd, increments: coupledIncrements(z, asgd.iterations, K, d, m, delta, seed, path, progress?.poller(2)), lags };
}

/**
 * The 'axis-quantile' pairs with m = 1 of `paths` (paths side by side, see axis-inline.ts): the
 * same numbers, path by path, as runAxisQuantile.
 */
export function runAxisQuantileInline(cfg: AsgdConfig, point: Float64Array, lawSamples: number, seed: number, paths: readonly number[], saveEvery: number, delta: number, progress?: PhasedProgress): { asgd: AsgdResult; sdde: SddeSolution }[] {
  const law = axisNoiseLaw(cfg, point, lawSamples, seed, progress?.poller(0));
  return runInlinePairs(cfg, law, seed, paths, saveEvery, delta, (path) => axisNormalsOf(cfg, law, seed, path, new Float64Array(cfg.objective.dim)), progress);
}

/**
 * The coupled normals of path `path`: for a step's minibatch, z on the principal axes into za (and
 * returned). Its noise evaluated at the law point, ζ* = ∇F(x_L) − g_M(b, x_L) — exactly a draw of
 * the sampled law, whatever x the ASGD read — so U_j is uniform and z has mean 0 given the past.
 * (Mapping the noise at the read point through the law at x_L instead gives z a conditional mean
 * that depends on x_read − x_L when the law is far from Gaussian: a spurious drift, measured at
 * +40% variance of X at b = 1 on least squares in d = 10.) What the ASGD's noise adds by reading
 * elsewhere, ζ(x_read) − ζ*, is noise the constant-σ SDDE does not have: it stays in the measured
 * distance. The uniforms come from the path's coupling stream.
 */
function axisNormalsOf(cfg: AsgdConfig, law: AxisNoiseLaw, seed: number, path: number, za: Float64Array): (batch: Int32Array) => Float64Array {
  const d = cfg.objective.dim;
  const gPoint = law.pointGradient; // ∇F at the law point, once per law
  const gStar = new Float64Array(d);
  const tmp = new Float64Array(d);
  const zeta = new Float64Array(d);
  const w = new Float64Array(d);
  const vs = new Float64Array(d);
  const us = new Float64Array(d);
  const engine = deriveEngine(seed, 'coupling', path);
  const dead = law.degenerate;
  return (batch) => {
    batchMeanGradient(cfg, batch, law.point, gStar, tmp);
    for (let i = 0; i < d; i++) zeta[i] = gPoint[i] - gStar[i];
    law.project(zeta, w);
    const beta = law.bias;
    for (let j = 0; j < d; j++) vs[j] = uniformOpen01(engine);
    law.pits(w, vs, us); // every axis's rank at once: their cache misses overlap
    for (let j = 0; j < d; j++) za[j] = dead[j] ? normalQuantile(vs[j]) : normalQuantile(us[j]) - beta[j];
    return za;
  };
}
