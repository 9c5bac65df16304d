/**
 * Every theory check stops promptly when a timer aborts it, and a signal that never fires changes no
 * bit of its results.
 *
 * A timer (`AbortSignal.timeout`) can only fire when the calling thread hands control back to the
 * event loop. Besides their ensembles (which yield about every 50 ms inside a block), the checks'
 * synchronous stages — the implicit-momentum experiments, the Thm 6 paths, the staleness
 * simulations, the first-passage solves of the rates check — now await a shared pace
 * (`yieldingPace` of core/abort.ts) between their units of work (a path, a simulation), which
 * yields once 50 ms of work have passed and then tests the signal.
 *
 * What is asserted about time is loose: from the timer's due time to the rejection at most 2 s. After
 * the timer is due, the calling thread finishes at most one unit of work and yields: the longest unit
 * in the quick checks is one path of the approximation check's pair ensembles (≈ 0.25 s on an idle
 * core); everything else is a run of paths sized to ≈ 50 ms or a unit of ≤ 0.1 s. At load ≈ 8 on 2
 * cores a thread still gets about a quarter of a core, so the longest unit takes ≈ 1 s, inside the
 * bound with a factor 2 to spare. Before these yields, the same runs blocked the thread for whole
 * stages: 1.5 – 4 s in the rates and moments checks (loading mathjs for the characteristic roots and
 * 128 first passages), ≈ 1.3 s of staleness simulations in accumulation and 0.5 – 0.9 s per
 * momentum experiment in mindthestep, on an idle machine (4× that at load 8).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { drain, yieldingPace, YIELD_EVERY_MS } from '../../src/core/abort.ts';
import { complexClass } from '../../src/core/complex.ts';
import { delayModel } from '../../src/delay/models.ts';
import type { CheckOptions } from '../../src/theory/check.ts';
import { stalenessModels } from '../../src/theory/checks/mindthestep-staleness.ts';
import { theorem6 } from '../../src/theory/checks/mindthestep-thm6.ts';
import { runMomentumExperiment, runMomentumExperimentPaced } from '../../src/theory/implicit-momentum.ts';
import { CHECKS } from '../../src/theory/index.ts';

const isTimeout = (e: unknown) => e instanceof DOMException && e.name === 'TimeoutError';
const check = (name: string) => CHECKS.find((c) => c.name === name)!;
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};
const never = () => new AbortController().signal;

describe('the pace of a synchronous stage', () => {
  it('without a signal it never yields; with one it yields once 50 ms of work have passed, then throws the reason of an abort', async () => {
    let turns = 0;
    const count = () => setImmediate(() => turns++);
    const idle = yieldingPace(undefined);
    count();
    for (let i = 0; i < 3; i++) {
      busy(YIELD_EVERY_MS);
      await idle();
    }
    expect(turns).toBe(0); // microtasks only: the event loop never ran
    await new Promise((r) => setImmediate(r));
    turns = 0;
    const c = new AbortController();
    const pace = yieldingPace(c.signal);
    count();
    await pace(); // just started: no yield yet
    expect(turns).toBe(0);
    busy(YIELD_EVERY_MS + 5);
    await pace();
    expect(turns).toBe(1);
    c.abort();
    await expect(pace()).rejects.toMatchObject({ name: 'AbortError' });
  });
  it('drain runs a generator to its value, awaiting the pace at every yield', async () => {
    function* steps() {
      let s = 0;
      for (let i = 1; i <= 4; i++) {
        s += i;
        yield;
      }
      return s;
    }
    expect(drain(steps())).toBe(10);
    let calls = 0;
    expect(
      await drain(steps(), async () => {
        calls++;
      }),
    ).toBe(10);
    expect(calls).toBe(4);
  });
  it('complexClass (the Lambert W) is mathjs’s Complex, loaded without mathjs', () => {
    const req = createRequire(import.meta.url);
    expect(complexClass()).toBe(req('mathjs').Complex);
  });
});

describe('a signal that never fires changes no bit of the stages that now yield', () => {
  const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
  it('runMomentumExperimentPaced: the pace is awaited between paths, the same experiment as runMomentumExperiment', async () => {
    const spec = { curvatures: [0.5, 1], x0: 1, alpha: 0.05, delay: delayModel({ kind: 'geometric', p: 0.3, maxLag: 30 }), steps: 60, paths: 160, blocks: 8, seed: 4 };
    let calls = 0;
    const paced = await runMomentumExperimentPaced(spec, async () => {
      calls++;
    });
    const plain = runMomentumExperiment(spec);
    expect(calls).toBe(spec.paths);
    expect(bytes(paced.mean)).toBe(bytes(plain.mean));
    expect(paced.fits).toEqual(plain.fits);
    expect(await runMomentumExperimentPaced(spec, yieldingPace(never()))).toEqual(plain);
  });
  it('mindthestep’s Thm 6 rows and staleness models: the same with the pace of a signal as without', async () => {
    const opts: CheckOptions = { quick: true, seed: 1 };
    const [t6, t6signal] = [await theorem6(opts), await theorem6(opts, yieldingPace(never()))];
    expect(t6signal.rows).toEqual(t6.rows);
    expect(t6signal.data).toEqual(t6.data);
    const [sm, smSignal] = [await stalenessModels(opts), await stalenessModels(opts, yieldingPace(never()))];
    expect(smSignal.rows).toEqual(sm.rows);
    expect(smSignal.data).toEqual(sm.data);
  }, 60_000);
  it('the rates check: the same rows and data with a signal as without', async () => {
    const rates = check('rates');
    const without = await rates.run({ quick: true, seed: 1, threads: 1 });
    const withSignal = await rates.run({ quick: true, seed: 1, threads: 1, signal: never() });
    expect(withSignal.rows).toEqual(without.rows);
    expect(withSignal.data).toEqual(without.data);
  }, 60_000);
});

describe('AbortSignal.timeout stops every check within its first stages', () => {
  /** Run a check under a timer due `ms` after the start; the seconds from the due time to the rejection. */
  async function abortAfter(name: string, ms: number) {
    const started = performance.now();
    const e = await check(name)
      .run({ quick: true, seed: 1, threads: 1, signal: AbortSignal.timeout(ms) })
      .catch((x: unknown) => x);
    return { e, late: (performance.now() - started - ms) / 1000 };
  }
  // t: within the first stage of each check on an idle machine (quick runs on one thread: approximation
  // ≈ 24 s, moments ≈ 4 s, energy ≈ 1.7 s, rates ≈ 1.3 s, mindthestep ≈ 65 s, accumulation ≈ 8–15 s),
  // in the stretch that used to block: the implicit-momentum experiments (mindthestep, the first 5 s),
  // the staleness simulations (accumulation, the first 1.3 s)
  for (const [name, ms] of [['approximation', 300], ['moments', 300], ['energy', 200], ['mindthestep', 300], ['accumulation', 300]] as const) {
    it(`${name}: rejects with the TimeoutError within 2 s of the timer`, async () => {
      const { e, late } = await abortAfter(name, ms);
      expect(isTimeout(e), String(e)).toBe(true);
      expect(late).toBeLessThan(2);
    }, 30_000);
  }
  it('rates: a timer due during the first passages after its first ensemble stops them', async () => {
    // the timer is set when the first ensemble's last block is done: what follows (the
    // characteristic roots, 128 first-passage solves) is what blocked the thread before
    const c = new AbortController();
    let due = Infinity;
    const started = performance.now();
    const e = await check('rates')
      .run({
        quick: true,
        seed: 1,
        threads: 1,
        signal: c.signal,
        onBlocks: (done, total) => {
          if (done === total && due === Infinity) {
            due = performance.now() + 10;
            setTimeout(() => c.abort(new DOMException('stop', 'TimeoutError')), 10);
          }
        },
      })
      .catch((x: unknown) => x);
    expect(isTimeout(e), String(e)).toBe(true);
    expect(due - started).toBeLessThan(Infinity);
    expect((performance.now() - due) / 1000).toBeLessThan(2);
  }, 30_000);
});
