/**
 * Output files are written atomically: to a temporary file in the same directory, then renamed
 * over the target. A run killed mid-write leaves the previous complete file or none, never a
 * truncated CSV or JSON.
 */
import { mkdirSync, renameSync, writeFileSync, copyFileSync, existsSync, statSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
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
