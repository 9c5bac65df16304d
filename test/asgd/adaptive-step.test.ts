/**
 * MindTheStep step sizes α(τ) against mpmath (test/fixtures/mindthestep_steps.py): Eq. 9, 14,
 * 15–16 and Cor. 2 (Eq. 17), in log space; non-positive α(τ) of the momentum forms is refused
 * (scale 0, counted), never applied as a negative step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adaptiveStep, type AdaptiveStepSpec } from '../../src/asgd/adaptive-step.ts';

const fx = JSON.parse(readFileSync(new URL('../fixtures/mindthestep_steps.json', import.meta.url), 'utf8'));

describe('α(τ) against mpmath', () => {
  const families: [string, (p: Record<string, number>) => object][] = [
    ['geometric', (p) => ({ kind: 'geometric', C: p.C, p: p.p })],
    ['cmp', (p) => ({ kind: 'cmp', C: p.C, lambda: p.lam, nu: p.nu })],
    ['cmp_momentum', (p) => ({ kind: 'cmp-momentum', K: p.K, lambda: p.lam, nu: p.nu })],
    ['poisson_momentum', (p) => ({ kind: 'poisson-momentum', K: p.K, lambda: p.lam })],
  ];
  for (const [name, spec] of families) {
    for (const c of fx[name]) {
      it(`${name} ${JSON.stringify(c.params)}`, () => {
        const a = adaptiveStep(spec(c.params) as AdaptiveStepSpec, c.params.alpha);
        c.tau.forEach((tau: number, i: number) => {
          const logRel = a.logRelative(tau);
          if (c.sign[i] > 0) {
            // log α(τ) = log α + logRelative
            expect(Math.abs(Math.log(c.params.alpha) + logRel - c.logAlpha[i]), `τ = ${tau}`).toBeLessThanOrEqual(1e-11 * Math.max(1, Math.abs(c.logAlpha[i])));
            expect(a.scale(tau)).toBeGreaterThan(0);
          } else {
            expect(logRel, `τ = ${tau}: α(τ) ≤ 0 must not be usable`).toBe(-Infinity);
            expect(a.scale(tau)).toBe(0);
          }
        });
      });
    }
  }
});

describe('options', () => {
  it('normalization makes the mean multiplier over the sample 1 (Eq. 26); the cap and the drop apply', () => {
    const sample = [0, 1, 2, 2, 3, 3, 3, 4, 5, 7];
    const a = adaptiveStep({ kind: 'cmp', C: 1, lambda: 3, nu: 1 }, 0.01, { normalizeOver: sample });
    const mean = sample.reduce((s, t) => s + a.scale(t), 0) / sample.length;
    expect(mean).toBeCloseTo(1, 12);
    expect(a.meanScale).toBeCloseTo(1, 12);
  });
  it('the cap is part of the normalization: E_τ[min(s·α(τ)/α, cap)] = 1 over the sample, drops counting as 0', () => {
    // α(τ)/α = τ!/3^τ on the kept τ ≤ 6 of the sample: 1, 1/3, 2/9 (×2), 2/9 (×3), 24/81, 120/243;
    // τ = 7 is dropped (0). Uncapped, s = 10/Σ = 3.09 puts τ = 0 above the cap 2, so τ = 0 sits at 2
    // and s solves 2 + s·(543/243) = 10: s = 1944/543 (closed form, by hand).
    const sample = [0, 1, 2, 2, 3, 3, 3, 4, 5, 7];
    const capped = adaptiveStep({ kind: 'cmp', C: 1, lambda: 3, nu: 1 }, 0.01, { normalizeOver: sample, cap: 2, dropAbove: 6 });
    expect(capped.scale(0)).toBe(2);
    expect(capped.scale(1)).toBeCloseTo(648 / 543, 12);
    expect(capped.scale(5)).toBeCloseTo(960 / 543, 12);
    expect(capped.scale(7)).toBe(0);
    expect(sample.reduce((acc, t) => acc + capped.scale(t), 0) / sample.length).toBeCloseTo(1, 12);
    expect(capped.meanScale).toBeCloseTo(1, 12);
  });
  it('an unattainable target (too few gradients kept for the cap) puts every kept gradient at the cap and says so', () => {
    // only τ = 0 is kept (1 of 10): at most 5 · 0.1 = 0.5 on average
    const a = adaptiveStep({ kind: 'cmp', C: 1, lambda: 3, nu: 1 }, 0.01, { normalizeOver: [0, 5, 5, 5, 5, 5, 5, 5, 5, 5], cap: 5, dropAbove: 0 });
    expect(a.scale(0)).toBe(5);
    expect(a.scale(5)).toBe(0);
    expect(a.meanScale).toBeCloseTo(0.5, 12);
  });
  it('overflow beyond the double range is capped when a cap is set, refused (0, counted) otherwise — never Infinity', () => {
    const a = adaptiveStep({ kind: 'cmp', C: 1, lambda: 1.5, nu: 2 }, 0.01);
    expect(Number.isFinite(a.logRelative(400))).toBe(true);
    expect(a.scale(400)).toBe(0);
    expect(a.overflowed).toBe(1);
    const c = adaptiveStep({ kind: 'cmp', C: 1, lambda: 1.5, nu: 2 }, 0.01, { cap: 5 });
    expect(c.scale(400)).toBe(5);
  });
  it('refuses bad parameters by field', () => {
    expect(() => adaptiveStep({ kind: 'geometric', C: 0.9, p: 1.5 }, 0.01)).toThrow(expect.objectContaining({ field: 'adaptive.p' }));
    expect(() => adaptiveStep({ kind: 'cmp', C: 1, lambda: -1, nu: 1 }, 0.01)).toThrow(expect.objectContaining({ field: 'adaptive.lambda' }));
    expect(() => adaptiveStep({ kind: 'cmp', C: 1, lambda: 1, nu: 1 }, 0.01, { normalizeOver: [] })).toThrow(expect.objectContaining({ field: 'adaptive.normalizeOver' }));
  });
});
