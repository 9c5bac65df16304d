/**
 * Same seed ⇒ bit-identical output files: across runs, across 1 vs 2 worker threads, and across
 * saving options (saving more must not change the random stream). Result files carry no
 * wall-clock times (issue 14, item 11): sweep.csv and theory-report.{json,html} of two identical
 * runs are the same bytes; the times are in sweep-timings.csv and theory-timings.json.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { toyObjective } from '../../src/asgd/objectives/toy.ts';
import { generatedLeastSquares } from '../../src/asgd/objectives/least-squares.ts';
import { asgdConfig, runAsgd } from '../../src/asgd/runner.ts';
import { runPair } from '../../src/bridge/pair.ts';

const quiet = { out: () => {}, err: () => {} };

/** The report without what legitimately differs between runs: wall-clock times and thread counts. */
function strip(json: string): unknown {
  return JSON.parse(json, (k, v) => (k === 'seconds' || k === 'threads' ? undefined : v));
}

describe('reproducibility', () => {
  it('check moments --quick: the same report with 1 and with 2 worker threads', async () => {
    const a = mkdtempSync(join(tmpdir(), 'asgd-sdde-rep-'));
    const b = mkdtempSync(join(tmpdir(), 'asgd-sdde-rep-'));
    expect(await main(['check', 'moments', '--quick', '--no-png', '--threads', '1', '--out', a], quiet)).toBe(0);
    expect(await main(['check', 'moments', '--quick', '--no-png', '--threads', '2', '--out', b], quiet)).toBe(0);
    expect(strip(readFileSync(join(b, 'theory-report.json'), 'utf8'))).toEqual(strip(readFileSync(join(a, 'theory-report.json'), 'utf8')));
  });
  it('ASGD: saving every 7th iterate gives exactly those iterates of the full run', () => {
    const spec = { objective: generatedLeastSquares({ n: 40, d: 3, seed: 2 }), x0: 1, eta: 0.05, iterations: 500, batchSize: 3, delay: { kind: 'poisson' as const, lambda: 2, maxLag: 9 } };
    const all = runAsgd(spec, { seed: 5 });
    const some = runAsgd(spec, { seed: 5, saveAt: { every: 7 } });
    for (let i = 0; i < some.k.length; i++) for (let j = 0; j < 3; j++) expect(some.x[i * 3 + j]).toBe(all.x[some.k[i] * 3 + j]);
  });
  it('pairs: saving every 10th step gives exactly those points of the full run, for every coupling', () => {
    const cfg = asgdConfig({ objective: toyObjective(), x0: 4, eta: 0.01, iterations: 300, batchSize: 1, delay: { kind: 'uniform', maxLag: 5 } });
    for (const coupling of ['independent', 'shared-brownian', 'quantile'] as const) {
      const all = runPair(cfg, { coupling, seed: 3, substeps: 2 });
      const some = runPair(cfg, { coupling, seed: 3, substeps: 2, saveEvery: 10 });
      for (let i = 0; i < some.k.length; i++) {
        expect(some.sdde.x[i], coupling).toBe(all.sdde.x[some.k[i]]);
        expect(some.discrete.x[i], coupling).toBe(all.discrete.x[some.k[i]]);
      }
    }
  });
  it('check: theory-report.json and theory-report.html byte-identical on a second run; the times apart', async () => {
    const a = mkdtempSync(join(tmpdir(), 'asgd-sdde-rep-'));
    const b = mkdtempSync(join(tmpdir(), 'asgd-sdde-rep-'));
    for (const d of [a, b]) expect(await main(['check', 'energy', 'rates', '--quick', '--no-png', '--threads', '1', '--out', d], quiet)).toBe(0);
    for (const f of ['theory-report.json', 'theory-report.html', 'check-energy.html']) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
    expect(readFileSync(join(a, 'theory-report.json'), 'utf8')).not.toMatch(/"seconds"|run time/);
    const timings = JSON.parse(readFileSync(join(a, 'theory-timings.json'), 'utf8'));
    expect(timings.checks.map((c: { name: string }) => c.name)).toEqual(['energy', 'rates']);
    expect(timings.seconds).toBeGreaterThan(0);
  });
  it('sweep: sweep.csv byte-identical on a second run; the times apart', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-rep-'));
    writeFileSync(join(d, 's.json'), JSON.stringify({ base: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 200, batchSize: 1, delay: { kind: 'uniform', max: 2 }, saveEvery: 20 } }, grid: { 'asgd.eta': [0.01, 0.02, 0.05] }, metric: 'final-loss', paths: 16, seed: 2 }));
    for (const o of ['a', 'b']) expect(await main(['sweep', join(d, 's.json'), '--out', join(d, o), '--no-png'], quiet)).toBe(0);
    expect(readFileSync(join(d, 'b', 'sweep.csv'), 'utf8')).toBe(readFileSync(join(d, 'a', 'sweep.csv'), 'utf8'));
    expect(readFileSync(join(d, 'b', 'sweep.html'), 'utf8')).toBe(readFileSync(join(d, 'a', 'sweep.html'), 'utf8'));
    expect(existsSync(join(d, 'a', 'sweep-timings.csv'))).toBe(true);
    expect(readFileSync(join(d, 'a', 'sweep-timings.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
  });
  it('fig1: byte-identical files on a second run', async () => {
    const a = mkdtempSync(join(tmpdir(), 'asgd-sdde-rep-'));
    const b = mkdtempSync(join(tmpdir(), 'asgd-sdde-rep-'));
    await main(['fig1', '--no-png', '--out', a], quiet);
    await main(['fig1', '--no-png', '--out', b], quiet);
    for (const f of ['fig1-path-comparison.csv', 'fig1-path-comparison.json', 'fig1-path-comparison.html']) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
  });
});
