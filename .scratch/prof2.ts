import { asgdConfig, runPair, generatedLeastSquares } from '../src/index.ts';
const obj = generatedLeastSquares({ n: 10000, d: 20, seed: 1 });
const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 1e-4, iterations: 10000, batchSize: 16, delay: { kind: 'uniform', maxLag: 8 } });
runPair(cfg, { coupling: 'axis-quantile', seed: 1, path: 0, substeps: 1, saveEvery: 10000 });
const t = performance.now();
for (let p = 1; p <= 20; p++) runPair(cfg, { coupling: 'axis-quantile', seed: 1, path: p, substeps: 1, saveEvery: 10000 });
console.log(((performance.now() - t) / 20 / 1e4) * 1000, 'µs/step');
