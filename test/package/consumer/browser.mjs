// (d) A browser script: bundled by esbuild for the browser from the installed package (which
// resolves `asgd-sdde` to its browser entry) and run in Chromium. The same OU ensemble as (a), by
// `solve` path by path, with the master seed's derived engines.
import { defineSdde, EulerMaruyama, solve } from 'asgd-sdde';

const a = 1.5, s = 0.4, x0 = 1, h = 0.01, n = 100, N = 4000;
const problem = defineSdde({ dim: 1, drift: (t, x, y, out) => { out[0] = -a * x[0]; }, diffusion: { noise: 'diagonal', g: s }, history: x0, T: n * h });
let sum = 0, sum2 = 0;
for (let path = 0; path < N; path++) {
  const sol = solve(problem, new EulerMaruyama(), { dt: h, seed: 11, path, saveAt: { every: n } });
  const xT = sol.x[sol.x.length - 1];
  sum += xT;
  sum2 += xT * xT;
}
window.result = { mean: sum / N, variance: (sum2 - sum * sum / N) / (N - 1), userAgent: navigator.userAgent };
document.body.dataset.ready = '1';
