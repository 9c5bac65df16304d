/**
 * Sweeps under damage and contention (issue 14, items 7 and 8).
 *
 * Resume trusts only rows that are exactly what this sweep writes for their point: fast-check
 * (fixed seed) cuts a finished sweep.csv at a random byte — mid-row, mid-number — and adds
 * garbage rows (a point outside the grid, another point's values, a duplicate with another
 * metric, numbers the writer never writes such as `0.`, `NaN`, `1e5x`, missing or extra fields);
 * the resumed sweep must end with the table of an uninterrupted run, byte for byte.
 * Refused before any work: a metric the problem cannot give (weak-error in 2-D); a second sweep
 * writing into a directory a live sweep holds (named by PID; a dead holder's lock is taken over).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { BIN, runCli } from '../helpers/cli-process.ts';

const spec = {
  base: { kind: 'pair', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 60, batchSize: 1, delay: { kind: 'uniform', max: 0 }, saveEvery: 60 }, bridge: { coupling: 'quantile', substeps: 2 } },
  grid: { 'asgd.delay.max': [0, 1, 3], 'asgd.eta': [0.01, 0.02] },
  metric: 'approximation-error',
  paths: 8,
  seed: 5,
};

async function cli(args: string[]) {
  let err = '';
  const code = await main(args, { out: () => {}, err: (s) => void (err += s) });
  return { code, err };
}

/** The results of a sweep.csv (a trailing wall-clock `seconds` column, if any, left out). */
function results(text: string): string[] {
  const lines = text.split('\n');
  if (!lines[0].endsWith(',seconds')) return lines;
  return lines.map((l) => (l === '' ? l : l.slice(0, l.lastIndexOf(','))));
}

let dir: string;
let reference: string;
let manifest: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-resume-'));
  writeFileSync(join(dir, 's.json'), JSON.stringify(spec));
  expect((await cli(['sweep', join(dir, 's.json'), '--out', join(dir, 'ref'), '--no-png'])).code).toBe(EXIT.ok);
  reference = readFileSync(join(dir, 'ref', 'sweep.csv'), 'utf8');
  manifest = readFileSync(join(dir, 'ref', 'sweep.json'), 'utf8');
});

describe('resume recomputes every row that is not exactly a finished row of this sweep (item 7)', () => {
  it('the campaign cases: a row cut mid-number ("…,0.") and a row for point 999', async () => {
    const lines = reference.split('\n');
    const cells = lines[2].split(',');
    const cut = cells.slice(0, 3).join(',') + ',' + cells[3].slice(0, 2); // e.g. "1,0,0.02,0."
    expect(cut).toMatch(/\.$/);
    for (const damaged of [[...lines.slice(0, 2), cut].join('\n'), [...lines.slice(0, 2), cut, ''].join('\n'), `${reference}999,0,0.01,0.5,0.1,0\n`]) {
      const out = join(mkdtempSync(join(dir, 'case-')), 'o');
      mkdirSync(out);
      writeFileSync(join(out, 'sweep.json'), manifest);
      writeFileSync(join(out, 'sweep.csv'), damaged);
      const r = await cli(['sweep', join(dir, 's.json'), '--out', out, '--no-png']);
      expect(r.code, r.err).toBe(EXIT.ok);
      expect(results(readFileSync(join(out, 'sweep.csv'), 'utf8'))).toEqual(results(reference));
      expect(r.err).toContain('recomputing a row');
    }
  });

  it('property: a finished table cut at any byte, with garbage rows added, resumes to the uninterrupted table', async () => {
    const body = reference.split('\n').slice(1, -1);
    const header = reference.split('\n')[0];
    const width = header.split(',').length;
    const FORGED = body[2].replace(/,[^,]*,([^,]*),(\d+)$/, ',0.123,$1,$2');
    // (a forged row is only told apart from the truth while the true row is there beside it)
    const row2End = reference.indexOf('\n', reference.indexOf(body[2])) + 1;
    const garbage = fc.constantFrom(
      '999,0,0.01,0.5,0.1,0', // a point outside the grid
      '-1,0,0.01,0.5,0.1,0',
      '01,0,0.02,0.5,0.1,0', // not an index as written
      `${body[1].split(',').slice(0, 1).join(',')},3,0.01,0.5,0.1,0`, // another point's grid values
      FORGED, // a second row for point 2 with another metric
      body[3].replace(/,(\d+)$/, ',x'), // diverged not a count
      body[3].replace(/,(\d+)$/, ',9999'), // more diverged paths than paths
      body[4].split(',').slice(0, width - 1).join(','), // a field missing
      `${body[4]},7`, // a field too many
      body[5].replace(/^(\d+),([^,]*),([^,]*),([^,]*),/, '$1,$2,$3,NaN,'),
      body[5].replace(/^(\d+),([^,]*),([^,]*),([^,]*),/, '$1,$2,$3,Infinity,'),
      body[5].replace(/^(\d+),([^,]*),([^,]*),([^,]*),/, '$1,$2,$3,$4x,'),
      body[0].replace(/^(\d+),([^,]*),([^,]*),([^,]*),/, '$1,$2,$3,0.,'),
      '',
      'garbage',
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: header.length + 1, max: reference.length }), fc.array(garbage, { maxLength: 4 }), fc.boolean(), async (cutAt, extra, garbageFirst) => {
        fc.pre(!extra.includes(FORGED) || cutAt >= row2End);
        const kept = reference.slice(0, cutAt);
        const damaged = garbageFirst ? [header, ...extra, ...kept.split('\n').slice(1)].join('\n') : kept + (extra.length ? (kept.endsWith('\n') ? '' : '\n') + extra.join('\n') + '\n' : '');
        const out = join(dir, `p${n++}`);
        mkdirSync(out);
        writeFileSync(join(out, 'sweep.json'), manifest);
        writeFileSync(join(out, 'sweep.csv'), damaged);
        const r = await cli(['sweep', join(dir, 's.json'), '--out', out, '--no-png']);
        expect(r.code, r.err).toBe(EXIT.ok);
        expect(results(readFileSync(join(out, 'sweep.csv'), 'utf8')), `cut at ${cutAt}, added ${JSON.stringify(extra)}`).toEqual(results(reference));
      }),
      { seed: 14_07, numRuns: 30 },
    );
  });

  it('merge refuses a shard with a bad row instead of merging it', async () => {
    const out = join(dir, 'badshard');
    mkdirSync(out);
    writeFileSync(join(out, 'sweep.json'), manifest);
    writeFileSync(join(out, 'sweep.csv'), `${reference}999,0,0.01,0.5,0.1,0,0000000000000000\n`);
    const r = await cli(['merge', join(dir, 'merged'), out, '--no-png']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain('point 999 is not in the grid');
    expect(existsSync(join(dir, 'merged'))).toBe(false);
  });
});

describe('refused before any work or by the directory\'s owner (item 8)', () => {
  it('a weak-error sweep of a 2-D problem: exit 2 naming the point and the metric, nothing computed or written', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-weak2d-'));
    const twoD = { ...spec, base: { ...spec.base, asgd: { ...spec.base.asgd, objective: { kind: 'least-squares', n: 20, d: 2, seed: 1 } }, bridge: { coupling: 'independent' } }, metric: 'weak-error', grid: { 'asgd.eta': [0.01, 0.02] } };
    writeFileSync(join(d, 's.json'), JSON.stringify(twoD));
    const r = await cli(['sweep', join(d, 's.json'), '--out', join(d, 'o'), '--no-png']);
    expect(r.code, r.err).toBe(EXIT.badInput);
    expect(r.err).toMatch(/point 0: .*weak-error.*1-D/);
    expect(readdirSync(d)).toEqual(['s.json']);
  });
  it('time-to-eps and final-loss of an objective without a known minimizer are refused the same way', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-nominimum-'));
    const expr = { kind: 'expression', variables: ['x'], components: ['(x-1)^2', '(x+1)^2'] };
    for (const metric of ['time-to-eps', 'final-loss']) {
      writeFileSync(join(d, 's.json'), JSON.stringify({ base: { kind: 'asgd', asgd: { objective: expr, x0: 1, eta: 0.01, iterations: 50, batchSize: 1 } }, grid: { 'asgd.eta': [0.01] }, metric, paths: 4, ...(metric === 'time-to-eps' ? { eps: 0.1 } : {}) }));
      const r = await cli(['sweep', join(d, 's.json'), '--out', join(d, 'o'), '--no-png']);
      expect(r.code, `${metric}: ${r.err}`).toBe(EXIT.badInput);
      expect(r.err).toContain(metric);
      expect(readdirSync(d)).toEqual(['s.json']);
    }
  });
  it('two sweeps into one directory: the second is refused naming the first by PID while the first runs', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-lock-'));
    // a first sweep long enough (about a minute) to be certainly running while the second starts; it is killed afterwards
    writeFileSync(join(d, 's.json'), JSON.stringify({ ...spec, paths: 100_000, grid: { 'asgd.delay.max': [0, 1, 2, 3, 4, 5] } }));
    const out = join(d, 'o');
    const first = spawn(process.execPath, [BIN, 'sweep', join(d, 's.json'), '--out', out, '--no-png'], { stdio: 'ignore' });
    const firstExit = new Promise<void>((resolve) => first.on('exit', () => resolve()));
    try {
      // wait until the first holds the directory (its table exists)
      for (let i = 0; i < 1200 && !existsSync(join(out, 'sweep.csv')); i++) await new Promise((r) => setTimeout(r, 25));
      expect(existsSync(join(out, 'sweep.csv'))).toBe(true);
      const second = await runCli(['sweep', join(d, 's.json'), '--out', out, '--no-png'], { timeoutMs: 30_000 });
      expect(first.exitCode, 'the first sweep was still running when the second finished').toBeNull();
      expect(second.code, second.stderr).toBe(EXIT.badInput);
      expect(second.stderr).toContain(`another sweep (process ${first.pid})`);
      expect(JSON.parse(readFileSync(join(out, '.sweep.lock'), 'utf8')).pid).toBe(first.pid);
    } finally {
      first.kill('SIGKILL');
      await firstExit;
    }
  });
  it('a lock left by a killed sweep (its process gone) is taken over', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-stale-'));
    writeFileSync(join(d, 's.json'), JSON.stringify(spec));
    const out = join(d, 'o');
    mkdirSync(out);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(out, '.sweep.lock'), JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname() }));
    const r = await cli(['sweep', join(d, 's.json'), '--out', out, '--no-png']);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(results(readFileSync(join(out, 'sweep.csv'), 'utf8'))).toEqual(results(reference));
    expect(existsSync(join(out, '.sweep.lock'))).toBe(false);
  });
});
