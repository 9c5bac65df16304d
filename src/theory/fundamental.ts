/**
 * The fundamental solution of the scalar delay equation x′(t) = −a x(t − τ): x(0) = 1, x(s) = 0
 * for s < 0, solved with the library's own DDE solver (σ = 0) on a fine grid. It gives c_λ of
 * He et al.'s proof of Thm 4.1: the smallest c with |x(t)| ≤ c e^{−λt} for all t ≥ 0
 * (for λ < −V, where V is the spectral abscissa, c is finite).
 */
import { EulerMaruyama } from '../sdde/algorithms/euler-maruyama.ts';
import { defineSdde } from '../sdde/problem.ts';
import { solve } from '../sdde/solve.ts';

/**
 * c_λ of He et al.'s proof of Thm 4.1: the smallest c with |x(t)| ≤ c e^{−λt} for all t ≥ 0, where x is
 * the fundamental solution of x′ = −a x(t − τ) (x(0) = 1, x = 0 before), solved numerically with step h.
 *
 * @param a - the coefficient; `tau` the delay; `lambda` the rate (λ < −V); `V` the spectral abscissa.
 * @param h - the step of the DDE solve; default 10⁻³.
 */
export function fundamentalConstant(a: number, tau: number, lambda: number, V: number, h = 1e-3): number {
  // Horizon: long enough that e^{(λ+V)t} has fallen 1e-8 below its start.
  const T = Math.min(2000, Math.max(10 * tau + 10, Math.log(1e8) / Math.max(1e-3, -(lambda + V))));
  const steps = Math.ceil(T / h);
  const lag = Math.round(tau / h);
  const problem = defineSdde({
    dim: 1,
    drift: (_t, _x, y, out) => void (out[0] = -a * y[0]),
    diffusion: { noise: 'none' },
    history: (s, out) => void (out[0] = s < 0 ? 0 : 1),
    T: steps * h,
    delay: { kind: 'constant', lag },
  });
  const sol = solve(problem, new EulerMaruyama(), { dt: h, saveAt: { every: 10 } });
  let c = 0;
  for (let i = 0; i < sol.t.length; i++) c = Math.max(c, Math.abs(sol.x[i]) * Math.exp(lambda * sol.t[i]));
  return c;
}
