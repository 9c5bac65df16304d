/**
 * The discrete ASGD runner. Expected values come from hand-written recursions in this file
 * (plain SGD over the recorded minibatches, using the fixture data directly, not the objective
 * code) and closed forms for deterministic full-batch runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bonferroniZ } from '../helpers/frequencies.ts';
import { expectFrequencies, truncatedGeometric } from '../helpers/frequencies.ts';
import { expressionObjective } from '../../src/asgd/objectives/expression.ts';
import { leastSquaresObjective } from '../../src/asgd/objectives/least-squares.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { asgdConfig, type AsgdSpec, runAsgd } from '../../src/asgd/runner.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { delayModel } from '../../src/delay/models.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/objectives.json', import.meta.url), 'utf8'));
const A: number[][] = fx.least_squares.A;
const B: number[] = fx.least_squares.B;

describe('SGD is the l = 0 case', () => {
  it('ASGD with l ≡ 0 equals plain SGD step for step (hand-written loop over the recorded minibatches)', () => {
    const obj = leastSquaresObjective({ A, B });
    const eta = 0.05;
    const K = 300;
    const b = 4;
    const r = runAsgd({ objective: obj, x0: [0.5, -1, 2], eta, iterations: K, batchSize: b, delay: { kind: 'constant', lag: 0 } }, { seed: 7, recordBatches: true });
    const x = [0.5, -1, 2];
    for (let k = 0; k < K; k++) {
      const g = [0, 0, 0];
      for (let m = 0; m < b; m++) {
        const i = r.batches![k * b + m];
        const res = A[i][0] * x[0] + A[i][1] * x[1] + A[i][2] * x[2] - B[i];
        for (let j = 0; j < 3; j++) g[j] += (A[i][j] * res) / b;
      }
      for (let j = 0; j < 3; j++) x[j] -= eta * g[j];
      for (let j = 0; j < 3; j++) expect(r.x[(k + 1) * 3 + j], `k = ${k + 1}, j = ${j}`).toBeCloseTo(x[j], 11);
    }
  });
  it('the fused least-squares minibatch gradient equals the sum of component gradients (bit for bit)', () => {
    const obj = leastSquaresObjective({ A, B });
    const batch = Int32Array.of(3, 0, 11, 3, 7);
    const x = Float64Array.of(0.3, -1.2, 2.5);
    const fused = new Float64Array(3);
    obj.minibatchGradientSum!(batch, 5, x, fused);
    const sum = new Float64Array(3);
    const gi = new Float64Array(3);
    for (const i of batch) {
      obj.componentGradient(i, x, gi);
      for (let j = 0; j < 3; j++) sum[j] += gi[j];
    }
    expect(Array.from(fused)).toEqual(Array.from(sum));
  });
  it('an explicit constant-0 delay model and the default give bit-identical runs', () => {
    const spec: AsgdSpec = { objective: toyObjective(), x0: 4, eta: 0.01, iterations: 500, batchSize: 1 };
    expect(runAsgd({ ...spec, delay: { kind: 'constant', lag: 0 } }, { seed: 3 }).x).toEqual(runAsgd(spec, { seed: 3 }).x);
  });
});

describe('delays', () => {
  // Full batch without replacement = exact gradient: x_{k+1} = x_k − η·2·x_{k−l_k} on the toy.
  const full = { objective: toyObjective(), x0: 4, eta: 0.05, iterations: 40, batchSize: 2, sampling: 'without-replacement' as const };
  function byHand(lags: (k: number) => number, history = 4): number[] {
    const xs = [4];
    for (let k = 0; k < 40; k++) {
      const j = k - lags(k);
      xs.push(xs[k] - 0.05 * 2 * (j >= 0 ? xs[j] : history));
    }
    return xs;
  }
  it("'clip' reads x_{k−min(l,k)}", () => {
    const r = runAsgd({ ...full, delay: { kind: 'constant', lag: 5 }, beforeHistory: 'clip' }, { recordDelays: true });
    expect(Array.from(r.delays!)).toEqual(Array.from({ length: 40 }, (_, k) => Math.min(5, k)));
    const xs = byHand((k) => Math.min(5, k));
    xs.forEach((v, k) => expect(r.x[k]).toBeCloseTo(v, 13));
  });
  it("'warmup' runs SGD for the first l steps", () => {
    const r = runAsgd({ ...full, delay: { kind: 'constant', lag: 5 }, beforeHistory: 'warmup' }, { recordDelays: true });
    const xs = byHand((k) => (k < 5 ? 0 : 5));
    xs.forEach((v, k) => expect(r.x[k]).toBeCloseTo(v, 13));
  });
  it("'history' reads the given pre-start iterate", () => {
    const r = runAsgd({ ...full, delay: { kind: 'constant', lag: 5 }, beforeHistory: 'history', history: 10 });
    const xs = byHand(() => 5, 10);
    xs.forEach((v, k) => expect(r.x[k]).toBeCloseTo(v, 13));
  });
  it('random lags follow the model (frequencies against the truncated geometric pmf, Bonferroni z)', () => {
    const model = delayModel({ kind: 'geometric', p: 0.4, maxLag: 10 });
    const r = runAsgd({ objective: toyObjective(), x0: 1, eta: 0.01, iterations: 50_000, batchSize: 1, delay: model, beforeHistory: 'history' }, { recordDelays: true, seed: 2, saveAt: { final: true } });
    const counts = new Array(11).fill(0);
    for (const l of r.delays!) counts[l]++;
    // expected: 0.4·0.6^l/(1 − 0.6^11) (test/helpers/frequencies.ts), not model.pmf; binomial SE,
    // Bonferroni over the lags with p ≥ 0.01, family-wise false alarm 10⁻³
    expectFrequencies(counts, 50_000, truncatedGeometric(0.4, 10), 'geometric(0.4)');
  });
});

describe('staleness-adaptive steps (stepScale)', () => {
  const full = { objective: toyObjective(), x0: 4, eta: 0.05, iterations: 60, batchSize: 2, sampling: 'without-replacement' as const, beforeHistory: 'history' as const };
  it('x_{k+1} = x_k − η α(l_k) ∇F(x_{k−l_k}) over the recorded lags (hand-written recursion; α(l) = 0 drops)', () => {
    const scale = (l: number) => (l === 3 ? 0 : 1.5 ** -l);
    const r = runAsgd({ ...full, delay: { kind: 'uniform', maxLag: 4 }, stepScale: scale }, { recordDelays: true, seed: 5 });
    const xs = [4];
    for (let k = 0; k < 60; k++) {
      const l = r.delays![k];
      const j = k - l;
      xs.push(xs[k] - 0.05 * scale(l) * 2 * (j >= 0 ? xs[j] : 4));
    }
    xs.forEach((v, k) => expect(r.x[k], `k = ${k}`).toBeCloseTo(v, 13));
    expect(r.delays!.some((l) => l === 3)).toBe(true);
  });
  it('a multiplier 1 everywhere gives the bit-identical run of no multiplier', () => {
    const spec = { ...full, delay: { kind: 'geometric', p: 0.3, maxLag: 12 } } as AsgdSpec;
    expect(runAsgd({ ...spec, stepScale: () => 1 }, { seed: 2 }).x).toEqual(runAsgd(spec, { seed: 2 }).x);
  });
  for (const [name, fn] of [
    ['NaN', () => NaN],
    ['negative', (l: number) => (l === 2 ? -1 : 1)],
    ['Infinity', (l: number) => (l === 4 ? Infinity : 1)],
    ['not a function', 3],
  ] as const) {
    it(`refused before any work: ${name}`, () => {
      expect(() => runAsgd({ ...full, delay: { kind: 'uniform', maxLag: 4 }, stepScale: fn as never })).toThrow(/asgd\.stepScale/);
    });
  }
});

describe('minibatches', () => {
  it('without replacement: b distinct indices per step, each index equally often (Bonferroni z)', () => {
    const obj = leastSquaresObjective({ A, B });
    const K = 20_000;
    const b = 5;
    const r = runAsgd({ objective: obj, x0: 0, eta: 0.001, iterations: K, batchSize: b, sampling: 'without-replacement' }, { recordBatches: true, seed: 8, saveAt: { final: true } });
    const counts = new Array(12).fill(0);
    for (let k = 0; k < K; k++) {
      const s = new Set(r.batches!.subarray(k * b, (k + 1) * b));
      expect(s.size).toBe(b);
      for (const i of s) counts[i]++;
    }
    // each index is in a given batch with probability b/n
    const p = b / 12;
    // an index's inclusion is independent across steps (fresh draws): binomial SE; Bonferroni over
    // the 12 indices, family-wise false alarm 10⁻³ (z = 3.94)
    const z = bonferroniZ(12);
    for (const c of counts) expect(Math.abs(c / K - p) / Math.sqrt((p * (1 - p)) / K)).toBeLessThan(z);
  });
  it('with replacement allows b > n: the recorded batches repeat indices, and the run is their recursion', () => {
    const r = runAsgd({ objective: toyObjective(), x0: 1, eta: 0.01, iterations: 10, batchSize: 5 }, { recordBatches: true, seed: 4 });
    expect(r.status).toBe('ok');
    // toy: ∇f_0 = 2(x + 1), ∇f_1 = 2(x − 1); x_{k+1} = x_k − η (1/b) Σ_{i ∈ batch_k} ∇f_i(x_k), replayed here
    const x = [1];
    for (let k = 0; k < 10; k++) {
      const batch = Array.from(r.batches!.subarray(k * 5, (k + 1) * 5));
      expect(new Set(batch).size).toBeLessThan(5); // 5 draws from 2 indices must repeat
      x.push(x[k] - (0.01 / 5) * batch.reduce((s, i) => s + 2 * (x[k] + (i === 0 ? 1 : -1)), 0));
    }
    for (let k = 0; k <= 10; k++) expect(r.x[k]).toBeCloseTo(x[k], 14);
  });
});

describe('schedules', () => {
  it('u_k = 1/(k+1) on the full-batch toy gives x_K = x_0 ∏(1 − 2η/(k+1))', () => {
    const r = runAsgd({ objective: toyObjective(), x0: 4, eta: 0.3, iterations: 50, batchSize: 2, sampling: 'without-replacement', schedule: { kind: 'inverse' } }, { saveAt: { final: true } });
    let x = 4;
    for (let k = 0; k < 50; k++) x *= 1 - (2 * 0.3) / (k + 1);
    expect(r.x[0]).toBeCloseTo(x, 13);
  });
  it('u_k = 1/(μ(k+1)) and 1/√(k+1)', () => {
    const a = runAsgd({ objective: toyObjective(), x0: 4, eta: 1, iterations: 30, batchSize: 2, sampling: 'without-replacement', schedule: { kind: 'inverse-mu', mu: 4 } }, { saveAt: { final: true } });
    const b = runAsgd({ objective: toyObjective(), x0: 4, eta: 0.2, iterations: 30, batchSize: 2, sampling: 'without-replacement', schedule: { kind: 'inverse-sqrt' } }, { saveAt: { final: true } });
    let xa = 4;
    let xb = 4;
    for (let k = 0; k < 30; k++) {
      xa *= 1 - 2 / (4 * (k + 1));
      xb *= 1 - (2 * 0.2) / Math.sqrt(k + 1);
    }
    expect(a.x[0]).toBeCloseTo(xa, 13);
    expect(b.x[0]).toBeCloseTo(xb, 13);
  });
});

describe('objectives from expressions', () => {
  it('the toy written as mathjs expressions gives the same path as the built-in toy', () => {
    const spec = { x0: 4, eta: 0.005, iterations: 400, batchSize: 1, delay: { kind: 'uniform' as const, maxLag: 4 } };
    const a = runAsgd({ ...spec, objective: toyObjective() }, { seed: 5 });
    const e = runAsgd({ ...spec, objective: expressionObjective({ variables: ['x'], components: ['(x+1)^2', '(x-1)^2'] }) }, { seed: 5 });
    for (let k = 0; k < a.x.length; k++) expect(e.x[k]).toBeCloseTo(a.x[k], 12);
  });
});

describe('seeds', () => {
  const spec: AsgdSpec = { objective: toyObjective(), x0: 4, eta: 0.01, iterations: 300, batchSize: 1, delay: { kind: 'poisson', lambda: 2, maxLag: 8 } };
  it('same seed ⇒ bit-identical; different seed ⇒ different', () => {
    const a = runAsgd(spec, { seed: 1, recordDelays: true });
    const b = runAsgd(spec, { seed: 1, recordDelays: true });
    expect(b.x).toEqual(a.x);
    expect(b.delays).toEqual(a.delays);
    expect(runAsgd(spec, { seed: 2 }).x).not.toEqual(a.x);
  });
});

describe('divergence', () => {
  it('η too large: stops with status diverged at the step that overflowed, keeping the iterates', () => {
    // full-batch toy with η = 2: x_{k+1} = −3 x_k, overflows near k = log(1.8e308/4)/log 3 ≈ 645
    const r = runAsgd({ objective: toyObjective(), x0: 4, eta: 2, iterations: 5000, batchSize: 2, sampling: 'without-replacement' });
    expect(r.status).toBe('diverged');
    const expectedStep = Math.ceil(Math.log(Number.MAX_VALUE / 4) / Math.log(3));
    expect(Math.abs(r.divergence!.step - expectedStep)).toBeLessThanOrEqual(1);
    expect(r.x.length).toBe(r.divergence!.step);
    expect(r.x.every(Number.isFinite)).toBe(true);
  });
});

describe('bad input is refused, naming the field', () => {
  const good: AsgdSpec = { objective: toyObjective(), x0: 4, eta: 0.01, iterations: 10, batchSize: 1 };
  const cases: [string, Partial<AsgdSpec> & Record<string, unknown>, string][] = [
    ['eta NaN', { eta: NaN }, 'asgd.eta'],
    ['eta 0', { eta: 0 }, 'asgd.eta'],
    ['eta negative', { eta: -1 }, 'asgd.eta'],
    ['iterations non-integer', { iterations: 2.5 }, 'asgd.iterations'],
    ['batch size 0', { batchSize: 0 }, 'asgd.batchSize'],
    ['batch > n without replacement', { batchSize: 3, sampling: 'without-replacement' }, 'asgd.batchSize'],
    ['x0 wrong length', { x0: [1, 2] }, 'asgd.x0'],
    ['x0 Infinity', { x0: Infinity }, 'asgd.x0'],
    ['negative lag', { delay: { kind: 'constant', lag: -2 } }, 'asgd.delay.lag'],
    ['poisson lambda 0', { delay: { kind: 'poisson', lambda: 0, maxLag: 4 } }, 'asgd.delay.lambda'],
    ['unknown field', { etaa: 0.1 }, 'asgd.etaa'],
    ['bad schedule', { schedule: { kind: 'inverse-mu', mu: -1 } as never }, 'asgd.schedule.mu'],
    ['bad policy', { beforeHistory: 'zero' as never }, 'asgd.beforeHistory'],
  ];
  for (const [name, patch, field] of cases) {
    it(name, () => {
      let err: unknown;
      try {
        runAsgd({ ...good, ...patch } as AsgdSpec);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
    });
  }
});

describe('minibatch sampler', () => {
  it('with replacement draws exactly the indices uniformIndex would (same stream)', async () => {
    const { MinibatchSampler } = await import('../../src/asgd/minibatch.ts');
    const { deriveEngine, uniformIndex } = await import('../../src/random/streams.ts');
    for (const n of [1, 7, 10_000, 3_000_000_019 % 2 ** 31]) {
      const s = new MinibatchSampler(n, 16, 'with-replacement', deriveEngine(4, 'minibatch', 0));
      const e = deriveEngine(4, 'minibatch', 0);
      const out = new Int32Array(16);
      for (let rep = 0; rep < 50; rep++) {
        s.draw(out);
        for (let j = 0; j < 16; j++) expect(out[j], `n = ${n}`).toBe(uniformIndex(e, n));
      }
    }
  });
});

describe('F(x_0) at the first save', () => {
  it('is evaluated once per configuration (every path starts there) and equals a fresh evaluation bit for bit; another x_0 is evaluated anew', () => {
    const ls = leastSquaresObjective({ A: [[1, 0.5], [0.2, 1], [1, -1], [0.3, 0.7]], B: [1, 2, 0.5, -1] });
    const calls: number[][] = [];
    const counting = { ...ls, value: (x: Float64Array) => (calls.push(Array.from(x)), ls.value(x)) };
    const cfg = asgdConfig({ objective: counting, x0: [0.3, -0.2], eta: 0.05, iterations: 40, batchSize: 2, delay: { kind: 'uniform', maxLag: 2 } });
    calls.length = 0; // (asgdConfig checks that F(x_0) is finite)
    const runs = [0, 1, 2].map((path) => runAsgd(cfg, { seed: 5, path, saveAt: { every: 20 } }));
    const atStart = calls.filter((x) => x[0] === 0.3 && x[1] === -0.2).length;
    expect(atStart, 'F(x_0) evaluations for 3 paths').toBe(1);
    expect(calls.length, '1 at x_0, then 2 saves per path').toBe(1 + 3 * 2);
    for (const r of runs) expect(Object.is(r.F[0], ls.value(Float64Array.of(0.3, -0.2)))).toBe(true);
    const other = asgdConfig({ objective: counting, x0: [1, 1], eta: 0.05, iterations: 40, batchSize: 2, delay: { kind: 'uniform', maxLag: 2 } });
    calls.length = 0;
    const r2 = runAsgd(other, { seed: 5, saveAt: { every: 20 } });
    expect(Object.is(r2.F[0], ls.value(Float64Array.of(1, 1)))).toBe(true);
    expect(calls.filter((x) => x[0] === 1 && x[1] === 1).length).toBe(1);
  });
});
