/**
 * Classifier objectives: softmax regression (src/asgd/objectives/softmax.ts) and the tanh MLP
 * (src/asgd/objectives/mlp.ts), and their registration in objective specs.
 *
 * Reference values: test/fixtures/classifiers.json, written by test/fixtures/classifiers.py, an
 * independent vectorized numpy/scipy implementation (scipy.special.logsumexp/softmax, backprop in
 * numpy, itself checked against central differences in the script) on data and parameters written
 * literally in the script. It gives F, ∇F, every ∇f_i and the predicted classes at fixed points,
 * with and without the L2 term.
 *
 * Tolerances: relative 1e-12. Entries that are sums (∇F) are compared with 1e-12 times the
 * magnitude of their summands (max |∇f_i|), because cancellation makes a componentwise relative
 * error meaningless for entries near 0. Finite differences: see `checkFiniteDifferences`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FiniteSumObjective } from '../../src/asgd/objective.ts';
import { generatedLeastSquares } from '../../src/asgd/objectives/least-squares.ts';
import { generatedMlp, mlpInitialPoint, mlpObjective, mlpParameters } from '../../src/asgd/objectives/mlp.ts';
import { classificationAccuracy, isClassificationObjective, mixtureClassificationData, type ClassificationObjective } from '../../src/asgd/objectives/classifier.ts';
import { generatedSoftmax, softmaxObjective } from '../../src/asgd/objectives/softmax.ts';
import { objectiveFromSpec } from '../../src/asgd/objectives/spec.ts';
import { configError } from '../helpers/config-error.ts';
import { checkFiniteDifferences } from '../helpers/finite-differences.ts';

interface Point {
  x: number[];
  F: number;
  gradF: number[];
  grads: number[][];
  pred: number[];
}
interface Case {
  l2: number;
  points: Point[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/classifiers.json', import.meta.url), 'utf8')) as {
  softmax: { n: number; d: number; classes: number; A: number[][]; labels: number[]; cases: Case[] };
  mlp: { n: number; d: number; hidden: number; classes: number; A: number[][]; labels: number[]; cases: Case[] };
};

const REL = 1e-12;

function close(got: number, ref: number, scale: number, what: string): void {
  const tol = REL * Math.max(Math.abs(ref), scale);
  expect(Math.abs(got - ref), `${what}: got ${got}, ref ${ref}, tol ${tol}`).toBeLessThanOrEqual(tol);
}

/** F, ∇F, every ∇f_i and every predicted class of `obj` against a fixture point. */
function checkPoint(obj: ClassificationObjective, p: Point, label: string): void {
  const dim = p.x.length;
  expect(obj.dim).toBe(dim);
  const x = Float64Array.from(p.x);
  const gScale = Math.max(...p.grads.flat().map(Math.abs));
  close(obj.value(x), p.F, 0, `${label}: F`);
  const g = new Float64Array(dim);
  obj.gradient(x, g);
  for (let j = 0; j < dim; j++) close(g[j], p.gradF[j], gScale, `${label}: ∇F[${j}]`);
  const gi = new Float64Array(dim);
  p.grads.forEach((row, i) => {
    obj.componentGradient(i, x, gi);
    for (let j = 0; j < dim; j++) close(gi[j], row[j], gScale, `${label}: ∇f_${i}[${j}]`);
  });
  p.pred.forEach((c, i) => expect(obj.predict(x, i), `${label}: predicted class of example ${i}`).toBe(c));
}

/** Σ_m ∇f_{batch[m]} by componentGradient, in batch order. */
function summedComponents(obj: FiniteSumObjective, batch: Int32Array, x: Float64Array): Float64Array {
  const sum = new Float64Array(obj.dim);
  const gi = new Float64Array(obj.dim);
  for (const i of batch) {
    obj.componentGradient(i, x, gi);
    for (let j = 0; j < obj.dim; j++) sum[j] += gi[j];
  }
  return sum;
}

function randomPoint(dim: number, seed: number, scale: number): Float64Array {
  // a small LCG: test-only, deterministic, independent of the library's streams
  let st = seed >>> 0;
  const x = new Float64Array(dim);
  for (let k = 0; k < dim; k++) {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    x[k] = scale * (2 * (st / 2 ** 32) - 1);
  }
  return x;
}

function expectField(fn: () => unknown, field: string, context: string): void {
  const e = configError(fn, context);
  expect(e.field, `${context} (reason: ${e.reason})`).toBe(field);
}

const rowsOf = (A: Float64Array, n: number, d: number): number[][] => Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * d, (i + 1) * d)));

// ---------------------------------------------------------------------------------------------
describe('bad input throws ConfigError naming the field', () => {
  const A = [[1, 0], [0, 1], [1, 1]];

  it('classes < 2 or not an integer', () => {
    expectField(() => softmaxObjective({ A, labels: [0, 0, 0], classes: 1 }), 'objective.classes', 'softmax classes = 1');
    expectField(() => softmaxObjective({ A, labels: [0, 1, 0], classes: 2.5 }), 'objective.classes', 'softmax classes = 2.5');
    expectField(() => mlpObjective({ A, labels: [0, 0, 0], classes: 0, hidden: 2 }), 'objective.classes', 'mlp classes = 0');
    expectField(() => generatedSoftmax({ n: 10, d: 2, classes: 1 }), 'objective.classes', 'generated softmax classes = 1');
    expectField(() => generatedMlp({ n: 10, d: 2, hidden: 3, classes: 1 }), 'objective.classes', 'generated mlp classes = 1');
  });

  it('n ≤ 0, d ≤ 0, hidden ≤ 0, non-integer sizes', () => {
    expectField(() => generatedSoftmax({ n: 0, d: 2, classes: 3 }), 'objective.n', 'n = 0');
    expectField(() => generatedSoftmax({ n: -5, d: 2, classes: 3 }), 'objective.n', 'n = -5');
    expectField(() => generatedSoftmax({ n: 7.5, d: 2, classes: 3 }), 'objective.n', 'n = 7.5');
    expectField(() => generatedSoftmax({ n: 10, d: 0, classes: 3 }), 'objective.d', 'd = 0');
    expectField(() => generatedMlp({ n: 0, d: 2, hidden: 3, classes: 3 }), 'objective.n', 'mlp n = 0');
    expectField(() => generatedMlp({ n: 10, d: 2, hidden: 0, classes: 3 }), 'objective.hidden', 'mlp hidden = 0');
    expectField(() => mlpObjective({ A, labels: [0, 1, 0], classes: 2, hidden: -1 }), 'objective.hidden', 'given-data mlp hidden = -1');
    expectField(() => softmaxObjective({ A: [], labels: [], classes: 2 }), 'objective.A', 'empty A (n = 0)');
  });

  it('NaN / infinite data', () => {
    expectField(() => softmaxObjective({ A: [[1, 0], [0, NaN], [1, 1]], labels: [0, 1, 0], classes: 2 }), 'objective.A[1][1]', 'NaN in A');
    expectField(() => mlpObjective({ A: [[1, 0], [0, 1], [Infinity, 1]], labels: [0, 1, 0], classes: 2, hidden: 2 }), 'objective.A[2][0]', 'Infinity in A');
    expectField(() => softmaxObjective({ A, labels: [0, NaN, 0], classes: 2 }), 'objective.labels[1]', 'NaN label');
  });

  it('labels out of range or not integers', () => {
    expectField(() => softmaxObjective({ A, labels: [0, 3, 1], classes: 3 }), 'objective.labels[1]', 'label 3 with 3 classes');
    expectField(() => softmaxObjective({ A, labels: [0, 1, -1], classes: 3 }), 'objective.labels[2]', 'label -1');
    expectField(() => mlpObjective({ A, labels: [0.5, 1, 1], classes: 3, hidden: 2 }), 'objective.labels[0]', 'label 0.5');
  });

  it('mismatched dimensions', () => {
    expectField(() => softmaxObjective({ A, labels: [0, 1], classes: 2 }), 'objective.labels', 'two labels for three rows');
    expectField(() => softmaxObjective({ A: [[1, 0], [0], [1, 1]], labels: [0, 1, 0], classes: 2 }), 'objective.A[1]', 'ragged A');
    expectField(() => mlpObjective({ A: [[1, 0], [0, 1, 2], [1, 1]], labels: [0, 1, 0], classes: 2, hidden: 2 }), 'objective.A[1]', 'ragged A (mlp)');
    expectField(() => softmaxObjective({ A: [[], []], labels: [0, 1], classes: 2 }), 'objective.A[0]', 'empty rows');
    const obj = softmaxObjective({ A, labels: [0, 1, 0], classes: 2 });
    expectField(() => classificationAccuracy(obj, new Float64Array(3)), 'x', 'accuracy with x of the wrong length');
    const mlp = mlpObjective({ A, labels: [0, 1, 0], classes: 2, hidden: 2 });
    expectField(() => mlpParameters(mlp, new Float64Array(mlp.dim + 1)), 'x', 'mlpParameters with x of the wrong length');
  });

  it('negative noise / separation / l2, bad seed, non-positive initScale', () => {
    expectField(() => generatedSoftmax({ n: 10, d: 2, classes: 3, noise: -1 }), 'objective.noise', 'noise = -1');
    expectField(() => generatedSoftmax({ n: 10, d: 2, classes: 3, separation: NaN }), 'objective.separation', 'separation = NaN');
    expectField(() => generatedSoftmax({ n: 10, d: 2, classes: 3, l2: -0.1 }), 'objective.l2', 'l2 = -0.1');
    expectField(() => generatedSoftmax({ n: 10, d: 2, classes: 3, seed: 1.5 }), 'objective.seed', 'seed = 1.5');
    expectField(() => softmaxObjective({ A, labels: [0, 1, 0], classes: 2, l2: -1 }), 'objective.l2', 'given-data l2 = -1');
    expectField(() => generatedMlp({ n: 10, d: 2, hidden: 3, classes: 3, initScale: 0 }), 'objective.initScale', 'initScale = 0');
    expectField(() => generatedMlp({ n: 10, d: 2, hidden: 3, classes: 3, seed: -1 }), 'objective.seed', 'mlp seed = -1');
    const mlp = generatedMlp({ n: 10, d: 2, hidden: 3, classes: 3 });
    expectField(() => mlpInitialPoint(mlp, -1), 'seed', 'mlpInitialPoint seed = -1');
    expectField(() => mlpInitialPoint(mlp, 1, 0), 'scale', 'mlpInitialPoint scale = 0');
  });

  it('accuracy of a non-classifier objective', () => {
    const ls = generatedLeastSquares({ n: 10, d: 2 });
    expect(isClassificationObjective(ls)).toBe(false);
    expectField(() => classificationAccuracy(ls, new Float64Array(2)), 'objective', 'accuracy of least squares');
  });

  it('uses the caller’s field prefix (directly and through objective specs)', () => {
    expectField(() => softmaxObjective({ A, labels: [0, 1, 5], classes: 2 }, 'asgd.objective'), 'asgd.objective.labels[2]', 'label 5 under asgd.objective');
    expectField(() => objectiveFromSpec({ kind: 'softmax', n: 10, d: 2, classes: 1 }, 'asgd.objective'), 'asgd.objective.classes', 'spec classes = 1');
    expectField(() => objectiveFromSpec({ kind: 'mlp', n: 10, d: 2, classes: 3 }, 'asgd.objective'), 'asgd.objective.hidden', 'spec without hidden');
    expectField(() => objectiveFromSpec({ kind: 'mlp', n: 10, d: 2, classes: 3, hidden: 4, hiden: 4 }, 'asgd.objective'), 'asgd.objective.hiden', 'spec typo hiden');
    expectField(() => objectiveFromSpec({ kind: 'softmax', n: 10, d: 2, classes: 3, hidden: 4 }, 'asgd.objective'), 'asgd.objective.hidden', 'softmax spec with hidden');
    expectField(() => objectiveFromSpec({ kind: 'softmax', A: [[1]], labels: [0], classes: 2 }, 'objective'), 'objective.A', 'softmax spec with given data');
  });
});

// ---------------------------------------------------------------------------------------------
describe('softmax regression (classifiers.json "softmax")', () => {
  const S = fx.softmax;
  for (const c of S.cases) {
    const obj = softmaxObjective({ A: S.A, labels: S.labels, classes: S.classes, l2: c.l2 });
    it(`λ = ${c.l2}: shape, μ = λ, and F(0) = log C (closed form)`, () => {
      expect(obj.n).toBe(S.n);
      expect(obj.dim).toBe(S.classes * S.d);
      expect(obj.classes).toBe(S.classes);
      expect(obj.features).toBe(S.d);
      close(obj.value(new Float64Array(obj.dim)), Math.log(S.classes), 0, 'F(0)');
      if (c.l2 > 0) expect(obj.strongConvexity).toBe(c.l2);
      else expect(obj.strongConvexity).toBeUndefined();
    });
    c.points.forEach((p, k) => {
      it(`λ = ${c.l2}: F, ∇F, ∇f_i, predictions at point ${k} (x = [${p.x.join(', ')}])`, () => checkPoint(obj, p, `softmax λ ${c.l2} point ${k}`));
    });
  }
});

describe('MLP (classifiers.json "mlp")', () => {
  const M = fx.mlp;
  for (const c of M.cases) {
    const obj = mlpObjective({ A: M.A, labels: M.labels, classes: M.classes, hidden: M.hidden, l2: c.l2 });
    it(`λ = ${c.l2}: shape and parameter layout`, () => {
      expect(obj.n).toBe(M.n);
      expect(obj.dim).toBe(M.hidden * M.d + M.hidden + M.classes * M.hidden + M.classes);
      const x = Float64Array.from({ length: obj.dim }, (_, k) => k);
      const { W1, b1, W2, b2 } = mlpParameters(obj, x);
      expect([W1.length, b1.length, W2.length, b2.length]).toEqual([M.hidden * M.d, M.hidden, M.classes * M.hidden, M.classes]);
      expect([W1[0], b1[0], W2[0], b2[0], b2[M.classes - 1]]).toEqual([0, 6, 9, 18, 20]);
    });
    c.points.forEach((p, k) => {
      it(`λ = ${c.l2}: F, ∇F, ∇f_i, predictions at point ${k}`, () => checkPoint(obj, p, `mlp λ ${c.l2} point ${k}`));
    });
  }
});

// ---------------------------------------------------------------------------------------------
describe('gradients on generated data: central differences, mean of components, fused minibatch sum', () => {
  const softmax = generatedSoftmax({ n: 50, d: 4, classes: 3, l2: 0.05, seed: 3 });
  const mlp = generatedMlp({ n: 40, d: 3, hidden: 5, classes: 3, l2: 0.01, seed: 4 });
  const cases: [string, FiniteSumObjective, Float64Array[]][] = [
    ['softmax', softmax, [randomPoint(softmax.dim, 1, 1), randomPoint(softmax.dim, 2, 3)]],
    ['mlp', mlp, [mlpInitialPoint(mlp, 1), randomPoint(mlp.dim, 3, 1.5)]],
  ];

  for (const [name, obj, points] of cases) {
    it(`${name}: ∇F matches central differences (h = 1e-4, tolerance from the h² error)`, () => {
      points.forEach((x, k) => checkFiniteDifferences(obj, x, 1e-4, `${name} point ${k}`));
    });

    it(`${name}: ∇F = mean of ∇f_i`, () => {
      for (const x of points) {
        const all = Int32Array.from({ length: obj.n }, (_, i) => i);
        const sum = summedComponents(obj, all, x);
        const g = new Float64Array(obj.dim);
        obj.gradient(x, g);
        const gi = new Float64Array(obj.dim);
        let scale = 0;
        for (let i = 0; i < obj.n; i++) {
          obj.componentGradient(i, x, gi);
          for (const v of gi) scale = Math.max(scale, Math.abs(v));
        }
        for (let j = 0; j < obj.dim; j++) close(g[j], sum[j] / obj.n, scale, `${name} ∇F[${j}]`);
      }
    });

    it(`${name}: minibatchGradientSum equals the sum of componentGradient in batch order (bit for bit), repeatedly`, () => {
      const batch = Int32Array.of(3, 0, 17, 3, 39, 8, 8, 21);
      const fused = new Float64Array(obj.dim).fill(99); // must be overwritten, not added to
      for (const x of points) {
        obj.minibatchGradientSum!(batch, batch.length, x, fused);
        expect(Array.from(fused)).toEqual(Array.from(summedComponents(obj, batch, x)));
        // a prefix of the batch (count < batch.length)
        obj.minibatchGradientSum!(batch, 3, x, fused);
        expect(Array.from(fused)).toEqual(Array.from(summedComponents(obj, batch.subarray(0, 3), x)));
      }
    });

    it(`${name}: gradients do not depend on previous calls (scratch is fully overwritten)`, () => {
      const [x, y] = points;
      const a = new Float64Array(obj.dim);
      const b = new Float64Array(obj.dim).fill(7);
      obj.componentGradient(5, x, a);
      obj.componentGradient(11, y, b);
      obj.value(y);
      obj.componentGradient(5, x, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    });
  }

  it('softmax: large scores do not overflow (stable log-sum-exp)', () => {
    const x = randomPoint(softmax.dim, 9, 1).map((v) => v * 500);
    const F = softmax.value(x);
    const g = new Float64Array(softmax.dim);
    softmax.gradient(x, g);
    expect(Number.isFinite(F), `F = ${F}`).toBe(true);
    expect(g.every(Number.isFinite)).toBe(true);
    const mx = randomPoint(mlp.dim, 9, 1).map((v) => v * 500);
    expect(Number.isFinite(mlp.value(mx))).toBe(true);
  });

  it('mlp: x = 0 is a stationary point when the classes are exactly balanced (n = 40 is not a multiple of C = 3, n = 42 is)', () => {
    const balanced = generatedMlp({ n: 42, d: 3, hidden: 5, classes: 3, seed: 4 });
    const g = new Float64Array(balanced.dim);
    balanced.gradient(new Float64Array(balanced.dim), g);
    // W1, b1, W2 parts are exactly 0 (u = 0, W2 = 0); b2 part = mean(1/C − e_y) = 0 up to rounding
    for (let k = 0; k < balanced.dim; k++) expect(Math.abs(g[k]), `∂F/∂x_${k} at 0`).toBeLessThan(1e-15);
  });
});

// ---------------------------------------------------------------------------------------------
describe('generated data', () => {
  it('same seed ⇒ identical data and values; different seeds differ; default seed is 0', () => {
    const a = generatedSoftmax({ n: 200, d: 5, classes: 4, seed: 12 });
    const b = generatedSoftmax({ n: 200, d: 5, classes: 4, seed: 12 });
    const c = generatedSoftmax({ n: 200, d: 5, classes: 4, seed: 13 });
    expect(Array.from(a.A)).toEqual(Array.from(b.A));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.A)).not.toEqual(Array.from(c.A));
    const x = randomPoint(a.dim, 5, 1);
    expect(a.value(x)).toBe(b.value(x));
    expect(Array.from(generatedSoftmax({ n: 30, d: 2, classes: 3 }).A)).toEqual(Array.from(generatedSoftmax({ n: 30, d: 2, classes: 3, seed: 0 }).A));
    const m1 = generatedMlp({ n: 200, d: 5, hidden: 8, classes: 4, seed: 12 });
    const m2 = generatedMlp({ n: 200, d: 5, hidden: 8, classes: 4, seed: 12 });
    expect(Array.from(m1.A)).toEqual(Array.from(m2.A));
    expect(Array.from(m1.labels)).toEqual(Array.from(m2.labels));
    // softmax and mlp use different data streams: same seed, unrelated data
    expect(Array.from(m1.A)).not.toEqual(Array.from(a.A));
    // hidden, l2 and initScale do not change the data
    expect(Array.from(generatedMlp({ n: 200, d: 5, hidden: 3, classes: 4, seed: 12, l2: 0.5, initScale: 2 }).A)).toEqual(Array.from(m1.A));
  });

  it('follows the documented generator: softmax = stream 2 single centers, mlp = stream 3 antipodal pairs', () => {
    const s = generatedSoftmax({ n: 100, d: 3, classes: 4, noise: 0.7, separation: 2, seed: 5 });
    const ds = mixtureClassificationData({ n: 100, d: 3, classes: 4, noise: 0.7, separation: 2, antipodal: false, seed: 5, stream: 2 });
    expect(Array.from(s.A)).toEqual(Array.from(ds.A));
    expect(Array.from(s.labels)).toEqual(Array.from(ds.labels));
    const m = generatedMlp({ n: 100, d: 3, hidden: 4, classes: 4, noise: 0.7, separation: 2, seed: 5 });
    const dm = mixtureClassificationData({ n: 100, d: 3, classes: 4, noise: 0.7, separation: 2, antipodal: true, seed: 5, stream: 3 });
    expect(Array.from(m.A)).toEqual(Array.from(dm.A));
    // noise 0: every softmax point is its class center; every mlp point is ± its class center
    const z = mixtureClassificationData({ n: 60, d: 3, classes: 3, noise: 0, separation: 1, antipodal: true, seed: 2, stream: 3 });
    for (let i = 0; i < 60; i++) {
      const c = z.labels[i];
      const sgn = Math.sign(z.A[i * 3]) === Math.sign(z.centers[c * 3]) ? 1 : -1;
      for (let j = 0; j < 3; j++) expect(z.A[i * 3 + j], `example ${i}`).toBe(sgn * z.centers[c * 3 + j]);
    }
  });

  it('labels are exactly balanced (counts ⌊n/C⌋ or ⌈n/C⌉) and shuffled', () => {
    const obj = generatedSoftmax({ n: 1003, d: 2, classes: 5, seed: 1 });
    const counts = new Array(5).fill(0);
    for (const y of obj.labels) counts[y]++;
    for (const k of counts) expect(k === 200 || k === 201, `counts ${counts}`).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1003);
    // not in the unshuffled order i mod C
    expect(Array.from(obj.labels.subarray(0, 20))).not.toEqual(Array.from({ length: 20 }, (_, i) => i % 5));
  });

  it('noise statistics: a − μ_y has mean 0 and variance noise² per coordinate (5 SE; softmax generator)', () => {
    const n = 4000;
    const d = 3;
    const noise = 0.8;
    const { A, labels, centers } = mixtureClassificationData({ n, d, classes: 4, noise, separation: 1.5, antipodal: false, seed: 8, stream: 2 });
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const r = A[i * d + j] - centers[labels[i] * d + j];
        sum += r;
        sq += r * r;
      }
    }
    const N = n * d;
    // mean of N iid N(0, σ²): SE σ/√N; sample second moment: mean σ², SE σ²√(2/N)
    expect(Math.abs(sum / N), 'mean residual').toBeLessThan((5 * noise) / Math.sqrt(N));
    expect(Math.abs(sq / N - noise * noise), 'mean squared residual').toBeLessThan(5 * noise * noise * Math.sqrt(2 / N));
  });

  it('softmax: x* from Newton has ∇F(x*) ≈ 0, F* ≤ F elsewhere, L bounds the curvature', () => {
    const obj = generatedSoftmax({ n: 300, d: 4, classes: 3, seed: 2 });
    expect(obj.minimizer).toBeDefined();
    expect(obj.strongConvexity).toBe(0.01);
    const g = new Float64Array(obj.dim);
    obj.gradient(obj.minimizer!, g);
    expect(Math.hypot(...g), '‖∇F(x*)‖').toBeLessThan(1e-10);
    close(obj.minimum!, obj.value(obj.minimizer!), 0, 'F* = F(x*)');
    const gy = new Float64Array(obj.dim);
    for (let k = 0; k < 5; k++) {
      const x = randomPoint(obj.dim, 100 + k, 2);
      const y = randomPoint(obj.dim, 200 + k, 2);
      expect(obj.value(x)).toBeGreaterThan(obj.minimum!);
      // (∇F(x) − ∇F(y))·(x − y) ∈ [μ‖x − y‖², L‖x − y‖²]
      obj.gradient(x, g);
      obj.gradient(y, gy);
      let ip = 0;
      let dd = 0;
      for (let j = 0; j < obj.dim; j++) {
        ip += (g[j] - gy[j]) * (x[j] - y[j]);
        dd += (x[j] - y[j]) ** 2;
      }
      expect(ip).toBeLessThanOrEqual(obj.lipschitz! * dd);
      expect(ip).toBeGreaterThanOrEqual(obj.strongConvexity! * dd * (1 - 1e-12));
    }
    expect(generatedSoftmax({ n: 300, d: 4, classes: 3, seed: 2, l2: 0 }).minimizer, 'no x* without L2 (W + 1vᵀ is flat)').toBeUndefined();
  });

  it('mlpInitialPoint: seeded, zero biases, W1 ~ N(0, s²/d), W2 ~ N(0, s²/h)', () => {
    const obj = generatedMlp({ n: 10, d: 50, hidden: 64, classes: 4, initScale: 2 });
    const x = mlpInitialPoint(obj, 3);
    expect(Array.from(mlpInitialPoint(obj, 3))).toEqual(Array.from(x));
    expect(Array.from(mlpInitialPoint(obj, 4))).not.toEqual(Array.from(x));
    const { W1, b1, W2, b2 } = mlpParameters(obj, x);
    expect(b1.every((v) => v === 0) && b2.every((v) => v === 0)).toBe(true);
    const meanSq = (v: Float64Array) => v.reduce((s, t) => s + t * t, 0) / v.length;
    // E[w²] = σ², SE of the sample mean of w² is σ²√(2/N); check within 5 SE
    const v1 = 4 / 50;
    const v2 = 4 / 64;
    expect(Math.abs(meanSq(W1) - v1), `W1 mean square ${meanSq(W1)} vs ${v1}`).toBeLessThan(5 * v1 * Math.sqrt(2 / W1.length));
    expect(Math.abs(meanSq(W2) - v2), `W2 mean square ${meanSq(W2)} vs ${v2}`).toBeLessThan(5 * v2 * Math.sqrt(2 / W2.length));
    // an explicit scale overrides initScale
    const half = mlpInitialPoint(obj, 3, 1);
    for (let k = 0; k < obj.dim; k++) expect(half[k]).toBe(x[k] / 2);
  });
});

// ---------------------------------------------------------------------------------------------
describe('classificationAccuracy', () => {
  it('softmax, hand-made: A = ±e_1, ±e_2 with W = I predicts [0, 1, 1, 0]; ties go to the lowest class', () => {
    const A = [[1, 0], [0, 1], [-1, 0], [0, -1]];
    const W = Float64Array.of(1, 0, 0, 1); // class 0 score a_1, class 1 score a_2
    // predictions: [1,0]→0, [0,1]→1, [-1,0]→ scores (-1, 0) → 1, [0,-1] → (0, -1) → 0
    const right = softmaxObjective({ A, labels: [0, 1, 1, 0], classes: 2 });
    expect([0, 1, 2, 3].map((i) => right.predict(W, i))).toEqual([0, 1, 1, 0]);
    expect(classificationAccuracy(right, W)).toBe(1);
    const oneWrong = softmaxObjective({ A, labels: [0, 1, 0, 0], classes: 2 });
    expect(classificationAccuracy(oneWrong, W)).toBe(0.75);
    // W = 0: all scores tie, every prediction is class 0: accuracy = share of label 0
    expect(classificationAccuracy(oneWrong, new Float64Array(4))).toBe(0.75);
    expect(classificationAccuracy(right, new Float64Array(4))).toBe(0.5);
    expect(isClassificationObjective(right)).toBe(true);
  });

  it('mlp, hand-made: h = 1, s = (tanh a, −tanh a) predicts 0 for a ≥ 0 and 1 for a < 0', () => {
    const obj = mlpObjective({ A: [[2], [-1], [0.5], [0], [-3]], labels: [0, 1, 1, 0, 0], classes: 2, hidden: 1 });
    // layout: W1 (1×1), b1 (1), W2 (2×1), b2 (2)
    const x = Float64Array.of(1, 0, 1, -1, 0, 0);
    expect([0, 1, 2, 3, 4].map((i) => obj.predict(x, i))).toEqual([0, 1, 0, 0, 1]);
    expect(classificationAccuracy(obj, x)).toBe(3 / 5);
    // a bias b2 = (0, 10) makes class 1 win everywhere
    expect(classificationAccuracy(obj, Float64Array.of(1, 0, 1, -1, 0, 10))).toBe(2 / 5);
  });

  it('works on objectives built from specs (typed as FiniteSumObjective)', () => {
    const obj = objectiveFromSpec({ kind: 'mlp', n: 100, d: 3, hidden: 4, classes: 4, seed: 1 }, 'objective');
    expect(obj.name).toBe('mlp');
    expect(isClassificationObjective(obj)).toBe(true);
    const direct = generatedMlp({ n: 100, d: 3, hidden: 4, classes: 4, seed: 1 });
    const x = mlpInitialPoint(direct, 2);
    expect(classificationAccuracy(obj, x)).toBe(classificationAccuracy(direct, x));
    expect(obj.value(x)).toBe(direct.value(x));
    const sm = objectiveFromSpec({ kind: 'softmax', n: 100, d: 3, classes: 4, noise: 0.5, separation: 2, l2: 0.1, seed: 1 }, 'objective');
    expect(sm.name).toBe('softmax');
    expect(sm.value(new Float64Array(12))).toBe(generatedSoftmax({ n: 100, d: 3, classes: 4, noise: 0.5, separation: 2, l2: 0.1, seed: 1 }).value(new Float64Array(12)));
  });
});

// ---------------------------------------------------------------------------------------------
describe('the MLP data need a non-linear model', () => {
  // n = 800, d = 4, C = 4, noise 0.5, seed 7. The best linear model is the exact minimizer of the
  // convex softmax objective with a bias feature (Newton, λ = 1e-4): every class has mean 0, so it
  // can only use differences in spread along a direction (measured 0.51 training accuracy, chance
  // 0.25). A linear model on quadratic features (a_j a_k), which can express |μ_c·a|, and the MLP
  // itself (600 full-batch momentum-GD steps) reach ≈ 1.0 on the same data. The independent claim
  // is the comparison (quadratic features and the MLP beat the best linear model by ≥ 0.3, which a
  // class-symmetric mixture implies); 'linear < 0.65' is a regression guard set above the measured
  // 0.51 (not an expected value from an independent source), catching a generator that stops being
  // symmetric. The computation is deterministic; the margins leave room for the last bits of
  // exp/tanh differing between platforms.
  const d = 4;
  const C = 4;
  const mlp = generatedMlp({ n: 800, d, hidden: 16, classes: C, seed: 7 });
  const rows = rowsOf(mlp.A, mlp.n, d).map((r) => [...r, 1]);
  const labels = Array.from(mlp.labels);

  it('the best linear (softmax + bias) model is far below quadratic features and the trained MLP', () => {
    const linear = softmaxObjective({ A: rows, labels, classes: C, l2: 1e-4 });
    expect(linear.minimizer, 'Newton converged').toBeDefined();
    const accLinear = classificationAccuracy(linear, linear.minimizer!);
    const quadRows = rows.map((r) => {
      const q = [...r];
      for (let a = 0; a < d; a++) for (let b = a; b < d; b++) q.push(r[a] * r[b]);
      return q;
    });
    const quad = softmaxObjective({ A: quadRows, labels, classes: C, l2: 1e-4 });
    expect(quad.minimizer, 'Newton converged').toBeDefined();
    const accQuad = classificationAccuracy(quad, quad.minimizer!);

    const x = mlpInitialPoint(mlp, 1);
    const g = new Float64Array(mlp.dim);
    const v = new Float64Array(mlp.dim);
    const F0 = mlp.value(x);
    for (let it = 0; it < 600; it++) {
      mlp.gradient(x, g);
      for (let k = 0; k < mlp.dim; k++) {
        v[k] = 0.9 * v[k] - 0.1 * g[k];
        x[k] += v[k];
      }
    }
    const accMlp = classificationAccuracy(mlp, x);
    const summary = `accuracy: linear ${accLinear}, quadratic ${accQuad}, MLP ${accMlp}; F ${F0} → ${mlp.value(x)}`;
    expect(accLinear, summary).toBeLessThan(0.65);
    expect(accQuad, summary).toBeGreaterThan(accLinear + 0.3);
    expect(accMlp, summary).toBeGreaterThan(accLinear + 0.3);
  });
});
