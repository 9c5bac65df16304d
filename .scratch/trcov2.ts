import { asgdConfig, generatedLeastSquares, runPair } from '../src/index.ts';
import { solveBridgedSdde } from '../src/bridge/pair.ts';
const obj = generatedLeastSquares({ n: 1000, d: 10, noise: 0.5, seed: 5 });
const d = 10;
const N = 800;
const tr = (xs: Float64Array[]) => { const m = new Float64Array(d); for (const x of xs) for (let j = 0; j < d; j++) m[j] += x[j] / xs.length; let t = 0; for (const x of xs) for (let j = 0; j < d; j++) t += (x[j] - m[j]) ** 2 / (xs.length - 1); return t; };
const last = (x: Float64Array) => x.slice(x.length - d);
for (const b of [1, 16]) for (const lag of [0, 2]) for (const M of [16384]) {
  const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 0.005, iterations: 200, batchSize: b, delay: { kind: 'uniform', maxLag: lag }, beforeHistory: 'clip' });
  const A: Float64Array[] = [], S: Float64Array[] = [], I: Float64Array[] = [];
  for (let p = 0; p < N; p++) {
    const r = runPair(cfg, { coupling: 'axis-quantile', seed: 2, path: p, substeps: 1, saveEvery: 200, lawSamples: M });
    A.push(last(r.discrete.x)); S.push(last(r.sdde.x));
    I.push(last(solveBridgedSdde(cfg, { seed: 3, path: p, substeps: 1, saveEvery: 200 }).x));
  }
  console.log('b', b, 'lag', lag, 'M', M, 'asgd', tr(A).toFixed(6), 'coupled', tr(S).toFixed(6), 'indep', tr(I).toFixed(6));
}
