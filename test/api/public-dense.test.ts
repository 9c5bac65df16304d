/**
 * Public names of dense output and kept ensembles that no other test names: `stateAtTime` (sol.at on
 * plain solution data, e.g. a structured clone from a worker) and `MAX_KEPT_NUMBERS`.
 * Expected values are closed forms written here: cubic Hermite interpolation reproduces a cubic
 * exactly from its values and slopes; linear interpolation of t² between 0 and 1 gives t.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { stateAtTime, MAX_KEPT_NUMBERS } from '../../src/index.ts';
import { runEnsemble } from '../../src/stats/ensemble.ts';
import { configError } from '../helpers/config-error.ts';
import { knownValues } from '../fixtures/ensemble-model.ts';

const ts = new Float64Array([0, 1, 2]);

describe('stateAtTime', () => {
  it('with recorded drifts (slopes) it is cubic Hermite: exact for p(t) = (t³, −2t³ + t)', () => {
    const p = (t: number) => [t ** 3, -2 * t ** 3 + t];
    const dp = (t: number) => [3 * t ** 2, -6 * t ** 2 + 1];
    const data = { dim: 2, t: ts, x: new Float64Array([...ts].flatMap(p)), drift: new Float64Array([...ts].flatMap(dp)) };
    for (const t of [0, 0.25, 0.5, 1, 1.3, 1.75, 2]) {
      const v = stateAtTime(data, t);
      expect(v.length).toBe(2);
      expect(v[0]).toBeCloseTo(p(t)[0]!, 13);
      expect(v[1]).toBeCloseTo(p(t)[1]!, 13);
    }
  });
  it('without drifts it is linear, and an array of times gives a times × dim row-major matrix', () => {
    const data = { dim: 1, t: ts, x: new Float64Array([0, 1, 4]) }; // t² sampled at 0, 1, 2
    const m = stateAtTime(data, [0.5, 1.5, 2]);
    expect(Array.from(m)).toEqual([0.5, 2.5, 4]); // chords of t²: t on [0, 1], 3t − 2 on [1, 2]
  });
  it('refuses a time outside the saved span, naming the field, before any output', () => {
    const data = { dim: 1, t: ts, x: new Float64Array([0, 1, 4]) };
    expect(configError(() => stateAtTime(data, 2.5), 't > T').field).toBe('t');
    expect(configError(() => stateAtTime(data, [1, -0.1]), 'second time < t0').field).toBe('t[1]');
    expect(() => stateAtTime(data, Number.NaN)).toThrow(ConfigError);
  });
});

describe('MAX_KEPT_NUMBERS', () => {
  it('is the documented 1 GiB of doubles (2³⁰ bytes / 8); one path over it is refused before any work', async () => {
    expect(MAX_KEPT_NUMBERS * 8).toBe(2 ** 30);
    let ran = 0;
    const model = knownValues(); // 4 saved times × dim 2 × 1 series = 8 numbers per path
    const counting = { layout: model.layout, runPath: (s: number, p: number) => (ran++, model.runPath(s, p)) };
    // 2³⁰ bytes / (8 bytes × 8 numbers) = 2²⁴ paths fit exactly; one more is refused
    const e = await runEnsemble(counting, { paths: 2 ** 24 + 1, seed: 1, keep: 'paths' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe('ensemble.keep');
    expect(ran).toBe(0);
  });
});
