/**
 * Measured staleness beside the simulated one. Expected values:
 *  - fitComputeTimeLaw: the closed-form maximum-likelihood estimates, computed here from the
 *    sample (normal: mean and population SD; log-normal: mean and SD of the logs), and the law a
 *    sample was drawn from wins by likelihood (fixed seeds, 20 000 draws);
 *  - measureThreadedStaleness on 2 real threads: the pieces agree with each other and with the
 *    server's log (what the analysis adds is bookkeeping; the server itself is tested in
 *    test/asgd/threaded-server.test.ts). Bounded: 2 workers, 2 runs of 400 updates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerThreadPool } from '../../src/asgd/threaded-server-pool.ts';
import { bhattacharyyaDistance, empiricalPmf } from '../../src/delay/fit.ts';
import { threadedStalenessFigure, threadedStalenessText } from '../../src/experiments/staleness-report.ts';
import { fitComputeTimeLaw, measureThreadedStaleness } from '../../src/experiments/threaded-staleness.ts';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine, uniformOpen01 } from '../../src/random/streams.ts';

describe('fitComputeTimeLaw', () => {
  const n = 20000;
  const z = new NormalSampler(deriveEngine(4, 'user', 0));
  const e = deriveEngine(4, 'user', 1);
  const samples = {
    exponential: Float64Array.from({ length: n }, () => -2e-3 * Math.log(uniformOpen01(e))),
    normal: Float64Array.from({ length: n }, () => 1e-3 * (1 + 0.1 * z.next())),
    lognormal: Float64Array.from({ length: n }, () => 1e-4 * Math.exp(0.8 * z.next())),
  };
  for (const [kind, xs] of Object.entries(samples)) {
    it(`a ${kind} sample: ${kind} wins, parameters are the MLE in units of the sample mean`, () => {
      const fit = fitComputeTimeLaw(xs);
      expect(fit.law.kind).toBe(kind);
      const mean = xs.reduce((a, v) => a + v, 0) / n;
      expect(fit.meanSeconds).toBeCloseTo(mean, 15);
      const u = Array.from(xs, (v) => v / mean);
      const normal = fit.candidates.find((c) => c.law.kind === 'normal')!.law as { sd: number };
      expect(normal.sd).toBeCloseTo(Math.sqrt(u.reduce((a, v) => a + (v - 1) ** 2, 0) / n), 12);
      const mu = u.reduce((a, v) => a + Math.log(v), 0) / n;
      const s2 = u.reduce((a, v) => a + (Math.log(v) - mu) ** 2, 0) / n;
      const ln = fit.candidates.find((c) => c.law.kind === 'lognormal')!.law as { mean: number; sd: number };
      expect(ln.mean).toBeCloseTo(Math.exp(mu + s2 / 2), 12);
      expect(ln.sd).toBeCloseTo(Math.exp(mu + s2 / 2) * Math.sqrt(Math.exp(s2) - 1), 12);
    });
  }
});

describe('measureThreadedStaleness (2 real threads)', () => {
  let pool: ServerThreadPool;
  beforeAll(() => {
    pool = new ServerThreadPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });
  it('bad input is refused naming the field', async () => {
    await expect(measureThreadedStaleness({ seed: 0, workers: 2, objective: { kind: 'toy' }, batchSize: 1, updates: 5 }, { pool })).rejects.toThrow(/staleness\.updates/);
    await expect(measureThreadedStaleness({ seed: 0, workers: 2, objective: { kind: 'toy' }, batchSize: 1, updates: 100, runs: 0 }, { pool })).rejects.toThrow(/staleness\.runs/);
  });
  it('measured and simulated analyses agree with the log, the fitted law and each other', async () => {
    const r = await measureThreadedStaleness({ workers: 2, objective: { kind: 'least-squares', n: 300, d: 8, seed: 1 }, batchSize: 8, updates: 400, runs: 2, seed: 3 }, { pool });
    expect(r.runs).toHaveLength(2);
    for (const run of r.runs) {
      expect(run.status).toBe('ok');
      expect(run.warmup).toBeGreaterThanOrEqual(8); // 4W, W ≥ 2 (both workers must push)
      expect(run.warmup).toBeLessThanOrEqual(200);
    }
    // the pooled sample is what each run kept after its warm-up
    expect(r.measured.staleness.length).toBe(r.runs.reduce((a, run) => a + 400 - run.warmup, 0));
    expect(Array.from(r.measured.histogram)).toEqual(Array.from(empiricalPmf(r.measured.staleness)));
    // mean of the run means, SE from their spread
    const means = r.runs.map((x) => x.mean);
    expect(r.measured.mean).toBeCloseTo((means[0] + means[1]) / 2, 12);
    expect(r.measured.meanSe).toBeCloseTo(Math.abs(means[0] - means[1]) / 2, 12);
    // the simulation ran at the fitted law with the same m and updates
    expect(r.simulated.spec.computeTime).toEqual(r.computeTime.law);
    expect(r.simulated.spec.workers).toBe(2);
    expect(r.distance).toBeCloseTo(bhattacharyyaDistance(r.measured.histogram, r.simulated.histogram), 15);
    // shares of m × run time: each thread's compute and lock-wait intervals lie inside the run, so
    // the sum is ≤ 1 up to the timer reading around each interval (two performance.now() calls per
    // gradient, ~µs, against gradients of ~30 µs: a few %); load stretches the run and the intervals
    // alike, so it does not move the bound
    expect(r.computeShare + r.lockWaitShare).toBeLessThanOrEqual(1.05);
    expect(r.cores).toBeGreaterThanOrEqual(1);
    const text = threadedStalenessText([r]);
    expect(text).toContain('2 threads');
    expect(text).toContain('2 simulated');
    const fig = threadedStalenessFigure([r], 'caption');
    expect(fig.data.length).toBeGreaterThan(5);
  });
});
