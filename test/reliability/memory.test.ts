/**
 * Long runs in constant memory: one path of 10^8 steps with lag 1000 and thinned saving. The
 * resident set size after 10^6 and after 10^8 steps (in a fresh process) must not differ by more
 * than 25 MB — a history or output that grew per step would need 800 MB. Allowed to take a minute.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('memory', () => {
  it('10^8 steps with lag 1000 use the same memory as 10^6', () => {
    const script = `
      import { defineSdde, solve, EulerMaruyama } from ${JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)))};
      const problem = (T) => defineSdde({ dim: 1, drift: (t, x, y, out) => { out[0] = -y[0]; }, diffusion: { noise: 'diagonal', g: 1 }, history: 0, T, delay: { kind: 'constant', lag: 1000 } });
      const rss = [];
      for (const n of [1e6, 1e8]) {
        const s = solve(problem(n * 1e-3), new EulerMaruyama(), { seed: 0, dt: 1e-3, saveAt: { every: 100000 } });
        if (s.status !== 'ok' || s.steps !== n) throw new Error('run failed');
        globalThis.gc?.();
        rss.push(process.memoryUsage().rss);
      }
      console.log(JSON.stringify(rss));
    `;
    // the probe lives in a temporary folder (a killed run leaves nothing in the repository); tsx
    // is resolved from the repository's node_modules (cwd), the library by absolute path
    const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-memory-'));
    const probe = join(dir, 'memory-probe.mts');
    writeFileSync(probe, script);
    try {
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', probe], { encoding: 'utf8', timeout: 110_000 });
      const [small, large] = JSON.parse(out.trim().split('\n').at(-1)!);
      expect(large - small, `RSS ${small / 1e6} MB after 10^6 steps, ${large / 1e6} MB after 10^8`).toBeLessThan(25e6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
