import { leastSquaresObjective, asgdConfig, MinibatchNoiseLaw } from '../src/index.ts';
import { AxisNoiseLaw } from '../src/bridge/axis-law.ts';
const c = [0, 0, 0, 1, 4];
const obj = leastSquaresObjective({ A: c.map(() => [1]), B: c });
console.log(obj.minimizer, obj.componentGradient);
const cfg = asgdConfig({ objective: obj, x0: 0, eta: 0.01, iterations: 10, batchSize: 2 });
const law = new AxisNoiseLaw(cfg, obj.minimizer!, 20000, 3);
console.log(law.lambda, law.axes);
const exact = new MinibatchNoiseLaw(5, 2, 'with-replacement');
for (const S of [0, 1, 2, 4, 5, 8]) { const p = exact.probabilities(c, S); const w = (Math.sign(law.axes[0]) * (obj.minimizer![0] - S / 2)) / Math.sqrt(law.lambda[0]); console.log(S, p, w, law.cdf(0, w + 1e-12), law.cdf(0, w - 1e-12)); }
