/**
 * He et al. (2018) Section 5: F(x) = ½(x+1)² + ½(x−1)² = x² + 1.
 *
 * The paper gives F, not its split into components. We take the natural finite sum of two,
 * F = (1/2)(f_1 + f_2) with f_1 = (x+1)², f_2 = (x−1)², so ∇f_{1,2} = 2(x ± 1), ∇F = 2x,
 * L = μ = 2, x* = 0, F* = 1, and the component-gradient variance is Σ ≡ 4 for every x
 * (the deviations are ±2): the SDDE's σ is constant, as He et al. assume.
 */
import type { FiniteSumObjective } from '../objective.ts';

/**
 * He et al.'s one-dimensional toy objective F(x) = ½(x+1)² + ½(x−1)² as the mean of f₁ = (x+1)² and
 * f₂ = (x−1)² (n = 2, x* = 0, F* = 1, L = μ = 2).
 *
 * @example
 * ```ts
 * import { toyObjective, runAsgd } from 'asgd-sdde';
 *
 * const run = runAsgd({ objective: toyObjective(), x0: 4, eta: 0.05, iterations: 200, batchSize: 1 }, { seed: 3, saveAt: { final: true } });
 * console.log(run.x[0]); // x_200: fluctuates around x* = 0 (constant step, batch 1)
 * //> 0.22681377186290816
 * ```
 */
export function toyObjective(): FiniteSumObjective {
  return {
    name: 'toy',
    description: 'F(x) = ½(x+1)² + ½(x−1)² as the mean of f₁ = (x+1)², f₂ = (x−1)² (n = 2)',
    dim: 1,
    n: 2,
    componentGradient(i, x, out) {
      out[0] = 2 * (x[0] + (i === 0 ? 1 : -1));
    },
    value(x) {
      return 0.5 * (x[0] + 1) ** 2 + 0.5 * (x[0] - 1) ** 2;
    },
    gradient(x, out) {
      out[0] = 2 * x[0];
    },
    minimizer: Float64Array.of(0),
    minimum: 1,
    lipschitz: 2,
    strongConvexity: 2,
  };
}
