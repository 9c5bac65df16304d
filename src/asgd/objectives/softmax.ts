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
 * Also the shared pieces of the classifier objectives (mlp.ts reuses them): the
 * `ClassificationObjective` shape, validation of given data, the Gaussian-mixture data generator,
 * and `classificationAccuracy`.
 */
import { mlMatrix } from '../../core/ml-matrix.ts';
import { ConfigError } from '../../core/errors.ts';
import { finiteMatrix, finiteVector, integer, nonNegativeNumber, seedValue } from '../../core/validate.ts';
import { NormalSampler } from '../../random/normal.ts';
import { deriveEngine, uniformIndex } from '../../random/streams.ts';
import { exp, log } from '../../core/math/libm.ts';
import type { FiniteSumObjective } from '../objective.ts';
import { gramOverN, symmetricSpectrumBounds } from './data.ts';

/** A finite-sum classifier objective: component i is the loss on example (a_i, y_i). */
export interface ClassificationObjective extends FiniteSumObjective {
  /** Number of classes C ≥ 2. */
  readonly classes: number;
  /** Feature dimension d of the examples a_i. */
  readonly features: number;
  /** The examples, row-major n×d (shared with the objective: do not modify). */
  readonly A: Float64Array;
  /** Labels y_i ∈ {0, …, C−1} (shared: do not modify). */
  readonly labels: Int32Array;
  /** The predicted class of example i at parameters x: argmax of the class scores (ties → lowest class). */
  readonly predict: (x: Float64Array, i: number) => number;
}

/** True when `obj` is a classifier (softmax, mlp): it has labels and a predict function. */
export function isClassificationObjective(obj: FiniteSumObjective): obj is ClassificationObjective {
  const o = obj as Partial<ClassificationObjective>;
  return typeof o.predict === 'function' && o.labels instanceof Int32Array && typeof o.classes === 'number';
}

/** Fraction of the n examples whose predicted class equals the label, at parameters x. */
export function classificationAccuracy(obj: FiniteSumObjective, x: Float64Array, field = 'objective'): number {
  if (!isClassificationObjective(obj)) throw new ConfigError(field, `objective '${obj.name}' is not a classifier (no labels/predict)`);
  if (x.length !== obj.dim) throw new ConfigError('x', `must have length ${obj.dim}, got ${x.length}`);
  let correct = 0;
  for (let i = 0; i < obj.n; i++) if (obj.predict(x, i) === obj.labels[i]) correct++;
  return correct / obj.n;
}

// ---------------------------------------------------------------------------------------------
// Given data

/**
 * s ← softmax(s) − e_label in place, where m = max_c s_c (the log-sum-exp shift): the derivative
 * of the cross-entropy with respect to the scores. Shared by the softmax and MLP objectives; exp
 * and log here are fdlibm's (src/core/math/libm.ts), as in the MLP kernel.
 */
export function softmaxMinusOneHot(s: Float64Array, C: number, m: number, label: number): void {
  let Z = 0;
  for (let c = 0; c < C; c++) {
    const e = exp(s[c] - m);
    s[c] = e;
    Z += e;
  }
  const inv = 1 / Z;
  for (let c = 0; c < C; c++) s[c] *= inv;
  s[label] -= 1;
}

/** −log softmax(s)[label] = m + log Σ_c e^{s_c − m} − s_label, with m = max_c s_c. */
export function crossEntropyOfScores(s: Float64Array, C: number, m: number, label: number): number {
  let Z = 0;
  for (let c = 0; c < C; c++) Z += exp(s[c] - m);
  return m + log(Z) - s[label];
}

export interface ClassificationData {
  /** Examples, n rows of d numbers. */
  A: number[][];
  /** Labels, integers in {0, …, classes−1}. */
  labels: number[];
  /** Number of classes C ≥ 2. */
  classes: number;
}

/** Validate given classification data; every refusal is a ConfigError naming `${field}.…`. */
export function validateClassificationData(data: ClassificationData, field: string): { A: Float64Array; labels: Int32Array; n: number; d: number; classes: number } {
  if (typeof data !== 'object' || data === null) throw new ConfigError(field, 'must be an object with A, labels, classes');
  const classes = integer(data.classes, `${field}.classes`, { min: 2, max: 100_000 });
  if (!Array.isArray(data.A) || data.A.length === 0) throw new ConfigError(`${field}.A`, 'must be a non-empty array of rows');
  const n = data.A.length;
  const d = Array.isArray(data.A[0]) ? data.A[0].length : 0;
  if (d === 0) throw new ConfigError(`${field}.A[0]`, 'must be a non-empty row');
  const A = finiteMatrix(data.A, `${field}.A`, n, d);
  const y = finiteVector(data.labels, `${field}.labels`, n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= classes) throw new ConfigError(`${field}.labels[${i}]`, `must be an integer class in [0, ${classes - 1}], got ${y[i]}`);
    labels[i] = y[i];
  }
  return { A, labels, n, d, classes };
}

// ---------------------------------------------------------------------------------------------
// Generated data

/** Options of the Gaussian-mixture generator. */
export interface MixtureDataOptions {
  n: number;
  d: number;
  classes: number;
  /** SD of the isotropic Gaussian noise around a center. */
  noise: number;
  /** Center scale: centers are separation·N(0, I_d). */
  separation: number;
  /**
   * false: one center μ_c per class (linearly separable up to noise). true: class c is the
   * 50/50 mixture of the antipodal pair ±μ_c, so every class has mean 0 and no linear classifier
   * beats chance by much (an XOR-like problem that needs a non-linear model).
   */
  antipodal: boolean;
  seed: number;
  /** Data stream of the seed (least squares 0, logistic 1, softmax 2, mlp 3). */
  stream: number;
}

/**
 * Gaussian class-mixture data from the seed's data stream `stream`, drawn in this order:
 * 1. centers μ_c = separation·z (C×d standard normals, class by class);
 * 2. labels: exactly balanced (class counts ⌊n/C⌋ or ⌈n/C⌉: the list i mod C) in a uniformly
 *    random order (Fisher–Yates with uniformIndex);
 * 3. per example i in order: (antipodal only) a sign σ_i = ±1 with probability ½ each, then
 *    a_i = σ_i μ_{y_i} + noise·z (d standard normals).
 */
export function mixtureClassificationData(o: MixtureDataOptions): { A: Float64Array; labels: Int32Array; centers: Float64Array } {
  const { n, d, classes, noise, separation, antipodal } = o;
  const engine = deriveEngine(o.seed, 'data', o.stream);
  const z = new NormalSampler(engine);
  const centers = new Float64Array(classes * d);
  z.fill(centers, separation);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % classes;
  for (let i = n - 1; i > 0; i--) {
    const j = uniformIndex(engine, i + 1);
    const t = labels[i];
    labels[i] = labels[j];
    labels[j] = t;
  }
  const A = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const sign = antipodal && uniformIndex(engine, 2) === 1 ? -1 : 1;
    const off = labels[i] * d;
    for (let j = 0; j < d; j++) A[i * d + j] = sign * centers[off + j] + noise * z.next();
  }
  return { A, labels, centers };
}

/** Validated common fields of a generated classifier spec. */
export function generatedClassificationFields(
  spec: { n: unknown; d: unknown; classes: unknown; noise?: unknown; separation?: unknown; seed?: unknown },
  field: string,
  defaults: { noise: number; separation: number },
): { n: number; d: number; classes: number; noise: number; separation: number; seed: number } {
  if (typeof spec !== 'object' || spec === null) throw new ConfigError(field, 'must be an object');
  const n = integer(spec.n, `${field}.n`, { min: 1, max: 10_000_000 });
  const d = integer(spec.d, `${field}.d`, { min: 1, max: 10_000 });
  const classes = integer(spec.classes, `${field}.classes`, { min: 2, max: 100_000 });
  if (n * d > 2 ** 27) throw new ConfigError(`${field}.n`, `n·d = ${n * d} numbers of data is more than 2^27`);
  const noise = spec.noise === undefined ? defaults.noise : nonNegativeNumber(spec.noise, `${field}.noise`);
  const separation = spec.separation === undefined ? defaults.separation : nonNegativeNumber(spec.separation, `${field}.separation`);
  const seed = spec.seed === undefined ? 0 : seedValue(spec.seed, `${field}.seed`);
  return { n, d, classes, noise, separation, seed };
}

// ---------------------------------------------------------------------------------------------
// The softmax objective

export interface SoftmaxData extends ClassificationData {
  /** L2 regularization λ ≥ 0; default 0. */
  l2?: number;
}

export function softmaxObjective(data: SoftmaxData, field = 'objective'): ClassificationObjective {
  const { A, labels, n, d, classes } = validateClassificationData(data, field);
  const l2 = data.l2 === undefined ? 0 : nonNegativeNumber(data.l2, `${field}.l2`);
  return buildSoftmax(A, labels, n, d, classes, l2, `softmax regression on given data (n = ${n}, d = ${d}, C = ${classes}, λ = ${l2})`);
}

export interface GeneratedSoftmax {
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
