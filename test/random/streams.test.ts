/**
 * Seeded streams (src/random/streams.ts) and the normal sampler (src/random/normal.ts).
 *
 * Expected values are closed forms: moments of U(0,1) (mean 1/2, variance 1/12, Var((U−½)²) =
 * 1/80 − 1/144 = 1/180), of N(0,1) (mean 0, Var Z = 1, Var(Z²) = E Z⁴ − 1 = 2, E[Z Z'] = 0 for
 * independent Z, Z'), Φ(1) = 0.8413447460685429 (erfc-based value, e.g. scipy.stats.norm.cdf(1)),
 * and the exact arithmetic of the documented bit layouts for stub engines.
 *
 * Statistical tolerances: with N i.i.d. draws, an empirical mean of a statistic with variance v
 * has standard error SE = sqrt(v/N); every check is |estimate − truth| < 5·SE (two-sided false
 * alarm probability ≈ 6e-7 per check). Seeds are fixed, so the tests are deterministic.
 */
import { describe, expect, it } from 'vitest';
import { NormalSampler } from '../../src/random/normal.ts';
import { deriveEngine, type Engine, StreamPurpose, uniformIndex, uniformOpen01 } from '../../src/random/streams.ts';
import { ConfigError } from '../../src/core/errors.ts';

const PURPOSES = ['brownian', 'delay', 'minibatch', 'coupling', 'data', 'bridgeDelay'] as const;

function take(engine: Engine, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(engine.next());
  return out;
}

/** An engine that replays `words` (int32 values) and then fails loudly instead of looping forever. */
function stubEngine(words: number[]): Engine & { calls: number } {
  const e = {
    calls: 0,
    next(): number {
      if (e.calls >= words.length) throw new Error(`stub engine exhausted after ${words.length} words`);
      return words[e.calls++] | 0;
    },
  };
  return e;
}

/** An engine that always returns the same int32 word, but refuses after `limit` calls (no hangs). */
function constantEngine(word: number, limit = 10_000): Engine {
  let calls = 0;
  return {
    next(): number {
      if (++calls > limit) throw new Error(`constant engine: more than ${limit} draws`);
      return word | 0;
    },
  };
}

describe('deriveEngine: invalid keys', () => {
  it('throws a ConfigError naming the seed for a seed that is not an integer in [0, 2^53)', () => {
    for (const seed of [-1, 1.5, NaN, 2 ** 53, Infinity, -Infinity, -0.5]) {
      expect(() => deriveEngine(seed, 'brownian', 0), `seed ${seed}`).toThrow(ConfigError);
    }
  });

  it('throws a ConfigError naming the path for a path that is not an integer in [0, 2^32)', () => {
    for (const path of [-1, 0.5, NaN, 2 ** 32, Infinity]) {
      expect(() => deriveEngine(1, 'brownian', path), `path ${path}`).toThrow(ConfigError);
    }
  });

  it('accepts the extreme valid seeds 0 and 2^53 − 1 and paths 0 and 2^32 − 1', () => {
    for (const seed of [0, 2 ** 53 - 1]) {
      for (const path of [0, 2 ** 32 - 1]) {
        const e = deriveEngine(seed, 'delay', path);
        const w = e.next();
        expect(Number.isInteger(w), `seed ${seed} path ${path}: first word ${w}`).toBe(true);
      }
    }
  });
});

describe('deriveEngine: reproducibility and separation of streams', () => {
  it('gives identical sequences for the same (seed, purpose, path)', () => {
    for (const purpose of PURPOSES) {
      for (const [seed, path] of [[0, 0], [12345, 3], [2 ** 40 + 7, 99]] as const) {
        const a = take(deriveEngine(seed, purpose, path), 1000);
        const b = take(deriveEngine(seed, purpose, path), 1000);
        expect(a, `seed ${seed} purpose ${purpose} path ${path}`).toEqual(b);
      }
    }
  });

  it('the default path is 0', () => {
    expect(take(deriveEngine(5, 'minibatch'), 50)).toEqual(take(deriveEngine(5, 'minibatch', 0), 50));
  });

  it('gives different sequences for different seeds (including seeds differing only in the high 21 bits)', () => {
    // 0 vs 2^32 and 1 vs 2^32 + 1 differ only in the high word of the 53-bit seed.
    const seeds = [0, 1, 2, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 52, 2 ** 53 - 1];
    const seqs = seeds.map((s) => JSON.stringify(take(deriveEngine(s, 'brownian', 0), 16)));
    for (let i = 0; i < seeds.length; i++) {
      for (let j = i + 1; j < seeds.length; j++) {
        expect(seqs[i] === seqs[j], `seeds ${seeds[i]} and ${seeds[j]} gave the same stream`).toBe(false);
      }
    }
  });

  it('gives different sequences for different purposes', () => {
    const seqs = PURPOSES.map((p) => JSON.stringify(take(deriveEngine(7, p, 0), 16)));
    for (let i = 0; i < PURPOSES.length; i++) {
      for (let j = i + 1; j < PURPOSES.length; j++) {
        expect(seqs[i] === seqs[j], `purposes ${PURPOSES[i]} and ${PURPOSES[j]} gave the same stream`).toBe(false);
      }
    }
  });

  it('a purpose name and its numeric code give the same stream', () => {
    for (const p of PURPOSES) {
      expect(take(deriveEngine(3, p, 2), 20), p).toEqual(take(deriveEngine(3, StreamPurpose[p], 2), 20));
    }
  });

  it('gives different sequences for different paths', () => {
    const paths = [0, 1, 2, 3, 1000, 2 ** 31, 2 ** 32 - 1];
    const seqs = paths.map((p) => JSON.stringify(take(deriveEngine(7, 'brownian', p), 16)));
    for (let i = 0; i < paths.length; i++) {
      for (let j = i + 1; j < paths.length; j++) {
        expect(seqs[i] === seqs[j], `paths ${paths[i]} and ${paths[j]} gave the same stream`).toBe(false);
      }
    }
  });
});

describe('uniformOpen01: exact values from the bit layout (stub engines)', () => {
  // u = (m + 1/2)/2^52 with m = (w1 >>> 6)·2^26 + (w2 >>> 6): the closed form of the documented
  // layout (52 bits, so that m + 1/2 is exact and u ≤ 1 − 2^-53).
  it('all-zero words give the smallest value 2^-53 (> 0)', () => {
    expect(uniformOpen01(constantEngine(0))).toBe(2 ** -53);
  });

  it('uses 26 bits of each word', () => {
    // w1 = 1 << 6 → a = 1; w2 = 1 << 6 → b = 1; m = 2^26 + 1.
    const u = uniformOpen01(stubEngine([1 << 6, 1 << 6]));
    expect(u).toBe((2 ** 26 + 1 + 0.5) / 2 ** 52);
    // Low bits that are discarded must not matter.
    expect(uniformOpen01(stubEngine([(1 << 6) | 63, (1 << 6) | 63]))).toBe(u);
  });

  it('all-one words stay strictly below 1 (the interval is open at 1)', () => {
    // m = 2^52 − 1: (2^52 − ½)/2^52 = 1 − 2^-53 is exactly representable; the result must be < 1
    // so that log(1 − u) and Φ⁻¹(u) stay finite.
    const u = uniformOpen01(constantEngine(0xffffffff));
    expect(u, `uniformOpen01 with words 0xffffffff, 0xffffffff returned ${u}`).toBe(1 - 2 ** -53);
    expect(u, `uniformOpen01 with words 0xffffffff, 0xffffffff returned ${u}`).toBeGreaterThan(0.5);
  });
});

describe('uniformOpen01: distribution (seeded)', () => {
  const N = 200_000;
  const e = deriveEngine(20240601, 'coupling', 0);
  const xs = new Float64Array(N);
  for (let i = 0; i < N; i++) xs[i] = uniformOpen01(e);

  it('never returns 0 or 1 or anything outside (0, 1)', () => {
    let bad = -1;
    for (let i = 0; i < N; i++) if (!(xs[i] > 0 && xs[i] < 1)) bad = i;
    expect(bad, bad >= 0 ? `draw ${bad} = ${xs[bad]}` : '').toBe(-1);
  });

  it('has mean 1/2: |m̂ − 1/2| < 5·sqrt((1/12)/N)', () => {
    let s = 0;
    for (let i = 0; i < N; i++) s += xs[i];
    const m = s / N;
    const tol = 5 * Math.sqrt(1 / 12 / N);
    expect(Math.abs(m - 0.5), `mean ${m}, N ${N}, tol ${tol}`).toBeLessThan(tol);
  });

  it('has variance 1/12: |v̂ − 1/12| < 5·sqrt(Var((U−½)²)/N) = 5·sqrt((1/180)/N)', () => {
    let s = 0;
    for (let i = 0; i < N; i++) s += (xs[i] - 0.5) ** 2;
    const v = s / N;
    const tol = 5 * Math.sqrt(1 / 180 / N);
    expect(Math.abs(v - 1 / 12), `variance ${v}, N ${N}, tol ${tol}`).toBeLessThan(tol);
  });

  it('has uniform deciles: |p̂_k − 0.1| < 5·sqrt(0.1·0.9/N)', () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < N; i++) counts[Math.floor(xs[i] * 10)]++;
    const tol = 5 * Math.sqrt((0.1 * 0.9) / N);
    counts.forEach((c, k) => {
      expect(Math.abs(c / N - 0.1), `decile ${k}: ${c}/${N}, tol ${tol}`).toBeLessThan(tol);
    });
  });

  it('has no lag-1 correlation: |mean((U_i−½)(U_{i+1}−½))| < 5·sqrt((1/144)/(N−1))', () => {
    let s = 0;
    for (let i = 0; i + 1 < N; i++) s += (xs[i] - 0.5) * (xs[i + 1] - 0.5);
    const c = s / (N - 1);
    const tol = 5 * Math.sqrt(1 / 144 / (N - 1));
    expect(Math.abs(c), `lag-1 covariance ${c}, tol ${tol}`).toBeLessThan(tol);
  });
});

describe('uniformIndex', () => {
  // The set {0, …, n−1} is empty or undefined for these n, so any returned number would be out of
  // range; the documented refusal is a RangeError. (For NaN the rejection loop would spin forever:
  // the capped constant engine turns that into a different error instead of a hang.)
  for (const n of [NaN, 2.5, 0, -1, 2 ** 32 + 1, Infinity]) {
    it(`throws RangeError for n = ${n}`, () => {
      expect(() => uniformIndex(constantEngine(5, 1000), n), `uniformIndex(engine, ${n})`).toThrow(RangeError);
    });
  }

  it('returns 0 for n = 1 without consuming randomness', () => {
    const e = stubEngine([]);
    expect(uniformIndex(e, 1)).toBe(0);
    expect(e.calls).toBe(0);
  });

  it('rejects the top partial block of 32-bit words (no modulo bias)', () => {
    // n = 3: 2^32 mod 3 = 1, so the accepted words are r < 2^32 − 1; r = 0xffffffff must be redrawn.
    const e = stubEngine([0xffffffff, 5]);
    expect(uniformIndex(e, 3)).toBe(5 % 3);
    expect(e.calls).toBe(2);
    // n = 2^32 accepts every word: r itself.
    expect(uniformIndex(stubEngine([0xffffffff]), 2 ** 32)).toBe(2 ** 32 - 1);
    // n = 7 accepts the largest word below 2^32 − (2^32 mod 7) = 2^32 − 4.
    expect(uniformIndex(stubEngine([2 ** 32 - 5]), 7)).toBe((2 ** 32 - 5) % 7);
    const r = stubEngine([2 ** 32 - 4, 9]);
    expect(uniformIndex(r, 7)).toBe(9 % 7);
    expect(r.calls).toBe(2);
  });

  it('is uniform on {0..6}: |p̂_k − 1/7| < 5·sqrt((1/7)(6/7)/N), N = 140000', () => {
    const n = 7;
    const N = 140_000;
    const e = deriveEngine(99, 'minibatch', 4);
    const counts = new Array(n).fill(0);
    for (let i = 0; i < N; i++) {
      const k = uniformIndex(e, n);
      if (!(Number.isInteger(k) && k >= 0 && k < n)) throw new Error(`uniformIndex returned ${k} for n = ${n}`);
      counts[k]++;
    }
    const p = 1 / n;
    const tol = 5 * Math.sqrt((p * (1 - p)) / N);
    counts.forEach((c, k) => {
      expect(Math.abs(c / N - p), `index ${k}: ${c}/${N}, tol ${tol}`).toBeLessThan(tol);
    });
  });

  it('is reproducible for the same engine key', () => {
    const a = deriveEngine(1, 'minibatch', 0);
    const b = deriveEngine(1, 'minibatch', 0);
    for (let i = 0; i < 100; i++) expect(uniformIndex(a, 1000), `draw ${i}`).toBe(uniformIndex(b, 1000));
  });
});

describe('NormalSampler', () => {
  const N = 200_000;
  const s = new NormalSampler(deriveEngine(31337, 'brownian', 0));
  const zs = new Float64Array(N);
  for (let i = 0; i < N; i++) zs[i] = s.next();

  it('produces finite values', () => {
    let bad = -1;
    for (let i = 0; i < N; i++) if (!Number.isFinite(zs[i])) bad = i;
    expect(bad, bad >= 0 ? `draw ${bad} = ${zs[bad]}` : '').toBe(-1);
  });

  it('has mean 0: |m̂| < 5·sqrt(1/N)', () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += zs[i];
    const m = sum / N;
    const tol = 5 / Math.sqrt(N);
    expect(Math.abs(m), `mean ${m}, tol ${tol}`).toBeLessThan(tol);
  });

  it('has variance 1: |mean(Z²) − 1| < 5·sqrt(Var(Z²)/N) = 5·sqrt(2/N)', () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += zs[i] * zs[i];
    const v = sum / N;
    const tol = 5 * Math.sqrt(2 / N);
    expect(Math.abs(v - 1), `E Z² estimate ${v}, tol ${tol}`).toBeLessThan(tol);
  });

  it('has P(Z < 1) = Φ(1) = 0.8413447460685429: |p̂ − p| < 5·sqrt(p(1−p)/N)', () => {
    const p = 0.8413447460685429;
    let c = 0;
    for (let i = 0; i < N; i++) if (zs[i] < 1) c++;
    const tol = 5 * Math.sqrt((p * (1 - p)) / N);
    expect(Math.abs(c / N - p), `P(Z<1) estimate ${c / N}, tol ${tol}`).toBeLessThan(tol);
  });

  it('has P(Z < −2) = Φ(−2) = 0.022750131948179195: |p̂ − p| < 5·sqrt(p(1−p)/N)', () => {
    const p = 0.022750131948179195;
    let c = 0;
    for (let i = 0; i < N; i++) if (zs[i] < -2) c++;
    const tol = 5 * Math.sqrt((p * (1 - p)) / N);
    expect(Math.abs(c / N - p), `P(Z<−2) estimate ${c / N}, tol ${tol}`).toBeLessThan(tol);
  });

  it('the two members of each polar pair are uncorrelated: |mean(Z_{2k} Z_{2k+1})| < 5·sqrt(1/(N/2))', () => {
    let sum = 0;
    for (let i = 0; i + 1 < N; i += 2) sum += zs[i] * zs[i + 1];
    const m = sum / (N / 2);
    const tol = 5 / Math.sqrt(N / 2);
    expect(Math.abs(m), `pair covariance ${m}, tol ${tol}`).toBeLessThan(tol);
  });

  it('gives the same numbers for the same seed, different ones for another seed', () => {
    const a = new NormalSampler(deriveEngine(8, 'brownian', 1));
    const b = new NormalSampler(deriveEngine(8, 'brownian', 1));
    const c = new NormalSampler(deriveEngine(9, 'brownian', 1));
    const xa = Array.from({ length: 101 }, () => a.next());
    const xb = Array.from({ length: 101 }, () => b.next());
    const xc = Array.from({ length: 101 }, () => c.next());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('fill(out, scale) writes scale × the next() sequence; count limits the writes', () => {
    const ref = new NormalSampler(deriveEngine(4, 'data', 0));
    const expected = Array.from({ length: 9 }, () => 3 * ref.next());
    const out = new Float64Array(9);
    new NormalSampler(deriveEngine(4, 'data', 0)).fill(out, 3);
    for (let i = 0; i < 9; i++) expect(out[i], `out[${i}]`).toBe(expected[i]);

    const ref1 = new NormalSampler(deriveEngine(4, 'data', 0));
    const first = [ref1.next(), ref1.next(), ref1.next()];
    const part = new Float64Array(6).fill(-7);
    new NormalSampler(deriveEngine(4, 'data', 0)).fill(part, 1, 3);
    expect(Array.from(part)).toEqual([...first, -7, -7, -7]);
  });

  it('fill with the default scale is N(0,1) and with scale 0 gives zeros', () => {
    const out = new Float64Array(5);
    new NormalSampler(deriveEngine(4, 'data', 0)).fill(out);
    const ref = new NormalSampler(deriveEngine(4, 'data', 0));
    for (let i = 0; i < 5; i++) expect(out[i], `out[${i}]`).toBe(ref.next());
    const z = new Float64Array(4).fill(1);
    new NormalSampler(deriveEngine(4, 'data', 0)).fill(z, 0);
    for (let i = 0; i < 4; i++) expect(Math.abs(z[i]), `z[${i}]`).toBe(0);
  });
});
