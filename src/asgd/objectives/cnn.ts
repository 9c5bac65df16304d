/**
 * A small convolutional network classifier (softmax cross-entropy): the non-convex model of
 * MindTheStep's Fig. 3 (Bäckström et al. 2019 train a 4-convolution CNN on CIFAR-10; CIFAR-10 is
 * not available here, so this is a two-convolution, two-dense-layer CNN on MNIST's 28×28 images).
 *
 * Architecture (single-channel H×W images, k×k kernels, valid convolutions):
 *   conv(k, c1) → 2×2 average pool → tanh → conv(k, c2) → 2×2 average pool → tanh →
 *   dense(h) → tanh → dense(C) → softmax,
 * f_i(x) = −log softmax(s)[y_i] + (λ/2)‖x‖² (weight decay on every parameter, biases included).
 * Why this form (LeCun et al. 1998's LeNet-5 order: convolution, subsampling, squashing):
 *  - tanh and average pooling make every f_i smooth (C^∞), unlike ReLU and max pooling: the
 *    central finite differences of the gradient tests converge, and the drift of the SDDE bridge
 *    (He et al. 2018) is differentiable, as its theory assumes; tanh is also the MLP's activation.
 *  - A convolution followed by a 2×2 average pool equals a stride-2 convolution of the input's
 *    stride-1 2×2 averages: computed that way, the network costs four times fewer multiply-adds,
 *    and pooling before the activation needs four times fewer tanh.
 * Default size for MNIST (k = 5, c1 = 8, c2 = 16, h = 32; 28 → 12 → 4 pooled maps, 256 features):
 * 11 978 parameters. One forward and backward pass takes about 195 µs of one core per example in
 * WebAssembly and 630 µs in the TypeScript fallback (forward only: 72 and 275 µs), so a pass
 * over 10 000 images takes about 2 s (WebAssembly) — measured by scripts/bench-cnn.ts (CPU
 * time, best of 5) on the project's 2-core Xeon while other jobs loaded it (load average 5–8).
 * Twice the channels and hidden units ([16, 32], h = 64: 46 730 parameters) cost 630 and
 * 2 050 µs per example (6.3 s per pass in WebAssembly): inside the 5–10 s per pass that a study
 * of many runs can afford on two cores, but only just, hence the smaller default.
 *
 * Parameter layout (flattened in this order, each block row-major): K1 (c1×k×k), b1 (c1),
 * K2 (c2×c1×k×k), b2 (c2), W3 (h×F), b3 (h), W4 (C×h), b4 (C), F = c2·P2h·P2w
 * (src/kernels/cnn-shape.ts). Loss and gradients run in the kernels (src/kernels/assembly/cnn.ts,
 * WebAssembly SIMD, with the bit-identical TypeScript twin src/kernels/cnn-fallback.ts).
 *
 * At x = 0 every hidden activation is 0 and no weight receives a gradient: start from
 * `cnnInitialPoint`. Not re-entrant (scratch in the kernel instance).
 */
import { ConfigError } from '../../core/errors.ts';
import { integer, nonNegativeNumber, positiveNumber, seedValue } from '../../core/validate.ts';
import { CnnKernel } from '../../kernels/cnn-kernel.ts';
import { cnnShape } from '../../kernels/cnn-shape.ts';
import { NormalSampler } from '../../random/normal.ts';
import { deriveEngine, StreamPurpose } from '../../random/streams.ts';
import { type ClassificationData, type ClassificationObjective, generatedClassificationFields, mixtureClassificationData, validateClassificationData } from './classifier.ts';

/** The CNN's sizes beyond the image: kernel size, channels of the two convolutions, hidden units, weight decay, init scale. */
export interface CnnArchitecture {
  /** Kernel size k of both convolutions (k×k); default 5. */
  kernel?: number;
  /** Channels [c1, c2] of the first and second convolution; default [8, 16]. */
  channels?: [number, number];
  /** Units h of the hidden dense layer; default 32. */
  hidden?: number;
  /** Weight decay λ ≥ 0 on all parameters; default 0 (given data), 1e-4 (generated data). */
  l2?: number;
  /** Scale s of cnnInitialPoint: N(0, s²/fan_in) weights; default 1. */
  initScale?: number;
}

/** The CNN objective: a classifier with its image size and architecture. */
export interface CnnObjective extends ClassificationObjective {
  /** Image height in pixels (features = height·width). */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Kernel size k. */
  readonly kernel: number;
  /** Channels [c1, c2]. */
  readonly channels: readonly [number, number];
  /** Hidden units h. */
  readonly hidden: number;
  /** Weight decay λ. */
  readonly l2: number;
  /** Scale of cnnInitialPoint. */
  readonly initScale: number;
}

/** Given images for {@link cnnObjective}: each row of A is one image, height·width pixels row by row. */
export interface CnnData extends ClassificationData, CnnArchitecture {
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
}

/**
 * The CNN on given images (rows of A, height·width pixels each, row by row).
 *
 * @param field - the prefix of field names in errors; default `'objective'`.
 * @throws {@link ConfigError} `objective.classes`, `objective.A` (rows not height·width long),
 * `objective.labels[i]`, `objective.height`, `objective.width` (too small for two k×k convolutions
 * with pooling: at least 3k + 1), `objective.kernel`, `objective.channels`, `objective.hidden`,
 * `objective.l2`, `objective.initScale`.
 */
export function cnnObjective(data: CnnData, field = 'objective'): CnnObjective {
  const { A, labels, n, d, classes } = validateClassificationData(data, field);
  const height = integer(data.height, `${field}.height`, { min: 1, max: 4096 });
  const width = integer(data.width, `${field}.width`, { min: 1, max: 4096 });
  if (d !== height * width) throw new ConfigError(`${field}.A`, `rows must hold height·width = ${height * width} pixels, got ${d}`);
  const arch = architecture(data, field, height, width, classes, 0);
  return buildCnn(A, labels, n, height, width, classes, arch, `CNN (${describeArch(arch)}) on given ${height}×${width} images (n = ${n}, C = ${classes}, λ = ${arch.l2})`);
}

/** Generated images for {@link generatedCnn}. */
export interface GeneratedCnn extends CnnArchitecture {
  /** Number of images n (balanced over the classes). */
  n: number;
  /** Image side in pixels (square images); at least 3·kernel + 1. */
  size: number;
  /** Number of classes C ≥ 2. */
  classes: number;
  /** Noise SD around a class template; default 1. */
  noise?: number;
  /** Templates are separation·N(0, I); default 1. */
  separation?: number;
  /** Seed of the data; default 0. */
  seed?: number;
}

/**
 * The CNN on generated images, for tests and quick runs without the `mnist` package: class c has
 * a template image μ_c ~ separation·N(0, I_{size²}), an image of class y is μ_y + noise·N(0, I),
 * labels exactly balanced in random order (mixtureClassificationData, data stream 4). Defaults:
 * noise 1, separation 1, λ = 1e-4, seed 0, the architecture defaults of {@link CnnArchitecture}.
 *
 * @throws {@link ConfigError} `objective.n`, `objective.size`, `objective.classes`, `objective.noise`,
 * `objective.separation`, `objective.seed` and the architecture fields, as {@link cnnObjective}.
 * @example
 * ```ts
 * import { cnnInitialPoint, generatedCnn } from 'asgd-sdde';
 *
 * const cnn = generatedCnn({ n: 100, size: 12, classes: 3, kernel: 3, channels: [3, 4], hidden: 8, seed: 1 });
 * const x = cnnInitialPoint(cnn, 1);
 * console.log(cnn.dim, cnn.value(x).toFixed(3)); // the parameters, and F at the start: near log 3 ≈ 1.1 (chance)
 * //> 209 1.059
 * ```
 */
export function generatedCnn(spec: GeneratedCnn, field = 'objective'): CnnObjective {
  if (typeof spec !== 'object' || spec === null) throw new ConfigError(field, 'must be an object');
  const size = integer(spec.size, `${field}.size`, { min: 1, max: 4096 });
  const { n, d, classes, noise, separation, seed } = generatedClassificationFields({ ...spec, d: size * size }, field, { noise: 1, separation: 1 });
  const arch = architecture(spec, field, size, size, classes, 1e-4, 'size');
  const { A, labels } = mixtureClassificationData({ n, d, classes, noise, separation, antipodal: false, seed, stream: 4 });
  return buildCnn(A, labels, n, size, size, classes, arch, `CNN (${describeArch(arch)}), generated ${size}×${size} images: C = ${classes} class templates ${separation}·N(0, I) plus ${noise}·N(0, I) noise, n = ${n} balanced, λ = ${arch.l2}, data seed ${seed}`);
}

/**
 * A seeded random starting point: every weight N(0, s²/fan_in) (LeCun-style; fan_in k² for K1,
 * c1·k² for K2, F for W3, h for W4; s = obj.initScale unless `scale` is given), biases 0. Drawn
 * from the seed's StreamPurpose.user stream 1, K1, K2, W3, W4 in order, each row-major.
 */
export function cnnInitialPoint(obj: CnnObjective, seed: number, scale?: number): Float64Array {
  const s = seedValue(seed, 'seed');
  const sc = scale === undefined ? obj.initScale : positiveNumber(scale, 'scale');
  const k = obj.kernel;
  const [c1, c2] = obj.channels;
  const sh = cnnShape(obj.height, obj.width, k, c1, c2, obj.hidden, obj.classes);
  const x = new Float64Array(sh.dim);
  const z = new NormalSampler(deriveEngine(s, StreamPurpose.user, 1));
  z.fill(x.subarray(sh.oK1, sh.oB1), sc / Math.sqrt(k * k));
  z.fill(x.subarray(sh.oK2, sh.oB2), sc / Math.sqrt(c1 * k * k));
  z.fill(x.subarray(sh.oW3, sh.oB3), sc / Math.sqrt(sh.F));
  z.fill(x.subarray(sh.oW4, sh.oB4), sc / Math.sqrt(obj.hidden));
  return x;
}

interface Arch {
  kernel: number;
  channels: [number, number];
  hidden: number;
  l2: number;
  initScale: number;
}

/** Validated architecture; `sizeField` names the image field the size error points at. */
function architecture(a: CnnArchitecture, field: string, H: number, W: number, C: number, l2Default: number, sizeField = 'height'): Arch {
  const kernel = a.kernel === undefined ? 5 : integer(a.kernel, `${field}.kernel`, { min: 1, max: 64 });
  let channels: [number, number] = [8, 16];
  if (a.channels !== undefined) {
    if (!Array.isArray(a.channels) || a.channels.length !== 2) throw new ConfigError(`${field}.channels`, `must be two channel counts [c1, c2], got ${JSON.stringify(a.channels)}`);
    channels = [integer(a.channels[0], `${field}.channels[0]`, { min: 1, max: 1024 }), integer(a.channels[1], `${field}.channels[1]`, { min: 1, max: 1024 })];
  }
  const hidden = a.hidden === undefined ? 32 : integer(a.hidden, `${field}.hidden`, { min: 1, max: 100_000 });
  const l2 = a.l2 === undefined ? l2Default : nonNegativeNumber(a.l2, `${field}.l2`);
  const initScale = a.initScale === undefined ? 1 : positiveNumber(a.initScale, `${field}.initScale`);
  const min = 3 * kernel + 1;
  if (H < min || W < min) {
    throw new ConfigError(`${field}.${sizeField === 'size' ? 'size' : H < min ? 'height' : 'width'}`, `${H}×${W} images are too small for two ${kernel}×${kernel} convolutions each followed by a 2×2 pool: need at least ${min}×${min} (or a smaller kernel)`);
  }
  const sh = cnnShape(H, W, kernel, channels[0], channels[1], hidden, C);
  if (sh.dim > 2 ** 26) throw new ConfigError(`${field}.hidden`, `gives ${sh.dim} parameters (more than 2^26)`);
  return { kernel, channels, hidden, l2, initScale };
}

function describeArch(a: Arch): string {
  return `conv ${a.kernel}×${a.kernel}×${a.channels[0]}, avg-pool 2, tanh; conv ${a.kernel}×${a.kernel}×${a.channels[1]}, avg-pool 2, tanh; dense ${a.hidden}, tanh; dense, softmax`;
}

function buildCnn(A: Float64Array, labels: Int32Array, n: number, H: number, W: number, C: number, a: Arch, description: string): CnnObjective {
  const kernel = new CnnKernel(A, labels, n, H, W, a.kernel, a.channels[0], a.channels[1], a.hidden, C, a.l2);
  const dim = kernel.shape.dim;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const scores = new Float64Array(C);
  return {
    name: 'cnn',
    description,
    dim,
    n,
    classes: C,
    features: H * W,
    height: H,
    width: W,
    kernel: a.kernel,
    channels: [a.channels[0], a.channels[1]],
    hidden: a.hidden,
    l2: a.l2,
    initScale: a.initScale,
    A,
    labels,
    componentGradient: (i, x, out) => kernel.componentGradient(i, x, out),
    minibatchGradientSum: (batch, count, x, out) => kernel.gradientSum(batch, count, x, out),
    addMeanGradient: (batch, count, x, out, offset) => kernel.gradMeanAdd(batch, count, x, out, offset),
    value: (x) => kernel.value(x),
    gradient(x, out) {
      kernel.gradientSum(all, n, x, out);
      for (let k = 0; k < dim; k++) out[k] /= n;
    },
    predict(x, i) {
      kernel.scores(x, i, scores);
      let best = 0;
      for (let c = 1; c < C; c++) if (scores[c] > scores[best]) best = c;
      return best;
    },
  };
}
