/**
 * Seeds: a given seed is validated; a missing one is drawn fresh from the platform's
 * cryptographic generator (`globalThis.crypto.getRandomValues`, Node ≥ 20 and every browser), so
 * that calls which forget the seed never repeat each other silently (DifferentialEquations.jl's
 * convention). The seed used is recorded on every result (`result.seed`); passing it back
 * reproduces the result bit for bit.
 */
import { ConfigError } from './errors.ts';
import { seedValue } from './validate.ts';

/**
 * A fresh master seed: a uniformly distributed integer in [0, 2^53), from 64 bits of
 * `crypto.getRandomValues` (the top 11 bits dropped).
 *
 * @throws ConfigError (field `seed`) when the platform has no `crypto.getRandomValues`; pass a seed then.
 * @example
 * ```ts
 * import { defineSdde, EulerMaruyama, freshSeed, solve } from 'asgd-sdde';
 *
 * const seed = freshSeed(); // e.g. 6139518026467093, a new one every run: record it
 * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -x[0]!; }, diffusion: { noise: 'diagonal', g: 0.3 },
 *   history: 1, T: 1 });
 * const a = solve(problem, new EulerMaruyama(), { dt: 0.01, seed, saveAt: { final: true } });
 * const b = solve(problem, new EulerMaruyama(), { dt: 0.01, seed, saveAt: { final: true } });
 * console.log(Number.isSafeInteger(seed), a.x[0] === b.x[0]); // reproducible with this seed
 * //> true true
 * ```
 */
export function freshSeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (typeof c?.getRandomValues !== 'function') throw new ConfigError('seed', 'none given, and this platform has no crypto.getRandomValues to draw one; pass a seed');
  const words = c.getRandomValues(new Uint32Array(2));
  return (words[0] & 0x1f_ffff) * 2 ** 32 + words[1];
}

/**
 * The master seed of a call: `value` validated as an integer in [0, 2^53) when given, a
 * `freshSeed()` when undefined.
 *
 * @param value the caller's seed, or undefined
 * @param field the dotted field name used in a ConfigError
 * @throws ConfigError when `value` is given and is not an integer in [0, 2^53)
 * @remarks Example (an internal helper, not in the package API):
 * ```ts fragment
 * const seed = seedOrFresh(options.seed, 'options.seed'); // record it on the result
 * ```
 */
export function seedOrFresh(value: unknown, field: string): number {
  return value === undefined ? freshSeed() : seedValue(value, field);
}
