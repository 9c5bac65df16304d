/**
 * convergenceOrder's default (the 'successive' method on a geometric ladder) gives intervals that
 * cover the known strong orders, with and without delays — where the reference method, with its
 * reference only 4× finer than the smallest step, is biased by the reference's own error (it gave
 * Milstein [1.087, 1.100] and Euler–Maruyama [0.548, 0.565] on the delayed problem below).
 *
 * Known orders (Kloeden & Platen 1992, §10.2 and §10.3; for SDDEs with a constant delay on the
 * grid, Buckwar 2000 (EM) and Hu, Mohammed & Yan 2004 (Milstein)): Euler–Maruyama 1/2 with
 * multiplicative noise, 1 with additive noise; Milstein 1.
 * Tolerance: the fitted order is within 3 jackknife standard errors of the known order (a 99.7%
 * band for a normal estimate; fixed seeds), and the reported 95% interval covers it.
 */
import { describe, expect, it } from 'vitest';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { Milstein } from '../../src/sdde/algorithms/milstein.ts';
import { convergenceOrder } from '../../src/sdde/convergence.ts';
import { defineSdde } from '../../src/sdde/problem.ts';

const dts = [1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256];
const problems = {
  'delayed multiplicative noise dX = −X dt + 0.5X(t−1) dB (τ = 1, T = 2)': defineSdde({ dim: 1, drift: (_t, x, _y, o) => void (o[0] = -x[0]), diffusion: { noise: 'diagonal', g: (_t, _x, y, o) => void (o[0] = 0.5 * y[0]) }, history: 1, T: 2, delay: { kind: 'constant', tau: 1 } }),
  'GBM dX = X dt + 0.8X dB (no delay, T = 1)': defineSdde({ dim: 1, drift: (_t, x, _y, o) => void (o[0] = x[0]), diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => void (o[0] = 0.8 * x[0]) }, history: 1, T: 1 }),
  'additive noise with delay dX = −X(t−¼) dt + 0.5 dB (T = 2)': defineSdde({ dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 2, delay: { kind: 'constant', tau: 0.25 } }),
};
const cases: [keyof typeof problems, EulerMaruyama | Milstein, number][] = [
  ['delayed multiplicative noise dX = −X dt + 0.5X(t−1) dB (τ = 1, T = 2)', new EulerMaruyama(), 0.5],
  ['delayed multiplicative noise dX = −X dt + 0.5X(t−1) dB (τ = 1, T = 2)', new Milstein(), 1],
  ['GBM dX = X dt + 0.8X dB (no delay, T = 1)', new EulerMaruyama(), 0.5],
  ['GBM dX = X dt + 0.8X dB (no delay, T = 1)', new Milstein(), 1],
  ['additive noise with delay dX = −X(t−¼) dt + 0.5 dB (T = 2)', new EulerMaruyama(), 1],
];

describe('convergenceOrder: the default interval covers the known strong order', () => {
  for (const [name, alg, order] of cases) {
    it(`${alg.name} on ${name}: ${order}`, () => {
      const r = convergenceOrder(problems[name], alg, { dts, paths: 1200, seed: 21 });
      expect(r.reference.method).toBe('successive');
      expect(r.reference.dt).toBe(1 / 256);
      expect(Math.abs(r.strong.order - order), `order ${r.strong.order} ± ${r.strong.se}`).toBeLessThan(3 * r.strong.se);
      expect(r.strong.ci95[0]).toBeLessThanOrEqual(order);
      expect(r.strong.ci95[1]).toBeGreaterThanOrEqual(order);
      // the finest level's estimated error: C·h^p, below every measured difference's scale at coarser steps
      expect(r.reference.error.strong).toBeGreaterThan(0);
      expect(r.reference.error.strong).toBeLessThan(r.strong.levels[0].error * 2);
      expect(r.strong.levels.map((l) => l.dt)).toEqual(dts.slice(0, 4));
    });
  }
  it('the reference method is still there (refine or method: "reference"); a successive method needs a geometric ladder', () => {
    const p = problems['GBM dX = X dt + 0.8X dB (no delay, T = 1)'];
    const r = convergenceOrder(p, new Milstein(), { dts, paths: 40, seed: 1, refine: 4 });
    expect(r.reference.method).toBe('reference');
    expect(r.reference.dt).toBe(1 / 1024);
    expect(r.strong.levels.length).toBe(5);
    expect(() => convergenceOrder(p, new Milstein(), { dts: [1 / 16, 1 / 32, 1 / 48], paths: 40, seed: 1, method: 'successive' })).toThrow(/geometric ladder/);
    expect(convergenceOrder(p, new Milstein(), { dts: [1 / 16, 1 / 32, 1 / 48], paths: 40, seed: 1 }).reference.method).toBe('reference');
  });
});
