/**
 * Brownian increments ΔB_k = B(t_{k+1}) − B(t_k), separate from the equation and the stepper
 * (as diffrax separates the Brownian path from the solver), so that the same path can drive
 * several solves: the dt ladder of a convergence-order check, or the coupled pairs of the bridge.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { integer, positiveNumber } from '../core/validate.ts';
import { NormalSampler } from '../random/normal.ts';
import { deriveEngine, type Engine } from '../random/streams.ts';

export interface BrownianIncrements {
  /** Number of independent Brownian motions m. */
  readonly dim: number;
  /** Write ΔB for step k (length m) into out; steps are requested in order 0, 1, 2, …. */
  next(k: number, h: number, out: Float64Array): void;
}

/** Fresh N(0, h·I) increments from an engine. */
export class GaussianIncrements implements BrownianIncrements {
  readonly dim: number;
  /** The normal sampler (specialized kernels draw from it directly, in the same order). */
  readonly sampler: NormalSampler;
  constructor(engine: Engine, dim: number) {
    if (typeof engine !== 'object' || engine === null || typeof (engine as { next?: unknown }).next !== 'function') throw new ConfigError('engine', `must be an engine (deriveEngine(seed, purpose, path) or a random-js Engine), got ${describe(engine)}`);
    this.dim = integer(dim, 'dim', { min: 1, max: 1_000_000 });
    this.sampler = new NormalSampler(engine);
  }
  private lastH = NaN;
  private sqrtH = NaN;
  next(_k: number, h: number, out: Float64Array): void {
    if (h !== this.lastH) {
      this.lastH = h;
      this.sqrtH = Math.sqrt(h);
    }
    const s = this.sqrtH;
    for (let i = 0; i < this.dim; i++) out[i] = s * this.sampler.next();
  }
}

/** Increments given in advance: row k of a steps×m array (row-major). */
export class PrescribedIncrements implements BrownianIncrements {
  readonly dim: number;
  readonly increments: Float64Array;
  constructor(increments: Float64Array, dim: number) {
    if (!(increments instanceof Float64Array)) throw new ConfigError('increments', `must be a Float64Array, got ${describe(increments)}`);
    integer(dim, 'dim', { min: 1, max: 1_000_000 });
    if (increments.length % dim !== 0) throw new ConfigError('increments', `length ${increments.length} is not a multiple of dim ${dim}`);
    this.dim = dim;
    this.increments = increments;
  }
  get steps(): number {
    return this.increments.length / this.dim;
  }
  next(k: number, _h: number, out: Float64Array): void {
    const off = k * this.dim;
    if (off + this.dim > this.increments.length) throw new RangeError(`increments: step ${k} requested, only ${this.steps} given`);
    for (let i = 0; i < this.dim; i++) out[i] = this.increments[off + i];
  }
}

/**
 * A whole Brownian path on a grid of `steps` steps of size h: increments (steps×m, row-major)
 * from the seed's Brownian stream of `path`. Same seed and path ⇒ the same increments as a
 * `solve` with that seed draws.
 */
export function brownianPath(seed: number, path: number, dim: number, steps: number, h: number): Float64Array {
  integer(dim, 'dim', { min: 1, max: 1_000_000 });
  integer(steps, 'steps', { min: 0, max: 2 ** 31 - 1 });
  positiveNumber(h, 'h');
  if (steps * dim > 2 ** 28) throw new ConfigError('steps', `steps × dim = ${steps * dim} increments is more than 2^28`);
  const src = new GaussianIncrements(deriveEngine(seed, 'brownian', path), dim);
  const out = new Float64Array(steps * dim);
  const row = new Float64Array(dim);
  for (let k = 0; k < steps; k++) {
    src.next(k, h, row);
    out.set(row, k * dim);
  }
  return out;
}

/**
 * Sum consecutive groups of `factor` increments: the same Brownian path seen on a grid `factor`
 * times coarser. This is how a dt ladder shares one path across its levels.
 */
export function coarsenIncrements(increments: Float64Array, dim: number, factor: number): Float64Array {
  if (!(increments instanceof Float64Array)) throw new ConfigError('increments', `must be a Float64Array, got ${describe(increments)}`);
  integer(dim, 'dim', { min: 1, max: 1_000_000 });
  if (!Number.isInteger(factor) || factor < 1) throw new ConfigError('factor', `must be a positive integer, got ${describe(factor)}`);
  const steps = increments.length / dim;
  if (!Number.isInteger(steps)) throw new ConfigError('increments', `length ${increments.length} is not a multiple of dim ${dim}`);
  if (steps % factor !== 0) throw new ConfigError('factor', `${steps} steps cannot be grouped by ${factor}`);
  const out = new Float64Array((steps / factor) * dim);
  for (let k = 0; k < steps; k++) {
    const ck = Math.floor(k / factor);
    for (let i = 0; i < dim; i++) out[ck * dim + i] += increments[k * dim + i];
  }
  return out;
}
