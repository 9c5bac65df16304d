/**
 * The on-disk cache of prepared MNIST data (the subset, PCA projection and scaling of `loadMnist`,
 * 12–16 s of work for the default studies), keyed by the validated spec, the package version and
 * the cache format, so that a second run (another process) reads it in well under a second.
 *
 * Where: `$ASGD_SDDE_CACHE` when set (`off` or `0` disables the cache), else
 * `node_modules/.cache/asgd-sdde/` under the working directory when that `node_modules` exists
 * (the convention of babel, eslint, webpack), else `<os tmpdir>/asgd-sdde-cache/`.
 *
 * Safety: a file is written to a temporary name in the same directory and renamed into place, so
 * concurrent writers (several processes preparing the same data) each leave a complete file and a
 * reader never sees a partial one; every file carries its key and a SHA-256 of its payload, and a
 * file that fails either check (truncated, corrupted, another spec's) is ignored and rewritten.
 * Invalidation: any change of spec, package version or format changes the key (a new file); a
 * failure to read or write the cache never fails a load (the data is then computed).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../version.ts';

/** Bump when the file layout or the preparation changes (invalidates every cached file). */
export const MNIST_CACHE_FORMAT = 1;
const MAGIC = 'asgd-sdde mnist cache\n';

/** What is cached: the arrays and the metadata of `MnistData`. */
export interface CachedMnist {
  A: Float64Array;
  labels: Int32Array;
  n: number;
  d: number;
  digits: number[];
  counts: number[];
  explainedVariance: number;
  provenance: string;
}

/**
 * The cache directory (see the module comment), or null when disabled by `ASGD_SDDE_CACHE=off`.
 * @example
 * // ASGD_SDDE_CACHE=/tmp/my-cache node study.js  → /tmp/my-cache
 * mnistCacheDir();
 */
export function mnistCacheDir(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string | null {
  const v = env.ASGD_SDDE_CACHE;
  if (v === 'off' || v === '0') return null;
  if (v) return v;
  const nm = join(cwd, 'node_modules');
  return existsSync(nm) ? join(nm, '.cache', 'asgd-sdde') : join(tmpdir(), 'asgd-sdde-cache');
}

/** The cache file of a validated spec (the key: SHA-256 of spec, package version and format). */
export function mnistCacheFile(dir: string, specKey: string): { file: string; key: string } {
  const key = createHash('sha256').update(JSON.stringify({ spec: specKey, version: VERSION, format: MNIST_CACHE_FORMAT })).digest('hex');
  return { file: join(dir, `mnist-${key.slice(0, 32)}.bin`), key };
}

/** The cached data of `specKey`, or undefined (no cache, no file, or a file that fails its checks). */
export function readMnistCache(specKey: string, dir = mnistCacheDir()): CachedMnist | undefined {
  if (dir === null) return undefined;
  const { file, key } = mnistCacheFile(dir, specKey);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (buf.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) return undefined;
    const headerLength = buf.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4;
    const header = JSON.parse(buf.subarray(start, start + headerLength).toString('utf8')) as Omit<CachedMnist, 'A' | 'labels'> & { key: string; sha256: string; offset: number };
    if (header.key !== key) return undefined;
    const payload = buf.subarray(start + headerLength);
    if (payload.length !== header.n * header.d * 8 + header.n * 4) return undefined;
    if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return undefined;
    // copy into aligned arrays (the file's offsets need not be multiples of 8)
    const A = new Float64Array(header.n * header.d);
    new Uint8Array(A.buffer).set(payload.subarray(0, A.byteLength));
    const labels = new Int32Array(header.n);
    new Uint8Array(labels.buffer).set(payload.subarray(A.byteLength));
    return { A, labels, n: header.n, d: header.d, digits: header.digits, counts: header.counts, explainedVariance: header.explainedVariance, provenance: header.provenance };
  } catch {
    return undefined;
  }
}

/** Write `data` as the cache file of `specKey` (temporary file + rename); a failure is ignored. Returns the file written, or undefined. */
export function writeMnistCache(specKey: string, data: CachedMnist, dir = mnistCacheDir()): string | undefined {
  if (dir === null) return undefined;
  const { file, key } = mnistCacheFile(dir, specKey);
  const payload = Buffer.concat([Buffer.from(data.A.buffer, data.A.byteOffset, data.A.byteLength), Buffer.from(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength)]);
  const header = Buffer.from(JSON.stringify({ key, sha256: createHash('sha256').update(payload).digest('hex'), n: data.n, d: data.d, digits: data.digits, counts: data.counts, explainedVariance: data.explainedVariance, provenance: data.provenance }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const tmp = `${file}.tmp-${process.pid}-${Math.floor(performance.now() * 1000)}`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC, 'latin1'), length, header, payload]));
    renameSync(tmp, file);
    return file;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    return undefined;
  }
}
