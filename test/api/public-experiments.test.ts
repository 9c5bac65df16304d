/**
 * Public experiment, sweep, ensemble-model and validation helpers that no other test named
 * (test/api/export-coverage.test.ts), each against an independent value:
 *  - full-batch runs have no noise (Σ_b = Σ·(n − b)/((n − 1)b) = 0 at b = n without replacement),
 *    so on the toy objective F(x) = x² + 1 (∇F = 2x) ASGD without delay is x_k = (1 − 2η)^k x0 and
 *    Euler on an ODE is a power of (1 − ah): closed forms, not runs of the code;
 *  - runFig1's SDE and SDDE columns: their stationary variances in closed form (OU: s²/(2a);
 *    the delayed OU dX = −aX(t − τ)dt + s dB: s²(1 + sin aτ)/(2a cos aτ), Küchler & Mensch 1992),
 *    against the time averages of X² over many seeds, the SE from the spread across seeds;
 *  - constant compute times make every asynchronous staleness m − 1 (Aji & Heafield Table 3).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CHECKS,
  CHECK_NAMES,
  COUPLINGS,
  DEFAULT_LAW_SAMPLES,
  DELAY_MODEL_KINDS,
  DelayCompensation,
  ENSEMBLE_RUNS,
  FIG1_SETTINGS,
  FIG3_MODEL,
  METRICS,
  MNIST_MODELS,
  MNIST_SCALINGS,
  PLOTLY_MODES,
  WARMUP_MULTIPLE,
  asgdConfig,
  asgdModel,
  axisNoiseLaw,
  configModel,
  defineSdde,
  delayCompensationSpec,
  ensembleWorkerUrl,
  pairModel,
  poolWorkerUrl,
  prepareSweep,
  replicateSeed,
  runFig1,
  runPreparedSweep,
  sddeModel,
  simulateStaleness,
  stalenessFigure,
  stalenessHistogramText,
  stalenessTableText,
  sweepCaption,
  sweepFigure,
  toyObjective,
  validateComputeTime,
  validateMnistSpec,
} from '../../src/index.ts';
import { configError } from '../helpers/config-error.ts';
import { bonferroniZ } from '../helpers/frequencies.ts';

// the user documentation: README.md and the guides in docs/
const docsDir = new URL('../../docs/', import.meta.url);
const readme = [readFileSync(new URL('../../README.md', import.meta.url), 'utf8'), ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => readFileSync(new URL(f, docsDir), 'utf8'))].join('\n');

describe('runFig1 (He et al. Fig. 1)', () => {
  it('uses the paper’s settings: η = 0.005, K = 2000, X(0) = ξ = 4, l = 10 (He et al. Section 5)', () => {
    expect(FIG1_SETTINGS).toMatchObject({ eta: 0.005, iterations: 2000, x0: 4, lag: 10 });
  });
  it('the sde, sdde and sgd columns have their closed-form stationary variances (60 seeds)', () => {
    // toy: ∇F = 2x (a = 2); components ∇f = 2(x ± 1), so Σ = 4, σ = 2 (b = 1) and the SDE noise is
    // s = √η σ: s² = 0.02. SDE (OU): s²/(2a) = 0.005. SDDE with τ = lη = 0.05 (aτ = 0.1):
    // s²(1 + sin 0.1)/(2a cos 0.1). SGD: x_{k+1} = (1 − 2η)x_k ∓ 2η ⇒ Var = 4η²/(1 − (1 − 2η)²) = η/(1 − η).
    const { eta, lag } = FIG1_SETTINGS;
    const a = 2;
    const s2 = eta * 4;
    const aTau = a * lag * eta;
    const expected = { sde: s2 / (2 * a), sdde: (s2 * (1 + Math.sin(aTau))) / (2 * a * Math.cos(aTau)), sgd: eta / (1 - eta) };
    const seeds = 60;
    const avg: Record<'sde' | 'sdde' | 'sgd', number[]> = { sde: [], sdde: [], sgd: [] };
    for (let seed = 1; seed <= seeds; seed++) {
      const r = runFig1({ seed });
      const cols = Object.fromEntries(r.table.columns.map((c, j) => [c, r.table.data[j]]));
      // t ∈ [5, 10] (k ≥ 1000): e^{−2at} ≤ e^{−20}, the start is forgotten
      for (const c of ['sde', 'sdde', 'sgd'] as const) {
        let s = 0;
        let n = 0;
        for (let i = 0; i < cols.k.length; i++) {
          if (cols.k[i] >= 1000) (s += cols[c][i] ** 2), n++;
        }
        avg[c].push(s / n);
      }
    }
    // each seed's time average is an independent replicate: SE from their spread; Bonferroni over
    // the 3 columns (family-wise false alarm 10⁻³). The SDDE/OU difference is 10.5%, ≈ 3 SE here.
    const z = bonferroniZ(3);
    for (const c of ['sde', 'sdde', 'sgd'] as const) {
      const m = avg[c].reduce((x, y) => x + y, 0) / seeds;
      const se = Math.sqrt(avg[c].reduce((x, y) => x + (y - m) ** 2, 0) / (seeds - 1) / seeds);
      expect(Math.abs(m - expected[c]) / se, `${c}: ${m} ± ${se} vs ${expected[c]}`).toBeLessThan(z);
    }
  });
});

describe('ensemble models: one path against a closed form', () => {
  const eta = 0.05;
  const full = { objective: toyObjective(), x0: 4, eta, iterations: 40, batchSize: 2, sampling: 'without-replacement' as const };
  it('asgdModel and configModel(run "asgd"): full batch, no delay: x_k = (1 − 2η)^k x0', () => {
    const direct = asgdModel(asgdConfig(full)).runPath(1, 0).series.asgd.x;
    const viaConfig = configModel({ config: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta, iterations: 40, batchSize: 2, sampling: 'without-replacement' } }, run: 'asgd' }).runPath(1, 0).series.asgd.x;
    for (let k = 0; k <= 40; k++) {
      expect(direct[k]).toBeCloseTo(4 * (1 - 2 * eta) ** k, 12);
      expect(viaConfig[k]).toBeCloseTo(4 * (1 - 2 * eta) ** k, 12);
    }
    expect(configError(() => configModel({ config: { kind: 'asgd', asgd: full }, run: 'nonsense' as never }), 'run').field).toBe('ensemble.run');
  });
  it('pairModel: full batch has σ = 0, so the SDDE side is Euler for x′ = −2x at h = δ/m: (1 − 2δ/m)^n x0', () => {
    const m = 4;
    const out = pairModel(asgdConfig(full), { coupling: 'independent', substeps: m }).runPath(1, 0);
    const sdde = out.series.sdde.x;
    for (let k = 0; k <= 40; k++) expect(sdde[k]).toBeCloseTo(4 * (1 - (2 * eta) / m) ** (m * k), 12);
  });
  it('sddeModel: Euler on x′ = −x without noise is (1 − h)^n x0', () => {
    const p = defineSdde({ dim: 1, drift: (_t, x, _y, o) => void (o[0] = -x[0]), diffusion: { noise: 'none' }, history: 3, T: 1 });
    const x = sddeModel(p, { dt: 0.1, saveEvery: 2 }).runPath(1, 0).series.sdde.x;
    expect(x.length).toBe(6);
    for (let i = 0; i < 6; i++) expect(x[i]).toBeCloseTo(3 * 0.9 ** (2 * i), 13);
  });
  it('poolWorkerUrl names an existing worker entry (the development shim from the sources); ensembleWorkerUrl is its deprecated alias', () => {
    const url = poolWorkerUrl();
    expect(url.pathname).toMatch(/pool-worker/);
    expect(existsSync(fileURLToPath(url))).toBe(true);
    expect(ensembleWorkerUrl().href).toBe(url.href);
  });
});

describe('sweeps on a closed form', () => {
  it('runPreparedSweep, sweepCaption, sweepFigure: full-batch toy final loss (1 − 2η)^{2K}x0² and its fitted exponent in η', async () => {
    const etas = [0.001, 0.002, 0.004, 0.008];
    const K = 50;
    const sw = prepareSweep({ base: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.001, iterations: K, batchSize: 2, sampling: 'without-replacement', saveEvery: K } }, grid: { 'asgd.eta': etas }, metric: 'final-loss', paths: 4, seed: 1 });
    const caption = sweepCaption(sw);
    expect(caption).toContain('E F(x_K) − F*');
    const r = await runPreparedSweep(sw);
    const loss = (e: number) => 16 * (1 - 2 * e) ** (2 * K);
    expect(r.rows.map((row) => row.values[0])).toEqual(etas);
    for (const row of r.rows) {
      expect(row.metric).toBeCloseTo(loss(row.values[0] as number), 12);
      expect(row.se).toBe(0);
    }
    // the figure plots those values, and its exponent is the OLS slope of log loss on log η
    const fig = sweepFigure(r.keys, r.metric, r.rows, caption);
    const trace = fig.data[0] as { x: number[]; y: number[]; name: string };
    expect(trace.x).toEqual(etas);
    trace.y.forEach((y, i) => expect(y).toBeCloseTo(loss(etas[i]), 12));
    const lx = etas.map(Math.log);
    const ly = etas.map((e) => Math.log(loss(e)));
    const mx = lx.reduce((a, b) => a + b) / 4;
    const my = ly.reduce((a, b) => a + b) / 4;
    const slope = lx.reduce((a, x, i) => a + (x - mx) * (ly[i] - my), 0) / lx.reduce((a, x) => a + (x - mx) ** 2, 0);
    // the legend names the fitted exponent (typographic minus) and its CI
    expect(trace.name).toContain(`: ${slope.toFixed(2).replace('-', '−')} (`);
  });
});

describe('staleness reports', () => {
  it('constant compute times: every staleness is m − 1 (Aji & Heafield Table 3), in the text, the table and the figure', () => {
    const sim = simulateStaleness({ workers: 4, computeTime: { kind: 'constant', mean: 1 }, updates: 200, replicates: 2, seed: 3 });
    expect(Array.from(sim.histogram)).toEqual([0, 0, 0, 1]);
    const text = stalenessHistogramText(sim, 20);
    expect(text).toContain('m = 4: mean 3.00');
    expect(text).toContain(`   3 ${'█'.repeat(20)} 1.00`);
    const table = stalenessTableText([sim]);
    expect(table.split('\n')[3]).toMatch(/^4\s+3\.00\s+0\.00\s/);
    const fig = stalenessFigure([sim], { mode: 'async', computeTime: { kind: 'constant', mean: 1 }, updates: 200, seed: 3 });
    expect((fig.data[0] as { y: number[] }).y).toEqual([0, 0, 0, 1]);
    // the simulator now starts stationary; real-thread runs still drop WARMUP_MULTIPLE·W = 4W updates
    expect(WARMUP_MULTIPLE).toBe(4);
  });
  it('replicateSeed: distinct 53-bit seeds per replicate, the same for the same (seed, r)', () => {
    const s = Array.from({ length: 100 }, (_, r) => replicateSeed(7, r));
    expect(new Set(s).size).toBe(100);
    for (const v of s) expect(Number.isSafeInteger(v) && v >= 0 && v < 2 ** 53).toBe(true);
    expect(replicateSeed(7, 5)).toBe(s[5]);
    expect(replicateSeed(8, 5)).not.toBe(s[5]);
  });
});

describe('validation helpers: a clear ConfigError naming the field', () => {
  it('validateComputeTime', () => {
    expect(validateComputeTime({ kind: 'normal', mean: 1, sd: 0.3 }, 'ct')).toEqual({ kind: 'normal', mean: 1, sd: 0.3 });
    expect(configError(() => validateComputeTime({ kind: 'exponential', mean: -1 }, 'ct'), 'negative').field).toBe('ct.mean');
    expect(configError(() => validateComputeTime({ kind: 'gamma', mean: 1 }, 'ct'), 'kind').field).toBe('ct.kind');
  });
  it('validateMnistSpec: defaults (all ten digits, 784 pixels, global scaling) and refusals', () => {
    expect(validateMnistSpec(undefined, 'm')).toEqual({ digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perDigit: Infinity, dim: 784, scaling: 'global' });
    expect(configError(() => validateMnistSpec({ digits: [3, 3] }, 'm'), 'repeat').field).toBe('m.digits');
    expect(configError(() => validateMnistSpec({ scaling: 'zscore' }, 'm'), 'scaling').field).toBe('m.scaling');
  });
  it('delayCompensationSpec and DelayCompensation: DC-ASGD g + λ g⊙g⊙(x − x_stale) (Zheng et al. 2017), written out', () => {
    const spec = delayCompensationSpec({ kind: 'dc-asgd', lambda: 0.5 }, 'c');
    expect(spec.lambda).toBe(0.5);
    const g = Float64Array.of(2, -1);
    new DelayCompensation(spec, 2).apply(g, Float64Array.of(1, 1), Float64Array.of(0.5, 3));
    expect(Array.from(g)).toEqual([2 + 0.5 * 4 * 0.5, -1 + 0.5 * 1 * -2]);
    // DC-ASGD-a: MeanSquare ← m·MS + (1 − m)g², λ = λ0/(√MS + ε)
    const adaptive = new DelayCompensation(delayCompensationSpec({ kind: 'dc-asgd', lambda: 0.5, meanSquare: 0.9, eps: 1e-7 }, 'c'), 1);
    const h = Float64Array.of(2);
    adaptive.apply(h, Float64Array.of(1), Float64Array.of(0));
    expect(h[0]).toBeCloseTo(2 + (0.5 / (Math.sqrt(0.1 * 4) + 1e-7)) * 4 * 1, 14);
    expect(configError(() => delayCompensationSpec({ kind: 'dc-asgd', lambda: -1 }, 'c'), 'λ').field).toBe('c.lambda');
  });
  it('axisNoiseLaw: at x* of the toy the one-sample gradient noise is ±2 with probability ½ each', () => {
    const cfg = asgdConfig({ objective: toyObjective(), x0: 0, eta: 0.01, iterations: 10, batchSize: 1 });
    const law = axisNoiseLaw(cfg, Float64Array.of(0), 4096, 1);
    expect(law.dim).toBe(1);
    // the noise ∇f_i(x*) − ∇F(x*) = 2(0 ± 1) − 0 = ±2: covariance exactly 4 (two components), and
    // whitened by √4 the two atoms are ±1. The sampled CDF between them is the share of −1 among
    // 4096 draws: ½ within z = 3.29 binomial SE √(¼/4096) (false alarm 10⁻³)
    expect(law.lambda[0]).toBeCloseTo(4, 12);
    expect(law.cdf(0, -1.5)).toBe(0);
    expect(law.cdf(0, 1.5)).toBe(1);
    expect(Math.abs(law.cdf(0, 0) - 0.5) / Math.sqrt(0.25 / 4096)).toBeLessThan(bonferroniZ(1));
    expect(law.cdf(0, -1)).toBe(law.cdf(0, 0)); // no mass strictly between the atoms
  });
});

describe('documented names: every listed value is what the README and docs/ document', () => {
  it('couplings, delay models, metrics, ensemble runs, MNIST models and scalings, checks', () => {
    for (const list of [COUPLINGS, DELAY_MODEL_KINDS.filter((k) => k !== 'constant'), METRICS, MNIST_MODELS, MNIST_SCALINGS, CHECK_NAMES]) {
      for (const name of list) expect(readme, `README or docs/ mention ${name}`).toContain(name);
    }
    expect(CHECKS.map((c) => c.name)).toEqual(CHECK_NAMES);
    expect(CHECK_NAMES).toEqual(['approximation', 'moments', 'energy', 'rates', 'mindthestep', 'accumulation']);
    expect([...ENSEMBLE_RUNS]).toEqual(['asgd', 'pair', 'bridge-sdde', 'sdde']);
    expect([...PLOTLY_MODES]).toEqual(['link', 'copy']);
    // 2^16 law samples: the axis law's quantiles have SE ≈ √(u(1−u)/N)/pdf, ≤ 0.002/pdf
    expect(DEFAULT_LAW_SAMPLES).toBe(2 ** 16);
    expect(FIG3_MODEL).toMatchObject({ d: 4, classes: 4 });
  });
});
