/**
 * Inconsistent read, sparse updates and delay compensation in the runner and the server.
 * Expected values:
 *  - deterministic full-batch trajectories from an independent NumPy implementation
 *    (test/fixtures/async_variants.py): Hogwild inconsistent read with per-coordinate lags,
 *    DC-ASGD with constant λ and DC-ASGD-a, and the recursion a 2-worker server with equal
 *    constant compute times applies (staleness 1 after the first update);
 *  - sparse updates: only s coordinates move, and the mean update over one-step runs is −η∇F(x0)
 *    (∇F computed here from A and B directly), within 4 standard errors per coordinate.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bonferroniZ } from '../helpers/frequencies.ts';
import { leastSquaresObjective } from '../../src/asgd/objectives/least-squares.ts';
import { runParameterServer } from '../../src/asgd/parameter-server.ts';
import { asgdConfig, runAsgd } from '../../src/asgd/runner.ts';
import { optimizer } from '../../src/asgd/optimizers.ts';
import { delayModel } from '../../src/delay/models.ts';
import { configError } from '../helpers/config-error.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/async_variants.json', import.meta.url), 'utf8'));
const obj = leastSquaresObjective({ A: fx.A, B: fx.B });
const n = fx.A.length as number;
const d = fx.x0.length as number;
const K = fx.K as number;
const full = { objective: obj, x0: fx.x0 as number[], iterations: K, batchSize: n, sampling: 'without-replacement' as const, beforeHistory: 'clip' as const };

function expectTrajectory(x: Float64Array, ref: number[][], what: string) {
  for (let k = 0; k <= K; k++) for (let j = 0; j < d; j++) expect(Math.abs(x[k * d + j] - ref[k][j]), `${what}: k = ${k}, j = ${j}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref[k][j])));
}

describe('inconsistent read (Hogwild)', () => {
  it('per-coordinate constant lags reproduce the NumPy recursion', () => {
    const c = fx.inconsistent;
    const r = runAsgd({ ...full, eta: c.eta, read: { kind: 'inconsistent', delays: c.lags.map((lag: number) => ({ kind: 'constant', lag })) } }, { seed: 0, recordDelays: true });
    expectTrajectory(r.x, c.x, 'inconsistent');
    // K × d lags, clipped at k
    expect(r.delays!.length).toBe(K * d);
    expect(Array.from(r.delays!.subarray(2 * d, 3 * d))).toEqual([0, 1, 2, 2]);
    expect(Array.from(r.delays!.subarray(10 * d, 11 * d))).toEqual(c.lags);
  });

  it("'inconsistent' draws every coordinate's lag from the delay model, independently", () => {
    const model = delayModel({ kind: 'uniform', max: 4 });
    const r = runAsgd({ ...full, batchSize: 2, sampling: 'with-replacement', eta: 0.01, iterations: 20_000, delay: model, read: 'inconsistent' }, { seed: 3, recordDelays: true, saveAt: { final: true } });
    const lags = r.delays!;
    const N = lags.length / d - 4;
    const counts = Array.from({ length: d }, () => new Array(5).fill(0));
    let equal = 0;
    for (let k = 4; k < N + 4; k++) {
      for (let j = 0; j < d; j++) counts[j][lags[k * d + j]]++;
      if (lags[k * d] === lags[k * d + 1]) equal++;
    }
    // binomial SE sqrt(p(1 − p)/N), p = 1/5; Bonferroni over the 5d frequencies and the agreement
    // rate below: family-wise false alarm 10⁻³
    const z = bonferroniZ(5 * d + 1);
    for (let j = 0; j < d; j++) for (let l = 0; l <= 4; l++) expect(Math.abs(counts[j][l] / N - 0.2), `coordinate ${j}, lag ${l}`).toBeLessThan(z * Math.sqrt(0.16 / N));
    // independent coordinates agree with probability Σ p² = 0.2
    expect(Math.abs(equal / N - 0.2)).toBeLessThan(z * Math.sqrt(0.16 / N));
  });

  it('consistent read is unchanged (the default), and bad read specs are refused by field', () => {
    const a = runAsgd({ ...full, eta: 0.1, delay: { kind: 'constant', lag: 2 } }, { seed: 0 });
    const b = runAsgd({ ...full, eta: 0.1, delay: { kind: 'constant', lag: 2 }, read: 'consistent' }, { seed: 0 });
    expect(b.x).toEqual(a.x);
    expect(configError(() => asgdConfig({ ...full, eta: 0.1, read: { kind: 'inconsistent', delays: [{ kind: 'constant', lag: 1 }] } }), 'count').field).toBe('asgd.read.delays');
    expect(configError(() => asgdConfig({ ...full, eta: 0.1, delay: { kind: 'constant', lag: 1 }, read: { kind: 'inconsistent', delays: Array(d).fill({ kind: 'constant', lag: 1 }) } }), 'both').field).toBe('asgd.delay');
    expect(configError(() => asgdConfig({ ...full, eta: 0.1, read: 'inconsistent', stepScale: () => 1 }), 'stepScale').field).toBe('asgd.stepScale');
    expect(configError(() => asgdConfig({ ...full, eta: 0.1, read: 'hogwild' as never }), 'kind').field).toBe('asgd.read');
  });
});

describe('sparse updates', () => {
  it('write exactly s coordinates per iteration, and are unbiased: E[x1 − x0] = −η∇F(x0)', () => {
    const eta = 0.05;
    const s = 2;
    const one = runAsgd({ ...full, eta, iterations: 50, sparse: { coordinates: s } }, { seed: 1 });
    for (let k = 0; k < 50; k++) {
      let moved = 0;
      for (let j = 0; j < d; j++) if (one.x[(k + 1) * d + j] !== one.x[k * d + j]) moved++;
      expect(moved, `iteration ${k}`).toBeLessThanOrEqual(s);
    }
    // ∇F(x0) = Aᵀ(A x0 − B)/n, from the data directly
    const g0 = new Array(d).fill(0);
    for (let i = 0; i < n; i++) {
      let r = -fx.B[i];
      for (let j = 0; j < d; j++) r += fx.A[i][j] * fx.x0[j];
      for (let j = 0; j < d; j++) g0[j] += (fx.A[i][j] * r) / n;
    }
    const paths = 20_000;
    const sum = new Array(d).fill(0);
    const sq = new Array(d).fill(0);
    const cfg = asgdConfig({ ...full, eta, iterations: 1, sparse: { coordinates: s } });
    for (let p = 0; p < paths; p++) {
      const r = runAsgd(cfg, { seed: 5, path: p, saveAt: { final: true } });
      for (let j = 0; j < d; j++) {
        const u = r.x[j] - fx.x0[j];
        sum[j] += u;
        sq[j] += u * u;
      }
    }
    for (let j = 0; j < d; j++) {
      const mean = sum[j] / paths;
      const se = Math.sqrt((sq[j] / paths - mean * mean) / paths);
      expect(Math.abs(mean + eta * g0[j]), `coordinate ${j}: ${mean} ± ${se} vs ${-eta * g0[j]}`).toBeLessThan(4 * se);
    }
    expect(configError(() => asgdConfig({ ...full, eta, sparse: { coordinates: d + 1 } }), 's > d').field).toBe('asgd.sparse.coordinates');
  });
});

describe('DC-ASGD (Zheng et al. 2017)', () => {
  it('constant λ and the adaptive λ of DC-ASGD-a reproduce the NumPy recursion', () => {
    const c = fx['dc-c'];
    const rc = runAsgd({ ...full, eta: c.eta, delay: { kind: 'constant', lag: c.lag }, compensation: { kind: 'dc-asgd', lambda: c.lambda } }, { seed: 0 });
    expectTrajectory(rc.x, c.x, 'dc-c');
    const a = fx['dc-a'];
    const ra = runAsgd({ ...full, eta: a.eta, delay: { kind: 'constant', lag: a.lag }, compensation: { kind: 'dc-asgd', lambda: a.lambda, meanSquare: a.meanSquare } }, { seed: 0 });
    expectTrajectory(ra.x, a.x, 'dc-a');
    // λ = 0 is plain ASGD
    const r0 = runAsgd({ ...full, eta: c.eta, delay: { kind: 'constant', lag: c.lag }, compensation: { kind: 'dc-asgd', lambda: 0 } }, { seed: 0 });
    expect(r0.x).toEqual(runAsgd({ ...full, eta: c.eta, delay: { kind: 'constant', lag: c.lag } }, { seed: 0 }).x);
  });

  it('as a server optimizer: 2 workers with equal compute times apply the staleness-1 recursion; 1 worker is SGD', () => {
    const c = fx['dc-server'];
    const server = (workers: number, opt: object) =>
      runParameterServer({ objective: obj, x0: fx.x0, workers, batchSize: n, sampling: 'without-replacement', mode: 'async', computeTime: { kind: 'constant', mean: 1 }, optimizer: opt as never, updates: K }, { seed: 1 });
    const r = server(2, { kind: 'dc-asgd', lr: c.lr, lambda: c.lambda });
    expect(Array.from(r.staleness.subarray(0, 5))).toEqual([0, 1, 1, 1, 1]);
    expectTrajectory(r.x, c.x, 'dc-server');
    expect(server(1, { kind: 'dc-asgd', lr: c.lr, lambda: c.lambda }).x).toEqual(server(1, { kind: 'sgd', lr: c.lr }).x);
  });

  it('bad specs are refused naming the field', () => {
    expect(configError(() => optimizer({ kind: 'dc-asgd', lr: 0.1 }, 2, 'server.optimizer'), 'λ').field).toBe('server.optimizer.lambda');
    expect(configError(() => optimizer({ kind: 'dc-asgd', lr: 0.1, lambda: 1, meanSquare: 1 }, 2, 'server.optimizer'), 'm').field).toBe('server.optimizer.meanSquare');
    expect(configError(() => optimizer({ kind: 'dc-asgd', lr: 0.1, lambda: 1, eps: 1e-3 }, 2, 'server.optimizer'), 'eps').field).toBe('server.optimizer.eps');
    expect(configError(() => asgdConfig({ ...full, eta: 0.1, compensation: { kind: 'dc-asgd', lambda: -1 } }), 'neg').field).toBe('asgd.compensation.lambda');
    expect(configError(() => asgdConfig({ ...full, eta: 0.1, compensation: { kind: 'dc', lambda: 1 } as never }), 'kind').field).toBe('asgd.compensation.kind');
  });
});
