/**
 * The file system turning read-only (EROFS) mid-way through `run --force`, and a disk filling up
 * (ENOSPC) during `explore --build`: exit 2 naming the option and the reason, never exit 70, with
 * the previous result intact (and, for explore, no partial index.html or explorer.js left).
 * Before: EROFS while removing the stage escaped as an internal error (exit 70), and a full disk
 * left a partial explorer folder. Simulated through node:fs: from the N-th mutating call on
 * (mkdir, write, rename, copy, unlink, rm), every one fails with EROFS — for every N in turn; for
 * explore, the k-th copy writes half the file and fails with ENOSPC.
 */
import * as realFs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const fault = vi.hoisted(() => ({ calls: 0, roFrom: Infinity, copies: 0, fullAtCopy: Infinity }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const erofs = (name: string) => Object.assign(new Error(`EROFS: read-only file system, ${name}`), { code: 'EROFS', errno: -30, syscall: name });
  const guard = <F extends (...a: never[]) => unknown>(name: string, f: F): F =>
    ((...a: never[]) => {
      fault.calls++;
      if (fault.calls >= fault.roFrom) throw erofs(name);
      return f(...a);
    }) as F;
  const copyFileSync = ((src: string, dest: string) => {
    fault.copies++;
    if (fault.copies === fault.fullAtCopy) {
      const bytes = fs.readFileSync(src);
      fs.writeFileSync(dest, bytes.subarray(0, bytes.length >> 1));
      throw Object.assign(new Error('ENOSPC: no space left on device, copyfile'), { code: 'ENOSPC', errno: -28, syscall: 'copyfile' });
    }
    return fs.copyFileSync(src, dest);
  }) as typeof fs.copyFileSync;
  const patched = {
    mkdirSync: guard('mkdir', fs.mkdirSync),
    writeSync: guard('write', fs.writeSync),
    writeFileSync: guard('write', fs.writeFileSync),
    renameSync: guard('rename', fs.renameSync),
    unlinkSync: guard('unlink', fs.unlinkSync),
    rmSync: guard('rm', fs.rmSync),
    rmdirSync: guard('rmdir', fs.rmdirSync),
    copyFileSync,
  };
  return { ...fs, default: { ...fs, ...patched }, ...patched };
});

const { EXIT, main } = await import('../../src/cli/main.ts');

async function run(args: string[]) {
  let err = '';
  const code = await main(args, { out: () => {}, err: (s) => void (err += s) });
  return { code, err };
}

/** The visible files (a hidden journal or temporary the read-only file system kept is removed by the next run: checked at the end). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (!f.startsWith('.')) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

describe('a file system that turns read-only during run --force', () => {
  it('from every mutating call on: exit 2 naming --out and the read-only file system; the old result intact', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'asgd-sdde-erofs-'));
    const out = join(parent, 'out');
    const args = (seed: number) => ['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png', '--seed', String(seed)];
    fault.roFrom = Infinity;
    expect((await run(args(1))).code).toBe(EXIT.ok);
    fault.calls = 0;
    expect((await run([...args(2), '--force'])).code).toBe(EXIT.ok);
    const total = fault.calls;
    const before = snapshot(out);
    for (let n = 1; n <= total; n++) {
      fault.calls = 0;
      fault.roFrom = n;
      const r = await run([...args(3), '--force']);
      fault.roFrom = Infinity;
      const restore = () => {
        for (const f of readdirSync(parent)) if (f !== 'out') realFs.rmSync(join(parent, f), { recursive: true });
        realFs.rmSync(out, { recursive: true });
        realFs.mkdirSync(out);
        for (const [f, text] of Object.entries(before)) realFs.writeFileSync(join(out, f), text);
      };
      if (r.code === EXIT.ok) {
        // read-only only after the new marker was in: the result is published, the clean-up is said to have failed
        expect(r.err, `from call ${n}`).toMatch(/note: published .*, but could not remove .*read-only/);
        expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).seed).toBe(3);
        restore();
        continue;
      }
      expect(r.code, `from call ${n} of ${total}: ${r.err}`).toBe(EXIT.badInput);
      expect(r.err, `from call ${n}`).toMatch(/error: --out: .*read-only/);
      expect(r.err).not.toContain('internal error');
      const aside = /its files are in (\S+)$/m.exec(r.err)?.[1];
      if (aside === undefined) expect(snapshot(out), `from call ${n}`).toEqual(before);
      else {
        // the file system went read-only between two moves, so the moves back failed too: the
        // message names the folder holding the old files, and nothing of the old result is lost
        expect(r.err).toContain('could not be fully restored');
        const found = { ...snapshot(out), ...snapshot(aside) };
        for (const [f, text] of Object.entries(before)) expect(found[f], `${f} from call ${n}`).toBe(text);
        restore();
      }
    }
    // (a stage the read-only file system kept is removed by the next run)
    expect((await run([...args(4), '--force'])).code).toBe(EXIT.ok);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readdirSync(out).sort()).toEqual(['figure.html', 'paths.csv', 'result.json']);
  });
});

describe('explore --build on a disk that fills up', () => {
  it('the k-th copy fails half-written: exit 2 naming --build, no partial files, no folder', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'asgd-sdde-explore-full-'));
    for (let k = 1; k <= 4; k++) {
      fault.copies = 0;
      fault.fullAtCopy = k;
      const r = await run(['explore', '--build', join(parent, 'site')]);
      fault.fullAtCopy = Infinity;
      expect(r.code, `copy ${k}: ${r.err}`).toBe(EXIT.badInput);
      expect(r.err).toMatch(/error: --build: .*no space left on the device/);
      expect(realFs.existsSync(join(parent, 'site')), `copy ${k}`).toBe(false);
    }
    expect((await run(['explore', '--build', join(parent, 'site')])).code).toBe(EXIT.ok);
    expect(readdirSync(join(parent, 'site'))).toContain('index.html');
  });
});
