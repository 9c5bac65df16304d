/**
 * Result markers: how the tool recognises the files it wrote. A command's marker (result.json,
 * theory-report.json, fig1-path-comparison.json, staleness.json) records the tool's name, the
 * marker format version and the SHA-256 digest of every other file of the result:
 *
 *   { "tool": "asgd-sdde", "outputFormat": 1, "sha256": { "paths.csv": "9f…", … }, … }
 *
 * `--force` deletes or replaces only a file whose name belongs to the command's result and whose
 * content still has a digest recorded by a marker it can verify; a marker it cannot verify (another
 * program's, an older format, malformed) is refused by name before any work.
 *
 * While a result is published, a journal (`.MARKER.publishing`) holds the digests of the old and
 * the new files, so that a process killed between removing the old marker and renaming the new one
 * in leaves files the next run still recognises as its own.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { readInputText } from './input-file.ts';

/** The marker format this version writes and verifies. */
export const OUTPUT_FORMAT = 1;
export const TOOL = 'asgd-sdde';
/** Markers and journals are small: a larger one is not ours. */
const MARKER_LIMIT_BYTES = 16 * 1024 * 1024;

/** Recorded digests: file name → the SHA-256 hex digests it may have. */
export type Digests = Map<string, Set<string>>;

/** The journal of `marker` (a hidden file beside it, present only while a result is published). */
export function journalName(marker: string): string {
  return `.${marker}.publishing`;
}

/**
 * The SHA-256 hex digest of the regular file `file`, or undefined when it is missing or not a
 * regular file (a directory, FIFO, device or symbolic link is never ours).
 */
export function fileDigest(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Why `value` is not a marker of ours (undefined: it is); its recorded digests go to `into`. */
function collect(value: unknown, ours: (name: string) => boolean, marker: string, into: Digests, dir: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const m = value as Record<string, unknown>;
  if (m.tool !== TOOL) return `it names the tool ${JSON.stringify(m.tool ?? null)}, not ${JSON.stringify(TOOL)}`;
  if (m.outputFormat !== OUTPUT_FORMAT) return `its outputFormat is ${JSON.stringify(m.outputFormat ?? null)}, not ${OUTPUT_FORMAT} (written by another version, without file digests)`;
  const sha = m.sha256;
  if (typeof sha !== 'object' || sha === null || Array.isArray(sha)) return 'it has no "sha256" object of file digests';
  for (const [name, digest] of Object.entries(sha)) {
    if (name === marker || !ours(name)) return `it lists ${JSON.stringify(name)}, which is not a file of this command's result`;
    const list = Array.isArray(digest) ? digest : [digest];
    for (const d of list) {
      if (typeof d !== 'string' || !HEX64.test(d)) return `its digest of ${JSON.stringify(name)} is not a SHA-256 hex digest`;
      if (!into.has(name)) into.set(name, new Set());
      into.get(name)!.add(d);
    }
  }
  // volatile files (wall-clock timings) carry no digest, so that the marker itself stays the same
  // bytes for identical runs; one is recognised as ours by its content, as a marker is: a JSON
  // object naming this tool
  const volatile = m.volatile ?? [];
  if (!Array.isArray(volatile)) return 'its "volatile" is not a list';
  for (const name of volatile) {
    if (typeof name !== 'string' || name === marker || !ours(name) || Object.hasOwn(sha, name)) return `its "volatile" lists ${JSON.stringify(name)}, which is not a volatile file of this command's result`;
    const d = isOwnJson(join(dir, name)) ? fileDigest(join(dir, name)) : undefined;
    if (d !== undefined) {
      if (!into.has(name)) into.set(name, new Set());
      into.get(name)!.add(d);
    }
  }
  if (m.files !== undefined) {
    if (!Array.isArray(m.files)) return 'its "files" is not a list';
    for (const f of m.files) if (typeof f !== 'string' || (f !== marker && !Object.hasOwn(sha, f) && !volatile.includes(f))) return `its "files" lists ${JSON.stringify(f)} without a digest`;
  }
  return undefined;
}

/**
 * The digests recorded for the result in `dir` by its marker and, if a publication was
 * interrupted, its journal. A marker or journal that is present but cannot be verified is a
 * ConfigError naming it (the caller refuses before any work). Nothing present: empty.
 */
export function recordedDigests(dir: string, marker: string, ours: (name: string) => boolean, field: string): Digests {
  const digests: Digests = new Map();
  for (const name of [marker, journalName(marker)]) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    let value: unknown;
    let why: string | undefined;
    try {
      value = JSON.parse(readInputText(file, field, MARKER_LIMIT_BYTES));
    } catch (e) {
      why = e instanceof ConfigError ? e.reason : `it is not valid JSON (${(e as Error).message})`;
    }
    why ??= collect(value, ours, marker, digests, dir);
    if (why !== undefined) {
      throw new ConfigError(field, `${file} is not a result marker asgd-sdde can verify: ${why}. Nothing was changed; --force replaces only files asgd-sdde recorded as its own — move the marker and its files away yourself, or choose another directory`);
    }
  }
  return digests;
}

/** Whether `file` (named `name`) has a digest recorded in `digests`. */
export function isRecorded(digests: Digests, dir: string, name: string): boolean {
  const want = digests.get(name);
  if (!want) return false;
  const got = fileDigest(join(dir, name));
  return got !== undefined && want.has(got);
}

/**
 * The marker's JSON text with the tool, format and digests of `files` (in `dir`) added. Files
 * named in `volatile` (e.g. wall-clock timings) get no digest but are listed under "volatile":
 * they are recognised later by their content (a JSON object naming this tool), so that the marker
 * of two identical runs is the same bytes.
 */
export function withDigests(markerText: string, dir: string, files: string[], volatile: readonly string[] = []): string {
  const value = JSON.parse(markerText) as Record<string, unknown>;
  const sha256: Record<string, string> = {};
  const kept: string[] = [];
  for (const f of [...files].sort()) {
    if (volatile.includes(f)) {
      kept.push(f);
      continue;
    }
    const d = fileDigest(join(dir, f));
    if (d !== undefined) sha256[f] = d;
  }
  return JSON.stringify({ ...value, tool: TOOL, outputFormat: OUTPUT_FORMAT, sha256, ...(kept.length ? { volatile: kept } : {}) }, null, 2) + '\n';
}

/** Whether `file` is a small regular file holding a JSON object that names this tool. */
function isOwnJson(file: string): boolean {
  if (fileDigest(file) === undefined) return false;
  try {
    const v = JSON.parse(readInputText(file, 'volatile', MARKER_LIMIT_BYTES)) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Record<string, unknown>).tool === TOOL;
  } catch {
    return false;
  }
}

/** A journal's text: the digests of the old files being replaced and of the new ones. */
export function journalText(old: Map<string, string>, fresh: Map<string, string>): string {
  const sha256: Record<string, string[]> = {};
  for (const m of [old, fresh]) for (const [name, d] of m) (sha256[name] ??= []).includes(d) || sha256[name].push(d);
  return JSON.stringify({ tool: TOOL, outputFormat: OUTPUT_FORMAT, pid: process.pid, sha256 }) + '\n';
}
