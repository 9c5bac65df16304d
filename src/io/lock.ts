/**
 * A lock file naming the process that writes a directory, so that two processes never write the
 * same output at once (two sweeps in one directory would both compute every point and overwrite
 * each other's rows). Taken with O_EXCL; a lock whose process has died (killed, crashed) is stale
 * and taken over; a live holder is refused by PID. On another host the holder's liveness cannot be
 * checked, so such a lock is refused with instructions to remove it if no process is running.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '../core/errors.ts';

export interface Lock {
  readonly file: string;
  release(): void;
}

/** Whether a process with this PID exists on this machine (EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

export function acquireLock(file: string, field: string, what: string): Lock {
  const me = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: { pid?: unknown; host?: unknown } = {};
      try {
        holder = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        // unreadable or half-written by a process killed between open and write: stale
      }
      const pid = typeof holder.pid === 'number' && Number.isSafeInteger(holder.pid) && holder.pid > 0 ? holder.pid : undefined;
      if (pid !== undefined && holder.host !== me.host) {
        throw new ConfigError(field, `${file} says ${what} is running as process ${pid} on host ${JSON.stringify(holder.host)}; if no such process runs, remove the lock file`);
      }
      if (pid !== undefined && pid !== process.pid && processAlive(pid)) {
        throw new ConfigError(field, `another ${what} (process ${pid}) is writing to this directory; wait for it to finish or choose another directory`);
      }
      try {
        unlinkSync(file); // stale: its process is gone
      } catch {
        // removed meanwhile by someone else
      }
      continue;
    }
    writeSync(fd, JSON.stringify(me) + '\n');
    closeSync(fd);
    let held = true;
    return {
      file,
      release() {
        if (!held) return;
        held = false;
        try {
          if (JSON.parse(readFileSync(file, 'utf8')).pid === process.pid) unlinkSync(file);
        } catch {
          // already gone
        }
      },
    };
  }
  throw new ConfigError(field, `could not take the lock ${file}; another process keeps replacing it`);
}
