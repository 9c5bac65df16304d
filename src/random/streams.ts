/**
 * Seeded, reproducible random streams.
 *
 * One master seed (an integer in [0, 2^53)) determines every random number of a run. Each
 * consumer gets its own engine, derived from the master seed and a stream key
 * `(purpose, path index)`: the Brownian increments, the delay draws and the minibatch draws of a
 * path never share an engine, so changing what is *saved*, or whether delays are random, never
 * shifts the noise stream, and path i's numbers do not depend on how many other paths ran or in
 * which order.
 *
 * Derivation: MT19937 `seedWithArray` (Matsumoto & Nishimura's init_by_array) over
 * [seed low 32 bits, seed high bits, purpose, path, salt]. init_by_array mixes all key words into
 * the whole 624-word state, so neighbouring keys give unrelated streams. The engine is random-js's
 * MersenneTwister19937 stream, generated in batches (BatchedMersenneTwister19937: the same words,
 * tested against random-js, ~6× faster per draw); any random-js Engine can be passed instead.
 */
import { ConfigError, describe } from '../core/errors.ts';
import type { Engine } from './engine.ts';
import { BatchedMersenneTwister19937 } from './mt19937.ts';

export type { Engine } from './engine.ts';

/** What a stream is used for; part of the derivation key. */
export const StreamPurpose = {
  brownian: 1,
  delay: 2,
  minibatch: 3,
  coupling: 4,
  /** Generated data sets (least squares, logistic regression). */
  data: 5,
  /** The SDDE of an independently driven ASGD/SDDE pair (its own delays, not the ASGD's). */
  bridgeDelay: 6,
  /** The coordinates a sparse (Hogwild) update writes. */
  coordinates: 7,
  /** Seeds of independent replicate runs (staleness simulations). */
  replicate: 8,
  /** The minibatches that sample the noise law of the 'axis-quantile' coupling (once per run). */
  couplingLaw: 9,
  /** The past drawn for a parameter server's stationary start (residual compute times, buffer phase). */
  stationaryStart: 10,
  user: 100,
} as const;
export type StreamPurposeName = keyof typeof StreamPurpose;

const SALT = 0x5dde_a59d;

/**
 * The engine of one random stream, derived from a master seed, a purpose and a path index: MT19937
 * seeded by init_by_array over [seed low 32 bits, seed high bits, purpose, path, salt], so streams of
 * different purposes or paths are unrelated and path i's numbers do not depend on other paths.
 *
 * @param masterSeed - integer in [0, 2^53).
 * @param purpose - a {@link StreamPurpose} name ('brownian', 'delay', 'minibatch', …; 'user' for your
 * own streams) or its number.
 * @param path - path index, integer in [0, 2^32); default 0.
 * @returns a random-js compatible engine (32-bit words from `next()`).
 * @throws {@link ConfigError} `seed` or `path` when out of range.
 * @example
 * ```ts
 * import { deriveEngine, uniformOpen01 } from 'asgd-sdde';
 *
 * const a = deriveEngine(2026, 'brownian', 3);
 * const b = deriveEngine(2026, 'brownian', 3);
 * console.log(uniformOpen01(a) === uniformOpen01(b)); // same seed, purpose and path
 * //> true
 * ```
 */
export function deriveEngine(masterSeed: number, purpose: StreamPurposeName | number, path = 0): Engine {
  if (!Number.isInteger(masterSeed) || masterSeed < 0 || masterSeed > Number.MAX_SAFE_INTEGER) {
    throw new ConfigError('seed', `must be an integer in [0, 2^53), got ${describe(masterSeed)}`);
  }
  if (!Number.isInteger(path) || path < 0 || path > 0xffff_ffff) {
    throw new ConfigError('path', `must be an integer in [0, 2^32), got ${describe(path)}`);
  }
  const p = typeof purpose === 'number' ? purpose : StreamPurpose[purpose];
  const lo = masterSeed % 0x1_0000_0000;
  const hi = Math.floor(masterSeed / 0x1_0000_0000);
  return BatchedMersenneTwister19937.seedWithArray([lo | 0, hi | 0, p | 0, path | 0, SALT | 0]);
}

const TWO_POW_26 = 67108864;
const TWO_POW_52 = 4503599627370496;

/**
 * A uniform double in the open interval (0, 1): (m + 1/2)/2^52 for a uniform integer m in
 * [0, 2^52), i.e. the midpoints of 2^52 equal cells. m + 1/2 < 2^52 is exact, so the result lies
 * in [2^-53, 1 − 2^-53]: log(u), log(1 − u) and Φ⁻¹(u) are always finite.
 */
export function uniformOpen01(engine: Engine): number {
  const a = engine.next() >>> 6; // 26 bits
  const b = engine.next() >>> 6; // 26 bits
  return (a * TWO_POW_26 + b + 0.5) / TWO_POW_52;
}

/** A uniform integer in {0, …, n−1} without modulo bias (rejection on 32-bit draws). */
export function uniformIndex(engine: Engine, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) throw new RangeError(`uniformIndex: n must be an integer in [1, 2^32], got ${n}`);
  if (n === 1) return 0;
  const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
  for (;;) {
    const r = engine.next() >>> 0;
    if (r < limit) return r % n;
  }
}
