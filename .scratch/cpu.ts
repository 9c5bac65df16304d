import { asgdConfig, runPair, generatedLeastSquares } from '../src/index.ts';
const obj = generatedLeastSquares({ n: 10000, d: 20, seed: 1 });
for (const b of [1, 16, 64]) {
  const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 1e-4, iterations: 10000, batchSize: b, delay: { kind: 'uniform', maxLag: 8 } });
  runPair(cfg, { coupling: 'axis-quantile', seed: 1, path: 0, substeps: 1, saveEvery: 10000 });
  const c0 = process.cpuUsage();
  for (let p = 1; p <= 20; p++) runPair(cfg, { coupling: 'axis-quantile', seed: 1, path: p, substeps: 1, saveEvery: 10000 });
  const c = process.cpuUsage(c0);
  console.log('b', b, ((c.user + c.system) / 20 / 1e4).toFixed(2), 'µs cpu/step');
}
