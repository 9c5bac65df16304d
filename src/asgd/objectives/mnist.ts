/**
 * Objectives on MNIST (src/data/mnist.ts): softmax regression over the chosen digits, logistic
 * regression or least squares on two digits (labels −1 for the first digit, +1 for the second),
 * the one-hidden-layer tanh MLP, or the small CNN (on the 28×28 pixel grid, not on principal
 * components: a convolution needs the image). The data's provenance (digits, images per digit, projection,
 * scaling) becomes the objective's description, so it reaches every result file and caption.
 */
import { ConfigError } from '../../core/errors.ts';
import { integer, knownFields, nonNegativeNumber, oneOf, plainObject, positiveNumber } from '../../core/validate.ts';
import { loadMnist, type MnistSpec, validateMnistSpec } from '../../data/mnist.ts';
import type { FiniteSumObjective } from '../objective.ts';
import { leastSquaresObjective } from './least-squares.ts';
import { logisticObjective } from './logistic.ts';
import { type CnnObjective, cnnObjective } from './cnn.ts';
import { type MlpObjective, mlpObjective } from './mlp.ts';
import type { ClassificationObjective } from './classifier.ts';
import { softmaxObjective } from './softmax.ts';

/**
 * The models {@link mnistObjective} builds on MNIST.
 */
export const MNIST_MODELS = ['softmax', 'logistic', 'least-squares', 'mlp', 'cnn'] as const;
/**
 * One of {@link MNIST_MODELS}.
 */
export type MnistModel = (typeof MNIST_MODELS)[number];

/**
 * What {@link mnistObjective} takes: the data ({@link MnistSpec}: digits, perDigit, dim, scaling) and the model.
 */
export interface MnistObjectiveSpec extends MnistSpec {
  /** Which model: 'softmax', 'logistic' (two digits), 'least-squares' (two digits), 'mlp' or 'cnn' (needs dim 784: the pixel grid). */
  model: MnistModel;
  /**
   * L2 regularization λ ≥ 0 (weight decay for the MLP and the CNN); default 0.01, 1e-4 for the CNN
   * (its (λ/2)‖x‖² at cnnInitialPoint is about 33λ, which 0.01 would make larger than a 0.05
   * cross-entropy target), 0 for least squares, which takes none.
   */
  l2?: number;
  /** Hidden units of the MLP or of the CNN's dense layer; default 32. */
  hidden?: number;
  /** MLP / CNN initialization scale; default 1. */
  initScale?: number;
  /** CNN kernel size k; default 5 (see {@link cnnObjective}). */
  kernel?: number;
  /** CNN channels [c1, c2]; default [8, 16]. */
  channels?: [number, number];
}

function rows(A: Float64Array, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * d, (i + 1) * d)));
}

/** The objective type of each model: the classifiers report accuracy; the MLP and the CNN have their initializers. */
export type MnistObjectiveOf<M extends MnistModel> = M extends 'mlp' ? MlpObjective : M extends 'cnn' ? CnnObjective : M extends 'softmax' ? ClassificationObjective : FiniteSumObjective;

/**
 * An objective on real MNIST digits (the optional `mnist` package): softmax regression over the requested
 * digits, logistic regression or least squares on two digits (first → −1, second → +1), a tanh MLP,
 * or the small CNN of {@link cnnObjective} on the 28×28 images (their 784 pixels, scaled as `scaling` says).
 * Loaded with {@link loadMnist} (PCA features by default); deterministic, nothing downloaded.
 *
 * @param field - the prefix of field names in errors; default `'objective'`.
 * @throws {@link ConfigError} `objective.model`, `objective.digits` (not exactly two for logistic and
 * least squares), `objective.dim` (other than 784 for the CNN), `objective.l2`, `objective.hidden`,
 * `objective.initScale`, `objective.kernel`, `objective.channels`, the data fields of
 * {@link loadMnist}, and `objective` when the `mnist` package is not installed.
 * @example
 * ```ts
 * import { mnistObjective, classificationAccuracy } from 'asgd-sdde';
 *
 * const sm = mnistObjective({ model: 'softmax', digits: [0, 1, 2], perDigit: 100, dim: 20 });
 * console.log(sm.n, sm.dim, classificationAccuracy(sm, new Float64Array(sm.dim))); // at x = 0 every class ties: one in three right
 * //> 300 60 0.3333333333333333
 * ```
 */
export function mnistObjective<M extends MnistModel>(spec: MnistObjectiveSpec & { model: M }, field = 'objective'): MnistObjectiveOf<M> {
  const s = plainObject(spec, field);
  const model = oneOf(s.model, `${field}.model`, MNIST_MODELS);
  knownFields(s, field, ['kind', 'model', 'digits', 'perDigit', 'dim', 'scaling', ...(model === 'least-squares' ? [] : ['l2']), ...(model === 'mlp' || model === 'cnn' ? ['hidden', 'initScale'] : []), ...(model === 'cnn' ? ['kernel', 'channels'] : [])]);
  const { kind: _kind, model: _model, l2: l2Raw, hidden: hiddenRaw, initScale: initRaw, kernel, channels, ...dataSpec } = s;
  const v = validateMnistSpec(dataSpec, field);
  if ((model === 'logistic' || model === 'least-squares') && v.digits.length !== 2) {
    throw new ConfigError(`${field}.digits`, `${model} on MNIST is binary: give exactly two digits (labels −1, +1), got ${v.digits.length}`);
  }
  if (model === 'cnn' && v.dim !== 784) throw new ConfigError(`${field}.dim`, `the CNN convolves the 28×28 image grid: leave dim at 784 (no principal-component projection), got ${v.dim}`);
  const l2 = l2Raw === undefined ? (model === 'cnn' ? 1e-4 : 0.01) : nonNegativeNumber(l2Raw, `${field}.l2`);
  const hidden = hiddenRaw === undefined ? 32 : integer(hiddenRaw, `${field}.hidden`, { min: 1, max: 100_000 });
  const initScale = initRaw === undefined ? 1 : positiveNumber(initRaw, `${field}.initScale`);
  const data = loadMnist(dataSpec as MnistSpec, field);
  const A = rows(data.A, data.n, data.d);
  const pm = Array.from(data.labels, (c) => (c === 0 ? -1 : 1));
  let obj: FiniteSumObjective;
  let what: string;
  switch (model) {
    case 'softmax':
      obj = softmaxObjective({ A, labels: Array.from(data.labels), classes: data.digits.length, l2 }, field);
      what = `softmax regression (λ = ${l2})`;
      break;
    case 'logistic':
      obj = logisticObjective({ A, y: pm, l2 }, field);
      what = `logistic regression, digit ${data.digits[0]} → −1, ${data.digits[1]} → +1 (λ = ${l2})`;
      break;
    case 'least-squares':
      obj = leastSquaresObjective({ A, B: pm }, field);
      what = `least squares on labels digit ${data.digits[0]} → −1, ${data.digits[1]} → +1`;
      break;
    case 'mlp':
      obj = mlpObjective({ A, labels: Array.from(data.labels), classes: data.digits.length, hidden, l2, initScale }, field);
      what = `one-hidden-layer tanh MLP (h = ${hidden}, λ = ${l2})`;
      break;
    case 'cnn': {
      const cnn = cnnObjective({ A, labels: Array.from(data.labels), classes: data.digits.length, height: 28, width: 28, hidden, l2, initScale, kernel: kernel as number | undefined, channels: channels as [number, number] | undefined }, field);
      obj = cnn;
      what = `${cnn.description.replace(/ on given .*$/, '')} with λ = ${l2} (28×28 pixel grid)`;
      break;
    }
  }
  return Object.assign(obj, { description: `${what} on ${data.provenance}` }) as MnistObjectiveOf<M>;
}
