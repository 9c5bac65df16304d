/**
 * Orders of convergence of Euler–Maruyama, fitted from a dt ladder on one Brownian path per
 * sample, summed onto the coarser grids (`coarsenIncrements`). Expected values are closed forms:
 *  - GBM dX = μX dt + σX dB: X(T) = x0 exp((μ − σ²/2)T + σW(T))       → strong order 1/2;
 *  - OU dX = −X dt + b dB: X(T) = e^{−T}x0 + b(W(T) − ∫₀ᵀ e^{−(T−s)} W(s) ds) (integration by
 *    parts; the Riemann integral by the trapezoid rule on the finest grid, error O(h^{3/2}))
 *                                                                          → strong order 1 (additive noise);
 *  - GBM mean: E X(T) = x0 e^{μT}, and EM's mean is exactly x0 (1 + μh)^{T/h} → weak order 1.
 * Tolerances: 0.1 for pre-asymptotic curvature of the ladder plus 3× the slope's Monte Carlo
 * standard-error bound (see test/helpers/loglog.ts); the bound itself must be small (< 0.05) so
 * the test has power.
 */
import { describe, expect, it } from 'vitest';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { brownianPath, coarsenIncrements, PrescribedIncrements } from '../../src/sdde/brownian.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { logLogSlope, meanAndSe } from '../helpers/loglog.ts';
import { slopeCheck } from '../helpers/order-tolerance.ts';

// |fitted − order| < z·(SE bound) + the slope drift measured on the ladder
// (test/helpers/order-tolerance.ts); z with Bonferroni over the 3 fitted orders of this file:
// family-wise false-alarm rate ≤ 1% (z = 2.94).
const FITS = 3;
const slopeNear = (h: number[], err: number[], slope: number, seBound: number, p: number, what: string) => {
  const c = slopeCheck(h, err, slope, seBound, p, FITS);
  expect(c.distance, `${what}: ${c.text}; errors ${err}`).toBeLessThan(c.tol);
};

const em = new EulerMaruyama();

describe('Euler–Maruyama declares its orders', () => {
  it('strong 1/2, weak 1', () => {
    expect(em.strongOrder).toBe(0.5);
    expect(em.weakOrder).toBe(1);
  });
});

function ladder(opts: {
  problem: ReturnType<typeof defineSdde>;
  paths: number;
  fineLog2: number;
  levelsLog2: number[];
  exact: (fine: Float64Array, hFine: number) => number;
  seed: number;
}) {
  const T = opts.problem.T;
  const nFine = 2 ** opts.fineLog2;
  const hFine = T / nFine;
  const errs = opts.levelsLog2.map(() => new Float64Array(opts.paths));
  for (let p = 0; p < opts.paths; p++) {
    const fine = brownianPath(opts.seed, p, 1, nFine, hFine);
    const exact = opts.exact(fine, hFine);
    opts.levelsLog2.forEach((l, i) => {
      const n = 2 ** l;
      const inc = coarsenIncrements(fine, 1, nFine / n);
      const sol = solve(opts.problem, em, { seed: 0, dt: T / n, saveAt: { final: true }, noise: new PrescribedIncrements(inc, 1) });
      errs[i][p] = Math.abs(sol.x[0] - exact);
    });
  }
  const h = opts.levelsLog2.map((l) => T / 2 ** l);
  const stats = errs.map(meanAndSe);
  return { h, err: stats.map((s) => s.mean), se: stats.map((s) => s.se) };
}

describe('strong order', () => {
  it('≈ 1/2 for geometric Brownian motion (multiplicative noise)', () => {
    const mu = 1;
    const sigma = 0.8;
    const x0 = 1;
    const problem = defineSdde({
      dim: 1,
      drift: (_t, x, _y, out) => void (out[0] = mu * x[0]),
      diffusion: { noise: 'diagonal', g: (_t, x, _y, out) => void (out[0] = sigma * x[0]) },
      history: x0,
      T: 1,
    });
    const exact = (fine: Float64Array) => {
      let w = 0;
      for (const v of fine) w += v;
      return x0 * Math.exp((mu - 0.5 * sigma ** 2) * 1 + sigma * w);
    };
    const { h, err, se } = ladder({ problem, paths: 800, fineLog2: 12, levelsLog2: [5, 6, 7, 8, 9, 10], exact, seed: 11 });
    const { slope, seBound } = logLogSlope(h, err, se);
    if (process.env.SHOW_FITS) console.log(`fit: slope ${slope}, SE bound ${seBound}`);
    expect(seBound, `errors ${err}`).toBeLessThan(0.05);
    slopeNear(h, err, slope, seBound, 0.5, 'strong order');
  });

  it('≈ 1 for additive noise (Ornstein–Uhlenbeck)', () => {
    const b = 0.5;
    const x0 = 1;
    const T = 1;
    const problem = defineSdde({ dim: 1, drift: (_t, x, _y, out) => void (out[0] = -x[0]), diffusion: { noise: 'diagonal', g: b }, history: x0, T });
    const exact = (fine: Float64Array, hf: number) => {
      // X(T) = e^{−T} x0 + b (W(T) − ∫ e^{−(T−s)} W(s) ds), trapezoid rule on the fine grid.
      let w = 0;
      let integral = 0;
      let prev = Math.exp(-T) * 0;
      for (let k = 0; k < fine.length; k++) {
        w += fine[k];
        const cur = Math.exp(-(T - (k + 1) * hf)) * w;
        integral += 0.5 * hf * (prev + cur);
        prev = cur;
      }
      return Math.exp(-T) * x0 + b * (w - integral);
    };
    const { h, err, se } = ladder({ problem, paths: 400, fineLog2: 14, levelsLog2: [4, 5, 6, 7, 8], exact, seed: 12 });
    const { slope, seBound } = logLogSlope(h, err, se);
    if (process.env.SHOW_FITS) console.log(`fit: slope ${slope}, SE bound ${seBound}`);
    expect(seBound, `errors ${err}`).toBeLessThan(0.05);
    slopeNear(h, err, slope, seBound, 1, 'strong order');
  });
});

describe('weak order', () => {
  it('≈ 1 for the mean of geometric Brownian motion, and each level matches EM’s exact mean', () => {
    const mu = 1.5;
    const sigma = 0.3;
    const x0 = 1;
    const T = 1;
    const problem = defineSdde({
      dim: 1,
      drift: (_t, x, _y, out) => void (out[0] = mu * x[0]),
      diffusion: { noise: 'diagonal', g: (_t, x, _y, out) => void (out[0] = sigma * x[0]) },
      history: x0,
      T,
    });
    const levels = [3, 4, 5, 6];
    const paths = 80_000;
    const finals = levels.map(() => new Float64Array(paths));
    for (let p = 0; p < paths; p++) {
      const fine = brownianPath(21, p, 1, 2 ** 6, T / 2 ** 6);
      levels.forEach((l, i) => {
        const inc = coarsenIncrements(fine, 1, 2 ** (6 - l));
        finals[i][p] = solve(problem, em, { seed: 0, dt: T / 2 ** l, saveAt: { final: true }, noise: new PrescribedIncrements(inc, 1) }).x[0];
      });
    }
    const exactMean = x0 * Math.exp(mu * T);
    const h: number[] = [];
    const err: number[] = [];
    const se: number[] = [];
    levels.forEach((l, i) => {
      const n = 2 ** l;
      const { mean, se: s } = meanAndSe(finals[i]);
      // E of the EM iterate is exactly x0 (1 + μh)^n, since E[1 + μh + σΔB] = 1 + μh.
      const emMean = x0 * (1 + (mu * T) / n) ** n;
      expect(Math.abs(mean - emMean), `h = 1/${n}: MC mean ${mean} ± ${s}, EM mean ${emMean}`).toBeLessThan(4 * s);
      h.push(T / n);
      err.push(Math.abs(mean - exactMean));
      se.push(s);
    });
    const { slope, seBound } = logLogSlope(h, err, se);
    if (process.env.SHOW_FITS) console.log(`fit: slope ${slope}, SE bound ${seBound}`);
    expect(seBound, `weak errors ${err}`).toBeLessThan(0.05);
    slopeNear(h, err, slope, seBound, 1, 'weak order');
  });
});
