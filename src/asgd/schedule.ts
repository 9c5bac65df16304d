/**
 * Step-size adjustments u_k of x_{k+1} = x_k − η u_k g (He et al. Eq. 4), for k = 0, 1, 2, …
 * (iteration k+1 in the paper's 1-based count):
 *  - constant:      u_k = 1                          (case (a): δ = η)
 *  - inverse:       u_k = 1/(k+1)                    (case (b): U(t) = δ/t)
 *  - inverse-sqrt:  u_k = 1/√(k+1)                   (case (c): U(t) = √δ/√t)
 *  - inverse-mu:    u_k = 1/(μ(k+1)), so with η = 1, η_k = 1/(μk) (Thm 4.2 / Cor 4.3)
 * `continuous(t, δ)` is U(t) = u(t/δ) with the same formula on real arguments, the SDDE's
 * coefficient; it equals u_k at the grid points t = kδ.
 */
import { knownFields, oneOf, plainObject, positiveNumber } from '../core/validate.ts';

/**
 * A step-size schedule u_k of x_{k+1} = x_k − η u_k g (He et al. Eq. 4): `constant` (u_k = 1, the
 * default), `inverse` (1/(k+1)), `inverse-sqrt` (1/√(k+1)) or `inverse-mu` (1/(μ(k+1)), μ > 0).
 */
export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'inverse' }
  | { kind: 'inverse-sqrt' }
  | { kind: 'inverse-mu'; mu: number };

/** A compiled step-size schedule: u_k at iteration k, and its continuous-time form U(t) = u(t/δ). */
export interface Schedule {
  readonly spec: ScheduleSpec;
  /** u_k, the multiplier of η at iteration k = 0, 1, 2, …. */
  at(k: number): number;
  /** U(t) = u(t/δ) on real arguments (the SDDE's coefficient); equals u_k at t = kδ. */
  continuous(t: number, delta: number): number;
}

/**
 * Compile a {@link ScheduleSpec}.
 *
 * @param specInput - the spec; default `{ kind: 'constant' }`.
 * @param field - the prefix of field names in errors; default `'schedule'`.
 * @throws {@link ConfigError} `schedule.kind` (unknown kind), `schedule.mu` (not > 0), unknown fields.
 * @example
 * ```ts
 * import { schedule } from 'asgd-sdde';
 *
 * const s = schedule({ kind: 'inverse-sqrt' });
 * console.log(s.at(0), s.at(3), s.continuous(0.3, 0.1)); // 1/√1, 1/√4, 1/√(1 + 0.3/0.1)
 * // output tol=1e-12
 * //> 1 0.5 0.5
 * ```
 */
export function schedule(specInput: unknown = { kind: 'constant' }, field = 'schedule'): Schedule {
  const s = plainObject(specInput, field);
  const kind = oneOf(s.kind, `${field}.kind`, ['constant', 'inverse', 'inverse-sqrt', 'inverse-mu'] as const);
  switch (kind) {
    case 'constant':
      knownFields(s, field, ['kind']);
      return { spec: { kind }, at: () => 1, continuous: () => 1 };
    case 'inverse':
      knownFields(s, field, ['kind']);
      return { spec: { kind }, at: (k) => 1 / (k + 1), continuous: (t, dl) => 1 / (t / dl + 1) };
    case 'inverse-sqrt':
      knownFields(s, field, ['kind']);
      return { spec: { kind }, at: (k) => 1 / Math.sqrt(k + 1), continuous: (t, dl) => 1 / Math.sqrt(t / dl + 1) };
    case 'inverse-mu': {
      knownFields(s, field, ['kind', 'mu']);
      const mu = positiveNumber(s.mu, `${field}.mu`);
      return { spec: { kind, mu }, at: (k) => 1 / (mu * (k + 1)), continuous: (t, dl) => 1 / (mu * (t / dl + 1)) };
    }
  }
}
