import { asgdConfig, runPair, generatedLeastSquares, generatedLogistic } from '../src/index.ts';
for (const [name, obj] of [['least-squares', generatedLeastSquares({ n: 10000, d: 20, seed: 1 })], ['logistic', generatedLogistic({ n: 2000, d: 20, seed: 1 })]] as const) {
  for (const b of [1, 16, 64]) {
    const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 1e-4, iterations: 10000, batchSize: b, delay: { kind: 'uniform', maxLag: 8 } });
    runPair(cfg, { coupling: 'axis-quantile', seed: 1, path: 0, substeps: 1, saveEvery: 10000, lawSamples: 65536 });
    const t = performance.now();
    const P = name === 'logistic' ? 1 : 5;
    for (let p = 1; p <= P; p++) runPair(cfg, { coupling: 'axis-quantile', seed: 1, path: p, substeps: 1, saveEvery: 10000 });
    console.log(name, 'b', b, ((performance.now() - t) / P / 1e4) * 1000, 'µs per pair-step (m = 1, fused)');
  }
}
