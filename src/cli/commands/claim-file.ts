/**
 * `asgd-sdde check --claim FILE`: load a claim for the workbench (src/theory/workbench/) from a
 * module (.mjs / .js: its `default` export, or an export named `claim`; functions allowed) or a
 * JSON file (the prediction an expression string; the experiment a runSweep spec).
 */
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../../core/errors.ts';
import { readInputText } from '../../io/input-file.ts';
import type { Claim } from '../../theory/workbench/claim.ts';

/** Reads the claim in `file` (relative to the working directory); a ConfigError naming --claim when it cannot. */
export async function loadClaimFile(file: string): Promise<Claim> {
  const path = resolve(file);
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.mjs' && ext !== '.js') throw new ConfigError('--claim', `must be a .mjs / .js module exporting the claim, or a .json claim; got ${JSON.stringify(file)}`);
  // a regular file below the size limit (a FIFO, device or directory is refused by name, never read or imported)
  const text = readInputText(path, '--claim');
  if (ext === '.json') {
    try {
      return JSON.parse(text) as Claim;
    } catch (e) {
      throw new ConfigError('--claim', `${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (ext !== '.mjs' && ext !== '.js') throw new ConfigError('--claim', `must be a .mjs / .js module exporting the claim, or a .json claim; got ${JSON.stringify(file)}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError('--claim', `cannot load ${file}: ${(e as Error).message}`);
  }
  const claim = mod.default ?? mod.claim;
  if (claim === undefined) throw new ConfigError('--claim', `${file} exports no claim: export it as default or as "claim"`);
  return claim as Claim;
}
