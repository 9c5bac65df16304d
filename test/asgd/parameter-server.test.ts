/**
 * The parameter-server simulation. Expected values:
 *  - Aji & Heafield 2019 Table 3, average staleness with N = 4 equal workers: asynchronous 1×1: 3,
 *    local 4×1: 3, combined 2×2: 1.5, global 1×4: 0.75 (exact, in steady state);
 *  - staleness injection into synchronous SGD (pull every U updates): average (U − 1)/2 (§2.3);
 *  - exponential compute times: by memorylessness the next worker to finish is uniform among the
 *    m workers, independently of the past, so staleness is geometric, P[τ = k] = (1/m)(1 − 1/m)^k
 *    (MindTheStep's geometric model): frequencies within z binomial SE, z with Bonferroni over
 *    the 12 lags (family-wise 10⁻³ per m);
 *  - synchronous SGD with full batches is gradient descent on the summed gradient (hand recursion).
 */
import { describe, expect, it } from 'vitest';
import { bonferroniZ } from '../helpers/frequencies.ts';
import { leastSquaresObjective } from '../../src/asgd/objectives/least-squares.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { runParameterServer, type ServerSpec } from '../../src/asgd/parameter-server.ts';
import { ConfigError } from '../../src/core/errors.ts';

const base: ServerSpec = { objective: toyObjective(), x0: 4, workers: 4, batchSize: 1, mode: 'async', computeTime: { kind: 'constant', mean: 1 }, optimizer: { kind: 'sgd', lr: 0.001 }, updates: 420 };
const mean = (a: Int32Array) => a.reduce((s, v) => s + v, 0) / a.length;

describe('staleness with equal compute times (Aji & Heafield Table 3)', () => {
  for (const [L, G, expected] of [[1, 1, 3], [4, 1, 3], [2, 2, 1.5], [1, 4, 0.75]] as const) {
    it(`local ${L} × global ${G}: average staleness ${expected}`, () => {
      const r = runParameterServer({ ...base, localAccumulation: L, globalAccumulation: G }, { seed: 0 });
      // steady state: after the first 40 applied gradients (whole cycles of 4 follow)
      expect(mean(r.staleness.slice(40, 40 + 4 * 80))).toBe(expected);
    });
  }
  it('asynchronous: every gradient has staleness N − 1 after the first round', () => {
    const r = runParameterServer({ ...base, workers: 7 }, { seed: 0 });
    expect(Array.from(r.staleness.slice(0, 7))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(new Set(r.staleness.slice(7))).toEqual(new Set([6]));
  });
});

describe('staleness injection into synchronous SGD', () => {
  for (const U of [1, 5, 7]) {
    it(`pull every ${U} updates: average staleness ${(U - 1) / 2}`, () => {
      const r = runParameterServer({ ...base, mode: 'sync', pullEvery: U, updates: 70 * U }, { seed: 0 });
      expect(mean(r.staleness)).toBe((U - 1) / 2);
    });
  }
});

describe('exponential compute times give geometric staleness with p = 1/m', () => {
  for (const m of [4, 8]) {
    it(`m = ${m}`, () => {
      const r = runParameterServer({ ...base, workers: m, computeTime: { kind: 'exponential', mean: 1 }, updates: 40_000 }, { seed: 5 });
      const tau = r.staleness.slice(m); // after the first round
      const N = tau.length;
      const p = 1 / m;
      // binomial SE: each update's staleness is geometric(1/m) (memoryless compute times; the
      // staleness of successive updates overlaps in time, a weak dependence this SE ignores);
      // Bonferroni over the 12 lags, family-wise false alarm 10⁻³ (z = 3.94)
      const z = bonferroniZ(12);
      for (let k = 0; k < 12; k++) {
        const q = p * (1 - p) ** k;
        const f = tau.reduce((c, t) => c + (t === k ? 1 : 0), 0) / N;
        expect(Math.abs(f - q), `P[τ = ${k}]: ${f} vs ${q}`).toBeLessThan(z * Math.sqrt((q * (1 - q)) / N));
      }
    });
  }
});

describe('synchronous SGD', () => {
  it('with full batches is gradient descent on the sum of the m workers’ gradients', () => {
    const A = [[1, 0.5], [0.2, 1], [1, -1], [0.3, 0.7]];
    const B = [1, 2, 0, 1];
    const obj = leastSquaresObjective({ A, B });
    const r = runParameterServer({ ...base, objective: obj, x0: [0, 0], workers: 3, batchSize: 4, sampling: 'without-replacement', mode: 'sync', updates: 50 }, { seed: 1 });
    const x = [0, 0];
    const g = new Float64Array(2);
    for (let k = 0; k < 50; k++) {
      obj.gradient(Float64Array.from(x), g);
      for (let i = 0; i < 2; i++) x[i] -= 0.001 * 3 * g[i];
    }
    expect(r.x[50 * 2]).toBeCloseTo(x[0], 12);
    expect(r.x[50 * 2 + 1]).toBeCloseTo(x[1], 12);
    expect(r.time.at(-1)).toBe(50); // constant compute time 1 per round
  });
});

describe('records, reproducibility, refusals', () => {
  it('same seed ⇒ identical; gradients above dropAbove are dropped', () => {
    const spec: ServerSpec = { ...base, computeTime: { kind: 'lognormal', mean: 1, sd: 0.5 }, updates: 500 };
    const a = runParameterServer(spec, { seed: 3 });
    expect(runParameterServer(spec, { seed: 3 }).x).toEqual(a.x);
    expect(runParameterServer(spec, { seed: 4 }).staleness).not.toEqual(a.staleness);
    const d = runParameterServer({ ...spec, dropAbove: 2 }, { seed: 3 });
    expect(Math.max(...d.staleness)).toBeLessThanOrEqual(2);
    expect(d.dropped).toBeGreaterThan(0);
  });
  it('a buffer of dropped gradients makes no update (derived by hand for 4 equal workers, dropAbove 1)', () => {
    // round 1: τ = 0, 1 applied, τ = 2, 3 dropped (the version stays at 2, those workers re-pull v2);
    // every later round: the two fresh pullers have τ = 1 (applied), the other two τ = 2 (dropped).
    // 100 updates = 2 per round, so the last is at t = 50 and 2 · 49 gradients were dropped.
    const spec: ServerSpec = { ...base, workers: 4, computeTime: { kind: 'constant', mean: 1 }, updates: 100, dropAbove: 1 };
    const r = runParameterServer(spec, { seed: 1 });
    expect(r.dropped).toBe(98);
    expect(r.staleness.length).toBe(100);
    expect(Array.from(r.staleness.slice(0, 4))).toEqual([0, 1, 1, 1]);
    expect(Math.max(...r.staleness)).toBe(1);
    expect(r.time.at(-1)).toBe(50);
    // stepScale(τ) = 0 drops exactly as dropAbove does: the same run, bit for bit
    const z = runParameterServer({ ...spec, dropAbove: undefined, stepScale: (tau) => (tau >= 2 ? 0 : 1) }, { seed: 1 });
    expect(z.dropped).toBe(98);
    expect(z.x).toEqual(r.x);
  });
  it('stepScale is checked before the run: finite, ≥ 0, and > 0 at τ = 0', () => {
    for (const f of [(t: number) => (t === 3 ? NaN : 1), (t: number) => (t === 5 ? -1 : 1), () => 0, (t: number) => (t === 2 ? Infinity : 1)]) {
      expect(() => runParameterServer({ ...base, stepScale: f }, { seed: 1 })).toThrow(expect.objectContaining({ field: 'server.stepScale' }));
    }
  });
  const bad: [Partial<ServerSpec> & Record<string, unknown>, string][] = [
    [{ workers: 0 }, 'server.workers'],
    [{ workers: -3 }, 'server.workers'],
    [{ localAccumulation: 0 }, 'server.localAccumulation'],
    [{ globalAccumulation: -1 }, 'server.globalAccumulation'],
    [{ mode: 'sync', pullEvery: 0 }, 'server.pullEvery'],
    [{ computeTime: { kind: 'constant', mean: -1 } }, 'server.computeTime.mean'],
    [{ computeTime: { kind: 'normal', mean: 1, sd: -0.1 } }, 'server.computeTime.sd'],
    [{ optimizer: { kind: 'adam', lr: 0.01, beta2: 1.5 } as never }, 'server.optimizer.beta2'],
    [{ updates: 0 }, 'server.updates'],
  ];
  for (const [patch, field] of bad) {
    it(`refuses ${JSON.stringify(patch)}`, () => {
      let err: unknown;
      try {
        runParameterServer({ ...base, ...patch } as ServerSpec, { seed: 0 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
    });
  }
});
