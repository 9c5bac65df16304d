/**
 * Implicit (asynchrony-induced) momentum, measured (MindTheStep, Bäckström et al. 2019, Lemma 1,
 * Thm 2–5, Cor 1–2; Mitliagkas et al. 2016).
 *
 * ASGD x_{t+1} = x_t − α(τ_t) ∇f(x_{t−τ_t}) with τ_t i.i.d. from a staleness model p runs on a
 * diagonal quadratic f(x) = ½ Σ_j a_j x_j² (x* = 0) with exact gradients, so the only randomness
 * is the staleness. Because ∇f is linear, the ensemble mean m_t = E x_t obeys
 *
 *   m_{t+1} − m_t = −Σ_i w_i A m_{t−i},   w_i = p(i) α(i),                     (Lemma 1's sum)
 *
 * and Lemma 1 rewrites it as Δ_{t+1} = Δ_t + Σ∇_t − w_0 A m_t with Δ_t = m_t − m_{t−1} and
 *
 *   Σ∇_t = Σ_i (w_i − w_{i+1}) A m_{t−i−1}.                                      (Eq. 7)
 *
 * From the simulated ensemble we form the measured series S_t = Δ_{t+1} − Δ_t + w_0 A m_t (what
 * Σ∇ must be if Lemma 1 holds) and regress:
 *  - S_t on the Lemma-1 series R_t computed from p and α(τ): slope 1 if Lemma 1 holds;
 *  - S_t on Δ_t (through the origin): slope κ, the implicit momentum's part in Σ∇ — the theorems
 *    predict Σ∇ = κ E[x_t − x_{t−1}] (Thm 2: κ = −p; Thm 3 as printed: κ = 1 − (1−p)/C; Thm 4:
 *    Σ∇ = 0; Thm 5 / Cor 2: κ = K);
 *  - Δ_{t+1} on (Δ_t, A m_t): the momentum μ and gradient coefficient β of
 *    E[x_{t+1} − x_t] = μ E[x_t − x_{t−1}] − β ∇f(x_t) (the form the issue asks to compare).
 * Pre-start reads use x_j = x_0 for j < 0 ('history'), so these identities hold for every t ≥ 1
 * (at t = 0 the "previous step" x_0 − x_{−1} = 0 was not taken by the recursion).
 * Coordinates with different a_j are pooled; their different decay rates make μ and β
 * identifiable. Estimates are jackknife bias-corrected; confidence intervals: delete-one-block
 * jackknife over blocks of paths, Student t with G − 1 degrees of freedom.
 */
import { Matrix, solve } from 'ml-matrix';
import type { FiniteSumObjective } from '../asgd/objective.ts';
import { asgdConfig, runAsgd } from '../asgd/runner.ts';
import { drain } from '../core/abort.ts';
import { ConfigError } from '../core/errors.ts';
import { integer, positiveNumber, seedValue } from '../core/validate.ts';
import type { DelayDistribution } from '../delay/models.ts';
import { tQuantile } from '../core/stats/fit.ts';
import { jackknifeSe } from '../stats/jackknife.ts';

/**
 * What {@link runMomentumExperiment} takes: the quadratic f(x) = ½ Σ a_j x_j², x0, the base step α, the
 * staleness model, α(τ)/α, steps, paths, jackknife blocks (≥ 8), seed and the regression window.
 */
export interface MomentumExperimentSpec {
  /** a_j > 0 of f(x) = ½ Σ a_j x_j². */
  curvatures: number[];
  /** x_0 (every coordinate); also the pre-start history. */
  x0: number;
  /** Base step α. */
  alpha: number;
  /** Staleness model (i.i.d. τ_t). */
  delay: DelayDistribution;
  /** α(τ)/α; default 1 (constant step). */
  stepScale?: (tau: number) => number;
  steps: number;
  paths: number;
  /** Blocks of paths for the jackknife (≥ 8). */
  blocks: number;
  seed: number;
  /** Steps t used in the regressions, [from, to); default [1, steps − 1). */
  window?: [number, number];
}

/** An estimate with its jackknife standard error and 95% CI [lo, hi]. */
export interface Estimate {
  value: number;
  se: number;
  lo: number;
  hi: number;
}

/**
 * The regressions of {@link runMomentumExperiment}: Lemma 1's slope (1 if it holds), the implicit
 * momentum κ, and μ, β of E[x_{t+1} − x_t] = μ E[x_t − x_{t−1}] − β ∇f(x_t).
 */
export interface MomentumFits {
  /** Slope of S_t on the Lemma-1 series R_t (Lemma 1: 1). */
  lemma1: Estimate;
  /** Slope κ of S_t on Δ_t through the origin. */
  kappa: Estimate;
  /** Δ_{t+1} = μ Δ_t − β A m_t. */
  mu: Estimate;
  beta: Estimate;
}

/**
 * What {@link runMomentumExperiment} returns: the weights w_i = p(i)α(i)/α, the ensemble mean path and
 * the fits.
 */
export interface MomentumExperiment {
  spec: MomentumExperimentSpec;
  /** w_i = p(i) α(i)/α for i = 0..maxLag (the step's expected weight on a gradient i steps old, per unit α). */
  weights: Float64Array;
  /** Ensemble mean of x_t, (steps + 1) × d. */
  mean: Float64Array;
  fits: MomentumFits;
  paths: number;
  diverged: number;
}

function diagonalQuadratic(a: Float64Array): FiniteSumObjective {
  const d = a.length;
  return {
    name: 'diagonal-quadratic',
    description: `f(x) = ½ Σ a_j x_j², a = (${Array.from(a).join(', ')}), exact gradients (n = 1)`,
    dim: d,
    n: 1,
    componentGradient(_i, x, out) {
      for (let j = 0; j < d; j++) out[j] = a[j] * x[j];
    },
    gradient(x, out) {
      for (let j = 0; j < d; j++) out[j] = a[j] * x[j];
    },
    value(x) {
      let s = 0;
      for (let j = 0; j < d; j++) s += 0.5 * a[j] * x[j] * x[j];
      return s;
    },
    minimizer: new Float64Array(d),
    minimum: 0,
    lipschitz: Math.max(...a),
    strongConvexity: Math.min(...a),
  };
}

/** The estimators of the module comment, on one mean curve. */
function estimators(m: Float64Array, a: Float64Array, w: Float64Array, alpha: number, x0: number, win: [number, number]): number[] {
  const d = a.length;
  const at = (t: number, j: number) => (t < 0 ? x0 : m[t * d + j]);
  const delta = (t: number, j: number) => at(t, j) - at(t - 1, j);
  let sR = 0;
  let rR = 0;
  let sD = 0;
  let dD = 0;
  // normal equations of Δ_{t+1} = μ Δ_t − β A m_t
  let xx11 = 0;
  let xx12 = 0;
  let xx22 = 0;
  let xy1 = 0;
  let xy2 = 0;
  for (let t = win[0]; t < win[1]; t++) {
    for (let j = 0; j < d; j++) {
      const g0 = alpha * w[0] * a[j] * at(t, j);
      const s = delta(t + 1, j) - delta(t, j) + g0;
      let r = 0;
      for (let i = 0; i < w.length; i++) r += alpha * (w[i] - (i + 1 < w.length ? w[i + 1] : 0)) * a[j] * at(t - i - 1, j);
      const dt = delta(t, j);
      sR += s * r;
      rR += r * r;
      sD += s * dt;
      dD += dt * dt;
      const x1 = dt;
      const x2 = -a[j] * at(t, j);
      const y = delta(t + 1, j);
      xx11 += x1 * x1;
      xx12 += x1 * x2;
      xx22 += x2 * x2;
      xy1 += x1 * y;
      xy2 += x2 * y;
    }
  }
  const coef = solve(new Matrix([[xx11, xx12], [xx12, xx22]]), Matrix.columnVector([xy1, xy2]));
  return [sR / rR, sD / dD, coef.get(0, 0), coef.get(1, 0)];
}

/**
 * Measure the implicit momentum of asynchrony (MindTheStep Lemma 1, Thm 2–5): ASGD with i.i.d. staleness
 * on a diagonal quadratic with exact gradients, its ensemble mean regressed on Lemma 1's series and on
 * its own increments; jackknife CIs over blocks of paths.
 *
 * @throws {@link ConfigError} naming the spec field: curvatures (fewer than two), steps (< 4), paths
 * (< 8, or not a multiple of blocks), blocks (< 8), window (outside [1, steps − 1] or shorter than 2).
 */
export function runMomentumExperiment(spec: MomentumExperimentSpec): MomentumExperiment {
  return drain(momentumSteps(spec));
}

/**
 * {@link runMomentumExperiment} for a caller that must stay abortable (the mindthestep check):
 * `await pace()` between paths (see `yieldingPace` in core/abort.ts), the same bits.
 * @throws as {@link runMomentumExperiment}; the signal's reason once `pace` throws it
 */
export function runMomentumExperimentPaced(spec: MomentumExperimentSpec, pace: () => Promise<void>): Promise<MomentumExperiment> {
  return drain(momentumSteps(spec), pace);
}

/** The experiment, yielding after every path (validation happens at the first `next()`). */
function* momentumSteps(spec: MomentumExperimentSpec): Generator<void, MomentumExperiment> {
  const field = 'momentum';
  if (!Array.isArray(spec.curvatures) || spec.curvatures.length < 2) throw new ConfigError(`${field}.curvatures`, 'needs at least two curvatures (distinct a_j make μ and β identifiable)');
  const a = Float64Array.from(spec.curvatures.map((v, j) => positiveNumber(v, `${field}.curvatures[${j}]`)));
  const alpha = positiveNumber(spec.alpha, `${field}.alpha`);
  const steps = integer(spec.steps, `${field}.steps`, { min: 4, max: 1_000_000 });
  const paths = integer(spec.paths, `${field}.paths`, { min: 8, max: 100_000_000 });
  const G = integer(spec.blocks, `${field}.blocks`, { min: 8, max: paths });
  // equal blocks: the jackknife's bias correction Gθ − (G−1)·mean θ_(−g) assumes them
  if (paths % G !== 0) throw new ConfigError(`${field}.paths`, `must be a multiple of blocks = ${G} (equal blocks for the jackknife), got ${paths}`);
  const seed = seedValue(spec.seed, `${field}.seed`);
  const win = spec.window ?? [1, steps - 1];
  if (!(Number.isInteger(win[0]) && Number.isInteger(win[1]) && win[0] >= 1 && win[1] <= steps - 1 && win[1] - win[0] >= 2)) throw new ConfigError(`${field}.window`, `must be integers 1 <= from < to <= steps − 1 with at least 2 steps (Lemma 1's rewrite needs Δ_t for t ≥ 1), got [${win}]`);
  const d = a.length;
  const objective = diagonalQuadratic(a);
  // validated (and stepScale tabulated) once for all paths
  const config = asgdConfig({ objective, x0: spec.x0, eta: alpha, iterations: steps, batchSize: 1, delay: spec.delay, beforeHistory: 'history', ...(spec.stepScale ? { stepScale: spec.stepScale } : {}) }, field);
  const maxLag = spec.delay.maxLag;
  const weights = new Float64Array(maxLag + 1);
  for (let i = 0; i <= maxLag; i++) weights[i] = spec.delay.pmf[i] * (config.stepScales ? config.stepScales[i] : 1);

  const blockSum = Array.from({ length: G }, () => new Float64Array((steps + 1) * d));
  const blockCount = new Float64Array(G);
  let diverged = 0;
  for (let p = 0; p < paths; p++) {
    const r = runAsgd(config, { seed, path: p });
    if (r.status !== 'ok') {
      diverged++;
      yield;
      continue;
    }
    const g = p % G;
    const sum = blockSum[g];
    for (let i = 0; i < sum.length; i++) sum[i] += r.x[i];
    blockCount[g]++;
    yield;
  }
  // diverged paths are left out and counted; a caller that finds any treats the fits as not
  // applicable (the mean of the survivors is not the mean of the process)
  const total = new Float64Array((steps + 1) * d);
  for (const s of blockSum) for (let i = 0; i < total.length; i++) total[i] += s[i];
  const kept = paths - diverged;
  const mean = total.map((v) => v / kept);
  const full = estimators(mean, a, weights, alpha, spec.x0, win);
  const loo = blockSum.map((s, g) => {
    const m = new Float64Array(total.length);
    for (let i = 0; i < m.length; i++) m[i] = (total[i] - s[i]) / (kept - blockCount[g]);
    return estimators(m, a, weights, alpha, spec.x0, win);
  });
  const tq = tQuantile(0.975, G - 1);
  // The estimators are ratios of sums over noisy means (the regressors carry sampling noise too),
  // so they are biased at O(1/N); the jackknife removes that first-order bias:
  // θ_J = Gθ − (G−1)·mean(θ_(−g)) (Efron & Stein 1981).
  const est = (k: number): Estimate => {
    const l = loo.map((v) => v[k]);
    const se = jackknifeSe(l);
    const value = G * full[k] - ((G - 1) * l.reduce((a, v) => a + v, 0)) / G;
    return { value, se, lo: value - tq * se, hi: value + tq * se };
  };
  return {
    spec,
    weights,
    mean,
    fits: { lemma1: est(0), kappa: est(1), mu: est(2), beta: est(3) },
    paths,
    diverged,
  };
}
