/**
 * Events located within a step. Expected values:
 *  - x′ = −x: EM's iterate is (1 − h)^k exactly, so the crossing of x = c by the polyline
 *    through the iterates is t = (k + σ)h with σ = ((1−h)^k − c)/((1−h)^k − (1−h)^{k+1});
 *    as h → 0 it tends to ln(1/c) with order 1;
 *  - a nonlinear condition ‖X‖² = ε on x′ = Ax (rotation with decay): the crossing of the EM
 *    polyline found in the test by bisection (independent of the solver's Illinois iteration);
 *  - the harmonic oscillator x″ = −x: the zeros of x₁ near π/2 + jπ (EM's O(h) phase error).
 */
import { describe, expect, it } from 'vitest';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { configError } from '../helpers/config-error.ts';
import { logLogSlope } from '../helpers/loglog.ts';

const em = new EulerMaruyama();
const decay = defineSdde({ dim: 1, drift: (_t, x, _y, o) => void (o[0] = -x[0]), diffusion: { noise: 'none' }, history: 1, T: 3 });

describe('events', () => {
  it('x′ = −x stops where the EM polyline crosses 0.3, between grid points; → ln(1/0.3) with order 1', () => {
    const c = 0.3;
    const hs = [0.05, 0.025, 0.0125, 0.00625];
    const errs = hs.map((h) => {
      const sol = solve(decay, em, { seed: 0, dt: h, events: [{ condition: (_t, x) => x[0] - c, direction: 'down' }] });
      expect(sol.status).toBe('terminated');
      const k = Math.floor(Math.log(c) / Math.log(1 - h)); // (1−h)^k > c ≥ (1−h)^{k+1}
      const a = (1 - h) ** k;
      const b = (1 - h) ** (k + 1);
      const expected = (k + (a - c) / (a - b)) * h;
      const stop = sol.terminated!;
      expect(Math.abs(stop.t - expected), `h = ${h}`).toBeLessThan(1e-12);
      expect(stop.x[0]).toBeCloseTo(c, 12);
      expect(stop.step).toBe(k);
      // the states kept are those before the event; steps taken include the one that held it
      expect(sol.t[sol.t.length - 1]).toBeLessThanOrEqual(stop.t);
      expect(sol.steps).toBe(k + 1);
      return Math.abs(stop.t - Math.log(1 / c));
    });
    expect(Math.abs(logLogSlope(hs, errs).slope - 1), `errors ${errs}`).toBeLessThan(0.05);
  });

  it('a nonlinear condition ‖X‖² − ε in d = 2: the located time matches a bisection on the polyline', () => {
    const A = [[-0.3, 1], [-1, -0.3]];
    const p = defineSdde({ dim: 2, drift: { linear: { x: A } }, diffusion: { noise: 'none' }, history: [2, 0], T: 10 });
    const h = 0.1;
    const eps = 0.5;
    const cond = (_t: number, x: Float64Array) => x[0] * x[0] + x[1] * x[1] - eps;
    const sol = solve(p, em, { seed: 0, dt: h, events: [{ condition: cond, direction: 'down', action: 'record' }] });
    expect(sol.status).toBe('ok');
    const ev = sol.events![0];
    expect(ev.count).toBeGreaterThanOrEqual(1);
    const full = solve(p, em, { seed: 0, dt: h });
    const k = ev.step[0];
    const x0 = full.x.subarray(2 * k, 2 * k + 2);
    const x1 = full.x.subarray(2 * k + 2, 2 * k + 4);
    const at = (s: number) => cond(0, Float64Array.of(x0[0] + s * (x1[0] - x0[0]), x0[1] + s * (x1[1] - x0[1])));
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (at(mid) > 0) lo = mid;
      else hi = mid;
    }
    expect(Math.abs(ev.t[0] - (k + lo) * h)).toBeLessThan(1e-12);
    expect(ev.x[0] ** 2 + ev.x[1] ** 2).toBeCloseTo(eps, 10);
  });

  it("'record' keeps every zero of x₁ for the oscillator (both directions), near π/2 + jπ", () => {
    const p = defineSdde({ dim: 2, drift: (_t, x, _y, o) => { o[0] = x[1]; o[1] = -x[0]; }, diffusion: { noise: 'none' }, history: [1, 0], T: 20 });
    const sol = solve(p, em, { seed: 0, dt: 1e-4, events: [{ condition: (_t, x) => x[0], action: 'record', name: 'zero' }, { condition: (_t, x) => x[0], direction: 'up', action: 'record' }] });
    const [both, up] = sol.events!;
    expect(both.name).toBe('zero');
    expect(both.count).toBe(6); // π/2, 3π/2, …, 11π/2 < 20
    both.t.forEach((t, j) => expect(Math.abs(t - (Math.PI / 2 + j * Math.PI)), `zero ${j}`).toBeLessThan(1e-3));
    expect(Array.from(up.t)).toEqual([both.t[1], both.t[3], both.t[5]]);
  });

  it('with noise: stops at the first passage, same bits before it as without the event; maxRecords caps what is kept', () => {
    const p = defineSdde({ dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 5, delay: { kind: 'constant', tau: 0.5 } });
    const free = solve(p, em, { dt: 0.01, seed: 3 });
    const stopped = solve(p, em, { dt: 0.01, seed: 3, events: [{ condition: (_t, x) => x[0], direction: 'down' }] });
    expect(stopped.status).toBe('terminated');
    const n = stopped.x.length;
    expect(stopped.x).toEqual(free.x.slice(0, n));
    const k = stopped.terminated!.step;
    expect(free.x[k]).toBeGreaterThan(0);
    expect(free.x[k + 1]).toBeLessThanOrEqual(0);
    const capped = solve(p, em, { dt: 0.01, seed: 3, events: [{ condition: (_t, x) => x[0], action: 'record', maxRecords: 2 }] });
    expect(capped.events![0].t.length).toBe(2);
    expect(capped.events![0].count).toBeGreaterThan(2);
    expect(capped.x).toEqual(free.x);
  });

  it('bad events are refused before any work, naming the field', () => {
    expect(configError(() => solve(decay, em, { seed: 0, dt: 0.1, events: [] }), 'empty').field).toBe('options.events');
    expect(configError(() => solve(decay, em, { seed: 0, dt: 0.1, events: [{ condition: 3 } as never] }), 'not fn').field).toBe('options.events[0].condition');
    expect(configError(() => solve(decay, em, { seed: 0, dt: 0.1, events: [{ condition: () => NaN }] }), 'NaN at t0').field).toBe('options.events[0].condition');
    expect(configError(() => solve(decay, em, { seed: 0, dt: 0.1, events: [{ condition: () => 1, direction: 'left' as never }] }), 'direction').field).toBe('options.events[0].direction');
    expect(configError(() => solve(decay, em, { seed: 0, dt: 0.1, events: [{ condition: () => 1, action: 'record', maxRecords: 0 }] }), 'maxRecords').field).toBe('options.events[0].maxRecords');
  });
});
