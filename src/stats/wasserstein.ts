/**
 * 1-D Wasserstein-1 distance between two empirical distributions: W1 = ∫ |F_u(x) − F_v(x)| dx,
 * computed by one merged pass over the sorted samples (as scipy.stats.wasserstein_distance).
 */
import { ConfigError, describe } from '../core/errors.ts';

/**
 * The Wasserstein-1 distance ∫ |F_u − F_v| dx between two 1-D empirical distributions (as
 * scipy.stats.wasserstein_distance).
 *
 * @throws {@link ConfigError} `u` / `v` (not an array, empty) or `u[i]` / `v[i]` (not a number).
 * @example
 * ```ts
 * import { wasserstein1 } from 'asgd-sdde';
 *
 * console.log(wasserstein1([0, 1, 3], [5, 6, 8])); // a shift by 5 moves every point 5
 * //> 5
 * ```
 */
export function wasserstein1(u: ArrayLike<number>, v: ArrayLike<number>): number {
  for (const [name, s] of [['u', u], ['v', v]] as const) {
    if (typeof s !== 'object' || s === null || typeof s.length !== 'number') throw new ConfigError(name, `must be an array of numbers, got ${describe(s)}`);
    if (s.length === 0) throw new ConfigError(name, 'is an empty sample');
    for (let i = 0; i < s.length; i++) if (typeof s[i] !== 'number') throw new ConfigError(`${name}[${i}]`, `must be a number, got ${describe(s[i])}`);
  }
  const a = Float64Array.from(u).sort();
  const b = Float64Array.from(v).sort();
  for (const [name, s] of [['u', a], ['v', b]] as const) if (!s.every(Number.isFinite)) throw new ConfigError(name, 'has a non-finite sample value');
  let i = 0;
  let j = 0;
  let x = Math.min(a[0], b[0]);
  let w = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    w += Math.abs(i / a.length - j / b.length) * (next - x);
    x = next;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return w;
}
