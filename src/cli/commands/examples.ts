/**
 * `asgd-sdde examples [--copy DIR]`: the example configs shipped with the package, listed one line
 * each (file, kind, description), or copied into DIR so that the documentation's commands run from
 * a user's project. A file already in DIR is never overwritten: the copy is refused before any
 * file is written, naming the files (exit 2).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/errors.ts';
import { checkOutDir } from '../../io/output-dir.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, type Io, UsageError } from '../options.ts';

/** The examples folder of the package (this module is src/cli/commands/examples.ts or dist/cli/commands/examples.js). */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

export interface ShippedExample {
  file: string;
  /** "asgd", "sdde", "pair", "sweep" (run by `sweep`) or "claim" (checked by `check --claim`). */
  kind: string;
  description: string;
}

/** What a description says first: up to its first "; " (the rest is settings), at most 110 characters. */
function firstClause(text: string): string {
  const head = text.split('; ')[0]!.trim();
  return head.length <= 110 ? head : `${head.slice(0, 109).trimEnd()}…`;
}

/** The shipped examples, sorted by file name, with what each runs (its "description"). */
export function shippedExamples(dir = EXAMPLES_DIR): ShippedExample[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const c = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { kind?: string; grid?: unknown; prediction?: unknown; name?: string; description?: string; base?: { description?: string } };
      // a sweep has a grid, a claim (check --claim) a prediction, a study (study) its own kind; the others say their kind
      const kind = c.grid !== undefined ? 'sweep' : c.prediction !== undefined ? 'claim' : c.kind === 'mindthestep-fig3' ? 'study' : String(c.kind);
      return { file, kind, description: firstClause(c.description ?? c.base?.description ?? (kind === 'claim' ? `check --claim: ${c.name ?? ''}` : '')) };
    });
}

/** `examples`: exit 0, or throws a ConfigError / UsageError (exit 2) before copying anything. */
export async function cmdExamples(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('examples', args, { copy: { type: 'string' } });
  if (positionals.length) throw new UsageError(`examples takes no positional arguments, got ${positionals.join(' ')}`, 'examples');
  const list = shippedExamples();
  if (values.copy === undefined) {
    const width = Math.max(...list.map((e) => e.file.length));
    for (const e of list) io.out(`${e.file.padEnd(width)}  ${e.kind.padEnd(5)}  ${e.description}\n`);
    return EXIT.ok;
  }
  if (values.copy.trim() === '') throw new ConfigError('--copy', 'must name a directory, got an empty string');
  const dir = values.copy;
  checkOutDir(dir, '--copy');
  const present = list.filter((e) => existsSync(join(dir, e.file))).map((e) => join(dir, e.file));
  if (present.length) throw new ConfigError('--copy', `would overwrite ${present.join(', ')}; remove ${present.length === 1 ? 'it' : 'them'} or choose another directory (nothing was copied)`);
  mkdirSync(dir, { recursive: true });
  for (const e of list) copyFileSync(join(EXAMPLES_DIR, e.file), join(dir, e.file));
  io.out(`copied ${list.length} example configs into ${dir}\n`);
  return EXIT.ok;
}
