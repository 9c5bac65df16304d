/**
 * Brownian increments ΔB_k = B(t_{k+1}) − B(t_k), separate from the equation and the stepper
 * (as diffrax separates the Brownian path from the solver), so that the same path can drive
 * several solves: the dt ladder of a convergence-order check, or the coupled pairs of the bridge.
 */
import { POLL_MASK } from '../core/abort.ts';
import { ConfigError, describe } from '../core/errors.ts';
import { integer, positiveNumber } from '../core/validate.ts';
import { NormalSampler } from '../random/normal.ts';
import { deriveEngine, type Engine } from '../random/streams.ts';

/**
 * A source of Brownian increments ΔB_k for {@link solve} (the option `noise`), so that one path can
 * drive several solves. Implemented by {@link GaussianIncrements} and {@link PrescribedIncrements}.
 */
export interface BrownianIncrements {
  /** Number of independent Brownian motions m. */
  readonly dim: number;
  /** Write ΔB for step k (length m) into out; steps are requested in order 0, 1, 2, …. */
  next(k: number, h: number, out: Float64Array): void;
  /**
   * Sub-increments per step (default 1): the path is also known on a grid `substeps` times finer
   * than the step, and after each `next` the p×m array `fine` (row-major, sub-step by sub-step)
   * holds them, with ΔB their sum. Milstein uses them for the double integral of the delayed
   * term (Hu, Mohammed & Yan 2004), which the step's increments alone do not determine.
   */
  readonly substeps?: number;
  readonly fine?: Float64Array;
}

/**
 * Fresh N(0, h·I) increments from an engine. With `substeps` p > 1 each step draws p
 * N(0, (h/p)·I) sub-increments (sub-step by sub-step, component by component) and ΔB is their
 * sum: the same Brownian law, seen on a finer grid.
 */
export class GaussianIncrements implements BrownianIncrements {
  readonly dim: number;
  readonly substeps: number;
  readonly fine: Float64Array;
  /** The normal sampler (specialized kernels draw from it directly, in the same order). */
  readonly sampler: NormalSampler;
  /**
   * @param engine - the random engine ({@link deriveEngine} or any random-js Engine).
   * @param dim - m, the number of Brownian motions (integer in [1, 10⁶]).
   * @param options - `substeps`: sub-increments per step (default 1).
   * @throws {@link ConfigError} `engine` or `dim`; RangeError for a bad `substeps`.
   */
  constructor(engine: Engine, dim: number, options: { substeps?: number } = {}) {
    if (typeof engine !== 'object' || engine === null || typeof (engine as { next?: unknown }).next !== 'function') throw new ConfigError('engine', `must be an engine (deriveEngine(seed, purpose, path) or a random-js Engine), got ${describe(engine)}`);
    this.dim = integer(dim, 'dim', { min: 1, max: 1_000_000 });
    this.substeps = substepCount(options.substeps);
    this.fine = new Float64Array(this.substeps * dim);
    this.sampler = new NormalSampler(engine);
  }
  private lastH = NaN;
  private sqrtH = NaN;
  next(_k: number, h: number, out: Float64Array): void {
    const p = this.substeps;
    if (h !== this.lastH) {
      this.lastH = h;
      this.sqrtH = Math.sqrt(p === 1 ? h : h / p);
    }
    const s = this.sqrtH;
    if (p === 1) {
      for (let i = 0; i < this.dim; i++) out[i] = this.fine[i] = s * this.sampler.next();
      return;
    }
    const m = this.dim;
    const fine = this.fine;
    for (let i = 0; i < m; i++) out[i] = 0;
    for (let j = 0; j < p; j++) {
      for (let i = 0; i < m; i++) {
        const w = s * this.sampler.next();
        fine[j * m + i] = w;
        out[i] += w;
      }
    }
  }
}

function substepCount(p: unknown): number {
  if (p === undefined) return 1;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 1_000_000) throw new RangeError(`substeps must be an integer in [1, 10^6], got ${String(p)}`);
  return p;
}

/**
 * Increments given in advance: row k of a steps×m array (row-major). With `substeps` p the array
 * holds a path on a grid p times finer: step k's ΔB is the sum of rows kp … kp+p−1 (summed in
 * order, so the same bits as `coarsenIncrements`), and `fine` holds those rows.
 */
export class PrescribedIncrements implements BrownianIncrements {
  readonly dim: number;
  readonly increments: Float64Array;
  readonly substeps: number;
  readonly fine: Float64Array;
  /**
   * @param increments - steps×m increments, row-major (steps·substeps rows when `substeps` > 1).
   * @param dim - m, the number of Brownian motions.
   * @param options - `substeps`: fine rows summed into each step (default 1).
   * @throws {@link ConfigError} `increments` (not a Float64Array, or length not a multiple of m) or
   * `dim`; RangeError when the rows cannot be grouped by `substeps`, or (in `next`) a step beyond the end.
   */
  constructor(increments: Float64Array, dim: number, options: { substeps?: number } = {}) {
    if (!(increments instanceof Float64Array)) throw new ConfigError('increments', `must be a Float64Array, got ${describe(increments)}`);
    integer(dim, 'dim', { min: 1, max: 1_000_000 });
    if (increments.length % dim !== 0) throw new ConfigError('increments', `length ${increments.length} is not a multiple of dim ${dim}`);
    this.dim = dim;
    this.increments = increments;
    this.substeps = substepCount(options.substeps);
    if ((increments.length / dim) % this.substeps !== 0) throw new RangeError(`increments: ${increments.length / dim} fine steps cannot be grouped by ${this.substeps}`);
    this.fine = new Float64Array(this.substeps * dim);
  }
  /** Number of steps these increments cover. */
  get steps(): number {
    return this.increments.length / this.dim / this.substeps;
  }
  next(k: number, _h: number, out: Float64Array): void {
    const m = this.dim;
    const p = this.substeps;
    const off = k * m * p;
    if (off + m * p > this.increments.length) throw new RangeError(`increments: step ${k} requested, only ${this.steps} given`);
    const inc = this.increments;
    if (p === 1) {
      for (let i = 0; i < m; i++) out[i] = this.fine[i] = inc[off + i];
      return;
    }
    for (let i = 0; i < m; i++) out[i] = 0;
    for (let j = 0; j < p; j++) {
      for (let i = 0; i < m; i++) {
        const w = inc[off + j * m + i];
        this.fine[j * m + i] = w;
        out[i] += w;
      }
    }
  }
}

/**
 * A whole Brownian path on a grid of `steps` steps of size h: increments (steps×m, row-major)
 * from the seed's Brownian stream of `path`. Same seed and path ⇒ the same increments as a
 * `solve` with that seed draws. `poll(k)`, when given, is called every POLL_MASK + 1 steps (an
 * abort check and progress of a longer run; it may throw to stop).
 */
export function brownianPath(seed: number, path: number, dim: number, steps: number, h: number, poll?: (k: number) => void): Float64Array {
  integer(dim, 'dim', { min: 1, max: 1_000_000 });
  integer(steps, 'steps', { min: 0, max: 2 ** 31 - 1 });
  positiveNumber(h, 'h');
  if (steps * dim > 2 ** 28) throw new ConfigError('steps', `steps × dim = ${steps * dim} increments is more than 2^28`);
  const src = new GaussianIncrements(deriveEngine(seed, 'brownian', path), dim);
  const out = new Float64Array(steps * dim);
  const row = new Float64Array(dim);
  for (let k = 0; k < steps; k++) {
    if (poll !== undefined && (k & POLL_MASK) === 0) poll(k);
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
