/**
 * Several delays, one delay per coordinate, and delays between grid points (issue 12, items 1–2).
 * Expected values:
 *  - what the drift reads: with x′ = 1 and ξ_i(s) = s the solution is X_i(t) = t exactly (EM is
 *    exact for a constant drift), so the delayed argument must be exactly t − θ_j(t), on the grid
 *    and — the history being linear — between grid points with either interpolation;
 *  - linear DDEs with several delays (d = 1 and d = 10) and per-coordinate delays (d = 3):
 *    SciPy DOP853 by the method of steps (test/fixtures/dde_delays.py, rtol 1e-12), independent
 *    of this solver; EM converges to them with order 1;
 *  - x′ = −x(t − τ), ξ ≡ 1: the method-of-steps polynomial x(t) = Σ_k (−1)^k (t − (k−1)τ)^k / k!
 *    (Bellman & Cooke), with τ not a multiple of dt;
 *  - random per-coordinate lags: each coordinate's frequencies against the truncated geometric pmf (binomial
 *    standard errors), and independence between coordinates (the joint frequency of two lags
 *    against the product of the marginals).
 */
import { describe, expect, it } from 'vitest';
import { expectFrequencies, truncatedGeometric } from '../helpers/frequencies.ts';
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';
import fixture from '../fixtures/dde_delays.json' with { type: 'json' };
import { delayModel } from '../../src/delay/models.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde, type SddeSpec } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { configError } from '../helpers/config-error.ts';
import { logLogSlope } from '../helpers/loglog.ts';

const em = new EulerMaruyama();

/** X(t) = t per coordinate; the drift checks every read of the delayed argument against `expected`. */
function readingProblem(d: number, delay: SddeSpec['delay'], expected: (t: number, out: Float64Array) => void, lagDim: number, T = 2) {
  const want = new Float64Array(lagDim);
  let worst = 0;
  let reads = 0;
  const problem = defineSdde({
    dim: d,
    drift: (t, _x, y, out) => {
      expected(t, want);
      for (let j = 0; j < lagDim; j++) worst = Math.max(worst, Math.abs(y[j] - want[j]));
      reads++;
      out.fill(1);
    },
    diffusion: { noise: 'none' },
    history: (s, out) => out.fill(s),
    T,
    delay,
  });
  // defineSdde calls the drift once with y = ξ(t0) to refuse a drift that returns instead of
  // writing `out`; only what solve reads is measured
  worst = 0;
  reads = 0;
  return { problem, result: () => ({ worst, reads }) };
}

describe('what the drift reads', () => {
  it('several delays: xLag = [X(t − θ₁); X(t − θ₂); X(t − θ₃)], constant and time-varying, on the grid', () => {
    const theta2 = (t: number) => 0.2 + 0.1 * Math.round(10 * Math.abs(Math.sin(t))) / 10;
    const { problem, result } = readingProblem(
      2,
      { kind: 'several', delays: [{ kind: 'constant', tau: 0.5 }, { kind: 'time-varying', theta: theta2, tau: 0.3 }, { kind: 'none' }] },
      (t, out) => {
        const th = [0.5, Math.round(theta2(t) / 0.01) * 0.01, 0];
        for (let q = 0; q < 3; q++) for (let i = 0; i < 2; i++) out[q * 2 + i] = t - th[q];
      },
      6,
    );
    expect(problem.lagDim).toBe(6);
    solve(problem, em, { seed: 0, dt: 0.01 });
    const { worst, reads } = result();
    expect(reads).toBe(200);
    expect(worst).toBeLessThan(1e-12);
  });

  it('per coordinate: xLag_j = X_j(t − θ_j)', () => {
    const taus = [0, 0.13, 0.4, 1];
    const { problem, result } = readingProblem(4, { kind: 'per-coordinate', delays: taus.map((tau) => ({ kind: 'constant', tau })) }, (t, out) => taus.forEach((tau, j) => (out[j] = t - tau)), 4);
    solve(problem, em, { seed: 0, dt: 0.01 });
    expect(result().worst).toBeLessThan(1e-12);
  });

  for (const interpolation of ['linear', 'hermite'] as const) {
    it(`between grid points (${interpolation}): τ = 0.337 and θ(t) = 0.3 + 0.2 sin(3t) at dt = 0.01`, () => {
      const theta = (t: number) => 0.3 + 0.2 * Math.sin(3 * t);
      const { problem, result } = readingProblem(
        3,
        { kind: 'several', delays: [{ kind: 'constant', tau: 0.337 }, { kind: 'time-varying', theta, tau: 0.5 }] },
        (t, out) => {
          for (let i = 0; i < 3; i++) {
            out[i] = t - 0.337;
            out[3 + i] = t - theta(t);
          }
        },
        6,
      );
      const sol = solve(problem, em, { seed: 0, dt: 0.01, interpolation, recordDelays: true });
      expect(result().worst).toBeLessThan(1e-11);
      // the recorded lags are θ/h, not rounded
      expect(sol.delayTable!.channels).toBe(2);
      expect(sol.delayTable!.lags[2 * 150]).toBeCloseTo(33.7, 9);
      expect(sol.delayTable!.lags[2 * 150 + 1]).toBeCloseTo(theta(1.5) / 0.01, 7);
    });
  }

  it("'grid' still refuses τ off the grid and names the delay; 'linear' accepts it", () => {
    const p = defineSdde({ dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'none' }, history: 1, T: 1, delay: { kind: 'several', delays: [{ kind: 'constant', tau: 0.2 }, { kind: 'constant', tau: 0.337 }] } });
    const e = configError(() => solve(p, em, { seed: 0, dt: 0.01 }), 'off-grid τ');
    expect(e.field).toBe('problem.delay.delays[1].tau');
    expect(e.reason).toMatch(/interpolation/);
    expect(solve(p, em, { seed: 0, dt: 0.01, interpolation: 'linear' }).status).toBe('ok');
  });

  it('bad delay specs are refused naming the field', () => {
    const base = { dim: 2, drift: () => {}, diffusion: { noise: 'none' as const }, history: 0, T: 1 };
    expect(configError(() => defineSdde({ ...base, delay: { kind: 'several', delays: [] } }), 'empty').field).toBe('problem.delay.delays');
    expect(configError(() => defineSdde({ ...base, delay: { kind: 'per-coordinate', delays: [{ kind: 'none' }] } }), 'wrong count').field).toBe('problem.delay.delays');
    expect(configError(() => defineSdde({ ...base, delay: { kind: 'per-coordinate', delays: [{ kind: 'none' }, { kind: 'constant', tau: -1 }] } }), 'negative').field).toBe('problem.delay.delays[1].tau');
    expect(configError(() => defineSdde({ ...base, delay: { kind: 'per-coordinate', model: { kind: 'uniform', max: 3 }, delays: [] } as never }), 'both').field).toBe('problem.delay');
    expect(configError(() => solve(defineSdde({ ...base, delay: { kind: 'several', delays: [{ kind: 'none' }, { kind: 'none' }] } }), em, { seed: 0, dt: 0.1, interpolation: 'cubic' as never }), 'interp').field).toBe('options.interpolation');
    // a linear drift on two delays takes a d × 2d matrix
    expect(configError(() => defineSdde({ ...base, drift: { linear: { y: [[1, 0], [0, 1]] } }, delay: { kind: 'several', delays: [{ kind: 'none' }, { kind: 'none' }] } }), 'B shape').field).toBe('problem.drift.linear.y[0]');
  });
});

describe('against the method of steps (SciPy DOP853, test/fixtures/dde_delays.py)', () => {
  function maxError(problem: ReturnType<typeof defineSdde>, dt: number, times: number[], values: number[][], interpolation?: 'linear' | 'hermite') {
    const sol = solve(problem, em, { seed: 0, dt, saveAt: { times }, ...(interpolation ? { interpolation } : {}) });
    let worst = 0;
    times.forEach((_, i) => values[i].forEach((v, j) => (worst = Math.max(worst, Math.abs(sol.x[i * problem.dim + j] - v)))));
    return worst;
  }

  it('two delays, d = 1: EM has order 1 (on the grid and with τ₂ = 1.25 between grid points)', () => {
    const c = fixture['several-1d'];
    const problem = defineSdde({ dim: 1, drift: { linear: { x: [[0.2]], y: [[-1, -0.7]] } }, diffusion: { noise: 'none' }, history: 1, T: 4, delay: { kind: 'several', delays: c.taus.map((tau) => ({ kind: 'constant' as const, tau })) } });
    const onGrid = [0.01, 0.005, 0.0025, 0.00125];
    const e1 = onGrid.map((dt) => maxError(problem, dt, c.times, c.values));
    expect(Math.abs(logLogSlope(onGrid, e1).slope - 1), `errors ${e1}`).toBeLessThan(0.05);
    expect(e1[3]).toBeLessThan(2 * onGrid[3]); // measured constant ≈ 1.4
    // 1.25/dt is not whole for dt = 0.03 · 2^−k (41.7, 83.3, …): interpolated reads keep order 1
    const off = [0.03, 0.015, 0.0075, 0.00375].map((h) => 4 / Math.round(4 / h));
    for (const ip of ['linear', 'hermite'] as const) {
      const e2 = off.map((dt) => maxError(problem, dt, c.times, c.values, ip));
      expect(Math.abs(logLogSlope(off, e2).slope - 1), `${ip} errors ${e2}`).toBeLessThan(0.1);
      expect(e2[3], ip).toBeLessThan(2 * off[3]);
    }
  });

  it('three delays, d = 10 (research scale, read between grid points): EM at dt = 1/2048 within 2·dt, order 1', () => {
    const c = fixture['several-10d'];
    const problem = defineSdde({
      dim: 10,
      drift: { linear: { x: c.A, y: c.B } },
      diffusion: { noise: 'none' },
      history: (s, out) => {
        for (let i = 0; i < 10; i++) out[i] = Math.cos(s + i);
      },
      T: 3,
      delay: { kind: 'several', delays: c.taus.map((tau) => ({ kind: 'constant' as const, tau })) },
    });
    const dts = [1 / 512, 1 / 1024, 1 / 2048]; // τ/dt = 153.6, 384, 563.2 at 1/512: two of three off the grid
    const errs = dts.map((dt) => maxError(problem, dt, c.times, c.values, 'linear'));
    expect(Math.abs(logLogSlope(dts, errs).slope - 1), `errors ${errs}`).toBeLessThan(0.1);
    expect(errs[2]).toBeLessThan(2 * dts[2]);
  });

  it('one delay per coordinate, d = 3: EM order 1 on the grid', () => {
    const c = fixture['percoord-3d'];
    const problem = defineSdde({
      dim: 3,
      drift: { linear: { x: c.A, y: c.B } },
      diffusion: { noise: 'none' },
      history: (s, out) => {
        for (let i = 0; i < 3; i++) out[i] = 1 + i * s;
      },
      T: 3,
      delay: { kind: 'per-coordinate', delays: c.taus.map((tau) => ({ kind: 'constant' as const, tau })) },
    });
    const dts = [0.01, 0.005, 0.0025, 0.00125];
    const errs = dts.map((dt) => maxError(problem, dt, c.times, c.values));
    expect(Math.abs(logLogSlope(dts, errs).slope - 1), `errors ${errs}`).toBeLessThan(0.05);
    expect(errs[3]).toBeLessThan(dts[3]);
  });

  it('x′ = −x(t − τ), τ = 0.7 off the grid: linear and Hermite reads converge to the method-of-steps polynomial with order 1', () => {
    const tau = 0.7;
    const exact = (t: number) => {
      let v = 0;
      let fact = 1;
      for (let k = 0; k <= Math.ceil(t / tau); k++) {
        if (k > 0) fact *= k;
        v += ((-1) ** k * (t - (k - 1) * tau) ** k) / fact;
      }
      return v;
    };
    const problem = defineSdde({ dim: 1, drift: (_t, _x, y, o) => void (o[0] = -y[0]), diffusion: { noise: 'none' }, history: 1, T: 3, delay: { kind: 'constant', tau } });
    const dts = [3 / 64, 3 / 128, 3 / 256, 3 / 512]; // τ/dt = 14.93…, 29.87…, …
    for (const ip of ['linear', 'hermite'] as const) {
      const errs = dts.map((dt) => {
        const s = solve(problem, em, { seed: 0, dt, interpolation: ip });
        let w = 0;
        for (let i = 0; i < s.t.length; i++) w = Math.max(w, Math.abs(s.x[i] - exact(s.t[i])));
        return w;
      });
      expect(Math.abs(logLogSlope(dts, errs).slope - 1), `${ip}: ${errs}`).toBeLessThan(0.1);
    }
  });
});

describe('random lags per coordinate (Hogwild inconsistent read)', () => {
  it("each coordinate draws its own lag from the model; coordinates are independent; 'clip' applies per coordinate", () => {
    const model = delayModel({ kind: 'geometric', p: 0.4, maxLag: 8 });
    const d = 12;
    const problem = defineSdde({ dim: d, drift: (_t, _x, y, o) => { for (let i = 0; i < d; i++) o[i] = -y[i]; }, diffusion: { noise: 'diagonal', g: 0.1 }, history: 0, T: 20, delay: { kind: 'per-coordinate', model }, beforeHistory: 'clip' });
    const sol = solve(problem, em, { dt: 0.002, seed: 4, recordDelays: true, saveAt: { final: true } });
    const again = solve(problem, em, { dt: 0.002, seed: 4, recordDelays: true, saveAt: { final: true } });
    expect(again.x).toEqual(sol.x); // same seed ⇒ same bits
    expect(again.delayTable!.lags).toEqual(sol.delayTable!.lags);
    const { channels, lags } = sol.delayTable!;
    expect(channels).toBe(d);
    const N = lags.length / d;
    // clip: the lag at step k is at most k
    for (let k = 0; k < 8; k++) for (let j = 0; j < d; j++) expect(lags[k * d + j]).toBeLessThanOrEqual(k);
    // expected: the truncated geometric 0.4·0.6^l/(1 − 0.6^9) (test/helpers/frequencies.ts), not
    // model.pmf; binomial SE, Bonferroni over each coordinate's lags (family-wise 10⁻³ per
    // coordinate, 3·10⁻³ over the three, plus 10⁻³ for the independence check below)
    const pmf = truncatedGeometric(0.4, 8);
    for (const j of [0, 5, 11]) {
      const counts = new Array(9).fill(0);
      for (let k = 8; k < N; k++) counts[lags[k * d + j]]++;
      expectFrequencies(counts, N - 8, pmf, `coordinate ${j}`, 1e-3, 0);
    }
    // P[l_0 = 0, l_1 = 0] = P[l_0 = 0]·P[l_1 = 0]
    let both = 0;
    for (let k = 8; k < N; k++) if (lags[k * d] === 0 && lags[k * d + 1] === 0) both++;
    const p00 = pmf[0] ** 2;
    expect(Math.abs(both / (N - 8) - p00) / Math.sqrt((p00 * (1 - p00)) / (N - 8))).toBeLessThan(normalQuantile(1 - 1e-3 / 2));
  });

  it('one delay channel of a per-coordinate spec reproduces the single-delay solve when every coordinate has the same constant lag', () => {
    const mk = (delay: SddeSpec['delay']) => defineSdde({ dim: 3, drift: (_t, x, y, o) => { for (let i = 0; i < 3; i++) o[i] = -y[i] + 0.1 * x[(i + 1) % 3]; }, diffusion: { noise: 'diagonal', g: 0.2 }, history: [1, 2, 3], T: 2, delay });
    const a = solve(mk({ kind: 'constant', tau: 0.25 }), em, { dt: 0.01, seed: 3 });
    const b = solve(mk({ kind: 'per-coordinate', delays: [0, 1, 2].map(() => ({ kind: 'constant' as const, tau: 0.25 })) }), em, { dt: 0.01, seed: 3 });
    const c = solve(mk({ kind: 'several', delays: [{ kind: 'constant', tau: 0.25 }] }), em, { dt: 0.01, seed: 3 });
    expect(b.x).toEqual(a.x);
    expect(c.x).toEqual(a.x);
  });
});
