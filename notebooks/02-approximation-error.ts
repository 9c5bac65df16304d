// %% [markdown]
// # 2. Approximation error: how it scales with K, b and l (He et al. Thm 3.2, Thm 3.4)
//
// Thm 3.2 bounds E|X(t_K) − x_K| by C1(1/√K + l/K^{3/2}) + C2 e^{L(l+1)}/(√b(l+1)) for δ = η = 1/K.
// We measure the error on the toy problem with the quantile coupling (SDDE solved on δ/8), over K
// at b = 1, and over the batch size b at K = 200, with uniform delays on {0..2}, and fit exponents.

// %%
import { configEnsemble, logLogFit, nb, pairConfig, runEnsemble } from 'asgd-sdde';

async function error(K: number, b: number, maxDelay: number, substeps: number): Promise<{ mean: number; se: number }> {
  const config = pairConfig({ objective: { kind: 'toy' }, x0: 4, eta: 1 / K, iterations: K, batchSize: b, delay: { kind: 'uniform', maxLag: maxDelay }, beforeHistory: 'clip', saveEvery: K, coupling: 'quantile', substeps, seed: 1 });
  const ens = await runEnsemble(configEnsemble(config, 'pair'), { paths: 400, seed: 1 });
  const last = ens.k.length - 1;
  return { mean: ens.distance!.meanAt(last), se: ens.distance!.standardError(last) };
}

const Ks = [50, 100, 200, 400, 800];
const overK: { mean: number; se: number }[] = [];
for (const K of Ks) overK.push(await error(K, 1, 2, 8));
const fitK = logLogFit(Ks, overK.map((e) => e.mean), overK.map((e) => e.se));

const bs = [1, 2, 4, 8, 16];
const overB: { mean: number; se: number }[] = [];
for (const b of bs) overB.push(await error(200, b, 2, 1));
const fitB = logLogFit(bs, overB.map((e) => e.mean), overB.map((e) => e.se));

nb.table(
  [
    { ladder: 'K (b = 1)', 'fitted exponent': fitK.slope, '95% CI low': fitK.slopeCi95[0], '95% CI high': fitK.slopeCi95[1], 'Thm 3.2 shape': '−1/2 until a b-dependent floor' },
    { ladder: 'b (K = 200, CLT part)', 'fitted exponent': fitB.slope, '95% CI low': fitB.slopeCi95[0], '95% CI high': fitB.slopeCi95[1], 'Thm 3.2 shape': '−1/2' },
  ],
  'Exponents of the measured error (weighted log–log fits)',
);

// %%
nb.figure('scaling', {
  title: 'Approximation error against K and against b',
  data: [
    { type: 'scatter', mode: 'lines+markers', x: Ks, y: overK.map((e) => e.mean), error_y: { type: 'data', array: overK.map((e) => 1.96 * e.se) }, name: 'E|X(t_K) − x_K| over K', xaxis: 'x', yaxis: 'y' },
    { type: 'scatter', mode: 'lines', x: Ks, y: Ks.map((K) => fitK.prefactor * K ** fitK.slope), name: `weighted fit ∝ K^${fitK.slope.toFixed(2)}`, line: { dash: 'dot' }, xaxis: 'x', yaxis: 'y' },
    { type: 'scatter', mode: 'lines+markers', x: bs, y: overB.map((e) => e.mean), error_y: { type: 'data', array: overB.map((e) => 1.96 * e.se) }, name: 'CLT part over b', xaxis: 'x2', yaxis: 'y2' },
    { type: 'scatter', mode: 'lines', x: bs, y: bs.map((b) => overB[0].mean / Math.sqrt(b)), name: 'the bound’s b⁻¹ᐟ², through b = 1', line: { dash: 'dash' }, xaxis: 'x2', yaxis: 'y2' },
  ],
  layout: { grid: { rows: 1, columns: 2, pattern: 'independent' }, xaxis: { type: 'log', title: { text: 'iterations K (η = δ = 1/K)' } }, yaxis: { type: 'log', title: { text: 'mean error E|X(t_K) − x_K|' } }, xaxis2: { type: 'log', title: { text: 'batch size b (K = 200)' } }, yaxis2: { type: 'log', title: { text: 'CLT part of the error' } }, legend: { orientation: 'h', y: -0.25 }, margin: { t: 30, b: 110 } },
  caption: 'Toy problem, uniform delays on {0..2}, quantile coupling (SDDE on δ/8 for the K ladder, δ for the CLT part over b), 400 paths per point, 95% CIs.',
});

// %% [markdown]
// The error decays like K^{−1/2} (the bound allows a floor), and the CLT part falls like b^{−1}:
// faster than the bound's b^{−1/2}. The full ladders, both delay types, 1-D least squares, the
// discretization part and the l dependence are in `asgd-sdde check approximation`.
