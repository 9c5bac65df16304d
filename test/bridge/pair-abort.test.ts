/**
 * runPair's signal and progress during the run (src/bridge/pair.ts): an abort raised from the
 * progress callback stops the pair at the next poll of whichever loop is running (the ASGD run,
 * the lags and Brownian path of the shared coupling, the bridged increments, the SDDE solve) and
 * throws an AbortError, returning nothing; a run with a signal that never fires, and a run with
 * neither, give the bits recorded before the polling existed (test/fixtures/pair_digests.json,
 * written by test/fixtures/pair-digests.ts at commit 2af7339: runPair then polled only before and
 * after its run, and ran the same loops without any callback).
 */
import { describe, expect, it } from 'vitest';
import { generatedLeastSquares } from '../../src/asgd/objectives/least-squares.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { asgdConfig } from '../../src/asgd/runner.ts';
import { type PairOptions, runPair } from '../../src/bridge/pair.ts';
import { ConfigError } from '../../src/core/errors.ts';
import recorded from '../fixtures/pair_digests.json' with { type: 'json' };
import { pairCases, pairDigest } from '../fixtures/pair-digests.ts';

const isAbort = (e: unknown) => e instanceof DOMException && e.name === 'AbortError';

describe('runPair: the same bits with and without polling', () => {
  it('every coupling: no signal, and a signal that never fires with progress, give the digests recorded before the change', () => {
    const cases = pairCases();
    const fresh = pairCases(); // other objective objects: the polled runs sample their own laws
    expect(cases.map((c) => c.name)).toEqual(Object.keys(recorded.cases));
    for (const [i, c] of cases.entries()) {
      const want = (recorded.cases as Record<string, Record<string, string>>)[c.name];
      expect(pairDigest(runPair(c.cfg, c.options)), c.name).toEqual(want);
      const seen: [number, number][] = [];
      const polled = runPair(fresh[i].cfg, { ...c.options, signal: new AbortController().signal, onProgress: (d, t) => seen.push([d, t]) });
      expect(pairDigest(polled), `${c.name} (polled)`).toEqual(want);
      // progress: one total, never backwards, ending at (total, total)
      const total = seen[0][1];
      expect(seen.every(([, t]) => t === total)).toBe(true);
      expect(seen.every(([d], i) => i === 0 || d >= seen[i - 1][0])).toBe(true);
      expect(seen.at(-1)).toEqual([total, total]);
    }
  });
  it('refuses a progress callback that is not a function, before any work', () => {
    const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.01, iterations: 100, batchSize: 1 });
    expect(() => runPair(cfg, { coupling: 'quantile', seed: 1, onProgress: 3 as never })).toThrow(ConfigError);
  });
});

describe('runPair: an abort during the run', () => {
  // a fresh objective for every run: the sampled law of 'axis-quantile' is memoized per objective,
  // and each run must go through the same loops
  const toy = () => asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.001, iterations: 60_000, batchSize: 1, delay: { kind: 'uniform', maxLag: 5 }, beforeHistory: 'warmup' });
  const ls = () => asgdConfig({ objective: generatedLeastSquares({ n: 100, d: 3, seed: 2 }), x0: 1, eta: 0.005, iterations: 30_000, batchSize: 4, delay: { kind: 'constant', lag: 2 } });
  const runs: { name: string; cfg: typeof toy; options: PairOptions }[] = [
    { name: 'independent', cfg: toy, options: { coupling: 'independent', seed: 1, substeps: 2, saveEvery: 100 } },
    { name: 'shared-brownian', cfg: toy, options: { coupling: 'shared-brownian', seed: 1, substeps: 4, saveEvery: 100 } },
    { name: 'quantile', cfg: toy, options: { coupling: 'quantile', seed: 1, substeps: 3, saveEvery: 100 } },
    { name: 'axis-quantile m=1', cfg: ls, options: { coupling: 'axis-quantile', seed: 1, lawSamples: 20_000, saveEvery: 100 } },
    { name: 'axis-quantile m=3', cfg: ls, options: { coupling: 'axis-quantile', seed: 1, lawSamples: 20_000, substeps: 3, saveEvery: 100 } },
  ];
  it.each(runs)('$name: aborted from the progress callback early, midway and late, it throws an AbortError at the next poll (no progress after the abort, no result)', ({ cfg, options }) => {
    // the whole run's progress calls: the polls every 4096 steps of each loop, and the end
    const calls: number[] = [];
    runPair(cfg(), { ...options, onProgress: (d) => calls.push(d) });
    const n = calls.length;
    const total = calls[n - 1];
    expect(n).toBeGreaterThan(8);
    for (const at of [2, Math.floor(n / 2), n - 2]) {
      const c = new AbortController();
      let made = 0;
      let doneAtAbort = 0;
      let result: unknown;
      let error: unknown;
      try {
        result = runPair(cfg(), {
          ...options,
          signal: c.signal,
          onProgress: (d) => {
            made++;
            if (made === at) {
              doneAtAbort = d;
              c.abort();
            }
          },
        });
      } catch (e) {
        error = e;
      }
      expect(isAbort(error), `abort at call ${at} of ${n}`).toBe(true);
      expect(result).toBeUndefined();
      // the poll that follows the abort throws before reporting: at most 4096 steps of one loop later
      expect(made).toBe(at);
      expect(doneAtAbort).toBeLessThan(total);
    }
  });
  it("'axis-quantile': an abort while the law is sampled memoizes nothing (the next run samples it whole)", () => {
    const cfg = ls();
    const options: PairOptions = { coupling: 'axis-quantile', seed: 4, lawSamples: 20_000, saveEvery: 1000 };
    const c = new AbortController();
    let made = 0;
    let total = 0;
    let at = 0;
    expect(() =>
      runPair(cfg, {
        ...options,
        signal: c.signal,
        onProgress: (d, t) => {
          if (++made === 3) {
            [at, total] = [d, t];
            c.abort();
          }
        },
      }),
    ).toThrow(expect.objectContaining({ name: 'AbortError' }));
    expect(at).toBeLessThan(2 * 20_000); // within the law's 2 × 20 000 draws
    expect(total).toBeGreaterThan(at);
    expect(pairDigest(runPair(cfg, options))).toEqual(pairDigest(runPair(ls(), options)));
  });
});
