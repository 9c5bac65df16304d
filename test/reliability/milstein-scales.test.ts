/**
 * Milstein's finite-difference derivative over the whole double range. The correction term needs
 * (∂g/∂x)·u with u = g·I; when g is tiny, u is subnormal, and a step ε = ε₀·scale/|u| overflowed
 * to Infinity: a false "diverged" at step 1 for g = 1e-320·x where Euler–Maruyama is "ok" (and at
 * step 158 for a product of 300 sin(x)). Expected values: one Milstein step in closed form,
 *   X₁ = x₀ + g(x₀)ΔW + g′(x₀)g(x₀)(ΔW² − h)/2,
 * with g′ written out analytically in the test, and the step with the user's analytic derivative
 * (`diffusion.dg`), for g from subnormal (1e-320) to O(1) and states from 1e-300 to 1e300.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { EulerMaruyama } from '../../src/sdde/algorithms/euler-maruyama.ts';
import { Milstein } from '../../src/sdde/algorithms/milstein.ts';
import { PrescribedIncrements } from '../../src/sdde/brownian.ts';
import { defineSdde } from '../../src/sdde/problem.ts';
import { solve } from '../../src/sdde/solve.ts';

const h = 0.01;
const dW = 0.137;

/** One step of dX = g(X) dW from x0 with ΔW = dW: the state after it and the status. */
function oneStep(g: (x: number) => number, x0: number, alg: Milstein | EulerMaruyama, dg?: (x: number) => number) {
  const problem = defineSdde({
    dim: 1,
    drift: (_t, _x, _y, o) => void (o[0] = 0),
    diffusion: { noise: 'diagonal', g: (_t, x, _y, o) => void (o[0] = g(x[0])), ...(dg ? { dg: { x: (_t: number, x: Float64Array, _y: Float64Array, v: Float64Array, o: Float64Array) => void (o[0] = dg(x[0]) * v[0]), y: (_t: number, _x: Float64Array, _y: Float64Array, _v: Float64Array, o: Float64Array) => void (o[0] = 0) } } : {}) },
    history: x0,
    T: h,
  });
  const sol = solve(problem, alg, { dt: h, saveAt: { final: true }, noise: new PrescribedIncrements(Float64Array.of(dW), 1) });
  return { x: sol.x[0], status: sol.status };
}

const milstein = new Milstein();

describe('one Milstein step equals its closed form at every scale of g', () => {
  // g = c·sin(x), g′ = c·cos(x): c subnormal (1e-320, 1e-310), tiny, O(1)
  for (const c of [1e-320, 1e-310, 1e-300, 1e-200, 1e-100, 1e-10, 0.5]) {
    it(`g = ${c}·sin(x) at x₀ = 0.7`, () => {
      const x0 = 0.7;
      const expected = x0 + c * Math.sin(x0) * dW + (c * Math.cos(x0) * c * Math.sin(x0) * (dW * dW - h)) / 2;
      const r = oneStep((x) => c * Math.sin(x), x0, milstein);
      expect(r.status).toBe('ok');
      // a central difference with step ε^{1/3} has relative error ~ε^{2/3} ≈ 4e-11 of the term: 1e-9 of it, plus a few ulp of X₁
      const correction = (c * Math.cos(x0) * c * Math.sin(x0) * (dW * dW - h)) / 2;
      const tol = 1e-9 * Math.abs(correction) + 4 * Number.EPSILON * Math.abs(expected);
      expect(Math.abs(r.x - expected), `Milstein ${r.x}, closed form ${expected}`).toBeLessThanOrEqual(tol);
      // and the step with the analytic derivative
      const a = oneStep((x) => c * Math.sin(x), x0, milstein, (x) => c * Math.cos(x));
      expect(Math.abs(r.x - a.x)).toBeLessThanOrEqual(tol);
      // Euler–Maruyama on the same problem is ok too
      expect(oneStep((x) => c * Math.sin(x), x0, new EulerMaruyama()).status).toBe('ok');
    });
  }
  // states from tiny to huge; the step is ε^{1/3}·max(1, |x|): relative to the state, never below the unit scale
  const cases: [number, (x: number) => number, (x: number) => number][] = [
    [1e-300, (x) => 0.3 * (1 + x) ** 2, (x) => 0.6 * (1 + x)],
    [1e-150, (x) => 0.3 * (1 + x) ** 2, (x) => 0.6 * (1 + x)],
    [1, (x) => 0.3 * x * x, (x) => 0.6 * x],
    ...[1e150, 1e300].map((x0): [number, (x: number) => number, (x: number) => number] => [x0, (x) => 0.3 * x * (x / x0), (x) => 0.6 * (x / x0)]),
  ];
  for (const [x0, g, gp] of cases) {
    it(`a nonlinear g at x₀ = ${x0}: the correction term against the analytic g′`, () => {
      const correction = (gp(x0) * g(x0) * (dW * dW - h)) / 2;
      const expected = x0 + g(x0) * dW + correction;
      const r = oneStep(g, x0, milstein);
      expect(r.status).toBe('ok');
      const measured = r.x - (x0 + g(x0) * dW);
      // central difference error ~ ε^{2/3} relative to the term, plus the rounding of X₁ (a few ulp)
      expect(Math.abs(measured - correction), `correction ${measured} vs ${correction}`).toBeLessThanOrEqual(1e-8 * Math.abs(correction) + 4 * Number.EPSILON * Math.abs(expected));
    });
  }
});

describe('the campaign’s cases: Milstein reports what Euler–Maruyama reports', () => {
  const sdde = (g: string, algorithm: string) => ({
    kind: 'sdde',
    seed: 7,
    sdde: { dim: 1, drift: ['-y'], diffusion: { noise: 'diagonal', g: [g] }, history: 1, T: 2, dt: 0.01, delay: { kind: 'constant', tau: 0.5 }, algorithm },
  });
  for (const [name, g] of [
    ['g = 1e-320·x', '1e-320*x'],
    ['g = a product of 300 sin(x)', Array.from({ length: 300 }, () => 'sin(x)').join('*')],
  ]) {
    it(name, async () => {
      const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-milstein-'));
      const status: Record<string, string> = {};
      for (const algorithm of ['euler-maruyama', 'milstein']) {
        writeFileSync(join(d, `${algorithm}.json`), JSON.stringify(sdde(g, algorithm)));
        let out = '';
        let err = '';
        const code = await main(['run', join(d, `${algorithm}.json`), '--out', join(d, algorithm), '--no-png', '--json'], { out: (s) => void (out += s), err: (s) => void (err += s) });
        expect(code, err).toBe(EXIT.ok);
        status[algorithm] = JSON.stringify(JSON.parse(out).status);
      }
      expect(status.milstein).toBe(status['euler-maruyama']);
      expect(status.milstein).toContain('ok');
    });
  }
});
