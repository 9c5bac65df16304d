/**
 * Delay compensation of DC-ASGD (Zheng, Meng, Wang, Chen, Yu, Ma & Liu 2017, "Asynchronous
 * stochastic gradient descent with delay compensation", ICML, Eq. (9)–(10) and Algorithm 2): a
 * gradient computed at a stale point x_stale and applied at x_now is corrected by the first-order
 * Taylor term of ∇F, with the Hessian replaced by the cheap approximation λ g gᵀ of the outer
 * product (its diagonal):
 *
 *   g̃ = g + λ g ⊙ g ⊙ (x_now − x_stale).
 *
 * DC-ASGD-c uses a constant λ; DC-ASGD-a an adaptive one, λ_t = λ₀ / √(MeanSquare_t) per
 * coordinate, MeanSquare_t = m·MeanSquare_{t−1} + (1 − m) g_t² (the paper's moving average of the
 * squared gradient; m = 0.95 in its experiments). Here √(MeanSquare) + ε with ε = 10⁻⁷ guards
 * the division at a zero gradient (a choice the paper leaves open). Allocation-free.
 */
import { ConfigError } from '../core/errors.ts';
import { finiteNumber, knownFields, nonNegativeNumber, numberInRange, oneOf, plainObject } from '../core/validate.ts';

/**
 * Delay compensation of DC-ASGD (Zheng et al. 2017): g ← g + λ g ⊙ g ⊙ (x_now − x_read), with a constant
 * λ ≥ 0 (DC-ASGD-c) or, with `meanSquare` ∈ [0, 1), the adaptive λ₀/(√MeanSquare + ε) (DC-ASGD-a).
 */
export interface DelayCompensationSpec {
  kind: 'dc-asgd';
  /** λ (DC-ASGD-c) or λ₀ (DC-ASGD-a). */
  lambda: number;
  /** The moving-average constant m of DC-ASGD-a; absent: constant λ (DC-ASGD-c). */
  meanSquare?: number;
  /** Guard in λ₀/(√MeanSquare + ε); default 1e-7. */
  eps?: number;
}

/**
 * The compensation step of DC-ASGD for one run (holds DC-ASGD-a's moving mean square, one per coordinate).
 */
export class DelayCompensation {
  readonly spec: DelayCompensationSpec;
  private readonly ms: Float64Array | null;

  /**
   * The compensation of one run.
   *
   * @param spec - a validated spec ({@link delayCompensationSpec}).
   * @param dim - the parameter dimension d.
   */
  constructor(spec: DelayCompensationSpec, dim: number) {
    this.spec = spec;
    this.ms = spec.meanSquare === undefined ? null : new Float64Array(dim);
  }

  /** g ← g + λ g ⊙ g ⊙ (xNow − xStale), in place (λ per coordinate for DC-ASGD-a, after updating MeanSquare with g). */
  apply(g: Float64Array, xNow: Float64Array, xStale: Float64Array): void {
    const n = g.length;
    const ms = this.ms;
    const lambda = this.spec.lambda;
    if (ms === null) {
      for (let i = 0; i < n; i++) g[i] += lambda * g[i] * g[i] * (xNow[i] - xStale[i]);
      return;
    }
    const m = this.spec.meanSquare!;
    const eps = this.spec.eps ?? 1e-7;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      ms[i] = m * ms[i] + (1 - m) * gi * gi;
      g[i] = gi + (lambda / (Math.sqrt(ms[i]) + eps)) * gi * gi * (xNow[i] - xStale[i]);
    }
  }
}

/**
 * Validate a {@link DelayCompensationSpec}.
 *
 * @param field - the prefix of field names in errors.
 * @throws {@link ConfigError} `<field>.kind` (not 'dc-asgd'), `<field>.lambda` (negative),
 * `<field>.meanSquare` (outside [0, 1)), `<field>.eps` (not > 0, or given without meanSquare).
 */
export function delayCompensationSpec(input: unknown, field: string): DelayCompensationSpec {
  const s = plainObject(input, field);
  knownFields(s, field, ['kind', 'lambda', 'meanSquare', 'eps']);
  oneOf(s.kind, `${field}.kind`, ['dc-asgd'] as const);
  const lambda = nonNegativeNumber(s.lambda, `${field}.lambda`);
  const spec: DelayCompensationSpec = { kind: 'dc-asgd', lambda };
  if (s.meanSquare !== undefined) spec.meanSquare = numberInRange(s.meanSquare, `${field}.meanSquare`, 0, 1, { hiOpen: true });
  if (s.eps !== undefined) {
    if (spec.meanSquare === undefined) throw new ConfigError(`${field}.eps`, 'only applies to the adaptive λ (give meanSquare)');
    spec.eps = finiteNumber(s.eps, `${field}.eps`);
    if (!(spec.eps > 0)) throw new ConfigError(`${field}.eps`, `must be > 0, got ${spec.eps}`);
  }
  return spec;
}
