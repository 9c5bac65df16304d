import { asgdConfig, generatedLeastSquares, runPair } from '../src/index.ts';
import { solveBridgedSdde } from '../src/bridge/pair.ts';
const obj = generatedLeastSquares({ n: 1000, d: 10, noise: 0.5, seed: 5 });
const d = 10;
const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 0.005, iterations: 200, batchSize: 1, delay: { kind: 'uniform', maxLag: 2 }, beforeHistory: 'clip' });
const N = 1500;
const tr = (xs: Float64Array[]) => { const m = new Float64Array(d); for (const x of xs) for (let j = 0; j < d; j++) m[j] += x[j] / xs.length; let t = 0; for (const x of xs) for (let j = 0; j < d; j++) t += (x[j] - m[j]) ** 2 / (xs.length - 1); return t; };
const last = (x: Float64Array) => x.slice(x.length - d);
for (const m of [1, 8]) {
  const A: Float64Array[] = [], S: Float64Array[] = [], I: Float64Array[] = [];
  for (let p = 0; p < N; p++) {
    const r = runPair(cfg, { coupling: 'axis-quantile', seed: 2, path: p, substeps: m, saveEvery: 200, lawSamples: 16384 });
    A.push(last(r.discrete.x)); S.push(last(r.sdde.x));
    I.push(last(solveBridgedSdde(cfg, { seed: 3, path: p, substeps: m, saveEvery: 200 }).x));
  }
  console.log('m', m, 'trCov asgd', tr(A).toFixed(5), 'coupled sdde', tr(S).toFixed(5), 'indep sdde', tr(I).toFixed(5), '(rel SE ~', (Math.sqrt(2 / N / d) ).toFixed(3), ')');
}
