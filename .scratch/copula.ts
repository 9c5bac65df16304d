import { asgdConfig, generatedLeastSquares, normalQuantile } from '../src/index.ts';
import { AxisNoiseLaw } from '../src/bridge/axis-law.ts';
import { MinibatchSampler } from '../src/asgd/minibatch.ts';
import { deriveEngine } from '../src/random/streams.ts';
const obj = generatedLeastSquares({ n: 1000, d: 10, noise: 0.5, seed: 5 });
const d = 10;
for (const b of [1, 4, 16, 64]) {
  const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 0.005, iterations: 200, batchSize: b });
  const law = new AxisNoiseLaw(cfg, obj.minimizer!, 16384, 1);
  // fresh minibatches at x*: z per axis, then covariance
  const N = 20000;
  const s = new MinibatchSampler(obj.n, b, 'with-replacement', deriveEngine(9, 'user', 0));
  const batch = new Int32Array(b), g = new Float64Array(d), gi = new Float64Array(d), gF = new Float64Array(d), w = new Float64Array(d);
  obj.gradient(obj.minimizer!, gF);
  const C = new Float64Array(d * d); const m = new Float64Array(d);
  const e = deriveEngine(9, 'user', 1);
  const z = new Float64Array(d);
  for (let k = 0; k < N; k++) {
    s.draw(batch); g.fill(0);
    for (const i of batch) { obj.componentGradient(i, obj.minimizer!, gi); for (let j = 0; j < d; j++) g[j] += gi[j] / b; }
    for (let j = 0; j < d; j++) g[j] = gF[j] - g[j];
    law.project(g, w);
    for (let j = 0; j < d; j++) { const v = ((e.next() >>> 0) + 0.5) / 2 ** 32; z[j] = normalQuantile(law.pit(j, w[j], v)); m[j] += z[j] / N; }
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) C[i * d + j] += z[i] * z[j] / N;
  }
  let off = 0, diag = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) { const c = C[i * d + j] - m[i] * m[j]; if (i === j) diag += c / d; else off = Math.max(off, Math.abs(c)); }
  console.log('b', b, 'mean diag var', diag.toFixed(4), 'max |offdiag cov|', off.toFixed(4), '(SE ~', (1 / Math.sqrt(N)).toFixed(4), ')');
}
