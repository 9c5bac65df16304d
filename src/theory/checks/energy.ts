/**
 * He et al. Thm 4.2 / Cor 4.3 (energy function) on a strongly convex problem with η_k = 1/(μk):
 *
 *   E‖X(t) − x*‖² ≤ (δ+1)(H + 2L²D²τ) ln t / ((t−1)μ²),   t > 1,
 *   H ≥ E Tr(σσᵀ) + 2μLD²,   X(t) ∈ d(x0, D) for all t,
 *
 * and E𝓔(t) non-increasing for 𝓔(t) = (t−1)/2 ‖X(t) − x*‖² − (δ+1)(H + 2L²D²τ) ln t /(2μ²).
 *
 * Setting: η = 1, u_k = 1/(μ(k+1)) so η_k = 1/(μk) in the paper's 1-based count; δ = 1, so the
 * paper's time t = δk equals k and X(1) = x0 (Cor 4.3); our solver time s = t − 1.
 * D is not known a priori (the paper assumes the path stays in a ball): it is measured as the
 * largest ‖X(t) − x0‖ over all paths and times — an estimate from below of the true sup.
 */
import { runEnsemble } from '../../stats/ensemble.ts';
import { configEnsemble } from '../../experiments/ensemble-source.ts';
import type { CheckOptions, CheckResult, CheckRow } from '../check.ts';
import { buildObjective, LINEAR_REGRESSION, pairConfig, quadraticHessian } from '../problems.ts';
import { formatNumber as f, measurement, upperBoundVerdict, type Verdict } from '../verdict.ts';
import { GradientCovariance } from '../../asgd/objective.ts';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { normalQuantile } from '../../core/math/normal-quantile.ts';
import { ciBand, colourDashLegend, PALETTE } from '../../plot/axes.ts';

/** The dash of each series kind in the figure (colour is the delay). */
const SERIES_DASH = { sdde: 'solid', asgd: 'dot', boundSdde: 'dash', boundAsgd: 'dashdot' } as const;

export async function checkEnergy(opts: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const obj = buildObjective(LINEAR_REGRESSION);
  const xStar = Array.from(obj.minimizer!);
  const eig = new EigenvalueDecomposition(new Matrix(quadraticHessian(obj)), { assumeSymmetric: true }).realEigenvalues;
  const mu = Math.min(...eig);
  const L = Math.max(...eig);
  const b = 1;
  const trSigma = (() => {
    const S = new GradientCovariance(obj).compute(Float64Array.from(xStar));
    return (S[0] + S[3]) / b; // Tr(σσᵀ) with σσᵀ = Σ(x*)/b
  })();
  if (!(mu > 0)) throw new Error(`energy check: the problem must be strongly convex (μ = ${mu})`); // a fixed problem: a bug, not input
  const delta = 1;
  const K = opts.quick ? 1000 : 4000;
  const paths = opts.quick ? 200 : 1000;
  const substeps = 4;
  // every step is saved: D is the envelope of the path, and its early excursions (large steps
  // 1/(μk)) happen within the first few steps
  const saveEvery = 1;
  const x0 = [xStar[0] + 2, xStar[1] - 1];
  const rows: CheckRow[] = [];
  const traces: unknown[] = [];
  const cases: unknown[] = [];
  const palette = [PALETTE[0], PALETTE[2], PALETTE[1]];
  const lags = [0, 2, 5];

  for (const [ci, lag] of lags.entries()) {
    const tau = lag * delta;
    const theorem = lag === 0 ? 'Cor 4.3 (τ = 0, SGD)' : `Thm 4.2 (τ = ${tau})`;
    opts.onProgress?.(`energy: ${theorem}`);
    const config = pairConfig({ objective: LINEAR_REGRESSION, x0, eta: 1, iterations: K, batchSize: b, delay: { kind: 'constant', lag }, beforeHistory: 'history', schedule: { kind: 'inverse-mu', mu }, saveEvery, substeps, delta, seed: opts.seed });
    const sdde = await runEnsemble(configEnsemble(config, 'bridge-sdde'), { paths, seed: opts.seed + 10 + ci, threads: opts.threads, onProgress: opts.onBlocks, ...(opts.signal ? { signal: opts.signal } : {}) });
    const asgd = await runEnsemble(configEnsemble(config, 'asgd'), { paths, seed: opts.seed + 20 + ci, threads: opts.threads, onProgress: opts.onBlocks, ...(opts.signal ? { signal: opts.signal } : {}) });
    if (sdde.series.sdde.diverged || asgd.series.asgd.diverged) throw new Error(`energy: paths diverged (SDDE ${sdde.series.sdde.diverged}, ASGD ${asgd.series.asgd.diverged}) on a strongly convex problem`);
    // D: the largest ‖X(t) − x0‖ over all paths and every (coarse) step — a sample maximum, which
    // grows with the number of paths (with Gaussian noise no finite D exists almost surely).
    // The SDDE row uses the SDDE's envelope, the ASGD row the ASGD's.
    const constantFor = (D: number) => (delta + 1) * (trSigma + 2 * mu * L * D * D + 2 * L * L * D * D * tau);
    const D = sdde.series.sdde.envelope;
    const H = trSigma + 2 * mu * L * D * D;
    const c = constantFor(D);
    const cA = constantFor(asgd.series.asgd.envelope);
    // paper time t = s + 1 (δ = 1, X(1) = x0)
    const tp = Array.from(sdde.t, (s) => s + 1);
    const boundWith = (cc: number) => tp.map((t) => (t > 1 ? (cc * Math.log(t)) / ((t - 1) * mu * mu) : Infinity));
    const bound = boundWith(c);
    const boundA = boundWith(cA);
    const check = (series: { sqdist?: { meanAt(p: number): number; standardError(p: number): number } }, b: number[], label: string): Verdict =>
      upperBoundVerdict(tp.map((t, p) => ({ t, p })).filter(({ t }) => t > 1).map(({ t, p }) => ({ bound: b[p], m: measurement(series.sqdist!.meanAt(p), series.sqdist!.standardError(p)), where: `${label} t = ${f(t)}` })));
    const last = tp.length - 1;
    const sq = sdde.series.sdde.sqdist!;
    const sqA = asgd.series.asgd.sqdist!;
    rows.push({
      theorem,
      quantity: 'SDDE: E‖X(t) − x*‖² for 1 < t ≤ T',
      predicted: `(δ+1)(H + 2L²D²τ) ln t/((t−1)μ²); at T: ${f(bound[last])}`,
      measured: `at T: ${f(sq.meanAt(last))} (${f(sq.ci95(last)[0])} … ${f(sq.ci95(last)[1])})`,
      verdict: check(sdde.series.sdde, bound, 'SDDE'),
    });
    rows.push({
      theorem: `${theorem}, ASGD (t = δk)`,
      quantity: 'ASGD: E‖x_k − x*‖² for 1 < δk ≤ T',
      predicted: `same bound at t = δk with the ASGD's own D; at T: ${f(boundA[last])}`,
      measured: `at T: ${f(sqA.meanAt(last))} (${f(sqA.ci95(last)[0])} … ${f(sqA.ci95(last)[1])})`,
      verdict: check(asgd.series.asgd, boundA, 'ASGD'),
    });
    // E𝓔(t) non-increasing: the increment between saved times must not be significantly > 0 —
    // Bonferroni over the increments (one-sided, family-wise 2.5%). Its SE is bounded by the sum of
    // the two terms' SEs (the same paths: covariance unknown, ≤ sum).
    const energy = tp.map((t, p) => ((t - 1) / 2) * sq.meanAt(p) - (c * Math.log(t)) / (2 * mu * mu));
    let worst = { z: -Infinity, t: NaN, inc: NaN };
    for (let p = 1; p < tp.length; p++) {
      const inc = energy[p] - energy[p - 1];
      const se = ((tp[p] - 1) / 2) * sq.standardError(p) + ((tp[p - 1] - 1) / 2) * (p > 1 ? sq.standardError(p - 1) : 0);
      const z = se > 0 ? inc / se : inc > 0 ? Infinity : -Infinity;
      if (z > worst.z) worst = { z, t: tp[p], inc };
    }
    rows.push({
      theorem,
      quantity: 'E𝓔(t) non-increasing (increments between saved times)',
      predicted: 'every increment ≤ 0',
      measured: `largest increment ${f(worst.inc)} at t = ${f(worst.t)} (${f(worst.z)} SE)`,
      verdict: (() => {
        const zStar = normalQuantile(1 - 0.025 / (tp.length - 1));
        return worst.z > zStar ? { kind: 'violated' as const, label: 'violated', reason: `E𝓔 increases by ${f(worst.inc)} (${f(worst.z)} SE > ${f(zStar)}, Bonferroni over ${tp.length - 1} increments) at t = ${f(worst.t)}` } : { kind: 'holds' as const, label: 'holds', reason: `no increment is significantly positive (largest ${f(worst.z)} SE, critical ${f(zStar)})` };
      })(),
    });
    const color = palette[ci];
    const keep = tp.map((t, p) => p).filter((p) => tp[p] > 1);
    const xk = keep.map((p) => tp[p]);
    // the measured means with their 95% CIs (bands), the bounds as thin lines; the legend explains colour (τ) and dash (series) once
    const group = { showlegend: false, legendgroup: `tau-${tau}` };
    traces.push(ciBand(xk, keep.map((p) => sq.ci95(p)[0]), keep.map((p) => sq.ci95(p)[1]), { color, floor: 1e-6, legendgroup: `tau-${tau}` }));
    traces.push(ciBand(xk, keep.map((p) => sqA.ci95(p)[0]), keep.map((p) => sqA.ci95(p)[1]), { color, floor: 1e-6, legendgroup: `tau-${tau}` }));
    traces.push({ type: 'scatter', mode: 'lines', x: xk, y: keep.map((p) => sq.meanAt(p)), name: `SDDE, τ = ${tau}`, line: { color, dash: SERIES_DASH.sdde }, ...group });
    traces.push({ type: 'scatter', mode: 'lines', x: xk, y: keep.map((p) => sqA.meanAt(p)), name: `ASGD, τ = ${tau}`, line: { color, dash: SERIES_DASH.asgd }, ...group });
    traces.push({ type: 'scatter', mode: 'lines', x: xk, y: keep.map((p) => bound[p]), name: `bound (SDDE's D), τ = ${tau}`, line: { color, dash: SERIES_DASH.boundSdde, width: 1 }, ...group });
    traces.push({ type: 'scatter', mode: 'lines', x: xk, y: keep.map((p) => boundA[p]), name: `bound (ASGD's D), τ = ${tau}`, line: { color, dash: SERIES_DASH.boundAsgd, width: 1 }, ...group });
    cases.push({ lag, tau, D, asgdEnvelope: asgd.series.asgd.envelope, H, trSigma, constant: c });
  }
  const notes = [
    `Strongly convex problem: ${obj.description}; μ = λ_min(Ã) = ${f(mu)}, L = λ_max(Ã) = ${f(L)}; b = ${b}; x0 = x* + (2, −1).`,
    `η = 1, u_k = 1/(μ(k+1)) (η_k = 1/(μk), 1-based); δ = 1, so t = δk and X(1) = x0; constant delays l ∈ {${lags.join(', ')}}, τ = lδ; K = ${K}; SDDE by Euler–Maruyama at h = δ/${substeps}; ${paths} paths per ensemble.`,
    `σ constant with σσᵀ = Σ(x*)/b, so E Tr(σσᵀ) = ${f(trSigma)}. D = the largest ‖X(t) − x0‖ over all paths and every step, for the SDDE row from the SDDE and for the ASGD row from the ASGD (whose single-component steps of size 1/μ overshoot early on) — a sample maximum, which grows with the number of paths (the theorem assumes the path stays in d(x0, D); the measured envelope estimates that radius from below). H = E Tr(σσᵀ) + 2μLD² (the smallest H the theorem allows).`,
    'Verdicts: the bound is checked at every saved t > 1 against the ensemble mean, violated only if a measurement exceeds it by more than the Bonferroni-corrected z (family-wise 2.5%); E𝓔(t) must not increase between saved times by more than the Bonferroni-corrected z times the increment\'s SE (bounded by the sum of the two SEs).',
  ];
  const legend = colourDashLegend(
    lags.map((lag, i) => ({ label: `τ = ${lag * delta}`, color: palette[i] })),
    [
      { label: 'SDDE mean, 95% CI band', dash: SERIES_DASH.sdde },
      { label: 'ASGD mean, 95% CI band', dash: SERIES_DASH.asgd },
      { label: "bound with the SDDE's D", dash: SERIES_DASH.boundSdde },
      { label: "bound with the ASGD's D", dash: SERIES_DASH.boundAsgd },
    ],
    { colour: 'delay', dash: 'series' },
  );
  return {
    name: 'energy',
    title: 'Energy function (He et al. Thm 4.2, Cor 4.3)',
    rows,
    figures: [
      {
        file: 'check-energy',
        figure: {
          title: 'Thm 4.2 / Cor 4.3: E‖X(t) − x*‖² against the energy-function bound',
          data: [...traces, ...legend.traces],
          layout: { xaxis: { title: { text: 'time t = δk' }, type: 'log' }, yaxis: { title: { text: 'E‖X(t) − x*‖²' }, type: 'log' }, ...legend.layout, margin: { t: 30, b: 130 } },
          caption: notes.join('\n\n'),
          width: 1100,
          height: 560,
        },
      },
    ],
    notes,
    data: { mu, L, K, paths, delta, cases },
    seconds: (performance.now() - started) / 1000,
  };
}
