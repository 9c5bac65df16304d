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

export function planSaves(spec: SaveAtSpec | undefined, nSteps: number, t0: number, h: number, field = 'saveAt'): SavePlan {
  const s = plainObject(spec ?? { every: 1 }, field);
  const keys = Object.keys(s);
  if (keys.length !== 1) throw new ConfigError(field, `must have exactly one of every, times, final; got ${keys.join(', ') || 'none'}`);
  knownFields(s, field, ['every', 'times', 'final']);
  if (s.every !== undefined) {
    const every = integer(s.every, `${field}.every`, { min: 1 });
    const count = Math.floor(nSteps / every) + 1 + (nSteps % every === 0 ? 0 : 1);
    // refused before the plan is allocated (2^31 steps saved every step would take 8 GB here alone)
    if (count > MAX_SAVED_STATES) throw new ConfigError(`${field}.every`, `would keep ${count} states (more than 2^28); save less often`);
    const steps = new Int32Array(count);
    let j = 0;
    for (let k = 0; k <= nSteps; k += every) steps[j++] = k;
    if (nSteps % every !== 0) steps[j++] = nSteps;
    return { steps };
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
