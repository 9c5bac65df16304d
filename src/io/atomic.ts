/**
 * Output files are written atomically: to a temporary file in the same directory, then renamed
 * over the target. A run killed mid-write leaves the previous complete file or none, never a
 * truncated CSV or JSON.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Remove temporary files of `file` left by processes that no longer run (a killed earlier run). */
function removeStaleTemporaries(file: string): void {
  const prefix = `.${basename(file)}.tmp-`;
  for (const name of readdirSync(dirname(file))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (!alive) {
      try {
        unlinkSync(join(dirname(file), name));
      } catch {
        // already gone
      }
    }
  }
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  removeStaleTemporaries(file);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

/** Copy `src` to `dest` atomically unless `dest` already exists with the same size. */
export function copyFileAtomicIfChanged(src: string, dest: string): void {
  if (existsSync(dest) && statSync(dest).size === statSync(src).size) return;
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}`);
  copyFileSync(src, tmp);
  renameSync(tmp, dest);
}
