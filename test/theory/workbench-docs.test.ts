/**
 * docs/workbench.md is code: every whole program (```mjs) runs with node against the built
 * package (importing 'asgd-sdde' resolves to dist/ by the package's self-reference) and prints
 * exactly its ```text output block (fixed seeds: deterministic); the JSON claim shown is the one
 * shipped in examples/, and `check --claim` on it gives the verdict the guide states.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';

const root = new URL('../../', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/workbench.md'), 'utf8');
const blocks = [...doc.matchAll(/```([^\n]*)\n([\s\S]*?)```/g)].map((m) => ({ info: m[1].trim(), body: m[2] }));

describe('docs/workbench.md', () => {
  const programs = blocks.flatMap((b, i) => (b.info === 'mjs' ? [{ code: b.body, output: blocks[i + 1]?.info === 'text output' ? blocks[i + 1].body : undefined, index: i }] : []));
  it('has whole programs, each followed by its output', () => {
    expect(programs.length).toBeGreaterThanOrEqual(2);
    for (const p of programs) expect(p.output, `block ${p.index}`).toBeDefined();
  });
  for (const p of programs) {
    it(`program ${p.index} prints its text output`, () => {
      mkdirSync(join(root, '.scratch'), { recursive: true });
      const dir = mkdtempSync(join(root, '.scratch', 'docs-'));
      try {
        const file = join(dir, 'example.mjs');
        writeFileSync(file, p.code);
        const out = execFileSync(process.execPath, [file], { encoding: 'utf8', cwd: dir });
        expect(out).toBe(p.output);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
  it('the JSON claim shown is examples/claim-toy-sgd-variance.json, and check --claim finds it holds', async () => {
    const shown = JSON.parse(blocks.find((b) => b.info === 'json')!.body);
    const { source: _s, labels: _l, ...shipped } = JSON.parse(readFileSync(join(root, 'examples/claim-toy-sgd-variance.json'), 'utf8'));
    expect(shown).toEqual(shipped);
    let out = '';
    const dir = mkdtempSync(join(root, '.scratch', 'claim-'));
    try {
      const code = await main(['check', '--claim', join(root, 'examples/claim-toy-sgd-variance.json'), '--out', join(dir, 'r'), '--no-png', '--json'], { out: (s) => void (out += s), err: () => {} });
      expect(code).toBe(EXIT.ok);
      const report = JSON.parse(out);
      expect(report.checks[0].rows[0].verdict.label).toBe('holds');
      const files = JSON.parse(readFileSync(join(dir, 'r', 'theory-report.json'), 'utf8')).files as string[];
      expect(files).toContain('claim-sgd-variance-on-the-toy-closed-form.html');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  it('check --claim refuses bad input before any work, naming the field', async () => {
    const run = async (args: string[]) => {
      let err = '';
      const code = await main(['check', ...args], { out: () => {}, err: (s) => void (err += s) });
      return { code, err };
    };
    const dir = mkdtempSync(join(root, '.scratch', 'claim-'));
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ name: 'x', quantity: 'q', kind: 'equal', prediction: 'eta + nope', experiment: JSON.parse(readFileSync(join(root, 'examples/claim-toy-sgd-variance.json'), 'utf8')).experiment }));
      const r = await run(['--claim', bad, '--out', join(dir, 'out')]);
      expect(r.code).toBe(EXIT.badInput);
      expect(r.err).toContain('claim.prediction');
      expect((await run(['--claim', join(dir, 'missing.mjs')])).err).toContain('--claim');
      expect((await run(['--claim', bad, '--quick'])).err).toContain('--quick');
      expect((await run(['mindthestep', '--claim', bad])).err).toContain('--claim');
      const mod = join(dir, 'claim.mjs');
      writeFileSync(mod, 'export const notAClaim = 1;\n');
      expect((await run(['--claim', mod])).err).toContain('exports no claim');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
