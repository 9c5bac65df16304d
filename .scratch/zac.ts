import { asgdConfig, generatedLeastSquares, normalQuantile, runAsgd, deriveEngine, uniformOpen01 } from '../src/index.ts';
import { axisNoiseLaw } from '../src/bridge/axis-law.ts';
const obj = generatedLeastSquares({ n: 1000, d: 10, noise: 0.5, seed: 5 });
const d = 10; const xs = obj.minimizer!;
const cfg = asgdConfig({ objective: obj, x0: Array.from(xs), eta: 0.005, iterations: 200, batchSize: 1 });
const law = axisNoiseLaw(cfg, xs, 16384, 1);
const gF = new Float64Array(d), w = new Float64Array(d);
let n = 0, zz = 0, ww = 0, zw = 0, zdx = 0, wdx = 0, dxdx = 0, ac = 0, acw = 0;
let prevZ = 0, prevW = 0;
for (let p = 0; p < 300; p++) {
  const e = deriveEngine(1, 'coupling', p);
  runAsgd(cfg, { seed: 1, path: p, onStep: (k, lag, xr, b, g) => {
    obj.gradient(xr, gF); for (let i = 0; i < d; i++) gF[i] -= g[i];
    law.project(gF, w);
    const z0 = normalQuantile(law.pit(0, w[0], uniformOpen01(e)));
    for (let j = 1; j < d; j++) uniformOpen01(e);
    // projection of δx on axis 0
    let dx = 0; for (let i = 0; i < d; i++) dx += law.axes[i * d + 0] * (xr[i] - xs[i]);
    zz += z0 * z0; ww += w[0] * w[0]; zw += z0 * w[0]; zdx += z0 * dx; wdx += w[0] * dx; dxdx += dx * dx;
    if (k > 0) { ac += z0 * prevZ; acw += w[0] * prevW; }
    prevZ = z0; prevW = w[0]; n++;
  } });
}
console.log('E z²', zz / n, 'E w²', ww / n, 'E zw', zw / n);
console.log('corr(z, δx)', zdx / Math.sqrt(zz * dxdx), 'corr(w, δx)', wdx / Math.sqrt(ww * dxdx));
console.log('lag-1 autocorr z', ac / zz, 'w', acw / ww);
