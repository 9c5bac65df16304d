/**
 * The exact law of 1-D minibatch noise, for the quantile coupling.
 *
 * Given the component gradients c_1..c_n at the read point y, the noise of a minibatch M is
 * ζ = ∇F(y) − (1/b) S_M with S_M = Σ_{i∈M} c_i, a discrete random variable. Its randomized
 * probability integral transform U = P(ζ < ζ_obs) + V·P(ζ = ζ_obs), V ~ U(0,1) independent, is
 * exactly U(0,1) (Brockwell 2007), and z = Φ⁻¹(U) is exactly N(0,1) and non-decreasing in ζ_obs.
 *
 * Exactness in floating point: every batch sum — the enumerated ones and the observed one — is
 * formed the same way (indices in ascending order, added one at a time from 0), so equal
 * multisets give bit-equal sums and "ζ = ζ_obs" is an exact comparison, with no tolerance (a
 * tolerance would make ties non-transitive and U non-uniform).
 *
 * Enumeration is iterative (an odometer over ascending index sequences): with replacement the
 * C(n+b−1, b) non-decreasing sequences with multinomial weights, without replacement the C(n, b)
 * increasing ones. `lawSize` bounds the work per step, checked before a run.
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

/**
 * The exact law of 1-D minibatch noise ζ = ∇F(y) − (1/b) Σ_{i∈M} cᵢ, by enumerating every batch outcome
 * (with replacement: multisets with multinomial weights; without: subsets): after `evaluate`, `below` =
 * P(ζ < ζ_obs) and `at` = P(ζ = ζ_obs), from which the quantile coupling forms its randomized PIT.
 */
export class MinibatchNoiseLaw {
  readonly n: number;
  readonly b: number;
  readonly replacement: boolean;
  /** P(ζ < ζ_obs) after `evaluate`. */
  below = 0;
  /** P(ζ = ζ_obs) after `evaluate`. */
  at = 0;
  private readonly idx: Int32Array;
  private readonly prefix: Float64Array;
  private readonly sorted: Int32Array;
  private readonly logFact: Float64Array;

  /**
   * The law of the minibatch noise for n components and batch size b.
   *
   * @param n - number of components; `b` the minibatch size; `sampling` with or without replacement.
   * The work per evaluation is {@link lawSize}(n, b, sampling) outcomes.
   */
  constructor(n: number, b: number, sampling: Sampling) {
    this.n = n;
    this.b = b;
    this.replacement = sampling === 'with-replacement';
    this.idx = new Int32Array(b);
    this.prefix = new Float64Array(b + 1);
    this.sorted = new Int32Array(b);
    this.logFact = new Float64Array(b + 1);
    for (let i = 2; i <= b; i++) this.logFact[i] = this.logFact[i - 1] + Math.log(i);
  }

  /** S_M in canonical form: the batch's indices in ascending order, added one at a time. */
  canonicalSum(c: ArrayLike<number>, batch: ArrayLike<number>): number {
    const s = this.sorted;
    for (let j = 0; j < this.b; j++) {
      const v = batch[j];
      let p = j;
      while (p > 0 && s[p - 1] > v) {
        s[p] = s[p - 1];
        p--;
      }
      s[p] = v;
    }
    let sum = 0;
    for (let j = 0; j < this.b; j++) sum += c[s[j]];
    return sum;
  }

  /** P(ζ < ζ_obs) and P(ζ = ζ_obs) for the canonical observed batch sum sObs (ζ decreases in S). */
  probabilities(c: ArrayLike<number>, sObs: number): { below: number; at: number } {
    this.evaluate(c, sObs);
    return { below: this.below, at: this.at };
  }

  /** As `probabilities`, leaving the result in `below` and `at` (no allocation: used every step). */
  evaluate(c: ArrayLike<number>, sObs: number): void {
    const { n, b, idx, prefix, logFact } = this;
    const rep = this.replacement;
    let below = 0;
    let at = 0;
    const logBase = rep ? logFact[b] - b * Math.log(n) : -logBinomial(n, b);
    // first sequence: 0,0,…,0 (with replacement) or 0,1,…,b−1 (without)
    for (let p = 0; p < b; p++) {
      idx[p] = rep ? 0 : p;
      prefix[p + 1] = prefix[p] + c[idx[p]];
    }
    for (;;) {
      const sum = prefix[b];
      let logP = logBase;
      if (rep) {
        // multinomial weight: b!/∏ m_i! over the runs of equal indices
        let run = 1;
        for (let p = 1; p <= b; p++) {
          if (p < b && idx[p] === idx[p - 1]) run++;
          else {
            logP -= logFact[run];
            run = 1;
          }
        }
      }
      const prob = Math.exp(logP);
      if (sum === sObs) at += prob;
      else if (sum > sObs) below += prob; // ζ < ζ_obs ⇔ S > S_obs
      // advance the odometer: the rightmost position that can still increase
      let p = b - 1;
      while (p >= 0 && idx[p] >= (rep ? n - 1 : n - b + p)) p--;
      if (p < 0) break;
      idx[p]++;
      prefix[p + 1] = prefix[p] + c[idx[p]];
      for (let q = p + 1; q < b; q++) {
        idx[q] = rep ? idx[q - 1] : idx[q - 1] + 1;
        prefix[q + 1] = prefix[q] + c[idx[q]];
      }
    }
    this.below = below;
    this.at = at;
  }
}
