import { asgdConfig, generatedLeastSquares, normalQuantile, deriveEngine, uniformOpen01 } from '../src/index.ts';
import { axisNoiseLaw } from '../src/bridge/axis-law.ts';
const d = 20;
const ls = generatedLeastSquares({ n: 10000, d, seed: 1 });
const c2 = asgdConfig({ objective: ls, x0: Array.from(ls.minimizer!), eta: 1e-4, iterations: 10000, batchSize: 16, delay: { kind: 'uniform', maxLag: 8 } });
const law = axisNoiseLaw(c2, ls.minimizer!, 65536, 1);
const w = new Float64Array(d).map((_, i) => (i % 5) * 0.3 - 0.6);
const zeta = new Float64Array(d).fill(0.01);
const e = deriveEngine(1, 'coupling', 0);
const N = 100000;
let t = performance.now(); let acc = 0;
for (let k = 0; k < N; k++) for (let j = 0; j < d; j++) acc += law.pit(j, w[j] + k * 1e-7, 0.5);
console.log('pit per axis ns', (performance.now() - t) / N / d * 1e6, acc);
t = performance.now();
for (let k = 0; k < N; k++) for (let j = 0; j < d; j++) acc += normalQuantile(0.3 + j * 0.01);
console.log('normalQuantile ns', (performance.now() - t) / N / d * 1e6);
t = performance.now();
for (let k = 0; k < N; k++) for (let j = 0; j < d; j++) acc += uniformOpen01(e);
console.log('uniform ns', (performance.now() - t) / N / d * 1e6);
t = performance.now();
const out = new Float64Array(d);
for (let k = 0; k < N; k++) { law.project(zeta, out); acc += out[0]; }
console.log('project µs', (performance.now() - t) / N * 1e3);
const g = new Float64Array(d);
t = performance.now();
for (let k = 0; k < N; k++) { ls.gradient(w, g); acc += g[0]; }
console.log('gradient µs', (performance.now() - t) / N * 1e3);
