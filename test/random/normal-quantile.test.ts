/**
 * normalQuantile(p) = Φ⁻¹(p) (Wichura AS241).
 *
 * Reference values: test/fixtures/normal_ppf.json, written by test/fixtures/normal_ppf.py
 * ('ppf' from scipy.stats.norm.ppf, 'ppf_mpmath' from mpmath at 60 digits solving ncdf(x) = p for
 * the exact double p). We compare against the mpmath column, the more accurate of the two.
 * Edge values (0, 1, NaN, out of range, 1/2) are closed forms of the definition of Φ⁻¹.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../../src/core/math/normal-quantile.ts';

interface PpfCase {
  p: number;
  ppf: number;
  ppf_mpmath: number;
}
interface CdfCase {
  x: number;
  cdf: number;
  cdf_mpmath: number;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/normal_ppf.json', import.meta.url), 'utf8')) as {
  cases: PpfCase[];
  cdf_cases: CdfCase[];
};

/** Spacing of doubles at |v| (one ulp), for tolerances tied to the rounding of an input. */
function ulp(v: number): number {
  const a = Math.abs(v);
  if (a < 2.2250738585072014e-308) return 5e-324;
  return 2 ** (Math.floor(Math.log2(a)) - 52);
}

describe('normalQuantile: edge cases', () => {
  it('returns NaN for NaN, negative, > 1 and infinite p', () => {
    for (const p of [NaN, -1e-300, -0.5, -1, 1 + 2 ** -52, 1.5, 2, Infinity, -Infinity]) {
      expect(Number.isNaN(normalQuantile(p)), `normalQuantile(${p}) should be NaN, got ${normalQuantile(p)}`).toBe(true);
    }
  });

  it('maps the closed ends p = 0 → −∞ and p = 1 → +∞ (limits of Φ⁻¹)', () => {
    expect(normalQuantile(0), 'p = 0').toBe(-Infinity);
    expect(normalQuantile(-0), 'p = -0').toBe(-Infinity);
    expect(normalQuantile(1), 'p = 1').toBe(Infinity);
  });

  it('is exactly 0 at the median p = 1/2 (Φ(0) = 1/2)', () => {
    expect(normalQuantile(0.5), 'p = 0.5').toBe(0);
  });

  it('is finite for the smallest positive doubles and just below 1', () => {
    for (const p of [Number.MIN_VALUE, 1e-320, 2.2250738585072014e-308, 1 - 2 ** -53]) {
      const x = normalQuantile(p);
      expect(Number.isFinite(x), `normalQuantile(${p}) = ${x}`).toBe(true);
      expect(Math.sign(x), `sign of normalQuantile(${p}) = ${x}`).toBe(p < 0.5 ? -1 : 1);
    }
  });
});

describe('normalQuantile: accuracy against the mpmath reference (normal_ppf.json)', () => {
  it('has the fixture cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(50);
  });

  // AS241 is accurate to about 1e-16 relative; we allow 1e-14 relative, 1e-15 absolute near x = 0
  // (where relative error is meaningless).
  for (const c of fixture.cases) {
    it(`p = ${c.p}`, () => {
      const x = normalQuantile(c.p);
      const ref = c.ppf_mpmath;
      const tol = Math.max(1e-14 * Math.abs(ref), 1e-15);
      expect(Math.abs(x - ref), `normalQuantile(${c.p}) = ${x}, mpmath ${ref}, tol ${tol}`).toBeLessThanOrEqual(tol);
    });
  }
});

describe('normalQuantile: inverse of the reference cdf (normal_ppf.json cdf_cases)', () => {
  // x ↦ Φ(x) is rounded to a double p = Φ(x)(1 + δ); Φ⁻¹(p) then differs from x by about
  // |p − Φ(x)|/φ(x) ≤ ulp(p)/(2φ(x)) (first-order error propagation, φ the density; closed form
  // φ(x) = e^{−x²/2}/√(2π)). Tolerance: twice that, plus 1e-14·|x| for the algorithm itself.
  // Cases where the rounded p is 0 or 1 (no information left) are excluded.
  for (const c of fixture.cdf_cases) {
    const p = c.cdf_mpmath;
    if (!(p > 0 && p < 1)) continue;
    it(`Φ⁻¹(Φ(${c.x})) ≈ ${c.x}`, () => {
      const phi = Math.exp(-0.5 * c.x * c.x) / Math.sqrt(2 * Math.PI);
      const tol = ulp(p) / phi + 1e-14 * Math.max(1, Math.abs(c.x));
      const x = normalQuantile(p);
      expect(Math.abs(x - c.x), `normalQuantile(${p}) = ${x}, expected ${c.x} ± ${tol}`).toBeLessThanOrEqual(tol);
    });
  }
});

describe('normalQuantile: structural properties of Φ⁻¹', () => {
  it('is odd about 1/2: Φ⁻¹(1 − p) = −Φ⁻¹(p) when 1 − p is exact', () => {
    // p = k/2^20 and 1 − p are both exact doubles; the identity is the symmetry of the normal law.
    for (let k = 1; k < 2 ** 20; k += 4099) {
      const p = k / 2 ** 20;
      const a = normalQuantile(p);
      const b = normalQuantile(1 - p);
      const tol = 1e-14 * Math.max(1, Math.abs(a));
      expect(Math.abs(a + b), `p = ${p}: Φ⁻¹(p) = ${a}, Φ⁻¹(1−p) = ${b}`).toBeLessThanOrEqual(tol);
    }
  });

  it('is non-decreasing across the AS241 branch boundaries (|p − ½| = 0.425 and r = 5)', () => {
    // Branch points: p = 0.075, 0.925 (central/tail) and p = e^{-25} (r = √(−log p) = 5).
    const centres = [0.075, 0.925, Math.exp(-25), 1 - 1e-9];
    for (const c0 of centres) {
      let prev = -Infinity;
      const step = 1e-6 * Math.min(c0, 1 - c0);
      for (let j = -200; j <= 200; j++) {
        const p = c0 + j * step;
        if (!(p > 0 && p < 1)) continue;
        const x = normalQuantile(p);
        expect(x, `normalQuantile(${p}) = ${x} < previous ${prev} (near ${c0})`).toBeGreaterThanOrEqual(prev);
        prev = x;
      }
    }
  });
});
