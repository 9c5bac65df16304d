/**
 * MindTheStep-AsyncPSGD (Bäckström et al. 2019) Table I / Fig. 2 analog: staleness models fitted to
 * the staleness of a simulated parameter server for m = 2 … 32 workers (part 3 of the mindthestep
 * check).
 */
import { bestFit, fitSummaries } from '../../delay/fit.ts';
import { simulateStaleness, type StalenessSimulation } from '../../experiments/staleness.ts';
import { stalenessFigure } from '../../experiments/staleness-report.ts';
import type { CheckOptions, CheckRow } from '../check.ts';
import { formatNumber as f, reported } from '../verdict.ts';

/**
 * Table I / Fig. 2 analog: staleness of a simulated server fitted by four models. `pace` is awaited
 * between simulations (the check's `yieldingPace`: a timer can abort it); default: never yields.
 */
export async function stalenessModels(opts: CheckOptions, pace: () => Promise<void> = async () => {}) {
  const ms = opts.quick ? [2, 4, 8, 16, 32] : [2, 4, 8, 16, 20, 24, 28, 32];
  const updates = opts.quick ? 1000 : 2000; // per run, 10 runs per m
  const compute = { kind: 'normal' as const, mean: 1, sd: 0.2 };
  const sims: StalenessSimulation[] = [];
  for (const m of ms) {
    opts.onProgress?.(`mindthestep: staleness with m = ${m}`);
    await pace();
    sims.push(simulateStaleness({ workers: m, computeTime: compute, updates, seed: opts.seed + 1400 + m }));
  }
  const dist = (s: StalenessSimulation, model: string) => s.fits.find((x) => x.model === model)!;
  const rows: CheckRow[] = [];
  rows.push({
    theorem: 'MindTheStep Table I (analog)',
    quantity: 'best-fitting parameters per m: geometric p, uniform τ̂, Poisson λ, CMP ν (λ = m^ν)',
    predicted: 'the paper (CNN, 36 threads): p 0.34 … 0.03, τ̂ 2 … 48, λ 2.0 … 32, ν 6.28 … 0.87 for m = 2 … 32',
    measured: sims.map((s) => `m = ${s.spec.workers}: p ${f(dist(s, 'geometric').params.p)}, τ̂ ${dist(s, 'uniform').params.max}, λ ${f(dist(s, 'poisson').params.lambda)}, ν ${f(dist(s, 'cmp').params.nu)}`).join('; '),
    verdict: reported(`a simulated server with normal compute times, not the paper's system: uniform τ̂/m = ${f(Math.min(...sims.map((s) => dist(s, 'uniform').params.max / s.spec.workers)))} … ${f(Math.max(...sims.map((s) => dist(s, 'uniform').params.max / s.spec.workers)))} (paper 1 … 1.7), Poisson λ − (m − 1) = ${f(Math.min(...sims.map((s) => dist(s, 'poisson').params.lambda - s.spec.workers + 1)))} … ${f(Math.max(...sims.map((s) => dist(s, 'poisson').params.lambda - s.spec.workers + 1)))}; the geometric p is at its search bound 10⁻⁶ at m = ${sims.filter((s) => dist(s, 'geometric').params.p < 2e-6).map((s) => s.spec.workers).join(', ') || '(none)'} (see the note)`),
  });
  rows.push({
    theorem: 'MindTheStep Table I (λ of Poisson)',
    quantity: 'fitted Poisson λ against m (paper: λ ≈ m)',
    predicted: 'λ ≈ m (the paper\'s Table I: 2.0, 4.0, 8.0, 16.0, 19.7, 23.8, 26.5, 32)',
    measured: sims.map((s) => `m = ${s.spec.workers}: ${f(dist(s, 'poisson').params.lambda)}`).join('; '),
    verdict: reported(`measured mean staleness ${sims.map((s) => `${f(s.mean)} (m − 1 = ${s.spec.workers - 1})`).join(', ')}: each gradient waits for the other workers' updates, and the fitted λ follows the mean; the paper's system may add a scheduling part τ_S (its Section IV) that this simulation does not have`),
  });
  const best = sims.map((s) => bestFit(s.fits).model);
  rows.push({
    theorem: 'MindTheStep Fig. 2',
    quantity: 'Bhattacharyya distance of the best-fitting geometric / uniform / Poisson / CMP model',
    predicted: 'CMP most accurate at every m, Poisson second; geometric and uniform poor and worse with m',
    measured: sims.map((s, i) => `m = ${s.spec.workers}: best ${best[i]} (geom ${f(dist(s, 'geometric').distance)}, unif ${f(dist(s, 'uniform').distance)}, Pois ${f(dist(s, 'poisson').distance)}, CMP ${f(dist(s, 'cmp').distance)})`).join('; '),
    verdict: reported(`best model: ${best.map((b, i) => `${ms[i]} → ${b}`).join(', ')}; CMP or Poisson beat geometric and uniform at ${best.filter((b) => b === 'cmp' || b === 'poisson').length} of ${ms.length} m. A simulation, not the paper's CNN on 36 threads`),
  });
  rows.push({
    theorem: 'MindTheStep footnote 1 / Table I',
    quantity: 'P[τ = 0] against m',
    predicted: 'decays as m grows',
    measured: sims.map((s) => `m = ${s.spec.workers}: ${f(s.histogram[0] ?? 0)}`).join('; '),
    verdict: reported(`P[τ = 0] < 1% at m = ${sims.filter((s) => (s.histogram[0] ?? 0) < 0.01).map((s) => s.spec.workers).join(', ') || '(none)'}`),
  });
  const notes = [
    `Staleness models (Table I / Fig. 2 analog): a simulated asynchronous parameter server, m workers, compute times normal(mean 1, sd 0.2) truncated at 0 (our choice: the paper's CNN gradients take a nearly constant time), 10 independent runs of ${updates} updates per m, each started just after a typical update of the stationary regime (no warm-up); models fitted by minimizing the Bhattacharyya distance on the observed support (pmfs truncated at the largest observed τ and renormalized); CMP by a 1-D search over ν with λ = m^ν (Eq. 13). A geometric fit at p → 10⁻⁶ is the search bound: on the observed support the flattest geometric pmf is the best a decreasing pmf can do against a mode at m − 1.`,
  ];
  const table = sims.map((s) => ({
    workers: s.spec.workers,
    meanStaleness: s.mean,
    meanSe: s.meanSe,
    pZero: s.histogram[0] ?? 0,
    fits: fitSummaries(s.fits),
  }));
  return {
    rows,
    notes,
    figures: [
      {
        file: 'check-mindthestep-staleness',
        figure: {
          ...stalenessFigure(sims, { mode: 'async', localAccumulation: 1, globalAccumulation: 1, pullEvery: 1, computeTime: compute, updates, seed: opts.seed }, `${notes[0]}\n\nObserved staleness pmf (bars: 95% CIs across the independent runs) and the fitted models for every worker count; last panel: the distances of the fits against m (Fig. 2 analog).`),
          title: 'Staleness of a simulated parameter server and the fitted models (MindTheStep Table I / Fig. 2 analog)',
        },
      },
    ],
    data: { computeTime: compute, updates, table },
  };
}
