import { asgdConfig, runPair, generatedLeastSquares } from '../src/index.ts';
const d = 20;
const ls = generatedLeastSquares({ n: 10000, d, seed: 1 });
const c2 = asgdConfig({ objective: ls, x0: Array.from(ls.minimizer!), eta: 1e-4, iterations: 10000, batchSize: 16, delay: { kind: 'uniform', maxLag: 8 } });
runPair(c2, { coupling: 'axis-quantile', seed: 1, path: 0, substeps: 1, saveEvery: 10000 });
(globalThis as any).T1 = 0; (globalThis as any).T2 = 0;
const t = performance.now();
for (let p = 1; p <= 5; p++) runPair(c2, { coupling: 'axis-quantile', seed: 1, path: p, substeps: 1, saveEvery: 10000 });
console.log('total', (performance.now() - t) / 5e4 * 1000, 'coupling+asgd', (globalThis as any).T1 / 5e4 * 1000, 'solve', (globalThis as any).T2 / 5e4 * 1000);
