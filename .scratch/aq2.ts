import { asgdConfig, runPair, runAsgd, generatedLeastSquares } from '/work/wt/issue-15/src/index.ts';
const d = 20;
const ls = generatedLeastSquares({ n: 10000, d, seed: 1 });
const c2 = asgdConfig({ objective: ls, x0: Array.from(ls.minimizer!), eta: 1e-3, iterations: 10000, batchSize: 256, delay: { kind: 'uniform', max: 8 } });
let t = performance.now();
runAsgd(c2, { seed: 1, saveAt: { every: 10000 } });
console.log('asgd alone', performance.now() - t);
for (const c of ['shared-brownian', 'independent', 'axis-quantile'] as const) {
  runPair(c2, { coupling: c, seed: 1, path: 0, substeps: 1, saveEvery: 10000 });
  t = performance.now();
  runPair(c2, { coupling: c, seed: 1, path: 1, substeps: 1, saveEvery: 10000 });
  console.log(c, performance.now() - t, 'ms');
}
