/**
 * The full gradient of logistic regression for several states at once (W6's SDDE drift, issue 23):
 * does one pass over the data for p paths (`GradientKernel.fullGradients`, the blocked kernel
 * logisticFullGradMany) beat p single-path passes (`fullGradient`, logisticFullGrad)? A
 * measurement, not a test. The data are W6's (bench/c/pair.c: n = 10⁴, d = 20, λ = 0.01).
 *
 *   node --import tsx bench/logistic-full-gradients.ts hot [p]      the kernels alone, data hot in cache
 *   node --import tsx bench/logistic-full-gradients.ts evicted [p]  with the pair step's other work
 *        between the calls (p paths' minibatch gradients, whitening and rank PITs into the 10 MB law)
 *   node --import tsx bench/logistic-full-gradients.ts pair         the pair step as runPair runs it,
 *        against the same with ∇F replaced by a copy (what the step costs besides ∇F)
 *   node --import tsx bench/logistic-full-gradients.ts single|many [p] [seconds]   one variant in a
 *        loop, for `perf stat` (instructions and cache misses per data row)
 *
 * The variants are interleaved (A B A B …) and each reported as its best round in CPU time, since
 * the machine is shared. Every round checks that the blocked kernel gives each state's gradient bit for bit.
 */
import { loadavg } from 'node:os';
import { logisticObjective } from '../src/asgd/objectives/logistic.ts';
import { asgdConfig } from '../src/asgd/runner.ts';
import { batchMeanGradient, axisNoiseLaw } from '../src/bridge/axis-law.ts';
import { runPair, validatePair } from '../src/bridge/pair.ts';
import { gradientKernelOf } from '../src/kernels/gradients.ts';
import { kernelBackend } from '../src/kernels/index.ts';
import type { FiniteSumObjective } from '../src/asgd/objective.ts';

const mode = process.argv[2] ?? 'hot';
const p = Number(process.argv[3] ?? 8);
const n = 10_000;
const d = 20;
const A = Array.from({ length: n }, (_, i) =>
  Array.from({ length: d }, (_, j) => {
    const h = Math.sin(12.9898 * (i + 1) + 78.233 * (j + 1)) * 43758.5453;
    return h - Math.floor(h) - 0.5;
  }),
);
const r = A.map((row, i) => row.reduce((s, a, j) => s + a * Math.cos(j + 1), 0) + 0.5 * Math.sin(3.7 * (i + 1)));
const objective = logisticObjective({ A, y: r.map((v) => (v >= 0 ? 1 : -1)), l2: 0.01 });
const kernel = gradientKernelOf(objective)!;
const xStar = objective.minimizer!;
// p states near x* (as the paths of a pair ensemble are)
const X = Float64Array.from({ length: p * d }, (_, q) => xStar[q % d] + 0.05 * Math.sin(q + 1));
const single = new Float64Array(p * d);
const many = new Float64Array(p * d);
const runSingle = () => {
  for (let k = 0; k < p; k++) kernel.fullGradient(X.subarray(k * d, (k + 1) * d), single.subarray(k * d, (k + 1) * d));
};
const runMany = () => kernel.fullGradients(X, p, many);
const sameBits = () => {
  const a = new BigUint64Array(single.buffer);
  const b = new BigUint64Array(many.buffer);
  for (let q = 0; q < a.length; q++) if (a[q] !== b[q]) throw new Error(`blocked kernel differs at ${q}: ${single[q]} vs ${many[q]}`);
};

/** Best CPU seconds per call of each variant over `rounds` interleaved rounds of `reps` calls (CPU time: the machine is shared). */
function race(variants: Record<string, () => void>, rounds: number, reps: number): Record<string, number> {
  const best: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, f] of Object.entries(variants)) {
      const c0 = process.cpuUsage();
      for (let q = 0; q < reps; q++) f();
      const c = process.cpuUsage(c0);
      const s = (c.user + c.system) / 1e6 / reps;
      best[name] = Math.min(best[name] ?? Infinity, s);
    }
  }
  return best;
}

const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
const perRow = (s: number) => ((s / (p * n)) * 1e9).toFixed(2);

if (kernelBackend() !== 'wasm-simd') throw new Error('needs the wasm-simd backend');

if (mode === 'hot' || mode === 'evicted') {
  // the pair step's other work for p paths: each its minibatch gradient at x* (b = 16), whitening
  // and the rank PITs of its 20 axes in the sampled law (M = 65 536: 10 MB)
  const cfg = asgdConfig({ objective, x0: Array.from(xStar), eta: 0.01, iterations: 10, batchSize: 16, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'clip' });
  const law = axisNoiseLaw(cfg, xStar, 65_536, 1);
  const batch = new Int32Array(16);
  const g = new Float64Array(d);
  const tmp = new Float64Array(d);
  const zeta = new Float64Array(d);
  const w = new Float64Array(d);
  const v = new Float64Array(d).fill(0.5);
  const u = new Float64Array(d);
  let seedState = 12345;
  const other = () => {
    for (let k = 0; k < p; k++) {
      for (let m = 0; m < 16; m++) batch[m] = (seedState = (seedState * 1103515245 + 12345) >>> 0) % n;
      batchMeanGradient(cfg, batch, xStar, g, tmp);
      for (let i = 0; i < d; i++) zeta[i] = law.pointGradient[i] - g[i];
      law.project(zeta, w);
      law.pits(w, v, u);
    }
  };
  const evicted = mode === 'evicted';
  const variants: Record<string, () => void> = evicted
    ? {
        other,
        'other + single': () => {
          other();
          runSingle();
        },
        'other + many': () => {
          other();
          runMany();
        },
      }
    : { single: runSingle, many: runMany };
  for (let w0 = 0; w0 < 3; w0++) for (const f of Object.values(variants)) f(); // warm up (JIT, the data in kernel memory)
  const best = race(variants, 15, evicted ? 20 : 40);
  runSingle();
  runMany();
  sameBits();
  const line: Record<string, unknown> = { mode, p, n, d, load: load() };
  if (evicted) {
    line.otherUs = +(best.other * 1e6).toFixed(1);
    line.singleNsPerRow = perRow(best['other + single'] - best.other);
    line.manyNsPerRow = perRow(best['other + many'] - best.other);
    line.ratio = +((best['other + single'] - best.other) / (best['other + many'] - best.other)).toFixed(3);
    line.stepRatio = +(best['other + single'] / best['other + many']).toFixed(3);
  } else {
    line.singleNsPerRow = perRow(best.single);
    line.manyNsPerRow = perRow(best.many);
    line.ratio = +(best.single / best.many).toFixed(3);
  }
  line.bitIdentical = true;
  console.log(JSON.stringify(line));
} else if (mode === 'pair') {
  // the whole pair step (runPair, one path after another), and the same with ∇F replaced by a copy
  const noGrad: FiniteSumObjective = { ...objective, gradient: (x, out) => out.set(x) };
  const K = 50;
  const mk = (obj: FiniteSumObjective) => asgdConfig({ objective: obj, x0: Array.from(xStar), eta: 0.01, iterations: K, batchSize: 16, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'clip' });
  const options = { coupling: 'axis-quantile' as const, sigma: 'at-minimizer' as const, substeps: 1, lawSamples: 65_536, seed: 1, saveEvery: K };
  const cfgs = { full: mk(objective), 'without ∇F': mk(noGrad) };
  const validated = Object.fromEntries(Object.entries(cfgs).map(([k, c]) => [k, validatePair(c, options)]));
  let path = 0;
  const variants = Object.fromEntries(Object.entries(cfgs).map(([k, c]) => [k, () => runPair(c, { ...options, path }, { ...validated[k], path: path++ })]));
  for (const f of Object.values(variants)) f();
  const best = race(variants, 10, 8);
  const full = best.full / K;
  const rest = best['without ∇F'] / K;
  console.log(JSON.stringify({ mode, load: load(), pairStepUs: +(full * 1e6).toFixed(1), withoutGradUs: +(rest * 1e6).toFixed(1), gradInSituNsPerRow: (((full - rest) / n) * 1e9).toFixed(2) }));
} else if (mode === 'single' || mode === 'many') {
  const seconds = Number(process.argv[4] ?? 5);
  const f = mode === 'single' ? runSingle : runMany;
  const t = performance.now();
  let calls = 0;
  while (performance.now() - t < seconds * 1000) {
    f();
    calls++;
  }
  console.log(JSON.stringify({ mode, p, calls, rows: calls * p * n, nsPerRow: perRow((performance.now() - t) / 1000 / calls) }));
} else throw new Error(`unknown mode ${mode}`);
