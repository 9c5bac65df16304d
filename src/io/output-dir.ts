/**
 * Output directories, checked before any work and published all at once.
 *
 * `checkOutDir` refuses, before any work, an output path that cannot be written: one under a file,
 * on a read-only mount or without write permission, at a dangling symbolic link, or with a name
 * longer than the file system allows.
 *
 * `openStage` then gives a command a staging directory beside the target (`.NAME.stage-PID`, same
 * parent, so relative links in figure pages stay valid) and refuses, without --force, a target
 * that already holds any file of this command's result. Every file is written into the stage;
 * `publish` then makes the result visible at once:
 *
 * - a target that does not exist yet is the stage renamed (one atomic rename: all new or nothing);
 * - into an existing directory (which may hold the user's other files) the old result's marker
 *   file (result.json, theory-report.json, …) is removed first, the new files are renamed in,
 *   the files of the old result that the new one does not have are removed, and the new marker is
 *   renamed in last. A reader that trusts the files beside a marker (and the marker's `files`
 *   list) therefore sees the complete old result, the complete new one, or no result — never
 *   an old result.json beside a new paths.csv.
 *
 * A write that fails (a full disk, a read-only remount) discards the stage and is reported as a
 * ConfigError naming --out (exit 2) with nothing written; stages left by killed processes are
 * removed by the next command writing there.
 */
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statfsSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { fsyncDir } from './atomic.ts';
import { processAlive } from './lock.ts';

/** Linux NAME_MAX and PATH_MAX (bytes). */
const NAME_MAX = 255;
const PATH_MAX = 4095;

/** `--out DIR` resolved; an empty value is refused (it would mean the current directory). */
export function outDirOption(value: string | undefined, fallback: string, field = '--out'): string {
  if (value !== undefined && value.trim() === '') throw new ConfigError(field, 'must name a directory, got an empty string');
  return resolve(value ?? fallback);
}

/** The closest ancestor of `dir` (or `dir` itself) that exists. */
function existingAncestor(dir: string): string {
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

/** A file-system failure while writing a result, as bad input naming --out; anything else unchanged. */
export function outputFailure(e: unknown, target: string, field = '--out'): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && Object.hasOwn(FS_ERRORS, code)) {
    return new ConfigError(field, `could not write ${target}: ${FS_ERRORS[code]} (${code}); nothing was written`);
  }
  return e;
}

export interface StageOptions {
  /** The output directory (absolute). */
  dir: string;
  /** The option that named it, for messages. */
  field?: string;
  /** Overwrite an existing result of this command. */
  force: boolean;
  /** Whether a file name belongs to this command's results (an existing one needs --force). */
  ours: (name: string) => boolean;
  /** The file written last: its presence says the result beside it is complete. */
  marker: string;
  /** Estimated bytes of output: refused before any work if the file system has less free. */
  bytes?: number;
}

export class Stage {
  readonly dir: string;
  readonly target: string;
  private readonly field: string;
  private readonly marker: string;
  private readonly ours: (name: string) => boolean;
  /** The first directory created on the way to the stage (removed again on discard). */
  private readonly created: string | undefined;
  private done = false;

  constructor(opts: StageOptions) {
    const field = opts.field ?? '--out';
    const target = opts.dir;
    checkOutDir(target, field);
    if (existsSync(target)) {
      const found = readdirSync(target).filter(opts.ours);
      if (found.length && !opts.force) throw new ConfigError(field, `${target} already holds a result (${found.slice(0, 6).join(', ')}${found.length > 6 ? ', …' : ''}); choose another directory or pass --force`);
    }
    if (opts.bytes !== undefined) {
      const free = freeBytes(target);
      if (opts.bytes > free) throw new ConfigError(field, `the output needs about ${mb(opts.bytes)} and the file system of ${existingAncestor(target)} has ${mb(free)} free; free some space, choose another directory, or save less often`);
    }
    const parent = dirname(target);
    const stage = join(parent, `.${basename(target)}.stage-${process.pid}`);
    let created: string | undefined;
    try {
      created = mkdirSync(parent, { recursive: true }) ?? undefined;
      removeStaleStages(parent, basename(target));
      mkdirSync(stage);
    } catch (e) {
      if (created) removeEmptyUpTo(parent, created);
      throw outputFailure(e, target, field);
    }
    this.dir = stage;
    this.target = target;
    this.field = field;
    this.marker = opts.marker;
    this.ours = opts.ours;
    this.created = created;
  }

  /** Make the staged files the result in the target directory (see the module comment). */
  publish(): void {
    if (this.done) return;
    try {
      fsyncDir(this.dir);
      if (!existsSync(this.target)) {
        try {
          renameSync(this.dir, this.target);
          fsyncDir(dirname(this.target));
          this.done = true;
          return;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
          // the target appeared meanwhile: publish file by file below
        }
      }
      const fresh = readdirSync(this.dir);
      const markerFile = join(this.target, this.marker);
      const old = new Set(readdirSync(this.target).filter(this.ours));
      for (const f of listedFiles(markerFile)) old.add(f);
      // 1. the old result stops being a result
      if (existsSync(markerFile)) unlinkSync(markerFile);
      fsyncDir(this.target);
      // 2. the new files, then the old files the new result does not have
      for (const f of fresh) if (f !== this.marker) renameSync(join(this.dir, f), join(this.target, f));
      for (const f of old) {
        if (f === this.marker || fresh.includes(f) || f === 'plotly.js') continue;
        rmSync(join(this.target, f), { force: true });
      }
      fsyncDir(this.target);
      // 3. the marker last: from now on the new result is complete
      if (fresh.includes(this.marker)) renameSync(join(this.dir, this.marker), markerFile);
      fsyncDir(this.target);
      rmSync(this.dir, { recursive: true, force: true });
      this.done = true;
    } catch (e) {
      throw outputFailure(e, this.target, this.field);
    }
  }

  /** Remove the stage (and directories created for it); the target is untouched. */
  discard(): void {
    if (this.done) return;
    this.done = true;
    rmSync(this.dir, { recursive: true, force: true });
    if (this.created) removeEmptyUpTo(dirname(this.dir), this.created);
  }

  /**
   * Run `write(stageDir)`, then publish. Any failure discards the stage (nothing is written) and a
   * file-system failure becomes a ConfigError naming the option (exit 2).
   */
  async run<T>(write: (dir: string) => Promise<T> | T): Promise<T> {
    let out: T;
    try {
      out = await write(this.dir);
      this.publish();
    } catch (e) {
      this.discard();
      throw outputFailure(e, this.target, this.field);
    }
    return out;
  }
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(0.1, bytes / 1e6).toFixed(1)} MB`;
}

/** Files a marker lists (`files` in result.json, theory-report.json …), if it is readable. */
function listedFiles(marker: string): string[] {
  try {
    const files = JSON.parse(readFileSync(marker, 'utf8')).files;
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string' && f !== '' && !f.includes('/') && !f.includes('\\') && f !== '..' && f !== '.') : [];
  } catch {
    return [];
  }
}

/** Stages of `name` left in `parent` by processes that no longer run. */
function removeStaleStages(parent: string, name: string): void {
  const prefix = `.${name}.stage-`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) continue;
    rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

/** Remove `dir` and its parents while they are empty, up to and including `top`. */
function removeEmptyUpTo(dir: string, top: string): void {
  let cur = dir;
  for (;;) {
    try {
      rmdirSync(cur);
    } catch {
      return;
    }
    if (cur === top) return;
    const up = dirname(cur);
    if (up === cur) return;
    cur = up;
  }
}

