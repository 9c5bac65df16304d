/**
 * The on-disk cache of prepared MNIST data: the same bits back, refused when corrupted, truncated or
 * another spec's, keyed by spec + package version + format, safe with concurrent writers, and used
 * by a second process. Expected values: the bytes written (and the data loadMnist computes, whose
 * own correctness is test/data/mnist.test.ts's, against numpy); the key recomputed here from its
 * documented definition.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MNIST_CACHE_FORMAT, mnistCacheDir, mnistCacheFile, readMnistCache, writeMnistCache } from '../../src/data/mnist-cache.ts';
import { validateMnistSpec } from '../../src/data/mnist.ts';
import { VERSION } from '../../src/version.ts';

const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-mnist-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const repo = fileURLToPath(new URL('../../', import.meta.url));

const specKey = JSON.stringify(validateMnistSpec({ digits: [3, 8], perDigit: 5, dim: 3 }, 'mnist'));
const data = {
  A: Float64Array.from({ length: 30 }, (_, i) => Math.sin(i) * 1e3 + 1 / 3),
  labels: Int32Array.from({ length: 10 }, (_, i) => (i < 5 ? 0 : 1)),
  n: 10,
  d: 3,
  digits: [3, 8],
  counts: [5, 5],
  explainedVariance: 0.4567,
  provenance: 'test data',
};

describe('MNIST cache files', () => {
  it('round trip: the same bits and metadata; the key is SHA-256 of spec, version and format', () => {
    const file = writeMnistCache(specKey, data, dir)!;
    const want = createHash('sha256').update(JSON.stringify({ spec: specKey, version: VERSION, format: MNIST_CACHE_FORMAT })).digest('hex');
    expect(file).toBe(join(dir, `mnist-${want.slice(0, 32)}.bin`));
    const back = readMnistCache(specKey, dir)!;
    expect(Buffer.from(back.A.buffer).equals(Buffer.from(data.A.buffer))).toBe(true);
    expect(Array.from(back.labels)).toEqual(Array.from(data.labels));
    expect({ ...back, A: 0, labels: 0 }).toEqual({ ...data, A: 0, labels: 0 });
    // another spec has another file: nothing to read
    expect(readMnistCache(JSON.stringify(validateMnistSpec({ digits: [3, 8], perDigit: 6, dim: 3 }, 'mnist')), dir)).toBeUndefined();
  });
  it('a corrupted, truncated or foreign file is ignored (and replaced by the next write)', () => {
    const file = writeMnistCache(specKey, data, dir)!;
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 20] ^= 1; // one bit of the payload
    writeFileSync(file, flipped);
    expect(readMnistCache(specKey, dir)).toBeUndefined();
    writeFileSync(file, good.subarray(0, good.length - 8));
    expect(readMnistCache(specKey, dir)).toBeUndefined();
    writeFileSync(file, 'not a cache file');
    expect(readMnistCache(specKey, dir)).toBeUndefined();
    // another spec's valid file under this spec's name: its key does not match
    const other = JSON.stringify(validateMnistSpec({ digits: [1, 7] }, 'mnist'));
    writeFileSync(file, readFileSync(writeMnistCache(other, data, dir)!));
    expect(readMnistCache(specKey, dir)).toBeUndefined();
    writeMnistCache(specKey, data, dir);
    expect(readMnistCache(specKey, dir)).toBeDefined();
  });
  it('the directory: $ASGD_SDDE_CACHE, off, node_modules/.cache/asgd-sdde, the temporary directory', () => {
    expect(mnistCacheDir({ ASGD_SDDE_CACHE: '/x/y' }, repo)).toBe('/x/y');
    expect(mnistCacheDir({ ASGD_SDDE_CACHE: 'off' }, repo)).toBeNull();
    expect(readMnistCache(specKey, null)).toBeUndefined();
    expect(mnistCacheDir({}, repo)).toBe(join(repo, 'node_modules', '.cache', 'asgd-sdde'));
    expect(mnistCacheDir({}, dir)).toBe(join(tmpdir(), 'asgd-sdde-cache'));
  });
  it('concurrent writers (6 processes at once) leave one complete, valid file', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'asgd-sdde-mnist-race-'));
    const script = `import { writeMnistCache } from ${JSON.stringify(join(repo, 'src/data/mnist-cache.ts'))};
const A = Float64Array.from({ length: 300000 }, (_, i) => Math.cos(i));
const labels = new Int32Array(100000);
for (let k = 0; k < 5; k++) writeMnistCache(${JSON.stringify(specKey)}, { A, labels, n: 100000, d: 3, digits: [3, 8], counts: [50000, 50000], explainedVariance: 1, provenance: 'race' }, ${JSON.stringify(shared)});`;
    await Promise.all(
      Array.from({ length: 6 }, () => new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, stdio: 'inherit' });
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
      })),
    );
    const back = readMnistCache(specKey, shared)!;
    expect(back.n).toBe(100000);
    expect(back.A[12345]).toBe(Math.cos(12345));
    expect(execFileSync('ls', [shared], { encoding: 'utf8' }).trim().split('\n')).toEqual([mnistCacheFile(shared, specKey).file.split('/').pop()]); // no temporary left
    rmSync(shared, { recursive: true, force: true });
  });
});

describe('loadMnist across processes', () => {
  it('the first process prepares and writes the cache, the second reads it: the same bits', () => {
    const cacheDir = join(dir, 'load');
    const script = `import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadMnist } from ${JSON.stringify(join(repo, 'src/data/mnist.ts'))};
import { mnistCacheFile } from ${JSON.stringify(join(repo, 'src/data/mnist-cache.ts'))};
import { validateMnistSpec } from ${JSON.stringify(join(repo, 'src/data/mnist.ts'))};
const spec = { digits: [3, 8], perDigit: 40, dim: 6 };
const before = existsSync(mnistCacheFile(process.env.ASGD_SDDE_CACHE, JSON.stringify(validateMnistSpec(spec, 'mnist'))).file);
const m = loadMnist(spec);
console.log(JSON.stringify({ before, hash: createHash('sha256').update(new Uint8Array(m.A.buffer)).update(new Uint8Array(m.labels.buffer)).digest('hex'), provenance: m.provenance }));`;
    const run = () => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', env: { ...process.env, ASGD_SDDE_CACHE: cacheDir } })) as { before: boolean; hash: string; provenance: string };
    const first = run();
    const second = run();
    expect(first.before).toBe(false);
    expect(second.before).toBe(true);
    expect(second.hash).toBe(first.hash);
    expect(second.provenance).toBe(first.provenance);
    expect(existsSync(cacheDir)).toBe(true);
  });
});
