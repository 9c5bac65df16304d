/**
 * Complex Lambert W, all branches: W_k(z) solves w e^w = z on branch k (Corless, Gonnet, Hare,
 * Jeffrey & Knuth 1996). npm has no complex Lambert W, so it is written here over mathjs's
 * Complex: an initial guess (branch-point series near −1/e, a Padé-free log(1+z) near 0, the
 * asymptotic series L1 − L2 + L2/L1 elsewhere) refined by Halley's iteration
 *
 *   w ← w − f / (e^w (w + 1) − (w + 2) f / (2w + 2)),   f = w e^w − z,
 *
 * which converges cubically. Branch cuts follow SciPy (scipy.special.lambertw): a negative real
 * argument is on the upper side of the cut (Im z = +0). Tested against SciPy/mpmath fixtures.
 */
import { ConfigError } from '../core/errors.ts';
import { complexClass } from '../core/complex.ts';
import type { ComplexValue } from '../core/complex-type.ts';

type Cx = ComplexValue;
type Complex = Cx;
const cx = (re: number, im: number): Cx => new (complexClass())(re, im);

const E = Math.E;
const TWO_PI = 2 * Math.PI;

/** A complex number {re, im} (exported as `ComplexNumber`). */
export interface C {
  re: number;
  im: number;
}

function toC(z: Complex): C {
  return { re: z.re, im: z.im };
}

/** Branch-point series: w = −1 + p − p²/3 + 11p³/72, p = ±sqrt(2(e z + 1)). */
function branchPoint(z: Complex, sign: 1 | -1): Complex {
  const p = (cx(2 * (E * z.re + 1), 2 * E * z.im).sqrt()).mul(sign);
  const p2 = p.mul(p);
  const p3 = p2.mul(p);
  return cx(-1, 0).add(p).sub(p2.div(3)).add(p3.mul(11 / 72));
}

function asymptotic(z: Complex, k: number): Complex {
  const L1 = (z.log()).add(cx(0, TWO_PI * k));
  const L2 = L1.log();
  return L1.sub(L2).add(L2.div(L1));
}

function initialGuess(z: Complex, k: number): Complex {
  const nearBranch = Math.hypot(z.re + 1 / E, z.im) < 0.3;
  if (k === 0) {
    if (nearBranch) return branchPoint(z, 1);
    const r = Math.hypot(z.re, z.im);
    if (r < 0.5) return z.sub(z.mul(z)); // W ≈ z − z²
    // log(1 + z) is a good guess on the principal branch away from z = −1, where the
    // asymptotic series is (and where log z ≈ 0 makes the asymptotic series fail)
    if (r < 3 && Math.hypot(1 + z.re, z.im) > 0.5) return cx(1 + z.re, z.im).log();
    return asymptotic(z, 0);
  }
  // With SciPy's cuts, W_{−1} meets W_0 at −1/e approached from Im z ≥ 0 (including the real
  // segment (−1/e, 0)), and W_1 meets W_0 approached from Im z < 0: there the other sign of the
  // branch-point series is the right start.
  if (nearBranch && ((k === -1 && z.im >= 0) || (k === 1 && z.im < 0))) return branchPoint(z, -1);
  return asymptotic(z, k);
}

/**
 * The Lambert W function on branch k: the w with w e^w = z (Corless et al. 1996), complex, with SciPy's
 * branch cuts (a negative real z lies on the upper side of the cut).
 *
 * @param zIn - z, complex or real.
 * @param k - the branch (integer); default 0.
 * @example
 * ```ts
 * import { lambertW } from 'asgd-sdde';
 *
 * console.log(lambertW(1)); // the omega constant Ω = 0.56714329040978387299…
 * //> { re: 0.5671432904097838, im: 0 }
 * ```
 */
export function lambertW(zIn: C | number, k = 0): C {
  if (!Number.isInteger(k)) throw new ConfigError('k', `the branch of lambertW must be an integer, got ${k}`);
  if (typeof zIn !== 'number' && (typeof zIn !== 'object' || zIn === null || typeof zIn.re !== 'number' || typeof zIn.im !== 'number')) throw new ConfigError('z', `must be a number or a complex {re, im}, got ${zIn === null ? 'null' : typeof zIn}`);
  const z = typeof zIn === 'number' ? cx(zIn, 0) : cx(zIn.re, zIn.im);
  if (!Number.isFinite(z.re) || !Number.isFinite(z.im)) return { re: NaN, im: NaN };
  if (z.re === 0 && z.im === 0) return k === 0 ? { re: 0, im: 0 } : { re: -Infinity, im: 0 };
  if (k === 0 && Math.abs(z.re + 1 / E) < 1e-300 && z.im === 0) return { re: -1, im: 0 };
  let w = initialGuess(z, k);
  for (let it = 0; it < 100; it++) {
    const ew = w.exp();
    const f = w.mul(ew).sub(z);
    const wp1 = w.add(1);
    // near w = −1 (the branch point) the Halley denominator degenerates: use Newton there
    const denom = Math.hypot(wp1.re, wp1.im) < 1e-10 ? ew.mul(wp1) : ew.mul(wp1).sub(w.add(2).mul(f).div(wp1.mul(2)));
    if (denom.re === 0 && denom.im === 0) break;
    const step = f.div(denom);
    w = w.sub(step);
    if (Math.hypot(step.re, step.im) <= 4 * Number.EPSILON * Math.max(1, Math.hypot(w.re, w.im))) break;
  }
  return toC(w);
}

/**
 * Characteristic roots of the scalar delay equation x′(t) = −a x(t − τ): β + a e^{−βτ} = 0, i.e.
 * β = W_k(−aτ)/τ (He et al. Thm 4.1 per eigenvalue a of a symmetric Ã). For τ = 0 the only root
 * is β = −a.
 */
export function characteristicRoot(a: number, tau: number, k = 0): C {
  if (tau === 0) return k === 0 ? { re: -a, im: 0 } : { re: -Infinity, im: 0 };
  const w = lambertW({ re: -a * tau, im: 0 }, k);
  return { re: w.re / tau, im: w.im / tau };
}

/**
 * V = sup Re β over det(βI + Ã e^{−βτ}) = 0 for symmetric Ã with eigenvalues `eigenvalues`:
 * the determinant factors per eigenvalue, and for real a the rightmost root of each factor lies
 * on the principal branch (Shinozaki & Mori 2006), so V = max_a Re W_0(−aτ)/τ. The branches
 * k = ±1, ±2 are evaluated too and must lie to the left (checked, not assumed).
 */
export function spectralAbscissa(eigenvalues: ArrayLike<number>, tau: number): { V: number; rightmost: C; eigenvalue: number } {
  let best = { V: -Infinity, rightmost: { re: NaN, im: NaN } as C, eigenvalue: NaN };
  for (let i = 0; i < eigenvalues.length; i++) {
    const a = eigenvalues[i];
    for (const k of tau === 0 ? [0] : [0, -1, 1, -2, 2]) {
      const r = characteristicRoot(a, tau, k);
      if (r.re > best.V) best = { V: r.re, rightmost: r, eigenvalue: a };
    }
  }
  return best;
}
