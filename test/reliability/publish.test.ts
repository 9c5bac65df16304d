/**
 * All old or all new (issue 14, item 6). `run --force` killed mid-way used to leave the old
 * result.json (old seed) beside the new paths.csv (6 of 13 kills; 10 of 10 during PNG rendering),
 * `check` likewise (5 of 9); and a directory holding a paths.csv but no result.json was
 * overwritten without --force. Now a result is written into a staging directory and published
 * with its marker (result.json, theory-report.json) last: after a SIGKILL at any moment, a marker
 * present means every file it lists is the complete file of the same run. Files of ours found in
 * a directory need --force, marker or not.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { BIN } from '../helpers/cli-process.ts';

const quiet = { out: () => {}, err: () => {} };

function run(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: string | null; ms: number; stderr: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => void (stderr += b));
    let timer: NodeJS.Timeout | undefined;
    if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - t0, stderr });
    });
  });
}

/** The files of a directory with their contents (PNG by size: rendering is not byte-stable). */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) out[f] = f.endsWith('.png') ? 'png' : readFileSync(join(dir, f), 'utf8');
  return out;
}

/**
 * Whether `dir` shows a complete result: its marker exists and each file it lists (and the
 * marker) equals the file of the reference result of the marker's seed. Returns that seed, or
 * 'none' when there is no marker; throws (fails the test) on a mixed directory.
 */
function verdict(dir: string, marker: string, refs: Record<number, Record<string, string>>): number | 'none' {
  if (!existsSync(join(dir, marker))) return 'none';
  const m = JSON.parse(readFileSync(join(dir, marker), 'utf8'));
  const ref = refs[m.seed];
  expect(ref, `a marker of seed ${m.seed}`).toBeDefined();
  // (the digests include the PNG's, which is compared by presence only below)
  const { files: _files, sha256: _sha, ...rest } = m;
  const { files: _refFiles, sha256: _refSha, ...refRest } = JSON.parse(ref[marker]);
  expect(rest).toEqual(refRest);
  for (const f of m.files as string[]) {
    if (f === marker) continue;
    expect(existsSync(join(dir, f)), `${f} listed by the seed-${m.seed} marker`).toBe(true);
    // (PNG rendering and wall-clock timings are not byte-stable: present is what can be asked of them)
    if (!f.endsWith('.png') && !f.includes('timings')) expect(readFileSync(join(dir, f), 'utf8'), `${f} beside the seed-${m.seed} marker`).toBe(ref[f]);
  }
  return m.seed;
}

const config = (seed: number) => ({
  kind: 'asgd',
  seed,
  asgd: { objective: { kind: 'least-squares', n: 100, d: 8, seed: 1 }, x0: 0, eta: 0.01, iterations: 30_000, batchSize: 4, delay: { kind: 'uniform', max: 4 }, saveEvery: 1 },
});

describe('a killed --force run never leaves a mixed directory', () => {
  it('run with PNG rendering, SIGKILL at times spread over the whole run: old result, new result, or no marker — never a mix', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-publish-'));
    writeFileSync(join(d, 'c1.json'), JSON.stringify(config(1)));
    writeFileSync(join(d, 'c2.json'), JSON.stringify(config(2)));
    // references of both seeds, each in a fresh directory
    const refs: Record<number, Record<string, string>> = {};
    let reference: number;
    for (const seed of [1, 2]) {
      // (references without PNG: a PNG is compared by presence only, the other files by content)
      const r = await run(['run', join(d, `c${seed}.json`), '--out', join(d, `ref${seed}`), '--no-png']);
      expect(r.code, r.stderr).toBe(0);
      refs[seed] = contents(join(d, `ref${seed}`));
    }
    const out = join(d, 'out');
    expect((await run(['run', join(d, 'c1.json'), '--out', out])).code).toBe(0); // with its PNG
    expect(verdict(out, 'result.json', refs)).toBe(1);
    expect(existsSync(join(out, 'figure.png'))).toBe(true);
    reference = (await run(['run', join(d, 'c2.json'), '--out', out, '--force'])).ms; // the duration to spread the kills over, PNG included
    const seen = new Set<string>();
    let killed = 0;
    for (const fraction of [0.2, 0.4, 0.55, 0.7, 0.8, 0.9]) {
      const seed = killed % 2 === 0 ? 2 : 1; // alternate, so that every kill replaces a result of the other seed
      const r = await run(['run', join(d, `c${seed}.json`), '--out', out, '--force'], Math.round(fraction * reference));
      if (r.signal === 'SIGKILL') killed++;
      seen.add(String(verdict(out, 'result.json', refs)));
    }
    // Margin (as in kill.test.ts): the mixed-directory verdicts hold wherever the kill lands; the
    // count needs the kills at 0.2, 0.4, 0.55 of the reference to land before the run ends, i.e. the
    // runs must not become 1.8× faster than the reference run; load only slows them.
    expect(killed, 'runs really killed').toBeGreaterThan(2);
    // a complete run afterwards leaves no stage or temporary file behind
    expect((await run(['run', join(d, 'c2.json'), '--out', out, '--force', '--no-png'])).code).toBe(0);
    expect(verdict(out, 'result.json', refs)).toBe(2);
    expect(existsSync(join(out, 'figure.png')), 'the old figure.png went with the old result').toBe(false);
    expect(readdirSync(d).filter((f) => f.includes('.stage-'))).toEqual([]);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(seen.size, `states seen: ${[...seen]}`).toBeGreaterThan(0);
  });

  it('check with PNG rendering, SIGKILL while it computes, renders and writes: theory-report.json always beside its own figures', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-publish-check-'));
    // with PNG rendering: the longest stretch between the first figure written and the report
    const args = (seed: number, out: string) => ['check', 'energy', '--quick', '--threads', '1', '--seed', String(seed), '--out', out];
    const refs: Record<number, Record<string, string>> = {};
    let reference: number;
    for (const seed of [1, 2]) {
      const r = await run([...args(seed, join(d, `ref${seed}`)), '--no-png']);
      expect(r.code, r.stderr).toBe(0);
      refs[seed] = contents(join(d, `ref${seed}`));
    }
    const out = join(d, 'out');
    const first = await run(args(1, out)); // with its PNGs: the duration to spread the kills over
    expect(first.code, first.stderr).toBe(0);
    reference = first.ms;
    let killed = 0;
    for (const fraction of [0.4, 0.6, 0.75, 0.9]) {
      const r = await run([...args(killed % 2 === 0 ? 2 : 1, out), '--force'], Math.round(fraction * reference));
      if (r.signal === 'SIGKILL') killed++;
      verdict(out, 'theory-report.json', refs);
    }
    // needs the kills at 0.4 and 0.6 of the reference to land: runs not 1.7× faster than it
    expect(killed).toBeGreaterThan(1);
  });
});

describe('files of ours need --force, even without the marker', () => {
  it('run: a directory holding paths.csv (or figure.html) but no result.json is not overwritten', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-ours-'));
    for (const f of ['paths.csv', 'figure.html', 'figure.png']) {
      const out = join(d, f);
      mkdirSync(out);
      writeFileSync(join(out, f), 'the user’s own file');
      let err = '';
      const code = await main(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png'], { out: () => {}, err: (s) => void (err += s) });
      expect(code, f).toBe(EXIT.badInput);
      expect(err).toContain('--force');
      expect(readFileSync(join(out, f), 'utf8')).toBe('the user’s own file');
      expect(readdirSync(out)).toEqual([f]);
    }
  });
  it('the user’s other files in the directory are kept by a --force run', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'asgd-sdde-ours-')), 'o');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect(await main(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png'], quiet)).toBe(EXIT.ok);
    expect(await main(['run', 'examples/sdde-delayed-ou.json', '--out', out, '--no-png', '--force', '--seed', '5'], quiet)).toBe(EXIT.ok);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(out).sort()).toEqual(['figure.html', 'notes.txt', 'paths.csv', 'result.json']);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).seed).toBe(5);
  });
  it('check: a check-*.html without theory-report.json needs --force', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'asgd-sdde-ours-')), 'figs');
    mkdirSync(out);
    writeFileSync(join(out, 'check-moments.html'), 'old');
    let err = '';
    const code = await main(['check', 'moments', '--quick', '--no-png', '--out', out], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(EXIT.badInput);
    expect(err).toContain('check-moments.html');
    expect(readFileSync(join(out, 'check-moments.html'), 'utf8')).toBe('old');
  });
});
