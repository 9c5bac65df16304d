/**
 * Minibatch index sampling from a finite sum of n components.
 *  - with replacement:    b independent uniform indices (the i.i.d. model behind Σ/b, He et al. Sec. 3);
 *  - without replacement: a uniform b-subset, by a partial Fisher–Yates shuffle of a persistent
 *    permutation (O(b) per draw, no allocation; any permutation stays uniformly random).
 */
import { type Engine, uniformIndex } from '../random/streams.ts';

/**
 * How minibatch indices are drawn: b i.i.d. uniform indices ('with-replacement', He et al. Section 3)
 * or a uniform b-subset ('without-replacement', b ≤ n).
 */
export type Sampling = 'with-replacement' | 'without-replacement';
export const SAMPLING_MODES = ['with-replacement', 'without-replacement'] as const;

/**
 * Draws minibatch indices from {0, …, n−1}: with replacement, or a uniform b-subset by a partial
 * Fisher–Yates shuffle of a persistent permutation (O(b) per draw, no allocation).
 */
export class MinibatchSampler {
  readonly n: number;
  readonly b: number;
  readonly replacement: boolean;
  private readonly engine: Engine;
  private readonly perm: Int32Array;
  /** Rejection limit of uniformIndex for n, computed once: 2^32 − (2^32 mod n). */
  private readonly limit: number;

  /**
   * A sampler on its own engine (arguments are not validated: {@link asgdConfig} validates them).
   *
   * @param n - number of components (integer ≥ 1; not validated here).
   * @param b - minibatch size (≤ n without replacement).
   * @param sampling - with or without replacement.
   * @param engine - the random engine of the minibatch stream.
   */
  constructor(n: number, b: number, sampling: Sampling, engine: Engine) {
    this.n = n;
    this.b = b;
    this.replacement = sampling === 'with-replacement';
    this.engine = engine;
    this.perm = new Int32Array(this.replacement ? 0 : n);
    this.limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (let i = 0; i < this.perm.length; i++) this.perm[i] = i;
  }

  /** Write b component indices into out. A full batch without replacement (b = n) uses no randomness. */
  draw(out: Int32Array): void {
    const { n, b, engine } = this;
    if (this.replacement) {
      // uniformIndex inlined with its limit precomputed: the same draws and the same indices
      if (n === 1) {
        out.fill(0, 0, b);
        return;
      }
      const limit = this.limit;
      for (let j = 0; j < b; j++) {
        let r: number;
        do r = engine.next() >>> 0;
        while (r >= limit);
        out[j] = r % n;
      }
      return;
    }
    const perm = this.perm;
    if (b === n) {
      for (let j = 0; j < b; j++) out[j] = perm[j];
      return;
    }
    for (let j = 0; j < b; j++) {
      const r = j + uniformIndex(engine, n - j);
      const t = perm[j];
      perm[j] = perm[r];
      perm[r] = t;
      out[j] = perm[j];
    }
  }
}
