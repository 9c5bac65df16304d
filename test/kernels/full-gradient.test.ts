/**
 * The full gradient and the value of logistic regression in the WebAssembly kernels
 * (src/kernels/assembly/full-gradient.ts, through GradientKernel.fullGradient and .value) and in
 * their TypeScript twin, the objective's own loops (src/asgd/objectives/logistic.ts):
 *  - both against numpy's ∇F and F (test/fixtures/logistic_gradient.py: float64, scipy's expit,
 *    numpy's logaddexp), on data built here from the same exact rationals, within a rounding-error bound;
 *  - the two backends give the same bits, also where the kernel instance is shared with the
 *    minibatch and whole-run kernels, and so do the bridge's pairs built on it (the SDDE's drift is ∇F);
 *  - ∇F at p states in one pass over the data (GradientKernel.fullGradients, the blocked kernel
 *    logisticFullGradMany) gives every state's gradient with the bits of the single-state kernel
 *    and of the objective's TypeScript loop.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { logisticObjective } from '../../src/asgd/objectives/logistic.ts';
import { asgdConfig, runAsgd } from '../../src/asgd/runner.ts';
import { runPair } from '../../src/bridge/pair.ts';
import { type KernelBackend, setKernelBackend } from '../../src/kernels/index.ts';
import { gradientKernelOf, MIN_WORK, useFullGradientKernel } from '../../src/kernels/gradients.ts';

const BACKENDS: KernelBackend[] = ['wasm-simd', 'typescript'];
afterAll(() => setKernelBackend('auto'));

function under<T>(backend: KernelBackend, f: () => T): T {
  setKernelBackend(backend);
  try {
    return f();
  } finally {
    setKernelBackend('auto');
  }
}

interface Case {
  n: number;
  d: number;
  l2: number;
  points: { x: number[]; F: number; gradF: number[]; absSum: number[] }[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/logistic_gradient.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** The fixture's data: a_ij = (((7i + 13j) mod 17) − 8)/8, y_i = +1 if (5i + 3) mod 7 < 3 else −1 (exact in doubles). */
function fixtureObjective(n: number, d: number, l2: number) {
  const A = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => (((i * 7 + j * 13) % 17) - 8) / 8));
  const y = Array.from({ length: n }, (_, i) => ((i * 5 + 3) % 7 < 3 ? 1 : -1));
  return logisticObjective({ A, y, l2 });
}

const bits = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));

describe('logistic regression ∇F and F: kernel and fallback against numpy, and the same bits', () => {
  for (const c of fx.cases) {
    it(`n = ${c.n}, d = ${c.d}, λ = ${c.l2}${useFullGradientKernel(c.n, c.d) ? '' : ' (n·d below the kernel threshold: both backends run the loop)'}`, () => {
      const obj = fixtureObjective(c.n, c.d, c.l2);
      for (const p of c.points) {
        const x = Float64Array.from(p.x);
        const got = BACKENDS.map((b) =>
          under(b, () => {
            const g = new Float64Array(c.d).fill(Number.NaN);
            obj.gradient(x, g);
            return g;
          }),
        );
        expect(bits(got[0]), 'wasm-simd vs typescript').toEqual(bits(got[1]));
        // Rounding: each of the n terms c_i a_ij carries a few ulps (the margin's d-term dot
        // product moves c_i by at most ¼·d·ε·‖x‖₁·max|a| since |s'| ≤ ¼; exp and the sigmoid a few
        // ε relative), and a sum of n terms errs by at most (n − 1)ε·Σ|terms| (Higham, γ_{n−1});
        // numpy's pairwise sum errs less. Bound per coordinate, with a factor 8 for the constants:
        const x1 = p.x.reduce((s, v) => s + Math.abs(v), 0);
        // F: n positive terms log(1 + e^{−m_i}), each moved by at most d·ε·‖x‖₁·max|a| through its
        // margin (|softplus'| ≤ 1) and a few ε relative, summed with error ≤ (n − 1)ε·Σ terms
        const F = BACKENDS.map((b) => under(b, () => obj.value(x)));
        expect(Object.is(F[0], F[1]), `F: wasm-simd ${F[0]} vs typescript ${F[1]}`).toBe(true);
        const x2 = p.x.reduce((s, v) => s + v * v, 0);
        const tolF = 8 * Number.EPSILON * ((c.n + c.d) * p.F + c.d * x1 + c.l2 * x2);
        expect(Math.abs(F[0] - p.F), `F = ${F[0]} vs numpy ${p.F} (tol ${tolF})`).toBeLessThanOrEqual(tolF);
        for (let j = 0; j < c.d; j++) {
          const tol = 8 * Number.EPSILON * ((c.n + c.d) * p.absSum[j] + c.d * x1 + c.l2 * Math.abs(p.x[j])) + Number.MIN_VALUE;
          expect(Math.abs(got[0][j] - p.gradF[j]), `j = ${j}: ${got[0][j]} vs numpy ${p.gradF[j]} (tol ${tol})`).toBeLessThanOrEqual(tol);
        }
      }
    });
  }

  it('the kernel is used from n·d ≥ MIN_WORK under wasm-simd only', () => {
    under('wasm-simd', () => {
      expect(useFullGradientKernel(MIN_WORK, 1)).toBe(true);
      expect(useFullGradientKernel(MIN_WORK - 1, 1)).toBe(false);
    });
    under('typescript', () => expect(useFullGradientKernel(10_000, 20)).toBe(false));
  });

  it('sharing the kernel instance with the minibatch and whole-run kernels changes no bit', () => {
    const obj = fixtureObjective(403, 21, 0.01);
    const x = Float64Array.from({ length: 21 }, (_, j) => Math.cos(j));
    const run = (b: KernelBackend) =>
      under(b, () => {
        const g1 = new Float64Array(21);
        obj.gradient(x, g1);
        const r = runAsgd(asgdConfig({ objective: obj, x0: 0.5, eta: 0.05, iterations: 300, batchSize: 8, delay: { kind: 'uniform', maxLag: 3 } }), { seed: 3, saveAt: { every: 100 } });
        const g2 = new Float64Array(21);
        obj.gradient(r.x.subarray(r.x.length - 21), g2);
        const gb = new Float64Array(21);
        obj.minibatchGradientSum!(Int32Array.of(5, 17, 400, 2, 9, 11, 0, 1), 8, x, gb);
        const g3 = new Float64Array(21);
        obj.gradient(x, g3);
        return [g1, g2, gb, g3, r.x, r.F, Float64Array.of(obj.value(x))];
      });
    const [w, t] = BACKENDS.map(run);
    for (let k = 0; k < w.length; k++) expect(bits(w[k]), `result ${k}`).toEqual(bits(t[k]));
    expect(bits(w[0])).toEqual(bits(w[3]));
  });

  it("the bridge's axis-quantile pair on logistic regression (the SDDE's drift is ∇F): the same bits under both backends", () => {
    const obj = fixtureObjective(403, 21, 0.01);
    const cfg = asgdConfig({ objective: obj, x0: Array.from(obj.minimizer!), eta: 0.05, iterations: 60, batchSize: 8, sampling: 'with-replacement', delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'clip' });
    const pairs = BACKENDS.map((b) => under(b, () => [0, 1, 2].map((path) => runPair(cfg, { coupling: 'axis-quantile', lawSamples: 2000, seed: 11, path, saveEvery: 10 }))));
    for (let p = 0; p < 3; p++) {
      expect(bits(pairs[0][p].sdde.x), `path ${p}: SDDE`).toEqual(bits(pairs[1][p].sdde.x));
      expect(bits(pairs[0][p].discrete.x), `path ${p}: ASGD`).toEqual(bits(pairs[1][p].discrete.x));
      expect(bits(pairs[0][p].asgd!.F), `path ${p}: F at the saves`).toEqual(bits(pairs[1][p].asgd!.F));
    }
    expect(pairs[0][0].distance.at(-1)).toBeGreaterThan(0);
  });

  it('∇F at p states in one pass (the blocked kernel): each state bit for bit the single-state kernel and the TypeScript loop', () => {
    // n ≡ 3 (mod 4) and d ≡ 3 (mod 4): the kernels' four-row blocks, remaining rows, pairs of
    // columns and remaining columns all run; states with margins beyond ±707 take the scalar sigmoid
    for (const [n, d] of [
      [403, 21],
      [64, 4],
      [37, 2],
      [9, 7],
    ]) {
      const obj = fixtureObjective(n, d, 0.01);
      for (const p of [1, 3, 8, 9]) {
        const X = Float64Array.from({ length: p * d }, (_, q) => (q % 5 === 4 && p > 3 && q < d * 2 ? 400 : Math.sin(q + 1)) * (q < d ? 1 : 1 + q / (p * d)));
        const got = under('wasm-simd', () => {
          const out = new Float64Array(p * d).fill(Number.NaN);
          gradientKernelOf(obj)!.fullGradients(X, p, out);
          return out;
        });
        for (let k = 0; k < p; k++) {
          const x = X.subarray(k * d, (k + 1) * d);
          const one = under('wasm-simd', () => {
            const g = new Float64Array(d);
            gradientKernelOf(obj)!.fullGradient(x, g);
            return g;
          });
          const ts = under('typescript', () => {
            const g = new Float64Array(d);
            obj.gradient(x, g);
            return g;
          });
          expect(bits(got.subarray(k * d, (k + 1) * d)), `n = ${n}, d = ${d}, p = ${p}, state ${k}: blocked vs single kernel`).toEqual(bits(one));
          expect(bits(one), `n = ${n}, d = ${d}, state ${k}: kernel vs TypeScript`).toEqual(bits(ts));
        }
      }
    }
  });
});
