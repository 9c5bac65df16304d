/**
 * What the commands of the command line share: the I/O they write to, the exit codes, the usage
 * error, and the parsing of the options several commands take (--seed, integer options,
 * --copy-plotly, the CONFIG file, the PNG rendering of a written figure).
 */
import { ConfigError } from '../core/errors.ts';
import { checkJsonTree } from '../core/safe-keys.ts';
import { readInputJson } from '../io/input-file.ts';
import type { PlotlyMode } from '../plot/html.ts';
import { renderPng } from '../plot/png.ts';
import { whileWaiting } from '../io/interrupt.ts';

/** Where a command writes: stdout, stderr, and whether stderr is a terminal. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stderr is a terminal: draw a progress bar instead of plain lines. */
  isTTY?: boolean;
}

/**
 * The progress bar of the commands on a terminal: `\r[####----] TEXT` and clear to the end of the
 * line, `fraction` ∈ [0, 1] of a 24-character bar filled. The caller prints the newline when done.
 *
 * @remarks Example (an internal helper, not in the package API): `drawProgressBar(io, 0.5, '3/6 points') // [############------------] 3/6 points`
 */
export function drawProgressBar(io: Io, fraction: number, text: string): void {
  const width = 24;
  const filled = Math.round(fraction * width);
  io.err(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
}

/** The exit codes of `asgd-sdde` (see the help text). */
export const EXIT = { ok: 0, violated: 1, badInput: 2, fault: 70 } as const;

/** A misused command line (unknown command or option, wrong positionals): exit 2 with a pointer to the help. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help the message points to; undefined: the command that was run, or the overview. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** --seed: an integer in [0, 2^53), or undefined when not given; ConfigError naming --seed otherwise. */
export function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new ConfigError('--seed', `must be an integer in [0, 2^53), got ${JSON.stringify(v)}`);
  return Number(v);
}

/** An integer option in [1, max] (`fallback` when not given); ConfigError naming the option otherwise. */
export function positiveIntOption(v: string | undefined, name: string, fallback: number, max = 100_000_000): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new ConfigError(name, `must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  return Number(v);
}

/** --copy-plotly: a copy of plotly beside the figures (a folder that works on its own) instead of a link to the installed one. */
export function plotlyMode(values: { 'copy-plotly'?: boolean }): PlotlyMode {
  return values['copy-plotly'] === true ? 'copy' : 'link';
}

/** Renders `html` to `png` with Chromium unless `skip`; a failed rendering is a note, not an error (null). */
export async function writePng(html: string, png: string, io: Io, skip: boolean): Promise<string | null> {
  if (skip) return null;
  // a signal while Chromium renders stops the command with the old result kept (src/io/interrupt.ts)
  const r = await whileWaiting(() => renderPng(html, png));
  if (!r.ok) {
    io.err(`note: PNG not rendered — ${r.reason}\n`);
    return null;
  }
  return png;
}

/** Notes for the user (e.g. a file --force kept because it changed) on stderr. */
export const noteTo = (io: Io) => (m: string) => io.err(`note: ${m}\n`);

/** The one CONFIG.json positional of `command`, parsed; refused (exit 2) if missing or not JSON. */
export function readConfigFile(positionals: string[], command: string): { file: string; raw: unknown } {
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one CONFIG file, got ${positionals.length}`);
  const file = positionals[0];
  const raw = readInputJson(file, 'CONFIG'); // a regular file below the size limit (a FIFO or /dev/zero is refused by name); a BOM is accepted
  checkJsonTree(raw, ''); // no __proto__ / constructor / prototype key, no nesting deeper than 64: before anything copies it
  return { file, raw };
}
