/**
 * Delays on the step grid. Expected values:
 *  - x′(t) = −x(t−1), x ≡ 1 on [−1, 0]: the method-of-steps solution
 *      x(t) = Σ_{k=0}^{n} (−1)^k (t − k + 1)^k / k!   for t ∈ [n−1, n]
 *    (Bellman & Cooke; each interval integrates the previous polynomial), on [0, 3];
 *  - x′(t) = −x(t−1) with ξ(s) = 1 + s on [−1, 0]: x(t) = 1 − t²/2 on [0, 1];
 *  - lag policies and random lag frequencies against their definitions and pmfs.
 */
import { describe, expect, it } from 'vitest';
import { expectFrequencies, truncatedPoisson } from '../helpers/frequencies.ts';
import { delayModel } from '../../src/delay/models.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { logLogSlope } from '../helpers/loglog.ts';

const em = new EulerMaruyama();

function methodOfSteps(t: number): number {
  const n = Math.max(1, Math.ceil(t));
  let v = 0;
  let fact = 1;
  for (let k = 0; k <= n; k++) {
    if (k > 0) fact *= k;
    v += ((-1) ** k * (t - k + 1) ** k) / fact;
  }
  return v;
}

const dde = (history: ConstructorParameters<never>[0] | number | ((s: number, out: Float64Array) => void) | { times: number[]; values: number[][] } = 1, T = 3) =>
  defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -y[0]), diffusion: { noise: 'none' }, history: history as never, T, delay: { kind: 'constant', tau: 1 } });

describe('deterministic DDE x′ = −x(t−1) (σ = 0)', () => {
  it('the method-of-steps reference is right at the knots (x(1) = 0, x(2) = −1/2, x(3) = −1/6)', () => {
    expect(methodOfSteps(1)).toBeCloseTo(0, 15);
    expect(methodOfSteps(2)).toBeCloseTo(-0.5, 15);
    expect(methodOfSteps(3)).toBeCloseTo(-1 / 6, 15);
  });

  it('EM converges to the method-of-steps solution on [0, 3] with order 1', () => {
    const hs = [0.02, 0.01, 0.005, 0.0025, 0.00125];
    const errs = hs.map((dt) => {
      const sol = solve(dde(), em, { seed: 0, dt });
      let max = 0;
      for (let i = 0; i < sol.t.length; i++) max = Math.max(max, Math.abs(sol.x[i] - methodOfSteps(sol.t[i])));
      return max;
    });
    // first-order global error: the measured constant is ≈ 0.63, so max error < h
    for (let i = 0; i < hs.length; i++) expect(errs[i], `h = ${hs[i]}`).toBeLessThan(hs[i]);
    const { slope } = logLogSlope(hs, errs);
    expect(Math.abs(slope - 1), `order ${slope}, errors ${errs}`).toBeLessThan(0.05);
  });

  it('a function history is read before t = 0 (x = 1 − t²/2 on [0, 1])', () => {
    const dt = 1e-3;
    const sol = solve(dde((s, out) => void (out[0] = 1 + s), 1), em, { seed: 0, dt });
    const i = sol.t.length - 1;
    expect(Math.abs(sol.x[i] - 0.5)).toBeLessThan(2 * dt);
    // sampled history, linearly interpolated, reproduces the same linear function exactly
    const sampled = solve(dde({ times: [-1, 0], values: [[0], [1]] }, 1), em, { seed: 0, dt });
    for (let k = 0; k < sol.x.length; k++) expect(sampled.x[k]).toBeCloseTo(sol.x[k], 12);
  });

  it('a time-varying θ(t) ≡ τ gives the constant-delay path; θ(t) is rounded to the grid', () => {
    const dt = 0.01;
    const constant = solve(dde(), em, { seed: 0, dt });
    const varying = solve(
      defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -y[0]), diffusion: { noise: 'none' }, history: 1, T: 3, delay: { kind: 'time-varying', theta: () => 1, tau: 1 } }),
      em,
      { seed: 0, dt },
    );
    expect(Array.from(varying.x)).toEqual(Array.from(constant.x));
    const ramp = solve(
      defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -y[0]), diffusion: { noise: 'none' }, history: 1, T: 1, delay: { kind: 'time-varying', theta: (t) => t / 2, tau: 0.5 } }),
      em,
      { seed: 0, dt: 0.1, recordDelays: true },
    );
    // θ(t_k) = t_k/2 at t_k = 0, 0.1, …, 0.9 is 0, 0.05, …, 0.45 → round(θ/h): half-way cases round up
    expect(Array.from(ramp.delays!)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
  });
});

describe('lag policies before enough history exists', () => {
  const base = { dim: 1, drift: (_t: number, _x: Float64Array, y: Float64Array, out: Float64Array) => void (out[0] = -y[0]), diffusion: { noise: 'none' as const }, history: 1, T: 0.2, delay: { kind: 'constant' as const, lag: 5 } };
  const opts = { dt: 0.01, recordDelays: true };
  it("'clip' uses min(l, k) (He et al. footnote 2)", () => {
    const s = solve(defineSdde({ ...base, beforeHistory: 'clip' }), em, opts);
    expect(Array.from(s.delays!)).toEqual(Array.from({ length: 20 }, (_, k) => Math.min(5, k)));
  });
  it("'warmup' uses lag 0 until k = l (He et al. Section 5)", () => {
    const s = solve(defineSdde({ ...base, beforeHistory: 'warmup' }), em, opts);
    expect(Array.from(s.delays!)).toEqual(Array.from({ length: 20 }, (_, k) => (k < 5 ? 0 : 5)));
  });
  it("'history' keeps l and reads ξ", () => {
    const s = solve(defineSdde({ ...base, beforeHistory: 'history', history: (t: number, out: Float64Array) => void (out[0] = t < 0 ? 100 : 1) }), em, opts);
    expect(Array.from(s.delays!)).toEqual(Array.from({ length: 20 }, () => 5));
    // the first five steps read ξ(t) = 100 for t < 0: x_1 = 1 − 0.01·100 = 0
    expect(s.x[1]).toBeCloseTo(0, 14);
  });
});

describe('random lags', () => {
  it('are drawn from the delay model (frequencies against the truncated Poisson pmf, Bonferroni z)', () => {
    const model = delayModel({ kind: 'poisson', lambda: 3, maxLag: 12 });
    const problem = defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -y[0]), diffusion: { noise: 'diagonal', g: 0.1 }, history: 0, T: 100, delay: { kind: 'random', model }, beforeHistory: 'history' });
    const s = solve(problem, em, { dt: 0.001, recordDelays: true, seed: 5, saveAt: { final: true } });
    const N = s.delays!.length;
    const counts = new Array(13).fill(0);
    for (const l of s.delays!) counts[l]++;
    // expected: e^{−3}3^l/l! renormalised on 0..12 (written out in test/helpers/frequencies.ts);
    // tolerance: binomial SE, Bonferroni over the compared lags, family-wise false alarm 10⁻³
    expectFrequencies(counts, N, truncatedPoisson(3, 12), 'Poisson(3)');
  });

  it('do not shift the Brownian stream: a drift that ignores the delay gives a bit-identical path', () => {
    const mk = (delay: object) => defineSdde({ dim: 2, drift: (_t, x, _y, out) => { out[0] = -x[0]; out[1] = -2 * x[1]; }, diffusion: { noise: 'diagonal', g: [0.3, 0.5] }, history: [1, 2], T: 1, delay: delay as never });
    const a = solve(mk({ kind: 'none' }), em, { dt: 0.001, seed: 9 });
    const b = solve(mk({ kind: 'random', model: { kind: 'uniform', maxLag: 20 } }), em, { dt: 0.001, seed: 9 });
    expect(b.x).toEqual(a.x);
  });
});
