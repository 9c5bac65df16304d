/**
 * solve(): noise shapes, saving, divergence, reproducibility, ring-buffer history and refusals.
 * Expected values are closed forms: with zero drift, X(T) = X(0) + G·Σ ΔB_k exactly for constant
 * G; dx/dt = x² from x(0) = 1 blows up at t = 1.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { bonferroniZ } from '../helpers/frequencies.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { StateRing } from '../../src/core/ring-buffer.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { brownianPath, PrescribedIncrements } from '../../src/sdde/brownian.ts';
import { defineSdde, type SddeSpec } from '../../src/sdde/problem.ts';
import { solve, type SolveOptions } from '../../src/sdde/solve.ts';

const em = new EulerMaruyama();
const zero = (_t: number, _x: Float64Array, _y: Float64Array, out: Float64Array) => void out.fill(0);

describe('noise shapes', () => {
  const steps = 50;
  const dB2 = brownianPath(3, 0, 2, steps, 0.02);
  const sum = [0, 0];
  for (let k = 0; k < steps; k++) {
    sum[0] += dB2[2 * k];
    sum[1] += dB2[2 * k + 1];
  }
  it('full: X(T) = X(0) + G Σ ΔB', () => {
    const G = [[1, 2], [-0.5, 3], [0, 1]];
    const s = solve(defineSdde({ dim: 3, drift: zero, diffusion: { noise: 'full', noiseDim: 2, g: G }, history: [1, 2, 3], T: 1 }), em, { seed: 0, dt: 0.02, saveAt: { final: true }, noise: new PrescribedIncrements(dB2, 2) });
    const expected = [0, 1, 2].map((i) => [1, 2, 3][i] + G[i][0] * sum[0] + G[i][1] * sum[1]);
    for (let i = 0; i < 3; i++) expect(s.x[i]).toBeCloseTo(expected[i], 12);
  });
  it('diagonal: component i driven by B_i', () => {
    const s = solve(defineSdde({ dim: 2, drift: zero, diffusion: { noise: 'diagonal', g: [2, 3] }, history: 0, T: 1 }), em, { seed: 0, dt: 0.02, saveAt: { final: true }, noise: new PrescribedIncrements(dB2, 2) });
    expect(s.x[0]).toBeCloseTo(2 * sum[0], 12);
    expect(s.x[1]).toBeCloseTo(3 * sum[1], 12);
  });
  it('scalar: one Brownian motion shared by all components', () => {
    const dB1 = brownianPath(3, 0, 1, steps, 0.02);
    const w = dB1.reduce((a, v) => a + v, 0);
    const s = solve(defineSdde({ dim: 2, drift: zero, diffusion: { noise: 'scalar', g: [2, -1] }, history: 0, T: 1 }), em, { seed: 0, dt: 0.02, saveAt: { final: true }, noise: new PrescribedIncrements(dB1, 1) });
    expect(s.x[0]).toBeCloseTo(2 * w, 12);
    expect(s.x[1]).toBeCloseTo(-w, 12);
  });
  it('the default Gaussian stream is N(0, h): Var X(T) = g²T over many paths (z = 3.29: two-sided false alarm 10⁻³)', () => {
    const problem = defineSdde({ dim: 1, drift: zero, diffusion: { noise: 'diagonal', g: 1.5 }, history: 0, T: 2 });
    const N = 4000;
    let s2 = 0;
    for (let p = 0; p < N; p++) s2 += solve(problem, em, { dt: 0.1, saveAt: { final: true }, seed: 1, path: p }).x[0] ** 2;
    const v = s2 / N;
    const expected = 1.5 ** 2 * 2;
    // SE of a mean of squares of N(0, v): v·sqrt(2/N)
    // one comparison: two-sided z = Φ⁻¹(1 − 0.0005) = 3.29, false-alarm rate 10⁻³
    expect(Math.abs(v - expected), `sample variance ${v}`).toBeLessThan(bonferroniZ(1) * expected * Math.sqrt(2 / N));
  });
});

describe('saving', () => {
  const problem = defineSdde({ dim: 1, drift: (_t, x, _y, out) => void (out[0] = -x[0]), diffusion: { noise: 'diagonal', g: 0.4 }, history: 1, T: 1, delay: { kind: 'constant', lag: 3 } });
  it('every n-th step includes t0 and T, and saving does not change the path', () => {
    const all = solve(problem, em, { dt: 0.01, seed: 4 });
    const every7 = solve(problem, em, { dt: 0.01, seed: 4, saveAt: { every: 7 } });
    expect(all.t.length).toBe(101);
    expect(Array.from(every7.t.slice(0, 3))).toEqual([0, 0.07, 0.14]);
    expect(every7.t.at(-1)).toBeCloseTo(1, 12);
    for (let i = 0; i < every7.t.length - 1; i++) expect(every7.x[i]).toBe(all.x[i * 7]);
    expect(every7.x.at(-1)).toBe(all.x[100]);
    const fin = solve(problem, em, { dt: 0.01, seed: 4, saveAt: { final: true } });
    expect(Array.from(fin.x)).toEqual([all.x[100]]);
  });
  it('given times are saved at their own values (between grid points: interpolated, see dense-output.test.ts)', () => {
    const s = solve(problem, em, { dt: 0.01, seed: 4, saveAt: { times: [0, 0.333, 1] } });
    expect(Array.from(s.t)).toEqual([0, 0.333, 1]);
  });
});

describe('reproducibility', () => {
  const problem = defineSdde({ dim: 2, drift: (_t, x, y, out) => { out[0] = -y[0]; out[1] = -x[1]; }, diffusion: { noise: 'full', g: [[0.3, 0.1], [0, 0.2]] }, history: [1, 1], T: 2, delay: { kind: 'random', model: { kind: 'geometric', p: 0.3, maxLag: 30 } } });
  it('same seed ⇒ bit-identical path and delays; other seed or path ⇒ different', () => {
    const a = solve(problem, em, { dt: 0.01, seed: 123, recordDelays: true });
    const b = solve(problem, em, { dt: 0.01, seed: 123, recordDelays: true });
    expect(b.x).toEqual(a.x);
    expect(b.delays).toEqual(a.delays);
    expect(solve(problem, em, { dt: 0.01, seed: 124 }).x).not.toEqual(a.x);
    expect(solve(problem, em, { dt: 0.01, seed: 123, path: 1 }).x).not.toEqual(a.x);
  });
});

describe('divergence', () => {
  it('dx/dt = x² from x(0) = 1 stops with status diverged after t = 1, keeping the saved states', () => {
    const s = solve(defineSdde({ dim: 1, drift: (_t, x, _y, out) => void (out[0] = x[0] * x[0]), diffusion: { noise: 'none' }, history: 1, T: 3 }), em, { seed: 0, dt: 0.001, recordDelays: true });
    expect(s.status).toBe('diverged');
    expect(s.divergence!.time).toBeGreaterThan(1);
    expect(s.divergence!.time).toBeCloseTo(s.divergence!.step * 0.001, 12);
    expect(s.t.length).toBe(s.divergence!.step);
    expect(s.steps).toBe(s.divergence!.step - 1);
    expect(s.x.every(Number.isFinite)).toBe(true);
    expect(s.x.at(-1)!).toBeGreaterThan(1e100);
  });
});

describe('history ring buffer', () => {
  it('holds exactly the last capacity states', () => {
    const r = new StateRing(4, 2);
    for (let k = 0; k < 11; k++) r.push([k, -k]);
    const out = new Float64Array(2);
    for (let k = 7; k <= 10; k++) {
      r.read(k, out);
      expect(Array.from(out)).toEqual([k, -k]);
    }
    expect(r.holds(6)).toBe(false);
    expect(() => r.read(6, out)).toThrow(RangeError);
  });
  it('a long run with lag 1000 keeps memory O(lag·d): saving the final state only', () => {
    // A history that grew per step would hold 10^6 doubles (8 MB) at the end: the typed-array
    // memory retained after the solve must stay far below that. A full garbage collection before
    // both readings makes them the retained memory, independent of when the collector last ran.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().arrayBuffers;
    const s = solve(defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -y[0]), diffusion: { noise: 'diagonal', g: 1 }, history: 0, T: 1000, delay: { kind: 'constant', tau: 1 } }), em, { seed: 0, dt: 1e-3, saveAt: { final: true } });
    expect(s.status).toBe('ok');
    expect(s.steps).toBe(1_000_000);
    expect(s.x.length).toBe(1);
    gc();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2_000_000);
  });
  it('a custom lag source that breaks its declared maxLag is stopped', () => {
    const problem = defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -y[0]), diffusion: { noise: 'none' }, history: 1, T: 1 });
    expect(() => solve(problem, em, { seed: 0, dt: 0.1, lags: { maxLag: 1, next: () => 3 } })).toThrow(/outside \[0, maxLag = 1\]/);
  });
});

describe('bad input is refused before any work, naming the field', () => {
  const good: SddeSpec = { dim: 1, drift: zero, diffusion: { noise: 'diagonal', g: 1 }, history: 0, T: 1 };
  const cases: [string, () => unknown, string][] = [
    ['dt NaN', () => solve(defineSdde(good), em, { seed: 0, dt: NaN }), 'options.dt'],
    ['dt 0', () => solve(defineSdde(good), em, { seed: 0, dt: 0 }), 'options.dt'],
    ['dt negative', () => solve(defineSdde(good), em, { seed: 0, dt: -0.1 }), 'options.dt'],
    ['dt Infinity', () => solve(defineSdde(good), em, { seed: 0, dt: Infinity }), 'options.dt'],
    ['dt not dividing T', () => solve(defineSdde(good), em, { seed: 0, dt: 0.3 }), 'options.dt'],
    ['T NaN', () => defineSdde({ ...good, T: NaN }), 'problem.T'],
    ['T <= t0', () => defineSdde({ ...good, T: 0 }), 'problem.T'],
    ['negative lag', () => defineSdde({ ...good, delay: { kind: 'constant', lag: -1 } }), 'problem.delay.lag'],
    ['non-integer lag', () => defineSdde({ ...good, delay: { kind: 'constant', lag: 1.5 } }), 'problem.delay.lag'],
    ['tau off the grid', () => solve(defineSdde({ ...good, delay: { kind: 'constant', tau: 0.015 } }), em, { seed: 0, dt: 0.01 }), 'problem.delay.tau'],
    ['delay model out of range', () => defineSdde({ ...good, delay: { kind: 'random', model: { kind: 'geometric', p: 1.5, maxLag: 3 } } }), 'problem.delay.model.p'],
    ['theta outside [0, tau]', () => solve(defineSdde({ ...good, delay: { kind: 'time-varying', theta: (t) => 2 * t, tau: 0.5 } }), em, { seed: 0, dt: 0.01 }), 'problem.delay.theta'],
    ['unknown problem field', () => defineSdde({ ...good, dt: 0.1 } as never), 'problem.dt'],
    ['unknown option', () => solve(defineSdde(good), em, { seed: 0, dt: 0.1, saveEvery: 2 } as unknown as SolveOptions), 'options.saveEvery'],
    ['diffusion of wrong length', () => defineSdde({ ...good, dim: 2, history: 0, diffusion: { noise: 'diagonal', g: [1, 2, 3] } }), 'problem.diffusion.g'],
    ['history of wrong length', () => defineSdde({ ...good, history: [1, 2] }), 'problem.history'],
    ['save time outside [t0, T]', () => solve(defineSdde(good), em, { seed: 0, dt: 0.1, saveAt: { times: [2] } }), 'options.saveAt.times[0]'],
    ['negative seed', () => solve(defineSdde(good), em, { dt: 0.1, seed: -1 }), 'options.seed'],
    ['dt far too small to grid', () => solve(defineSdde(good), em, { seed: 0, dt: 1e-10 }), 'options.dt'],
    ['dt that misses T by a fraction of a step at 10^9 steps', () => solve(defineSdde({ ...good, T: 1 }), em, { seed: 0, dt: 1 / (1e9 + 0.5) }), 'options.dt'],
  ];
  for (const [name, fn, field] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
      expect((err as ConfigError).reason.length).toBeGreaterThan(5);
    });
  }
});
