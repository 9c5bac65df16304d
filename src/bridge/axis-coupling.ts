/**
 * The 'axis-quantile' coupling of a pair (see pair.ts for the four couplings): the ASGD run, with
 * the SDDE's increment for each of its steps built from the same step's minibatch noise along the
 * principal axes of its covariance.
 */
import { type AsgdConfig, type AsgdResult, runAsgd } from '../asgd/runner.ts';
import { normalQuantile } from '../core/math/normal-quantile.ts';
import { deriveEngine, uniformOpen01 } from '../random/streams.ts';
import type { Divergence, SddeSolution } from '../sdde/solution.ts';
import { withSolutionViews } from '../sdde/dense-output.ts';
import { StateRing } from '../core/ring-buffer.ts';
import { matVec } from '../core/kernels.ts';
import { axisNoiseLaw, batchMeanGradient } from './axis-law.ts';
import { axisToBrownian, coupledIncrements } from './coupled-increments.ts';
import { everyNthCount, everyNthIndex } from '../sdde/save-at.ts';
import { type PhasedProgress, POLL_MASK } from '../core/abort.ts';

/**
 * The 'axis-quantile' coupling: the ASGD run, and for each of its steps the SDDE's coupled
 * increment (see the header). Per step: ∇F at the read point, ζ = ∇F − g_M, w = Λ^{-1/2}Vᵀζ,
 * U_j by the rank PIT of the sampled law, z_j = Φ⁻¹(U_j) (an independent N(0, 1) on an axis without
 * noise). The uniforms come from the path's coupling stream.
 *
 * With m = 1 the SDDE's Euler–Maruyama step at h = δ is Eq. (5) itself,
 *   X_{k+1} = X_k − η u_k ∇F(X_{k−l_k}) + η u_k VΛ^{1/2} z_k     ((η/δ)·δ = η, (η/δ)√δ·√δ = η),
 * so it is taken inline, step for step with the ASGD (same lags, same reads before the start),
 * without storing increments: the research-scale path. With m > 1 the increments √δ·Qz_k
 * (Q = σ⁻¹VΛ^{1/2}) are bridged onto the fine grid and the SDDE is solved by `solve`.
 *
 * `progress` (runPair's signal and progress) is polled in phase 0 (sampling the law, when not
 * memoized), phase 1 (the ASGD run, and the inline SDDE's steps after an ASGD divergence) and
 * phase 2 (the bridged increments, m > 1).
 */
export function runAxisQuantile(cfg: AsgdConfig, sigma: Float64Array, point: Float64Array, lawSamples: number, seed: number, path: number, saveEvery: number, m: number, delta: number, progress?: PhasedProgress): { asgd: AsgdResult; sdde?: SddeSolution; increments?: Float64Array; lags?: Int32Array } {
  const d = cfg.objective.dim;
  const K = cfg.iterations;
  const law = axisNoiseLaw(cfg, point, lawSamples, seed, progress?.poller(0));
  const obj = cfg.objective;
  const gPoint = law.pointGradient; // ∇F at the law point, once per law
  const gStar = new Float64Array(d);
  const tmp = new Float64Array(d);
  const zeta = new Float64Array(d);
  const w = new Float64Array(d);
  const za = new Float64Array(d);
  const vs = new Float64Array(d);
  const us = new Float64Array(d);
  const engine = deriveEngine(seed, 'coupling', path);
  const dead = law.degenerate;
  /**
   * z on the principal axes for the step's minibatch: its noise evaluated at the law point,
   * ζ* = ∇F(x_L) − g_M(b, x_L) — exactly a draw of the sampled law, whatever x the ASGD read — so
   * U_j is uniform and z has mean 0 given the past. (Mapping the noise at the read point through
   * the law at x_L instead gives z a conditional mean that depends on x_read − x_L when the law is
   * far from Gaussian: a spurious drift, measured at +40% variance of X at b = 1 on least squares in
   * d = 10.) What the ASGD's noise adds by reading elsewhere, ζ(x_read) − ζ*, is noise the
   * constant-σ SDDE does not have: it stays in the measured distance.
   */
  const axisNormals = (_xRead: Float64Array, _g: Float64Array, batch: Int32Array) => {
    batchMeanGradient(cfg, batch, law.point, gStar, tmp);
    for (let i = 0; i < d; i++) zeta[i] = gPoint[i] - gStar[i];
    law.project(zeta, w);
    const beta = law.bias;
    for (let j = 0; j < d; j++) vs[j] = uniformOpen01(engine);
    law.pits(w, vs, us); // every axis's rank at once: their cache misses overlap
    for (let j = 0; j < d; j++) za[j] = dead[j] ? normalQuantile(vs[j]) : normalQuantile(us[j]) - beta[j];
  };

  if (m === 1) {
    // R = VΛ^{1/2}T: the noise η u R(z − β) of Eq. (5), T the decorrelation of z (identity in 1-D)
    const R = new Float64Array(d * d);
    const T = law.decorrelate;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let r = 0;
        for (let k = 0; k < d; k++) r += law.axes[i * d + k] * Math.sqrt(law.lambda[k]) * T[k * d + j];
        R[i * d + j] = r;
      }
    }
    const noiseVec = new Float64Array(d);
    const ring = new StateRing(cfg.delay.maxLag + 1, d);
    const X = Float64Array.from(cfg.x0);
    const Xr = new Float64Array(d);
    const gX = new Float64Array(d);
    const nSaved = everyNthCount(K, saveEvery);
    const xs = new Float64Array(nSaved * d);
    xs.set(X, 0);
    let saved = 1;
    ring.push(X);
    let status: 'ok' | 'diverged' = 'ok';
    let divergence: Divergence | undefined;
    const eta = cfg.eta;
    const step = (k: number, lag: number, noise: boolean, u: number) => {
      if (status !== 'ok') return;
      const j0 = k - lag;
      if (lag === 0) Xr.set(X);
      else if (j0 >= 0) {
        const off = ring.offsetOf(j0);
        for (let i = 0; i < d; i++) Xr[i] = ring.data[off + i];
      } else Xr.set(cfg.history);
      obj.gradient(Xr, gX);
      const c = eta * u;
      if (noise) matVec(R, za, noiseVec, d);
      else noiseVec.fill(0);
      let finite = true;
      for (let i = 0; i < d; i++) {
        const v = X[i] - c * gX[i] + c * noiseVec[i];
        if (!Number.isFinite(v)) finite = false;
        Xr[i] = v;
      }
      if (!finite) {
        status = 'diverged';
        divergence = { step: k + 1, time: (k + 1) * delta };
        return;
      }
      X.set(Xr);
      ring.push(X);
      if (everyNthIndex(k + 1, K, saveEvery) >= 0) xs.set(X, saved++ * d);
    };
    const asgd = runAsgd(cfg, {
      seed,
      path,
      saveAt: { every: saveEvery },
      recordDelays: true,
      onStep: (k, lag, xRead, batch, g, u) => {
        axisNormals(xRead, g, batch);
        step(k, lag, true, u);
      },
      ...progress?.options(1),
    });
    // a diverged ASGD leaves the SDDE to finish without coupled noise (as the solve path does)
    const poll = progress?.poller(1);
    for (let k = asgd.iterations; k < K; k++) {
      if (poll !== undefined && (k & POLL_MASK) === 0) poll(k);
      step(k, 0, false, cfg.schedule.at(k));
    }
    const t = new Float64Array(saved);
    for (let i = 0; i < saved; i++) t[i] = Math.min(i * saveEvery, K) * delta;
    const sdde: SddeSolution = withSolutionViews({
      status,
      ...(divergence ? { divergence } : {}),
      dim: d,
      t,
      x: saved === nSaved ? xs : xs.slice(0, saved * d),
      delays: asgd.delays,
      steps: status === 'ok' ? K : divergence!.step - 1,
      dt: delta,
      seed,
      path,
      algorithm: { name: 'Euler–Maruyama (Eq. 5, inline with the ASGD)', strongOrder: 0.5, weakOrder: 1 },
    });
    return { asgd, sdde };
  }

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
    onStep: (k, _lag, xRead, batch, g) => {
      axisNormals(xRead, g, batch);
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
