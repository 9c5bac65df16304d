/**
 * What a solve keeps, validated before any work (diffrax's SaveAt): every n-th step (the last
 * step is always included), given times (snapped to the nearest grid point; the solution reports
 * the grid time actually saved), or only the final state. The output buffer is allocated once,
 * from this plan.
 */
import { ConfigError, describe } from '../core/errors.ts';
import { finiteNumber, integer, knownFields, plainObject } from '../core/validate.ts';

/** Most states a plan may keep (each run also caps states × dimension at 2^28 numbers). */
export const MAX_SAVED_STATES = 2 ** 28;

/**
 * Which states a solve keeps (the solve option `saveAt`): `{ every: n }` every n-th step (the last step
 * always included), `{ times: [...] }` the grid points nearest to given times, or `{ final: true }` only
 * X(T). Default: every step.
 */
export type SaveAtSpec = { every: number } | { times: number[] } | { final: true };

export interface SavePlan {
  /** Step indices (0 = the initial state) to save, strictly increasing. */
  steps: Int32Array;
}

/**
 * How many states saving every `every`-th of n steps keeps: steps 0, every, 2·every, … and the
 * last step n (always kept). The one save grid of every runner (solve, ASGD, pairs, ensembles,
 * parameter servers).
 *
 * @example everyNthCount(10, 4) // 4: steps 0, 4, 8, 10
 */
export function everyNthCount(n: number, every: number): number {
  return Math.floor(n / every) + 1 + (n % every === 0 ? 0 : 1);
}

/**
 * The saved steps of `everyNthCount`, increasing: 0, every, 2·every, …, and n.
 *
 * @example everyNthSteps(10, 4) // Int32Array [0, 4, 8, 10]
 */
export function everyNthSteps(n: number, every: number): Int32Array {
  const steps = new Int32Array(everyNthCount(n, every));
  let j = 0;
  for (let k = 0; k <= n; k += every) steps[j++] = k;
  if (n % every !== 0) steps[j++] = n;
  return steps;
}

/**
 * Where step u is in `everyNthSteps(n, every)`, or −1 when it is not saved (for runners that save
 * as they go).
 *
 * @example everyNthIndex(10, 10, 4) // 3
 */
export function everyNthIndex(u: number, n: number, every: number): number {
  if (u % every === 0) return u / every;
  return u === n ? everyNthCount(n, every) - 1 : -1;
}

/**
 * The step indices a `SaveAtSpec` keeps for a solve of `nSteps` steps of size h from t0.
 *
 * @throws ConfigError naming `field` for a malformed spec, times outside [t0, t0 + nSteps·h] or on one grid point
 */
export function planSaves(spec: SaveAtSpec | undefined, nSteps: number, t0: number, h: number, field = 'saveAt'): SavePlan {
  const s = plainObject(spec ?? { every: 1 }, field);
  const keys = Object.keys(s);
  if (keys.length !== 1) throw new ConfigError(field, `must have exactly one of every, times, final; got ${keys.join(', ') || 'none'}`);
  knownFields(s, field, ['every', 'times', 'final']);
  if (s.every !== undefined) {
    const every = integer(s.every, `${field}.every`, { min: 1 });
    const count = everyNthCount(nSteps, every);
    // refused before the plan is allocated (2^31 steps saved every step would take 8 GB here alone)
    if (count > MAX_SAVED_STATES) throw new ConfigError(`${field}.every`, `would keep ${count} states (more than 2^28); save less often`);
    return { steps: everyNthSteps(nSteps, every) };
  }
  if (s.final !== undefined) {
    if (s.final !== true) throw new ConfigError(`${field}.final`, `must be true, got ${describe(s.final)}`);
    return { steps: Int32Array.of(nSteps) };
  }
  const times = s.times;
  if (!Array.isArray(times) || times.length === 0) throw new ConfigError(`${field}.times`, `must be a non-empty array of times, got ${describe(times)}`);
  const T = t0 + nSteps * h;
  const steps = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const t = finiteNumber(times[i], `${field}.times[${i}]`);
    if (t < t0 - 1e-9 * h || t > T + 1e-9 * h) throw new ConfigError(`${field}.times[${i}]`, `must lie in [${t0}, ${T}], got ${t}`);
    steps[i] = Math.min(nSteps, Math.max(0, Math.round((t - t0) / h)));
    if (i > 0 && !(steps[i] > steps[i - 1])) {
      throw new ConfigError(`${field}.times[${i}]`, `must be increasing and on distinct grid points (h = ${h}); ${t} falls on step ${steps[i]} like the previous time`);
    }
  }
  return { steps };
}
