/**
 * --force touches only files asgd-sdde wrote. A result's marker records the tool, the marker
 * format and the SHA-256 of every file of the result; --force replaces or removes only a file whose
 * content still has its recorded digest. A marker that cannot be verified — another program's, an
 * older format, malformed, listing a directory or a name with a NUL byte — is refused with exit 2
 * naming it, before any work, with the directory unchanged. (The digests here are computed by the
 * test with node:crypto from the bytes on disk, not taken from the code under test.)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';

const CFG = 'examples/sdde-delayed-ou.json';
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

/** Every entry of dir (hidden ones included) with its content; directories as 'dir:' + entries. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { withFileTypes: true })) out[f.name] = f.isDirectory() ? `dir:${readdirSync(join(dir, f.name)).join(',')}` : readFileSync(join(dir, f.name), 'utf8');
  return out;
}

const fresh = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-ours-'));

describe('a marker asgd-sdde cannot verify is refused before any work (exit 2, nothing changed)', () => {
  const cases: [string, (d: string) => void, RegExp][] = [
    [
      'another tool’s result.json listing the user’s files (the campaign’s case)',
      (d) => {
        writeFileSync(join(d, 'notes.txt'), 'x\n');
        writeFileSync(join(d, 'thesis.tex'), 'x\n');
        writeFileSync(join(d, 'result.json'), JSON.stringify({ tool: 'other', files: ['notes.txt', 'thesis.tex'] }));
      },
      /names the tool "other"/,
    ],
    ['a marker without a tool, listing a directory', (d) => (mkdirSync(join(d, 'mydata')), writeFileSync(join(d, 'mydata', 'a.csv'), '1\n'), writeFileSync(join(d, 'result.json'), JSON.stringify({ files: ['mydata'] }))), /names the tool null/],
    ['an asgd-sdde marker of an older format (no digests)', (d) => (writeFileSync(join(d, 'paths.csv'), 'old\n'), writeFileSync(join(d, 'result.json'), JSON.stringify({ tool: 'asgd-sdde', version: '0.1.0', files: ['paths.csv'] }))), /outputFormat is null/],
    ['a name with a NUL byte', (d) => (writeFileSync(join(d, 'data.csv'), '1\n'), writeFileSync(join(d, 'result.json'), JSON.stringify({ tool: 'asgd-sdde', outputFormat: 1, sha256: { 'data.csv\u0000': '0'.repeat(64) }, files: ['data.csv\u0000'] }))), /lists "data.csv\\u0000"/],
    ['a digest for a file that is not ours by name', (d) => (writeFileSync(join(d, 'notes.txt'), 'x\n'), writeFileSync(join(d, 'result.json'), JSON.stringify({ tool: 'asgd-sdde', outputFormat: 1, sha256: { 'notes.txt': sha(join(d, 'notes.txt')) } }))), /lists "notes.txt"/],
    ['a digest that is not SHA-256', (d) => (writeFileSync(join(d, 'paths.csv'), '1\n'), writeFileSync(join(d, 'result.json'), JSON.stringify({ tool: 'asgd-sdde', outputFormat: 1, sha256: { 'paths.csv': 'abc' } }))), /not a SHA-256/],
    ['malformed JSON', (d) => writeFileSync(join(d, 'result.json'), '{"tool": "asgd-sdde", '), /not valid JSON/],
    ['a directory named result.json', (d) => mkdirSync(join(d, 'result.json')), /result\.json is a directory/],
  ];
  for (const [name, setup, why] of cases) {
    it(name, async () => {
      const d = join(fresh(), 'D');
      mkdirSync(d);
      setup(d);
      const before = snapshot(d);
      const r = await cli(['run', CFG, '--out', d, '--force', '--no-png']);
      expect(r.code, r.err).toBe(EXIT.badInput);
      expect(r.err).toContain(join(d, 'result.json'));
      expect(r.err).toMatch(why);
      expect(snapshot(d)).toEqual(before);
      expect(readdirSync(join(d, '..')), 'no stage, lock or set-aside folder left').toEqual(['D']);
    });
  }
});

describe('--force replaces and removes only files whose content still has its recorded digest', () => {
  it('the marker records the tool, the format and the SHA-256 of each file; a second --force run replaces them', async () => {
    const d = join(fresh(), 'out');
    expect((await cli(['run', CFG, '--out', d, '--no-png'])).code).toBe(EXIT.ok);
    const m = JSON.parse(readFileSync(join(d, 'result.json'), 'utf8'));
    expect(m.tool).toBe('asgd-sdde');
    expect(m.outputFormat).toBe(1);
    expect(m.sha256).toEqual({ 'figure.html': sha(join(d, 'figure.html')), 'paths.csv': sha(join(d, 'paths.csv')) });
    writeFileSync(join(d, 'notes.txt'), 'mine');
    const r = await cli(['run', CFG, '--out', d, '--no-png', '--force', '--seed', '7']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(JSON.parse(readFileSync(join(d, 'result.json'), 'utf8')).seed).toBe(7);
    expect(readdirSync(d).sort()).toEqual(['figure.html', 'notes.txt', 'paths.csv', 'result.json']);
    expect(readdirSync(join(d, '..')).sort()).toEqual(['out']);
  });

  it('a file of the result edited by the user is not replaced: refused naming it, before any work', async () => {
    const d = join(fresh(), 'out');
    expect((await cli(['run', CFG, '--out', d, '--no-png'])).code).toBe(EXIT.ok);
    writeFileSync(join(d, 'paths.csv'), 'my edited table\n');
    const before = snapshot(d);
    const r = await cli(['run', CFG, '--out', d, '--no-png', '--force', '--seed', '7']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain(`${join(d, 'paths.csv')} was not written by asgd-sdde or changed since`);
    expect(snapshot(d)).toEqual(before);
  });

  it('files of our names without a verifiable marker (no result.json) are not replaced by --force', async () => {
    const d = join(fresh(), 'out');
    mkdirSync(d);
    writeFileSync(join(d, 'paths.csv'), 'someone else’s table\n');
    const r = await cli(['run', CFG, '--out', d, '--no-png', '--force']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain(join(d, 'paths.csv'));
    expect(readdirSync(d)).toEqual(['paths.csv']);
  });

  it('an old file the new result does not write: removed when its digest matches, kept (and said so) when it changed', async () => {
    const d = join(fresh(), 'out');
    expect((await cli(['run', CFG, '--out', d, '--no-png'])).code).toBe(EXIT.ok);
    // a figure.png of the old result, recorded in its marker (as a run with PNG rendering writes it)
    writeFileSync(join(d, 'figure.png'), 'png bytes');
    const m = JSON.parse(readFileSync(join(d, 'result.json'), 'utf8'));
    m.sha256['figure.png'] = sha(join(d, 'figure.png'));
    m.files.push('figure.png');
    writeFileSync(join(d, 'result.json'), JSON.stringify(m));
    let r = await cli(['run', CFG, '--out', d, '--no-png', '--force', '--seed', '3']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(existsSync(join(d, 'figure.png')), 'recorded and unchanged: removed with the old result').toBe(false);
    // a figure.png the user put there (not recorded): a --no-png run leaves it, and says so
    writeFileSync(join(d, 'figure.png'), 'my own picture');
    r = await cli(['run', CFG, '--out', d, '--no-png', '--force', '--seed', '4']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(readFileSync(join(d, 'figure.png'), 'utf8')).toBe('my own picture');
    expect(r.err).toMatch(/note: kept .*figure\.png/);
  });
});
