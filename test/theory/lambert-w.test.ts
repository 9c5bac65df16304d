/**
 * Complex Lambert W and characteristic roots against SciPy's scipy.special.lambertw (mpmath where
 * SciPy is wrong near −1/e; see test/fixtures/lambertw.py and the fixture's "ref" field).
 * Tolerance: 1e-13 relative to max(1, |W|), and 1e-7 absolute at the branch point itself, where
 * W has a square-root singularity (an argument error of ε moves W by ~√ε ≈ 1e-8).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { characteristicRoot, lambertW, spectralAbscissa } from '../../src/theory/lambert-w.ts';
import { ConfigError } from '../../src/core/errors.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/lambertw.json', import.meta.url), 'utf8'));

describe('lambertW', () => {
  it('edge cases: W0(0) = 0, W_k(0) = −∞ for k ≠ 0, NaN in → NaN out, non-integer branch refused', () => {
    expect(lambertW(0, 0)).toEqual({ re: 0, im: 0 });
    expect(lambertW(0, -1).re).toBe(-Infinity);
    expect(Number.isNaN(lambertW(NaN).re)).toBe(true);
    expect(() => lambertW(1, 0.5)).toThrow(ConfigError);
  });
  for (const c of fx.cases) {
    const z = { re: c.re, im: c.im };
    const near = Math.hypot(c.re + Math.exp(-1), c.im) < 1e-6;
    it(`W_${c.k}(${c.re}${c.im >= 0 ? '+' : ''}${c.im}i) [${c.ref}]`, () => {
      const w = lambertW(z, c.k);
      const scale = Math.max(1, Math.hypot(c.w_re, c.w_im));
      const err = Math.hypot(w.re - c.w_re, w.im - c.w_im);
      expect(err, `got ${w.re}+${w.im}i, expected ${c.w_re}+${c.w_im}i`).toBeLessThanOrEqual(near ? 1e-7 : 1e-13 * scale);
    });
  }
});

describe('characteristic roots of x′ = −a x(t − τ): β = W_k(−aτ)/τ', () => {
  for (const c of fx.characteristic_roots) {
    it(`${c.params}: roots on branches −2…2 and V = sup Re β`, () => {
      for (const r of c.roots) {
        const b = characteristicRoot(c.a, c.tau, r.k);
        const tol = c.a * c.tau === 1 / Math.E || Math.abs(c.a * c.tau - Math.exp(-1)) < 1e-15 ? 1e-7 : 1e-12;
        expect(Math.hypot(b.re - r.re, b.im - r.im), `k = ${r.k}: got ${b.re}+${b.im}i`).toBeLessThanOrEqual(tol * Math.max(1, Math.hypot(r.re, r.im)));
      }
      const { V } = spectralAbscissa([c.a], c.tau);
      expect(Math.abs(V - c.V)).toBeLessThanOrEqual(1e-7);
      // stability iff 0 < aτ < π/2 (away from the boundary, where V ≈ 0 within rounding)
      if (Math.abs(c.a * c.tau - Math.PI / 2) > 1e-9) expect(V < 0).toBe(c.stable);
    });
  }
  it('τ = 0: the only root is −a; V over several eigenvalues is set by the smallest', () => {
    expect(characteristicRoot(3, 0)).toEqual({ re: -3, im: 0 });
    expect(spectralAbscissa([0.5, 2, 4], 0).V).toBe(-0.5);
  });
});
