/**
 * loadMnist's disk cache (src/data/mnist.ts over src/data/prepared-cache.ts) on the real `mnist`
 * package. The spy: every read of the raw digits (mnistDigitSources, which only the slow path
 * calls) is counted, and a fresh copy of the module (vi.resetModules) stands for a new process, so
 * its in-memory memo is empty and only the disk can spare the work. Expected values are the
 * uncached computation (`cache: false`), which test/data/mnist.test.ts checks against numpy.
 * Speed is not asserted here (bench/mnist-cache.ts measures it).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MnistData, MnistSpec } from '../../src/data/mnist.ts';

const reads = vi.hoisted(() => ({ n: 0 }));
vi.mock('../../src/data/mnist-source.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/data/mnist-source.ts')>();
  return {
    ...real,
    mnistDigitSources: (field: string) => {
      reads.n++;
      return real.mnistDigitSources(field);
    },
  };
});

/** A new copy of the loader with an empty memo, as in a new process. */
async function freshLoader(): Promise<typeof import('../../src/data/mnist.ts')['loadMnist']> {
  vi.resetModules();
  return (await import('../../src/data/mnist.ts')).loadMnist;
}

const bytes = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function expectSameData(a: MnistData, b: MnistData): void {
  expect(bytes(b.A).equals(bytes(a.A))).toBe(true);
  expect(bytes(b.labels).equals(bytes(a.labels))).toBe(true);
  const { A: _a, labels: _l, ...restA } = a;
  const { A: _b, labels: _m, ...restB } = b;
  expect(restB).toEqual(restA);
  expect(Object.is(b.explainedVariance, a.explainedVariance)).toBe(true);
}
const binFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin'));

// no PCA (784 pixels) keeps each computation cheap; the first test also runs a projected subset
const spec: MnistSpec = { digits: [3, 8], perDigit: 120 };
const projected: MnistSpec = { digits: [1, 7], perDigit: 60, dim: 4 };
let dir: string;
let reference: MnistData;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-mnist-cache-'));
  reference ??= (await freshLoader())(spec, { cache: false });
  reads.n = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadMnist disk cache', () => {
  it('a second load (new memo) equals the first bit for bit and does not read the digits again', async () => {
    const first = (await freshLoader())(spec, { cache: { dir } });
    expect(reads.n).toBe(1);
    expectSameData(reference, first);
    expect(binFiles(dir)).toHaveLength(1);
    const second = (await freshLoader())(spec, { cache: { dir } });
    expect(reads.n).toBe(1);
    expectSameData(first, second);
    expect(readdirSync(dir)).toHaveLength(1);
    const p1 = (await freshLoader())(projected, { cache: { dir } });
    const p2 = (await freshLoader())(projected, { cache: { dir } });
    expect(reads.n).toBe(2);
    expect(p1.explainedVariance).toBeLessThan(1);
    expectSameData(p1, p2);
  });

  it('the environment variable ASGD_SDDE_CACHE_DIR places the cache (the objective specs use it)', async () => {
    vi.stubEnv('ASGD_SDDE_CACHE_DIR', dir);
    try {
      (await freshLoader())(spec, 'objective');
      (await freshLoader())(spec);
      expect(reads.n).toBe(1);
      expect(binFiles(dir)).toHaveLength(1);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a corrupt or truncated file is recomputed and replaced', async () => {
    (await freshLoader())(spec, { cache: { dir } });
    const file = join(dir, binFiles(dir)[0]);
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[good.length - 3] ^= 0x40; // a byte of the labels
    const damaged = [flipped, good.subarray(0, good.length - 8), good.subarray(0, 100)];
    for (const [i, bad] of damaged.entries()) {
      writeFileSync(file, bad);
      const before = reads.n;
      const again = (await freshLoader())(spec, { cache: { dir } });
      expect(reads.n, `damage ${i}`).toBe(before + 1);
      expectSameData(reference, again);
      expect(readFileSync(file).equals(good), `damage ${i}: replaced`).toBe(true);
    }
  });

  it('any change of the spec, or of the package version, uses another file', async () => {
    const variants: MnistSpec[] = [spec, { ...spec, digits: [8, 3] }, { ...spec, perDigit: 121 }, { ...spec, dim: 783 }, { ...spec, scaling: 'whiten' }];
    for (const v of variants) (await freshLoader())(v, { cache: { dir } });
    expect(reads.n).toBe(variants.length);
    expect(binFiles(dir)).toHaveLength(variants.length);
    // the same spec written differently is the same key
    (await freshLoader())({ ...spec, scaling: 'global' }, { cache: { dir } });
    expect(reads.n).toBe(variants.length);
    vi.doMock('../../src/version.ts', () => ({ VERSION: '99.0.0-test' }));
    try {
      const other = (await freshLoader())(spec, { cache: { dir } });
      expect(reads.n).toBe(variants.length + 1);
      expectSameData(reference, other);
      expect(binFiles(dir)).toHaveLength(variants.length + 1);
      expect(binFiles(dir).filter((f) => readFileSync(join(dir, f)).includes('"version":"99.0.0-test"'))).toHaveLength(1);
    } finally {
      vi.doUnmock('../../src/version.ts');
    }
  });

  it('refuses a bad cache option before any work', async () => {
    const loadMnist = await freshLoader();
    expect(() => loadMnist(spec, { cache: { dir: '' } })).toThrow(/options\.cache\.dir/);
    expect(() => loadMnist(spec, { cache: true as unknown as false })).toThrow(/options\.cache/);
    expect(() => loadMnist(spec, { cache: { folder: dir } as unknown as { dir: string } })).toThrow(/options\.cache.*folder/);
    expect(reads.n).toBe(0);
  });

  it('concurrent processes loading the same spec all get the same data and leave one valid file, no temporary files', async () => {
    const child = fileURLToPath(new URL('../helpers/mnist-load-child.ts', import.meta.url));
    const run = promisify(execFile);
    const outs = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', child, JSON.stringify(spec), dir], { encoding: 'utf8' })));
    const digests = outs.map((o) => (JSON.parse(o.stdout) as { digest: string }).digest);
    const expected = createHash('sha256').update(bytes(reference.A)).update(bytes(reference.labels)).digest('hex');
    expect(digests).toEqual([expected, expected, expected, expected]);
    expect(readdirSync(dir)).toEqual(binFiles(dir));
    expect(binFiles(dir)).toHaveLength(1);
    // the file left behind is valid: one more process reads it instead of writing a new one (a
    // miss always renames a new file into place, so the inode would change). This process cannot
    // read it: vitest's transform gives the preparing code another text than tsx's, and that text
    // is part of the key.
    const file = join(dir, binFiles(dir)[0]);
    const before = statSync(file);
    const last = await run(process.execPath, ['--import', 'tsx', child, JSON.stringify(spec), dir], { encoding: 'utf8' });
    expect((JSON.parse(last.stdout) as { digest: string }).digest).toBe(expected);
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(readdirSync(dir)).toEqual([binFiles(dir)[0]]);
  });
});
