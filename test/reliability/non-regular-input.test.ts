/**
 * Every input the tool reads must be a regular file below a size limit; anything else is refused
 * by name before a byte is read (exit 2). Before: `run /dev/zero`, `run /dev/urandom` and
 * `--objective /dev/zero` read until memory ran out; a FIFO as CONFIG, as sweep.csv or as
 * .sweep.lock hung; a directory as --objective or as sweep.csv was an internal error (exit 70).
 * Each case runs the built CLI in a child process with a time limit (a hang or an OOM fails the
 * case instead of taking the test runner down). Also: a config with a UTF-8 byte-order mark is read,
 * and a sweep.csv saved with CRLF line ends or a BOM resumes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.ts';
import { runCli } from '../helpers/cli-process.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-input-'));
const small = { kind: 'asgd', seed: 1, asgd: { objective: { kind: 'least-squares', n: 50, d: 3, seed: 1 }, x0: 0, eta: 0.01, iterations: 200, batchSize: 4 } };
const spec = { base: small, grid: { 'asgd.eta': [0.01, 0.02] }, metric: 'final-loss', paths: 4, seed: 1 };
const mkfifo = (file: string) => expect(spawnSync('mkfifo', [file]).status).toBe(0);
const limit = { timeoutMs: 30_000 };

/** A sweep directory whose sweep.json is the manifest of `spec` (as a first run writes it). */
function sweepDir(d: string): string {
  const out = join(d, 'o');
  mkdirSync(out);
  writeFileSync(join(d, 's.json'), JSON.stringify(spec));
  writeFileSync(join(out, 'sweep.json'), JSON.stringify({ tool: 'asgd-sdde', command: 'sweep', settings: spec, shard: '0/1' }));
  return out;
}

describe('non-regular inputs are refused by name (exit 2), never read', () => {
  for (const dev of ['/dev/zero', '/dev/urandom']) {
    it(`run ${dev}`, async () => {
      const d = tmp();
      const r = await runCli(['run', dev, '--out', join(d, 'o'), '--no-png'], limit);
      expect(r.code, `${r.signal} ${r.stderr.slice(0, 300)}`).toBe(EXIT.badInput);
      expect(r.stderr).toContain(`CONFIG: ${dev} is a character device, not a regular file`);
      expect(readdirSync(d)).toEqual([]);
    });
  }
  it('--objective /dev/zero and --objective naming a directory', async () => {
    for (const [obj, kind] of [['/dev/zero', 'a character device'], ['src', 'a directory']]) {
      const d = tmp();
      const r = await runCli(['staleness', '--threads-real', '2', '--objective', obj, '--updates', '20', '--runs', '1', '--out', join(d, 'o'), '--no-png'], limit);
      expect(r.code, `${obj}: ${r.signal} ${r.stderr.slice(0, 300)}`).toBe(EXIT.badInput);
      expect(r.stderr).toContain(`--objective: ${obj} is ${kind}`);
      expect(readdirSync(d)).toEqual([]);
    }
  });
  it('a FIFO or a directory as CONFIG', async () => {
    const d = tmp();
    mkfifo(join(d, 'c.json'));
    mkdirSync(join(d, 'dir.json'));
    let r = await runCli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png'], limit);
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(EXIT.badInput);
    expect(r.stderr).toContain(`CONFIG: ${join(d, 'c.json')} is a FIFO (named pipe), not a regular file`);
    r = await runCli(['sweep', join(d, 'dir.json'), '--out', join(d, 'o'), '--no-png'], limit);
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(EXIT.badInput);
    expect(r.stderr).toContain(`CONFIG: ${join(d, 'dir.json')} is a directory`);
    expect(existsSync(join(d, 'o'))).toBe(false);
  });
  it('a FIFO or a directory as a resumed sweep’s sweep.csv', async () => {
    for (const make of [mkfifo, (f: string) => mkdirSync(f)]) {
      const d = tmp();
      const out = sweepDir(d);
      make(join(out, 'sweep.csv'));
      const r = await runCli(['sweep', join(d, 's.json'), '--out', out, '--no-png', '--threads', '1'], limit);
      expect(r.code, `${r.signal} ${r.stderr}`).toBe(EXIT.badInput);
      expect(r.stderr).toMatch(new RegExp(`--out: ${join(out, 'sweep.csv')} is (a FIFO|a directory)`));
      expect(readdirSync(out).sort()).toEqual(['sweep.csv', 'sweep.json']);
    }
  });
  it('a FIFO as sweep.json', async () => {
    const d = tmp();
    const out = join(d, 'o');
    mkdirSync(out);
    writeFileSync(join(d, 's.json'), JSON.stringify(spec));
    mkfifo(join(out, 'sweep.json'));
    const r = await runCli(['sweep', join(d, 's.json'), '--out', out, '--no-png', '--threads', '1'], limit);
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(EXIT.badInput);
    expect(r.stderr).toContain('is a FIFO');
  });
  it('a FIFO as .sweep.lock: refused naming the lock and how to clear it', async () => {
    const d = tmp();
    const out = sweepDir(d);
    mkfifo(join(out, '.sweep.lock'));
    const r = await runCli(['sweep', join(d, 's.json'), '--out', out, '--no-png', '--threads', '1'], limit);
    expect(r.code, `${r.signal} ${r.stderr}`).toBe(EXIT.badInput);
    expect(r.stderr).toContain(`the lock ${join(out, '.sweep.lock')} is a FIFO`);
    expect(r.stderr).toContain('remove it');
  });
});

describe('text files as editors save them', () => {
  it('a config with a UTF-8 byte-order mark runs', async () => {
    const d = tmp();
    writeFileSync(join(d, 'c.json'), '\uFEFF' + JSON.stringify(small));
    const r = await runCli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png'], limit);
    expect(r.code, r.stderr).toBe(EXIT.ok);
  });
  it('a sweep.csv saved with CRLF line ends and a BOM resumes: its rows are kept, not refused as another sweep', async () => {
    const d = tmp();
    writeFileSync(join(d, 's.json'), JSON.stringify(spec));
    const out = join(d, 'o');
    const first = await runCli(['sweep', join(d, 's.json'), '--out', out, '--no-png', '--threads', '1'], limit);
    expect(first.code, first.stderr).toBe(EXIT.ok);
    const table = readFileSync(join(out, 'sweep.csv'), 'utf8');
    writeFileSync(join(out, 'sweep.csv'), '\uFEFF' + table.replace(/\n/g, '\r\n'));
    const again = await runCli(['sweep', join(d, 's.json'), '--out', out, '--no-png', '--threads', '1'], limit);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    expect(again.stderr).toContain('resuming: 2 finished points kept');
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe(table);
  });
});
