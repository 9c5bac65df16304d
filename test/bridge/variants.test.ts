/**
 * The bridge carries the runner's variants (issue 12). Expected values:
 *  - full-batch runs have σ = 0, and Eq. (5) (EM for Eq. (6) at δ = η) is then exactly the ASGD
 *    recursion: with inconsistent read the 'shared-brownian' recursion must follow the ASGD run
 *    drawn with the same seed (same per-coordinate lags) to rounding, and with DC-ASGD it must
 *    follow the NumPy DC-ASGD trajectory (test/fixtures/async_variants.py);
 *  - sparse updates: the covariance of one update at x* written out in the test from the data
 *    (component gradients at x*, Σ_b, the sparse weights), which the bridge's σσᵀ must equal to
 *    rounding and the Monte Carlo covariance of one runner update must match (40 000 one-step
 *    runs; each entry within 5 standard errors — Bonferroni over the d² entries — the SE of a
 *    product mean from its sample variance);
 *  - d = 10, inconsistent read: E‖X(T) − x*‖² of ASGD and of its SDDE (independent noise) agree
 *    within z = 3.29 combined standard errors (the O(η) weak error is below the noise here);
 *  - the bridge's σ(X(t−θ)) (1-D least squares, state-dependent): Milstein's strong order on the
 *    bridged coefficients is 1 (the theory's value; z·SE + measured drift, see the test), beyond EM's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedLeastSquares, leastSquaresObjective } from '../../src/asgd/objectives/least-squares.ts';
import { asgdConfig, runAsgd } from '../../src/asgd/runner.ts';
import { runPair, solveBridgedSdde } from '../../src/bridge/pair.ts';
import { sddeFromAsgd } from '../../src/bridge/to-sdde.ts';
import { Milstein } from '../../src/sdde/algorithms/milstein.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { convergenceOrder } from '../../src/sdde/convergence.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { configError } from '../helpers/config-error.ts';
import { orderCheck } from '../helpers/order-tolerance.ts';
import { bonferroniZ } from '../helpers/frequencies.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/async_variants.json', import.meta.url), 'utf8'));
const obj = leastSquaresObjective({ A: fx.A, B: fx.B });
const n = fx.A.length as number;
const d = fx.x0.length as number;
const full = { objective: obj, x0: fx.x0 as number[], iterations: fx.K as number, batchSize: n, sampling: 'without-replacement' as const, beforeHistory: 'clip' as const };

describe('the bridge with the runner’s variants', () => {
  it('inconsistent read: per-coordinate delays in the SDDE; the Eq. (5) recursion follows ASGD with the same lags', () => {
    const cfg = asgdConfig({ ...full, eta: 0.1, delay: { kind: 'uniform', max: 4 }, read: 'inconsistent' });
    const { problem } = sddeFromAsgd(cfg);
    expect(problem.delay.kind).toBe('per-coordinate');
    expect(problem.lagDim).toBe(d);
    const pair = runPair(cfg, { coupling: 'shared-brownian', seed: 8, substeps: 2 });
    const asgd = runAsgd(cfg, { seed: 8 });
    for (let i = 0; i < asgd.x.length; i++) expect(Math.abs(pair.discrete.x[i] - asgd.x[i]), `entry ${i}`).toBeLessThan(1e-12);
    // the fine SDDE reads each coordinate at its own lag × substeps
    const lags = pair.sdde.delayTable!;
    expect(lags.channels).toBe(d);
  });

  it('DC-ASGD (constant λ): the drift gains −λ(∇F(y)² + diag Σ_b)⊙(x − y); Eq. (5) is the NumPy DC-ASGD recursion', () => {
    const c = fx['dc-c'];
    const cfg = asgdConfig({ ...full, eta: c.eta, delay: { kind: 'constant', lag: c.lag }, compensation: { kind: 'dc-asgd', lambda: c.lambda } });
    const pair = runPair(cfg, { coupling: 'shared-brownian', seed: 1 });
    for (let k = 0; k <= fx.K; k++) for (let j = 0; j < d; j++) expect(Math.abs(pair.discrete.x[k * d + j] - c.x[k][j]), `k = ${k}`).toBeLessThan(1e-12);
    expect(configError(() => sddeFromAsgd(asgdConfig({ ...full, eta: 0.1, compensation: { kind: 'dc-asgd', lambda: 1, meanSquare: 0.9 } })), 'adaptive').field).toBe('asgd.compensation.meanSquare');
  });

  it('sparse updates: σσᵀ = c²[(s/d) diag Σ_b + (s(s−1)/(d(d−1))) offdiag Σ_b] at x* matches the runner’s update covariance', () => {
    const eta = 0.01;
    const spec = { objective: obj, x0: Array.from(obj.minimizer!), iterations: 1, batchSize: 2, eta, sparse: { coordinates: 2 } };
    // The expected covariance, written out here from the data (not from to-sdde.ts): at x* the
    // component gradients are g_i = a_i(a_iᵀx* − b_i), Σ = (1/n)Σ(g_i − ḡ)(g_i − ḡ)ᵀ, Σ_b = Σ/b
    // (with replacement), and a uniform subset of s of d coordinates scaled by c = d/s has
    // covariance c²[(s/d) diag Σ_b + (s(s−1)/(d(d−1))) offdiag Σ_b] (∇F(x*) = 0).
    const xs = obj.minimizer!;
    const A = fx.A as number[][];
    const Bv = fx.B as number[];
    const g = A.map((a, i) => {
      const r = a.reduce((t, aj, j) => t + aj * xs[j], 0) - Bv[i];
      return a.map((aj) => aj * r);
    });
    const gBar = Array.from({ length: d }, (_, j) => g.reduce((t, gi) => t + gi[j], 0) / n);
    const s = spec.sparse.coordinates;
    const c = d / s;
    const S = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        const sigmaB = g.reduce((t, gk) => t + (gk[i] - gBar[i]) * (gk[j] - gBar[j]), 0) / n / spec.batchSize;
        S[i * d + j] = c * c * (i === j ? s / d : (s * (s - 1)) / (d * (d - 1))) * sigmaB;
      }
    }
    // the bridge's σσᵀ is that closed form (to rounding)
    const { sigma } = sddeFromAsgd(asgdConfig(spec));
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let bridged = 0;
        for (let k = 0; k < d; k++) bridged += sigma![i * d + k] * sigma![j * d + k];
        expect(Math.abs(bridged - S[i * d + j]), `σσᵀ entry (${i}, ${j})`).toBeLessThan(1e-10 * (1 + Math.abs(S[i * d + j])));
      }
    }
    const cfg = asgdConfig(spec);
    const N = 40_000;
    const sum = new Float64Array(d * d);
    const sq = new Float64Array(d * d);
    const u = new Float64Array(d);
    for (let p = 0; p < N; p++) {
      const r = runAsgd(cfg, { seed: 2, path: p, saveAt: { final: true } });
      for (let i = 0; i < d; i++) u[i] = (r.x[i] - spec.x0[i]) / eta;
      for (let i = 0; i < d * d; i++) {
        const v = u[Math.floor(i / d)] * u[i % d];
        sum[i] += v;
        sq[i] += v * v;
      }
    }
    for (let i = 0; i < d * d; i++) {
      const mean = sum[i] / N; // E[u] = 0 at x*
      const se = Math.sqrt((sq[i] / N - mean * mean) / N);
      expect(Math.abs(mean - S[i]), `entry (${Math.floor(i / d)}, ${i % d}): MC ${mean} ± ${se}, closed form ${S[i]}`).toBeLessThan(5 * se + 1e-12);
    }
  });

  it('d = 10, inconsistent read with Poisson staleness: E‖X(T) − x*‖² of ASGD and its SDDE agree', () => {
    const ls = generatedLeastSquares({ n: 1000, d: 10, seed: 4 });
    const cfg = asgdConfig({ objective: ls, x0: 1, eta: 0.02, iterations: 400, batchSize: 8, delay: { kind: 'poisson', lambda: 3, maxLag: 12 }, read: 'inconsistent' });
    const xs = ls.minimizer!;
    const paths = 300;
    const stats = (final: (p: number) => Float64Array) => {
      let s = 0;
      let s2 = 0;
      for (let p = 0; p < paths; p++) {
        const x = final(p);
        let q = 0;
        for (let i = 0; i < 10; i++) q += (x[i] - xs[i]) ** 2;
        s += q;
        s2 += q * q;
      }
      const mean = s / paths;
      return { mean, se: Math.sqrt((s2 / paths - mean * mean) / paths) };
    };
    const a = stats((p) => runAsgd(cfg, { seed: 9, path: p, saveAt: { final: true } }).x);
    const b = stats((p) => {
      const sol = solveBridgedSdde(cfg, { seed: 9, path: p, saveEvery: 400, substeps: 2 });
      return sol.x.subarray(sol.x.length - 10);
    });
    // independent seeds' paths: the difference has SE √(SE_a² + SE_b²); one comparison, two-sided
    // z = 3.29 (false alarm 10⁻³). No slack for the O(η) weak bias of the approximation: at η = 0.02
    // it is below the noise of 300 paths (measured difference ≈ 2 SE); a bias this test resolves
    // is a finding, not noise.
    expect(Math.abs(a.mean - b.mean), `ASGD ${a.mean} ± ${a.se}, SDDE ${b.mean} ± ${b.se}`).toBeLessThan(bonferroniZ(1) * Math.hypot(a.se, b.se));
  });
});

describe('Milstein on the bridge’s state-dependent σ(X(t − θ))', () => {
  it('1-D least squares, l = 4: strong order ≈ 1 (EM lower), with the delay written in time for the dt ladder', () => {
    const ls = generatedLeastSquares({ n: 50, d: 1, seed: 2 });
    const cfg = asgdConfig({ objective: ls, x0: 3, eta: 0.05, iterations: 200, batchSize: 1, delay: { kind: 'constant', lag: 4 } });
    const { problem, delta } = sddeFromAsgd(cfg, { sigma: 'state-dependent' });
    const tmp = new Float64Array(1);
    const inTime = defineSdde({
      dim: 1,
      drift: problem.drift,
      diffusion: { noise: 'scalar', g: (t, x, y, o) => { problem.diffusion.fn!(t, x, y, tmp); o[0] = tmp[0]; } },
      history: 3,
      T: problem.T,
      delay: { kind: 'constant', tau: 4 * delta },
    });
    const dts = [delta, delta / 2, delta / 4, delta / 8];
    const m = convergenceOrder(inTime, new Milstein(), { dts, paths: 400, refine: 8, seed: 1 });
    const e = convergenceOrder(inTime, new EulerMaruyama(), { dts, paths: 400, refine: 8, seed: 1 });
    // |fitted − 1| against z·SE + measured slope drift, the order widened by the reference's own
    // error at refine = 8 (test/helpers/order-tolerance.ts); one fit in this file: z = 2.58, 1%.
    const c = orderCheck(m.strong, 1, delta / 8 / 8, 1);
    expect(c.distance, c.text).toBeLessThan(c.tol);
    expect(m.strong.levels[3].error).toBeLessThan(e.strong.levels[3].error);
    expect(e.strong.order).toBeLessThan(m.strong.order);
  }, 600_000); // two 400-path dt ladders, Milstein by finite differences: ≈ 95 s alone on 2 cores, > 120 s at load 14
});
