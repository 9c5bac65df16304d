/**
 * Publishing is all or nothing: a rename that fails at any step of a --force run (an I/O error
 * here, simulated: the N-th renameSync through node:fs throws EIO, for every N in turn) ends with
 * exit 2 and the directory exactly as before — the old marker, the old files and the user's other
 * files — and no stage, set-aside folder, journal or lock left behind. Before, a failure mid-way
 * left the new files beside no marker (the old result.json removed, the new one thrown away).
 */
import * as realFs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const fault = vi.hoisted(() => ({ calls: 0, failAt: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const renameSync = ((from: string, to: string) => {
    fault.calls++;
    if (fault.calls === fault.failAt) throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO', errno: -5, syscall: 'rename' });
    return fs.renameSync(from, to);
  }) as typeof fs.renameSync;
  return { ...fs, default: { ...fs, renameSync }, renameSync };
});

const { EXIT, main } = await import('../../src/cli/main.ts');

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { withFileTypes: true })) out[f.name] = f.isDirectory() ? 'dir' : readFileSync(join(dir, f.name), 'utf8');
  return out;
}

async function run(args: string[]) {
  let err = '';
  const code = await main(args, { out: () => {}, err: (s) => void (err += s) });
  return { code, err };
}

describe('a failure at any rename of a --force publication restores the old result (exit 2)', () => {
  it('every rename in turn fails with EIO', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'asgd-sdde-rollback-'));
    const out = join(parent, 'out');
    const args = (seed: number) => ['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png', '--seed', String(seed)];
    fault.failAt = 0;
    expect((await run(args(1))).code).toBe(EXIT.ok);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    mkdirSync(join(out, 'data'));
    const before = snapshot(out);
    // how many renames a successful --force run makes
    fault.calls = 0;
    expect((await run([...args(2), '--force'])).code).toBe(EXIT.ok);
    const total = fault.calls;
    expect(total).toBeGreaterThan(5);
    const second = snapshot(out);
    expect(JSON.parse(second['result.json']).seed).toBe(2);
    for (let n = 1; n <= total; n++) {
      fault.calls = 0;
      fault.failAt = n;
      const r = await run([...args(n % 2 === 0 ? 3 : 4), '--force']);
      expect(r.code, `rename ${n}: ${r.err}`).toBe(EXIT.badInput);
      expect(r.err, `rename ${n}`).toMatch(/--out: .*(EIO|i\/o error)/i);
      expect(snapshot(out), `rename ${n} of ${total}`).toEqual(second);
      expect(readdirSync(parent), `rename ${n}: nothing left beside the directory`).toEqual(['out']);
    }
    fault.failAt = 0;
    expect(before['notes.txt']).toBe('mine');
  });
});
