/**
 * Multinomial (softmax) logistic regression with C classes, on given or generated data.
 *
 * Parameters x = W ∈ ℝ^{C×d} flattened row-major: x[c·d + j] = W[c][j] (no bias term; append a
 * constant-1 feature to A for one). With scores s = W a_i and labels y_i ∈ {0, …, C−1},
 *   f_i(W) = −log softmax(W a_i)[y_i] + (λ/2)‖W‖²_F = logΣ_c e^{s_c} − s_{y_i} + (λ/2)‖W‖²_F,
 *   ∇_W f_i = (p − e_{y_i}) a_iᵀ + λW,  p = softmax(s),
 * with the log-sum-exp evaluated after subtracting max_c s_c (no overflow for any finite W).
 * F is convex; L = λ_max(AᵀA/n)/2 + λ (the per-example Hessian block diag(p) − ppᵀ has norm
 * ≤ 1/2), μ = λ. For λ > 0, x* by damped Newton at construction when the problem is small
 * (dim²·n ≤ NEWTON_WORK); otherwise minimizer/minimum are left undefined.
 *
 * The pieces shared with the other classifiers (the `ClassificationObjective` shape, validation
 * of given data, the Gaussian-mixture generator, `classificationAccuracy`) are in classifier.ts.
 */
import { mlMatrix } from '../../core/ml-matrix.ts';
import { nonNegativeNumber } from '../../core/validate.ts';
import type { FiniteSumObjective } from '../objective.ts';
import { gramOverN, symmetricSpectrumBounds } from './data.ts';
import { crossEntropyOfScores, generatedClassificationFields, mixtureClassificationData, softmaxMinusOneHot, validateClassificationData, type ClassificationData, type ClassificationObjective } from './classifier.ts';

// ---------------------------------------------------------------------------------------------
// The softmax objective

export interface SoftmaxData extends ClassificationData {
  /** L2 regularization λ ≥ 0; default 0. */
  l2?: number;
}

/**
 * Softmax (multinomial logistic) regression with L2 weight λ on given data: the parameters are
 * the C×d class weights (dim = C·d, no biases).
 *
 * @param field - the prefix of field names in errors; default `'objective'`.
 * @throws {@link ConfigError} `objective.classes`, `objective.A`, `objective.labels[i]` (not a class
 * index), `objective.l2`.
 */
export function softmaxObjective(data: SoftmaxData, field = 'objective'): ClassificationObjective {
  const { A, labels, n, d, classes } = validateClassificationData(data, field);
  const l2 = data.l2 === undefined ? 0 : nonNegativeNumber(data.l2, `${field}.l2`);
  return buildSoftmax(A, labels, n, d, classes, l2, `softmax regression on given data (n = ${n}, d = ${d}, C = ${classes}, λ = ${l2})`);
}

/**
 * Generated data for {@link generatedSoftmax}: n examples in `d` dimensions, `classes` C ≥ 2.
 */
export interface GeneratedSoftmax {
  /** Number of examples n (balanced over the classes). */
  n: number;
  /** Feature dimension. */
  d: number;
  /** Number of classes C ≥ 2. */
  classes: number;
  /** Noise SD around the class center; default 1. */
  noise?: number;
  /** Class centers are separation·N(0, I_d); default 1. */
  separation?: number;
  /** L2 regularization λ ≥ 0; default 0.01. */
  l2?: number;
  /** Seed of the data; default 0. */
  seed?: number;
}

/**
 * Softmax regression on generated data: one center per class, μ_c ~ separation·N(0, I_d), exactly
 * balanced labels in random order, a_i = μ_{y_i} + noise·N(0, I_d) (mixtureClassificationData,
 * data stream 2). Defaults: noise 1, separation 1, λ = 0.01, seed 0.
 */
export function generatedSoftmax(spec: GeneratedSoftmax, field = 'objective'): ClassificationObjective {
  const { n, d, classes, noise, separation, seed } = generatedClassificationFields(spec, field, { noise: 1, separation: 1 });
  const l2 = spec.l2 === undefined ? 0.01 : nonNegativeNumber(spec.l2, `${field}.l2`);
  const { A, labels } = mixtureClassificationData({ n, d, classes, noise, separation, antipodal: false, seed, stream: 2 });
  return buildSoftmax(
    A, labels, n, d, classes, l2,
    `softmax regression, generated: C = ${classes} classes, centers ${separation}·N(0, I_${d}), a = center + ${noise}·N(0, I), n = ${n} balanced, λ = ${l2}, data seed ${seed}`,
  );
}

/** Above this dim²·n, the Newton minimizer is not computed at construction (≈ 0.1 s of work). */
const NEWTON_WORK = 2e8;

function buildSoftmax(A: Float64Array, labels: Int32Array, n: number, d: number, C: number, l2: number, description: string): ClassificationObjective {
  const dim = C * d;
  const s = new Float64Array(C); // scores, then probabilities (scratch)

  /** s ← W a_i; returns max_c s_c. */
  const scores = (x: Float64Array, i: number): number => {
    const off = i * d;
    let m = -Infinity;
    for (let c = 0; c < C; c++) {
      const w = c * d;
      let t = 0;
      for (let j = 0; j < d; j++) t += x[w + j] * A[off + j];
      s[c] = t;
      if (t > m) m = t;
    }
    return m;
  };
  /** s ← softmax(W a_i) − e_{y_i} (the data part of ∂f_i/∂s). */
  const residual = (x: Float64Array, i: number): void => softmaxMinusOneHot(s, C, scores(x, i), labels[i]);
  const loss = (x: Float64Array, i: number): number => crossEntropyOfScores(s, C, scores(x, i), labels[i]);
  const sqNorm = (x: Float64Array): number => {
    let r = 0;
    for (let k = 0; k < dim; k++) r += x[k] * x[k];
    return r;
  };

  const obj: ClassificationObjective = {
    name: 'softmax',
    description,
    dim,
    n,
    classes: C,
    features: d,
    A,
    labels,
    componentGradient(i, x, out) {
      residual(x, i);
      const off = i * d;
      for (let c = 0; c < C; c++) {
        const r = s[c];
        const w = c * d;
        for (let j = 0; j < d; j++) out[w + j] = r * A[off + j] + l2 * x[w + j];
      }
    },
    minibatchGradientSum(batch, count, x, out) {
      out.fill(0);
      for (let m = 0; m < count; m++) {
        const i = batch[m];
        residual(x, i);
        const off = i * d;
        // the same per-entry value as componentGradient, added in batch order: bit-identical sums
        for (let c = 0; c < C; c++) {
          const r = s[c];
          const w = c * d;
          for (let j = 0; j < d; j++) out[w + j] += r * A[off + j] + l2 * x[w + j];
        }
      }
    },
    value(x) {
      let t = 0;
      for (let i = 0; i < n; i++) t += loss(x, i);
      return t / n + 0.5 * l2 * sqNorm(x);
    },
    gradient(x, out) {
      out.fill(0);
      for (let i = 0; i < n; i++) {
        residual(x, i);
        const off = i * d;
        for (let c = 0; c < C; c++) {
          const r = s[c];
          const w = c * d;
          for (let j = 0; j < d; j++) out[w + j] += r * A[off + j];
        }
      }
      for (let k = 0; k < dim; k++) out[k] = out[k] / n + l2 * x[k];
    },
    predict(x, i) {
      scores(x, i);
      let best = 0;
      for (let c = 1; c < C; c++) if (s[c] > s[best]) best = c;
      return best;
    },
    lipschitz: symmetricSpectrumBounds(gramOverN(A, n, d)).max / 2 + l2,
    ...(l2 > 0 ? { strongConvexity: l2 } : {}),
  };
  if (l2 > 0 && dim * dim * n <= NEWTON_WORK) {
    const xs = newtonMinimizer(obj, A, labels, n, d, C, l2);
    if (xs) return { ...obj, minimizer: xs, minimum: obj.value(xs) };
  }
  return obj;
}

/**
 * Damped Newton on F (λ > 0: strongly convex): Hessian (1/n) Σ_i (diag(p_i) − p_i p_iᵀ) ⊗ a_i a_iᵀ + λI,
 * step halved until F decreases (Armijo). Returns x* once ‖∇F‖ < 1e-12, or undefined after 100
 * iterations.
 */
function newtonMinimizer(obj: FiniteSumObjective, A: Float64Array, labels: Int32Array, n: number, d: number, C: number, l2: number): Float64Array | undefined {
  const dim = C * d;
  let x = new Float64Array(dim);
  const g = new Float64Array(dim);
  const p = new Float64Array(C);
  const H = new Float64Array(dim * dim);
  const trial = new Float64Array(dim);
  let F = obj.value(x);
  for (let it = 0; it < 100; it++) {
    obj.gradient(x, g);
    let gn = 0;
    for (let k = 0; k < dim; k++) gn += g[k] * g[k];
    if (Math.sqrt(gn) < 1e-12) return x;
    H.fill(0);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      let m = -Infinity;
      for (let c = 0; c < C; c++) {
        let t = 0;
        for (let j = 0; j < d; j++) t += x[c * d + j] * A[off + j];
        p[c] = t;
        if (t > m) m = t;
      }
      let Z = 0;
      for (let c = 0; c < C; c++) {
        p[c] = Math.exp(p[c] - m);
        Z += p[c];
      }
      for (let c = 0; c < C; c++) p[c] /= Z;
      for (let c1 = 0; c1 < C; c1++) {
        for (let c2 = c1; c2 < C; c2++) {
          const w = (p[c1] * ((c1 === c2 ? 1 : 0) - p[c2])) / n;
          for (let j = 0; j < d; j++) {
            const wa = w * A[off + j];
            const row = (c1 * d + j) * dim + c2 * d;
            for (let k = 0; k < d; k++) H[row + k] += wa * A[off + k];
          }
        }
      }
    }
    const { Matrix, solve } = mlMatrix();
    const M = new Matrix(dim, dim);
    for (let c1 = 0; c1 < C; c1++) {
      for (let c2 = c1; c2 < C; c2++) {
        for (let j = 0; j < d; j++) {
          for (let k = 0; k < d; k++) {
            const v = H[(c1 * d + j) * dim + c2 * d + k];
            M.set(c1 * d + j, c2 * d + k, v);
            M.set(c2 * d + k, c1 * d + j, v);
          }
        }
      }
    }
    for (let k = 0; k < dim; k++) M.set(k, k, M.get(k, k) + l2);
    const step = solve(M, Matrix.columnVector(Array.from(g)));
    let slope = 0;
    for (let k = 0; k < dim; k++) slope += g[k] * step.get(k, 0);
    // Once the predicted decrease slope/2 is below the rounding error of F, F cannot judge a
    // step: take the full Newton step (quadratic convergence region).
    const tiny = slope < 1e-13 * Math.max(1, Math.abs(F));
    let t = 1;
    let accepted = false;
    for (let ls = 0; ls < 50; ls++) {
      for (let k = 0; k < dim; k++) trial[k] = x[k] - t * step.get(k, 0);
      const Ft = obj.value(trial);
      if (tiny || Ft <= F - 1e-4 * t * slope) {
        x = Float64Array.from(trial);
        F = Ft;
        accepted = true;
        break;
      }
      t /= 2;
    }
    // No decrease at any step length: at machine precision already; accept if ∇F is tiny.
    if (!accepted) return Math.sqrt(gn) < 1e-9 ? x : undefined;
  }
  return undefined;
}
