/**
 * Public helpers that no other test named (test/api/export-coverage.test.ts lists them), each
 * against an independent value: a hand computation written here, a closed form, or a recursion
 * replayed in the test.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AJI_TABLE2,
  BEFORE_HISTORY_POLICIES,
  ConstantLag,
  FractionalLag,
  MAX_DELAYS,
  PrescribedLag,
  RandomLag,
  TimeVaryingLag,
  Z95,
  defineSdde,
  delayModel,
  effectiveLag,
  evalHistory,
  fdlibmExp,
  fdlibmLog,
  firstPushComplete,
  fundamentalConstant,
  gridSteps,
  hittingIteration,
  lawText,
  leastSquaresObjective,
  meanGradient,
  sameWorkerRate,
  stateAt,
  writeCsv,
} from '../../src/index.ts';
import { deriveEngine } from '../../src/random/streams.ts';
import { configError } from '../helpers/config-error.ts';

describe('hittingIteration', () => {
  it('interpolates log-linearly between saved points; the first point if already below; NaN if never', () => {
    // y drops from 0.1 at k = 10 to 0.01 at k = 20; log y is linear in k there, so ε = 0.05 is hit
    // at 10 + 10·(ln 0.1 − ln 0.05)/(ln 0.1 − ln 0.01) = 10 + 10·log10(2)
    expect(hittingIteration([0, 10, 20], [1, 0.1, 0.01], 0.05)).toBeCloseTo(10 + 10 * Math.log10(2), 13);
    expect(hittingIteration([5, 10], [0.01, 0.001], 0.05)).toBe(5);
    expect(hittingIteration([0, 10], [1, 0.5], 0.05)).toBeNaN();
  });
});

describe('fundamentalConstant', () => {
  it('x′ = −a x(t − τ) with aτ < 1/e: the fundamental solution is positive and non-increasing, so c at λ = 0 is x(0) = 1; for λ > 0, c ≥ e^{λτ} (x ≡ 1 on [0, τ])', () => {
    const a = 0.5;
    const tau = 0.5;
    const V = -0.71481; // W0(−aτ)/τ, W0(−0.25) = −0.357403 (Lambert W, tabulated)
    expect(fundamentalConstant(a, tau, 0, V)).toBeCloseTo(1, 12);
    // x(t) = Σ_k (−a)^k (t − kτ)^k/k! on t ≥ kτ (method of steps, Bellman & Cooke); c = max x(t)e^{λt}
    const lambda = 0.3;
    const x = (t: number) => {
      let s = 0;
      let f = 1;
      for (let k = 0; k * tau <= t; k++) {
        if (k > 0) f *= k;
        s += ((-a) ** k * (t - k * tau) ** k) / f;
      }
      return s;
    };
    let exact = 0;
    for (let t = 0; t <= 40; t += 1e-3) exact = Math.max(exact, Math.abs(x(t)) * Math.exp(lambda * t));
    expect(exact).toBeGreaterThanOrEqual(Math.exp(lambda * tau) - 1e-12);
    // the library solves with Euler at h = 10⁻³: its global error on this linear DDE is O(a h) per
    // unit time (|x′| ≤ a, |x″| ≤ a²), and the maximum sits at t ≈ 1.6 (≤ 2 time units): ≤ 2·a²·h·e^{λ·2} ≈ 10⁻³
    expect(Math.abs(fundamentalConstant(a, tau, lambda, V) - exact)).toBeLessThan(2 * a * a * 1e-3 * Math.exp(2 * lambda) + 1e-3);
  });
});

describe('solution and history helpers', () => {
  it('stateAt is the i-th row of x as a view', () => {
    const sol = { x: Float64Array.of(1, 2, 3, 4, 5, 6), dim: 2 };
    const s = stateAt(sol, 1);
    expect(Array.from(s)).toEqual([3, 4]);
    s[0] = 30;
    expect(sol.x[2]).toBe(30);
  });
  it('evalHistory: sampled histories interpolate linearly and hold their end values; constant and function histories', () => {
    const out = new Float64Array(2);
    const sampled = defineSdde({ dim: 2, drift: (_t, _x, _y, o) => void o.fill(0), diffusion: { noise: 'none' }, history: { times: [-1, -0.5, 0], values: [[0, 10], [1, 20], [3, 40]] }, T: 1, delay: { kind: 'constant', tau: 1 } });
    evalHistory(sampled.history, -0.75, out);
    expect(Array.from(out)).toEqual([0.5, 15]);
    evalHistory(sampled.history, -0.25, out);
    expect(Array.from(out)).toEqual([2, 30]);
    evalHistory(sampled.history, -5, out);
    expect(Array.from(out)).toEqual([0, 10]);
    evalHistory(sampled.history, 2, out);
    expect(Array.from(out)).toEqual([3, 40]);
    const fn = defineSdde({ dim: 2, drift: (_t, _x, _y, o) => void o.fill(0), diffusion: { noise: 'none' }, history: (s, o) => void o.set([s, 2 * s]), T: 1 });
    evalHistory(fn.history, -0.3, out);
    expect(Array.from(out)).toEqual([-0.3, -0.6]);
    const constant = defineSdde({ dim: 2, drift: (_t, _x, _y, o) => void o.fill(0), diffusion: { noise: 'none' }, history: [7, 8], T: 1 });
    evalHistory(constant.history, -0.3, out);
    expect(Array.from(out)).toEqual([7, 8]);
  });
  it('gridSteps: (T − t0)/h when whole, else a ConfigError naming the field', () => {
    expect(gridSteps(0, 1, 0.1)).toBe(10);
    expect(gridSteps(-1, 2, 0.25)).toBe(12);
    expect(configError(() => gridSteps(0, 1, 0.3), '1/0.3').field).toBe('options.dt');
    expect(configError(() => gridSteps(0, 1, 0.3, 'my.dt'), 'named').field).toBe('my.dt');
  });
  it(`MAX_DELAYS: ${MAX_DELAYS} delays are accepted, one more is refused`, () => {
    const mk = (n: number) => defineSdde({ dim: 1, drift: (_t, _x, _y, o) => void (o[0] = 0), diffusion: { noise: 'none' }, history: 0, T: 1, delay: { kind: 'several', delays: Array.from({ length: n }, () => ({ kind: 'constant' as const, tau: 0.5 })) } });
    expect(() => mk(64)).not.toThrow();
    expect(configError(() => mk(65), '65').field).toBe('problem.delay.delays');
  });
});

describe('meanGradient', () => {
  it('is (1/n) Σ a_i(a_iᵀx − b_i) for least squares, written out here', () => {
    const A = [[1, 2], [3, -1], [0.5, 4]];
    const B = [1, -2, 3];
    const obj = leastSquaresObjective({ A, B });
    const x = Float64Array.of(0.3, -0.7);
    const out = new Float64Array(2);
    meanGradient(obj, x, out, new Float64Array(2));
    const expected = [0, 1].map((j) => A.reduce((s, a, i) => s + a[j] * (a[0] * x[0] + a[1] * x[1] - B[i]), 0) / 3);
    expect(out[0]).toBeCloseTo(expected[0], 14);
    expect(out[1]).toBeCloseTo(expected[1], 14);
  });
});

describe('lag sources and the before-history policy', () => {
  it('effectiveLag: clip → min(l, k); warmup → 0 while k < maxLag; history → l', () => {
    expect([...BEFORE_HISTORY_POLICIES]).toEqual(['clip', 'warmup', 'history']);
    expect(effectiveLag(5, 3, 8, 'clip')).toBe(3);
    expect(effectiveLag(2, 3, 8, 'clip')).toBe(2);
    expect(effectiveLag(5, 3, 8, 'warmup')).toBe(0);
    expect(effectiveLag(5, 8, 8, 'warmup')).toBe(5);
    expect(effectiveLag(5, 3, 8, 'history')).toBe(5);
  });
  it('ConstantLag, PrescribedLag (repeat, scale), TimeVaryingLag (rounded), FractionalLag (snapped, not rounded)', () => {
    const c = new ConstantLag(4);
    expect([c.maxLag, c.next(), c.next()]).toEqual([4, 4, 4]);
    // coarse lags [1, 3, 0] replayed on a grid 2× finer: each entry for 2 steps, lags doubled
    const p = new PrescribedLag(Int32Array.of(1, 3, 0), 2, 2);
    expect(p.maxLag).toBe(6);
    expect([0, 1, 2, 3, 4, 5].map((k) => p.next(k))).toEqual([2, 2, 6, 6, 0, 0]);
    expect(() => p.next(6)).toThrow(RangeError);
    // θ(t) = 0.3 + 0.1t on h = 0.1 from t0 = 1: θ(1 + 0.1k)/h = 4 + 0.1k, rounded
    const tv = new TimeVaryingLag((t) => 0.3 + 0.1 * t, 10, 1, 0.1);
    expect([0, 4, 5, 6].map((k) => tv.next(k))).toEqual([4, 4, 5, 5]);
    const f = new FractionalLag(0.25, 0.25, 0, 0.1);
    expect(f.maxLag).toBe(3);
    expect(f.next(0)).toBeCloseTo(2.5, 14);
    const onGrid = new FractionalLag(0.3, 0.3, 0, 0.1); // 0.3/0.1 = 2.9999999999999996 in doubles: snapped to 3
    expect(onGrid.next(7)).toBe(3);
  });
  it('RandomLag draws the model’s samples on its own engine, in order', () => {
    const model = delayModel({ kind: 'uniform', max: 5 });
    const r = new RandomLag(model, deriveEngine(3, 'delay', 0));
    const direct = deriveEngine(3, 'delay', 0);
    expect(r.maxLag).toBe(5);
    for (let k = 0; k < 50; k++) expect(r.next()).toBe(model.sample(direct));
  });
});

describe('staleness helpers', () => {
  it('firstPushComplete: just past the first gradient of the last worker to push; −1 if one never pushed', () => {
    expect(firstPushComplete([0, 1, 0, 2, 1], 3)).toBe(4);
    expect(firstPushComplete([0, 1, 0, 2, 1], 4)).toBe(-1);
  });
  it('sameWorkerRate: share of consecutive pairs from the same worker', () => {
    expect(sameWorkerRate([0, 0, 1, 1, 1, 2])).toBeCloseTo(3 / 5, 15);
    expect(sameWorkerRate([1])).toBeNaN();
  });
  it('lawText names each compute-time law with its parameters', () => {
    // parameters to 3 significant digits
    expect(lawText({ kind: 'exponential', mean: 2 })).toBe('exponential(mean 2.00)');
    expect(lawText({ kind: 'normal', mean: 1, sd: 0.3 })).toBe('normal(mean 1.00, sd 0.300)');
    expect(lawText({ kind: 'slow-workers', mean: 1, slowFraction: 0.25, slowdown: 4 })).toBe('slow-workers(mean 1.00, 0.250 × 4.00)');
  });
});

describe('constants and numeric kernels', () => {
  it('Z95 = Φ⁻¹(0.975) (scipy.stats.norm.ppf(0.975) = 1.959963984540054)', () => {
    expect(Z95).toBe(1.959963984540054);
  });
  it('fdlibmExp and fdlibmLog: exact at the points where the results are exact, and inverse to 1 ulp', () => {
    expect(fdlibmExp(0)).toBe(1);
    expect(fdlibmLog(1)).toBe(0);
    expect(fdlibmExp(1)).toBe(2.718281828459045); // e rounded to double
    expect(fdlibmLog(2)).toBe(0.6931471805599453); // ln 2 rounded to double
    // exp within 1 ulp (relative ε) becomes an absolute error ≤ ε after log, plus log's own 1 ulp
    for (const x of [0.1, 1.5, 10, 300]) expect(Math.abs(fdlibmLog(fdlibmExp(x)) - x)).toBeLessThanOrEqual(Number.EPSILON * (1 + x));
  });
  it('AJI_TABLE2 is Adam (β1 = 0.9, β2 = 0.98, α = 0.001, ε → 0) on the three gradient sequences, to the printed three decimals', () => {
    for (const [name, row] of Object.entries(AJI_TABLE2)) {
      let m = 0;
      let v = 0;
      let theta = 0;
      for (let t = 1; t <= 6; t++) {
        const g = row.g[t - 1];
        m = 0.9 * m + 0.1 * g;
        v = 0.98 * v + 0.02 * g * g;
        const mh = m / (1 - 0.9 ** t);
        const vh = v / (1 - 0.98 ** t);
        theta -= (0.001 * mh) / Math.sqrt(vh);
        // printed to 3 decimals: within half a unit in the third decimal (plus rounding of the print)
        expect(Math.abs(m - row.m[t]), `${name} m_${t}`).toBeLessThanOrEqual(0.0005 + 1e-12);
        expect(Math.abs(v - row.v[t]), `${name} v_${t}`).toBeLessThanOrEqual(0.0005 + 1e-12);
        expect(Math.abs(theta - row.theta[t]), `${name} θ_${t}`).toBeLessThanOrEqual(0.0005 + 1e-12);
      }
    }
  });
});

describe('writeCsv', () => {
  it('writes the header and rows in shortest round-trip form; non-finite values as empty cells', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'asgd-sdde-csv-')), 't.csv');
    writeCsv(file, { columns: ['k', 'x'], data: [Float64Array.of(0, 1, 2), Float64Array.of(0.1, Infinity, -2.5e-300)] });
    expect(readFileSync(file, 'utf8')).toBe('k,x\n0,0.1\n1,\n2,-2.5e-300\n');
  });
});
