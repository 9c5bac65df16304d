/**
 * The MNIST cache's effect: loadMnist for the studies' spec (all digits, 200 per digit, 50
 * principal components) in a fresh process with an empty cache, then in a second fresh process.
 * Run: node --import tsx bench/mnist-cache.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-mnist-bench-'));
const script = `import { loadMnist } from ${JSON.stringify(join(repo, 'src/data/mnist.ts'))};
const t0 = performance.now();
const m = loadMnist({ perDigit: 200, dim: 50 });
console.log(((performance.now() - t0) / 1000).toFixed(3) + ' s, n = ' + m.n + ', d = ' + m.d);`;
const run = (label: string) => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', env: { ...process.env, ASGD_SDDE_CACHE: dir } });
  console.log(`${label}: loadMnist ${out.trim()}`);
};
try {
  run('first process (empty cache: prepares and writes)');
  run('second process (reads the cache)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
