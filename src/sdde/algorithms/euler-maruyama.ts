/**
 * Euler–Maruyama for SDDEs (Mao 2007, Section 5.5; He et al. 2018, proof of Thm 3.2):
 *
 *   X_{k+1} = X_k + h f(t_k, X_k, X_{k−l_k}) + g(t_k, X_k, X_{k−l_k}) ΔB_k.
 *
 * Strong order 1/2 and weak order 1 in general. With additive noise (g independent of the state)
 * the strong order rises to 1 — a property of EM on such equations, measured in the tests.
 */
import type { SddeAlgorithm, Stepper } from '../algorithm.ts';
import type { CoefficientFn, SddeProblem } from '../problem.ts';
import { DriftEvaluator } from './drift.ts';
import { dot4 } from '../../core/kernels.ts';

class EulerMaruyamaStepper implements Stepper {
  private readonly d: number;
  private readonly m: number;
  private readonly kind: 'none' | 'scalar' | 'diagonal' | 'full';
  private readonly driftEvaluator: DriftEvaluator;
  private readonly diffusionFn: CoefficientFn | null;
  private readonly f: Float64Array;
  private readonly g: Float64Array;
  /** f(t_k, X_k, xLag) of the last step (Hermite history reads). */
  readonly drift: Float64Array;

  constructor(problem: SddeProblem) {
    this.d = problem.dim;
    this.m = problem.diffusion.noiseDim;
    this.kind = problem.diffusion.kind;
    this.driftEvaluator = new DriftEvaluator(problem);
    this.diffusionFn = problem.diffusion.fn;
    this.f = new Float64Array(this.d);
    this.drift = this.f;
    this.g = new Float64Array(Math.max(1, problem.diffusion.size));
    if (problem.diffusion.constant) this.g.set(problem.diffusion.constant);
  }

  step(t: number, h: number, x: Float64Array, xLag: Float64Array, dB: Float64Array, out: Float64Array): void {
    const d = this.d;
    const f = this.f;
    const g = this.g;
    this.driftEvaluator.evaluate(t, x, xLag, f);
    if (this.diffusionFn !== null) this.diffusionFn(t, x, xLag, g);
    switch (this.kind) {
      case 'none':
        for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i];
        return;
      case 'scalar': {
        const db = dB[0];
        for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i] + g[i] * db;
        return;
      }
      case 'diagonal':
        for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i] + g[i] * dB[i];
        return;
      case 'full': {
        // G·ΔB with four partial sums per row (dot4: one running sum is a chain of dependent additions)
        const m = this.m;
        for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i] + dot4(g, i * m, dB, m);
        return;
      }
    }
  }
}

/**
 * The Euler–Maruyama scheme X_{k+1} = X_k + h f(t_k, X_k, X(t_k − θ)) + g(t_k, X_k, X(t_k − θ)) ΔB_k
 * (He et al. 2018, Eq. 6): strong order 1/2, weak order 1. Where it applies, {@link solve} runs it in
 * the WebAssembly SIMD kernels (bit-identical to the TypeScript loop).
 *
 * @example
 * ```ts
 * import { defineSdde, solve, EulerMaruyama } from 'asgd-sdde';
 *
 * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -x[0]!; },
 *   diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 1 });
 * const sol = solve(problem, new EulerMaruyama(), { dt: 0.01, seed: 1, saveAt: { final: true } });
 * console.log(sol.algorithm.strongOrder, sol.x[0]); // the declared strong order, X(1)
 * //> 0.5 0.27295281398441074
 * ```
 */
export class EulerMaruyama implements SddeAlgorithm {
  readonly name = 'EulerMaruyama';
  readonly strongOrder = 0.5;
  readonly weakOrder = 1;
  /**
   * Bind the scheme to a problem (called by {@link solve}).
   */
  stepper(problem: SddeProblem): Stepper {
    return new EulerMaruyamaStepper(problem);
  }
}
