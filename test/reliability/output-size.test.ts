/**
 * Runs that would die after the work (issue 14, item 4): an output too large to write is refused
 * before any work (exit 2, naming saveEvery and the value that fits); a large output that fits is
 * written row by row (a CSV with every saved state) while the figure draws a thinned line.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thinIndices } from '../../src/plot/thin.ts';
import { runCli } from '../helpers/cli-process.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-size-'));

describe('outputs too large to write are refused before any work (child processes: an OOM fails the test, not the runner)', () => {
  // [name, config, field, hint, steps, CSV columns]: the columns of each CSV written out here
  // (asgd 1-D: k, x, F; sdde 1-D: t, x; pair 1-D: k, t, discrete x, sdde x, distance)
  const cases: [string, unknown, string, RegExp, number, number][] = [
    ['asgd, 2·10⁷ iterations saved every one', { kind: 'asgd', seed: 1, asgd: { objective: { kind: 'toy' }, x0: 1, eta: 0.01, iterations: 20_000_000, batchSize: 1, saveEvery: 1 } }, 'asgd.saveEvery', /set saveEvery to (\d+) or more/, 20_000_000, 3],
    ['asgd, 2³¹ − 1 iterations', { kind: 'asgd', seed: 1, asgd: { objective: { kind: 'toy' }, x0: 1, eta: 0.01, iterations: 2 ** 31 - 1, batchSize: 1 } }, 'asgd.saveEvery', /set saveEvery to (\d+) or more/, 2 ** 31 - 1, 3],
    ['sdde, T = 2²⁹, dt = 1, saved every 10th step', { kind: 'sdde', seed: 1, sdde: { dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: [0.1] }, history: 0, T: 2 ** 29, dt: 1, saveEvery: 10 } }, 'sdde.saveEvery', /set saveEvery to (\d+) or more/, 2 ** 29, 2],
    ['pair, 5·10⁷ iterations', { kind: 'pair', seed: 1, asgd: { objective: { kind: 'toy' }, x0: 1, eta: 0.001, iterations: 50_000_000, batchSize: 1 }, bridge: { coupling: 'independent' } }, 'asgd.saveEvery', /set saveEvery to (\d+) or more/, 50_000_000, 5],
  ];
  for (const [name, config, field, hint, steps, columns] of cases) {
    it(name, async () => {
      const d = tmp();
      writeFileSync(join(d, 'c.json'), JSON.stringify(config));
      const r = await runCli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png'], { timeoutMs: 30_000 });
      expect(r.code, `${r.signal ?? ''} ${r.stderr.slice(0, 300)}`).toBe(2);
      expect(r.stderr).toContain(`${field}:`);
      expect(r.stderr).not.toContain('options.saveAt');
      const m = hint.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(readdirSync(d)).toEqual(['c.json']);
      // the suggested saveEvery s fits the documented limit of 2^25 numbers: the table has at most
      // ⌊steps/s⌋ + 2 rows (the first, every s-th, the last); and it is close to the smallest that
      // fits, ⌈steps·columns/2^25⌉ (within 1% + 1: the check keeps two rows of margin)
      const s = Number(m![1]);
      expect((Math.floor(steps / s) + 2) * columns, `s = ${s}`).toBeLessThanOrEqual(2 ** 25);
      const smallest = Math.ceil((steps * columns) / 2 ** 25);
      expect(s, `s = ${s}, smallest ${smallest}`).toBeLessThanOrEqual(Math.ceil(smallest * 1.01) + 1);
      // and the prepared config with that saveEvery passes the size check
      const { prepareExperiment } = await import('../../src/experiments/config.ts');
      const { estimateRunOutput } = await import('../../src/experiments/output-size.ts');
      const patched = JSON.parse(JSON.stringify(config));
      (patched.asgd ?? patched.sdde).saveEvery = s;
      expect(estimateRunOutput(prepareExperiment(patched)).numbers).toBeLessThanOrEqual(2 ** 25);
    });
  }
});

describe('a large output that fits: every row in the CSV, a thinned figure', () => {
  it('10⁶ saved iterates: paths.csv has them all; figure.html draws at most 4000 points per line', async () => {
    const d = tmp();
    const K = 1_000_000;
    writeFileSync(join(d, 'c.json'), JSON.stringify({ kind: 'asgd', seed: 3, asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.001, iterations: K, batchSize: 1, delay: { kind: 'uniform', max: 4 }, saveEvery: 1 } }));
    const r = await runCli(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const csv = readFileSync(join(d, 'o', 'paths.csv'), 'utf8');
    const lines = csv.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.length - 2).toBe(K + 1); // header, K+1 iterates, the final newline
    expect(lines[1].split(',')[0]).toBe('0');
    expect(lines.at(-2)!.split(',')[0]).toBe(String(K));
    const html = readFileSync(join(d, 'o', 'figure.html'), 'utf8');
    expect(statSync(join(d, 'o', 'figure.html')).size).toBeLessThan(1_000_000);
    const data = JSON.parse(/const data = (.*);\n/.exec(html)![1]);
    for (const trace of data) expect(trace.x.length).toBeLessThanOrEqual(4002);
    // the drawn extremes are the data's extremes (min/max per slice, not every n-th point)
    const xs = lines.slice(1, -1).map((l) => Number(l.split(',')[1]));
    expect(Math.max(...data[0].y) === xs.reduce((a, b) => Math.max(a, b), -Infinity)).toBe(true);
    expect(Math.min(...data[0].y) === xs.reduce((a, b) => Math.min(a, b), Infinity)).toBe(true);
    expect(html).toContain('the CSV has all 1000001 rows');
    expect(existsSync(join(d, 'o', 'result.json'))).toBe(true);
  });
});

describe('thinning keeps what a reader looks for', () => {
  it('first, last, the global minimum and maximum, every slice\'s extremes; at most max + 2 points, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }), fc.integer({ min: 4, max: 200 }), (y, max) => {
        const idx = Array.from(thinIndices(y, max));
        expect(idx.length).toBeLessThanOrEqual(y.length <= max ? y.length : max + 2);
        for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
        expect(idx[0]).toBe(0);
        expect(idx.at(-1)).toBe(y.length - 1);
        const kept = idx.map((i) => y[i]);
        expect(Math.max(...kept) === Math.max(...y)).toBe(true); // (=== : +0 and −0 are the same extreme)
        expect(Math.min(...kept) === Math.min(...y)).toBe(true);
      }),
      { seed: 14_40, numRuns: 200 },
    );
  });
});
