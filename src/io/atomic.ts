/**
 * Output files are written atomically: to a temporary file in the same directory, flushed to disk
 * (fsync), then renamed over the target, and the directory flushed too. A run killed mid-write —
 * or a machine that loses power — leaves the previous complete file or none, never a truncated
 * CSV or JSON. A failed write (a full disk) removes its temporary file.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
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

/** Flush a directory's entries (a rename) to disk; a no-op where directories cannot be opened. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported on this platform or file system
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Write `file` atomically from chunks produced by `write(emit)`: each emitted string or byte
 * array is appended to the temporary file as it comes, so a large table never has to be one
 * string in memory.
 */
export function writeStreamAtomic(file: string, write: (emit: (chunk: string | Uint8Array) => void) => void): void {
  mkdirSync(dirname(file), { recursive: true });
  removeStaleTemporaries(file);
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  let ok = false;
  try {
    write((chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    });
    fsyncSync(fd);
    ok = true;
  } finally {
    closeSync(fd);
    if (!ok) {
      try {
        unlinkSync(tmp); // a full disk (or any failure): no half-written temporary file stays behind
      } catch {
        // already gone
      }
    }
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp); // the rename failed: the temporary file goes too
    } catch {
      // already gone
    }
    throw e;
  }
  fsyncDir(dirname(file));
}

export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  writeStreamAtomic(file, (emit) => emit(content));
}

/** Copy `src` to `dest` atomically unless `dest` already exists with the same size. */
export function copyFileAtomicIfChanged(src: string, dest: string): void {
  if (existsSync(dest) && statSync(dest).size === statSync(src).size) return;
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${process.pid}`);
  try {
    copyFileSync(src, tmp);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw e;
  }
  renameSync(tmp, dest);
  fsyncDir(dirname(dest));
}
