/**
 * Valid long names are accepted: an --out whose last component is 244–255 bytes (the file
 * system's limit is 255) used to fail with ENAMETOOLONG, because the staging name `.NAME.stage-PID`
 * exceeded 255 bytes. Stage, set-aside and lock names now fall back to a short hash of NAME.
 * Checked for a new directory and for --force over an existing result, with ASCII and with
 * multi-byte (UTF-8) names.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';

async function cli(args: string[]) {
  let err = '';
  const code = await main(args, { out: () => {}, err: (s) => void (err += s) });
  return { code, err };
}

describe('--out with a last component of 244–255 bytes', () => {
  it('every length from 244 to 255 bytes: a new directory, then --force over it', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'asgd-sdde-long-'));
    for (let bytes = 244; bytes <= 255; bytes++) {
      // half of them multi-byte: 'é' is 2 bytes in UTF-8
      const name = bytes % 2 === 0 ? 'a'.repeat(bytes) : 'é'.repeat((bytes - 1) / 2) + 'b';
      expect(Buffer.byteLength(name)).toBe(bytes);
      const out = join(parent, name);
      let r = await cli(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png']);
      expect(r.code, `${bytes} bytes: ${r.err}`).toBe(EXIT.ok);
      r = await cli(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png', '--force', '--seed', '9']);
      expect(r.code, `${bytes} bytes, --force: ${r.err}`).toBe(EXIT.ok);
      expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).seed).toBe(9);
    }
    expect(readdirSync(parent).filter((f) => f.startsWith('.')), 'no stage or lock left').toEqual([]);
    expect(readdirSync(parent)).toHaveLength(12);
  });
  it('256 bytes is still refused before any work, naming the limit', async () => {
    const r = await cli(['run', 'examples/sdde-delayed-ou.json', '--out', join(mkdtempSync(join(tmpdir(), 'asgd-sdde-long-')), 'a'.repeat(256)), '--no-png']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toMatch(/--out: the name .* is 256 bytes long; the file system allows 255/);
  });
});
