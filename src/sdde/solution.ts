/**
 * What a solve returns. A solve never throws once it has started stepping: a state that turns
 * non-finite ends the run with status 'diverged', the step and time where it happened, and all
 * the states saved before it.
 */
export type SolveStatus = 'ok' | 'diverged';

export interface Divergence {
  /** Index of the first step whose state is non-finite (the state X_step was not saved). */
  step: number;
  time: number;
}

export interface SddeSolution {
  status: SolveStatus;
  divergence?: Divergence;
  dim: number;
  /** Saved times (grid times t0 + k·h). */
  t: Float64Array;
  /** Saved states, row-major: state i is x[i·dim … (i+1)·dim). */
  x: Float64Array;
  /** Effective lag l_k used at each step taken (when `recordDelays`); θ(t_k) = l_k·h. */
  delays?: Int32Array;
  /** Steps taken (equals the grid's step count when status is 'ok'). */
  steps: number;
  dt: number;
  seed: number;
  path: number;
  algorithm: { name: string; strongOrder: number; weakOrder: number };
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
