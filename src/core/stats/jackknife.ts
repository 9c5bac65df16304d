/**
 * The delete-one jackknife standard error (Efron & Stein 1981), from leave-one-out estimates —
 * generic, so both the SDDE convergence orders (sdde/) and the ensemble statistics (stats/) use
 * this one version.
 */

/**
 * SE = sqrt((G−1)/G · Σ_j (θ_(−j) − θ̄)²) from the G leave-one-out estimates θ_(−j); NaN when
 * G < 2.
 *
 * @example
 * ```ts
 * import { jackknifeSe } from 'asgd-sdde';
 *
 * console.log(jackknifeSe([1, 2, 3])); // √((3 − 1)/3 · ((1 − 2)² + 0 + (3 − 2)²)) = √(4/3)
 * // output tol=1e-15
 * //> 1.1547005383792515
 * ```
 */
export function jackknifeSe(leaveOneOut: number[]): number {
  const G = leaveOneOut.length;
  if (G < 2) return NaN;
  const mean = leaveOneOut.reduce((a, v) => a + v, 0) / G;
  return Math.sqrt(((G - 1) / G) * leaveOneOut.reduce((a, v) => a + (v - mean) ** 2, 0));
}
