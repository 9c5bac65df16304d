/**
 * What a solve returns. A solve never throws once it has started stepping: a state that turns
 * non-finite ends the run with status 'diverged', the step and time where it happened, and all
 * the states saved before it. A 'stop' event ends it with status 'terminated' (only when events
 * are requested): the states saved at grid times before the event, and the event's time and
 * interpolated state in `terminated`.
 */
import type { EventRecord } from './events.ts';
/**
 * How a solve ended: `'ok'` (reached T), `'diverged'` (a state turned non-finite; see
 * {@link SddeSolution.divergence}) or `'terminated'` (a `'stop'` event fired).
 */
export type SolveStatus = 'ok' | 'diverged' | 'terminated';

/** Where a diverged solve stopped: the first step whose state was non-finite and its time. */
export interface Divergence {
  /** Index of the first step whose state is non-finite (the state X_step was not saved). */
  step: number;
  time: number;
}

/**
 * What {@link solve} returns: saved times `t` and row-major states `x` (read one with {@link stateAt},
 * one coordinate with {@link component}), the status, and what produced them (dt, seed, path, algorithm).
 */
export interface SddeSolution {
  status: SolveStatus;
  divergence?: Divergence;
  dim: number;
  /** Saved times (grid times t0 + k·h). */
  t: Float64Array;
  /** Saved states, row-major: state i is x[i·dim … (i+1)·dim). */
  x: Float64Array;
  /** Effective lag l_k used at each step taken (when `recordDelays`, one delay on the grid); θ(t_k) = l_k·h. */
  delays?: Int32Array;
  /**
   * Effective lags (in steps, fractional between grid points) of every delay channel at every
   * step taken, row-major steps × channels (when `recordDelays` with several delays,
   * per-coordinate lags or interpolated history).
   */
  delayTable?: { channels: number; lags: Float64Array };
  /** The crossings of each event (when `events` were given). */
  events?: EventRecord[];
  /** The stopping event, when status is 'terminated': its index, name, time, state and step. */
  terminated?: { event: number; name: string; t: number; x: Float64Array; step: number };
  /** Steps taken (equals the grid's step count when status is 'ok'). */
  steps: number;
  dt: number;
  seed: number;
  path: number;
  /** The algorithm's declared orders, and a note where this problem changes them. */
  algorithm: { name: string; strongOrder: number; weakOrder: number; note?: string };
}

/** State i of a solution (a view, not a copy). */
export function stateAt(sol: { x: Float64Array; dim: number }, i: number): Float64Array {
  return sol.x.subarray(i * sol.dim, (i + 1) * sol.dim);
}

/** Component c of every saved state, as a new array (for plotting and tables). */
export function component(sol: { x: Float64Array; dim: number }, c: number): Float64Array {
  const n = sol.x.length / sol.dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sol.x[i * sol.dim + c];
  return out;
}
