/**
 * Dense output (`sol.at`), saved times between grid points, and the solution views.
 *
 * Expected values are closed forms. Euler–Maruyama on the ODE x' = −x, x(0) = 1 gives exactly
 * X_k = (1 − h)^k, so the grid states lie on g(t) = (1 − h)^{t/h} = exp(c·t), c = ln(1 − h)/h.
 * The interpolation error against g is then the interpolant's own error (the recorded drifts,
 * −X_k, differ from g' = c·X_k by (h/2)·X_k, which adds at most ~H·h/8 ≈ 1e-8 at h = 1e-6):
 *  - linear: max error ≈ H²/8·max|g''| → order 2 in the spacing H of the saved states;
 *  - cubic Hermite: ≈ H⁴/384·max|g''''| → order 4.
 * The orders are the log-log slopes over three spacings (tolerance 0.15: the constants change
 * little over a halving of H since g is smooth, measured slopes are within 0.02 of 2 and 4).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { Milstein } from '../../src/sdde/algorithms/milstein.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { solvePaths } from '../../src/sdde/solve-paths.ts';
import { configError } from '../helpers/config-error.ts';

const em = new EulerMaruyama();
const h = 1e-6;
const T = 2;
const decay = defineSdde({ dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'none' }, history: 1, T });
const c = Math.log1p(-h) / h;
const g = (t: number) => Math.exp(c * t);

/** Largest |sol.at(t) − g(t)| at the midpoints of the saved intervals, away from the last one. */
function midpointError(H: number, dense: boolean): number {
  const sol = solve(decay, em, { dt: h, saveAt: { every: Math.round(H / h) }, seed: 0, dense });
  let worst = 0;
  for (let i = 0; i + 2 < sol.t.length; i++) {
    const t = (sol.t[i] + sol.t[i + 1]) / 2;
    worst = Math.max(worst, Math.abs(sol.at(t)[0] - g(t)));
  }
  return worst;
}
const slope = (hs: number[], es: number[]) => Math.log(es[0] / es[es.length - 1]) / Math.log(hs[0] / hs[hs.length - 1]);

describe('sol.at: interpolation error order on a closed form', () => {
  it('linear (no drifts recorded): order 2, constant H²/8·max|g″|', () => {
    const Hs = [0.1, 0.05, 0.025];
    const es = Hs.map((H) => midpointError(H, false));
    expect(Math.abs(slope(Hs, es) - 2), `errors ${es}`).toBeLessThan(0.15);
    // max |g''| = c² ≈ 1 at t = 0: the first interval's midpoint error ≈ H²/8 (within 10%)
    expect(es[0] / (Hs[0] ** 2 / 8)).toBeGreaterThan(0.85);
    expect(es[0] / (Hs[0] ** 2 / 8)).toBeLessThan(1.1);
  });
  it('cubic Hermite with the recorded drifts (dense: true): order 4, constant H⁴/384·max|g⁗|', () => {
    const Hs = [0.4, 0.2, 0.1];
    const es = Hs.map((H) => midpointError(H, true));
    expect(Math.abs(slope(Hs, es) - 4), `errors ${es}`).toBeLessThan(0.15);
    expect(es[0] / (Hs[0] ** 4 / 384)).toBeGreaterThan(0.6);
    expect(es[0] / (Hs[0] ** 4 / 384)).toBeLessThan(1.1);
  });
  it('at a saved time: that state exactly; at(times): times × d row-major, the same values', () => {
    const p = defineSdde({ dim: 2, drift: { linear: { x: [[-1, 0.5], [0, -2]] } }, diffusion: { noise: 'diagonal', g: 0.3 }, history: [1, -1], T: 1 });
    for (const dense of [false, true]) {
      const sol = solve(p, em, { dt: 0.01, seed: 5, saveAt: { every: 10 }, dense });
      for (let i = 0; i < sol.t.length; i++) expect(Array.from(sol.at(sol.t[i]))).toEqual(Array.from(sol.x.subarray(2 * i, 2 * i + 2)));
      const times = [0, 0.013, 0.5, 0.777, 1];
      const m = sol.at(times);
      expect(m.length).toBe(10);
      times.forEach((t, i) => expect(Array.from(m.subarray(2 * i, 2 * i + 2))).toEqual(Array.from(sol.at(t))));
    }
    // linear between saved states of a noisy path: X_a + s(X_b − X_a)
    const sol = solve(p, em, { dt: 0.01, seed: 5, saveAt: { every: 10 } });
    const s = 0.3;
    const t = 0.5 + s * 0.1;
    const a = 5;
    for (let j = 0; j < 2; j++) expect(sol.at(t)[j]).toBeCloseTo(sol.x[2 * a + j] + s * (sol.x[2 * (a + 1) + j] - sol.x[2 * a + j]), 13);
  });
  it('refuses a time outside the saved span, or not a finite number, before any output', () => {
    const sol = solve(decay, em, { dt: 0.01, seed: 0 });
    for (const bad of [-0.01, 2.0001, NaN, Infinity]) {
      const e = configError(() => sol.at(bad), String(bad));
      expect(e.field).toBe('t');
    }
    expect(configError(() => sol.at([0.5, 3]), 'array').field).toBe('t[1]');
    // a final-only solution has one saved state: only T itself
    const fin = solve(decay, em, { dt: 0.01, seed: 0, saveAt: { final: true } });
    expect(fin.at(T)[0]).toBe(fin.x[0]);
    expect(() => fin.at(1)).toThrow(/saved span \[2, 2\]/);
  });
  it('dense: true needs a boolean; the views are not data (JSON and spreads carry the arrays only)', () => {
    expect(configError(() => solve(decay, em, { dt: 0.01, dense: 'yes' as never }), 'dense').field).toBe('options.dense');
    const sol = solve(decay, em, { dt: 0.5, seed: 0 });
    expect(Object.keys(sol)).not.toContain('at');
    expect(JSON.parse(JSON.stringify(sol)).t).toEqual({ 0: 0, 1: 0.5, 2: 1, 3: 1.5, 4: 2 });
    expect(structuredClone(sol).x).toEqual(sol.x);
  });
});

describe('saveAt.times between grid points', () => {
  const p = defineSdde({ dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 1, delay: { kind: 'constant', tau: 0.2 } });
  it('saves the requested time itself, its state interpolated between the two grid states (linear)', () => {
    const all = solve(p, em, { dt: 0.01, seed: 4 });
    const s = solve(p, em, { dt: 0.01, seed: 4, saveAt: { times: [0, 0.333, 0.5, 0.9999, 1] } });
    expect(Array.from(s.t)).toEqual([0, 0.333, 0.5, 0.9999, 1]);
    // 0.333 = 33.3 steps: X_33 + 0.3·(X_34 − X_33)
    expect(s.x[1]).toBeCloseTo(all.x[33] + 0.3 * (all.x[34] - all.x[33]), 13);
    expect(s.x[2]).toBe(all.x[50]);
    expect(s.x[3]).toBeCloseTo(all.x[99] + 0.99 * (all.x[100] - all.x[99]), 12);
    expect(s.x[4]).toBe(all.x[100]);
    // the same as sol.at on the every-step solution
    for (let i = 0; i < s.t.length; i++) expect(s.x[i]).toBeCloseTo(all.at(s.t[i])[0], 13);
    // solvePaths (the kernels' batched paths) gives each path's solve
    const batch = solvePaths(p, em, { dt: 0.01, seed: 4, saveAt: { times: [0.333, 0.5] } }, 0, 3);
    expect(Array.from(batch[0].x)).toEqual(Array.from(s.x.subarray(1, 3)));
  });
  it('with recorded drifts (dense: true, Milstein too) the saved value is the Hermite interpolant, as sol.at gives it', () => {
    for (const alg of [em, new Milstein()]) {
      const all = solve(p, alg, { dt: 0.01, seed: 4, dense: true });
      const s = solve(p, alg, { dt: 0.01, seed: 4, dense: true, saveAt: { times: [0.333, 0.61] } });
      expect(Array.from(s.t)).toEqual([0.333, 0.61]);
      // the Hermite basis at s = 0.3 between X_33 and X_34 with slopes H·f
      const u = 0.3;
      const [h00, h10, h01, h11] = [2 * u ** 3 - 3 * u ** 2 + 1, u ** 3 - 2 * u ** 2 + u, -2 * u ** 3 + 3 * u ** 2, u ** 3 - u ** 2];
      const want = h00 * all.x[33] + h10 * 0.01 * all.drift![33] + h01 * all.x[34] + h11 * 0.01 * all.drift![34];
      expect(s.x[0]).toBeCloseTo(want, 13);
      expect(s.x[0]).toBeCloseTo(all.at(0.333)[0], 13);
      // the drift of EM at X_k with a delay of 20 steps: −X_k (the drift is −x)
      expect(all.drift![33]).toBe(-all.x[33]);
      expect(Number.isNaN(all.drift![100])).toBe(true); // no step starts at T
    }
  });
  it('refuses decreasing times and times outside [t0, T], naming the entry', () => {
    expect(configError(() => solve(p, em, { dt: 0.01, seed: 0, saveAt: { times: [0.5, 0.4] } }), 'decreasing').field).toBe('options.saveAt.times[1]');
    expect(configError(() => solve(p, em, { dt: 0.01, seed: 0, saveAt: { times: [0.5, 1.5] } }), 'outside').field).toBe('options.saveAt.times[1]');
  });
});

describe('solution views', () => {
  const p = defineSdde({ dim: 3, drift: { linear: { x: [[-1, 0, 0], [0, -2, 0], [0, 0, -3]] } }, diffusion: { noise: 'diagonal', g: 0.1 }, history: [1, 2, 3], T: 1 });
  const sol = solve(p, em, { dt: 0.1, seed: 2 });
  it('state(i) is a view of saved state i; component(j) the j-th coordinate over time; toTable rows', () => {
    expect(Array.from(sol.state(0))).toEqual([1, 2, 3]);
    expect(sol.state(4).buffer).toBe(sol.x.buffer);
    expect(Array.from(sol.state(4))).toEqual(Array.from(sol.x.subarray(12, 15)));
    expect(Array.from(sol.component(2))).toEqual(Array.from({ length: 11 }, (_, i) => sol.x[3 * i + 2]));
    const rows = sol.toTable();
    expect(rows.length).toBe(11);
    expect(rows[0]).toEqual({ t: 0, x0: 1, x1: 2, x2: 3 });
    expect(rows[10]).toEqual({ t: sol.t[10], x0: sol.x[30], x1: sol.x[31], x2: sol.x[32] });
  });
  it('refuses an index out of range with a ConfigError', () => {
    expect(() => sol.state(11)).toThrow(ConfigError);
    expect(() => sol.state(-1)).toThrow(ConfigError);
    expect(() => sol.component(3)).toThrow(ConfigError);
    expect(() => sol.component(0.5)).toThrow(ConfigError);
  });
});
