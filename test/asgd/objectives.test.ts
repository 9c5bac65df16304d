/**
 * Finite-sum objectives (src/asgd/objectives/*.ts) and the gradient covariance
 * (src/asgd/objective.ts).
 *
 * Reference values: test/fixtures/objectives.json, written by test/fixtures/objectives.py with
 * numpy/scipy (F, ∇F, per-component gradients, population covariance Σ of the component
 * gradients at fixed points; for least squares also x* = lstsq, F*, and L, μ = extreme eigenvalues
 * of AᵀA/n by numpy.linalg.eigvalsh). Closed forms are stated where used (toy: F = x² + 1, ∇F = 2x,
 * Σ = 4; logistic: F(0) = log 2; minibatch factor 1/b and (n−b)/((n−1)b)).
 *
 * Tolerances: relative 1e-12. Entries that are sums (∇F, Σ) are compared with 1e-12 times the
 * magnitude of their summands (max |∇f_i| for gradients, its square for Σ), because cancellation
 * makes a componentwise relative error meaningless for entries near 0.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { GradientCovariance, minibatchVarianceFactor, type FiniteSumObjective } from '../../src/asgd/objective.ts';
import { expressionObjective, type ExpressionObjectiveSpec } from '../../src/asgd/objectives/expression.ts';
import { generatedLeastSquares, leastSquaresObjective } from '../../src/asgd/objectives/least-squares.ts';
import { generatedLogistic, logisticObjective } from '../../src/asgd/objectives/logistic.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { configError } from '../helpers/config-error.ts';

interface VecPoint {
  x: number[];
  F: number;
  gradF: number[];
  grads: number[][];
  Sigma: number[][];
}
interface ToyPoint {
  x: number;
  F: number;
  gradF: number;
  grads: number[];
  Sigma: number;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/objectives.json', import.meta.url), 'utf8')) as {
  toy: { n: number; points: ToyPoint[] };
  least_squares: { n: number; d: number; A: number[][]; B: number[]; xstar: number[]; Fstar: number; L: number; mu: number; points: VecPoint[] };
  logistic: { n: number; d: number; A: number[][]; y: number[]; points: VecPoint[] };
};

const REL = 1e-12;

function close(got: number, ref: number, scale: number, what: string): void {
  const tol = REL * Math.max(Math.abs(ref), scale);
  expect(Math.abs(got - ref), `${what}: got ${got}, ref ${ref}, tol ${tol}`).toBeLessThanOrEqual(tol);
}

/** Check F, ∇F, every ∇f_i and Σ of `obj` against a fixture point. */
function checkPoint(obj: FiniteSumObjective, p: VecPoint, label: string): void {
  const d = p.x.length;
  const x = Float64Array.from(p.x);
  const at = `${label} at x = [${p.x.join(', ')}]`;
  const gScale = Math.max(...p.grads.flat().map(Math.abs));
  close(obj.value(x), p.F, 0, `${at}: F`);
  const g = new Float64Array(d);
  obj.gradient(x, g);
  for (let j = 0; j < d; j++) close(g[j], p.gradF[j], gScale, `${at}: ∇F[${j}]`);
  const gi = new Float64Array(d);
  p.grads.forEach((row, i) => {
    obj.componentGradient(i, x, gi);
    for (let j = 0; j < d; j++) close(gi[j], row[j], gScale, `${at}: ∇f_${i}[${j}]`);
  });
  const S = new GradientCovariance(obj).compute(x);
  for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) close(S[a * d + c], p.Sigma[a][c], gScale * gScale, `${at}: Σ[${a}][${c}]`);
}


function expectField(fn: () => unknown, field: string, context: string): void {
  const e = configError(fn, context);
  expect(e.field, `${context} (reason: ${e.reason})`).toBe(field);
}

const col = (M: number[][], j: number) => M.map((r) => r[j]);

// ---------------------------------------------------------------------------------------------
describe('bad input throws ConfigError naming the field', () => {
  const ex = (spec: unknown, field?: string, probe?: number[]) => () => expressionObjective(spec as ExpressionObjectiveSpec, field, probe);

  it('expression that does not parse', () => {
    expectField(ex({ variables: ['x'], components: ['(x+1)^'] }), 'objective.components[0]', "'(x+1)^'");
    expectField(ex({ variables: ['x'], components: ['x^2', '2*(x'] }), 'objective.components[1]', "'2*(x'");
    expectField(ex({ variables: ['w'], expression: 'log(1+', data: { a: [1] } }), 'objective.expression', "expression 'log(1+'");
  });

  it('unknown variable', () => {
    expectField(ex({ variables: ['x'], components: ['x+z'] }), 'objective.components[0]', "'x+z'");
    expectField(ex({ variables: ['w'], expression: 'w*a + b', data: { a: [1, 2] } }), 'objective.expression', "'w*a + b' with data {a}");
  });

  it('unknown function', () => {
    expectField(ex({ variables: ['x'], components: ['foo(x)'] }), 'objective.components[0]', "'foo(x)'");
  });

  it('non-numeric (complex) result at the probe point', () => {
    // sqrt(0 − 5) is complex: refused before any work, naming the component.
    expectField(ex({ variables: ['x'], components: ['sqrt(x-5)'] }, undefined, [0]), 'objective.components[0]', "'sqrt(x-5)' at probe [0]");
  });

  it('empty or missing components / expression', () => {
    expectField(ex({ variables: ['x'], components: [] }), 'objective.components', 'components []');
    expectField(ex({ variables: ['x'], components: [''] }), 'objective.components[0]', "components ['']");
    expectField(ex({ variables: ['x'] }), 'objective', 'neither components nor expression');
    expectField(ex({ variables: ['x'], components: ['x^2'], expression: 'x^2', data: { a: [1] } }), 'objective', 'both components and expression');
  });

  it('bad variables', () => {
    expectField(ex({ variables: [], components: ['1'] }), 'objective.variables', 'variables []');
    expectField(ex({ variables: ['x', 'x'], components: ['x'] }), 'objective.variables', 'duplicate variables');
    expectField(ex({ variables: ['x', '2y'], components: ['x'] }), 'objective.variables[1]', "variable '2y'");
  });

  it('data columns of unequal length, non-finite data, data named like a variable', () => {
    expectField(ex({ variables: ['w'], expression: 'w*a*y', data: { a: [1, 2, 3], y: [1, -1] } }), 'objective.data.y', 'columns of length 3 and 2');
    expectField(ex({ variables: ['w'], expression: 'w*a', data: { a: [1, NaN] } }), 'objective.data.a[1]', 'NaN in data');
    expectField(ex({ variables: ['w'], expression: 'w*w', data: { w: [1, 2] } }), 'objective.data.w', 'data column named w');
    expectField(ex({ variables: ['w'], expression: 'w*w', data: {} }), 'objective.data', 'empty data');
    expectField(ex({ variables: ['x'], components: ['x^2'], data: { a: [1] } }), 'objective.data', 'data with components');
  });

  it('uses the caller’s field prefix', () => {
    expectField(ex({ variables: ['x'], components: ['x+z'] }, 'asgd.objective'), 'asgd.objective.components[0]', "'x+z' under asgd.objective");
  });

  it('least squares: singular AᵀA, mismatched B, non-finite A', () => {
    const singular = { A: [[1, 2], [2, 4], [3, 6]], B: [1, 2, 3] };
    expectField(() => leastSquaresObjective(singular), 'objective.A', 'rank-1 A');
    expectField(() => leastSquaresObjective({ A: [[0, 0], [0, 0]], B: [1, 2] }), 'objective.A', 'zero A');
    expectField(() => leastSquaresObjective({ A: [[1], [2]], B: [1] }), 'objective.B', 'B of length 1 for n = 2');
    expectField(() => leastSquaresObjective({ A: [[1, 0], [0, NaN]], B: [1, 2] }), 'objective.A[1][1]', 'NaN in A');
    expectField(() => leastSquaresObjective({ A: [[1, 0], [0]], B: [1, 2] }), 'objective.A[1]', 'ragged A');
    expectField(() => leastSquaresObjective({ A: [], B: [] }), 'objective.A', 'empty A');
  });

  it('least squares: singular AᵀA under a caller prefix names the prefixed field', () => {
    // Every other field of this objective carries the caller's prefix (e.g. 'asgd.objective.B');
    // objectiveFromSpec passes `${field}.objective`, so the singular-A refusal must too.
    const singular = { A: [[1, 2], [2, 4], [3, 6]], B: [1, 2, 3] };
    expectField(() => leastSquaresObjective({ A: [[1], [2]], B: [1] }, 'asgd.objective'), 'asgd.objective.B', "short B under 'asgd.objective'");
    expectField(() => leastSquaresObjective(singular, 'asgd.objective'), 'asgd.objective.A', "rank-1 A under 'asgd.objective'");
  });

  it('logistic: labels must be ±1, l2 ≥ 0', () => {
    const A = [[1, 0], [0, 1], [1, 1]];
    expectField(() => logisticObjective({ A, y: [1, 0, -1] }), 'objective.y[1]', 'label 0');
    expectField(() => logisticObjective({ A, y: [1, -1, 2] }), 'objective.y[2]', 'label 2');
    expectField(() => logisticObjective({ A, y: [1, -1] }), 'objective.y', 'two labels for three rows');
    expectField(() => logisticObjective({ A, y: [1, -1, 1], l2: -0.1 }), 'objective.l2', 'l2 = -0.1');
  });

  it('generated data: n < d, non-positive sizes, negative noise, bad seed', () => {
    expectField(() => generatedLeastSquares({ n: 2, d: 3 }), 'objective.n', 'least squares n = 2 < d = 3');
    expectField(() => generatedLeastSquares({ n: 2, d: 3 }, 'asgd.objective'), 'asgd.objective.n', 'least squares n < d under asgd.objective');
    expectField(() => generatedLeastSquares({ n: 0, d: 1 }), 'objective.n', 'n = 0');
    expectField(() => generatedLeastSquares({ n: 5, d: 0 }), 'objective.d', 'd = 0');
    expectField(() => generatedLeastSquares({ n: 5.5, d: 2 }), 'objective.n', 'n = 5.5');
    expectField(() => generatedLeastSquares({ n: 5, d: 2, noise: -1 }), 'objective.noise', 'noise = -1');
    expectField(() => generatedLeastSquares({ n: 5, d: 2, seed: -1 }), 'objective.seed', 'seed = -1');
    expectField(() => generatedLeastSquares({ n: 5, d: 2, seed: 1.5 }), 'objective.seed', 'seed = 1.5');
    expectField(() => generatedLogistic({ n: 0, d: 2 }), 'objective.n', 'logistic n = 0');
    expectField(() => generatedLogistic({ n: 5, d: 2, l2: -1 }), 'objective.l2', 'logistic l2 = -1');
    expectField(() => generatedLogistic({ n: 5, d: 2, noise: NaN }), 'objective.noise', 'logistic noise = NaN');
  });
});

// ---------------------------------------------------------------------------------------------
describe('minibatchVarianceFactor (closed forms 1/b and (n−b)/((n−1)b))', () => {
  it('edge cases: b = n without replacement is 0, n = 1 is 1/b', () => {
    expect(minibatchVarianceFactor(10, 10, false)).toBe(0);
    expect(minibatchVarianceFactor(1, 1, false)).toBe(1);
    expect(minibatchVarianceFactor(1, 1, true)).toBe(1);
  });

  it('values', () => {
    for (const [n, b] of [[10, 1], [10, 4], [7, 3], [1000, 32]] as const) {
      close(minibatchVarianceFactor(n, b, true), 1 / b, 0, `with replacement n ${n} b ${b}`);
      close(minibatchVarianceFactor(n, b, false), (n - b) / ((n - 1) * b), 0, `without replacement n ${n} b ${b}`);
    }
  });

  it('matches the enumerated minibatch-noise variance of minibatch_noise_law.json (variance = Σ·factor)', () => {
    const law = JSON.parse(readFileSync(new URL('../fixtures/minibatch_noise_law.json', import.meta.url), 'utf8')) as {
      cases: { n: number; b: number; replacement: boolean; Sigma: number; variance: number }[];
    };
    for (const c of law.cases) {
      close(c.Sigma * minibatchVarianceFactor(c.n, c.b, c.replacement), c.variance, 0, `n ${c.n} b ${c.b} replacement ${c.replacement}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('toy objective (objectives.json "toy", closed form F = x² + 1)', () => {
  const obj = toyObjective();

  it('has n = 2, d = 1, x* = 0, F* = 1, L = μ = 2', () => {
    expect(obj.n).toBe(fx.toy.n);
    expect(obj.dim).toBe(1);
    expect(Array.from(obj.minimizer!)).toEqual([0]);
    expect(obj.minimum).toBe(1);
    expect(obj.lipschitz).toBe(2);
    expect(obj.strongConvexity).toBe(2);
  });

  for (const p of fx.toy.points) {
    it(`values at x = ${p.x}`, () => {
      checkPoint(obj, { x: [p.x], F: p.F, gradF: [p.gradF], grads: p.grads.map((g) => [g]), Sigma: [[p.Sigma]] }, 'toy');
    });
  }
});

describe('least squares (objectives.json "least_squares")', () => {
  const L = fx.least_squares;
  const obj = leastSquaresObjective({ A: L.A, B: L.B });

  it('has the fixture shape', () => {
    expect(obj.n).toBe(L.n);
    expect(obj.dim).toBe(L.d);
  });

  it('x*, F*, L, μ', () => {
    const scale = Math.max(...L.xstar.map(Math.abs));
    L.xstar.forEach((v, j) => close(obj.minimizer![j], v, scale, `x*[${j}]`));
    close(obj.minimum!, L.Fstar, 0, 'F*');
    close(obj.lipschitz!, L.L, 0, 'L');
    close(obj.strongConvexity!, L.mu, 0, 'μ');
  });

  for (const p of L.points) {
    it(`F, ∇F, ∇f_i, Σ at x = [${p.x.join(', ')}]`, () => checkPoint(obj, p, 'least squares'));
  }
});

describe('least squares F: the summation order is the definition’s (every row i < n, a residual summed from −b_i over j in order, squares added in row order)', () => {
  it('bit for bit equal to the plain double loop, for n ≡ 0, 1, 2, 3 (mod 4) (F is what the runner saves: a changed order would change saved results)', () => {
    for (const [n, d] of [[12, 3], [13, 5], [14, 1], [1003, 20]]) {
      const obj = generatedLeastSquares({ n, d, seed: n });
      const { A, B } = (obj as unknown as { data: { A: Float64Array; B: Float64Array } }).data;
      for (let t = 0; t < 20; t++) {
        const x = Float64Array.from({ length: d }, (_, j) => Math.sin(7 * t + j) * (t % 4));
        let s = 0;
        for (let i = 0; i < n; i++) {
          let r = -B[i];
          for (let j = 0; j < d; j++) r += A[i * d + j] * x[j];
          s += r * r;
        }
        expect(Object.is(obj.value(x), s / (2 * n)), `n = ${n}, d = ${d}, point ${t}`).toBe(true);
      }
    }
  });
});

describe('logistic regression (objectives.json "logistic", no L2 term)', () => {
  const G = fx.logistic;
  const obj = logisticObjective({ A: G.A, y: G.y });

  it('has the fixture shape; F(0) = log 2 (closed form)', () => {
    expect(obj.n).toBe(G.n);
    expect(obj.dim).toBe(G.d);
    close(obj.value(new Float64Array(G.d)), Math.LN2, 0, 'F(0)');
  });

  for (const p of G.points) {
    it(`F, ∇F, ∇f_i, Σ at x = [${p.x.join(', ')}]`, () => checkPoint(obj, p, 'logistic'));
  }

  it('L = λ_max(AᵀA/n)/4 + λ (2×2 eigenvalue in closed form) and the L2 term adds (λ/2)‖x‖², λx, μ = λ', () => {
    const n = G.n;
    let a = 0;
    let b = 0;
    let c = 0;
    for (const r of G.A) {
      a += r[0] * r[0];
      b += r[0] * r[1];
      c += r[1] * r[1];
    }
    a /= n;
    b /= n;
    c /= n;
    const lmax = (a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b);
    close(obj.lipschitz!, lmax / 4, 0, 'L (λ = 0)');
    expect(obj.strongConvexity, 'μ is undefined for λ = 0').toBeUndefined();

    const lam = 0.1;
    const reg = logisticObjective({ A: G.A, y: G.y, l2: lam });
    close(reg.lipschitz!, lmax / 4 + lam, 0, 'L (λ = 0.1)');
    expect(reg.strongConvexity).toBe(lam);
    for (const p of G.points) {
      const x = Float64Array.from(p.x);
      const sq = p.x[0] ** 2 + p.x[1] ** 2;
      close(reg.value(x), p.F + 0.5 * lam * sq, 0, `F_λ at [${p.x}]`);
      const g = new Float64Array(2);
      reg.gradient(x, g);
      const gScale = Math.max(...p.grads.flat().map(Math.abs), lam * Math.max(...p.x.map(Math.abs)));
      for (let j = 0; j < 2; j++) close(g[j], p.gradF[j] + lam * p.x[j], gScale, `∇F_λ[${j}] at [${p.x}]`);
      const gi = new Float64Array(2);
      reg.componentGradient(3, x, gi);
      for (let j = 0; j < 2; j++) close(gi[j], p.grads[3][j] + lam * p.x[j], gScale, `∇f_3,λ[${j}] at [${p.x}]`);
      // Σ does not depend on the common λx shift.
      const S = new GradientCovariance(reg).compute(x);
      for (let r = 0; r < 2; r++) for (let s = 0; s < 2; s++) close(S[r * 2 + s], p.Sigma[r][s], gScale * gScale, `Σ_λ[${r}][${s}] at [${p.x}]`);
    }
    // With λ > 0, x* exists and ∇F(x*) = 0 (first-order optimality).
    expect(reg.minimizer, 'minimizer for λ = 0.1').toBeDefined();
    const g = new Float64Array(2);
    reg.gradient(reg.minimizer!, g);
    expect(Math.hypot(g[0], g[1]), `‖∇F(x*)‖ at x* = [${Array.from(reg.minimizer!)}]`).toBeLessThan(1e-10);
    close(reg.minimum!, reg.value(reg.minimizer!), 0, 'F* = F(x*)');
  });
});

// ---------------------------------------------------------------------------------------------
describe('expression objectives reproduce the fixtures', () => {
  it('components (x+1)^2, (x-1)^2 reproduce the toy fixture', () => {
    const obj = expressionObjective({ variables: ['x'], components: ['(x+1)^2', '(x-1)^2'] });
    expect(obj.n).toBe(2);
    expect(obj.dim).toBe(1);
    for (const p of fx.toy.points) {
      checkPoint(obj, { x: [p.x], F: p.F, gradF: [p.gradF], grads: p.grads.map((g) => [g]), Sigma: [[p.Sigma]] }, 'expression toy');
    }
  });

  it('expression + data logistic form reproduces the logistic fixture', () => {
    const G = fx.logistic;
    const obj = expressionObjective({
      variables: ['w1', 'w2'],
      expression: 'log(1+exp(-y*(w1*a1+w2*a2)))',
      data: { a1: col(G.A, 0), a2: col(G.A, 1), y: G.y },
    });
    expect(obj.n).toBe(G.n);
    expect(obj.dim).toBe(2);
    for (const p of G.points) checkPoint(obj, p, 'expression logistic');
  });

  it('a custom probe point that evaluates fine is accepted and does not change the values', () => {
    const obj = expressionObjective({ variables: ['x'], components: ['sqrt(x-5)'] }, 'objective', [9]);
    close(obj.value(Float64Array.of(9)), 2, 0, 'sqrt(9-5)');
    const g = new Float64Array(1);
    obj.gradient(Float64Array.of(9), g);
    close(g[0], 0.25, 0, 'd/dx sqrt(x-5) at 9 = 1/(2·2)');
  });
});

// ---------------------------------------------------------------------------------------------
describe('generated data sets', () => {
  it('least squares: reproducible per seed, different across seeds, default seed is 0', () => {
    const a = generatedLeastSquares({ n: 30, d: 3, seed: 5 });
    const b = generatedLeastSquares({ n: 30, d: 3, seed: 5 });
    const c = generatedLeastSquares({ n: 30, d: 3, seed: 6 });
    const x = Float64Array.of(0.3, -1, 2);
    expect(a.value(x)).toBe(b.value(x));
    expect(a.value(x)).not.toBe(c.value(x));
    expect(generatedLeastSquares({ n: 30, d: 3 }).value(x)).toBe(generatedLeastSquares({ n: 30, d: 3, seed: 0 }).value(x));
  });

  it('least squares: n = d is accepted; ∇F(x*) = 0; μ ≤ L; noise 0 gives F* = 0 (B = A x_true exactly)', () => {
    for (const spec of [{ n: 3, d: 3, seed: 1 }, { n: 40, d: 4, seed: 2 }, { n: 40, d: 4, seed: 2, noise: 0 }]) {
      const obj = generatedLeastSquares(spec);
      const g = new Float64Array(spec.d);
      obj.gradient(obj.minimizer!, g);
      const gn = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
      expect(gn, `${JSON.stringify(spec)}: ‖∇F(x*)‖`).toBeLessThan(1e-10);
      expect(obj.strongConvexity!, JSON.stringify(spec)).toBeGreaterThan(0);
      expect(obj.strongConvexity!, JSON.stringify(spec)).toBeLessThanOrEqual(obj.lipschitz!);
      if (spec.noise === 0 || spec.n === spec.d) expect(obj.minimum!, `${JSON.stringify(spec)}: F*`).toBeLessThan(1e-20);
    }
  });

  it('least squares: A ~ N(0,1) and default noise 0.5, checked statistically (n = 4000, d = 2)', () => {
    // Standard regression facts: with Gaussian noise σ, ‖r*‖²/σ² ~ χ²_{n−d}, so
    // F* = ‖r*‖²/(2n) has mean σ²(n−d)/(2n) and SD σ²·sqrt(2(n−d))/(2n); check within 5 SD.
    // AᵀA/n → I: each diagonal entry has SD sqrt(2/n), the off-diagonal sqrt(1/n), so the extreme
    // eigenvalues lie within ‖AᵀA/n − I‖_F ≈ sqrt(6/n) of 1; check within 5·sqrt(6/n).
    const n = 4000;
    const d = 2;
    const sigma = 0.5;
    const obj = generatedLeastSquares({ n, d, seed: 17 });
    const mean = (sigma * sigma * (n - d)) / (2 * n);
    const sd = (sigma * sigma * Math.sqrt(2 * (n - d))) / (2 * n);
    expect(Math.abs(obj.minimum! - mean), `F* = ${obj.minimum}, expected ${mean} ± 5·${sd}`).toBeLessThan(5 * sd);
    const tol = 5 * Math.sqrt(6 / n);
    expect(Math.abs(obj.lipschitz! - 1), `L = ${obj.lipschitz}, tol ${tol}`).toBeLessThan(tol);
    expect(Math.abs(obj.strongConvexity! - 1), `μ = ${obj.strongConvexity}, tol ${tol}`).toBeLessThan(tol);
  });

  it('logistic: F(0) = log 2, default λ = 0.01 gives μ = 0.01, x* with ∇F(x*) = 0, reproducible', () => {
    const obj = generatedLogistic({ n: 60, d: 3, seed: 2 });
    expect(obj.n).toBe(60);
    expect(obj.dim).toBe(3);
    close(obj.value(new Float64Array(3)), Math.LN2, 0, 'F(0)');
    expect(obj.strongConvexity).toBe(0.01);
    expect(obj.minimizer).toBeDefined();
    const g = new Float64Array(3);
    obj.gradient(obj.minimizer!, g);
    expect(Math.hypot(...g), '‖∇F(x*)‖').toBeLessThan(1e-10);
    const again = generatedLogistic({ n: 60, d: 3, seed: 2 });
    const x = Float64Array.of(0.1, 0.2, -0.3);
    expect(again.value(x)).toBe(obj.value(x));
    expect(generatedLogistic({ n: 60, d: 3, seed: 3 }).value(x)).not.toBe(obj.value(x));
  });
});

// ---------------------------------------------------------------------------------------------
describe('GradientCovariance', () => {
  it('is symmetric and equals the fixture Σ after repeated use (workspace is reset)', () => {
    const L = fx.least_squares;
    const cov = new GradientCovariance(leastSquaresObjective({ A: L.A, B: L.B }));
    // Compute at every point twice, in reverse order the second time.
    for (const p of [...L.points, ...[...L.points].reverse()]) {
      const S = cov.compute(Float64Array.from(p.x));
      const gScale = Math.max(...p.grads.flat().map(Math.abs));
      for (let a = 0; a < 3; a++) {
        for (let c = 0; c < 3; c++) {
          expect(S[a * 3 + c], `Σ[${a}][${c}] = Σ[${c}][${a}] at [${p.x}]`).toBe(S[c * 3 + a]);
          close(S[a * 3 + c], p.Sigma[a][c], gScale * gScale, `Σ[${a}][${c}] at [${p.x}]`);
        }
      }
    }
  });
});
