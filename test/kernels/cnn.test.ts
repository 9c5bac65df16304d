/**
 * The CNN kernel (src/kernels/assembly/cnn.ts, WebAssembly SIMD) and its TypeScript twin
 * (src/kernels/cnn-fallback.ts) give the same bits: every entry point of CnnKernel (loss, scores,
 * one example's gradient, summed and averaged minibatch gradients) on random images and random
 * parameters, for shapes with even and odd pooled maps (the SIMD loops' tails), and a whole
 * parameter-server run on the CNN objective. The numbers themselves are checked against an
 * independent implementation in test/asgd/cnn.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, under } from '../helpers/kernel-backends.ts';
import { cnnInitialPoint, generatedCnn } from '../../src/asgd/objectives/cnn.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { CnnKernel } from '../../src/kernels/cnn-kernel.ts';
import { cnnShape } from '../../src/kernels/cnn-shape.ts';
import { setKernelBackend } from '../../src/kernels/index.ts';

afterAll(() => setKernelBackend('auto'));

/** Uniform numbers in [−scale, scale) from a small LCG (test-only, independent of the library's streams). */
function random(length: number, seed: number, scale: number): Float64Array {
  let st = seed >>> 0;
  const x = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    x[k] = scale * (2 * (st / 2 ** 32) - 1);
  }
  return x;
}

/** The bits of doubles, for exact comparison that tells −0 from +0 and shows where results part. */
const bits = (a: ArrayLike<number>): string[] => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

// [H, W, k, c1, c2, h, C]: pooled widths even (28×28: 12, 4), odd (15: 6 then 2; 13: 5 then 1), k = 2 and k = 4
const SHAPES: [number, number, number, number, number, number, number][] = [
  [28, 28, 5, 3, 4, 6, 10],
  [16, 15, 3, 2, 3, 4, 3],
  [13, 17, 3, 3, 2, 5, 4],
  [11, 9, 2, 2, 3, 3, 2],
  [20, 21, 4, 1, 5, 7, 3],
];

describe('CnnKernel: WebAssembly and TypeScript give the same bits', () => {
  for (const [H, W, k, c1, c2, h, C] of SHAPES) {
    it(`${H}×${W} images, k = ${k}, channels ${c1}, ${c2}, hidden ${h}, ${C} classes: loss, scores and gradients`, () => {
      const n = 9;
      const A = random(n * H * W, H * 31 + W, 1);
      const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % C);
      const dim = cnnShape(H, W, k, c1, c2, h, C).dim;
      const points = [random(dim, 5, 0.5), random(dim, 6, 2)];
      const batch = Int32Array.from([3, 0, 8, 3, 5, 1, 7]);
      const results = BACKENDS.map((backend) =>
        under(backend, () => {
          const kern = new CnnKernel(A, labels, n, H, W, k, c1, c2, h, C, 0.03);
          const out: string[][] = [];
          for (const x of points) {
            out.push(bits([kern.value(x)]));
            const s = new Float64Array(C);
            for (let i = 0; i < n; i++) {
              kern.scores(x, i, s);
              out.push(bits(s));
            }
            const g = new Float64Array(dim);
            kern.componentGradient(4, x, g);
            out.push(bits(g));
            kern.gradientSum(batch, batch.length, x, g);
            out.push(bits(g));
            const acc = random(dim + 2, 9, 1);
            kern.gradMeanAdd(batch, batch.length, x, acc, 2);
            out.push(bits(acc));
          }
          return out;
        }),
      );
      expect(results[0].length).toBe(results[1].length);
      results[0].forEach((r, j) => expect(r, `result ${j}`).toEqual(results[1][j]));
    });
  }

  it('a parameter-server run on the CNN objective: the same trajectory and losses under both backends', () => {
    const obj = generatedCnn({ n: 120, size: 12, classes: 3, kernel: 3, channels: [2, 3], hidden: 5, seed: 2 });
    const spec = { objective: obj, x0: cnnInitialPoint(obj, 2), workers: 3, batchSize: 4, mode: 'async' as const, computeTime: { kind: 'normal' as const, mean: 1, sd: 0.2 }, optimizer: { kind: 'sgd' as const, lr: 0.05 }, updates: 80, saveEvery: 20 };
    const runs = BACKENDS.map((b) => under(b, () => runParameterServer(spec, { seed: 3 })));
    expect(bits(runs[0].F)).toEqual(bits(runs[1].F));
    expect(bits(runs[0].x)).toEqual(bits(runs[1].x));
  });
});
