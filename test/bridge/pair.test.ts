/**
 * The bridge (He et al. Eq. 4 → 5 → 6) and the three ways of running ASGD beside its SDDE.
 * Expected values: closed forms for the toy's coefficients, a hand-written Eq. (5) recursion,
 * and the stationary variance of the toy's linear error recursion computed from its impulse
 * response (derivation at the quantile test).
 */
import { describe, expect, it } from 'vitest';
import { generatedLeastSquares } from '../../src/asgd/objectives/least-squares.ts';
import { expressionObjective } from '../../src/asgd/objectives/expression.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { asgdConfig } from '../../src/asgd/runner.ts';
import { runPair } from '../../src/bridge/pair.ts';
import { sddeFromAsgd } from '../../src/bridge/to-sdde.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { brownianPath } from '../../src/sdde/brownian.ts';

const eta = 0.005;
const fig1 = (lag: number, extra: object = {}) =>
  asgdConfig({ objective: toyObjective(), x0: 4, eta, iterations: 2000, batchSize: 1, delay: { kind: 'constant', lag }, beforeHistory: 'warmup', ...extra });

describe('ASGD → SDDE coefficients (Eq. 6)', () => {
  it('toy, constant rate, δ = η: drift −∇F(X(t−θ)) = −2y, diffusion √η·σ with σ = √(Σ/b) = 2/√b', () => {
    for (const b of [1, 4]) {
      const { problem, delta, sigma } = sddeFromAsgd(fig1(10, { batchSize: b }));
      expect(delta).toBe(eta);
      expect(sigma![0]).toBeCloseTo(2 / Math.sqrt(b), 14);
      const out = new Float64Array(1);
      problem.drift(0.3, Float64Array.of(9), Float64Array.of(3), out);
      expect(out[0]).toBe(-6);
      expect(problem.diffusion.constant![0]).toBeCloseTo(Math.sqrt(eta) * (2 / Math.sqrt(b)), 14);
      expect(problem.T).toBeCloseTo(2000 * eta, 12);
    }
  });
  it('δ ≠ η scales the drift by η/δ and the diffusion by (η/δ)√δ', () => {
    const { problem } = sddeFromAsgd(fig1(0), { delta: 0.02 });
    const out = new Float64Array(1);
    problem.drift(0, Float64Array.of(1), Float64Array.of(1), out);
    expect(out[0]).toBeCloseTo(-(eta / 0.02) * 2, 14);
    expect(problem.diffusion.constant![0]).toBeCloseTo((eta / 0.02) * Math.sqrt(0.02) * 2, 14);
  });
  it('u_k = 1/(k+1): U(t) = 1/(t/δ + 1) multiplies both coefficients', () => {
    const { problem } = sddeFromAsgd(fig1(0, { schedule: { kind: 'inverse' } }));
    const f = new Float64Array(1);
    const g = new Float64Array(1);
    const t = 0.5;
    problem.drift(t, Float64Array.of(1), Float64Array.of(1), f);
    problem.diffusion.fn!(t, Float64Array.of(1), Float64Array.of(1), g);
    const U = 1 / (t / eta + 1);
    expect(f[0]).toBeCloseTo(-2 * U, 14);
    expect(g[0]).toBeCloseTo(Math.sqrt(eta) * 2 * U, 14);
  });
  it('without replacement σσᵀ carries the finite-population factor (n−b)/(n−1)', () => {
    const ls = generatedLeastSquares({ n: 20, d: 2, seed: 1 });
    const w = sddeFromAsgd(asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 10, batchSize: 5, sampling: 'without-replacement' }));
    const r = sddeFromAsgd(asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 10, batchSize: 5 }));
    const ss = (s: Float64Array) => s[0] * s[0] + s[1] * s[1]; // (σσᵀ)₀₀
    expect(ss(w.sigma!) / ss(r.sigma!)).toBeCloseTo(15 / 19, 12);
  });
});

describe("'shared-brownian' coupling", () => {
  it('with one substep the Eq. (5) recursion and the SDDE solve coincide (same grid, same increments)', () => {
    const r = runPair(fig1(10), { coupling: 'shared-brownian', substeps: 1, seed: 3 });
    expect(Math.max(...r.distance)).toBe(0);
  });
  it('the discrete path is Eq. (5) with z_k = (summed fine increments)/√δ', () => {
    const m = 8;
    const r = runPair(fig1(10), { coupling: 'shared-brownian', substeps: m, seed: 4 });
    const fine = brownianPath(4, 0, 1, 2000 * m, eta / m);
    const x = [4];
    for (let k = 0; k < 2000; k++) {
      let dB = 0;
      for (let j = 0; j < m; j++) dB += fine[k * m + j];
      const lag = k < 10 ? 0 : 10; // warmup policy
      x.push(x[k] - eta * 2 * x[k - lag] + Math.sqrt(eta) * 2 * dB);
    }
    for (let k = 0; k <= 2000; k += 50) expect(r.discrete.x[k], `k = ${k}`).toBeCloseTo(x[k], 10);
  });
  it('the fine-grid SDDE path differs from Eq. (5) by the discretization error only (≪ the noise level)', () => {
    const r = runPair(fig1(10), { coupling: 'shared-brownian', substeps: 16, seed: 5 });
    const rms = Math.sqrt(r.distance.reduce((a, v) => a + v * v, 0) / r.distance.length);
    // stationary sd of each path is √η ≈ 0.07; the discretization error is O(δ) smaller
    expect(rms).toBeLessThan(0.01);
    expect(rms).toBeGreaterThan(0);
  });
});

describe("'quantile' coupling on the Fig. 1 settings", () => {
  /*
   * Derivation of the expected distance. On the toy, ∇F(x) = 2x is linear and σ = 2 (b = 1), so
   * D_k = x_k − X(t_k) obeys D_{k+1} = D_k − 2η D_{k−l} + η ε_k exactly, with
   * ε_k = ζ_k − 2 z_k. Here ζ_k = ±2 and the randomized PIT gives sign(z_k) = sign(ζ_k), so
   * ε_k = 2 sign(z)(1 − |z|), E ε = 0, E ε² = 4(2 − 2√(2/π)) (half-normal moments).
   * Independent coupling instead has E ε² = 4 + 4 = 8. With impulse response h_j of the
   * recursion, Var D_k = η² E ε² Σ_{j<k} h_j²; the path RMS averages this over k.
   */
  function predictedRms(varEps: number, lag: number): number {
    const K = 2000;
    const h: number[] = [1];
    for (let j = 0; j < K; j++) h.push(h[j] - 2 * eta * (j - lag >= 0 ? h[j - lag] : 0));
    let cum = 0;
    let avg = 0;
    for (let k = 0; k <= K; k++) {
      avg += eta * eta * varEps * cum;
      cum += h[k] ** 2;
    }
    return Math.sqrt(avg / (K + 1));
  }
  const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
  const pooledRms = (coupling: 'quantile' | 'independent') => {
    let s = 0;
    let n = 0;
    let max = 0;
    for (const seed of seeds) {
      const r = runPair(fig1(10), { coupling, seed, ...(coupling === 'independent' ? { sddeBeforeHistory: 'history' as const } : {}) });
      for (const v of r.distance) {
        s += v * v;
        n++;
        max = Math.max(max, v);
      }
    }
    return { rms: Math.sqrt(s / n), max };
  };

  it('the coupled SDDE path stays within 0.25 of the ASGD path, with RMS distance as predicted (±20%)', () => {
    const varQ = 4 * (2 - 2 * Math.sqrt(2 / Math.PI));
    const predicted = predictedRms(varQ, 10);
    const { rms, max } = pooledRms('quantile');
    if (process.env.SHOW_FITS) console.log(`quantile RMS ${rms} predicted ${predicted} max ${max}`);
    // 20 paths × ~20 relaxation times ⇒ ≈ 400 independent blocks: relative SE of the RMS ≈ 1/(2√400·…) ≈ 3.5%; ±20% ≈ 6 SE.
    expect(Math.abs(rms / predicted - 1), `RMS ${rms}, predicted ${predicted}`).toBeLessThan(0.2);
    // stationary sd ≈ 0.045: 0.25 is ≈ 5.5 sd, a bound a correct coupling crosses with negligible probability
    expect(max, `max distance ${max}`).toBeLessThan(0.25);
  });
  it('independent noise gives the larger distance predicted for two independent draws (±20%)', () => {
    const predicted = predictedRms(8, 10);
    const { rms } = pooledRms('independent');
    if (process.env.SHOW_FITS) console.log(`independent RMS ${rms} predicted ${predicted}`);
    expect(Math.abs(rms / predicted - 1), `RMS ${rms}, predicted ${predicted}`).toBeLessThan(0.2);
  });
  it('uses the ASGD’s delays and is reproducible', () => {
    const a = runPair(fig1(10), { coupling: 'quantile', seed: 9 });
    const b = runPair(fig1(10), { coupling: 'quantile', seed: 9 });
    expect(b.sdde.x).toEqual(a.sdde.x);
    expect(b.discrete.x).toEqual(a.discrete.x);
    const sub = runPair(fig1(10), { coupling: 'quantile', seed: 9, substeps: 4 });
    // a Brownian bridge inside each step keeps the coarse increments: still close to ASGD
    expect(Math.max(...sub.distance)).toBeLessThan(0.25);
  });
});

describe('replayed delays', () => {
  it('the quantile SDDE uses exactly the ASGD’s random lags, l_k·m on each of the m fine steps of step k', () => {
    const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta, iterations: 300, batchSize: 1, delay: { kind: 'uniform', maxLag: 6 }, beforeHistory: 'clip' });
    const m = 3;
    const r = runPair(cfg, { coupling: 'quantile', seed: 2, substeps: m });
    const coarse = r.asgd!.delays!;
    expect(new Set(coarse).size).toBeGreaterThan(3); // really random
    const fine = r.sdde.delays!;
    expect(fine.length).toBe(300 * m);
    for (let j = 0; j < fine.length; j++) expect(fine[j], `fine step ${j}`).toBe(coarse[Math.floor(j / m)] * m);
  });
  it('independent noise with clipping clips at the coarse step: θ = min(l, k)·δ, held over the substeps', () => {
    const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta, iterations: 40, batchSize: 1, delay: { kind: 'constant', lag: 10 }, beforeHistory: 'clip' });
    const m = 4;
    const fine = runPair(cfg, { coupling: 'independent', seed: 2, substeps: m }).sdde.delays!;
    for (let j = 0; j < fine.length; j++) expect(fine[j], `fine step ${j}`).toBe(Math.min(10, Math.floor(j / m)) * m);
  });
  it('a different SDDE pre-start policy is refused for replay couplings', () => {
    for (const coupling of ['quantile', 'shared-brownian'] as const) {
      try {
        runPair(fig1(10), { seed: 0, coupling, sddeBeforeHistory: 'history' });
        expect.unreachable();
      } catch (e) {
        expect((e as ConfigError).field).toBe('bridge.sddeBeforeHistory');
      }
    }
  });
});

describe('refusals', () => {
  it('quantile coupling needs a 1-D problem', () => {
    const ls = generatedLeastSquares({ n: 20, d: 2, seed: 1 });
    expect(() => runPair(asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 10, batchSize: 2 }), { seed: 0, coupling: 'quantile' })).toThrow(ConfigError);
  });
  it('σ at x* needs a known minimizer', () => {
    const obj = expressionObjective({ variables: ['x'], components: ['(x+1)^2', '(x-1)^2'] });
    try {
      runPair(asgdConfig({ objective: obj, x0: 1, eta: 0.01, iterations: 10, batchSize: 1 }), { seed: 0, coupling: 'independent' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).field).toBe('bridge.sigma');
    }
    // naming the point works
    expect(runPair(asgdConfig({ objective: obj, x0: 1, eta: 0.01, iterations: 10, batchSize: 1 }), { seed: 0, coupling: 'independent', sigma: { at: [0] } }).sdde.status).toBe('ok');
  });
  it('an exact minibatch law too large to enumerate is refused', () => {
    const ls = generatedLeastSquares({ n: 200, d: 1, seed: 1 });
    expect(() => runPair(asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 10, batchSize: 8 }), { seed: 0, coupling: 'quantile' })).toThrow(/at most/);
  });
  it('a state-dependent σ works on least squares (refactored every step)', () => {
    const ls = generatedLeastSquares({ n: 50, d: 3, seed: 2 });
    const r = runPair(asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 200, batchSize: 5, delay: { kind: 'uniform', maxLag: 3 } }), { coupling: 'shared-brownian', sigma: 'state-dependent', substeps: 4, seed: 1 });
    expect(r.sdde.status).toBe('ok');
    expect(r.sigmaMode).toBe('state-dependent');
  });
});
