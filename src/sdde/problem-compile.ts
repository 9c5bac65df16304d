/**
 * Compiling the parts of an SDDE spec (drift, diffusion, delay, history) into the validated forms
 * of problem.ts, and evaluating them: the history ξ(s) and a linear drift as a coefficient function.
 * Used by `defineSdde`; every error names its field under `problem.`.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { finiteMatrix, finiteNumber, finiteVector, integer, knownFields, nonNegativeNumber, oneOf, plainObject } from '../core/validate.ts';
import { DelayDistribution, type DelayModelSpec, delayModel, MAX_LAG_LIMIT } from '../delay/models.ts';
import type { CoefficientFn, CompiledDelay, CompiledDiffusion, CompiledHistory, CompiledLinearDrift, CompiledSingleDelay, JvpFn } from './problem.ts';

/**
 * A coefficient written as `(t, x, y) => -y[0]` returns its value instead of writing it into
 * `out`; TypeScript accepts it (a function returning a number is assignable to one returning
 * void), and the solver would run it as zero. It is called once here, at (t0, ξ(t0), ξ(t0)), with
 * `out` filled with NaN: a returned value with nothing written is refused. (`(…, out) => out[0] =
 * -y[0]`, which writes and returns, is fine.)
 */
export function checkWritesOut(fn: CoefficientFn, field: string, history: CompiledHistory, t0: number, dim: number, size: number, lagDim: number): void {
  const x = new Float64Array(dim);
  evalHistory(history, t0, x);
  const y = Float64Array.from({ length: lagDim }, (_, i) => x[i % dim]);
  const out = new Float64Array(Math.max(1, size)).fill(NaN);
  const returned = (fn as (t: number, x: Float64Array, y: Float64Array, out: Float64Array) => unknown)(t0, x, y, out);
  if (returned !== undefined && out.every(Number.isNaN)) {
    throw new ConfigError(field, `returned ${describe(returned)} and wrote nothing into out: a coefficient writes its value into out (out[i] = …) and returns nothing`);
  }
}

/** `problem.drift.linear` ({x, y, c}) validated against d and lagDim. @throws {@link ConfigError} `problem.drift.linear.*`. */
export function compileLinearDrift(value: unknown, dim: number, lagDim: number): CompiledLinearDrift {
  const l = plainObject(value, 'problem.drift.linear');
  knownFields(l, 'problem.drift.linear', ['x', 'y', 'c']);
  if (l.x === undefined && l.y === undefined && l.c === undefined) throw new ConfigError('problem.drift.linear', 'needs at least one of x (matrix on X(t)), y (matrix on X(t−θ)), c (vector)');
  return {
    A: l.x === undefined ? null : finiteMatrix(l.x, 'problem.drift.linear.x', dim, dim),
    // with p delays, y is d × p·d: the blocks act on X(t−θ₁), …, X(t−θ_p)
    B: l.y === undefined ? null : finiteMatrix(l.y, 'problem.drift.linear.y', dim, lagDim),
    c: l.c === undefined ? null : finiteVector(l.c, 'problem.drift.linear.c', dim),
  };
}

/** The linear drift as an ordinary coefficient function (for code that evaluates f generically). */
export function linearDriftFn(L: CompiledLinearDrift, d: number, lagDim = d): CoefficientFn {
  return (_t, x, y, out) => {
    for (let i = 0; i < d; i++) {
      let s = L.c ? L.c[i] : 0;
      if (L.A) for (let j = 0; j < d; j++) s += L.A[i * d + j] * x[j];
      if (L.B) for (let j = 0; j < lagDim; j++) s += L.B[i * lagDim + j] * y[j];
      out[i] = s;
    }
  };
}

/** `problem.diffusion` validated and compiled. @throws {@link ConfigError} `problem.diffusion.*`. */
export function compileDiffusion(value: unknown, dim: number): CompiledDiffusion {
  const d = plainObject(value, 'problem.diffusion');
  const kind = oneOf(d.noise, 'problem.diffusion.noise', ['none', 'scalar', 'diagonal', 'full'] as const);
  if (kind === 'none') {
    knownFields(d, 'problem.diffusion', ['noise']);
    return { kind, noiseDim: 0, size: 0, constant: null, fn: null, dg: null };
  }
  knownFields(d, 'problem.diffusion', kind === 'full' ? ['noise', 'g', 'noiseDim', 'dg'] : ['noise', 'g', 'dg']);
  // full: m Brownian motions; without noiseDim, m is the row length of a constant matrix (d × m, m ≠ d allowed) or d
  const rowLength = kind === 'full' && Array.isArray(d.g) && Array.isArray(d.g[0]) ? (d.g[0] as unknown[]).length : 0;
  const m = kind === 'scalar' ? 1 : kind === 'diagonal' ? dim : d.noiseDim !== undefined ? integer(d.noiseDim, 'problem.diffusion.noiseDim', { min: 1, max: 1_000_000 }) : rowLength > 0 ? rowLength : dim;
  const size = kind === 'full' ? dim * m : dim;
  const g = d.g;
  let dg: CompiledDiffusion['dg'] = null;
  if (d.dg !== undefined) {
    const o = plainObject(d.dg, 'problem.diffusion.dg');
    knownFields(o, 'problem.diffusion.dg', ['x', 'y']);
    for (const key of ['x', 'y'] as const) {
      if (o[key] !== undefined && typeof o[key] !== 'function') throw new ConfigError(`problem.diffusion.dg.${key}`, `must be a function (t, x, xLag, v, out) => void writing (∂g/∂${key})·v, got ${describe(o[key])}`);
    }
    if (typeof g !== 'function') throw new ConfigError('problem.diffusion.dg', 'derivatives are only meaningful for a diffusion given as a function (a constant g has none)');
    dg = { x: (o.x as JvpFn | undefined) ?? null, y: (o.y as JvpFn | undefined) ?? null };
  }
  if (typeof g === 'function') return { kind, noiseDim: m, size, constant: null, fn: g as CoefficientFn, dg };
  let constant: Float64Array;
  if (kind === 'full') {
    if (!Array.isArray(g)) throw new ConfigError('problem.diffusion.g', `must be a function or a ${dim}×${m} matrix (array of rows), got ${describe(g)}`);
    constant = new Float64Array(size);
    if (g.length !== dim) throw new ConfigError('problem.diffusion.g', `must have ${dim} rows, got ${g.length}`);
    for (let i = 0; i < dim; i++) constant.set(finiteVector(g[i], `problem.diffusion.g[${i}]`, m), i * m);
  } else if (typeof g === 'number') {
    constant = new Float64Array(size).fill(finiteNumber(g, 'problem.diffusion.g'));
  } else {
    constant = finiteVector(g, 'problem.diffusion.g', dim);
  }
  return { kind, noiseDim: m, size, constant, fn: null, dg: null };
}

/** Largest number of delays in a 'several' spec (each adds d entries to xLag). */
export const MAX_DELAYS = 64;

/** `problem.delay` validated and compiled. @throws {@link ConfigError} `problem.delay.*`. */
export function compileDelay(value: unknown, dim: number): CompiledDelay {
  const d = plainObject(value, 'problem.delay');
  const kind = oneOf(d.kind, 'problem.delay.kind', ['none', 'constant', 'time-varying', 'random', 'prescribed', 'several', 'per-coordinate'] as const);
  if (kind === 'several') {
    knownFields(d, 'problem.delay', ['kind', 'delays']);
    if (!Array.isArray(d.delays) || d.delays.length === 0) throw new ConfigError('problem.delay.delays', `must be a non-empty array of delays, got ${describe(d.delays)}`);
    if (d.delays.length > MAX_DELAYS) throw new ConfigError('problem.delay.delays', `at most ${MAX_DELAYS} delays, got ${d.delays.length}`);
    return { kind, channels: d.delays.map((c: unknown, i: number) => compileSingleDelay(c, `problem.delay.delays[${i}]`)) };
  }
  if (kind === 'per-coordinate') {
    knownFields(d, 'problem.delay', ['kind', 'delays', 'model']);
    if ((d.delays === undefined) === (d.model === undefined)) throw new ConfigError('problem.delay', 'a per-coordinate delay needs exactly one of `delays` (one delay per coordinate) or `model` (every coordinate draws its own lag from this model)');
    if (d.model !== undefined) {
      const model = d.model instanceof DelayDistribution ? d.model : delayModel(d.model as DelayModelSpec, 'problem.delay.model');
      return { kind, channels: Array.from({ length: dim }, () => ({ kind: 'random' as const, model })) };
    }
    if (!Array.isArray(d.delays) || d.delays.length !== dim) throw new ConfigError('problem.delay.delays', `must be an array of ${dim} delays (one per coordinate), got ${describe(d.delays)}`);
    return { kind, channels: d.delays.map((c: unknown, i: number) => compileSingleDelay(c, `problem.delay.delays[${i}]`)) };
  }
  return compileSingleDelay(d, 'problem.delay');
}

function compileSingleDelay(value: unknown, field: string): CompiledSingleDelay {
  const d = plainObject(value, field);
  const kind = oneOf(d.kind, `${field}.kind`, ['none', 'constant', 'time-varying', 'random', 'prescribed'] as const);
  switch (kind) {
    case 'none':
      knownFields(d, field, ['kind']);
      return { kind };
    case 'constant': {
      knownFields(d, field, ['kind', 'lag', 'tau']);
      if ((d.lag === undefined) === (d.tau === undefined)) {
        throw new ConfigError(field, 'a constant delay needs exactly one of `lag` (steps) or `tau` (time)');
      }
      if (d.lag !== undefined) return { kind, lag: integer(d.lag, `${field}.lag`, { min: 0, max: MAX_LAG_LIMIT }) };
      return { kind, tau: nonNegativeNumber(d.tau, `${field}.tau`) };
    }
    case 'time-varying': {
      knownFields(d, field, ['kind', 'theta', 'tau']);
      if (typeof d.theta !== 'function') throw new ConfigError(`${field}.theta`, `must be a function t => θ(t), got ${describe(d.theta)}`);
      return { kind, theta: d.theta as (t: number) => number, tau: nonNegativeNumber(d.tau, `${field}.tau`) };
    }
    case 'random': {
      knownFields(d, field, ['kind', 'model']);
      const model = d.model instanceof DelayDistribution ? d.model : delayModel(d.model as DelayModelSpec, `${field}.model`);
      return { kind, model };
    }
    case 'prescribed': {
      knownFields(d, field, ['kind', 'lags', 'repeat', 'scale']);
      const raw = d.lags;
      if (!(raw instanceof Int32Array) && !Array.isArray(raw)) throw new ConfigError(`${field}.lags`, `must be an array of non-negative integers, got ${describe(raw)}`);
      const lags = new Int32Array(raw.length);
      for (let i = 0; i < raw.length; i++) lags[i] = integer(raw[i], `${field}.lags[${i}]`, { min: 0, max: MAX_LAG_LIMIT });
      const repeat = d.repeat === undefined ? 1 : integer(d.repeat, `${field}.repeat`, { min: 1 });
      const scale = d.scale === undefined ? 1 : integer(d.scale, `${field}.scale`, { min: 1 });
      return { kind, lags, repeat, scale };
    }
  }
}

/** `problem.history` validated and compiled. @throws {@link ConfigError} `problem.history`. */
export function compileHistory(value: unknown, dim: number): CompiledHistory {
  if (typeof value === 'number') {
    return { kind: 'constant', value: new Float64Array(dim).fill(finiteNumber(value, 'problem.history')) };
  }
  if (typeof value === 'function') return { kind: 'function', fn: value as (s: number, out: Float64Array) => void };
  if (Array.isArray(value) || value instanceof Float64Array) {
    return { kind: 'constant', value: finiteVector(value, 'problem.history', dim) };
  }
  const h = plainObject(value, 'problem.history');
  knownFields(h, 'problem.history', ['times', 'values']);
  const times = finiteVector(h.times, 'problem.history.times');
  for (let i = 1; i < times.length; i++) {
    if (!(times[i] > times[i - 1])) throw new ConfigError(`problem.history.times[${i}]`, `must be strictly increasing, got ${times[i]} after ${times[i - 1]}`);
  }
  if (!Array.isArray(h.values) || h.values.length !== times.length) {
    throw new ConfigError('problem.history.values', `must have one row per time (${times.length} rows), got ${describe(h.values)}`);
  }
  const values = new Float64Array(times.length * dim);
  for (let i = 0; i < times.length; i++) values.set(finiteVector(h.values[i], `problem.history.values[${i}]`, dim), i * dim);
  return { kind: 'samples', times, values };
}

/** ξ(s) into `out` (samples: linear interpolation; outside the sampled range: the end value). */
export function evalHistory(h: CompiledHistory, s: number, out: Float64Array): void {
  switch (h.kind) {
    case 'constant':
      out.set(h.value);
      return;
    case 'function':
      h.fn(s, out);
      return;
    case 'samples': {
      const { times, values } = h;
      const d = out.length;
      const n = times.length;
      if (s <= times[0]) {
        for (let i = 0; i < d; i++) out[i] = values[i];
        return;
      }
      if (s >= times[n - 1]) {
        for (let i = 0; i < d; i++) out[i] = values[(n - 1) * d + i];
        return;
      }
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (times[mid] <= s) lo = mid;
        else hi = mid;
      }
      const w = (s - times[lo]) / (times[hi] - times[lo]);
      for (let i = 0; i < d; i++) out[i] = (1 - w) * values[lo * d + i] + w * values[hi * d + i];
      return;
    }
  }
}

