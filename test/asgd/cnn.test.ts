/**
 * The small CNN objective (src/asgd/objectives/cnn.ts): cnnObjective, generatedCnn,
 * cnnInitialPoint, its JSON specs ({kind: 'cnn'}, {kind: 'mnist', model: 'cnn'}) and its runs.
 *
 * Reference values: test/fixtures/cnn.json, written by test/fixtures/cnn.py, an independent numpy
 * implementation computed the textbook way (full-resolution convolutions, then 2×2 average
 * pooling; backpropagation through that graph, itself checked against central differences in the
 * script), on images and parameters given by literal formulas. Tolerances as in
 * classifiers.test.ts: relative 1e-12; sums (∇F) relative to the magnitude of their summands.
 * Finite differences: test/helpers/finite-differences.ts says how the tolerance is derived (the
 * truncation error estimated from D(2h) − D(h), plus the rounding error δF/h).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cnnInitialPoint, cnnObjective, generatedCnn, type CnnObjective } from '../../src/asgd/objectives/cnn.ts';
import { classificationAccuracy } from '../../src/asgd/objectives/classifier.ts';
import { mnistObjective } from '../../src/asgd/objectives/mnist.ts';
import { objectiveFromSpec, type ObjectiveSpec } from '../../src/asgd/objectives/spec.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { runThreadedServer } from '../../src/asgd/threaded-server.ts';
import { cnnShape } from '../../src/kernels/cnn-shape.ts';
import { configError } from '../helpers/config-error.ts';
import { checkFiniteDifferences } from '../helpers/finite-differences.ts';
import { BACKENDS, under } from '../helpers/kernel-backends.ts';

interface Point {
  x: number[];
  F: number;
  gradF: number[];
  grads: number[][];
  pred: number[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/cnn.json', import.meta.url), 'utf8')) as {
  height: number; width: number; kernel: number; channels: [number, number]; hidden: number; classes: number; n: number; dim: number;
  A: number[][]; labels: number[]; cases: { l2: number; points: Point[] }[];
};

const REL = 1e-12;
function close(got: number, ref: number, scale: number, what: string): void {
  const tol = REL * Math.max(Math.abs(ref), scale);
  expect(Math.abs(got - ref), `${what}: got ${got}, ref ${ref}, tol ${tol}`).toBeLessThanOrEqual(tol);
}

function expectField(fn: () => unknown, field: string, context: string): void {
  const e = configError(fn, context);
  expect(e.field, `${context} (reason: ${e.reason})`).toBe(field);
}

const BLOCKS = ['K1', 'b1', 'K2', 'b2', 'W3', 'b3', 'W4', 'b4'] as const;
/** The parameter blocks of a CNN objective: name and index range. */
function blocks(obj: CnnObjective): { name: string; from: number; to: number }[] {
  const s = cnnShape(obj.height, obj.width, obj.kernel, obj.channels[0], obj.channels[1], obj.hidden, obj.classes);
  const at = [s.oK1, s.oB1, s.oK2, s.oB2, s.oW3, s.oB3, s.oW4, s.oB4, s.dim];
  return BLOCKS.map((name, b) => ({ name, from: at[b], to: at[b + 1] }));
}

describe('cnnObjective against the independent numpy implementation (test/fixtures/cnn.py)', () => {
  for (const backend of BACKENDS) {
    for (const c of fx.cases) {
      it(`${backend}, λ = ${c.l2}: F, ∇F, every ∇f_i and the predicted classes at ${c.points.length} points`, () => {
        under(backend, () => {
          const obj = cnnObjective({ A: fx.A, labels: fx.labels, classes: fx.classes, height: fx.height, width: fx.width, kernel: fx.kernel, channels: fx.channels, hidden: fx.hidden, l2: c.l2 });
          expect(obj.dim).toBe(fx.dim);
          expect(obj.n).toBe(fx.n);
          c.points.forEach((p, k) => {
            const x = Float64Array.from(p.x);
            const label = `point ${k}`;
            const gScale = Math.max(...p.grads.flat().map(Math.abs));
            close(obj.value(x), p.F, 0, `${label}: F`);
            const g = new Float64Array(obj.dim);
            obj.gradient(x, g);
            for (let j = 0; j < obj.dim; j++) close(g[j], p.gradF[j], gScale, `${label}: ∇F[${j}]`);
            p.grads.forEach((row, i) => {
              obj.componentGradient(i, x, g);
              for (let j = 0; j < obj.dim; j++) close(g[j], row[j], gScale, `${label}: ∇f_${i}[${j}]`);
            });
            p.pred.forEach((cl, i) => expect(obj.predict(x, i), `${label}: class of example ${i}`).toBe(cl));
          });
        });
      });
    }
  }
});

describe('gradients', () => {
  const obj = generatedCnn({ n: 20, size: 11, classes: 3, kernel: 3, channels: [2, 3], hidden: 5, l2: 0.01, seed: 1 });
  const points = [cnnInitialPoint(obj, 1), cnnInitialPoint(obj, 2, 2.5)];

  it('∇F equals central finite differences of F on every parameter block (every coordinate)', () => {
    for (const [p, x] of points.entries()) {
      for (const b of blocks(obj)) {
        expect(b.to, b.name).toBeGreaterThan(b.from);
        checkFiniteDifferences(obj, x, 1e-4, `point ${p}, block ${b.name}`, Array.from({ length: b.to - b.from }, (_, j) => b.from + j));
      }
    }
  });

  it('the minibatch sum is the sum of the per-example gradients, the averaged gradient their mean, ∇F their mean over all examples (the same bits)', () => {
    const gi = new Float64Array(obj.dim);
    for (const x of points) {
      const batch = Int32Array.from([4, 17, 4, 0, 11]);
      const sum = new Float64Array(obj.dim);
      const mean = new Float64Array(obj.dim + 1).fill(0.25);
      for (const i of batch) {
        obj.componentGradient(i, x, gi);
        for (let j = 0; j < obj.dim; j++) {
          sum[j] += gi[j];
          mean[1 + j] += gi[j] / batch.length;
        }
      }
      const got = new Float64Array(obj.dim).fill(7);
      obj.minibatchGradientSum!(batch, batch.length, x, got);
      expect(Array.from(got)).toEqual(Array.from(sum));
      const gotMean = new Float64Array(obj.dim + 1).fill(0.25);
      obj.addMeanGradient!(batch, batch.length, x, gotMean, 1);
      expect(Array.from(gotMean)).toEqual(Array.from(mean));
      const all = new Float64Array(obj.dim);
      for (let i = 0; i < obj.n; i++) {
        obj.componentGradient(i, x, gi);
        for (let j = 0; j < obj.dim; j++) all[j] += gi[j];
      }
      const G = new Float64Array(obj.dim);
      obj.gradient(x, G);
      expect(Array.from(G)).toEqual(Array.from(all, (v) => v / obj.n));
    }
  });

  it('a minibatch index outside [0, n) is refused (the kernel trusts its indices)', () => {
    expect(() => obj.minibatchGradientSum!(Int32Array.from([0, 20]), 2, points[0], new Float64Array(obj.dim))).toThrow(RangeError);
  });
});

describe('cnnInitialPoint', () => {
  it('is seeded (same seed, same bits; another seed, another point), zero biases, weights of SD s/√fan_in', () => {
    const obj = generatedCnn({ n: 10, size: 28, classes: 10, seed: 1 });
    const a = cnnInitialPoint(obj, 7);
    expect(Array.from(cnnInitialPoint(obj, 7))).toEqual(Array.from(a));
    expect(Array.from(cnnInitialPoint(obj, 8))).not.toEqual(Array.from(a));
    const b = blocks(obj);
    // fan-ins of K1, K2, W3, W4: k², c1·k², F, h; the default architecture: k = 5, c1 = 8, F = 16·4·4, h = 32
    const fanIn: Record<string, number> = { K1: 25, K2: 200, W3: 256, W4: 32 };
    for (const { name, from, to } of b) {
      const v = a.subarray(from, to);
      if (name.startsWith('b')) {
        expect(v.every((e) => e === 0), name).toBe(true);
        continue;
      }
      // sample variance of m normals: relative SE √(2/m); 5 SE
      const m = v.length;
      const varHat = v.reduce((s, e) => s + e * e, 0) / m;
      expect(Math.abs(varHat * fanIn[name] - 1), `${name}: variance ${varHat} vs 1/${fanIn[name]}`).toBeLessThanOrEqual(5 * Math.sqrt(2 / m));
    }
    expect(obj.dim).toBe(200 + 8 + 3200 + 16 + 32 * 256 + 32 + 10 * 32 + 10);
  });
});

describe('bad input throws ConfigError naming the field', () => {
  const A = [Array(256).fill(0.5), Array(256).fill(-0.5)];
  const base = { A, labels: [0, 1], classes: 2, height: 16, width: 16, kernel: 3 };
  it('cnnObjective', () => {
    expectField(() => cnnObjective({ ...base, width: 15 }), 'objective.A', 'rows not height·width');
    expectField(() => cnnObjective({ ...base, kernel: 6 }), 'objective.height', '16×16 too small for k = 6 (needs 3k + 1 = 19)');
    expect(cnnObjective({ ...base, kernel: 5 }).dim, 'k = 5 fits 16×16 exactly').toBeGreaterThan(0);
    expectField(() => cnnObjective({ ...base, A: [Array(15 * 18).fill(0), Array(15 * 18).fill(1)], height: 18, width: 15, kernel: 5 }), 'objective.width', 'width 15 < 16');
    expectField(() => cnnObjective({ ...base, kernel: 0 }), 'objective.kernel', 'kernel 0');
    expectField(() => cnnObjective({ ...base, channels: [2] as unknown as [number, number] }), 'objective.channels', 'one channel count');
    expectField(() => cnnObjective({ ...base, channels: [2, 0] }), 'objective.channels[1]', 'c2 = 0');
    expectField(() => cnnObjective({ ...base, hidden: 1.5 }), 'objective.hidden', 'hidden 1.5');
    expectField(() => cnnObjective({ ...base, l2: -1 }), 'objective.l2', 'l2 < 0');
    expectField(() => cnnObjective({ ...base, initScale: 0 }), 'objective.initScale', 'initScale 0');
    expectField(() => cnnObjective({ ...base, labels: [0, 2] }), 'objective.labels[1]', 'label ≥ classes');
  });
  it('generatedCnn and the {kind: "cnn"} spec', () => {
    expectField(() => generatedCnn({ n: 10, size: 9, classes: 2, kernel: 3 }), 'objective.size', 'size 9 < 10');
    expectField(() => generatedCnn({ n: 0, size: 12, classes: 2, kernel: 3 }), 'objective.n', 'n = 0');
    expectField(() => generatedCnn({ n: 10, size: 12, classes: 1, kernel: 3 }), 'objective.classes', 'one class');
    expectField(() => objectiveFromSpec({ kind: 'cnn', n: 10, size: 12, classes: 2, kernel: 3, chanels: [2, 2] }, 'asgd.objective'), 'asgd.objective.chanels', 'typo chanels');
    expectField(() => objectiveFromSpec({ kind: 'cnn', n: 10, classes: 2 }, 'asgd.objective'), 'asgd.objective.size', 'no size');
    expectField(() => objectiveFromSpec({ kind: 'cnn', n: 10, size: 12, classes: 2, kernel: 3, noise: -1 }, 'asgd.objective'), 'asgd.objective.noise', 'noise < 0');
  });
  it('{kind: "mnist", model: "cnn"} refuses a projection and fields of other models, before loading', () => {
    expectField(() => mnistObjective({ model: 'cnn', dim: 50 }), 'objective.dim', 'PCA features');
    expectField(() => objectiveFromSpec({ kind: 'mnist', model: 'cnn', perDigit: 10, hiden: 3 }, 'o'), 'o.hiden', 'typo hiden');
    expectField(() => objectiveFromSpec({ kind: 'mnist', model: 'mlp', perDigit: 10, kernel: 3 }, 'o'), 'o.kernel', 'kernel is a CNN field');
    expectField(() => objectiveFromSpec({ kind: 'mnist', model: 'cnn', perDigit: 10, channels: [4] }, 'o'), 'o.channels', 'one channel count');
  });
});

describe('specs and training', () => {
  const spec = { kind: 'cnn', n: 240, size: 12, classes: 3, kernel: 3, channels: [3, 4], hidden: 8, noise: 1, seed: 5 } satisfies ObjectiveSpec;

  it('{kind: "cnn"} builds generatedCnn (same data, same loss); a short SGD run decreases the loss and raises the accuracy', () => {
    const obj = objectiveFromSpec(spec, 'objective') as CnnObjective;
    const direct = generatedCnn(spec);
    expect(Array.from(obj.A)).toEqual(Array.from(direct.A));
    const x0 = cnnInitialPoint(obj, 1);
    expect(obj.value(x0)).toBe(direct.value(x0));
    const r = runParameterServer({ objective: obj, x0, workers: 1, batchSize: 8, mode: 'async', computeTime: { kind: 'constant', mean: 1 }, optimizer: { kind: 'sgd', lr: 0.1 }, updates: 600, saveEvery: 600 }, { seed: 1 });
    const F0 = obj.value(x0);
    const F1 = r.F[r.F.length - 1];
    // chance level: F0 ≈ log 3 ≈ 1.1 at the start; the classes are separable (templates 1·N(0, I) in 144 pixels, noise 1)
    expect(F0).toBeGreaterThan(0.9);
    expect(F1, `F from ${F0} to ${F1}`).toBeLessThan(0.5 * F0);
    const xEnd = r.x.subarray(r.x.length - obj.dim); // r.x holds every save, row by row
    expect(classificationAccuracy(obj, xEnd)).toBeGreaterThan(classificationAccuracy(obj, x0) + 0.3);
  });

  it('runs on real threads: runThreadedServer with the {kind: "cnn"} spec, m = 2 workers', async () => {
    const obj = objectiveFromSpec(spec, 'objective') as CnnObjective;
    const x0 = cnnInitialPoint(obj, 1);
    const r = await runThreadedServer({ objective: spec, x0: Array.from(x0), workers: 2, batchSize: 8, mode: 'async', optimizer: { kind: 'sgd', lr: 0.05 }, updates: 200, saveEvery: 100 }, { seed: 3 });
    expect(r.F.length).toBe(3);
    expect(r.F[0]).toBe(obj.value(x0));
    expect(r.F[2]).toBeLessThan(r.F[0]);
  });

  it('runs on real threads on MNIST: the main thread loads the digits once and shares them with the workers', async () => {
    const mnist = { kind: 'mnist', model: 'cnn', digits: [3, 8], perDigit: 100, channels: [4, 8], hidden: 16 } satisfies ObjectiveSpec;
    const obj = objectiveFromSpec(mnist, 'objective') as CnnObjective;
    const x0 = cnnInitialPoint(obj, 1);
    const r = await runThreadedServer({ objective: mnist, x0: Array.from(x0), workers: 2, batchSize: 8, mode: 'async', optimizer: { kind: 'sgd', lr: 0.05 }, updates: 200, saveEvery: 100 }, { seed: 3 });
    expect(r.F[0]).toBe(obj.value(x0));
    expect(r.F[2]).toBeLessThan(0.5 * r.F[0]);
  });

  it('{kind: "mnist", model: "cnn"}: the 28×28 images of the chosen digits, the default architecture', () => {
    const obj = objectiveFromSpec({ kind: 'mnist', model: 'cnn', digits: [3, 8], perDigit: 30, channels: [2, 4], hidden: 6 }, 'objective') as CnnObjective;
    const direct = mnistObjective({ model: 'cnn', digits: [3, 8], perDigit: 30, channels: [2, 4], hidden: 6 });
    expect([obj.n, obj.height, obj.width, obj.classes, obj.kernel, obj.hidden, obj.l2]).toEqual([60, 28, 28, 2, 5, 6, 1e-4]);
    expect(obj.dim).toBe(2 * 25 + 2 + 4 * 2 * 25 + 4 + 6 * 4 * 16 + 6 + 2 * 6 + 2);
    expect(obj.description).toMatch(/^CNN \(conv 5×5×2.*28×28 pixel grid\) on MNIST digits 3,8/);
    const x = cnnInitialPoint(obj, 1);
    expect(direct.value(x)).toBe(obj.value(x));
  });
});
