/**
 * The real-thread parameter server. Real threads interleave as the operating system schedules
 * them, so nothing here compares against a fixed trajectory; the checks are invariants that any
 * interleaving must satisfy, against values computed here independently of the server:
 *  - accounting: every computed gradient is applied exactly once, dropped, or unapplied (arrived
 *    after the end); the (worker, index) pairs in the log are distinct and, per worker, the applied
 *    ones are its first gradients in order;
 *  - staleness: τ = (the update that applied it) − (the version its worker pulled);
 *  - consistent mode: the final parameters equal a sequential replay of the logged (τ, gradient)
 *    sequence with the optimizer's recursion written out here (bit for bit for SGD), and every
 *    logged gradient equals the minibatch gradient recomputed here (componentGradient, the
 *    worker's minibatch stream) at the replayed iterate of its pulled version: the pull saw a whole
 *    number of updates;
 *  - Hogwild: the replay holds up to the reordering of floating-point additions per coordinate
 *    (no coordinate write is lost); some gradients may not match any whole iterate (reported).
 * Run time is bounded: m ≤ 3 workers, ≤ 2000 updates, and a wall-clock limit on every run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MinibatchSampler } from '../../src/asgd/minibatch.ts';
import type { FiniteSumObjective } from '../../src/asgd/objective.ts';
import { runThreadedServer, type ThreadedServerResult, type ThreadedServerSpec } from '../../src/asgd/threaded-server.ts';
import { ServerThreadPool } from '../../src/asgd/threaded-server-pool.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { objectiveFromSpec } from '../../src/asgd/objectives/spec.ts';
import { deriveEngine } from '../../src/random/streams.ts';

const objectiveSpec = { kind: 'least-squares' as const, n: 200, d: 5, seed: 3 };
const obj: FiniteSumObjective = objectiveFromSpec(objectiveSpec, 'objective');
const d = obj.dim;
const base: ThreadedServerSpec = { objective: objectiveSpec, x0: 0.5, workers: 3, batchSize: 4, mode: 'async', optimizer: { kind: 'sgd', lr: 0.02 }, updates: 1500, saveEvery: 250, recordGradients: true, maxSeconds: 60 };

let pool: ServerThreadPool;
beforeAll(() => {
  pool = new ServerThreadPool(3);
});
afterAll(async () => {
  await pool.close();
});

/** Every computed gradient is applied once, dropped, or unapplied; applied ones are each worker's first, in order. */
function expectAccounting(r: ThreadedServerResult, perUpdate: number, updates: number) {
  const m = r.workers;
  expect(r.staleness.length).toBe(r.applied.reduce((a, v) => a + v, 0));
  if (r.status === 'ok') expect(r.staleness.length).toBeGreaterThanOrEqual(updates); // one or more per update
  for (let w = 0; w < m; w++) {
    expect(r.computed[w], `worker ${w}`).toBe(r.applied[w] + r.dropped[w] + r.unapplied[w]);
    expect(r.unapplied[w]).toBeLessThanOrEqual(1); // only the gradient in flight when the run ended
  }
  const seen = new Set<string>();
  const last = new Int32Array(m).fill(-1);
  for (let k = 0; k < r.staleness.length; k++) {
    const key = `${r.worker[k]}:${r.sequence[k]}`;
    expect(seen.has(key), `gradient ${key} applied twice`).toBe(false);
    seen.add(key);
    if (perUpdate === 1) {
      // G = 1: a worker's gradients are applied in the order it computed them
      expect(r.sequence[k]).toBeGreaterThan(last[r.worker[k]]);
      last[r.worker[k]] = r.sequence[k];
    }
  }
  if (r.dropped.every((x) => x === 0)) {
    // nothing dropped: worker w's applied gradients are exactly its first applied[w] ones
    for (let w = 0; w < m; w++) {
      const seqs = Array.from(r.sequence).filter((_, k) => r.worker[k] === w).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: r.applied[w] }, (_, i) => i));
    }
  }
}

/** Mean of the component gradients of a batch at x. */
function batchGradient(batch: Int32Array, x: Float64Array): Float64Array {
  const g = new Float64Array(d);
  const gi = new Float64Array(d);
  for (const i of batch) {
    obj.componentGradient(i, x, gi);
    for (let j = 0; j < d; j++) g[j] += gi[j];
  }
  for (let j = 0; j < d; j++) g[j] /= batch.length;
  return g;
}

function batches(r: ThreadedServerResult, seed: number, b: number): Int32Array[][] {
  return Array.from({ length: r.workers }, (_, w) => {
    const s = new MinibatchSampler(obj.n, b, 'with-replacement', deriveEngine(seed, 'minibatch', w));
    return Array.from({ length: r.computed[w] }, () => {
      const batch = new Int32Array(b);
      s.draw(batch);
      return batch;
    });
  });
}

/**
 * Equal to rounding, relative to the vector's size: the worker may sum a minibatch with the
 * objective's fused kernel, the check sums componentGradient calls, so single coordinates that
 * cancel can differ in their last bits relative to themselves; a gradient at another iterate
 * would differ by ~lr·L relative to the whole vector.
 */
const relClose = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  let worst = 0;
  let size = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    size = Math.max(size, Math.abs(a[i]), Math.abs(b[i]));
  }
  return worst <= tol * size;
};

describe('runThreadedServer: bad input is refused naming the field, before any thread starts', () => {
  const cases: [Partial<ThreadedServerSpec> & Record<string, unknown>, string][] = [
    [{ workers: 0 }, 'server.workers'],
    [{ read: 'inconsistent', optimizer: { kind: 'adam', lr: 0.01 } }, 'server.read'],
    [{ read: 'inconsistent', globalAccumulation: 2 }, 'server.read'],
    [{ read: 'inconsistent', mode: 'sync' }, 'server.read'],
    [{ read: 'sometimes' as never }, 'server.read'],
    [{ mode: 'sync', globalAccumulation: 2 }, 'server.globalAccumulation'],
    [{ stepScale: () => 1 }, 'server.dropAbove'],
    [{ stepScale: (t: number) => (t === 0 ? 0 : 1), dropAbove: 5 }, 'server.stepScale'],
    [{ objective: { kind: 'expression', variables: ['x'], components: ['x^2'] } }, 'server.objective.kind'],
    [{ x0: [1, 2] }, 'server.x0'],
    [{ maxSeconds: 0 }, 'server.maxSeconds'],
    [{ recordGradients: 'yes' as never }, 'server.recordGradients'],
    [{ extra: 1 }, 'server.extra'],
  ];
  for (const [change, field] of cases) {
    it(`${JSON.stringify(change, (_k, v) => (typeof v === 'function' ? 'fn' : v))} → ${field}`, async () => {
      await expect(runThreadedServer({ ...base, ...change } as ThreadedServerSpec, { seed: 0, pool })).rejects.toSatisfy((e: unknown) => e instanceof ConfigError && e.field === field);
    });
  }
});

describe('consistent reads (locked server)', () => {
  it('async SGD: accounting, τ = update − pulled version, the final x is the replay of the log bit for bit, every gradient was computed at a whole iterate', async () => {
    const seed = 5;
    const r = await runThreadedServer(base, { seed, pool });
    expect(r.status).toBe('ok');
    expect(r.staleness.length).toBe(base.updates);
    expectAccounting(r, 1, base.updates);
    for (let k = 0; k < r.staleness.length; k++) expect(r.staleness[k]).toBe(k - r.pullVersion[k]);
    // replay: x_{k+1} = x_k − lr·g_k, keeping every iterate for the gradient check
    const lr = 0.02;
    const xs: Float64Array[] = [new Float64Array(d).fill(0.5)];
    const g = r.gradients!;
    for (let k = 0; k < r.staleness.length; k++) {
      const x = xs[k].slice();
      for (let i = 0; i < d; i++) x[i] -= lr * (1 * g[k * d + i]);
      xs.push(x);
    }
    expect(Array.from(r.x.subarray(r.x.length - d))).toEqual(Array.from(xs[xs.length - 1]));
    // saved iterates and F at them
    r.updates.forEach((u, i) => {
      expect(Array.from(r.x.subarray(i * d, (i + 1) * d)), `saved x at update ${u}`).toEqual(Array.from(xs[u]));
      expect(r.F[i]).toBe(obj.value(xs[u]));
    });
    expect(Array.from(r.updates)).toEqual([0, 250, 500, 750, 1000, 1250, 1500]);
    // each logged gradient is the worker's minibatch gradient at the iterate of its pulled version
    const bs = batches(r, seed, 4);
    for (let k = 0; k < r.staleness.length; k++) {
      const want = batchGradient(bs[r.worker[k]][r.sequence[k]], xs[r.pullVersion[k]]);
      expect(relClose(g.subarray(k * d, (k + 1) * d), want, 1e-12), `gradient ${k} (worker ${r.worker[k]}, #${r.sequence[k]}, pulled ${r.pullVersion[k]})`).toBe(true);
    }
    // what was measured
    expect(r.computeSeconds.every((t) => t >= 0)).toBe(true);
    expect(r.finishedAt.every((t, k) => t >= 0 && t <= r.seconds + 1e-3 && (k === 0 || Number.isFinite(t)))).toBe(true);
  });

  it('Adam with 2× global accumulation: τ from the update index, the final x is the replay with Adam written out here', async () => {
    const G = 2;
    const spec: ThreadedServerSpec = { ...base, globalAccumulation: G, optimizer: { kind: 'adam', lr: 0.01 }, updates: 600 };
    const r = await runThreadedServer(spec, { seed: 8, pool });
    expect(r.status).toBe('ok');
    expect(r.staleness.length).toBe(G * 600);
    expectAccounting(r, G, 600);
    for (let k = 0; k < r.staleness.length; k++) expect(r.staleness[k]).toBe(Math.floor(k / G) - r.pullVersion[k]);
    // Adam (β1 0.9, β2 0.98, ε 1e-9, the library's defaults; Aji & Heafield Section 3) on the summed gradients
    const x = new Float64Array(d).fill(0.5);
    const mo = new Float64Array(d);
    const ve = new Float64Array(d);
    const g = r.gradients!;
    for (let t = 1; t <= 600; t++) {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < G; j++) s += 1 * g[((t - 1) * G + j) * d + i];
        mo[i] = 0.9 * mo[i] + 0.1 * s;
        ve[i] = 0.98 * ve[i] + 0.02 * s * s;
        x[i] -= (0.01 * (mo[i] / (1 - 0.9 ** t))) / (Math.sqrt(ve[i] / (1 - 0.98 ** t)) + 1e-9);
      }
    }
    expect(relClose(r.x.subarray(r.x.length - d), x, 1e-10)).toBe(true);
  });

  it('synchronous rounds: τ = 0, each update applies one gradient of every worker, replay', async () => {
    const r = await runThreadedServer({ ...base, mode: 'sync', updates: 300 }, { seed: 9, pool });
    expect(r.status).toBe('ok');
    expect(r.staleness.length).toBe(3 * 300);
    expect(r.staleness.every((t) => t === 0)).toBe(true);
    expectAccounting(r, 3, 300);
    const x = new Float64Array(d).fill(0.5);
    const g = r.gradients!;
    for (let u = 0; u < 300; u++) {
      expect(new Set(r.worker.subarray(3 * u, 3 * u + 3)).size).toBe(3);
      const s = new Float64Array(d);
      for (let j = 0; j < 3; j++) for (let i = 0; i < d; i++) s[i] += 1 * g[(3 * u + j) * d + i];
      for (let i = 0; i < d; i++) x[i] -= 0.02 * s[i];
    }
    expect(Array.from(r.x.subarray(r.x.length - d))).toEqual(Array.from(x));
  });

  it('α(τ) with a drop: only τ = 0 is applied (α(τ) = 0 for τ ≥ 1), the dropped are counted, replay with α(0) = 0.5', async () => {
    const r = await runThreadedServer({ ...base, updates: 400, stepScale: (t) => (t === 0 ? 0.5 : 0), dropAbove: 20 }, { seed: 10, pool });
    expect(r.status).toBe('ok');
    expect(r.staleness.every((t) => t === 0)).toBe(true);
    expectAccounting(r, 1, 400);
    const x = new Float64Array(d).fill(0.5);
    const g = r.gradients!;
    for (let k = 0; k < r.staleness.length; k++) for (let i = 0; i < d; i++) x[i] -= 0.02 * (0.5 * g[k * d + i]);
    expect(Array.from(r.x.subarray(r.x.length - d))).toEqual(Array.from(x));
  });

  it('a wall-clock limit ends the run with status time-limit and keeps a consistent log; the pool serves the next run', async () => {
    const r = await runThreadedServer({ ...base, updates: 2_000_000, saveEvery: 100_000, recordGradients: false, maxSeconds: 0.3 }, { seed: 11, pool });
    expect(r.status).toBe('time-limit');
    expect(r.updates[r.updates.length - 1]).toBe(r.staleness.length); // the final state, at the last update
    expect(r.staleness.length).toBeLessThan(2_000_000);
    expectAccounting(r, 1, 0);
    const again = await runThreadedServer({ ...base, updates: 50 }, { seed: 12, pool });
    expect(again.status).toBe('ok');
  });

  it('divergence stops the run with status diverged, the update where it happened, and the non-finite state kept', async () => {
    const r = await runThreadedServer({ ...base, optimizer: { kind: 'sgd', lr: 50 }, updates: 1000, recordGradients: false }, { seed: 13, pool });
    expect(r.status).toBe('diverged');
    expect(r.divergence!.update).toBeGreaterThan(0);
    expect(r.divergence!.update).toBeLessThanOrEqual(1000);
    expect(r.x.subarray(r.x.length - d).some((v) => !Number.isFinite(v))).toBe(true);
  });
});

describe('inconsistent reads (Hogwild)', () => {
  it('accounting, exact τ, no coordinate write lost (the replay up to reordering of additions)', async () => {
    const seed = 6;
    const r = await runThreadedServer({ ...base, read: 'inconsistent' }, { seed, pool });
    expect(r.status).toBe('ok');
    expect(r.staleness.length).toBe(base.updates);
    expectAccounting(r, 1, base.updates);
    for (let k = 0; k < r.staleness.length; k++) expect(r.staleness[k]).toBe(k - r.pullVersion[k]);
    const x = new Float64Array(d).fill(0.5);
    const g = r.gradients!;
    const sumAbs = new Float64Array(d).fill(0.5);
    for (let k = 0; k < r.staleness.length; k++) {
      for (let i = 0; i < d; i++) {
        const delta = 0.02 * (1 * g[k * d + i]);
        x[i] -= delta;
        sumAbs[i] += Math.abs(delta);
      }
    }
    // the same n additions in another order: recursive summation errs by at most γ_{n−1}Σ|terms|
    // (Higham, Accuracy and Stability, Eq. 4.4), so two orders differ by at most 2(n−1)u Σ|terms|,
    // u = 2⁻⁵³: ~5e-13 here, while one lost write would be ~1e-3
    const got = r.x.subarray(r.x.length - d);
    const n = r.staleness.length + 1;
    for (let i = 0; i < d; i++) expect(Math.abs(got[i] - x[i]), `coordinate ${i}`).toBeLessThanOrEqual(2 * (n - 1) * 2 ** -53 * sumAbs[i]);
    // inconsistent reads: gradients that match no whole iterate of their pulled version (reported, not asserted)
    const xs: Float64Array[] = [new Float64Array(d).fill(0.5)];
    for (let k = 0; k < r.staleness.length; k++) {
      const y = xs[k].slice();
      for (let i = 0; i < d; i++) y[i] -= 0.02 * (1 * g[k * d + i]);
      xs.push(y);
    }
    const bs = batches(r, seed, 4);
    let mixed = 0;
    for (let k = 0; k < r.staleness.length; k++) if (!relClose(g.subarray(k * d, (k + 1) * d), batchGradient(bs[r.worker[k]][r.sequence[k]], xs[r.pullVersion[k]]), 1e-9)) mixed++;
    if (process.env.SHOW_FITS) console.log(`Hogwild: ${mixed} of ${r.staleness.length} gradients read a mixture of iterates`);
  });
});

describe('real data', () => {
  it('MNIST: the workers train on the main thread’s data (shared memory, no second load): every logged gradient is the one recomputed here at its pulled iterate', async () => {
    const spec = { kind: 'mnist' as const, model: 'softmax' as const, digits: [0, 1, 2], perDigit: 30, dim: 10 };
    const mn = objectiveFromSpec(spec, 'objective');
    const D = mn.dim;
    const seed = 21;
    const r = await runThreadedServer({ objective: spec, x0: 0, workers: 2, batchSize: 5, mode: 'async', optimizer: { kind: 'sgd', lr: 0.1 }, updates: 120, recordGradients: true, maxSeconds: 60 }, { seed, pool });
    expect(r.status).toBe('ok');
    expectAccounting(r, 1, 120);
    const xs: Float64Array[] = [new Float64Array(D)];
    const g = r.gradients!;
    for (let k = 0; k < r.staleness.length; k++) {
      const x = xs[k].slice();
      for (let i = 0; i < D; i++) x[i] -= 0.1 * (1 * g[k * D + i]);
      xs.push(x);
    }
    const gi = new Float64Array(D);
    const samplers = Array.from({ length: 2 }, (_, w) => new MinibatchSampler(mn.n, 5, 'with-replacement', deriveEngine(seed, 'minibatch', w)));
    const drawn = samplers.map((s, w) => Array.from({ length: r.computed[w] }, () => {
      const b = new Int32Array(5);
      s.draw(b);
      return b;
    }));
    for (let k = 0; k < r.staleness.length; k++) {
      const want = new Float64Array(D);
      for (const i of drawn[r.worker[k]][r.sequence[k]]) {
        mn.componentGradient(i, xs[r.pullVersion[k]], gi);
        for (let j = 0; j < D; j++) want[j] += gi[j] / 5;
      }
      expect(relClose(g.subarray(k * D, (k + 1) * D), want, 1e-12), `gradient ${k}`).toBe(true);
    }
    expect(Array.from(r.x.subarray(r.x.length - D))).toEqual(Array.from(xs[xs.length - 1]));
  });
});
