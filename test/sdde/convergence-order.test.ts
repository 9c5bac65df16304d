/**
 * The public `convergenceOrder(problem, algorithm, { seed: 0, dts, paths })`: fitted strong and weak
 * orders without an analytic solution. Expected values are independent of the code under test:
 *  - per-level weak errors of EM on GBM: E X_h(T) = x0(1 + μh)^{T/h} exactly (E[1 + μh + σΔW] =
 *    1 + μh), so E[X_h(T) − X_ref(T)] = x0[(1 + μh)^{T/h} − (1 + μh_ref)^{T/h_ref}] — compared
 *    within 4 standard errors at every level;
 *  - the orders of the theory: EM strong 1/2 (multiplicative noise), 1 (additive), weak 1;
 *    Milstein strong 1, weak 1; with and without delays, on the grid and between grid points.
 * Tolerance for a fitted order (test/helpers/order-tolerance.ts): the distance of the fit from
 * the theory's order widened by the closed-form effect of the reference's own error (refine = 8:
 * the reference at h_min/8 steepens the fitted slope of order 1 to between 1.00 and ≈ 1.04),
 * against z·SE + the slope drift measured on the ladder (pre-asymptotic curvature), z with Bonferroni over the FITS = 14 fits of this file: family-wise false-alarm
 * rate ≤ 1% (z = 3.39). Every weak error must be resolved (|mean| > 2 SE at every level): the
 * two EM cases with multiplicative noise, whose weak errors at h ≤ 1/128 sit below the noise of
 * 1000 paths, get their own coarser weak ladder (1/8 … 1/64, 4000 paths: every level ≥ 4 SE).
 */
import { describe, expect, it } from 'vitest';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { Milstein } from '../../src/sdde/algorithms/milstein.ts';
import { convergenceOrder } from '../../src/sdde/convergence.ts';
import { defineSdde, type SddeSpec } from '../../src/sdde/problem.ts';
import { configError } from '../helpers/config-error.ts';
import { orderCheck } from '../helpers/order-tolerance.ts';

const em = new EulerMaruyama();
const mil = new Milstein();
const dts = [1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256];
const FITS = 14;
const within = (fit: { order: number; se: number; levels: { dt: number; error: number }[] }, theory: number, what: string, refine = 8) => {
  const { distance, tol, text } = orderCheck(fit, theory, Math.min(...fit.levels.map((l) => l.dt)) / refine, FITS);
  expect(distance, `${what}: ${text}`).toBeLessThan(tol);
};

describe('convergenceOrder', () => {
  it('EM on GBM: each weak error equals EM’s exact mean difference; weak order 1', () => {
    const mu = 1.5;
    const sigma = 0.3;
    const gbm = defineSdde({ dim: 1, drift: (_t, x, _y, o) => void (o[0] = mu * x[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => void (o[0] = sigma * x[0]) }, history: 1, T: 1 });
    const r = convergenceOrder(gbm, em, { dts: [1 / 4, 1 / 8, 1 / 16, 1 / 32], paths: 20_000, seed: 2, refine: 8 });
    expect(r.reference.dt).toBe(1 / 256);
    expect(r.paths).toBe(20_000);
    const mean = (h: number) => (1 + mu * h) ** Math.round(1 / h);
    for (const lvl of r.weak.levels) {
      const exact = mean(lvl.dt) - mean(1 / 256);
      expect(Math.abs(lvl.error - exact), `dt = ${lvl.dt}: ${lvl.error} ± ${lvl.se} vs ${exact}`).toBeLessThan(4 * lvl.se);
    }
    expect(r.weak.resolved).toBe(true);
    within(r.weak, 1, 'weak');
    expect(r.declared).toEqual({ strong: 0.5, weak: 1 });
    expect(r.strong.ci95[0]).toBeLessThan(r.strong.order);
    expect(r.strong.ci95[1]).toBeGreaterThan(r.strong.order);
  });

  const cases: { name: string; spec: SddeSpec; alg: EulerMaruyama | Milstein; strong: number; interpolation?: 'linear' | 'hermite'; weakLadder?: boolean }[] = [
    { name: 'EM, GBM', spec: { dim: 1, drift: (_t, x, _y, o) => void (o[0] = x[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => void (o[0] = 0.8 * x[0]) }, history: 1, T: 1 }, alg: em, strong: 0.5, weakLadder: true },
    { name: 'Milstein, GBM', spec: { dim: 1, drift: (_t, x, _y, o) => void (o[0] = x[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => void (o[0] = 0.8 * x[0]) }, history: 1, T: 1 }, alg: mil, strong: 1 },
    { name: 'EM, delay on the grid, diffusion of X(t − τ)', spec: { dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'diagonal', g: (_t, _x, y, o) => void (o[0] = 0.8 * y[0]) }, history: 1, T: 2, delay: { kind: 'constant', tau: 0.25 } }, alg: em, strong: 0.5, weakLadder: true },
    { name: 'Milstein, delay on the grid, diffusion of X(t − τ)', spec: { dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'diagonal', g: (_t, _x, y, o) => void (o[0] = 0.8 * y[0]) }, history: 1, T: 2, delay: { kind: 'constant', tau: 0.25 } }, alg: mil, strong: 1 },
    { name: 'EM, τ = 0.3 off the grid, additive noise', spec: { dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 2, delay: { kind: 'constant', tau: 0.3 } }, alg: em, strong: 1, interpolation: 'linear' },
    { name: 'Milstein, τ = 0.3 off the grid (Hermite), diffusion of X(t)', spec: { dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => void (o[0] = 0.8 * x[0]) }, history: 1, T: 2, delay: { kind: 'constant', tau: 0.3 } }, alg: mil, strong: 1, interpolation: 'hermite' },
  ];
  for (const c of cases) {
    it(`${c.name}: strong ${c.strong}, weak 1`, () => {
      const r = convergenceOrder(defineSdde(c.spec), c.alg, { dts, paths: 1000, seed: 5, refine: 8, ...(c.interpolation ? { interpolation: c.interpolation } : {}) });
      within(r.strong, c.strong, 'strong');
      expect(r.diverged).toBe(0);
      const w = c.weakLadder ? convergenceOrder(defineSdde(c.spec), c.alg, { dts: [1 / 8, 1 / 16, 1 / 32, 1 / 64], paths: 4000, seed: 5, refine: 8 }).weak : r.weak;
      expect(w.resolved, `weak errors ${JSON.stringify(w.levels)}`).toBe(true);
      within(w, 1, 'weak');
    });
  }

  it('EM, τ = 0.3 off the grid, GBM-like noise of X(t): strong 1/2 (weak 1)', () => {
    const p = defineSdde({ dim: 1, drift: (_t, x, y, o) => void (o[0] = 0.5 * x[0] - 0.5 * y[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => void (o[0] = 1.0 * x[0]) }, history: 1, T: 1, delay: { kind: 'constant', tau: 0.3 } });
    const r = convergenceOrder(p, em, { dts, paths: 2000, seed: 6, refine: 8, interpolation: 'linear', functional: (x) => x[0] * x[0] });
    within(r.strong, 0.5, 'strong');
  });

  it('refuses ladders it cannot measure, before any work', () => {
    const base = { dim: 1, drift: (_t: number, _x: Float64Array, y: Float64Array, o: Float64Array) => void (o[0] = -y[0]), diffusion: { noise: 'diagonal' as const, g: 0.5 }, history: 1, T: 1 };
    const random = defineSdde({ ...base, delay: { kind: 'random', model: { kind: 'uniform', max: 3 } } });
    expect(configError(() => convergenceOrder(random, em, { seed: 0, dts, paths: 10 }), 'random').field).toBe('problem.delay');
    const steps = defineSdde({ ...base, delay: { kind: 'constant', lag: 3 } });
    expect(configError(() => convergenceOrder(steps, em, { seed: 0, dts, paths: 10 }), 'lag in steps').reason).toMatch(/tau/);
    const ok = defineSdde({ ...base, delay: { kind: 'constant', tau: 0.3 } });
    expect(configError(() => convergenceOrder(ok, em, { seed: 0, dts, paths: 10 }), 'off grid').field).toBe('problem.delay.tau');
    expect(configError(() => convergenceOrder(ok, em, { seed: 0, dts: [0.1, 0.05], paths: 10 }), 'two levels').field).toBe('options.dts');
    expect(configError(() => convergenceOrder(ok, em, { seed: 0, dts: [1 / 8, 1 / 16, 1 / 24], paths: 10, refine: 1, interpolation: 'linear' }), 'not multiples').field).toMatch(/^options\.dts/);
    expect(configError(() => convergenceOrder(ok, em, { seed: 0, dts, paths: 2 }), 'paths').field).toBe('options.paths');
  });
});
