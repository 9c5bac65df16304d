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
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';
import { tQuantile } from '../../src/core/stats/fit.ts';

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
  it('the fine-grid SDDE path is Euler–Maruyama at h = δ/16 on the same increments, with the ASGD’s lags × 16 (replayed here)', () => {
    const m = 16;
    const r = runPair(fig1(10), { coupling: 'shared-brownian', substeps: m, seed: 5 });
    // dX = −2X(t − θ)dt + √η·2 dB, θ = l_k δ on the m fine steps of step k (warm-up: l_k = 0 for k < 10)
    const fine = brownianPath(5, 0, 1, 2000 * m, eta / m);
    const X = [4];
    for (let j = 0; j < 2000 * m; j++) {
      const k = Math.floor(j / m);
      const lag = (k < 10 ? 0 : 10) * m;
      X.push(X[j] - (eta / m) * 2 * X[j - lag] + Math.sqrt(eta) * 2 * fine[j]);
    }
    for (let k = 0; k <= 2000; k += 50) expect(r.sdde.x[k], `k = ${k}`).toBeCloseTo(X[k * m], 10);
    // and the distance to Eq. (5) is their difference, not zero (the discretization error)
    expect(Math.max(...r.distance)).toBeGreaterThan(0);
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
  /** Stationary sd of D: η √(E ε² Σ_j h_j²), the impulse response summed to K. */
  function stationarySd(varEps: number, lag: number): number {
    const h: number[] = [1];
    for (let j = 0; j < 2000; j++) h.push(h[j] - 2 * eta * (j - lag >= 0 ? h[j - lag] : 0));
    return eta * Math.sqrt(varEps * h.reduce((a, v) => a + v * v, 0));
  }
  /**
   * The path mean square of D per seed (20 independent seeds), its mean and SE across seeds, and
   * the largest |D| of all paths. Compared as mean squares: |MS − predicted²| ≤ t·SE, t the
   * Student quantile with 19 df, Bonferroni over the 2 comparisons of this describe (family-wise
   * false alarm 10⁻³).
   */
  const pooled = (coupling: 'quantile' | 'independent') => {
    const ms: number[] = [];
    let max = 0;
    for (const seed of seeds) {
      const r = runPair(fig1(10), { coupling, seed, ...(coupling === 'independent' ? { sddeBeforeHistory: 'history' as const } : {}) });
      let s = 0;
      for (const v of r.distance) {
        s += v * v;
        max = Math.max(max, Math.abs(v));
      }
      ms.push(s / r.distance.length);
    }
    const mean = ms.reduce((a, v) => a + v, 0) / ms.length;
    const se = Math.sqrt(ms.reduce((a, v) => a + (v - mean) ** 2, 0) / (ms.length - 1) / ms.length);
    return { ms: mean, se, max };
  };
  const tCrit = tQuantile(1 - 1e-3 / 4, seeds.length - 1);

  it('the coupled SDDE path stays close to the ASGD path, with the mean-square distance predicted', () => {
    const varQ = 4 * (2 - 2 * Math.sqrt(2 / Math.PI));
    const predicted = predictedRms(varQ, 10);
    const { ms, se, max } = pooled('quantile');
    if (process.env.SHOW_FITS) console.log(`quantile MS ${ms} ± ${se}, predicted ${predicted ** 2}, max ${max}`);
    expect(Math.abs(ms - predicted ** 2) / se, `MS ${ms} ± ${se}, predicted ${predicted ** 2}`).toBeLessThan(tCrit);
    // D is a linear filter of i.i.d. noise, near Gaussian with sd ≤ the stationary sd s; over all
    // 20 × 2001 points a union bound gives P[max |D| > c·s] ≤ 40 020·2Φ(−c): c = Φ⁻¹(1 − 10⁻³/(2·40 020))
    // keeps that below 10⁻³
    const c = normalQuantile(1 - 1e-3 / (2 * 20 * 2001));
    expect(max, `max distance ${max}`).toBeLessThan(c * stationarySd(varQ, 10));
  });
  it('independent noise gives the larger distance predicted for two independent draws', () => {
    const predicted = predictedRms(8, 10);
    const { ms, se } = pooled('independent');
    if (process.env.SHOW_FITS) console.log(`independent MS ${ms} ± ${se}, predicted ${predicted ** 2}`);
    expect(Math.abs(ms - predicted ** 2) / se, `MS ${ms} ± ${se}, predicted ${predicted ** 2}`).toBeLessThan(tCrit);
  });
  it('uses the ASGD’s delays and is reproducible', () => {
    const a = runPair(fig1(10), { coupling: 'quantile', seed: 9 });
    const b = runPair(fig1(10), { coupling: 'quantile', seed: 9 });
    expect(b.sdde.x).toEqual(a.sdde.x);
    expect(b.discrete.x).toEqual(a.discrete.x);
    const sub = runPair(fig1(10), { coupling: 'quantile', seed: 9, substeps: 4 });
    // a Brownian bridge inside each step keeps the coarse increments: the sum of the 4 fine
    // increments of each step is the one-substep run's increment, so the distance to ASGD stays
    // within the same union bound as above (one path: c = Φ⁻¹(1 − 10⁻³/(2·2001)))
    expect(Math.max(...sub.distance.map(Math.abs))).toBeLessThan(normalQuantile(1 - 1e-3 / (2 * 2001)) * stationarySd(4 * (2 - 2 * Math.sqrt(2 / Math.PI)), 10));
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
        runPair(fig1(10), { coupling, sddeBeforeHistory: 'history' });
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
    expect(() => runPair(asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 10, batchSize: 2 }), { coupling: 'quantile' })).toThrow(ConfigError);
  });
  it('σ at x* needs a known minimizer', () => {
    const obj = expressionObjective({ variables: ['x'], components: ['(x+1)^2', '(x-1)^2'] });
    try {
      runPair(asgdConfig({ objective: obj, x0: 1, eta: 0.01, iterations: 10, batchSize: 1 }), { coupling: 'independent' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).field).toBe('bridge.sigma');
    }
    // naming the point works: at x = 0 the component gradients are 2(0 ± 1) = ±2, Σ = 4, σ = 2
    const named = asgdConfig({ objective: obj, x0: 1, eta: 0.01, iterations: 10, batchSize: 1 });
    expect(sddeFromAsgd(named, { sigma: { at: [0] } }).sigma![0]).toBeCloseTo(2, 12);
    expect(runPair(named, { seed: 0, coupling: 'independent', sigma: { at: [0] } }).sdde.status).toBe('ok');
  });
  it('an exact minibatch law too large to enumerate is refused', () => {
    const ls = generatedLeastSquares({ n: 200, d: 1, seed: 1 });
    expect(() => runPair(asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 10, batchSize: 8 }), { coupling: 'quantile' })).toThrow(/at most/);
  });
  it('a state-dependent σ works on least squares (refactored every step)', () => {
    const ls = generatedLeastSquares({ n: 50, d: 3, seed: 2 });
    const cfg = asgdConfig({ objective: ls, x0: 0, eta: 0.01, iterations: 200, batchSize: 5, delay: { kind: 'uniform', maxLag: 3 } });
    const r = runPair(cfg, { coupling: 'shared-brownian', sigma: 'state-dependent', substeps: 4, seed: 1 });
    expect(r.sdde.status).toBe('ok');
    expect(r.sigmaMode).toBe('state-dependent');
    // the diffusion G(y) at a state y, written out from the data: GGᵀ = η Σ(y)/b (with replacement),
    // Σ(y) = (1/n) Σ_i (g_i − ḡ)(g_i − ḡ)ᵀ, g_i = a_i(a_iᵀy − b_i)
    const { A, B } = (ls as unknown as { data: { A: Float64Array; B: Float64Array } }).data;
    const { problem } = sddeFromAsgd(cfg, { sigma: 'state-dependent' });
    for (const y of [Float64Array.of(0, 0, 0), Float64Array.of(0.5, -1, 2)]) {
      const g = Array.from({ length: 50 }, (_, i) => {
        const res = A[3 * i] * y[0] + A[3 * i + 1] * y[1] + A[3 * i + 2] * y[2] - B[i];
        return [0, 1, 2].map((j) => A[3 * i + j] * res);
      });
      const gBar = [0, 1, 2].map((j) => g.reduce((t, gi) => t + gi[j], 0) / 50);
      const G = new Float64Array(9);
      problem.diffusion.fn!(0, y, y, G);
      for (let a = 0; a < 3; a++) {
        for (let c = 0; c < 3; c++) {
          const expected = (0.01 * g.reduce((t, gi) => t + (gi[a] - gBar[a]) * (gi[c] - gBar[c]), 0)) / 50 / 5;
          let ggt = 0;
          for (let k = 0; k < 3; k++) ggt += G[a * 3 + k] * G[c * 3 + k];
          expect(ggt, `GGᵀ(${a}, ${c}) at y = ${Array.from(y)}`).toBeCloseTo(expected, 12);
        }
      }
    }
  });
});
