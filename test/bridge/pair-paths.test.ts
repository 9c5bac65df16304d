/**
 * Pairs side by side (runPairs, src/bridge/pair.ts; the lock-step inline SDDEs of
 * src/bridge/axis-inline.ts, their drifts from the blocked full gradient): every path gives the
 * bits recorded before paths could run together (test/fixtures/logistic_pair_digests.json, written
 * by test/fixtures/logistic-pair-digests.ts with main's code at commit eb939bf, every path run
 * alone), whichever paths run beside it, in whatever groups, under both kernel backends; runPair
 * (now one path of the same machinery) and the ensemble's pair model too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { asgdConfig } from '../../src/asgd/runner.ts';
import { PAIRS_TOGETHER, runPair, runPairs, validatePair } from '../../src/bridge/pair.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { setKernelBackend } from '../../src/kernels/index.ts';
import { pairModel } from '../../src/stats/ensemble-block.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import recorded from '../fixtures/logistic_pair_digests.json' with { type: 'json' };
import { logisticPairCases, PATHS } from '../fixtures/logistic-pair-digests.ts';
import { pairDigest } from '../fixtures/pair-digests.ts';

afterAll(() => setKernelBackend('auto'));
const want = recorded.cases as Record<string, Record<string, string>[]>;
const all = Array.from({ length: PATHS }, (_, p) => p);

describe('runPairs: paths side by side give the bits of paths run alone', () => {
  it('the cases are those recorded, and the diverging case diverges on both sides', () => {
    expect(logisticPairCases().map((c) => c.name)).toEqual(Object.keys(want));
    expect(want['diverging (ηλ = 5)'].every((d) => d.status === 'diverged/diverged')).toBe(true);
    expect(PAIRS_TOGETHER).toBeGreaterThanOrEqual(2);
  });

  for (const backend of ['wasm-simd', 'typescript'] as const) {
    it(`${backend}: all paths together, in other groups and orders, and one by one (runPair)`, () => {
      setKernelBackend(backend);
      try {
        for (const c of logisticPairCases()) {
          const v = validatePair(c.cfg, c.options);
          const together = runPairs(c.cfg, c.options, all, v);
          expect(together.map((r) => r.path)).toEqual(all);
          together.forEach((r, p) => expect(pairDigest(r), `${c.name}, path ${p} (all together)`).toEqual(want[c.name][p]));
          // other neighbours: reversed, and the odd paths alone
          const reversed = runPairs(c.cfg, c.options, [...all].reverse(), v);
          reversed.forEach((r) => expect(pairDigest(r), `${c.name}, path ${r.path} (reversed)`).toEqual(want[c.name][r.path]));
          for (const r of runPairs(c.cfg, c.options, [5, 3, 1])) expect(pairDigest(r), `${c.name}, path ${r.path} (odd)`).toEqual(want[c.name][r.path]);
          if (backend === 'wasm-simd') for (const p of [0, 4]) expect(pairDigest(runPair(c.cfg, { ...c.options, path: p })), `${c.name}, path ${p} alone`).toEqual(want[c.name][p]);
        }
      } finally {
        setKernelBackend('auto');
      }
    });
  }

  it('more paths than run together at once: groups of PAIRS_TOGETHER, the same bits as one by one', () => {
    const c = logisticPairCases()[1];
    const paths = Array.from({ length: PAIRS_TOGETHER + 3 }, (_, q) => 2 * q);
    const together = runPairs(c.cfg, c.options, paths);
    const alone = paths.map((path) => runPair(c.cfg, { ...c.options, path }));
    together.forEach((r, q) => expect(pairDigest(r), `path ${paths[q]}`).toEqual(pairDigest(alone[q])));
  });

  it("the ensemble's pair model: runPaths gives runPath's bits, however the block is cut", () => {
    const c = logisticPairCases()[0];
    const model = pairModel(c.cfg, c.options);
    const one = all.map((p) => model.runPath(7, p));
    const cuts = [[0, PATHS], [0, 2], [2, 3], [5, 1]];
    for (const [first, count] of cuts) {
      model.runPaths!(7, first, count).forEach((out, q) => {
        const ref = one[first + q];
        expect(out.distance, `paths ${first} + ${q}`).toEqual(ref.distance);
        expect(out.series.sdde.x).toEqual(ref.series.sdde.x);
        expect(out.series.asgd.x).toEqual(ref.series.asgd.x);
      });
    }
  });

  it('other couplings run one by one; bad path lists are refused', () => {
    const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.005, iterations: 300, batchSize: 1, delay: { kind: 'uniform', maxLag: 3 }, beforeHistory: 'warmup' });
    const options = { coupling: 'quantile' as const, seed: 3, saveEvery: 50 };
    const r = runPairs(cfg, options, [2, 0]);
    expect(r.map((x) => pairDigest(x))).toEqual([2, 0].map((path) => pairDigest(runPair(cfg, { ...options, path }))));
    expect(() => runPairs(cfg, options, 3 as never)).toThrow(ConfigError);
    expect(() => runPairs(cfg, options, [0, -1])).toThrow(/paths\[1\]/);
  });
});
