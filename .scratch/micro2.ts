import { asgdConfig, generatedLeastSquares, runAsgd } from '../src/index.ts';
const d = 20;
const ls = generatedLeastSquares({ n: 10000, d, seed: 1 });
const c2 = asgdConfig({ objective: ls, x0: Array.from(ls.minimizer!), eta: 1e-4, iterations: 10000, batchSize: 16, delay: { kind: 'uniform', maxLag: 8 } });
const gF = new Float64Array(d);
for (const variant of ['none', 'empty', 'gradient']) {
  const t = performance.now();
  for (let p = 0; p < 5; p++) {
    runAsgd(c2, { seed: 1, path: p, saveAt: { every: 10000 }, recordDelays: true, ...(variant === 'none' ? {} : { onStep: variant === 'empty' ? () => {} : (_k, _l, xr) => ls.gradient(xr, gF) }) });
  }
  console.log(variant, (performance.now() - t) / 5e4 * 1000, 'µs/step');
}
