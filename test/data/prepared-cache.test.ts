/**
 * The disk cache of prepared data (src/data/prepared-cache.ts) on cheap synthetic values, with a
 * counting `compute` as the spy: a second read returns the first's bits without computing; a
 * file with any byte flipped or cut short is never trusted (computed again, then replaced); keys
 * that differ in anything name different files; `false` never touches the disk; the directory
 * follows the documented order.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_DIR_ENV, cacheDirectory, cachedPrepared, cachePath, fullKey, type PreparedArrays, readPrepared } from '../../src/data/prepared-cache.ts';

interface Value {
  x: Float64Array;
  k: Int32Array;
  note: string;
  scale: number;
}

/** Values that exercise the binary encoding: signed zero, subnormals, ±Infinity, NaN, extremes. */
function makeValue(): Value {
  const x = new Float64Array([0.1, -0, 5e-324, -1.7976931348623157e308, Infinity, -Infinity, NaN, Math.PI, 1 / 3, 2 ** -1074 * 3]);
  const k = new Int32Array([0, -1, 2147483647, -2147483648, 7]);
  return { x, k, note: 'Ünïcode ✓ and "quotes"', scale: 0.1 + 0.2 };
}
const encode = (v: Value): PreparedArrays => ({ meta: { note: v.note, scale: v.scale }, float64: [v.x], int32: [v.k] });
const decode = (p: PreparedArrays): Value => ({ x: p.float64[0], k: p.int32[0], ...(p.meta as { note: string; scale: number }) });
const bytes = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSameBits(a: Value, b: Value): void {
  expect(bytes(b.x).equals(bytes(a.x))).toBe(true);
  expect(bytes(b.k).equals(bytes(a.k))).toBe(true);
  expect(b.note).toBe(a.note);
  expect(Object.is(b.scale, a.scale)).toBe(true);
}

let dir: string;
let computed: number;
const key = { spec: { a: 1, b: [2, 3] }, version: '1.2.3' };
const code = 'function compute() { return makeValue(); }';
const source = (k: Record<string, unknown>, c = code) => ({ name: 'test', key: k, code: c, compute: () => (computed++, makeValue()), encode, decode });
/** The file of a key (as cachedPrepared names it: the key with the code's digest). */
const fileOf = (k: Record<string, unknown>, name = 'test', c = code) => cachePath(dir, name, fullKey({ key: k, code: c }));
const load = (k: Record<string, unknown> = key, c = code) => cachedPrepared(source(k, c), { dir });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-cache-test-'));
  computed = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('prepared-data cache', () => {
  it('a second load returns the first load\'s bits and does not compute', () => {
    const first = load();
    expect(computed).toBe(1);
    const second = load();
    expect(computed).toBe(1);
    expectSameBits(first, second);
    expect(second.x).not.toBe(first.x); // read from the file, not the same object
    expect(readdirSync(dir)).toEqual([fileOf(key).slice(dir.length + 1)]);
  });

  it('a file with any one byte flipped is not trusted: computed again, and replaced by a good file', () => {
    load();
    const file = fileOf(key);
    const good = readFileSync(file);
    // every byte of the fixed header and a spread of the header JSON, padding and payload
    const offsets = [...Array.from({ length: 48 }, (_, i) => i), ...Array.from({ length: 40 }, (_, i) => 48 + Math.floor((i * (good.length - 49)) / 39))];
    for (const off of offsets) {
      const bad = Buffer.from(good);
      bad[off] ^= 0x01;
      writeFileSync(file, bad);
      expect(readPrepared(file, 'test', fullKey({ key, code })).ok, `byte ${off} flipped`).toBe(false);
      const before = computed;
      expectSameBits(makeValue(), load());
      expect(computed, `byte ${off} flipped`).toBe(before + 1);
      expect(readFileSync(file).equals(good), `byte ${off}: file replaced`).toBe(true);
    }
  });

  it('a truncated or extended file is not trusted', () => {
    load();
    const file = fileOf(key);
    const good = readFileSync(file);
    for (const bad of [Buffer.alloc(0), good.subarray(0, 10), good.subarray(0, 48), good.subarray(0, good.length >> 1), good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([0])])]) {
      writeFileSync(file, bad);
      const before = computed;
      expectSameBits(makeValue(), load());
      expect(computed, `${bad.length} of ${good.length} bytes`).toBe(before + 1);
      expect(readFileSync(file).equals(good)).toBe(true);
    }
  });

  it('a valid file of another key is not used even under this key\'s name', () => {
    load({ ...key, version: '9.9.9' });
    writeFileSync(fileOf(key), readFileSync(fileOf({ ...key, version: '9.9.9' })));
    expect(readPrepared(fileOf(key), 'test', fullKey({ key, code }))).toEqual({ ok: false, reason: 'another key' });
    load();
    expect(computed).toBe(2);
  });

  it('keys that differ in any field, names or code that differ, give different files', () => {
    const keys = [key, { ...key, version: '1.2.4' }, { ...key, spec: { a: 2, b: [2, 3] } }, { ...key, spec: { a: 1, b: [3, 2] } }, { ...key, extra: null }];
    const paths = new Set(keys.map((k) => fileOf(k)));
    paths.add(fileOf(key, 'other'));
    paths.add(fileOf(key, 'test', `${code} `));
    expect(paths.size).toBe(keys.length + 2);
    for (const k of keys) load(k);
    load(key, `${code} `);
    expect(computed).toBe(keys.length + 1);
    expect(readdirSync(dir)).toHaveLength(keys.length + 1);
  });

  it('cache false computes every time and writes nothing', () => {
    for (let i = 0; i < 2; i++) cachedPrepared(source(key), false);
    expect(computed).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unwritable directory warns and still returns the computed value', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const v = cachedPrepared(source(key), { dir: join(file, 'sub') });
      expectSameBits(makeValue(), v);
    } finally {
      await new Promise((r) => setTimeout(r, 10)); // warnings are emitted on the next tick
      process.off('warning', onWarning);
    }
    expect(warnings.join('\n')).toMatch(/could not write the cache/);
  });

  it('the directory: the option, else the environment variable, else a writable default', () => {
    const saved = process.env[CACHE_DIR_ENV];
    try {
      process.env[CACHE_DIR_ENV] = join(dir, 'from-env');
      expect(cacheDirectory({ dir: join(dir, 'from-option') })).toBe(join(dir, 'from-option'));
      expect(cacheDirectory({})).toBe(join(dir, 'from-env'));
      expect(cacheDirectory(undefined)).toBe(join(dir, 'from-env'));
      expect(cacheDirectory(false)).toBeUndefined();
      delete process.env[CACHE_DIR_ENV];
      // in this checkout: node_modules/.cache/asgd-sdde at the repository root (writable here)
      expect(cacheDirectory({})).toBe(join(process.cwd(), 'node_modules', '.cache', 'asgd-sdde'));
    } finally {
      if (saved === undefined) delete process.env[CACHE_DIR_ENV];
      else process.env[CACHE_DIR_ENV] = saved;
    }
  });
});
