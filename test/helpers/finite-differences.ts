/** Finite-difference checks of objective gradients, shared by the objective tests. */
import { expect } from 'vitest';
import type { FiniteSumObjective } from '../../src/asgd/objective.ts';

const EPS = Number.EPSILON;

/**
 * Central differences D(h) = (F(x + h e_k) − F(x − h e_k))/(2h) against ∇F(x)[k], for every k
 * (or the given coordinates).
 * D(h) − F'(x) = h²F'''/6 + O(h⁴) (plus rounding), so D(2h) − D(h) ≈ 3·(D(h) − F'), i.e.
 * |D(2h) − D(h)| is three times the h² truncation error of D(h), estimated from the function
 * itself (no bound on F''' needed). Tolerance = that + the rounding error of D(h), 2δF/(2h) with
 * δF = 4nε·(|F| + 1) a generous bound on the rounding error of the mean of n losses. A wrong
 * gradient entry shows up as an O(1) discrepancy, far above this (≈ 1e-9 here).
 */
export function checkFiniteDifferences(obj: FiniteSumObjective, x: Float64Array, h: number, label: string, coordinates?: Iterable<number>): void {
  const g = new Float64Array(obj.dim);
  obj.gradient(x, g);
  const xp = Float64Array.from(x);
  const F0 = obj.value(x);
  const deltaF = 4 * obj.n * EPS * (Math.abs(F0) + 1);
  const D = (k: number, step: number): number => {
    xp[k] = x[k] + step;
    const fp = obj.value(xp);
    xp[k] = x[k] - step;
    const fm = obj.value(xp);
    xp[k] = x[k];
    return (fp - fm) / (2 * step);
  };
  for (const k of coordinates ?? Array.from({ length: obj.dim }, (_, j) => j)) {
    const d1 = D(k, h);
    const d2 = D(k, 2 * h);
    const tol = Math.abs(d2 - d1) + deltaF / h;
    expect(Math.abs(d1 - g[k]), `${label}: ∂F/∂x_${k}: FD ${d1} (2h: ${d2}), ∇F ${g[k]}, tol ${tol}`).toBeLessThanOrEqual(tol);
  }
}
