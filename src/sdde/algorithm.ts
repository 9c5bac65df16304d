/**
 * How an SDDE is stepped, separate from what it is. An algorithm declares its orders of
 * convergence and binds to a problem, returning a stepper with its own preallocated buffers.
 */
import type { SddeProblem } from './problem.ts';

export interface Stepper {
  /** Write X_{k+1} into `out` from X_k = x, the delayed state xLag = X(t_k − θ(t_k)) and ΔB_k. */
  step(t: number, h: number, x: Float64Array, xLag: Float64Array, dB: Float64Array, out: Float64Array): void;
}

export interface SddeAlgorithm {
  readonly name: string;
  /** Strong order p: E|X(T) − X_h(T)| = O(h^p) for general multiplicative noise. */
  readonly strongOrder: number;
  /** Weak order q: |E φ(X(T)) − E φ(X_h(T))| = O(h^q) for smooth φ. */
  readonly weakOrder: number;
  stepper(problem: SddeProblem): Stepper;
}
