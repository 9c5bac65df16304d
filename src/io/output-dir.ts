/**
 * Output directories, checked before any work and published all at once.
 *
 * `checkOutDir` refuses, before any work, an output path that cannot be written: one under a file,
 * on a read-only mount or without write permission, at a dangling symbolic link, or with a name
 * longer than the file system allows.
 *
 * `Stage` (stage.ts) then gives a command a staging directory beside the target and publishes
 * the result all at once, replacing only files asgd-sdde recorded as its own (marker.ts).
 *
 * A write that fails (a full disk, a read-only remount) discards the stage and is reported as a
 * ConfigError naming --out (exit 2) with nothing written; stages left by killed processes are
 * removed by the next command writing there.
 */
import { accessSync, constants, existsSync, lstatSync, statfsSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { ConfigError } from '../core/errors.ts';

/** Linux NAME_MAX and PATH_MAX (bytes). */
const NAME_MAX = 255;
const PATH_MAX = 4095;

/** `--out DIR` resolved; an empty value is refused (it would mean the current directory). */
export function outDirOption(value: string | undefined, fallback: string, field = '--out'): string {
  if (value !== undefined && value.trim() === '') throw new ConfigError(field, 'must name a directory, got an empty string');
  return resolve(value ?? fallback);
}

/** The closest ancestor of `dir` (or `dir` itself) that exists. */
export function existingAncestor(dir: string): string {
  let cur = dir;
  for (;;) {
    let exists = false;
    try {
      lstatSync(cur);
      exists = true;
    } catch {
      exists = false;
    }
    if (exists) return cur;
    const up = dirname(cur);
    if (up === cur) return cur;
    cur = up;
  }
}

/**
 * Refuse, before any work, an output directory that cannot be created or written. `dir` is
 * absolute (from `outDirOption`).
 */
export function checkOutDir(dir: string, field = '--out'): void {
  if (Buffer.byteLength(dir) > PATH_MAX) throw new ConfigError(field, `the path is ${Buffer.byteLength(dir)} bytes long; the file system allows ${PATH_MAX}`);
  for (const part of dir.split(sep)) {
    if (Buffer.byteLength(part) > NAME_MAX) throw new ConfigError(field, `the name ${JSON.stringify(part.slice(0, 40) + '…')} is ${Buffer.byteLength(part)} bytes long; the file system allows ${NAME_MAX}`);
  }
  const at = existingAncestor(dir);
  const st = lstatSync(at);
  if (st.isSymbolicLink()) {
    if (!existsSync(at)) throw new ConfigError(field, `${at} is a symbolic link to a path that does not exist`);
  }
  if (!statSync(at).isDirectory()) {
    throw new ConfigError(field, at === dir ? `${dir} exists and is not a directory` : `${dir} would be created under ${at}, which is a file, not a directory`);
  }
  try {
    accessSync(at, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(field, code === 'EROFS' ? `${at} is on a read-only file system` : `${at} is not writable (${code})`);
  }
}

/** Bytes free for this user on the file system holding `dir` (or its closest existing ancestor). */
export function freeBytes(dir: string): number {
  const s = statfsSync(existingAncestor(dir));
  return s.bavail * s.bsize;
}

const FS_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an input/output error',
  ENAMETOOLONG: 'a file name is too long',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'the directory disappeared while writing',
  EMFILE: 'too many open files',
  EFBIG: 'a file is larger than the file system allows',
};

/** What a file-system error code means, for messages ("the file system is read-only (EROFS)"), or the code itself. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && Object.hasOwn(FS_ERRORS, code)) return `${FS_ERRORS[code]} (${code})`;
  return code ?? (e as Error)?.message ?? String(e);
}

/** A file-system failure while writing a result, as bad input naming --out; anything else unchanged. */
export function outputFailure(e: unknown, target: string, field = '--out'): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && Object.hasOwn(FS_ERRORS, code)) {
    return new ConfigError(field, `could not write ${target}: ${FS_ERRORS[code]} (${code}); nothing was written`);
  }
  return e;
}

export { Stage, type StageOptions } from './stage.ts';
