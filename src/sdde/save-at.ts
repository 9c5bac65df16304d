/**
 * What a solve keeps, validated before any work (diffrax's SaveAt): every n-th step (the last
 * step is always included), given times, or only the final state. The output buffer is allocated
 * once, from this plan.
 *
 * Given times off the step grid: the SDDE solver saves the requested time itself, its state
 * interpolated between the two grid states around it ('interpolate', see dense-output.ts); the
 * ASGD runner, whose grid is the iteration count, snaps a time to the nearest iteration ('snap').
 * A time within 1e-9 steps of a grid point is that grid point.
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
  /**
   * With 'interpolate' and given times: requested time i is interpolated between saved grid
   * states left[i] and left[i] + 1 (indices into `steps`) at weight s[i] ∈ [0, 1) (s = 0: the
   * grid state left[i] itself).
   */
  requested?: { times: Float64Array; left: Int32Array; s: Float64Array };
}

/**
 * How many states saving every `every`-th of n steps keeps: steps 0, every, 2·every, … and the
 * last step n (always kept). The one save grid of every runner (solve, ASGD, pairs, ensembles,
 * parameter servers).
 *
 * @remarks Example (an internal helper, not in the package API): `everyNthCount(10, 4) // 4: steps 0, 4, 8, 10`
 */
export function everyNthCount(n: number, every: number): number {
  return Math.floor(n / every) + 1 + (n % every === 0 ? 0 : 1);
}

/**
 * The saved steps of `everyNthCount`, increasing: 0, every, 2·every, …, and n.
 *
 * @remarks Example (an internal helper, not in the package API): `everyNthSteps(10, 4) // Int32Array [0, 4, 8, 10]`
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
 * @remarks Example (an internal helper, not in the package API): `everyNthIndex(10, 10, 4) // 3`
 */
export function everyNthIndex(u: number, n: number, every: number): number {
  if (u % every === 0) return u / every;
  return u === n ? everyNthCount(n, every) - 1 : -1;
}

/**
 * The step indices a `SaveAtSpec` keeps for a solve of `nSteps` steps of size h from t0.
 *
 * Given times off the grid are snapped to the nearest step ('snap', the ASGD runner) or saved at
 * their own value, interpolated between the grid states around them ('interpolate', the SDDE solver).
 *
 * @throws ConfigError naming `field` for a malformed spec, times outside [t0, t0 + nSteps·h] or on one grid point
 */
export function planSaves(spec: SaveAtSpec | undefined, nSteps: number, t0: number, h: number, field = 'saveAt', offGrid: 'snap' | 'interpolate' = 'snap'): SavePlan {
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
  if (offGrid === 'interpolate') return interpolatedPlan(times, nSteps, t0, h, T, field);
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

/** Given times saved at their own values: the grid states around each, and the weight between them. */
function interpolatedPlan(times: unknown[], nSteps: number, t0: number, h: number, T: number, field: string): SavePlan {
  const n = times.length;
  const ts = new Float64Array(n);
  const leftStep = new Int32Array(n);
  const s = new Float64Array(n);
  const needed: number[] = [];
  const need = (k: number) => {
    if (needed.length === 0 || needed[needed.length - 1] < k) needed.push(k);
  };
  for (let i = 0; i < n; i++) {
    const t = finiteNumber(times[i], `${field}.times[${i}]`);
    if (t < t0 - 1e-9 * h || t > T + 1e-9 * h) throw new ConfigError(`${field}.times[${i}]`, `must lie in [${t0}, ${T}], got ${t}`);
    if (i > 0 && !(t > ts[i - 1])) throw new ConfigError(`${field}.times[${i}]`, `must be increasing; ${t} follows ${ts[i - 1]}`);
    ts[i] = t;
    const u = (t - t0) / h;
    const k = Math.round(u);
    if (Math.abs(u - k) <= 1e-9) {
      // on the grid
      leftStep[i] = Math.min(nSteps, Math.max(0, k));
      need(leftStep[i]);
    } else {
      const a = Math.min(nSteps - 1, Math.floor(u));
      leftStep[i] = a;
      s[i] = u - a;
      need(a);
      need(a + 1);
    }
    if (needed.length > MAX_SAVED_STATES) throw new ConfigError(`${field}.times`, `would keep more than 2^28 states`);
  }
  const steps = Int32Array.from(needed);
  // index of each requested time's left grid state within `steps` (both increase together)
  const left = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    while (steps[j] !== leftStep[i]) j++;
    left[i] = j;
  }
  return { steps, requested: { times: ts, left, s } };
}
