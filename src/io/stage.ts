/**
 * Staged results, published all or nothing (see output-dir.ts for the checks before any work).
 *
 * A command writes its files into a staging directory beside the target (`.NAME.stage-PID`, same
 * parent, so relative links in figure pages stay valid; a long NAME is replaced by a short hash so
 * that the staging name fits the file system's 255 bytes). `publish` then makes the result visible:
 *
 * - a target that does not exist yet is the stage renamed (one atomic rename);
 * - into an existing directory (which may hold the user's other files) every step is checked
 *   first: the old marker must be one asgd-sdde can verify (marker.ts), and every file the new
 *   result replaces must still have the content the old marker recorded. Then the old marker and
 *   the old files that go are moved aside (into `.NAME.old-PID`), the new files renamed in, and the
 *   new marker renamed in last. Any failure on the way moves everything back (the old result is
 *   restored) and is reported as a ConfigError (exit 2). A journal beside the marker records the
 *   digests of the old and new files meanwhile, so a process killed mid-way leaves files the next
 *   run still recognises as its own.
 *
 * Files of the old result whose content changed since (edited by the user) are not removed: they
 * stay, and the command says so through `note`. Other files in the directory are never touched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { fsyncDir, writeFileAtomic } from './atomic.ts';
import { onInterrupt } from './interrupt.ts';
import { acquireLock, type Lock } from './lock.ts';
import { checkOutDir, existingAncestor, freeBytes, fsReason, outputFailure } from './output-dir.ts';
import { type Digests, fileDigest, isRecorded, journalName, journalText, recordedDigests, withDigests } from './marker.ts';
import { processAlive } from './lock.ts';

/** The shared plotly bundle (`--copy-plotly`): the same bytes whatever wrote it; never removed. */
const PLOTLY = 'plotly.js';
/** Linux NAME_MAX. */
const NAME_MAX = 255;

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
  /**
   * Check the old marker's digests (default true). false: the caller has verified the old
   * marker itself (merge checks the sweep manifest) and files are recognised by name.
   */
  verify?: boolean;
  /** The names the new result may write (default: `ours`); an unverified one is refused up front. */
  writes?: (name: string) => boolean;
  /** The command, named to a second writer refused by the directory's lock (e.g. "run"). */
  command?: string;
  /**
   * Files of the result whose content changes between identical runs (wall-clock timings): the
   * marker lists them without a digest, and they are recognised by their content (marker.ts).
   */
  volatile?: readonly string[];
  /** Messages for the user (a file kept because it changed); default: stderr. */
  note?: (message: string) => void;
}

/**
 * A hidden name for a helper of `name` (`.NAME.SUFFIX-PID`) that fits NAME_MAX: NAME itself, or a
 * 16-hex-digit hash of it when NAME is too long.
 */
export function siblingName(name: string, suffix: string, pid = process.pid): string {
  const plain = `.${name}.${suffix}-${pid}`;
  if (Buffer.byteLength(plain) <= NAME_MAX && Buffer.byteLength(`.${name}.${suffix}-`) + 10 <= NAME_MAX) return plain;
  return `.${hashTag(name)}.${suffix}-${pid}`;
}

function hashTag(name: string): string {
  return `h${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

/** The lock of output directory `dir`: a hidden file beside it (it may not exist yet). */
export function outputLockFile(dir: string): string {
  const name = basename(dir);
  const plain = `.${name}.lock`;
  return join(dirname(dir), Buffer.byteLength(plain) <= NAME_MAX ? plain : `.${hashTag(name)}.lock`);
}

/**
 * Take the lock `name` inside directory `dir` for `command`, creating `dir` (and its parents) if
 * missing; when the lock is refused, directories created for it are removed again.
 */
export function takeDirLock(dir: string, name: string, field: string, command: string): Lock {
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true }) ?? undefined;
  } catch (e) {
    throw outputFailure(e, dir, field);
  }
  try {
    return acquireLock(join(dir, name), field, command);
  } catch (e) {
    if (created) removeEmptyUpTo(dir, created);
    throw outputFailure(e, dir, field);
  }
}

export class Stage {
  readonly dir: string;
  readonly target: string;
  private readonly field: string;
  private readonly marker: string;
  private readonly volatile: readonly string[];
  private readonly ours: (name: string) => boolean;
  private readonly verify: boolean;
  private readonly note: (message: string) => void;
  /** The first directory created on the way to the stage (removed again on discard). */
  private readonly created: string | undefined;
  private readonly lock: Lock | undefined;
  private done = false;
  /** Unregisters the discard that runs if the process is interrupted (SIGINT, SIGTERM). */
  private readonly forget: () => void;

  constructor(opts: StageOptions) {
    const field = opts.field ?? '--out';
    const target = opts.dir;
    const verify = opts.verify ?? true;
    const writes = opts.writes ?? opts.ours;
    checkOutDir(target, field);
    const parent = dirname(target);
    let created: string | undefined;
    let lock: Lock | undefined;
    try {
      created = mkdirSync(parent, { recursive: true }) ?? undefined;
    } catch (e) {
      throw outputFailure(e, target, field);
    }
    const stage = join(parent, siblingName(basename(target), 'stage'));
    try {
      // one writer per output directory: a second command into the same --out is refused by PID
      lock = acquireLock(outputLockFile(target), field, opts.command ?? 'command');
      if (existsSync(target)) {
        const found = readdirSync(target).filter(opts.ours);
        if (found.length && !opts.force) throw new ConfigError(field, `${target} already holds a result (${found.slice(0, 6).join(', ')}${found.length > 6 ? ', …' : ''}); choose another directory or pass --force`);
        if (found.length && verify) {
          // --force replaces only what asgd-sdde recorded as its own: refused now, before any work
          const digests = recordedDigests(target, opts.marker, opts.ours, field);
          const foreign = found.filter((f) => f !== opts.marker && writes(f) && !isRecorded(digests, target, f));
          if (foreign.length) throw notOurs(field, target, foreign, opts.marker);
        }
      }
      if (opts.bytes !== undefined) {
        const free = freeBytes(target);
        if (opts.bytes > free) throw new ConfigError(field, `the output needs about ${mb(opts.bytes)} and the file system of ${existingAncestor(target)} has ${mb(free)} free; free some space, choose another directory, or save less often`);
      }
      removeStaleStages(parent, basename(target));
      mkdirSync(stage);
    } catch (e) {
      lock?.release();
      if (created) removeEmptyUpTo(parent, created);
      throw outputFailure(e, target, field);
    }
    this.dir = stage;
    this.target = target;
    this.field = field;
    this.marker = opts.marker;
    this.volatile = opts.volatile ?? [];
    this.ours = opts.ours;
    this.verify = verify;
    this.note = opts.note ?? ((m) => void process.stderr.write(`note: ${m}\n`));
    this.created = created;
    this.lock = lock;
    this.forget = onInterrupt(() => this.discard());
  }

  /** Make the staged files the result in the target directory (see the module comment). */
  publish(): void {
    if (this.done) return;
    try {
      const fresh = readdirSync(this.dir);
      const payload = fresh.filter((f) => f !== this.marker && f !== PLOTLY);
      for (const f of payload) if (!this.ours(f)) throw new Error(`internal: the stage holds ${f}, which is not a file of this result`);
      if (fresh.includes(this.marker)) {
        // the marker records the tool, the format and the digest of every file of the result
        const markerFile = join(this.dir, this.marker);
        writeFileAtomic(markerFile, withDigests(readFileSync(markerFile, 'utf8'), this.dir, payload, this.volatile));
      }
      fsyncDir(this.dir);
      if (!existsSync(this.target)) {
        try {
          renameSync(this.dir, this.target);
          fsyncDir(dirname(this.target));
          this.finish();
          return;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw e;
          // the target appeared meanwhile: publish file by file below
        }
      }
      this.publishInto(fresh, payload);
      this.finish();
      this.cleanUp(this.dir);
    } catch (e) {
      throw outputFailure(e, this.target, this.field);
    }
  }

  /** Publish into the existing target: check every step, then move, restoring on any failure. */
  private publishInto(fresh: string[], payload: string[]): void {
    const target = this.target;
    const digests: Digests = this.verify ? recordedDigests(target, this.marker, this.ours, this.field) : new Map();
    const isOurs = (f: string) => (this.verify ? isRecorded(digests, target, f) : fileDigest(join(target, f)) !== undefined);
    const present = readdirSync(target).filter((f) => f !== this.marker && f !== PLOTLY && (this.ours(f) || digests.has(f)));
    const replace: string[] = [];
    const remove: string[] = [];
    const kept: string[] = [];
    for (const f of present) {
      if (isOurs(f)) (payload.includes(f) ? replace : remove).push(f);
      else if (payload.includes(f)) throw notOurs(this.field, target, [f], this.marker);
      else kept.push(f);
    }
    const markerFile = join(target, this.marker);
    if (existsSync(markerFile) && fileDigest(markerFile) === undefined) throw new ConfigError(this.field, `${markerFile} is not a regular file; nothing was changed — move it away or choose another directory`);
    // the journal: digests of the old files that go and of the new ones, until the marker is in
    const journal = join(target, journalName(this.marker));
    const oldDigests = new Map([...replace, ...remove].map((f) => [f, fileDigest(join(target, f))!] as const));
    const newDigests = new Map(payload.map((f) => [f, fileDigest(join(this.dir, f))!] as const));
    writeFileAtomic(journal, journalText(oldDigests, newDigests));
    const aside = join(dirname(target), siblingName(basename(target), 'old'));
    const undo: (() => void)[] = [];
    const move = (from: string, to: string) => {
      renameSync(from, to);
      undo.push(() => renameSync(to, from));
    };
    try {
      mkdirSync(aside);
      undo.push(() => rmdirSync(aside));
      // 1. the old result stops being a result: its marker goes first
      if (existsSync(markerFile)) move(markerFile, join(aside, this.marker));
      fsyncDir(target);
      // 2. the old files that go, then the new files
      for (const f of [...replace, ...remove]) move(join(target, f), join(aside, f));
      for (const f of payload) move(join(this.dir, f), join(target, f));
      if (fresh.includes(PLOTLY) && !existsSync(join(target, PLOTLY))) move(join(this.dir, PLOTLY), join(target, PLOTLY));
      fsyncDir(target);
      // 3. the new marker last: from now on the new result is complete
      if (fresh.includes(this.marker)) move(join(this.dir, this.marker), markerFile);
      fsyncDir(target);
    } catch (e) {
      const failed: string[] = [];
      for (const step of undo.reverse()) {
        try {
          step();
        } catch (u) {
          failed.push((u as Error).message);
        }
      }
      fsyncDir(target);
      if (failed.length) throw new ConfigError(this.field, `publishing into ${target} failed: ${fsReason(e)}, and the old result could not be fully restored (${failed[0]}); its files are in ${aside}`);
      try {
        unlinkSync(journal);
      } catch {
        // already gone
      }
      throw new ConfigError(this.field, `publishing into ${target} failed: ${fsReason(e)}; the previous result was restored and nothing new was published`);
    }
    // committed: the old files we verified as ours are dropped, the journal is no longer needed
    this.cleanUp(aside);
    this.cleanUp(journal);
    fsyncDir(target);
    for (const f of kept) this.note(`kept ${join(target, f)}: its content is not what asgd-sdde recorded (changed since it was written), so it is not ours to remove; it is not part of the new result`);
  }

  /** Remove a helper left after the result was published; a failure is said, not thrown (the result stands). */
  private cleanUp(path: string): void {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (e) {
      this.note(`published ${this.target}, but could not remove ${path} (${fsReason(e)}); it holds nothing of the new result: remove it when the file system allows`);
    }
  }

  private finish(): void {
    this.done = true;
    this.forget();
    this.lock?.release();
  }

  /**
   * Remove the stage (and directories created for it); the target is untouched. Never throws: on a
   * file system that turned read-only the stage cannot be removed — the next command writing
   * there removes it — and the failure being reported is the one that matters.
   */
  discard(): void {
    if (this.done) return;
    this.done = true;
    this.forget();
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch (e) {
      this.note(`could not remove the staging folder ${this.dir} (${fsReason(e)}); the next command writing to ${this.target} removes it`);
    }
    try {
      this.lock?.release();
      if (this.created) removeEmptyUpTo(dirname(this.dir), this.created);
    } catch {
      // best effort, as above
    }
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

function notOurs(field: string, target: string, names: string[], marker: string): ConfigError {
  const list = names.slice(0, 6).map((f) => join(target, f)).join(', ') + (names.length > 6 ? ', …' : '');
  return new ConfigError(field, `${list} ${names.length > 1 ? 'were' : 'was'} not written by asgd-sdde or changed since (no digest in a ${marker} asgd-sdde can verify matches it); --force replaces only files asgd-sdde recorded as its own. Nothing was changed: move ${names.length > 1 ? 'them' : 'it'} away or choose another directory`);
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(0.1, bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Stages of `name` left in `parent` by processes that no longer run. (Set-aside folders,
 * `.NAME.old-PID`, are kept: one outlives its process only when a publication could not be undone,
 * and then it holds the old result, which the message named.)
 */
function removeStaleStages(parent: string, name: string): void {
  for (const suffix of ['stage']) {
    for (const tag of [name, hashTag(name)]) {
      const prefix = `.${tag}.${suffix}-`;
      for (const entry of readdirSync(parent)) {
        if (!entry.startsWith(prefix)) continue;
        const pid = Number(entry.slice(prefix.length));
        if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) continue;
        rmSync(join(parent, entry), { recursive: true, force: true });
      }
    }
  }
}

/** Remove `dir` and its parents while they are empty, up to and including `top`. */
export function removeEmptyUpTo(dir: string, top: string): void {
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
