/**
 * asgd-sdde's side of the benchmark: the same workloads as bench/c/em.c and bench/numpy/em.py,
 * through the public API of the built package (dist/, run by plain node as users run it),
 * printing one JSON line:
 *   {program, workload, seconds, units, throughput, peakRssMB, stats}
 * Usage: node bench/js/em.mjs w1|w2|w3|w4 [--seed S] [--threads T] [--paths N] [--steps K]
 *        [--kernels auto|wasm-simd|typescript]   (the kernels' backend; default auto)
 */
import { parseArgs } from 'node:util';
import { configEnsemble, defineSdde, EulerMaruyama, kernelBackend, leastSquaresObjective, runAsgd, runEnsemble, setKernelBackend, solve } from '../../dist/index.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: 'string' }, threads: { type: 'string' }, paths: { type: 'string' }, steps: { type: 'string' }, kernels: { type: 'string' } } });
if (values.kernels) {
  // workers read the same choice from the environment
  process.env.ASGD_SDDE_KERNELS = values.kernels;
  setKernelBackend(values.kernels);
}
const workload = positionals[0];
const seed = Number(values.seed ?? 1);
const threads = Number(values.threads ?? 1);
const peak = () => process.resourceUsage().maxRSS / 1024; // KiB → MiB

function emit(o) {
  console.log(JSON.stringify({ program: threads > 1 ? `asgd-sdde (${threads} threads)` : 'asgd-sdde', workload, kernels: kernelBackend(), seconds: o.seconds, units: o.units, throughput: o.units / o.seconds, peakRssMB: peak(), stats: o.stats }));
}

async function w1() {
  const N = Number(values.paths ?? 1000);
  const K = Number(values.steps ?? 100_000);
  const h = 1e-3;
  const config = { kind: 'sdde', seed, sdde: { dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: [1] }, history: 1, T: K * h, dt: h, delay: { kind: 'constant', lag: 1000 }, saveEvery: K } };
  const t0 = performance.now();
  const ens = await runEnsemble(configEnsemble(config, 'sdde'), { paths: N, seed, keepFinals: true, threads });
  const seconds = (performance.now() - t0) / 1000;
  const f = ens.series.sdde.finals;
  let m = 0;
  let m2 = 0;
  let m4 = 0;
  for (const v of f) {
    m += v / N;
    m2 += (v * v) / N;
    m4 += v ** 4 / N;
  }
  // a fingerprint of all final states, to show bit-identical results across thread counts
  let hash = 0;
  const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  for (const b of bytes) hash = (Math.imul(hash, 31) + b) | 0;
  emit({ seconds, units: N * K, stats: { meanX: m, meanX2: m2, seX2: Math.sqrt((m4 - m2 * m2) / (N - 1)), fingerprint: hash >>> 0 } });
}

function w2() {
  const K = Number(values.steps ?? 10_000_000);
  const h = 1e-3;
  const problem = defineSdde({ dim: 1, drift: { linear: { y: [[-1]] } }, diffusion: { noise: 'diagonal', g: 1 }, history: 1, T: K * h, delay: { kind: 'constant', lag: 1000 } });
  const t0 = performance.now();
  const sol = solve(problem, new EulerMaruyama(), { dt: h, seed, saveAt: { every: 1000 } });
  const seconds = (performance.now() - t0) / 1000;
  const n = sol.x.length;
  let s = 0;
  let c = 0;
  for (let i = Math.floor(0.1 * n); i < n; i++) {
    s += sol.x[i] ** 2;
    c++;
  }
  emit({ seconds, units: K, stats: { meanX2: s / c, saved: n } });
}

function w3() {
  const N = Number(values.paths ?? 4);
  const K = Number(values.steps ?? 100_000); // as bench/c/em.c (10⁴ until 2026-12-07: see there)
  const d = 100;
  const h = 1e-3;
  const G = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => 0.1 * (i === j ? 1 : 0) + 0.001 * Math.sin(i + 2 * j)));
  const problem = defineSdde({
    dim: d,
    drift: (_t, _x, y, out) => {
      for (let i = 0; i < d; i++) out[i] = -y[i];
    },
    diffusion: { noise: 'full', noiseDim: d, g: G },
    history: 0,
    T: K * h,
    delay: { kind: 'constant', lag: 10 },
  });
  const em = new EulerMaruyama();
  let sq = 0;
  const t0 = performance.now();
  for (let p = 0; p < N; p++) {
    const sol = solve(problem, em, { dt: h, seed, path: p, saveAt: { final: true } });
    for (const v of sol.x) sq += v * v;
  }
  const seconds = (performance.now() - t0) / 1000;
  emit({ seconds, units: N * K, stats: { meanSq: sq / (N * d) } });
}

function w4() {
  const n = 10_000;
  const d = 100;
  const K = Number(values.steps ?? 20_000);
  const w = Array.from({ length: d }, (_, j) => Math.cos(j + 1));
  // full-rank data: fract(43758.5453·sin(·)) − 1/2 (sin(α_i + β_j) alone has rank 2), as in em.c / em.py
  const A = Array.from({ length: n }, (_, i) =>
    Array.from({ length: d }, (_, j) => {
      const h = Math.sin(12.9898 * (i + 1) + 78.233 * (j + 1)) * 43758.5453;
      return h - Math.floor(h) - 0.5;
    }),
  );
  const B = A.map((row, i) => row.reduce((s, a, j) => s + a * w[j], 0) + 0.5 * Math.sin(3.7 * (i + 1)));
  const objective = leastSquaresObjective({ A, B });
  const t0 = performance.now();
  const r = runAsgd({ objective, x0: 0, eta: 0.01, iterations: K, batchSize: 32, delay: { kind: 'uniform', max: 16 }, beforeHistory: 'clip' }, { seed, saveAt: { final: true } });
  const seconds = (performance.now() - t0) / 1000;
  emit({ seconds, units: K, stats: { finalF: r.F.at(-1), Fstar: objective.minimum } });
}

const run = { w1, w2, w3, w4 };
if (!run[workload]) {
  console.error(`usage: em.mjs w1|w2|w3|w4 [--seed S] [--threads T] [--paths N] [--steps K] [--kernels auto|wasm-simd|typescript]`);
  process.exit(2);
}
await run[workload]();
