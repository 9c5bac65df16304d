/** Verdict logic on constructed inputs whose answer is known. */
import { describe, expect, it } from 'vitest';
import { exponentVerdict, measurement, upperBoundVerdict } from '../../src/theory/verdict.ts';

describe('upper bounds', () => {
  it('a bound that holds tightly: holds', () => {
    const v = upperBoundVerdict([{ bound: 1.5, m: measurement(1, 0.1) }, { bound: 2, m: measurement(1.2, 0.1) }]);
    expect(v.kind).toBe('holds');
  });
  it('a bound 10× above every measurement: holds, loose ×10', () => {
    const v = upperBoundVerdict([{ bound: 10, m: measurement(1, 0.01) }, { bound: 30, m: measurement(2, 0.01) }]);
    expect(v.kind).toBe('loose');
    expect(v.looseness).toBeCloseTo(10, 12);
    expect(v.label).toBe('holds, loose ×10.0');
  });
  it('a measurement far above its bound: violated, naming where', () => {
    const v = upperBoundVerdict([{ bound: 5, m: measurement(1, 0.1) }, { bound: 1, m: measurement(1.5, 0.1), where: 't = 3' }]);
    expect(v.kind).toBe('violated');
    expect(v.reason).toContain('t = 3');
  });
  it('non-finite measurements or bounds never hold', () => {
    expect(upperBoundVerdict([{ bound: 1e-3, m: measurement(NaN, NaN) }]).kind).toBe('not-applicable');
    expect(upperBoundVerdict([{ bound: NaN, m: measurement(1, 0.1) }]).kind).toBe('not-applicable');
    expect(exponentVerdict(0, { value: NaN, lo: NaN, hi: NaN }, 'at-most').kind).toBe('not-applicable');
    expect(exponentVerdict(0, { value: NaN, lo: NaN, hi: NaN }, 'at-least').kind).toBe('not-applicable');
  });
  it('Bonferroni: a bound equal to the mean at 400 points with independent noise is not flagged', async () => {
    const { NormalSampler } = await import('../../src/random/normal.ts');
    const { deriveEngine } = await import('../../src/random/streams.ts');
    let flagged = 0;
    const z = new NormalSampler(deriveEngine(1, 'user', 0));
    for (let trial = 0; trial < 200; trial++) {
      const points = Array.from({ length: 400 }, () => ({ bound: 1, m: measurement(1 + 0.01 * z.next(), 0.01) }));
      if (upperBoundVerdict(points).kind === 'violated') flagged++;
    }
    // family-wise rate 2.5%: binomial(200, 0.025) exceeds 15 with probability < 1e-4
    expect(flagged).toBeLessThan(15);
    // and a real excess of 6 SE at one point is caught
    const points = Array.from({ length: 400 }, () => ({ bound: 1, m: measurement(1, 0.01) }));
    points[7] = { bound: 1, m: measurement(1.06, 0.01) };
    expect(upperBoundVerdict(points).kind).toBe('violated');
  });
  it('a measurement above the bound but within its CI: not violated', () => {
    expect(upperBoundVerdict([{ bound: 1, m: measurement(1.1, 0.1) }]).kind).toBe('holds');
  });
});

describe('exponents', () => {
  it("'equal': inside the CI holds, outside is violated", () => {
    expect(exponentVerdict(0.5, { value: 0.48, lo: 0.45, hi: 0.51 }, 'equal').kind).toBe('holds');
    expect(exponentVerdict(0.5, { value: 0.4, lo: 0.38, hi: 0.42 }, 'equal').kind).toBe('violated');
  });
  it("'at-most': a CI above the prediction is violated; far below is loose by span^(p − value)", () => {
    expect(exponentVerdict(-0.5, { value: -0.2, lo: -0.3, hi: -0.1 }, 'at-most').kind).toBe('violated');
    const v = exponentVerdict(-0.5, { value: -1, lo: -1.05, hi: -0.95 }, 'at-most', Math.log(16));
    expect(v.kind).toBe('loose');
    expect(v.looseness).toBeCloseTo(4, 12); // 16^0.5
    expect(exponentVerdict(-0.5, { value: -0.55, lo: -0.6, hi: -0.45 }, 'at-most', Math.log(16)).kind).toBe('holds');
  });
  it('a looseness beyond the double range is reported in log form, not as Infinity', () => {
    const v = exponentVerdict(1, { value: 0, lo: -0.1, hi: 0.1 }, 'at-most', 800); // span e^800
    expect(v.kind).toBe('loose');
    expect(v.label).toBe('holds, loose ×e^800.0 (beyond double range)');
    expect(v.looseness).toBeUndefined();
  });
  it("'at-least': mirror image", () => {
    expect(exponentVerdict(1, { value: 0.7, lo: 0.6, hi: 0.8 }, 'at-least').kind).toBe('violated');
    expect(exponentVerdict(1, { value: 1.02, lo: 0.9, hi: 1.1 }, 'at-least').kind).toBe('holds');
  });
});
