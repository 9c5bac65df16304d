/**
 * The shared pieces of the classifier objectives (softmax.ts, mlp.ts, mnist.ts): the
 * `ClassificationObjective` shape and `classificationAccuracy`, the cross-entropy of class scores
 * and its derivative, validation of given data, and the Gaussian-mixture data generator.
 */
import { ConfigError } from '../../core/errors.ts';
import { finiteMatrix, finiteVector, integer, nonNegativeNumber, seedValue } from '../../core/validate.ts';
import { NormalSampler } from '../../random/normal.ts';
import { deriveEngine, uniformIndex } from '../../random/streams.ts';
import { exp, log } from '../../core/math/libm.ts';
import type { FiniteSumObjective } from '../objective.ts';

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

/** Given classification data: examples A (n rows of d numbers), integer labels in {0, …, C−1} and C. */
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
