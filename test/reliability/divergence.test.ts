/**
 * Divergence where theory says so, detected and located. Expected values: the rightmost
 * characteristic root V of x′ = −a x(t−τ) (Lambert W, checked against SciPy elsewhere) predicts
 * growth ~ e^{Vt}, so the state overflows (≈ e^{709.8}) near t ≈ 709.8/V; ASGD on the toy with
 * η L (l+1) ≫ 1 oscillates with growing amplitude.
 */
import { describe, expect, it } from 'vitest';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { runAsgd } from '../../src/asgd/runner.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';
import { spectralAbscissa } from '../../src/theory/lambert-w.ts';

describe('divergence is detected and located', () => {
  it('aτ = 2 > π/2: the delay equation diverges near t = log(max double)/V', () => {
    const a = 2;
    const tau = 1;
    const { V } = spectralAbscissa([a], tau);
    expect(V).toBeGreaterThan(0);
    const problem = defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -a * y[0]), diffusion: { noise: 'none' }, history: 1, T: 20_000, delay: { kind: 'constant', tau } });
    const s = solve(problem, new EulerMaruyama(), { seed: 0, dt: 0.01, saveAt: { every: 1000 } });
    expect(s.status).toBe('diverged');
    // exact: Euler's recursion x_{n+1} = x_n + h·(−a x_{n−m}), m = τ/h, x ≡ 1 before 0, replayed
    // here; the solve must stop at the first step whose value is not finite
    const h = 0.01;
    const m = Math.round(tau / h);
    const xs = new Float64Array(2_000_001);
    xs[0] = 1;
    let overflow = -1;
    for (let n = 0; n < 2_000_000; n++) {
      const y = n - m >= 0 ? xs[n - m] : 1;
      xs[n + 1] = xs[n] + h * (-a * y);
      if (!Number.isFinite(xs[n + 1])) {
        overflow = n + 1;
        break;
      }
    }
    expect(overflow).toBeGreaterThan(0);
    expect(s.divergence!.step).toBe(overflow);
    // and the theory's time: growth e^{Vt} reaches the largest double near t = ln(MAX)/V. Allowance:
    // Euler's root μ solves (e^{μh} − 1)/h = −a e^{−μτ}, i.e. μ + hμ²/2 ≈ λ(1 − τ(μ − λ)), so
    // μ − λ ≈ −hλ²/(2(1 + λτ)) and |Re(μ − λ)|/V ≤ h|λ|²/(2V) (|1 + λτ| ≥ 1 as Re λτ > 0), with
    // |λ| = a e^{−Vτ} from λ = −a e^{−λτ}; plus 1% for the amplitude prefactor and the
    // oscillation's phase (ln C and π/ω against ln MAX ≈ 710)
    const predicted = Math.log(Number.MAX_VALUE) / V;
    const lambdaSq = (a * Math.exp(-V * tau)) ** 2;
    const allowance = (h * lambdaSq) / (2 * V) + 0.01;
    expect(Math.abs(s.divergence!.time / predicted - 1), `diverged at t = ${s.divergence!.time}, predicted ≈ ${predicted}, allowance ${allowance}`).toBeLessThan(allowance);
    expect(s.x.every(Number.isFinite)).toBe(true);
  });
  it('aτ = 1.2 < π/2 stays finite over the same horizon', () => {
    const problem = defineSdde({ dim: 1, drift: (_t, _x, y, out) => void (out[0] = -1.2 * y[0]), diffusion: { noise: 'none' }, history: 1, T: 20_000, delay: { kind: 'constant', tau: 1 } });
    expect(solve(problem, new EulerMaruyama(), { seed: 0, dt: 0.01, saveAt: { final: true } }).status).toBe('ok');
  });
  it('ASGD with ηL(l+1) = 12 diverges and reports the iteration; with ηL(l+1) = 0.24 it does not', () => {
    const spec = { objective: toyObjective(), x0: 4, iterations: 20_000, batchSize: 2, sampling: 'without-replacement' as const, delay: { kind: 'constant' as const, lag: 5 }, beforeHistory: 'warmup' as const };
    const bad = runAsgd({ ...spec, eta: 1 }, { seed: 0, saveAt: { every: 100 } });
    expect(bad.status).toBe('diverged');
    expect(bad.divergence!.step).toBeGreaterThan(5);
    expect(runAsgd({ ...spec, eta: 0.02 }, { seed: 0 }).status).toBe('ok');
  });
});
