/**
 * A one-hidden-layer MLP classifier (tanh hidden units, softmax cross-entropy): a small,
 * genuinely non-convex finite sum standing in for a CNN / Transformer in staleness experiments.
 *
 * Parameter layout (flattened, in this order, each matrix row-major):
 *   W1 ∈ ℝ^{h×d}  at x[0 … hd),                x[k·d + j]          = W1[k][j]
 *   b1 ∈ ℝ^h      at x[hd … hd+h),             x[hd + k]           = b1[k]
 *   W2 ∈ ℝ^{C×h}  at x[hd+h … hd+h+Ch),        x[hd + h + c·h + k] = W2[c][k]
 *   b2 ∈ ℝ^C      at x[hd+h+Ch … hd+h+Ch+C),   dim = hd + h + Ch + C.
 * Model: u = tanh(W1 a + b1), s = W2 u + b2, and
 *   f_i(x) = −log softmax(s)[y_i] + (λ/2)‖x‖²   (weight decay on every parameter, biases included).
 * Backprop: δ2 = softmax(s) − e_{y_i}; ∇W2 = δ2 uᵀ, ∇b2 = δ2; δ1 = (W2ᵀ δ2) ⊙ (1 − u²);
 * ∇W1 = δ1 aᵀ, ∇b1 = δ1; plus λx. The log-sum-exp subtracts max_c s_c.
 *
 * At x = 0 every hidden unit is 0 and receives no gradient (∇W1, ∇b1, ∇W2 vanish since u = 0 and
 * W2 = 0; ∇b2 = mean(1/C − e_y) vanishes too when the classes are balanced, as generated): a
 * stationary point that is not a minimum, so start from `mlpInitialPoint`. Per-component work uses scratch allocated at construction, so
 * componentGradient / minibatchGradientSum / predict allocate nothing (and are not re-entrant).
 */
import { ConfigError } from '../../core/errors.ts';
import { integer, nonNegativeNumber, positiveNumber, seedValue } from '../../core/validate.ts';
import { MlpKernel } from '../../kernels/gradients.ts';
import { kernelBackend } from '../../kernels/index.ts';
import { tanh } from '../../core/math/libm.ts';
import { NormalSampler } from '../../random/normal.ts';
import { deriveEngine, StreamPurpose } from '../../random/streams.ts';
import { crossEntropyOfScores, generatedClassificationFields, softmaxMinusOneHot, mixtureClassificationData, validateClassificationData, type ClassificationData, type ClassificationObjective } from './classifier.ts';

/** The MLP objective: a classifier with its architecture and the scale used by mlpInitialPoint. */
export interface MlpObjective extends ClassificationObjective {
  readonly hidden: number;
  /** Scale s of the default initialization: N(0, s²/fan_in) weights, zero biases. */
  readonly initScale: number;
}

/**
 * Given data for {@link mlpObjective}: examples, labels and classes, plus the hidden width, L2 weight and
 * initialization scale.
 */
export interface MlpData extends ClassificationData {
  /** Number of hidden units h ≥ 1. */
  hidden: number;
  /** Weight decay λ ≥ 0 on all parameters; default 0. */
  l2?: number;
  /** See MlpObjective.initScale; default 1. */
  initScale?: number;
}

/**
 * A one-hidden-layer tanh MLP classifier (cross-entropy loss, weight decay λ) on given data.
 *
 * @param field - the prefix of field names in errors; default `'objective'`.
 * @throws {@link ConfigError} `objective.classes`, `objective.A`, `objective.labels[i]`,
 * `objective.hidden`, `objective.l2`, `objective.initScale`.
 */
export function mlpObjective(data: MlpData, field = 'objective'): MlpObjective {
  const { A, labels, n, d, classes } = validateClassificationData(data, field);
  const hidden = integer(data.hidden, `${field}.hidden`, { min: 1, max: 100_000 });
  const l2 = data.l2 === undefined ? 0 : nonNegativeNumber(data.l2, `${field}.l2`);
  const initScale = data.initScale === undefined ? 1 : positiveNumber(data.initScale, `${field}.initScale`);
  return buildMlp(A, labels, n, d, hidden, classes, l2, initScale, `MLP (tanh, h = ${hidden}) on given data (n = ${n}, d = ${d}, C = ${classes}, λ = ${l2})`, field);
}

/**
 * Generated data for {@link generatedMlp}: each class a mixture of two antipodal Gaussian centers (not
 * linearly separable).
 */
export interface GeneratedMlp {
  /** Number of examples n (balanced over the classes). */
  n: number;
  /** Feature dimension. */
  d: number;
  /** Hidden units h ≥ 1. */
  hidden: number;
  /** Number of classes C ≥ 2. */
  classes: number;
  /** Noise SD around a center; default 0.5. */
  noise?: number;
  /** Centers are ±separation·N(0, I_d); default 1. */
  separation?: number;
  /** Weight decay λ ≥ 0; default 1e-4. */
  l2?: number;
  /** Seed of the data; default 0. */
  seed?: number;
  /** See MlpObjective.initScale; default 1. */
  initScale?: number;
}

/**
 * The MLP on generated XOR-like data: class c is the 50/50 mixture of the antipodal centers ±μ_c,
 * μ_c ~ separation·N(0, I_d), a_i = ±μ_{y_i} + noise·N(0, I_d), exactly balanced labels in random
 * order (mixtureClassificationData with antipodal = true, data stream 3). Every class has mean 0,
 * so a linear (softmax) model stays near chance while the MLP can separate the classes.
 * Defaults: noise 0.5, separation 1, λ = 1e-4, seed 0, initScale 1. Difficulty grows with noise and
 * shrinks with d (n = 2000, h = 16, C = 4, seed 1; training accuracy of the best linear softmax model
 * with a bias / of the MLP after 1000 full-batch momentum-GD steps): d = 10, noise 0.5: 0.30 / 1.00;
 * d = 10, noise 1: 0.28 / 0.93; d = 5, noise 1: 0.36 / 0.82; d = 2, noise 0.5: 0.27 / 0.77.
 */
export function generatedMlp(spec: GeneratedMlp, field = 'objective'): MlpObjective {
  const { n, d, classes, noise, separation, seed } = generatedClassificationFields(spec, field, { noise: 0.5, separation: 1 });
  const hidden = integer(spec.hidden, `${field}.hidden`, { min: 1, max: 100_000 });
  const l2 = spec.l2 === undefined ? 1e-4 : nonNegativeNumber(spec.l2, `${field}.l2`);
  const initScale = spec.initScale === undefined ? 1 : positiveNumber(spec.initScale, `${field}.initScale`);
  const { A, labels } = mixtureClassificationData({ n, d, classes, noise, separation, antipodal: true, seed, stream: 3 });
  return buildMlp(
    A, labels, n, d, hidden, classes, l2, initScale,
    `MLP (tanh, h = ${hidden}), generated: C = ${classes} classes, each the mixture of ±${separation}·N(0, I_${d}) centers, a = center + ${noise}·N(0, I), n = ${n} balanced, λ = ${l2}, data seed ${seed}`,
    field,
  );
}

/**
 * A seeded random starting point: W1 ~ N(0, s²/d), W2 ~ N(0, s²/h) (LeCun-style, s = obj.initScale
 * unless `scale` is given), b1 = b2 = 0. Drawn from the seed's StreamPurpose.user stream 1, W1
 * then W2 row-major.
 */
export function mlpInitialPoint(obj: MlpObjective, seed: number, scale?: number): Float64Array {
  const s = seedValue(seed, 'seed');
  const sc = scale === undefined ? obj.initScale : positiveNumber(scale, 'scale');
  const h = obj.hidden;
  const d = obj.features;
  const C = obj.classes;
  const x = new Float64Array(obj.dim);
  const z = new NormalSampler(deriveEngine(s, StreamPurpose.user, 1));
  z.fill(x.subarray(0, h * d), sc / Math.sqrt(d));
  z.fill(x.subarray(h * d + h, h * d + h + C * h), sc / Math.sqrt(h));
  return x;
}

function buildMlp(A: Float64Array, labels: Int32Array, n: number, d: number, h: number, C: number, l2: number, initScale: number, description: string, field: string): MlpObjective {
  const oB1 = h * d;
  const oW2 = oB1 + h;
  const oB2 = oW2 + C * h;
  const dim = oB2 + C;
  if (dim > 2 ** 26) throw new ConfigError(`${field}.hidden`, `gives ${dim} parameters (more than 2^26)`);
  // scratch
  const u = new Float64Array(h); // hidden activations
  const s = new Float64Array(C); // scores, then δ2
  const g1 = new Float64Array(h); // W2ᵀ δ2 (δ1 = g1 ⊙ (1 − u²))
  const gOne = new Float64Array(dim); // one component gradient (addMeanGradient)

  /** u, s for example i; returns max_c s_c. */
  const forward = (x: Float64Array, i: number): number => {
    const off = i * d;
    for (let k = 0; k < h; k++) {
      const w = k * d;
      let t = x[oB1 + k];
      for (let j = 0; j < d; j++) t += x[w + j] * A[off + j];
      u[k] = tanh(t);
    }
    let m = -Infinity;
    for (let c = 0; c < C; c++) {
      const w = oW2 + c * h;
      let t = x[oB2 + c];
      for (let k = 0; k < h; k++) t += x[w + k] * u[k];
      s[c] = t;
      if (t > m) m = t;
    }
    return m;
  };
  /** forward, then s ← δ2 = softmax(s) − e_{y_i}. */
  const outputDelta = (x: Float64Array, i: number): void => softmaxMinusOneHot(s, C, forward(x, i), labels[i]);
  const loss = (x: Float64Array, i: number): number => crossEntropyOfScores(s, C, forward(x, i), labels[i]);
  // The three gradient loops below (write, add with λx, add without) share one structure: one pass
  // over W2 writes ∇W2, ∇b2 and accumulates g1 = W2ᵀδ2 (c ascending), then one pass over W1 with
  // δ1 = g1 ⊙ (1 − u²). Each entry's value is the same expression in componentGradient and
  // minibatchGradientSum, so the fused sum is bit-identical to summing componentGradient.

  // the WebAssembly kernel of the loss and the worker gradient (src/kernels/assembly/mlp.ts): the
  // same arithmetic as the code below, which is its TypeScript fallback
  let kernel: MlpKernel | undefined;
  const wasm = () => kernelBackend() === 'wasm-simd';
  const obj: MlpObjective = {
    name: 'mlp',
    description,
    dim,
    n,
    classes: C,
    features: d,
    hidden: h,
    initScale,
    A,
    labels,
    componentGradient(i, x, out) {
      outputDelta(x, i);
      g1.fill(0);
      for (let c = 0; c < C; c++) {
        const r = s[c];
        const w = oW2 + c * h;
        for (let k = 0; k < h; k++) {
          const xw = x[w + k];
          g1[k] += xw * r;
          out[w + k] = r * u[k] + l2 * xw;
        }
        out[oB2 + c] = r + l2 * x[oB2 + c];
      }
      const off = i * d;
      for (let k = 0; k < h; k++) {
        const uk = u[k];
        const r = g1[k] * (1 - uk * uk);
        const w = k * d;
        for (let j = 0; j < d; j++) out[w + j] = r * A[off + j] + l2 * x[w + j];
        out[oB1 + k] = r + l2 * x[oB1 + k];
      }
    },
    minibatchGradientSum(batch, count, x, out) {
      out.fill(0);
      for (let m = 0; m < count; m++) {
        const i = batch[m];
        outputDelta(x, i);
        g1.fill(0);
        for (let c = 0; c < C; c++) {
          const r = s[c];
          const w = oW2 + c * h;
          for (let k = 0; k < h; k++) {
            const xw = x[w + k];
            g1[k] += xw * r;
            out[w + k] += r * u[k] + l2 * xw;
          }
          out[oB2 + c] += r + l2 * x[oB2 + c];
        }
        const off = i * d;
        for (let k = 0; k < h; k++) {
          const uk = u[k];
          const r = g1[k] * (1 - uk * uk);
          const w = k * d;
          for (let j = 0; j < d; j++) out[w + j] += r * A[off + j] + l2 * x[w + j];
          out[oB1 + k] += r + l2 * x[oB1 + k];
        }
      }
    },
    addMeanGradient(batch, count, x, out, offset) {
      if (wasm()) {
        (kernel ??= new MlpKernel(A, labels, n, d, h, C, l2)).gradMeanAdd(batch, count, x, out, offset);
        return;
      }
      for (let m = 0; m < count; m++) {
        obj.componentGradient(batch[m], x, gOne);
        for (let k = 0; k < dim; k++) out[offset + k] += gOne[k] / count;
      }
    },
    value(x) {
      if (wasm()) return (kernel ??= new MlpKernel(A, labels, n, d, h, C, l2)).value(x);
      let t = 0;
      for (let i = 0; i < n; i++) t += loss(x, i);
      let r = 0;
      for (let k = 0; k < dim; k++) r += x[k] * x[k];
      return t / n + 0.5 * l2 * r;
    },
    gradient(x, out) {
      out.fill(0);
      for (let i = 0; i < n; i++) {
        outputDelta(x, i);
        g1.fill(0);
        for (let c = 0; c < C; c++) {
          const r = s[c];
          const w = oW2 + c * h;
          for (let k = 0; k < h; k++) {
            g1[k] += x[w + k] * r;
            out[w + k] += r * u[k];
          }
          out[oB2 + c] += r;
        }
        const off = i * d;
        for (let k = 0; k < h; k++) {
          const uk = u[k];
          const r = g1[k] * (1 - uk * uk);
          const w = k * d;
          for (let j = 0; j < d; j++) out[w + j] += r * A[off + j];
          out[oB1 + k] += r;
        }
      }
      for (let k = 0; k < dim; k++) out[k] = out[k] / n + l2 * x[k];
    },
    predict(x, i) {
      forward(x, i);
      let best = 0;
      for (let c = 1; c < C; c++) if (s[c] > s[best]) best = c;
      return best;
    },
  };
  return obj;
}

/** Convenience: view x as { W1, b1, W2, b2 } subarrays (no copy), following the layout above. */
export function mlpParameters(obj: Pick<MlpObjective, 'hidden' | 'features' | 'classes' | 'dim'>, x: Float64Array): { W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array } {
  if (x.length !== obj.dim) throw new ConfigError('x', `must have length ${obj.dim}, got ${x.length}`);
  const h = obj.hidden;
  const d = obj.features;
  const C = obj.classes;
  return {
    W1: x.subarray(0, h * d),
    b1: x.subarray(h * d, h * d + h),
    W2: x.subarray(h * d + h, h * d + h + C * h),
    b2: x.subarray(h * d + h + C * h, h * d + h + C * h + C),
  };
}
