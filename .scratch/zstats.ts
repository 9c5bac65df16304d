import { asgdConfig, generatedLeastSquares, normalQuantile, runAsgd, deriveEngine, uniformOpen01 } from '../src/index.ts';
import { axisNoiseLaw } from '../src/bridge/axis-law.ts';
const obj = generatedLeastSquares({ n: 1000, d: 10, noise: 0.5, seed: 5 });
const d = 10;
for (const x0 of ['star', 'far']) {
const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!).map((v) => v + (x0 === 'far' ? 0.3 : 0)), eta: 0.005, iterations: 200, batchSize: 1, delay: { kind: 'uniform', maxLag: 2 }, beforeHistory: 'clip' });
const law = axisNoiseLaw(cfg, obj.minimizer!, 16384, 1);
const gF = new Float64Array(d), w = new Float64Array(d), z = new Float64Array(d);
let n = 0; const S = new Float64Array(d); const W = new Float64Array(d);
for (let p = 0; p < 300; p++) {
  const e = deriveEngine(1, 'coupling', p);
  runAsgd(cfg, { seed: 1, path: p, onStep: (k, lag, xr, b, g) => {
    obj.gradient(xr, gF); for (let i = 0; i < d; i++) gF[i] -= g[i];
    law.project(gF, w);
    for (let j = 0; j < d; j++) { z[j] = normalQuantile(law.pit(j, w[j], uniformOpen01(e))); S[j] += z[j] ** 2; W[j] += w[j] ** 2; }
    n++;
  } });
}
console.log(x0, 'E z_j^2', Array.from(S, (v) => (v / n).toFixed(3)).join(' '));
console.log(x0, 'E w_j^2', Array.from(W, (v) => (v / n).toFixed(3)).join(' '));
}
