// (d) A browser script: bundled by esbuild for the browser from the installed package (which
// resolves `asgd-sdde` to its browser entry) and run in Chromium. The same OU ensemble as (a), by
// `solve` path by path, with the master seed's derived engines; then the same OU with a linear
// drift, which runs in the WebAssembly SIMD kernels once `kernelsReady()` has resolved, and in
// their TypeScript fallback when forced: both must give the same bits.
import { defineSdde, EulerMaruyama, kernelBackend, kernelsReady, setKernelBackend, solve } from 'asgd-sdde';

const a = 1.5, s = 0.4, x0 = 1, h = 0.01, n = 100, N = 4000;

function ensemble(problem) {
  let sum = 0, sum2 = 0;
  const finals = new Float64Array(N);
  for (let path = 0; path < N; path++) {
    const sol = solve(problem, new EulerMaruyama(), { dt: h, seed: 11, path, saveAt: { every: n } });
    const xT = sol.x[sol.x.length - 1];
    finals[path] = xT;
    sum += xT;
    sum2 += xT * xT;
  }
  let fp = 0x811c9dc5;
  for (const b of new Uint8Array(finals.buffer)) fp = Math.imul(fp ^ b, 0x01000193);
  return { mean: sum / N, variance: (sum2 - sum * sum / N) / (N - 1), fingerprint: fp >>> 0 };
}

async function main() {
  const fn = ensemble(defineSdde({ dim: 1, drift: (t, x, y, out) => { out[0] = -a * x[0]; }, diffusion: { noise: 'diagonal', g: s }, history: x0, T: n * h }));
  const linear = defineSdde({ dim: 1, drift: { linear: { x: [[-a]] } }, diffusion: { noise: 'diagonal', g: s }, history: x0, T: n * h });
  const backendAtLoad = kernelBackend(); // the main thread may refuse a synchronous compile: then the fallback runs meanwhile
  const backend = await kernelsReady();
  const wasm = ensemble(linear);
  setKernelBackend('typescript');
  const ts = ensemble(linear);
  setKernelBackend('auto');
  window.result = { ...fn, backendAtLoad, backend, wasm, ts, userAgent: navigator.userAgent };
  document.body.dataset.ready = '1';
}
main().catch((e) => { window.result = { error: String(e) }; document.body.dataset.ready = '1'; });
