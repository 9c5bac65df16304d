/**
 * A lock file naming the process that writes a directory, so that two processes never write the
 * same output at once (two sweeps in one directory would both compute every point and overwrite
 * each other's rows). Taken with O_EXCL; a lock whose process has died (killed, crashed) is stale
 * and taken over; a live holder is refused by PID. On another host the holder's PID cannot be
 * checked, so such a lock is refused with instructions to remove it if no process is running —
 * unless the holder ran as a Slurm job that Slurm no longer runs (a cancelled or timed-out array
 * task killed with SIGKILL leaves its lock; its shard's rerun usually lands on another node).
 */
import { spawnSync } from 'node:child_process';
import { linkSync, lstatSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hostname } from 'node:os';
import { ConfigError } from '../core/errors.ts';
import { readInputText } from './input-file.ts';
import { onInterrupt } from './interrupt.ts';

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

/**
 * Whether Slurm says the job with this id has ended (`squeue -j ID` lists no pending, running or
 * completing job, or does not know the id). False when it cannot tell (no squeue, no controller,
 * an id that is not a job id), so that a lock is never taken from a job that may still run.
 *
 * @remarks Example (an internal helper, not in the package API): `slurmJobEnded('4242_1') // true once task 1 of array job 4242 finished, failed or was cancelled`
 */
export function slurmJobEnded(jobId: string): boolean {
  if (!/^\d+(_\d+)?$/.test(jobId)) return false;
  const r = spawnSync('squeue', ['-h', '-j', jobId, '-o', '%T'], { encoding: 'utf8', timeout: 15_000 });
  if (r.error) return false;
  if (r.status === 0) return r.stdout.trim() === '';
  return /invalid job id/i.test(r.stderr); // purged from the controller's memory: long over
}

/**
 * Take the lock `file` for `what` (the command: "sweep", "run", …, recorded in the lock and named
 * to a second writer), or throw a ConfigError naming `field`: another live process holds it (the
 * message names its command and PID and how to clear a lock left by no running process), or the
 * lock path is not a regular file (a FIFO or directory is refused by name, never opened for reading).
 */
export function acquireLock(file: string, field: string, what: string): Lock {
  const slurmJob = process.env.SLURM_JOB_ID;
  const me = { pid: process.pid, host: hostname(), command: what, started: new Date().toISOString(), ...(slurmJob ? { slurmJob } : {}) };
  for (let attempt = 0; attempt < 3; attempt++) {
    // The lock is written whole to a private file and hard-linked into place: link() is atomic and
    // fails if the name exists (the O_EXCL of NFS-safe locks), and the lock is complete the moment
    // it appears. (Opening the lock with O_EXCL and then writing left a window in which a second
    // writer read an empty lock, took it for a stale one and removed it while its holder ran.)
    const tmp = join(dirname(file), `.asgd-sdde-lock-${process.pid}.tmp`);
    try {
      writeFileSync(tmp, JSON.stringify(me) + '\n', { flag: 'w' });
    } catch (e) {
      removeQuietly(tmp); // a full disk: no lock and no temporary file left behind
      throw e;
    }
    try {
      linkSync(tmp, file);
    } catch (e) {
      removeQuietly(tmp);
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let kind: string | undefined;
      try {
        const st = lstatSync(file);
        if (!st.isFile()) kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
      } catch {
        continue; // removed meanwhile: try again
      }
      if (kind) throw new ConfigError(field, `the lock ${file} is ${kind}, not a lock file asgd-sdde wrote; remove it if no asgd-sdde process writes this directory`);
      let holder: { pid?: unknown; host?: unknown; command?: unknown; slurmJob?: unknown } = {};
      try {
        holder = JSON.parse(readInputText(file, field, 64 * 1024));
      } catch {
        // unreadable (not JSON): not a lock this version wrote whole, so stale
      }
      const pid = typeof holder.pid === 'number' && Number.isSafeInteger(holder.pid) && holder.pid > 0 ? holder.pid : undefined;
      const who = typeof holder.command === 'string' && /^[a-z0-9 -]{1,40}$/.test(holder.command) ? holder.command : 'asgd-sdde command';
      const endedSlurmJob = pid !== undefined && holder.host !== me.host && typeof holder.slurmJob === 'string' && slurmJobEnded(holder.slurmJob);
      if (pid !== undefined && holder.host !== me.host && !endedSlurmJob) {
        const job = typeof holder.slurmJob === 'string' ? ` (Slurm job ${holder.slurmJob}, which squeue still lists or could not be asked about)` : '';
        throw new ConfigError(field, `${file} says a ${who} is running as process ${pid} on host ${JSON.stringify(holder.host)}${job}; if no such process runs, remove the lock file (rm ${JSON.stringify(file)})`);
      }
      if (pid !== undefined && !endedSlurmJob && pid !== process.pid && processAlive(pid)) {
        throw new ConfigError(field, `another ${who} (process ${pid}) is writing to this directory (lock ${file}); wait for it to finish or choose another directory. If process ${pid} is not asgd-sdde, the lock is left over: remove it (rm ${JSON.stringify(file)})`);
      }
      try {
        unlinkSync(file); // stale: its process (or, on another host, its Slurm job) is gone
      } catch {
        // removed meanwhile by someone else
      }
      continue;
    }
    removeQuietly(tmp);
    let held = true;
    const lock: Lock = {
      file,
      release() {
        if (!held) return;
        held = false;
        forget();
        try {
          if (JSON.parse(readInputText(file, 'lock', 64 * 1024)).pid === process.pid) unlinkSync(file);
        } catch {
          // already gone
        }
      },
    };
    const forget = onInterrupt(() => lock.release()); // an interrupted command leaves no lock behind
    return lock;
  }
  throw new ConfigError(field, `could not take the lock ${file}; another process keeps replacing it`);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there
  }
}
