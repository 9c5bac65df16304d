// (a) A plain-JavaScript ESM consumer, run with `node` (no TypeScript loader anywhere).
// Ornstein–Uhlenbeck dX = −aX dt + s dB, X(0) = x0, by Euler–Maruyama at step h: the scheme's
// exact moments are E X_n = x0 (1 − ah)^n and Var X_n = s² h Σ_{k<n} (1 − ah)^{2k} (closed forms
// of the linear recursion X_{k+1} = (1 − ah) X_k + s √h Z_k), so the check has no discretization
// bias to allow for. Paths come from the public `solve` one by one and from `runEnsemble` on 1 and
// on 2 worker threads (the compiled worker file of the package must load).
import { configEnsemble, defineSdde, EulerMaruyama, runEnsemble, runThreadedServer, solve, VERSION } from 'asgd-sdde';

const a = 1.5, s = 0.4, x0 = 1, h = 0.01, n = 100, N = 4000;
const problem = defineSdde({ dim: 1, drift: (t, x, y, out) => { out[0] = -a * x[0]; }, diffusion: { noise: 'diagonal', g: s }, history: x0, T: n * h });
let sum = 0, sum2 = 0;
for (let path = 0; path < N; path++) {
  const sol = solve(problem, new EulerMaruyama(), { dt: h, seed: 11, path, saveAt: { every: n } });
  if (sol.status !== 'ok') throw new Error(`path ${path}: ${sol.status}`);
  const xT = sol.x[sol.x.length - 1];
  sum += xT;
  sum2 += xT * xT;
}
const config = { kind: 'sdde', sdde: { dim: 1, drift: { linear: { x: [[-a]] } }, diffusion: { noise: 'diagonal', g: [s] }, history: x0, T: n * h, dt: h, saveEvery: n } };
const one = await runEnsemble(configEnsemble(config, 'sdde'), { paths: N, seed: 11, threads: 1 });
const two = await runEnsemble(configEnsemble(config, 'sdde'), { paths: N, seed: 11, threads: 2 });
// the problem object itself (functions: the calling thread) gives the same numbers
const direct = await runEnsemble({ problem, dt: h, saveEvery: n }, { paths: N, seed: 11 });
if (direct.series.sdde.x.meanAt(1) !== sum / N && Math.abs(direct.series.sdde.x.meanAt(1) - sum / N) > 1e-12) throw new Error('problem ensemble differs from the paths solved one by one');
const m1 = one.series.sdde.x, m2 = two.series.sdde.x;
// the real-thread parameter server from the installed package (its compiled worker must load):
// the final x equals the sequential replay x ← x − lr·g of the logged gradients, bit for bit
const server = await runThreadedServer({ objective: { kind: 'least-squares', n: 100, d: 3, seed: 2 }, x0: 0, workers: 2, batchSize: 2, mode: 'async', optimizer: { kind: 'sgd', lr: 0.05 }, updates: 200, recordGradients: true, maxSeconds: 60 }, { seed: 1 });
const replay = new Float64Array(3);
for (let k = 0; k < server.staleness.length; k++) for (let i = 0; i < 3; i++) replay[i] -= 0.05 * (1 * server.gradients[k * 3 + i]);
console.log(JSON.stringify({
  version: VERSION,
  mean: sum / N,
  variance: (sum2 - sum * sum / N) / (N - 1),
  ensembleMean: m1.meanAt(1),
  ensembleVariance: m1.variance(1),
  threads: [one.threads, two.threads],
  sameBits: m1.meanAt(1) === m2.meanAt(1) && m1.variance(1) === m2.variance(1),
  threadedApplied: server.staleness.length,
  threadedReplayExact: Array.from(replay).every((v, i) => v === server.x[server.x.length - 3 + i]),
}));
