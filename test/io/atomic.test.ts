/**
 * Atomic writes reach the disk in the right order (issue 14, item 7: "fsync the file and its
 * directory before the rename"): the temporary file's data is flushed (fsync) before it is
 * renamed over the target, and the directory is flushed after the rename, so a power loss leaves
 * the old file or the new one, never a renamed but empty file. The calls into node:fs are
 * recorded (a power loss cannot be simulated here); a failed write removes its temporary file.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const log = vi.hoisted(() => ({ calls: [] as string[], fds: new Map<number, string>(), failWrite: false }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const name = (p: unknown) => String(p).split('/').at(-1)!;
  const wrapped = {
    openSync: (p: string, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(p, ...rest);
      log.fds.set(fd, name(p));
      log.calls.push(`open ${name(p)}`);
      return fd;
    },
    writeSync: (fd: number, ...rest: unknown[]) => {
      if (log.failWrite) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      log.calls.push(`write ${log.fds.get(fd)}`);
      return (fs.writeSync as (...a: unknown[]) => number)(fd, ...rest);
    },
    writeFileSync: (p: unknown, ...rest: unknown[]) => {
      log.calls.push(`writeFile ${name(p)}`);
      return (fs.writeFileSync as (...a: unknown[]) => void)(p, ...rest);
    },
    fsyncSync: (fd: number) => {
      log.calls.push(`fsync ${log.fds.get(fd)}`);
      return fs.fsyncSync(fd);
    },
    renameSync: (a: string, b: string) => {
      log.calls.push(`rename ${name(a)} → ${name(b)}`);
      return fs.renameSync(a, b);
    },
  };
  return { ...fs, ...wrapped, default: { ...fs, ...wrapped } };
});

const { writeFileAtomic } = await import('../../src/io/atomic.ts');

describe('writeFileAtomic', () => {
  it('flushes the data before the rename and the directory after it', () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-atomic-'));
    log.calls.length = 0;
    writeFileAtomic(join(d, 'sweep.csv'), 'a,b\n1,2\n');
    expect(readFileSync(join(d, 'sweep.csv'), 'utf8')).toBe('a,b\n1,2\n');
    const tmp = `.sweep.csv.tmp-${process.pid}`;
    const at = (c: string) => log.calls.indexOf(c);
    expect(at(`write ${tmp}`), log.calls.join(' | ')).toBeGreaterThanOrEqual(0);
    expect(at(`fsync ${tmp}`)).toBeGreaterThan(at(`write ${tmp}`));
    expect(at(`rename ${tmp} → sweep.csv`)).toBeGreaterThan(at(`fsync ${tmp}`));
    expect(log.calls.lastIndexOf(`fsync ${basename(d)}`)).toBeGreaterThan(at(`rename ${tmp} → sweep.csv`));
  });
  it('a failed write leaves no temporary file and the old file intact', () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-atomic-'));
    writeFileAtomic(join(d, 'f.json'), '{"old": true}\n');
    log.failWrite = true;
    try {
      expect(() => writeFileAtomic(join(d, 'f.json'), '{"new": true}\n')).toThrow(/EIO/);
    } finally {
      log.failWrite = false;
    }
    expect(readdirSync(d)).toEqual(['f.json']);
    expect(readFileSync(join(d, 'f.json'), 'utf8')).toBe('{"old": true}\n');
  });
});
