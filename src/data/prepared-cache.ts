/**
 * A disk cache for prepared data (typed arrays plus a little JSON), so that work which is the
 * same on every run — MNIST's subset, PCA and scaling take 12–16 s — is done once per machine.
 * Node only: the browser twin (prepared-cache.browser.ts, package.json "browser" field) has no
 * disk and always computes.
 *
 * Directory, first that applies: the `dir` option; the environment variable
 * `ASGD_SDDE_CACHE_DIR`; `node_modules/.cache/asgd-sdde` in the `node_modules` that holds this
 * package (or in the package's own checkout), when it can be created and written; otherwise
 * `os.tmpdir()/asgd-sdde-cache`.
 *
 * One file per key, `<name>-<digest>.bin`, where the digest is the SHA-256 of the key (which
 * the caller makes hold everything the data depends on: spec, package version, versions of the
 * source packages) and of the file format. Layout (all integers little-endian):
 *
 *   0   8 bytes  magic "ASGDPREP"
 *   8   u32      format version (FORMAT)
 *   12  u32      H, byte length of the header JSON
 *   16  32 bytes SHA-256 of every byte from offset 48 to the end
 *   48  H bytes  header JSON: { digest, key, float64: lengths, int32: lengths, payloadBytes, meta }
 *   …   zero padding to a multiple of 8
 *   …   payload: the Float64Arrays, then the Int32Arrays, raw little-endian
 *
 * A file is used only if every check passes (magic, format, length, SHA-256, the digest and key
 * in its header equal the ones asked for); any other file is ignored, and the data is computed
 * again and written over it. The SHA-256 detects corruption and truncation, not tampering: the
 * directory must be one only you can write.
 *
 * Concurrent writers: each writes a temporary file unique to its process and thread in the same
 * directory, fsyncs it and renames it over the target (atomic on POSIX file systems), so a
 * reader sees either no file or one complete file, and the last of several identical writes wins.
 * A write that fails (read-only directory, full disk) warns once and is otherwise harmless.
 */
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness, tmpdir } from 'node:os';
import { dirname, join, parse, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';

/** The file format version; part of every digest, so a new format never reads an old file. */
export const PREPARED_CACHE_FORMAT = 1;
/** The environment variable that overrides the default cache directory. */
export const CACHE_DIR_ENV = 'ASGD_SDDE_CACHE_DIR';

const MAGIC = 'ASGDPREP';
const FIXED = 48;
/** Temporary files older than this are a crashed writer's leftovers and are removed. */
const STALE_TEMP_MS = 3600_000;

/** Where the cache lives: `false` turns it off; `{ dir }` picks the directory (see the header for the default). */
export type CacheSetting = false | { dir?: string };

/** What a cache file holds: JSON-able metadata and typed arrays, stored as raw bytes. */
export interface PreparedArrays {
  meta: unknown;
  float64: Float64Array[];
  int32: Int32Array[];
}

interface Header {
  digest: string;
  key: unknown;
  float64: number[];
  int32: number[];
  payloadBytes: number;
  meta: unknown;
}

/**
 * The cache directory that applies (see the header for the order); `undefined` only when the
 * cache is off. The default directory is created if needed.
 */
export function cacheDirectory(setting: CacheSetting | undefined = {}): string | undefined {
  if (setting === false) return undefined;
  if (setting.dir) return setting.dir;
  const env = process.env[CACHE_DIR_ENV];
  if (env) return env;
  const near = packageCacheDir();
  if (near && writableDir(near)) return near;
  return join(tmpdir(), 'asgd-sdde-cache');
}

/** `node_modules/.cache/asgd-sdde` in the outermost node_modules holding this file, or in the checkout's root. */
function packageCacheDir(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const at = here.indexOf(`${sep}node_modules${sep}`);
  if (at >= 0) return join(here.slice(0, at), 'node_modules', '.cache', 'asgd-sdde');
  // the package's own checkout (src/ under tsx, or dist/): the directory holding package.json
  for (let d = dirname(here); d !== parse(d).root; d = dirname(d)) {
    if (isFile(join(d, 'package.json'))) return join(d, 'node_modules', '.cache', 'asgd-sdde');
  }
  return undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function writableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The installed version of a package (from its package.json, found from its resolved entry), or 'absent'. */
export function installedVersion(name: string): string {
  try {
    const req = createRequire(import.meta.url);
    for (let d = dirname(req.resolve(name)); d !== parse(d).root; d = dirname(d)) {
      const pj = join(d, 'package.json');
      if (!isFile(pj)) continue;
      const p = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string; version?: string };
      if (p.name === name) return String(p.version);
    }
  } catch {
    // not installed: the key says so, and the computation will refuse with its own message
  }
  return 'absent';
}

/** The SHA-256 (hex) naming a key's file: the key's JSON and the format version. */
export function cacheDigest(name: string, key: unknown): string {
  return createHash('sha256').update(JSON.stringify({ format: PREPARED_CACHE_FORMAT, name, key })).digest('hex');
}

/** The file a key is stored in. */
export function cachePath(dir: string, name: string, key: unknown): string {
  return join(dir, `${name}-${cacheDigest(name, key).slice(0, 32)}.bin`);
}

/** Why a file was not used (for tests and debugging), or the arrays it holds. */
export type CacheRead = { ok: true; value: PreparedArrays } | { ok: false; reason: string };

/** Read and check a cache file; never throws. */
export function readPrepared(file: string, name: string, key: unknown): CacheRead {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    return { ok: false, reason: (e as { code?: string }).code === 'ENOENT' ? 'no file' : `unreadable: ${(e as Error).message}` };
  }
  if (buf.length < FIXED) return { ok: false, reason: `truncated: ${buf.length} bytes` };
  if (buf.toString('latin1', 0, 8) !== MAGIC) return { ok: false, reason: 'not a cache file (magic)' };
  if (buf.readUInt32LE(8) !== PREPARED_CACHE_FORMAT) return { ok: false, reason: `format ${buf.readUInt32LE(8)}, expected ${PREPARED_CACHE_FORMAT}` };
  const sha = createHash('sha256').update(buf.subarray(FIXED)).digest();
  if (!sha.equals(buf.subarray(16, FIXED))) return { ok: false, reason: 'SHA-256 mismatch (corrupt or truncated)' };
  const H = buf.readUInt32LE(12);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', FIXED, FIXED + H)) as Header;
  } catch {
    return { ok: false, reason: 'header is not JSON' };
  }
  if (header.digest !== cacheDigest(name, key) || JSON.stringify(header.key) !== JSON.stringify(key)) return { ok: false, reason: 'another key' };
  const start = pad8(FIXED + H);
  const bytes = 8 * sum(header.float64) + 4 * sum(header.int32);
  if (header.payloadBytes !== bytes || buf.length !== start + bytes) return { ok: false, reason: `length ${buf.length}, header says ${start + bytes}` };
  // copy into fresh, aligned buffers (the file's buffer need not be 8-aligned, and is freed)
  let off = start;
  const take = (n: number) => {
    const b = Buffer.from(buf.subarray(off, off + n));
    off += n;
    return b;
  };
  const big = endianness() === 'BE';
  const float64 = header.float64.map((n) => {
    const b = take(8 * n);
    if (big) b.swap64();
    return new Float64Array(b.buffer, b.byteOffset, n);
  });
  const int32 = header.int32.map((n) => {
    const b = take(4 * n);
    if (big) b.swap32();
    return new Int32Array(b.buffer, b.byteOffset, n);
  });
  return { ok: true, value: { meta: header.meta, float64, int32 } };
}

function sum(xs: number[]): number {
  if (!Array.isArray(xs) || !xs.every((x) => Number.isSafeInteger(x) && x >= 0)) return NaN;
  return xs.reduce((a, b) => a + b, 0);
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** Encode arrays as one file's bytes (see the header for the layout). */
export function encodePrepared(name: string, key: unknown, value: PreparedArrays): Buffer[] {
  const lengths64 = value.float64.map((a) => a.length);
  const lengths32 = value.int32.map((a) => a.length);
  const payloadBytes = 8 * sum(lengths64) + 4 * sum(lengths32);
  const header: Header = { digest: cacheDigest(name, key), key, float64: lengths64, int32: lengths32, payloadBytes, meta: value.meta };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const big = endianness() === 'BE';
  const raw = (a: Float64Array | Int32Array) => {
    const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    if (!big) return b;
    const c = Buffer.from(b);
    return a instanceof Float64Array ? c.swap64() : c.swap32();
  };
  const body = [json, Buffer.alloc(pad8(FIXED + json.length) - FIXED - json.length), ...value.float64.map(raw), ...value.int32.map(raw)];
  const hash = createHash('sha256');
  for (const b of body) hash.update(b);
  const fixed = Buffer.alloc(FIXED);
  fixed.write(MAGIC, 0, 'latin1');
  fixed.writeUInt32LE(PREPARED_CACHE_FORMAT, 8);
  fixed.writeUInt32LE(json.length, 12);
  hash.digest().copy(fixed, 16);
  return [fixed, ...body];
}

const warned = new Set<string>();

/** Write a cache file atomically (temporary file, fsync, rename); failures warn once per directory. */
export function writePrepared(dir: string, name: string, key: unknown, value: PreparedArrays): void {
  const file = cachePath(dir, name, key);
  const base = file.slice(dir.length + 1);
  const temp = join(dir, `.${base}.${process.pid}.${threadId}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    removeStaleTemps(dir, base);
    fd = openSync(temp, 'wx', 0o644);
    for (const b of encodePrepared(name, key, value)) {
      for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
    syncDirectory(dir);
  } catch (e) {
    if (fd !== undefined) closeQuietly(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    if (!warned.has(dir)) {
      warned.add(dir);
      process.emitWarning(`asgd-sdde: could not write the cache in ${dir} (${(e as Error).message}); the data was computed and is used, set ${CACHE_DIR_ENV} to a writable directory to cache it`);
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Make the rename durable (best effort: not every platform can fsync a directory). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // e.g. Windows
  }
}

function removeStaleTemps(dir: string, base: string): void {
  const now = Date.now();
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(`.${base}.`) || !f.endsWith('.tmp')) continue;
    try {
      if (now - statSync(join(dir, f)).mtimeMs > STALE_TEMP_MS) unlinkSync(join(dir, f));
    } catch {
      // another process removed or renamed it
    }
  }
}

/** What {@link cachedPrepared} needs: the data's name and key, and how to compute and (de)serialize it. */
export interface PreparedSource<T> {
  /** Short name, the prefix of the file name (e.g. 'mnist'). */
  name: string;
  /** Everything the data depends on (spec, versions), as JSON; stored in the file's header. */
  key: Record<string, unknown>;
  /**
   * The source text of the functions that compute the data: its SHA-256 joins the key, so a
   * changed implementation (in a checkout, before the version changes) never reads old results.
   */
  code: string;
  compute: () => T;
  encode: (t: T) => PreparedArrays;
  decode: (p: PreparedArrays) => T;
}

/** The key stored and digested for a source: its key and the SHA-256 of its code. */
export function fullKey(source: Pick<PreparedSource<unknown>, 'key' | 'code'>): Record<string, unknown> {
  return { ...source.key, code: createHash('sha256').update(source.code).digest('hex') };
}

/**
 * The cached value of a source's key, or `compute()`'s, written to the cache for next time. A
 * file that fails any check is ignored and replaced. `setting` false computes without touching
 * the disk.
 */
export function cachedPrepared<T>(source: PreparedSource<T>, setting: CacheSetting | undefined): T {
  const dir = cacheDirectory(setting);
  if (dir === undefined) return source.compute();
  const key = fullKey(source);
  const hit = readPrepared(cachePath(dir, source.name, key), source.name, key);
  if (hit.ok) {
    try {
      return source.decode(hit.value);
    } catch {
      // a file that passed every check but holds another shape (a writer with another layout): recompute
    }
  }
  const value = source.compute();
  writePrepared(dir, source.name, key, source.encode(value));
  return value;
}
