/**
 * Server-side optimizers of the parameter server: SGD, momentum SGD, Adam (Kingma & Ba 2015,
 * as written in Aji & Heafield 2019 Section 3):
 *   m_t ← β1 m_{t−1} + (1−β1) g_t,  v_t ← β2 v_{t−1} + (1−β2) g_t²,
 *   m̂_t = m_t/(1−β1^t),  v̂_t = v_t/(1−β2^t),  θ_t ← θ_{t−1} − α m̂_t/(√v̂_t + ε),
 * and DC-ASGD (Zheng et al. 2017): each received gradient is first compensated for its delay,
 * g̃ = g + λ g ⊙ g ⊙ (x_now − x_stale) (constant λ, or λ₀/√MeanSquare with `meanSquare`), then
 * applied by SGD. Each applies one update from a (summed or weighted) gradient, in place,
 * allocation-free.
 *
 * The state (momentum buffer; Adam's m, v, t, β1^t, β2^t) lives in one Float64Array, made here or
 * passed in: the real-thread server (threaded-server.ts) keeps it in shared memory, so whichever
 * worker holds the server's lock steps the one optimizer. (DC-ASGD's compensation state — the
 * adaptive variant's mean square — is held by its DelayCompensation, not in that array.)
 */
import { ConfigError } from '../core/errors.ts';
import { knownFields, nonNegativeNumber, numberInRange, oneOf, plainObject, positiveNumber } from '../core/validate.ts';
import { DelayCompensation, delayCompensationSpec } from './delay-compensation.ts';

/**
 * A server optimizer of {@link runParameterServer} and {@link runThreadedServer}: `sgd` (lr),
 * `momentum` (lr, momentum ∈ [0, 1)), `adam` (lr; beta1 default 0.9, beta2 default 0.999, eps default
 * 1e-8) or `dc-asgd` (lr, λ; meanSquare for the adaptive λ of DC-ASGD-a; Zheng et al. 2017).
 */
export type OptimizerSpec =
  | { kind: 'sgd'; lr: number }
  | { kind: 'momentum'; lr: number; momentum: number }
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number }
  | { kind: 'dc-asgd'; lr: number; lambda: number; meanSquare?: number; eps?: number };

/**
 * A compiled server optimizer ({@link optimizer}): applies a received gradient to the parameters in
 * place, and for DC-ASGD compensates it first.
 */
export interface Optimizer {
  readonly spec: OptimizerSpec;
  /** x ← update(x, g). */
  step(x: Float64Array, g: Float64Array): void;
  /**
   * Delay compensation of one received gradient before it is applied (DC-ASGD): g is modified in
   * place from the current parameters and the parameters the gradient was computed at.
   */
  compensate?(g: Float64Array, xNow: Float64Array, xStale: Float64Array): void;
}

/** Length of an optimizer's state array (0 for SGD). */
export function optimizerStateLength(spec: OptimizerSpec, dim: number): number {
  return spec.kind === 'sgd' || spec.kind === 'dc-asgd' ? 0 : spec.kind === 'momentum' ? dim : 2 * dim + 3;
}

/** A fresh state array: zero buffers, Adam's t = 0 and β1^t = β2^t = 1. */
export function initialOptimizerState(spec: OptimizerSpec, dim: number): Float64Array {
  const st = new Float64Array(optimizerStateLength(spec, dim));
  if (spec.kind === 'adam') st[2 * dim + 1] = st[2 * dim + 2] = 1;
  return st;
}

/** `state`: an array from initialOptimizerState (or a copy of one, e.g. in shared memory); default a fresh one. */
export function optimizer(input: unknown, dim: number, field = 'optimizer', state?: Float64Array): Optimizer {
  const s = plainObject(input, field);
  const kind = oneOf(s.kind, `${field}.kind`, ['sgd', 'momentum', 'adam', 'dc-asgd'] as const);
  const lr = positiveNumber(s.lr, `${field}.lr`);
  if (kind === 'dc-asgd') {
    const { lr: _lr, ...rest } = s;
    const c = delayCompensationSpec({ ...rest, kind: 'dc-asgd' }, field);
    const dc = new DelayCompensation(c, dim);
    return {
      spec: { kind, lr, lambda: c.lambda, ...(c.meanSquare !== undefined ? { meanSquare: c.meanSquare } : {}), ...(c.eps !== undefined ? { eps: c.eps } : {}) },
      step(x, g) {
        for (let i = 0; i < dim; i++) x[i] -= lr * g[i];
      },
      compensate(g, xNow, xStale) {
        dc.apply(g, xNow, xStale);
      },
    };
  }
  if (kind === 'sgd') {
    knownFields(s, field, ['kind', 'lr']);
    return {
      spec: { kind, lr },
      step(x, g) {
        for (let i = 0; i < dim; i++) x[i] -= lr * g[i];
      },
    };
  }
  if (kind === 'momentum') {
    knownFields(s, field, ['kind', 'lr', 'momentum']);
    const mu = numberInRange(s.momentum, `${field}.momentum`, 0, 1, { hiOpen: true });
    const v = stateFor({ kind, lr, momentum: mu }, dim, field, state);
    return {
      spec: { kind, lr, momentum: mu },
      step(x, g) {
        for (let i = 0; i < dim; i++) {
          v[i] = mu * v[i] + g[i];
          x[i] -= lr * v[i];
        }
      },
    };
  }
  knownFields(s, field, ['kind', 'lr', 'beta1', 'beta2', 'eps']);
  const b1 = s.beta1 === undefined ? 0.9 : numberInRange(s.beta1, `${field}.beta1`, 0, 1, { hiOpen: true });
  const b2 = s.beta2 === undefined ? 0.98 : numberInRange(s.beta2, `${field}.beta2`, 0, 1, { hiOpen: true });
  const eps = s.eps === undefined ? 1e-9 : nonNegativeNumber(s.eps, `${field}.eps`);
  if (b1 === 0 && b2 === 0 && eps === 0) throw new ConfigError(field, 'Adam with β1 = β2 = ε = 0 divides by |g|');
  const adamSpec: OptimizerSpec = { kind, lr, beta1: b1, beta2: b2, eps };
  const st = stateFor(adamSpec, dim, field, state);
  const m = st.subarray(0, dim);
  const v = st.subarray(dim, 2 * dim);
  const T = 2 * dim; // st[T] = t, st[T + 1] = β1^t, st[T + 2] = β2^t
  return {
    spec: adamSpec,
    step(x, g) {
      st[T]++;
      const p1 = (st[T + 1] *= b1);
      const p2 = (st[T + 2] *= b2);
      for (let i = 0; i < dim; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const mh = m[i] / (1 - p1);
        const vh = v[i] / (1 - p2);
        x[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
      }
    },
  };
}

function stateFor(spec: OptimizerSpec, dim: number, field: string, state: Float64Array | undefined): Float64Array {
  if (state === undefined) return initialOptimizerState(spec, dim);
  const n = optimizerStateLength(spec, dim);
  if (!(state instanceof Float64Array) || state.length !== n) throw new ConfigError(`${field}.state`, `must be a Float64Array of length ${n} (initialOptimizerState), got ${state?.length}`);
  return state;
}
