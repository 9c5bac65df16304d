/**
 * Standard normal variates over an explicit engine: Marsaglia's polar method. It produces
 * normals in pairs; the sampler keeps the spare, so it is stateful and belongs to one stream.
 * No allocation per draw.
 */
import { type Engine, uniformOpen01 } from './streams.ts';

export class NormalSampler {
  private readonly engine: Engine;
  private spare = 0;
  private hasSpare = false;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  next(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * uniformOpen01(this.engine) - 1;
      v = 2 * uniformOpen01(this.engine) - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  /** Fill `out[0..count)` with independent N(0, scale²) draws. */
  fill(out: Float64Array, scale = 1, count = out.length): void {
    for (let i = 0; i < count; i++) out[i] = scale * this.next();
  }
}
