/** Bhattacharyya distances and fits against mpmath/SciPy (test/fixtures/bhattacharyya.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bhattacharyyaDistance, empiricalPmf, fitStalenessModels, minimize1d, minimizeScan } from '../../src/delay/fit.ts';
import { delayModel } from '../../src/delay/models.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/bhattacharyya.json', import.meta.url), 'utf8'));

describe('Bhattacharyya distance', () => {
  for (const p of fx.pairs) {
    it(p.name, () => {
      expect(Math.abs(bhattacharyyaDistance(p.p.pmf, p.q.pmf) - p.distance)).toBeLessThanOrEqual(1e-12 + 1e-12 * p.distance);
    });
  }
  it('is 0 for identical distributions and ∞ for disjoint supports', () => {
    expect(bhattacharyyaDistance([0.2, 0.8], [0.2, 0.8])).toBeCloseTo(0, 15);
    expect(bhattacharyyaDistance([1, 0], [0, 1])).toBe(Infinity);
  });
});

describe('fits by minimal Bhattacharyya distance', () => {
  const key: Record<string, string> = { poisson: 'lambda', geometric: 'p', cmp: 'nu', uniform: 'max' };
  for (const f of fx.fits) {
    it(`${f.model} fit to the histogram ${JSON.stringify(f.counts)}`, () => {
      const sample = f.counts.flatMap((c: number, i: number) => new Array(c).fill(i));
      if (f.model === 'poisson' || f.model === 'geometric') {
        // the bare minimizer on the fixture's bracket
        const emp = empiricalPmf(sample);
        const pmf = (v: number) => (f.model === 'poisson' ? delayModel({ kind: 'poisson', lambda: v, maxLag: f.maxLag }) : delayModel({ kind: 'geometric', p: v, maxLag: f.maxLag })).pmf;
        const r = minimize1d((v) => bhattacharyyaDistance(emp, pmf(v)), f.bounds[0], f.bounds[1], 1e-12);
        expect(Math.abs(r.x - f.argmin), `argmin ${r.x} vs ${f.argmin}`).toBeLessThan(1e-6);
        expect(Math.abs(r.value - f.distance)).toBeLessThan(1e-12);
      }
      // fitStalenessModels (its own brackets; CMP on λ = m^ν with the fixture's m = 3) finds the same
      // parameter and distance as mpmath
      const mine = fitStalenessModels(sample, 3).find((m) => m.model === f.model)!;
      const got = mine.params[key[f.model]];
      if (f.model === 'uniform') expect(got).toBe(f.argmin);
      else expect(Math.abs(got - f.argmin), `${f.model}: ${got} vs ${f.argmin}`).toBeLessThan(1e-6 * Math.max(1, f.argmin));
      expect(Math.abs(mine.distance - f.distance)).toBeLessThan(1e-9);
      if (f.model === 'cmp') expect(mine.params.lambda).toBeCloseTo(3 ** f.argmin, 5);
    });
  }
  it('refuses an empty or negative sample', () => {
    expect(() => empiricalPmf([])).toThrow(/empty/);
    expect(() => empiricalPmf([1, -2])).toThrow(/non-negative/);
  });
});

describe('minimizeScan', () => {
  it('finds the global minimum of a two-well function where golden section alone settles in the other well', () => {
    // f has minima at x = −2 (f = 0.5) and x = 3 (f = 0): closed form
    const f = (x: number) => Math.min((x + 2) ** 2 + 0.5, (x - 3) ** 2);
    const g = minimize1d(f, -4, 4);
    const s = minimizeScan(f, -4, 4);
    expect(Math.abs(g.x + 2)).toBeLessThan(1e-6); // golden section: the wrong well (documents why the scan exists)
    expect(Math.abs(s.x - 3)).toBeLessThan(1e-6);
    expect(s.value).toBeLessThan(1e-12);
  });
  it('exponential compute-time staleness of 16 workers: the Poisson fit no longer runs to the bracket edge', () => {
    // a geometric(1/16) sample (drawn deterministically by its quantiles): the best Poisson λ is
    // of the order of the mean, far inside the bracket [1e-3, 3·maxLag]
    const sample: number[] = [];
    for (let i = 0; i < 4000; i++) sample.push(Math.floor(Math.log(1 - (i + 0.5) / 4000) / Math.log(1 - 1 / 16)));
    const po = fitStalenessModels(sample, 16).find((m) => m.model === 'poisson')!;
    const maxLag = Math.max(...sample);
    expect(po.params.lambda).toBeLessThan(maxLag);
    // and it is a minimum: nudging λ either way does not do better
    const emp = empiricalPmf(sample);
    const D = (l: number) => bhattacharyyaDistance(emp, delayModel({ kind: 'poisson', lambda: l, maxLag }).pmf);
    expect(D(po.params.lambda)).toBeLessThanOrEqual(D(po.params.lambda * 1.01) + 1e-12);
    expect(D(po.params.lambda)).toBeLessThanOrEqual(D(po.params.lambda * 0.99) + 1e-12);
  });
});
