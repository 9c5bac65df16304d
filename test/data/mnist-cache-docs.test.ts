/**
 * docs/mnist-cache.md is code: its whole program (```mjs) runs with node against the built package
 * (importing 'asgd-sdde' resolves to dist/ by the package's self-reference) and prints exactly its
 * ```text output block (no randomness: the subset is the package's first images). The numbers it
 * prints are checked against numpy elsewhere (test/data/mnist.test.ts); here: the guide runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/mnist-cache.md'), 'utf8');
const blocks = [...doc.matchAll(/```([^\n]*)\n([\s\S]*?)```/g)].map((m) => ({ info: m[1].trim(), body: m[2] }));

describe('docs/mnist-cache.md', () => {
  const programs = blocks.flatMap((b, i) => (b.info === 'mjs' ? [{ code: b.body, output: blocks[i + 1]?.info === 'text output' ? blocks[i + 1].body : undefined, index: i }] : []));
  it('has a whole program followed by its output', () => {
    expect(programs.length).toBeGreaterThanOrEqual(1);
    for (const p of programs) expect(p.output, `block ${p.index}`).toBeDefined();
  });
  for (const p of programs) {
    it(`program ${p.index} prints its text output`, () => {
      mkdirSync(join(root, '.scratch'), { recursive: true });
      const dir = mkdtempSync(join(root, '.scratch', 'docs-'));
      try {
        const file = join(dir, 'example.mjs');
        writeFileSync(file, p.code);
        expect(execFileSync(process.execPath, [file], { encoding: 'utf8', cwd: dir })).toBe(p.output);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
