/**
 * He et al. Thm 3.2 / Cor 3.3 / Thm 3.4: the approximation error E‖X(t_K) − x_K‖ between ASGD and
 * its SDDE with δ = η = 1/K (so t_K = 1), over ladders of K, b and l, for random (uniform on
 * {0..l}) and constant delays, on the toy problem and on 1-D least squares.
 *
 * The bridge's couplings split the error as the proof does:
 *   total            E|x_K − X(t_K)|: quantile coupling, SDDE on h = δ/8;
 *   CLT, part (2)    E|x_K − x̃_K|:   quantile coupling, SDDE = Eq. (5) at h = δ;
 *   discretization,  E|x̃_K − X(t_K)|: shared Brownian path, Eq. (5) vs the SDDE on h = δ/8.
 *   part (1)
 * The theorem is an upper bound with unknown constants,
 *   C1(1/√K + l/K³ᐟ²) + C2 e^(L(l+1))/(√b(l+1))    (Thm 3.4, constant delay: C4 e^L/√b),
 * so what can be falsified is its shape: the error may not grow with K, must decay in b at least
 * like b^{−1/2}, the discretization part at least like K^{−1/2}, and must not grow in l faster than
 * e^{L(l+1)}/(l+1) (random) or at all (constant, Thm 3.4). Constants are fitted (least squares,
 * non-negative) and stated. Weak errors (difference of means, of variances, W1) are reported too.
 */
import { runEnsemble } from '../../stats/ensemble.ts';
import { configEnsemble } from '../../experiments/ensemble-source.ts';
import { logLogFit, weightedLineFit } from '../../core/stats/fit.ts';
import { wasserstein1 } from '../../stats/wasserstein.ts';
import { weakError } from '../../stats/weak.ts';
import { Z95 } from '../../stats/welford.ts';
import { colourDashLegend, DASHES, PALETTE, SYMBOLS } from '../../plot/axes.ts';
import type { ObjectiveSpec } from '../../asgd/objectives/spec.ts';
import type { CheckOptions, CheckResult, CheckRow } from '../check.ts';
import { buildObjective, pairConfig } from '../problems.ts';
import { exponentVerdict, formatNumber as f, measurement, type Measurement, notApplicable, reported, type Verdict } from '../verdict.ts';

interface Problem {
  label: string;
  objective: ObjectiveSpec;
  x0: number | number[];
  L: number;
  bLadder: number[];
  dim: number;
  /** The coupling of the total and CLT parts: exact 'quantile' (1-D) or 'axis-quantile' (any d). */
  coupling: 'quantile' | 'axis-quantile';
  sigma: 'at-minimizer' | 'state-dependent';
}

type Part = 'total' | 'clt' | 'discretization';
const PART_SETTINGS: Record<Part, { coupling: 'coupled' | 'shared-brownian'; substeps: number }> = {
  total: { coupling: 'coupled', substeps: 8 },
  clt: { coupling: 'coupled', substeps: 1 },
  discretization: { coupling: 'shared-brownian', substeps: 8 },
};

/** Minibatches of the sampled noise law of the axis-quantile coupling (DKW band ±0.011 at 95%). */
const LAW_SAMPLES = 16_384;

export async function checkApproximation(opts: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const paths = opts.quick ? 200 : 800;
  const Ks = opts.quick ? [50, 100, 200, 400] : [50, 100, 200, 400, 800, 1600];
  const lLadder = opts.quick ? [0, 1, 2, 4, 8] : [0, 1, 2, 4, 8, 16];
  const K0 = 200;
  const l0 = 2;
  const ls = buildObjective({ kind: 'least-squares', n: 10, d: 1, noise: 0.5, seed: 5 });
  const lsD: ObjectiveSpec = { kind: 'least-squares', n: 1000, d: 10, noise: 0.5, seed: 5 };
  const lsDObj = buildObjective(lsD);
  const problems: Problem[] = [
    { label: 'toy', objective: { kind: 'toy' }, x0: 4, L: 2, bLadder: opts.quick ? [1, 2, 4, 8] : [1, 2, 4, 8, 16], dim: 1, coupling: 'quantile', sigma: 'at-minimizer' },
    { label: '1-D least squares', objective: { kind: 'least-squares', n: 10, d: 1, noise: 0.5, seed: 5 }, x0: ls.minimizer![0] + 2, L: ls.lipschitz!, bLadder: [1, 2, 4], dim: 1, coupling: 'quantile', sigma: 'state-dependent' },
    // d = 10, n = 1000: no exact law (C(1000 + b − 1, b) outcomes); the axis-quantile coupling with σ and its sampled law at x*, started at x*
    { label: 'least squares d = 10', objective: lsD, x0: Array.from(lsDObj.minimizer!), L: lsDObj.lipschitz!, bLadder: opts.quick ? [1, 4, 16] : [1, 2, 4, 8, 16, 32], dim: 10, coupling: 'axis-quantile', sigma: 'at-minimizer' },
  ];
  const rows: CheckRow[] = [];
  const traces: unknown[] = [];
  const data: Record<string, unknown> = { paths, Ks, lLadder, K0, l0 };
  let seedOffset = 0;
  const fitted: string[] = [];
  const assumptionNotes: string[] = [];

  const measure = async (p: Problem, K: number, b: number, delay: Record<string, unknown>, part: Part, keepFinals = false) => {
    const { coupling: c, substeps } = PART_SETTINGS[part];
    const coupling = c === 'coupled' ? p.coupling : c;
    const config = pairConfig({ objective: p.objective, x0: p.x0, eta: 1 / K, iterations: K, batchSize: b, delay, beforeHistory: 'clip', saveEvery: K, coupling, substeps, sigma: p.sigma, seed: opts.seed, ...(coupling === 'axis-quantile' ? { lawSamples: LAW_SAMPLES } : {}) });
    const ens = await runEnsemble(configEnsemble(config, 'pair'), { paths, seed: opts.seed + 1000 + seedOffset++, keepFinals, threads: opts.threads, onProgress: opts.onBlocks, ...(opts.signal ? { signal: opts.signal } : {}) });
    const last = ens.k.length - 1;
    // a point where any path diverged is not measured (a mean over the survivors would be biased)
    const diverged = Math.max(ens.series.asgd.diverged, ens.series.sdde.diverged);
    if (diverged > 0) {
      assumptionNotes.push(`${p.label}: K = ${K}, b = ${b}, delay ${JSON.stringify(delay)}: ${diverged} of ${paths} paths diverged; the point is left out`);
      return { m: measurement(NaN, NaN), ens };
    }
    return { m: measurement(ens.distance!.meanAt(last), ens.distance!.standardError(last)), ens };
  };
  // one colour per (part, delay), one dash and marker per problem: the legend explains colours and
  // dashes separately (5 + 3 entries, not 15 series)
  const PART_WORDS: Record<Part, string> = { total: 'total error', clt: 'CLT part', discretization: 'discretization part' };
  const COLOUR_KEYS = ['total,uniform', 'clt,uniform', 'discretization,uniform', 'total,constant', 'clt,constant'];
  // black for the constant-delay CLT part: it shares the middle and right panels with the
  // uniform-delay CLT part (vermillion), and the palette's orange would be too close to it
  const COLOURS = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[6]];
  const colourOf = (part: Part, delay: string) => COLOURS[COLOUR_KEYS.indexOf(`${part},${delay}`)];
  const series = (p: Problem, part: Part, delay: string, axis: '' | '2' | '3', x: number[], ms: Measurement[]) => {
    const k = problems.indexOf(p);
    const name = `${p.label}: ${PART_WORDS[part]}, ${delay} delay`;
    return { type: 'scatter', mode: 'lines+markers', x, y: ms.map((m) => m.value), error_y: { type: 'data', array: ms.map((m) => Z95 * m.se), thickness: 1 }, name, showlegend: false, line: { color: colourOf(part, delay), dash: DASHES[k % DASHES.length] }, marker: { size: 6, symbol: SYMBOLS[k % SYMBOLS.length] }, xaxis: `x${axis}`, yaxis: `y${axis}` };
  };

  for (const p of problems) {
    const rec: Record<string, unknown> = {};
    data[p.label] = rec;
    for (const [delayLabel, delayOf] of [
      ['uniform', (l: number) => ({ kind: 'uniform', maxLag: l })],
      ['constant', (l: number) => ({ kind: 'constant', lag: l })],
    ] as const) {
      const theorem = delayLabel === 'uniform' ? 'Thm 3.2' : 'Thm 3.4';
      // --- K ladder: total (both delays), and its CLT / discretization parts (uniform) ---
      const parts: Part[] = delayLabel === 'uniform' ? ['total', 'clt', 'discretization'] : ['total'];
      for (const part of parts) {
        opts.onProgress?.(`approximation: ${p.label}, ${delayLabel} delay, ${part} error over K`);
        // Thm 3.2 assumes ηL(l+1) ≤ 1: ladder points outside it are not measured (and listed)
        const KsOk = Ks.filter((K) => (1 / K) * p.L * (l0 + 1) <= 1);
        if (KsOk.length < Ks.length) assumptionNotes.push(`${p.label}: K ∈ {${Ks.filter((K) => !KsOk.includes(K)).join(', ')}} violate ηL(l+1) ≤ 1 and are left out`);
        const msAll: Measurement[] = [];
        for (const K of KsOk) msAll.push((await measure(p, K, 1, delayOf(l0), part)).m);
        const keep = KsOk.map((_, i) => i).filter((i) => Number.isFinite(msAll[i].value));
        const ms = keep.map((i) => msAll[i]);
        KsOk.splice(0, KsOk.length, ...keep.map((i) => KsOk[i]));
        if (KsOk.length < 3) {
          rows.push({ theorem: `${theorem}, ${p.label}, ${delayLabel} l ≤ ${l0}`, quantity: `${part} error: exponent in K`, predicted: '—', measured: '—', verdict: notApplicable('fewer than 3 K satisfy ηL(l+1) ≤ 1') });
          continue;
        }
        const fit = logLogFit(KsOk, ms.map((m) => m.value), ms.map((m) => m.se));
        const ci = { value: fit.slope, lo: fit.slopeCi95[0], hi: fit.slopeCi95[1] };
        const predicted = part === 'discretization' ? -0.5 : 0;
        const verdict: Verdict = exponentVerdict(predicted, ci, 'at-most', Math.log(KsOk.at(-1)! / KsOk[0]));
        rows.push({
          theorem: `${theorem}, ${p.label}, ${delayLabel} l ≤ ${l0}`,
          quantity: `${part === 'total' ? 'E|X(t_K) − x_K|' : part === 'clt' ? 'CLT part E|x_K − x̃_K|' : 'discretization part E|x̃_K − X(t_K)|'}: exponent in K (b = 1)`,
          predicted: part === 'discretization' ? '≤ −1/2 (C1(1/√K + l/K³ᐟ²))' : '≤ 0 (bounded: C1/√K + C2 floor)',
          measured: `${f(fit.slope)} (${f(fit.slopeCi95[0])} … ${f(fit.slopeCi95[1])})`,
          verdict,
        });
        rec[`K-${delayLabel}-${part}`] = { K: KsOk, mean: ms.map((m) => m.value), se: ms.map((m) => m.se), fit };
        traces.push(series(p, part, delayLabel, '', KsOk, ms));
      }
      // --- b ladder: CLT part at K0 ---
      opts.onProgress?.(`approximation: ${p.label}, ${delayLabel} delay, CLT part over b`);
      const mbAll: Measurement[] = [];
      for (const b of p.bLadder) mbAll.push((await measure(p, K0, b, delayOf(l0), 'clt')).m);
      const bOk = p.bLadder.filter((_, i) => Number.isFinite(mbAll[i].value));
      const mb = mbAll.filter((m) => Number.isFinite(m.value));
      const fitB = logLogFit(bOk, mb.map((m) => m.value), mb.map((m) => m.se));
      rows.push({
        theorem: `${theorem}, ${p.label}, ${delayLabel} l ≤ ${l0}`,
        quantity: `CLT part: exponent in b (K = ${K0})`,
        predicted: delayLabel === 'uniform' ? '≤ −1/2 (C2 e^(L(l+1))/(√b(l+1)))' : '≤ −1/2 (C4 e^L/√b)',
        measured: `${f(fitB.slope)} (${f(fitB.slopeCi95[0])} … ${f(fitB.slopeCi95[1])})`,
        verdict: exponentVerdict(-0.5, { value: fitB.slope, lo: fitB.slopeCi95[0], hi: fitB.slopeCi95[1] }, 'at-most', Math.log(bOk.at(-1)! / bOk[0])),
      });
      rec[`b-${delayLabel}`] = { b: bOk, mean: mb.map((m) => m.value), se: mb.map((m) => m.se), fit: fitB };
      traces.push(series(p, 'clt', delayLabel, '2', bOk, mb));
      // --- l ladder: CLT part at K0, b = 1 ---
      opts.onProgress?.(`approximation: ${p.label}, ${delayLabel} delay, CLT part over l`);
      const mlvAll: Measurement[] = [];
      const lAll = lLadder.filter((l) => (1 / K0) * p.L * (l + 1) <= 1);
      if (lAll.length < lLadder.length) assumptionNotes.push(`${p.label}: l ∈ {${lLadder.filter((l) => !lAll.includes(l)).join(', ')}} violate ηL(l+1) ≤ 1 at K = ${K0} and are left out`);
      for (const l of lAll) mlvAll.push((await measure(p, K0, 1, delayOf(l), 'clt')).m);
      const lOk = lAll.filter((_, i) => Number.isFinite(mlvAll[i].value));
      const mlv = mlvAll.filter((m) => Number.isFinite(m.value));
      let verdictL: Verdict;
      let measuredL: string;
      if (lOk.length < 3) {
        verdictL = notApplicable('fewer than 3 delays satisfy ηL(l+1) ≤ 1');
        measuredL = '—';
      } else if (delayLabel === 'uniform') {
        // growth allowed by Thm 3.2: log err ≤ const + L(l+1) − log(l+1): slope on that ≤ 1
        const g = lOk.map((l) => p.L * (l + 1) - Math.log(l + 1));
        const fitL = weightedLineFit(g, mlv.map((m) => Math.log(m.value)), mlv.map((m) => m.se / m.value));
        verdictL = exponentVerdict(1, { value: fitL.slope, lo: fitL.slopeCi95[0], hi: fitL.slopeCi95[1] }, 'at-most', g.at(-1)! - g[0]);
        measuredL = `slope ${f(fitL.slope)} (${f(fitL.slopeCi95[0])} … ${f(fitL.slopeCi95[1])}) on L(l+1) − log(l+1)`;
        rec['l-uniform'] = { l: lOk, mean: mlv.map((m) => m.value), se: mlv.map((m) => m.se), fit: fitL };
      } else {
        // Thm 3.4: the CLT part is bounded by C4 e^L/√b, independent of l ("its approximation error
        // is similar to that of SGD"). An upper bound with an unknown constant cannot be refuted by a
        // small change, so "similar" is made explicit: the error may not grow by more than 25% over
        // the ladder. Growth G = exp(slope·(l_max − l_min)) with its CI; violated iff G's CI > 1.25.
        const fitL = weightedLineFit(lOk, mlv.map((m) => Math.log(m.value)), mlv.map((m) => m.se / m.value));
        const span = lOk.at(-1)! - lOk[0];
        const G = { value: Math.exp(fitL.slope * span), lo: Math.exp(fitL.slopeCi95[0] * span), hi: Math.exp(fitL.slopeCi95[1] * span) };
        verdictL =
          G.lo > 1.25
            ? { kind: 'violated', label: 'violated', reason: `the CLT part grows by ×${f(G.value)} (95% CI ${f(G.lo)} … ${f(G.hi)}) over l ∈ [${lOk[0]}, ${lOk.at(-1)}]: not similar to SGD's` }
            : { kind: 'holds', label: 'holds', reason: `growth over l ∈ [${lOk[0]}, ${lOk.at(-1)}] is ×${f(G.value)} (95% CI ${f(G.lo)} … ${f(G.hi)}), within the 25% that "similar to SGD" allows${G.lo > 1 ? ' (a small but significant growth)' : ''}` };
        measuredL = `growth ×${f(G.value)} (${f(G.lo)} … ${f(G.hi)}) over the ladder`;
        rec['l-constant'] = { l: lOk, mean: mlv.map((m) => m.value), se: mlv.map((m) => m.se), fit: fitL };
      }
      rows.push({
        theorem: `${theorem}, ${p.label}, ${delayLabel} delay`,
        quantity: `CLT part against l (K = ${K0}, b = 1; l ∈ {${lOk.join(', ')}})`,
        predicted: delayLabel === 'uniform' ? 'grows at most like e^(L(l+1))/(l+1)' : 'independent of l (C4 e^L/√b): growth ≤ ×1.25',
        measured: measuredL,
        verdict: verdictL,
      });
      traces.push(series(p, 'clt', delayLabel, '3', lOk, mlv));
    }

    // --- constants of the bound's shape, fitted (non-negative least squares) on the uniform K and b ladders ---
    const kt = rec['K-uniform-total'] as { K: number[]; mean: number[] } | undefined;
    const bt = rec['b-uniform'] as { mean: number[] };
    const X: [number, number][] = [
      ...(kt?.K ?? []).map((K): [number, number] => [1 / Math.sqrt(K) + l0 / K ** 1.5, Math.exp(p.L * (l0 + 1)) / (l0 + 1)]),
      ...p.bLadder.map((b): [number, number] => [1 / Math.sqrt(K0) + l0 / K0 ** 1.5, Math.exp(p.L * (l0 + 1)) / (Math.sqrt(b) * (l0 + 1))]),
    ];
    const y = [...(kt?.mean ?? []), ...bt.mean];
    // e^{L(l+1)} beyond the double range cannot enter a least-squares fit: say so instead
    if (!X.every(([a, c]) => Number.isFinite(a) && Number.isFinite(c))) {
      rec.fittedConstants = { notRepresentable: `e^(L(l+1)) = e^${(p.L * (l0 + 1)).toFixed(1)} is beyond the double range` };
      fitted.push(`${p.label}: not representable (e^(L(l+1)) = e^${(p.L * (l0 + 1)).toFixed(1)})`);
    }
    const [C1, C2] = X.every(([a, c]) => Number.isFinite(a) && Number.isFinite(c)) ? nnls2(X, y) : [NaN, NaN];
    const ratios = X.map(([a, c], i) => (C1 * a + C2 * c) / y[i]);
    if (Number.isFinite(C1)) rec.fittedConstants = { C1, C2, fittedOverMeasured: { min: Math.min(...ratios), max: Math.max(...ratios) } };
    if (Number.isFinite(C1)) {
      const spread = Math.max(...ratios) / Math.min(...ratios);
      fitted.push(`${p.label}: C1 = ${f(C1)}, C2 = ${f(C2)} (the fitted shape is ×${f(Math.min(...ratios))} … ×${f(Math.max(...ratios))} the measurements${spread > 2 ? ': the shape does not follow the data' : ''})`);
    }

    // --- weak error at K0, b = 1, uniform l ≤ l0 ---
    // 1-D (exact quantile coupling: both marginals exact): the two samples come from the same
    // coupled paths, so standard errors are paired — of the per-path differences for the means, of
    // the per-path influence values u_i = ‖a_i − ā‖² − ‖s_i − s̄‖² for tr Cov; MMD² is the unbiased
    // U-statistic over pairs i ≠ j (src/stats/weak.ts). d = 10 (axis-quantile, whose SDDE side
    // has the SDDE's law only approximately): x_K against an independent SDDE ensemble, unpaired,
    // and the coupled SDDE side against that ensemble as the coupling's own error. These are
    // measurements the issue asks to report; the paper predicts no value for them.
    opts.onProgress?.(`approximation: ${p.label}, weak error`);
    const { ens } = await measure(p, K0, 1, { kind: 'uniform', maxLag: l0 }, 'total', true);
    const d = p.dim;
    const both = finitePairs(ens.series.asgd.finals!, ens.series.sdde.finals!, d);
    const eta0 = 1 / K0;
    let sample = both.s;
    let paired = true;
    let free: Float64Array | undefined;
    if (p.coupling === 'axis-quantile') {
      opts.onProgress?.(`approximation: ${p.label}, an independent SDDE ensemble`);
      const indep = pairConfig({ objective: p.objective, x0: p.x0, eta: eta0, iterations: K0, batchSize: 1, delay: { kind: 'uniform', maxLag: l0 }, beforeHistory: 'clip', saveEvery: K0, coupling: 'independent', substeps: 8, sigma: p.sigma, seed: opts.seed });
      const fe = await runEnsemble(configEnsemble(indep, 'bridge-sdde'), { paths, seed: opts.seed + 5000 + seedOffset++, keepFinals: true, threads: opts.threads, onProgress: opts.onBlocks, ...(opts.signal ? { signal: opts.signal } : {}) });
      free = finitePairs(fe.series.sdde.finals!, fe.series.sdde.finals!, d).a.subarray(0, both.a.length);
      sample = free;
      paired = false;
    }
    const w = weakError(both.a.subarray(0, sample.length), sample, d, { paired });
    const n = w.pairs;
    const how = paired ? `paired over ${n} coupled paths` : `${n} ASGD against ${n} independent SDDE paths (unpaired)`;
    const dm = d === 1 ? { v: w.meanDiff[0], se: w.meanDiffSe[0], what: 'E x_K − E X(t_K)' } : { v: w.meanDiffNorm2.value, se: w.meanDiffNorm2.se, what: '‖E x_K − E X(t_K)‖² (bias-corrected)' };
    rows.push({ theorem: `weak error, ${p.label}`, quantity: `${dm.what} (K = ${K0}, b = 1, uniform l ≤ ${l0}${paired ? '; paired' : ''})`, predicted: d === 1 ? `O(η), η = ${f(eta0)} (weak order 1, Li et al. 2017)` : `O(η²), η = ${f(eta0)} (weak order 1, squared)`, measured: `${f(dm.v)} ± ${f(Z95 * dm.se)} (= ${f(dm.v / (d === 1 ? eta0 : eta0 * eta0))} η${d === 1 ? '' : '²'})`, verdict: reported(how) });
    rows.push({ theorem: `weak error, ${p.label}`, quantity: `${d === 1 ? 'Var' : 'tr Cov'} x_K − ${d === 1 ? 'Var' : 'tr Cov'} X(t_K)${paired ? ' (paired)' : ''}`, predicted: 'O(η)', measured: `${f(w.traceCovDiff.value)} ± ${f(Z95 * w.traceCovDiff.se)} (= ${f(w.traceCovDiff.value / eta0)} η)`, verdict: reported(how) });
    rows.push({ theorem: `weak error, ${p.label}`, quantity: `MMD²(law x_K, law X(t_K)) (Gaussian kernel, s = ${f(w.mmd.bandwidth)})`, predicted: 'O(η²)', measured: `${f(w.mmd.mmd2)} (95% CI ${f(w.mmd.ci95[0])} … ${f(w.mmd.ci95[1])})`, verdict: reported(`unbiased U-statistic over pairs i ≠ j, delete-one jackknife CI; ${how}`) });
    let w1: number | undefined;
    if (d === 1) {
      w1 = wasserstein1(both.a, both.s);
      rows.push({ theorem: `weak error, ${p.label}`, quantity: 'W1(law x_K, law X(t_K))', predicted: 'O(η)', measured: `${f(w1)} (= ${f(w1 / eta0)} η)`, verdict: reported('empirical Wasserstein-1 of the two final samples (it includes their sampling noise)') });
    }
    rec.weak = { meanDiff: Array.from(w.meanDiff), meanDiffSe: Array.from(w.meanDiffSe), meanDiffNorm2: w.meanDiffNorm2, traceCovDiff: w.traceCovDiff, mmd: w.mmd, ...(w1 !== undefined ? { w1 } : {}), paths: n, paired };

    // --- the coupling's stated error: the coupled SDDE side against the independent SDDE ensemble ---
    if (free) {
      const g = weakError(both.s.subarray(0, free.length), free, d, { paired: false, bandwidth: w.mmd.bandwidth });
      rows.push({
        theorem: `coupling, ${p.label}`,
        quantity: 'the axis-quantile SDDE side vs an independent SDDE: MMD² and Δ tr Cov at t_K',
        predicted: '0 (the coupled side has the SDDE\'s law up to the mixed higher cumulants of the noise\'s axes and the sampled law)',
        measured: `MMD² ${f(g.mmd.mmd2)} (${f(g.mmd.ci95[0])} … ${f(g.mmd.ci95[1])}); Δ tr Cov ${f(g.traceCovDiff.value)} ± ${f(Z95 * g.traceCovDiff.se)}`,
        verdict: reported(`${g.pairs} coupled against ${g.pairs} independent SDDE paths (unpaired): the coupling's own error, to read beside the strong errors above`),
      });
      rec.couplingLaw = { mmd: g.mmd, traceCovDiff: g.traceCovDiff };
    }
  }

  const notes = [
    ...(assumptionNotes.length ? [`Assumptions: ${assumptionNotes.join('; ')}.`] : []),
    `Constants of C1(1/√K + l/K³ᐟ²) + C2 e^(L(l+1))/(√b(l+1)), fitted by non-negative least squares to the uniform-delay total-error K ladder and CLT-part b ladder: ${fitted.join('; ')}.`,
    `δ = η = 1/K, so t_K = 1; ASGD with minibatches drawn with replacement, l_k clipped to {0..k} (He et al. footnote 2); ${paths} paths per point.`,
    `Problems: the toy F = ½(x+1)² + ½(x−1)² (L = 2, Σ ≡ 4, x0 = 4, σ constant), 1-D ${ls.description} (L = ${f(ls.lipschitz!)}, x0 = x* + 2, σ(X(t−θ)) state-dependent), and in d = 10, ${lsDObj.description} (L = ${f(lsDObj.lipschitz!)}, x0 = x*, σ = (Σ(x*)/b)¹ᐟ² constant).`,
    `Couplings: total error = quantile coupling (1-D) or axis-quantile coupling (d = 10: along the principal axes of Σ(x*)/b, law sampled from ${LAW_SAMPLES} minibatches at x*) with the SDDE on h = δ/8; CLT part = the same coupling with the SDDE at h = δ (Eq. 5); discretization part = Eq. (5) against the SDDE on h = δ/8 driven by the same Brownian path.`,
    `Ladders: K ∈ {${Ks.join(', ')}} at b = 1, l ≤ ${l0}; b over {${problems.map((p) => `${p.label}: ${p.bLadder.join(', ')}`).join('; ')}} at K = ${K0}; l ∈ {${lLadder.join(', ')}} at K = ${K0} (only l with ηL(l+1) ≤ 1).`,
    'The theorem bounds the error by a shape with unknown constants: verdicts judge the shape (exponents) with 95% CIs from weighted log–log fits (errors inflated when the points scatter beyond their SE). "holds, loose ×R": over the ladder the bound\'s shape overestimates the measured change by ×R. For constant delays (Thm 3.4) "the approximation error is similar to that of SGD" is judged as growth of at most 25% over the l ladder.',
  ];
  const legend = colourDashLegend(
    COLOUR_KEYS.map((key) => {
      const [part, delay] = key.split(',') as [Part, string];
      return { label: `${PART_WORDS[part]}, ${delay} delay`, color: colourOf(part, delay) };
    }),
    problems.map((p, k) => ({ label: p.label, dash: DASHES[k % DASHES.length], symbol: SYMBOLS[k % SYMBOLS.length] })),
    { colour: 'error part, delay', dash: 'problem' },
    -0.2,
  );
  return {
    name: 'approximation',
    title: 'Approximation error (He et al. Thm 3.2, Cor 3.3, Thm 3.4)',
    rows,
    figures: [
      {
        file: 'check-approximation',
        figure: {
          title: 'Approximation error of the SDDE: over K, over b (CLT part) and over l (CLT part)',
          data: [...traces, ...legend.traces],
          layout: {
            grid: { rows: 1, columns: 3, pattern: 'independent', xgap: 0.17 },
            xaxis: { title: { text: 'iterations K (η = δ = 1/K)' }, type: 'log', tickvals: Ks },
            yaxis: { title: { text: 'mean error E‖x_K − X(t_K)‖ at t_K = 1' }, type: 'log' },
            xaxis2: { title: { text: `batch size b (K = ${K0})` }, type: 'log', tickvals: [...new Set(problems.flatMap((p) => p.bLadder))].sort((a, b) => a - b) },
            yaxis2: { title: { text: 'CLT part of the error' }, type: 'log' },
            xaxis3: { title: { text: `delay bound l (K = ${K0})` }, tickvals: lLadder },
            yaxis3: { title: { text: 'CLT part of the error' }, type: 'log' },
            ...legend.layout,
            margin: { t: 30, b: 130 },
          },
          caption: notes.join('\n\n'),
          width: 1400,
          height: 600,
        },
      },
    ],
    notes,
    data,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Non-negative least squares with two columns: y ≈ C1 a + C2 c, C1, C2 ≥ 0. */
function nnls2(X: [number, number][], y: number[]): [number, number] {
  const solve1 = (j: 0 | 1) => {
    let num = 0;
    let den = 0;
    X.forEach((r, i) => {
      num += r[j] * y[i];
      den += r[j] * r[j];
    });
    return Math.max(0, num / den);
  };
  let s11 = 0;
  let s12 = 0;
  let s22 = 0;
  let t1 = 0;
  let t2 = 0;
  X.forEach(([a, c], i) => {
    s11 += a * a;
    s12 += a * c;
    s22 += c * c;
    t1 += a * y[i];
    t2 += c * y[i];
  });
  const det = s11 * s22 - s12 * s12;
  const C1 = (t1 * s22 - t2 * s12) / det;
  const C2 = (s11 * t2 - s12 * t1) / det;
  if (C1 >= 0 && C2 >= 0) return [C1, C2];
  const sse = ([p, q]: [number, number]) => X.reduce((acc, [a, c], i) => acc + (p * a + q * c - y[i]) ** 2, 0);
  const onlyA: [number, number] = [solve1(0), 0];
  const onlyC: [number, number] = [0, solve1(1)];
  return sse(onlyA) <= sse(onlyC) ? onlyA : onlyC;
}

/** The pairs (x_K, X(t_K)) where both are finite (row-major, d per pair). */
function finitePairs(a: Float64Array, s: Float64Array, d: number): { a: Float64Array; s: Float64Array } {
  const keep: number[] = [];
  for (let i = 0; i < a.length / d; i++) {
    let ok = true;
    for (let j = 0; j < d; j++) if (!Number.isFinite(a[i * d + j]) || !Number.isFinite(s[i * d + j])) ok = false;
    if (ok) keep.push(i);
  }
  const A = new Float64Array(keep.length * d);
  const S = new Float64Array(keep.length * d);
  keep.forEach((i, r) => {
    A.set(a.subarray(i * d, (i + 1) * d), r * d);
    S.set(s.subarray(i * d, (i + 1) * d), r * d);
  });
  return { a: A, s: S };
}
