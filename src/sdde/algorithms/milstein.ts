/**
 * Milstein for SDDEs (Hu, Mohammed & Yan 2004, Ann. Probab. 32(1A), Section 2 and Eq. (2.9);
 * Kloeden & Shardlow 2012 for the derivation without anticipating calculus). For
 * dX = f(t, X(t), Y(t)) dt + g(t, X(t), Y(t)) dW(t) with Y(t) = X(t − θ(t)) held over each step:
 *
 *   X_{k+1} = X_k + f h + g ΔW_k
 *           + (∂g/∂x · g)(t_k, X_k, Y_k) ⊙ I_k                     (the Itô–Taylor term of SDEs)
 *           + ∂g/∂y(t_k, X_k, Y_k) · [g(t_j, X_j, Y_j) ⊙ I^θ_{j,k}]   (the delayed term)
 *
 * with I_k = ∫∫ dW dW = ((ΔW_k)² − h)/2 per Brownian motion, j = k − l_k the grid step the delay
 * reads, and the delayed double integral
 *
 *   I^θ_{j,k} = ∫_{t_k}^{t_{k+1}} (W(s − θ) − W(t_j)) dW(s),
 *
 * which pairs the Brownian path of the earlier step j with that of step k. Over step j the delayed
 * state moved by g(t_j, X_j, Y_j)(W(r) − W(t_j)) + O(h): that is why the delayed term carries the
 * diffusion evaluated at the delayed time (stored in a ring of g, O(max lag) memory). I^θ is not a
 * function of ΔW_j and ΔW_k alone: I^θ = ½ΔW_j ΔW_k + A, where A is the Lévy area of the pair of
 * independent paths (W on step j, W on step k), mean zero given both increments, E[A²] = h²/4.
 * When the noise gives p sub-increments per step (`substeps`, stored with g in the ring), I^θ is
 * the exact integral of the piecewise-linear path through them,
 *   I^θ = Σ_r (Σ_{r'<r} a_{r'} + a_r/2) b_r,   a = sub-increments of step j, b = of step k,
 * with error variance O(h²/p); with p = 1 it is ½ΔW_jΔW_k, the conditional mean, and the strong
 * order falls to 1/2 when g depends on the delayed state (the note on the solution says so). In a
 * dt ladder on one Brownian path (`convergenceOrder`) each level sees the finest grid's
 * sub-increments, so every level integrates the same path and the order 1 is measured.
 *
 * Supported noise (commutative, or with the delayed term only): scalar noise (one Brownian motion,
 * any g); diagonal noise whose component g_i depends on x only through x_i and on the delayed
 * argument only through the entries of coordinate i (the commutativity condition of diagonal
 * noise; probed at the start); full noise with one Brownian motion (as scalar) or constant
 * (additive: Milstein = Euler–Maruyama). State-dependent full noise with m > 1 needs Lévy areas of
 * the current step and is refused. With delays between grid points (interpolated history) the
 * delayed term would need an augmented mesh (Griggs, Burrage & Burrage 2025): Milstein then
 * refuses a diffusion that depends on the delayed state, and keeps order 1 otherwise.
 *
 * Derivatives: directional derivatives (∂g/∂x)·u and (∂g/∂y)·v, from `diffusion.dg` when given,
 * else one central difference of g along (u, v) (two evaluations of g; step ε^{1/3} relative,
 * error ≈ 10⁻¹⁰ of the term).
 */
import { ConfigError } from '../../core/errors.ts';
import { dot4 } from '../../core/kernels.ts';
import type { SddeAlgorithm, StepContext, Stepper, StepperBinding } from '../algorithm.ts';
import { type CoefficientFn, delayChannels, type JvpFn, type SddeProblem } from '../problem.ts';
import { DriftEvaluator } from './drift.ts';

/** ε_mach^{1/3}: the central-difference step that balances truncation and rounding. */
const FD_STEP = 6.055454452393343e-6;

class MilsteinStepper implements Stepper {
  private readonly d: number;
  private readonly t0: number;
  private readonly lagDim: number;
  private readonly kind: 'none' | 'scalar' | 'diagonal' | 'additive';
  private readonly m: number;
  private readonly driftEvaluator: DriftEvaluator;
  private readonly gFn: CoefficientFn | null;
  private readonly gConst: Float64Array | null;
  private readonly dgx: JvpFn | null;
  private readonly dgy: JvpFn | null;
  private readonly coordinate: boolean;
  private readonly channels: number;
  private readonly f: Float64Array;
  private readonly g: Float64Array;
  readonly drift: Float64Array;
  note?: string;
  // buffers for the correction terms
  private readonly U: Float64Array;
  private readonly V: Float64Array;
  private readonly Q: Float64Array;
  private readonly xp: Float64Array;
  private readonly yp: Float64Array;
  private readonly gp: Float64Array;
  private readonly gm: Float64Array;
  private readonly jv: Float64Array;
  private readonly noiseKind: 'none' | 'scalar' | 'diagonal' | 'full';
  // rings of the diffusion and the sub-increments of past steps (sized in bind)
  private capacity = 1;
  private p = 1;
  private gRing: Float64Array = new Float64Array(0);
  private fineRing: Float64Array = new Float64Array(0);

  constructor(problem: SddeProblem) {
    const dif = problem.diffusion;
    this.d = problem.dim;
    this.t0 = problem.t0;
    this.lagDim = problem.lagDim;
    this.driftEvaluator = new DriftEvaluator(problem);
    this.f = new Float64Array(this.d);
    this.drift = this.f;
    this.g = new Float64Array(Math.max(1, dif.size));
    if (dif.constant) this.g.set(dif.constant);
    this.gFn = dif.fn;
    this.gConst = dif.constant;
    this.dgx = dif.dg?.x ?? null;
    this.dgy = dif.dg?.y ?? null;
    this.m = dif.noiseDim;
    this.noiseKind = dif.kind;
    if (dif.kind === 'none') this.kind = 'none';
    else if (dif.fn === null) this.kind = 'additive';
    else if (dif.kind === 'scalar' || (dif.kind === 'full' && dif.noiseDim === 1)) this.kind = 'scalar';
    else if (dif.kind === 'diagonal') this.kind = 'diagonal';
    else {
      throw new ConfigError(
        'problem.diffusion',
        `Milstein supports scalar noise, diagonal noise with g_i depending on coordinate i only, and additive noise; a state-dependent full diffusion with ${dif.noiseDim} Brownian motions is not commutative in general and needs Lévy areas (use EulerMaruyama)`,
      );
    }
    const ch = delayChannels(problem.delay);
    this.coordinate = ch.layout === 'coordinate';
    this.channels = ch.channels.length;
    this.U = new Float64Array(this.d);
    this.V = new Float64Array(this.lagDim);
    this.Q = new Float64Array(this.d);
    this.xp = new Float64Array(this.d);
    this.yp = new Float64Array(this.lagDim);
    this.gp = new Float64Array(this.d);
    this.gm = new Float64Array(this.d);
    this.jv = new Float64Array(this.d);
  }

  bind(b: StepperBinding): void {
    this.capacity = b.maxLag + 1;
    this.p = b.substeps;
    if (this.kind !== 'scalar' && this.kind !== 'diagonal') return;
    const mRing = this.kind === 'scalar' ? 1 : this.d;
    this.gRing = new Float64Array(this.capacity * this.d);
    this.fineRing = new Float64Array(this.capacity * this.p * mRing);
    const t0 = this.t0;
    const { x0, y0 } = b;
    const d = this.d;
    const ld = this.lagDim;
    const gx = new Float64Array(d);
    this.gFn!(t0, x0, y0, gx);
    // a pattern of signs for the probes (deterministic: no randomness outside the streams)
    const sign = (i: number) => (((i * 2654435761) >>> 0) % 3 === 0 ? -1 : 1);
    const ones = new Float64Array(d).fill(1);
    const onesY = new Float64Array(ld).fill(1);
    const zeroX = new Float64Array(d);
    const zeroY = new Float64Array(ld);
    const a = new Float64Array(d);
    const c = new Float64Array(d);
    const jy1 = new Float64Array(d);
    this.jvp(t0, x0, y0, zeroX, onesY, jy1);
    const dependsOnDelayed = maxAbs(jy1) > 1e-9 * Math.max(maxAbs(gx), 1e-300);
    if (this.kind === 'diagonal' && d > 1) {
      // commutativity of diagonal noise: ∂g_i/∂x_j = 0 and ∂g_i/∂y_(q,j) = 0 for j ≠ i. Then
      // J(r ⊙ w) = r ⊙ (J w) for every sign pattern r; a cross-dependence breaks it.
      const rx = Float64Array.from(ones, (_, i) => sign(i));
      const ry = Float64Array.from(onesY, (_, s) => sign(this.coordinate ? s : s % d));
      const jx1 = new Float64Array(d);
      this.jvp(t0, x0, y0, ones, zeroY, jx1);
      this.jvp(t0, x0, y0, rx, zeroY, a);
      for (let i = 0; i < d; i++) c[i] = rx[i] * jx1[i];
      if (!close(a, c)) throw new ConfigError('problem.diffusion', 'Milstein with diagonal noise needs g_i to depend on X(t) only through X_i (commutative noise); at the initial state g depends on other coordinates (use EulerMaruyama, or scalar noise)');
      this.jvp(t0, x0, y0, zeroX, ry, a);
      for (let i = 0; i < d; i++) c[i] = rx[i] * jy1[i];
      if (!close(a, c)) throw new ConfigError('problem.diffusion', 'Milstein with diagonal noise needs g_i to depend on the delayed argument only through coordinate i; at the initial state it depends on other coordinates (use EulerMaruyama)');
    }
    if (b.offGrid && dependsOnDelayed) {
      throw new ConfigError('options.interpolation', 'Milstein with a diffusion that depends on the delayed state needs the delay on the step grid (its double integral pairs whole steps); off-grid delays would need an augmented mesh. Use interpolation "grid" with τ a whole number of steps, or EulerMaruyama');
    }
    if (dependsOnDelayed && this.p === 1) {
      this.note = 'the diffusion depends on the delayed state and the noise has no sub-increments: the delayed double integral is ½ΔWₖ₋ₗΔWₖ (its conditional mean), so the strong order is 1/2 (weak order 1); give substeps to resolve it';
    }
  }

  /** out = (∂g/∂x)·u + (∂g/∂y)·v at (t, x, y): the user's derivatives, or one central difference. */
  private jvp(t: number, x: Float64Array, y: Float64Array, u: Float64Array, v: Float64Array, out: Float64Array): void {
    const d = this.d;
    const ld = this.lagDim;
    const dgx = this.dgx;
    const dgy = this.dgy;
    if (dgx !== null && dgy !== null) {
      dgx(t, x, y, u, out);
      dgy(t, x, y, v, this.gp);
      for (let i = 0; i < d; i++) out[i] += this.gp[i];
      return;
    }
    // finite difference along the parts without a user derivative. J·w = |w|·J·(w/|w|): the
    // direction is normalised first (|w| = max|w_i|, which may be subnormal — w = g·I with a tiny
    // g — or huge), so the step ε = FD_STEP·scale along w/|w| is always a representable relative
    // perturbation of the state; ε is halved while x ± ε·w/|w| would overflow.
    const useU = dgx === null;
    const useV = dgy === null;
    let scale = 1;
    let dir = 0;
    for (let i = 0; i < d; i++) {
      scale = Math.max(scale, Math.abs(x[i]));
      if (useU) dir = Math.max(dir, Math.abs(u[i]));
    }
    for (let i = 0; i < ld; i++) {
      scale = Math.max(scale, Math.abs(y[i]));
      if (useV) dir = Math.max(dir, Math.abs(v[i]));
    }
    if (!(dir > 0) || !Number.isFinite(dir) || !Number.isFinite(scale)) {
      // no direction, or a non-finite state or direction: nothing finite to differentiate along
      out.fill(dir === 0 ? 0 : NaN);
    } else {
      const xp = this.xp;
      const yp = this.yp;
      let eps = FD_STEP * scale;
      for (let tries = 0; tries < 64; tries++) {
        let finite = true;
        for (let i = 0; i < d && finite; i++) if (useU) finite = Number.isFinite(x[i] + eps * (u[i] / dir)) && Number.isFinite(x[i] - eps * (u[i] / dir));
        for (let i = 0; i < ld && finite; i++) if (useV) finite = Number.isFinite(y[i] + eps * (v[i] / dir)) && Number.isFinite(y[i] - eps * (v[i] / dir));
        if (finite) break;
        eps /= 2;
      }
      for (let i = 0; i < d; i++) xp[i] = useU ? x[i] + eps * (u[i] / dir) : x[i];
      for (let i = 0; i < ld; i++) yp[i] = useV ? y[i] + eps * (v[i] / dir) : y[i];
      this.gFn!(t, xp, yp, this.gp);
      for (let i = 0; i < d; i++) xp[i] = useU ? x[i] - eps * (u[i] / dir) : x[i];
      for (let i = 0; i < ld; i++) yp[i] = useV ? y[i] - eps * (v[i] / dir) : y[i];
      this.gFn!(t, xp, yp, this.gm);
      for (let i = 0; i < d; i++) {
        // (g⁺ − g⁻)/(2ε)·|w|, ordered so that no intermediate overflows or underflows needlessly
        let diff = this.gp[i] - this.gm[i];
        let half = 0.5;
        if (!Number.isFinite(diff) && Number.isFinite(this.gp[i]) && Number.isFinite(this.gm[i])) {
          diff = 0.5 * this.gp[i] - 0.5 * this.gm[i];
          half = 1;
        }
        const slope = (diff * half) / eps;
        out[i] = Number.isFinite(slope) ? slope * dir : diff * ((half * dir) / eps);
      }
    }
    if (!useU) {
      dgx!(t, x, y, u, this.gp);
      for (let i = 0; i < d; i++) out[i] += this.gp[i];
    }
    if (!useV) {
      dgy!(t, x, y, v, this.gp);
      for (let i = 0; i < d; i++) out[i] += this.gp[i];
    }
  }

  step(t: number, h: number, x: Float64Array, xLag: Float64Array, dB: Float64Array, out: Float64Array, ctx: StepContext): void {
    const d = this.d;
    const f = this.f;
    const g = this.g;
    this.driftEvaluator.evaluate(t, x, xLag, f);
    const kind = this.kind;
    if (kind === 'none') {
      for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i];
      return;
    }
    if (kind === 'additive') {
      // constant g: Milstein's correction terms vanish and the step is Euler–Maruyama's
      const G = this.gConst!;
      const m = this.m;
      if (this.noiseKind === 'scalar') for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i] + G[i] * dB[0];
      else if (this.noiseKind === 'diagonal') for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i] + G[i] * dB[i];
      // G·ΔB in Euler–Maruyama's four chains (dot4), so that the bits are EM's for any noise dimension
      else for (let i = 0; i < d; i++) out[i] = x[i] + h * f[i] + dot4(G, i * m, dB, m);
      return;
    }
    this.gFn!(t, x, xLag, g);
    const scalar = kind === 'scalar';
    const Q = this.Q;
    const U = this.U;
    if (scalar) {
      const db = dB[0];
      const q = (db * db - h) / 2;
      for (let i = 0; i < d; i++) {
        out[i] = x[i] + h * f[i] + g[i] * db;
        Q[i] = q;
        U[i] = g[i] * q;
      }
    } else {
      for (let i = 0; i < d; i++) {
        const db = dB[i];
        out[i] = x[i] + h * f[i] + g[i] * db;
        Q[i] = (db * db - h) / 2;
        U[i] = g[i] * Q[i];
      }
    }
    // the delayed term: V = g(t_j, X_j, Y_j) ⊙ I^θ_{j,k} per entry of xLag (lag 0: the current g ⊙ I_k)
    const k = ctx.k;
    const V = this.V;
    const cap = this.capacity;
    const p = this.p;
    const mRing = scalar ? 1 : d;
    const fine = ctx.fine;
    const mNoise = this.m;
    const gRing = this.gRing;
    const fineRing = this.fineRing;
    const nc = this.channels;
    for (let c = 0; c < nc; c++) {
      const j = ctx.channelStep[c];
      const lo = this.coordinate ? c : 0;
      const hi = this.coordinate ? c + 1 : d;
      const base = this.coordinate ? 0 : c * d;
      if (j === k) {
        for (let i = lo; i < hi; i++) V[base + i] = g[i] * Q[i];
      } else if (j < 0) {
        for (let i = lo; i < hi; i++) V[base + i] = 0;
      } else {
        const gOff = (j % cap) * d;
        const fOff = (j % cap) * p * mRing;
        let iScalar = NaN;
        for (let i = lo; i < hi; i++) {
          const bm = scalar ? 0 : i;
          let I: number;
          if (scalar && iScalar === iScalar) I = iScalar;
          else {
            // Σ_r (Σ_{r'<r} a_{r'} + a_r/2) b_r over the sub-increments of steps j (a) and k (b)
            let acc = 0;
            I = 0;
            for (let r = 0; r < p; r++) {
              const ar = fineRing[fOff + r * mRing + bm];
              I += (acc + 0.5 * ar) * fine[r * mNoise + bm];
              acc += ar;
            }
            if (scalar) iScalar = I;
          }
          V[base + i] = gRing[gOff + i] * I;
        }
      }
    }
    // keep this step's g and sub-increments for the steps that will read it
    const sOff = (k % cap) * d;
    for (let i = 0; i < d; i++) gRing[sOff + i] = g[i];
    const fsOff = (k % cap) * p * mRing;
    for (let r = 0; r < p; r++) for (let b = 0; b < mRing; b++) fineRing[fsOff + r * mRing + b] = fine[r * mNoise + b];

    const term = this.jv;
    this.jvp(t, x, xLag, U, V, term);
    for (let i = 0; i < d; i++) out[i] += term[i];
  }
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function close(a: Float64Array, b: Float64Array): boolean {
  const scale = Math.max(maxAbs(a), maxAbs(b), 1e-300);
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= 1e-6 * scale)) return false;
  return true;
}

/**
 * Options of {@link Milstein}.
 */
export interface MilsteinOptions {
  /**
   * Brownian sub-increments per step drawn from the seed's stream (default 1) and used for the
   * delayed double integral; the strong order with a diffusion that depends on the delayed state
   * is 1 when p grows like 1/h, 1/2 at fixed p. Noise passed to `solve` brings its own.
   */
  substeps?: number;
}

/**
 * The Milstein scheme for SDDEs (Hu, Mohammed & Yan 2004): Euler–Maruyama plus the Lévy-area-free
 * correction terms of g's derivatives in x and in the delayed state; strong order 1 (with
 * `substeps` growing like 1/h when g depends on the delayed state), weak order 1. Derivatives come from
 * `diffusion.dg` or a central difference.
 *
 * @example
 * ```ts
 * import { defineSdde, solve, Milstein } from 'asgd-sdde';
 *
 * // geometric Brownian motion with a delayed drift
 * const problem = defineSdde({ dim: 1, drift: (t, x, xLag, out) => { out[0] = -xLag[0]!; },
 *   diffusion: { noise: 'diagonal', g: (t, x, xLag, out) => { out[0] = 0.4 * x[0]!; } },
 *   history: 1, T: 2, delay: { kind: 'constant', tau: 0.5 } });
 * const sol = solve(problem, new Milstein(), { dt: 0.01, seed: 3, saveAt: { final: true } });
 * console.log(sol.status, sol.x[0]);
 * //> ok -0.05406203980172604
 * ```
 */
export class Milstein implements SddeAlgorithm {
  readonly name = 'Milstein';
  readonly strongOrder = 1;
  readonly weakOrder = 1;
  readonly substeps: number;
  /**
   * @param options - `substeps`: Brownian sub-increments per step (integer in [1, 10⁶], default 1).
   * @throws {@link ConfigError} `algorithm.substeps` when it is not such an integer.
   */
  constructor(options: MilsteinOptions = {}) {
    const p = options.substeps ?? 1;
    if (!Number.isInteger(p) || p < 1 || p > 1_000_000) throw new ConfigError('algorithm.substeps', `must be an integer in [1, 10^6], got ${String(p)}`);
    this.substeps = p;
  }
  /**
   * Bind the scheme to a problem (called by {@link solve}).
   */
  stepper(problem: SddeProblem): Stepper {
    return new MilsteinStepper(problem);
  }
}
