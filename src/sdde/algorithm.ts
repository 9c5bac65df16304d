/**
 * How an SDDE is stepped, separate from what it is. An algorithm declares its orders of
 * convergence and binds to a problem, returning a stepper with its own preallocated buffers.
 */
import type { SddeProblem } from './problem.ts';

/**
 * What the solve loop knows about step k beyond the states, for steppers that need it (Milstein's
 * delayed term). One object per solve, rewritten in place every step (no allocation).
 */
export interface StepContext {
  /** Index k of the step being taken (t = t0 + k·h). */
  k: number;
  /**
   * Per delay channel (see `SddeProblem.lagChannels`): the grid step j whose state the channel
   * reads at this step — k for lag 0, k − l_k for a lag on the grid — or −1 when the read is not
   * a grid state of the solution (the initial function, or a point between grid steps).
   */
  channelStep: Int32Array;
  /** Sub-increments of ΔB_k (p×m, row-major) when the noise provides them (`substeps` p), else ΔB_k itself (p = 1). */
  fine: Float64Array;
  substeps: number;
}

/** What `solve` tells a stepper before the first step (it may refuse with a ConfigError). */
export interface StepperBinding {
  /** Capacity − 1 of the history ring: the largest lag in steps. */
  maxLag: number;
  /** Sub-increments per step of the noise (1 when it has none). */
  substeps: number;
  /** True when some delayed read falls between grid points (interpolated history). */
  offGrid: boolean;
  /** The initial state X(t0) and the delayed argument at t0, for probes of the coefficients. */
  x0: Float64Array;
  y0: Float64Array;
}

/**
 * One step of an {@link SddeAlgorithm} bound to a problem, with its own preallocated buffers.
 */
export interface Stepper {
  /**
   * Write X_{k+1} into `out` from X_k = x, the delayed argument xLag (length `lagDim` of the
   * problem: X(t_k − θ(t_k)), or several such states, or one delayed coordinate each) and ΔB_k.
   */
  step(t: number, h: number, x: Float64Array, xLag: Float64Array, dB: Float64Array, out: Float64Array, ctx: StepContext): void;
  /** Called once by `solve` before the first step (validation and buffers sized to the run). */
  bind?(binding: StepperBinding): void;
  /** The drift f(t_k, X_k, xLag) of the last step, when the stepper computes it (Hermite history reads use it). */
  readonly drift?: Float64Array;
  /** A note on this stepper's effective orders for this problem, carried into the solution. */
  readonly note?: string;
}

/**
 * A stepping scheme for {@link solve}: its name, declared strong and weak orders, and a factory of
 * {@link Stepper}s. The package provides {@link EulerMaruyama} and {@link Milstein}.
 */
export interface SddeAlgorithm {
  readonly name: string;
  /** Strong order p: E|X(T) − X_h(T)| = O(h^p) for general multiplicative noise. */
  readonly strongOrder: number;
  /** Weak order q: |E φ(X(T)) − E φ(X_h(T))| = O(h^q) for smooth φ. */
  readonly weakOrder: number;
  /** Sub-increments per step this algorithm wants from the seed's Brownian stream (default 1). */
  readonly substeps?: number;
  /** Bind the algorithm to a problem: a stepper with buffers sized to it. */
  stepper(problem: SddeProblem): Stepper;
}
