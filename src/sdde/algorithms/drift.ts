/**
 * The drift f(t, X(t), xLag) as every stepper evaluates it: the user's function, or a linear
 * drift f = A X(t) + B xLag + c inline (no callback per step; d = 1 with one delay stays scalar).
 * One evaluator per stepper; it writes into the stepper's buffer.
 */
import type { CoefficientFn, CompiledLinearDrift, SddeProblem } from '../problem.ts';

export class DriftEvaluator {
  private readonly d: number;
  private readonly lagDim: number;
  private readonly fn: CoefficientFn;
  private readonly linear: CompiledLinearDrift | null;

  constructor(problem: SddeProblem) {
    this.d = problem.dim;
    this.lagDim = problem.lagDim;
    this.fn = problem.drift;
    this.linear = problem.linearDrift;
  }

  evaluate(t: number, x: Float64Array, xLag: Float64Array, f: Float64Array): void {
    const L = this.linear;
    if (L === null) {
      this.fn(t, x, xLag, f);
      return;
    }
    const d = this.d;
    const ld = this.lagDim;
    const { A, B, c } = L;
    if (d === 1 && ld === 1) f[0] = (A === null ? 0 : A[0] * x[0]) + (B === null ? 0 : B[0] * xLag[0]) + (c === null ? 0 : c[0]);
    else {
      for (let i = 0; i < d; i++) {
        let s = c === null ? 0 : c[i];
        if (A !== null) for (let j = 0; j < d; j++) s += A[i * d + j] * x[j];
        if (B !== null) for (let j = 0; j < ld; j++) s += B[i * ld + j] * xLag[j];
        f[i] = s;
      }
    }
  }
}
