/**
 * The delayed argument of a step when it is more than one lag on the grid: several delays
 * (xLag = [X(t−θ₁); …; X(t−θ_p)]), one delay per coordinate (xLag_j = X_j(t − θ_j), the
 * inconsistent read of Hogwild), and delays between grid points (interpolated history).
 *
 * Every channel reads the one history ring of the solve (capacity maxLag + 1 over all channels),
 * so memory stays O(max lag · d) whatever the number of delays. Nothing is allocated per step.
 *
 * Between grid points t_{j} < s < t_{j+1} the history is interpolated:
 *  - linear:  X(s) ≈ X_j + σ (X_{j+1} − X_j), σ = (s − t_j)/h;
 *  - Hermite: the cubic with values X_j, X_{j+1} and slopes f_j, f_{j+1}, the drifts the stepper
 *             computed at those steps (the dense output of DDE solvers, e.g. DelayDiffEq's
 *             MethodOfSteps); where f_{j+1} is not yet known (s within the current step) the
 *             read is linear.
 * Before t0 the initial function is evaluated at the exact time.
 */
import { type BeforeHistory, checkedLag, type LagSource } from '../delay/lags.ts';
import type { CompiledHistory } from './problem.ts';
import { evalHistory } from './problem-compile.ts';

/**
 * How a delay given in time is read (the solve option `interpolation`): `'grid'` rounds to the step
 * grid (τ must then be a whole number of steps), `'linear'` and `'hermite'` interpolate the history
 * between grid points (Hermite with the stepper's drifts as slopes).
 */
export type HistoryInterpolation = 'grid' | 'linear' | 'hermite';

export class DelayedReader {
  private readonly tmp: Float64Array;

  constructor(
    private readonly layout: 'vector' | 'coordinate',
    private readonly sources: LagSource[],
    private readonly d: number,
    private readonly maxLag: number,
    private readonly policy: BeforeHistory,
    private readonly history: CompiledHistory,
    private readonly t0: number,
    private readonly h: number,
    /** Drifts of past steps in the same slots as the states (Hermite), or null (linear). */
    private readonly driftData: Float64Array | null,
  ) {
    this.tmp = new Float64Array(d);
  }

  get channels(): number {
    return this.sources.length;
  }

  /**
   * Fill xLag for step k. `slot` is the ring slot of X_k, `data` the ring (capacity rows of d).
   * channelStep[c] ← the grid step channel c reads (k for lag 0), or −1 (history, interpolated).
   * lagsOut (when given) ← the effective lag of each channel, in steps.
   */
  fill(k: number, x: Float64Array, data: Float64Array, slot: number, capacity: number, xLag: Float64Array, channelStep: Int32Array, lagsOut: Float64Array | null, lagsOffset: number): void {
    const d = this.d;
    const vector = this.layout === 'vector';
    const nc = this.sources.length;
    for (let c = 0; c < nc; c++) {
      const drawn = this.sources[c].next(k);
      const lag = checkedLag(drawn, k, this.maxLag, this.policy, c);
      if (lagsOut !== null) lagsOut[lagsOffset + c] = lag;
      // the entries this channel writes: a whole state at c·d (vector) or coordinate c
      const lo = vector ? 0 : c;
      const hi = vector ? d : c + 1;
      const base = vector ? c * d : 0;
      if (lag === 0) {
        for (let i = lo; i < hi; i++) xLag[base + i] = x[i];
        channelStep[c] = k;
        continue;
      }
      const l = Math.floor(lag);
      const frac = lag - l;
      if (lag > k) {
        // before t0: the initial function at the exact time (a constant one without a copy of all d)
        const hv = this.history.kind === 'constant' ? this.history.value : this.tmp;
        if (hv === this.tmp) evalHistory(this.history, this.t0 + (k - lag) * this.h, this.tmp);
        for (let i = lo; i < hi; i++) xLag[base + i] = hv[i];
        channelStep[c] = -1;
        continue;
      }
      let right = slot - l; // X_{k−l}
      if (right < 0) right += capacity;
      if (frac === 0) {
        const off = right * d;
        for (let i = lo; i < hi; i++) xLag[base + i] = data[off + i];
        channelStep[c] = k - l;
        continue;
      }
      // t_k − lag·h lies in (t_{k−l−1}, t_{k−l}), at σ = 1 − frac from the left end
      let left = right - 1;
      if (left < 0) left += capacity;
      const s = 1 - frac;
      const offL = left * d;
      const offR = right * d;
      const F = this.driftData;
      if (F !== null && l >= 1) {
        const hh = this.h;
        const s2 = s * s;
        const h00 = (1 + 2 * s) * (1 - s) * (1 - s);
        const h10 = s * (1 - s) * (1 - s);
        const h01 = s2 * (3 - 2 * s);
        const h11 = s2 * (s - 1);
        for (let i = lo; i < hi; i++) xLag[base + i] = h00 * data[offL + i] + h10 * hh * F[offL + i] + h01 * data[offR + i] + h11 * hh * F[offR + i];
      } else {
        for (let i = lo; i < hi; i++) xLag[base + i] = data[offL + i] + s * (data[offR + i] - data[offL + i]);
      }
      channelStep[c] = -1;
    }
  }
}
