/**
 * The exact law of 1-D minibatch noise, for the quantile coupling.
 *
 * Given the component gradients c_1..c_n at the read point y, the noise of a minibatch M is
 * ζ = ∇F(y) − (1/b) Σ_{i∈M} c_i, a discrete random variable. Its randomized probability integral
 * transform U = P(ζ < ζ_obs) + V·P(ζ = ζ_obs), V ~ U(0,1) independent, is exactly U(0,1)
 * (Brockwell 2007), and z = Φ⁻¹(U) is exactly N(0,1) and non-decreasing in ζ_obs. This is how the
 * coupled SDDE's Gaussian increment is tied to the ASGD step's minibatch noise.
 *
 * The law is enumerated: with replacement over the C(n+b−1, b) count vectors (multinomial
 * weights), without replacement over the C(n, b) subsets. `lawSize` bounds the work, checked
 * before a run starts.
 */
import type { Sampling } from '../asgd/minibatch.ts';

export function logBinomial(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** Number of batch outcomes enumerated for (n, b, sampling). */
export function lawSize(n: number, b: number, sampling: Sampling): number {
  return Math.round(Math.exp(sampling === 'with-replacement' ? logBinomial(n + b - 1, b) : logBinomial(n, b)));
}

export class MinibatchNoiseLaw {
  readonly n: number;
  readonly b: number;
  readonly replacement: boolean;
  private readonly counts: Int32Array;
  private readonly logFact: Float64Array;
  private c: Float64Array = new Float64Array(0);
  private target = 0;
  private tol = 0;
  /** P(ζ < ζ_obs) after `evaluate`. */
  below = 0;
  /** P(ζ = ζ_obs) after `evaluate`. */
  at = 0;

  constructor(n: number, b: number, sampling: Sampling) {
    this.n = n;
    this.b = b;
    this.replacement = sampling === 'with-replacement';
    this.counts = new Int32Array(n);
    this.logFact = new Float64Array(b + 1);
    for (let i = 2; i <= b; i++) this.logFact[i] = this.logFact[i - 1] + Math.log(i);
  }

  /**
   * P(ζ < ζ_obs) and P(ζ = ζ_obs) for the batch-sum S_obs = Σ_{i∈M} c_i (ζ decreases in S).
   * Values within 1e-12·(b·max|c_i| + 1) of each other count as equal.
   */
  probabilities(c: Float64Array, sObs: number): { below: number; at: number } {
    this.evaluate(c, sObs);
    return { below: this.below, at: this.at };
  }

  /** As `probabilities`, leaving the result in `below` and `at` (no allocation: used every step). */
  evaluate(c: Float64Array, sObs: number): void {
    this.c = c;
    this.target = sObs;
    let scale = 0;
    for (let i = 0; i < this.n; i++) scale = Math.max(scale, Math.abs(c[i]));
    this.tol = 1e-12 * (this.b * scale + 1);
    this.below = 0;
    this.at = 0;
    if (this.replacement) {
      this.counts.fill(0);
      this.withReplacement(0, this.b, 0);
    } else {
      this.withoutReplacement(0, this.b, 0, -logBinomial(this.n, this.b));
    }
  }

  private record(sum: number, p: number): void {
    // ζ < ζ_obs ⇔ S > S_obs
    if (Math.abs(sum - this.target) <= this.tol) this.at += p;
    else if (sum > this.target) this.below += p;
  }

  private withReplacement(i: number, remaining: number, sum: number): void {
    const { n, b } = this;
    if (i === n - 1) {
      this.counts[i] = remaining;
      const s = sum + remaining * this.c[i];
      let logP = this.logFact[b] - b * Math.log(n);
      for (let j = 0; j < n; j++) logP -= this.logFact[this.counts[j]];
      this.record(s, Math.exp(logP));
      return;
    }
    for (let m = 0; m <= remaining; m++) {
      this.counts[i] = m;
      this.withReplacement(i + 1, remaining - m, sum + m * this.c[i]);
    }
  }

  private withoutReplacement(start: number, remaining: number, sum: number, logP: number): void {
    if (remaining === 0) {
      this.record(sum, Math.exp(logP));
      return;
    }
    for (let i = start; i <= this.n - remaining; i++) this.withoutReplacement(i + 1, remaining - 1, sum + this.c[i], logP);
  }
}
