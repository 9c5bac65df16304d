/**
 * The compute-time laws of the simulated parameter server's workers, and the two draws a
 * stationary start needs besides ordinary intervals: the length-biased interval and, from it, the
 * equilibrium age and residual time of a renewal process.
 *
 * Renewal theory (e.g. Cox, Renewal Theory, 1962, §5.2): a worker that has been computing since
 * long before time 0 is, at 0, inside an interval whose length L has the length-biased density
 * x f(x)/μ (f the compute-time density, μ its mean: long intervals are more likely to cover 0),
 * and 0 falls at a uniform fraction U of it. The residual time U·L then has the equilibrium
 * density (1 − F(x))/μ and the age (1 − U)·L the same law. Drawing (L, U) gives both, jointly.
 */
import { knownFields, nonNegativeNumber, numberInRange, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { NormalSampler } from '../random/normal.ts';
import { type Engine, uniformOpen01 } from '../random/streams.ts';

/** A worker's compute-time law, in simulated time units; `mean` > 0 always, `sd` ≥ 0 (the normal is truncated at 0). */
export type ComputeTimeSpec =
  | { kind: 'constant'; mean: number }
  | { kind: 'exponential'; mean: number }
  | { kind: 'normal'; mean: number; sd: number }
  | { kind: 'lognormal'; mean: number; sd: number }
  | { kind: 'slow-workers'; mean: number; slowFraction: number; slowdown: number };

/** Validates a compute-time spec (errors name `field`). */
export function validateComputeTime(input: unknown, field: string): ComputeTimeSpec {
  const s = plainObject(input, field);
  const kind = oneOf(s.kind, `${field}.kind`, ['constant', 'exponential', 'normal', 'lognormal', 'slow-workers'] as const);
  const mean = positiveNumber(s.mean, `${field}.mean`);
  switch (kind) {
    case 'constant':
    case 'exponential':
      knownFields(s, field, ['kind', 'mean']);
      return { kind, mean };
    case 'normal':
    case 'lognormal':
      knownFields(s, field, ['kind', 'mean', 'sd']);
      return { kind, mean, sd: nonNegativeNumber(s.sd, `${field}.sd`) };
    case 'slow-workers':
      knownFields(s, field, ['kind', 'mean', 'slowFraction', 'slowdown']);
      return { kind, mean, slowFraction: numberInRange(s.slowFraction, `${field}.slowFraction`, 0, 1), slowdown: positiveNumber(s.slowdown, `${field}.slowdown`) };
  }
}

/**
 * True when every compute time equals the mean (constant, or normal / log-normal with sd 0): the
 * workers then stay in lock-step from a common start, and a stationary start keeps them so.
 */
export function isDeterministic(spec: ComputeTimeSpec): boolean {
  return spec.kind === 'constant' || ((spec.kind === 'normal' || spec.kind === 'lognormal') && spec.sd === 0);
}

/**
 * Draws compute times from one engine (reproducible, independent of the gradients). Example:
 * `new ComputeTimes({ kind: 'exponential', mean: 1 }, engine, 4).draw(0)`.
 */
export class ComputeTimes {
  private readonly normal: NormalSampler;
  private readonly logMu: number = 0;
  private readonly logSigma: number = 0;
  constructor(
    private readonly spec: ComputeTimeSpec,
    private readonly engine: Engine,
    private readonly m: number,
  ) {
    this.normal = new NormalSampler(engine);
    if (spec.kind === 'lognormal') {
      // parameters of the underlying normal chosen so that the mean and sd are those given
      const s2 = Math.log(1 + (spec.sd * spec.sd) / (spec.mean * spec.mean));
      this.logMu = Math.log(spec.mean) - s2 / 2;
      this.logSigma = Math.sqrt(s2);
    }
  }

  /** Mean compute time of worker w (slow workers: mean × slowdown). */
  private workerMean(w: number): number {
    const s = this.spec;
    return s.kind === 'slow-workers' && w < Math.round(s.slowFraction * this.m) ? s.mean * s.slowdown : s.mean;
  }

  /** One compute time of worker w. */
  draw(worker: number): number {
    const s = this.spec;
    switch (s.kind) {
      case 'constant':
        return s.mean;
      case 'exponential':
        return -s.mean * Math.log(uniformOpen01(this.engine));
      case 'normal': {
        // truncated at 0: redraw negative times
        for (;;) {
          const v = s.mean + s.sd * this.normal.next();
          if (v > 0) return v;
        }
      }
      case 'lognormal':
        return Math.exp(this.logMu + this.logSigma * this.normal.next());
      case 'slow-workers':
        return -this.workerMean(worker) * Math.log(uniformOpen01(this.engine));
    }
  }

  /**
   * A length-biased compute time of worker w: density x f(x)/μ. Exact for every law:
   * exponential(μ) → Gamma(2, μ) (a sum of two exponentials); log-normal(m, s²) on the log scale →
   * log-normal(m + s², s²); constant → the constant; normal(a, s²) truncated at 0 → rejection from
   * the envelope (a + |x − a|)φ((x − a)/s) ≥ x φ((x − a)/s) on x > 0 (a > 0), a mixture of
   * N(a, s²) (weight a√(2π)s) and a ± s√(2E), E ~ Exp(1) (weight 2s²), accepted with probability
   * x/(a + |x − a|).
   */
  lengthBiased(worker: number): number {
    const s = this.spec;
    switch (s.kind) {
      case 'constant':
        return s.mean;
      case 'exponential':
      case 'slow-workers': {
        const mu = this.workerMean(worker);
        return -mu * (Math.log(uniformOpen01(this.engine)) + Math.log(uniformOpen01(this.engine)));
      }
      case 'lognormal':
        return Math.exp(this.logMu + this.logSigma * this.logSigma + this.logSigma * this.normal.next());
      case 'normal': {
        const a = s.mean;
        const sd = s.sd;
        if (sd === 0) return a;
        const pNormal = (a * Math.sqrt(2 * Math.PI)) / (a * Math.sqrt(2 * Math.PI) + 2 * sd);
        for (;;) {
          let x: number;
          if (uniformOpen01(this.engine) < pNormal) x = a + sd * this.normal.next();
          else {
            const r = sd * Math.sqrt(-2 * Math.log(uniformOpen01(this.engine)));
            x = uniformOpen01(this.engine) < 0.5 ? a - r : a + r;
          }
          if (x <= 0) continue;
          if (uniformOpen01(this.engine) * (a + Math.abs(x - a)) < x) return x;
        }
      }
    }
  }

  /** A uniform fraction in (0, 1) from the same engine (where 0 falls in a length-biased interval). */
  fraction(): number {
    return uniformOpen01(this.engine);
  }
}
