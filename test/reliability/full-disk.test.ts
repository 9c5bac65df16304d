/**
 * A disk that fills up while a result is written (issue 14, item 5: ENOSPC gave exit 70 in 7 of
 * 10 cases, one left a 30 MB temporary file, one wrote paths.csv without result.json). Here the
 * file system is simulated: every write through node:fs (writeSync, writeFileSync) draws on a
 * budget of free bytes, and fails with ENOSPC once it is spent — the space-estimate check before
 * the run sees the real (roomy) disk, so the failure comes mid-write, at every point of the
 * output in turn. Each time: exit 2 naming --out and the full disk, the directory exactly as
 * before (absent, or the previous complete result), no temporary file or stage left behind.
 * (test/reliability/faults.test.ts fills a real tmpfs.)
 */
import * as realFs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const disk = vi.hoisted(() => ({ budget: Infinity }));

function spend(bytes: number): void {
  if (bytes > disk.budget) {
    disk.budget = 0;
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
  disk.budget -= bytes;
}

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const size = (data: unknown, length?: number) => (typeof length === 'number' ? length : typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).byteLength);
  const writeSync = ((fd: number, data: string | Uint8Array, ...rest: unknown[]) => {
    const length = typeof data === 'string' ? undefined : (rest[1] as number | undefined);
    spend(size(data, length));
    return (fs.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
  }) as typeof fs.writeSync;
  const writeFileSync = ((file: unknown, data: string | Uint8Array, ...rest: unknown[]) => {
    spend(size(data));
    return (fs.writeFileSync as (...a: unknown[]) => void)(file, data, ...rest);
  }) as typeof fs.writeFileSync;
  return { ...fs, default: { ...fs, writeSync, writeFileSync }, writeSync, writeFileSync };
});

const { EXIT, main } = await import('../../src/cli/main.ts');

const config = (seed: number) => ({
  kind: 'asgd',
  seed,
  asgd: { objective: { kind: 'least-squares', n: 50, d: 3, seed: 1 }, x0: 0, eta: 0.01, iterations: 3000, batchSize: 4, delay: { kind: 'uniform', max: 3 }, saveEvery: 1 },
});

/** Every file under dir with its content (hidden ones included). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!realFs.existsSync(dir)) return out;
  for (const f of readdirSync(dir)) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

async function run(args: string[]) {
  let err = '';
  const code = await main(args, { out: () => {}, err: (s) => void (err += s) });
  return { code, err };
}

describe('a disk that fills up mid-write: exit 2, nothing written, nothing left behind', () => {
  it('run into a new directory and over a previous result (--force), failing at every stage of the output', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-enospc-'));
    writeFileSync(join(d, 'old.json'), JSON.stringify(config(1)));
    writeFileSync(join(d, 'new.json'), JSON.stringify(config(2)));
    // how many bytes a complete result takes
    disk.budget = Infinity;
    expect((await run(['run', join(d, 'new.json'), '--out', join(d, 'probe'), '--no-png'])).code).toBe(EXIT.ok);
    const total = Object.values(snapshot(join(d, 'probe'))).reduce((n, t) => n + Buffer.byteLength(t), 0);
    expect(total).toBeGreaterThan(100_000);
    // a previous complete result to protect
    expect((await run(['run', join(d, 'old.json'), '--out', join(d, 'kept'), '--no-png'])).code).toBe(EXIT.ok);
    const before = snapshot(join(d, 'kept'));
    let failures = 0;
    for (const fraction of [0, 0.001, 0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.97, 0.995]) {
      for (const target of ['fresh', 'kept']) {
        disk.budget = Math.floor(fraction * total);
        const r = await run(['run', join(d, 'new.json'), '--out', join(d, target), '--no-png', ...(target === 'kept' ? ['--force'] : [])]);
        disk.budget = Infinity;
        const label = `${target} at ${fraction}: ${r.err}`;
        expect(r.code, label).toBe(EXIT.badInput);
        expect(r.err, label).toMatch(/^error: --out: could not write .*no space left on the device \(ENOSPC\); nothing was written/);
        expect(r.err).not.toMatch(/\n\s+at /);
        failures++;
        if (target === 'fresh') expect(realFs.existsSync(join(d, 'fresh')), label).toBe(false);
        else expect(snapshot(join(d, 'kept')), label).toEqual(before);
        // no temporary file, no stage directory
        expect(readdirSync(d).sort(), label).toEqual(['kept', 'new.json', 'old.json', 'probe']);
      }
    }
    expect(failures).toBe(20);
  });
});
