/**
 * Exact law of the 1-D minibatch noise (src/bridge/minibatch-law.ts).
 *
 * Reference values: test/fixtures/minibatch_noise_law.json, written by
 * test/fixtures/minibatch_noise_law.py by brute-force enumeration in exact rational arithmetic
 * (itertools.product over the n^b ordered tuples with replacement, itertools.combinations over
 * the C(n, b) subsets without), giving for each query value v of ζ: below = P(ζ < v),
 * at = P(ζ = v). The code under test takes the observed batch SUM S_obs instead of ζ_obs; since
 * ζ = mean(g) − S/b, a query v becomes S_obs = b·(mean(g) − v).
 *
 * lawSize is checked against the closed forms C(n+b−1, b) (multisets of size b from n) and
 * C(n, b), computed here exactly with BigInt.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bonferroniZ } from '../helpers/frequencies.ts';
import { lawSize, MinibatchNoiseLaw } from '../../src/bridge/minibatch-law.ts';

interface LawCase {
  g: number[];
  n: number;
  b: number;
  mode: 'with_replacement' | 'without_replacement';
  replacement: boolean;
  gradF: number;
  atoms: { value: number; prob: number }[];
  queries: { v: number; below: number; at: number }[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/minibatch_noise_law.json', import.meta.url), 'utf8')) as { cases: LawCase[] };

function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

describe('lawSize (closed forms C(n+b−1, b) and C(n, b))', () => {
  it('edge cases: b = 0 → 1, b = n without replacement → 1, n = 1 with replacement → 1', () => {
    expect(lawSize(5, 0, 'with-replacement')).toBe(1);
    expect(lawSize(5, 0, 'without-replacement')).toBe(1);
    expect(lawSize(5, 5, 'without-replacement')).toBe(1);
    expect(lawSize(1, 7, 'with-replacement')).toBe(1);
  });

  const pairs: [number, number][] = [[2, 1], [2, 2], [5, 1], [5, 2], [5, 3], [10, 4], [30, 5], [100, 3], [50, 10], [64, 8], [200, 6]];
  for (const [n, b] of pairs) {
    it(`n = ${n}, b = ${b}`, () => {
      const w = binomial(n + b - 1, b);
      const wo = binomial(n, b);
      // Exact for counts below 2^40 (the log-space evaluation has relative error ~1e-14, far below
      // 0.5/2^40); relative 1e-12 above.
      for (const [got, ref, label] of [[lawSize(n, b, 'with-replacement'), w, 'with'], [lawSize(n, b, 'without-replacement'), wo, 'without']] as const) {
        const r = Number(ref);
        if (r < 2 ** 40) expect(got, `lawSize(${n}, ${b}, ${label}-replacement), C = ${ref}`).toBe(r);
        else expect(Math.abs(got - r), `lawSize(${n}, ${b}, ${label}-replacement) = ${got}, C = ${ref}`).toBeLessThanOrEqual(1e-12 * r);
      }
    });
  }
});

/**
 * The observed batch sum for a fixture query v, as the coupling forms it: an atom value v is
 * realised by some batch; its canonical sum (ascending indices, added in order) is what `evaluate`
 * compares exactly. The batch is found by brute force here (all n^b index tuples); a v between
 * atoms is realised by no batch, and b·(∇F − v) serves.
 */
function observedSum(law: MinibatchNoiseLaw, g: Float64Array, b: number, gradF: number, v: number): number {
  const target = b * (gradF - v);
  const n = g.length;
  const tuple = new Array<number>(b).fill(0);
  for (let code = 0; code < n ** b; code++) {
    let r = code;
    for (let j = 0; j < b; j++) {
      tuple[j] = r % n;
      r = Math.floor(r / n);
    }
    if (!law.replacement && new Set(tuple).size < b) continue;
    const s = tuple.reduce((a, i) => a + g[i], 0);
    if (Math.abs(s - target) <= 1e-9) return law.canonicalSum(g, tuple);
  }
  return target;
}

describe('MinibatchNoiseLaw.probabilities against brute-force enumeration', () => {
  it('has the fixture cases, both modes', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(12);
    expect(fixture.cases.some((c) => c.replacement)).toBe(true);
    expect(fixture.cases.some((c) => !c.replacement)).toBe(true);
  });

  for (const c of fixture.cases) {
    const sampling = c.replacement ? 'with-replacement' : 'without-replacement';
    it(`g = [${c.g.join(', ')}], b = ${c.b}, ${sampling}`, () => {
      // One law object per case, reused for all queries: state must be reset between calls.
      const law = new MinibatchNoiseLaw(c.n, c.b, sampling);
      const g = Float64Array.from(c.g);
      for (const q of c.queries) {
        const sObs = observedSum(law, g, c.b, c.gradF, q.v);
        const r = law.probabilities(g, sObs);
        const ctx = `g [${c.g}], b ${c.b}, ${sampling}, v ${q.v} (sObs ${sObs})`;
        expect(Math.abs(r.below - q.below), `${ctx}: below ${r.below}, ref ${q.below}`).toBeLessThanOrEqual(1e-12);
        expect(Math.abs(r.at - q.at), `${ctx}: at ${r.at}, ref ${q.at}`).toBeLessThanOrEqual(1e-12);
      }
    });
  }

  it('below + at reaches 1 at the largest atom and the atoms sum to 1', () => {
    for (const c of fixture.cases) {
      const sampling = c.replacement ? 'with-replacement' : 'without-replacement';
      const law = new MinibatchNoiseLaw(c.n, c.b, sampling);
      const g = Float64Array.from(c.g);
      const vmax = Math.max(...c.atoms.map((a) => a.value));
      const r = law.probabilities(g, observedSum(law, g, c.b, c.gradF, vmax));
      expect(Math.abs(r.below + r.at - 1), `g [${c.g}], b ${c.b}, ${sampling}: below+at at max atom = ${r.below + r.at}`).toBeLessThanOrEqual(1e-12);
      let total = 0;
      for (const a of c.atoms) total += law.probabilities(g, observedSum(law, g, c.b, c.gradF, a.value)).at;
      expect(Math.abs(total - 1), `g [${c.g}], b ${c.b}, ${sampling}: Σ P(ζ = atom) = ${total}`).toBeLessThanOrEqual(1e-12);
    }
  });

  it('a query far outside the support: below ∈ {0, 1}, at = 0', () => {
    const law = new MinibatchNoiseLaw(3, 2, 'without-replacement');
    const g = Float64Array.of(1, 2, 4);
    // ζ = 7/3 − S/2 with S ∈ {3, 5, 6}: every ζ < 1e6 and > −1e6.
    const hi = law.probabilities(g, 2 * (7 / 3 - 1e6));
    expect(Math.abs(hi.below - 1), `below = ${hi.below}`).toBeLessThanOrEqual(1e-12);
    expect(hi.at).toBe(0);
    const r = law.probabilities(g, 2 * (7 / 3 + 1e6));
    expect(r.below).toBe(0);
    expect(r.at).toBe(0);
  });

  it('b = n without replacement is a point mass at ζ = 0', () => {
    const law = new MinibatchNoiseLaw(4, 4, 'without-replacement');
    const g = Float64Array.of(0.5, -1, 3, 2.25);
    const r = law.probabilities(g, law.canonicalSum(g, [2, 0, 3, 1]));
    expect(Math.abs(r.at - 1), `at = ${r.at}`).toBeLessThanOrEqual(1e-12);
    expect(r.below).toBe(0);
  });
});

describe('the randomized PIT is exactly uniform, also with atoms closer than any tolerance', () => {
  // Counterexample to a tolerance-based tie rule (it gave thirds 0.277/0.444/0.279): three atoms
  // 0, 0.6e-12, 1.2e-12, each with probability 1/3. U = P(ζ < ζ_obs) + V·P(ζ = ζ_obs) must be
  // U(0,1): each third of (0,1) gets frequency 1/3 within z binomial SE, sqrt((1/3)(2/3)/N), z with
  // Bonferroni over the 3 thirds (family-wise false alarm 10⁻³, z = 3.59).
  it('frequencies of U in thirds are 1/3 each', async () => {
    const { deriveEngine, uniformIndex, uniformOpen01 } = await import('../../src/random/streams.ts');
    const law = new MinibatchNoiseLaw(3, 1, 'with-replacement');
    const g = Float64Array.of(0, 0.6e-12, 1.2e-12);
    const e = deriveEngine(1, 'user', 0);
    const N = 60_000;
    const thirds = [0, 0, 0];
    for (let k = 0; k < N; k++) {
      const i = uniformIndex(e, 3);
      law.evaluate(g, law.canonicalSum(g, [i]));
      const u = law.below + uniformOpen01(e) * law.at;
      thirds[Math.min(2, Math.floor(3 * u))]++;
    }
    const se = Math.sqrt((1 / 3) * (2 / 3) / N);
    for (const c of thirds) expect(Math.abs(c / N - 1 / 3), `thirds ${thirds}`).toBeLessThan(bonferroniZ(3) * se);
  });
  it('enumerates large n without recursion (n = 20000, b = 1)', () => {
    const n = 20_000;
    const law = new MinibatchNoiseLaw(n, 1, 'with-replacement');
    const g = Float64Array.from({ length: n }, (_, i) => i);
    law.evaluate(g, law.canonicalSum(g, [4999]));
    expect(law.at).toBeCloseTo(1 / n, 15);
    expect(law.below).toBeCloseTo((n - 5000) / n, 12);
  });
});
