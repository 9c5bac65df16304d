/**
 * asgd-sdde's side of the pair-step benchmarks W5 and W6 (bench/c/pair.c and bench/numpy/pair.py
 * run the same problem): ASGD beside its SDDE under the axis-quantile coupling, `runPair` of the
 * built package (dist/, plain node), one path after another on one thread. Prints one JSON line
 *   {program, workload, seconds, units, throughput, peakRssMB, stats}
 * units = paths × K pair steps; "seconds" times the paths only: the objective (x*, Ã) and the
 * coupling's sampled law (built on the first pair, then cached per objective) come before, their
 * time in stats.setupSeconds.
 * Usage: node bench/js/pair.mjs w5|w6 [--seed S] [--paths N] [--steps K] [--kernels auto|wasm-simd|typescript]
 */
import { parseArgs } from 'node:util';
import { asgdConfig, kernelBackend, leastSquaresObjective, logisticObjective, runPair, setKernelBackend, validatePair } from '../../dist/index.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: 'string' }, paths: { type: 'string' }, steps: { type: 'string' }, kernels: { type: 'string' } } });
if (values.kernels) setKernelBackend(values.kernels);
const workload = positionals[0];
if (workload !== 'w5' && workload !== 'w6') {
  console.error('usage: pair.mjs w5|w6 [--seed S] [--paths N] [--steps K] [--kernels auto|wasm-simd|typescript]');
  process.exit(2);
}
const logistic = workload === 'w6';
const seed = Number(values.seed ?? 1);
const N = Number(values.paths ?? (logistic ? 256 : 1000));
const K = Number(values.steps ?? (logistic ? 10 : 500));

const t0 = performance.now();
// the data of bench/c/pair.c: n = 10⁴, d = 20, fract(43758.5453·sin(·)) − 1/2
const n = 10_000;
const d = 20;
const A = Array.from({ length: n }, (_, i) =>
  Array.from({ length: d }, (_, j) => {
    const h = Math.sin(12.9898 * (i + 1) + 78.233 * (j + 1)) * 43758.5453;
    return h - Math.floor(h) - 0.5;
  }),
);
const r = A.map((row, i) => row.reduce((s, a, j) => s + a * Math.cos(j + 1), 0) + 0.5 * Math.sin(3.7 * (i + 1)));
const objective = logistic ? logisticObjective({ A, y: r.map((v) => (v >= 0 ? 1 : -1)), l2: 0.01 }) : leastSquaresObjective({ A, B: r });
const xStar = Array.from(objective.minimizer);
const cfg = (iterations) => asgdConfig({ objective, x0: xStar, eta: 0.01, iterations, batchSize: 16, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'clip' });
const options = { coupling: 'axis-quantile', sigma: 'at-minimizer', substeps: 1, lawSamples: 65_536, seed, saveEvery: K };
runPair(cfg(1), { ...options, saveEvery: 1 }); // builds the sampled law (cached for this objective and seed)
const setupSeconds = (performance.now() - t0) / 1000;

const config = cfg(K);
const validated = validatePair(config, options);
const dist = new Float64Array(N);
const err = new Float64Array(N);
const t1 = performance.now();
for (let p = 0; p < N; p++) {
  const pair = runPair(config, { ...options, path: p }, { ...validated, path: p });
  dist[p] = pair.distance.at(-1);
  const x = pair.discrete.x.subarray(pair.discrete.x.length - d);
  let e = 0;
  for (let j = 0; j < d; j++) e += (x[j] - xStar[j]) ** 2;
  err[p] = e;
}
const seconds = (performance.now() - t1) / 1000;
const meanSe = (v) => {
  let m = 0;
  let m2 = 0;
  for (const x of v) {
    m += x / v.length;
    m2 += (x * x) / v.length;
  }
  return [m, Math.sqrt(Math.max(m2 - m * m, 0) / (v.length - 1))];
};
const [meanDist, seDist] = meanSe(dist);
const [meanErr, seErr] = meanSe(err);
console.log(JSON.stringify({ program: 'asgd-sdde', workload, kernels: kernelBackend(), seconds, units: N * K, throughput: (N * K) / seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, stats: { meanDist, seDist, meanErr, seErr, setupSeconds } }));
