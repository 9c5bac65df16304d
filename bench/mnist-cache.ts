/**
 * The MNIST disk cache, measured: two fresh processes load the same subset with an empty cache
 * directory — the first prepares it (reads the `mnist` package, PCA, scaling) and writes the
 * cache file, the second reads the file. Prints both wall times (of `loadMnist` alone, not of the
 * process start) and checks that the two processes got the same bits. Not part of the tests.
 *
 *   node --import tsx bench/mnist-cache.ts                       all ten digits, all images, 50 PCs
 *   node --import tsx bench/mnist-cache.ts '{"digits":[3,8],"perDigit":500,"dim":10}'
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const { loadMnist } = await import('../src/data/mnist.ts');
  const spec = JSON.parse(process.argv[3]);
  const t0 = performance.now();
  const m = loadMnist(spec, { cache: { dir: process.argv[4] } });
  const ms = performance.now() - t0;
  const digest = createHash('sha256').update(new Uint8Array(m.A.buffer, m.A.byteOffset, m.A.byteLength)).update(new Uint8Array(m.labels.buffer)).digest('hex');
  console.log(JSON.stringify({ ms, digest, n: m.n, d: m.d }));
} else {
  const spec = process.argv[2] ?? JSON.stringify({ dim: 50 });
  const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-bench-cache-'));
  try {
    const run = () => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, '--child', spec, dir], { encoding: 'utf8' })) as { ms: number; digest: string; n: number; d: number };
    const first = run();
    const second = run();
    const files = readdirSync(dir);
    const bytes = files.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
    console.log(`MNIST ${spec}: n = ${first.n}, d = ${first.d}`);
    console.log(`  first load (prepare + write cache): ${(first.ms / 1000).toFixed(2)} s`);
    console.log(`  second load (read cache):           ${(second.ms / 1000).toFixed(3)} s`);
    console.log(`  cache: ${files.length} file(s), ${(bytes / 1e6).toFixed(2)} MB; same bits in both processes: ${first.digest === second.digest}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
