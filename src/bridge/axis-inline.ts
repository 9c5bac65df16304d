/**
 * The 'axis-quantile' coupling with one SDDE step per ASGD step (m = 1, see axis-coupling.ts), for
 * one path or several side by side. The SDDE's Euler–Maruyama step at h = δ is then Eq. (5) itself,
 *   X_{k+1} = X_k − η u_k ∇F(X_{k−l_k}) + η u_k R z_k     ((η/δ)·δ = η, (η/δ)√δ·√δ = η),
 * with the ASGD's lags l_k and coupled normals z_k, R = VΛ^{1/2}T. Each path's ASGD runs first and
 * keeps, per step, its lag and the noise R z_k (K·d numbers); then the paths' SDDEs step in lock
 * step, their drifts at all read points from one call of the objective's `gradients` where it has
 * one (logistic regression: one pass over the data for all the paths, the blocked kernel of
 * src/kernels/assembly/full-gradient.ts). An SDDE step reads only what its own ASGD recorded, so a
 * path's numbers do not depend on the paths beside it: they are those of the path run alone.
 */
import { type AsgdConfig, type AsgdResult, runAsgd } from '../asgd/runner.ts';
import { type PhasedProgress, POLL_MASK } from '../core/abort.ts';
import { matVec } from '../core/kernels.ts';
import { StateRing } from '../core/ring-buffer.ts';
import { withSolutionViews } from '../sdde/dense-output.ts';
import { everyNthCount, everyNthIndex } from '../sdde/save-at.ts';
import type { Divergence, SddeSolution } from '../sdde/solution.ts';
import type { AxisNoiseLaw } from './axis-law.ts';

/** R = VΛ^{1/2}T: the noise η u R(z − β) of Eq. (5), T the decorrelation of z (identity in 1-D). */
function noiseMatrix(law: AxisNoiseLaw, d: number): Float64Array {
  const R = new Float64Array(d * d);
  const T = law.decorrelate;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let r = 0;
      for (let k = 0; k < d; k++) r += law.axes[i * d + k] * Math.sqrt(law.lambda[k]) * T[k * d + j];
      R[i * d + j] = r;
    }
  }
  return R;
}

/**
 * One path's SDDE, stepped after its ASGD run: the steps with the ASGD's coupled noise (one per
 * step the ASGD took, its lag and R z_k), then — after an ASGD divergence — the remaining steps
 * from the ASGD's iteration count on, lag 0 and no noise (as the solve path does).
 */
class InlineSdde {
  readonly X: Float64Array;
  readonly ring: StateRing;
  readonly xs: Float64Array;
  saved = 1;
  status: 'ok' | 'diverged' = 'ok';
  divergence: Divergence | undefined;
  /** Steps taken with coupled noise (the ASGD's steps), and all steps. */
  readonly noisy: number;
  readonly steps: number;
  constructor(
    cfg: AsgdConfig,
    saveEvery: number,
    readonly asgd: AsgdResult,
    readonly lags: Int32Array,
    readonly noise: Float64Array,
    noisy: number,
  ) {
    const d = cfg.objective.dim;
    this.ring = new StateRing(cfg.delay.maxLag + 1, d);
    this.X = Float64Array.from(cfg.x0);
    this.xs = new Float64Array(everyNthCount(cfg.iterations, saveEvery) * d);
    this.xs.set(this.X, 0);
    this.ring.push(this.X);
    this.noisy = noisy;
    this.steps = noisy + cfg.iterations - asgd.iterations;
  }
  /** The iteration k and lag of step s. */
  k(s: number): number {
    return s < this.noisy ? s : this.asgd.iterations + (s - this.noisy);
  }
}

/**
 * The m = 1 'axis-quantile' pairs of `paths` under `seed`: each path's ASGD run (its coupled normals
 * drawn at every step by `normals(path)`, which writes z_k into the array it returns for the step's
 * batch) and its inline SDDE, the SDDEs of all paths in lock step. `progress` is polled in phase 1
 * (the ASGD runs; one path only) and phase 2 (the SDDE steps).
 */
export function runInlinePairs(
  cfg: AsgdConfig,
  law: AxisNoiseLaw,
  seed: number,
  paths: readonly number[],
  saveEvery: number,
  delta: number,
  normals: (path: number) => (batch: Int32Array) => Float64Array,
  progress?: PhasedProgress,
): { asgd: AsgdResult; sdde: SddeSolution }[] {
  const obj = cfg.objective;
  const d = obj.dim;
  const K = cfg.iterations;
  const R = noiseMatrix(law, d);
  const runs = paths.map((path) => {
    const draw = normals(path);
    const lags = new Int32Array(K);
    const noise = new Float64Array(K * d);
    const nv = new Float64Array(d);
    let noisy = 0;
    const asgd = runAsgd(cfg, {
      seed,
      path,
      saveAt: { every: saveEvery },
      recordDelays: true,
      onStep: (k, lag, _xRead, batch) => {
        matVec(R, draw(batch), nv, d);
        noise.set(nv, k * d);
        lags[k] = lag;
        noisy = k + 1;
      },
      ...progress?.options(1),
    });
    return new InlineSdde(cfg, saveEvery, asgd, lags, noise, noisy);
  });

  // the SDDEs in lock step: step s of every path still running, ∇F at all read points at once
  const p = runs.length;
  const Xr = new Float64Array(p * d);
  const G = new Float64Array(p * d);
  const at = new Int32Array(p);
  const zero = new Float64Array(d);
  const eta = cfg.eta;
  const poll = progress?.poller(2);
  const last = Math.max(...runs.map((r) => r.steps));
  for (let s = 0; s < last; s++) {
    if (poll !== undefined && (s & POLL_MASK) === 0) poll(s);
    let count = 0;
    for (let q = 0; q < p; q++) {
      const r = runs[q];
      if (r.status !== 'ok' || s >= r.steps) continue;
      const k = r.k(s);
      const lag = s < r.noisy ? r.lags[k] : 0;
      const j0 = k - lag;
      const o = count * d;
      if (lag === 0) Xr.set(r.X, o);
      else if (j0 >= 0) {
        const off = r.ring.offsetOf(j0);
        for (let i = 0; i < d; i++) Xr[o + i] = r.ring.data[off + i];
      } else Xr.set(cfg.history, o);
      at[count++] = q;
    }
    if (count === 0) break;
    if (obj.gradients) obj.gradients(Xr, count, G);
    else for (let c = 0; c < count; c++) obj.gradient(Xr.subarray(c * d, (c + 1) * d), G.subarray(c * d, (c + 1) * d));
    for (let c = 0; c < count; c++) {
      const r = runs[at[c]];
      const k = r.k(s);
      const nv = s < r.noisy ? r.noise.subarray(k * d, (k + 1) * d) : zero;
      const cu = eta * cfg.schedule.at(k);
      const o = c * d;
      const X = r.X;
      let finite = true;
      for (let i = 0; i < d; i++) {
        const v = X[i] - cu * G[o + i] + cu * nv[i];
        if (!Number.isFinite(v)) finite = false;
        Xr[o + i] = v;
      }
      if (!finite) {
        r.status = 'diverged';
        r.divergence = { step: k + 1, time: (k + 1) * delta };
        continue;
      }
      for (let i = 0; i < d; i++) X[i] = Xr[o + i];
      r.ring.push(X);
      if (everyNthIndex(k + 1, K, saveEvery) >= 0) r.xs.set(X, r.saved++ * d);
    }
  }

  return runs.map((r, q) => {
    const t = new Float64Array(r.saved);
    for (let i = 0; i < r.saved; i++) t[i] = Math.min(i * saveEvery, K) * delta;
    const sdde: SddeSolution = withSolutionViews({
      status: r.status,
      ...(r.divergence ? { divergence: r.divergence } : {}),
      dim: d,
      t,
      x: r.saved * d === r.xs.length ? r.xs : r.xs.slice(0, r.saved * d),
      delays: r.asgd.delays,
      steps: r.status === 'ok' ? K : r.divergence!.step - 1,
      dt: delta,
      seed,
      path: paths[q],
      algorithm: { name: 'Euler–Maruyama (Eq. 5, inline with the ASGD)', strongOrder: 0.5, weakOrder: 1 },
    });
    return { asgd: r.asgd, sdde };
  });
}
