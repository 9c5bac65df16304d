/**
 * Sweeps: killed and resumed without loss or duplication, sharded and merged to the same table,
 * every bad grid value refused (naming the point) before any work.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';

const quiet = { out: () => {}, err: () => {} };
const sweep = (paths: number) => ({
  base: { kind: 'pair', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.005, iterations: 400, batchSize: 1, delay: { kind: 'uniform', maxLag: 0 }, saveEvery: 400 }, bridge: { coupling: 'quantile', substeps: 4 } },
  grid: { 'asgd.delay.maxLag': [0, 1, 2, 4, 8, 16], 'asgd.batchSize': [1, 2] },
  metric: 'approximation-error',
  paths,
  seed: 3,
});
/** The table (results only: wall-clock times are in sweep-timings.csv). */
const table = (dir: string) => readFileSync(join(dir, 'sweep.csv'), 'utf8').trim().split('\n');

describe('sweeps', () => {
  it('a sweep killed mid-way and restarted loses and repeats nothing', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-sweep-'));
    writeFileSync(join(d, 's.json'), JSON.stringify(sweep(1500)));
    // the reference, uninterrupted
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'ref'), '--no-png'], quiet)).toBe(EXIT.ok);
    const pointSeconds = readFileSync(join(d, 'ref', 'sweep-timings.csv'), 'utf8').trim().split('\n').slice(1).map((r) => Number(r.split(',').at(-1)));
    expect(Math.min(...pointSeconds), 'each point takes long enough for the 20 ms poll').toBeGreaterThan(0.05);
    // a real process, killed once the CSV holds a few points. Event: the kill follows the CSV's
    // rows (polled every 20 ms), not a time. Margin under load: the test fails only if the child
    // writes all 9 remaining points between two polls; a point is 1500 paths × 1600 fine steps
    // (≥ 50 ms idle, checked below from the reference's timings), so that needs the parent's 20 ms
    // timer starved for ≥ 450 ms while the child runs — at load 8 on 2 cores both are slowed alike
    // (the child's points by the same factor), so the margin does not shrink with load.
    const out = join(d, 'killed');
    const child = spawn(process.execPath, ['bin/asgd-sdde.js', 'sweep', join(d, 's.json'), '--out', out, '--no-png'], { stdio: 'ignore' });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const rows = existsSync(join(out, 'sweep.csv')) ? readFileSync(join(out, 'sweep.csv'), 'utf8').trim().split('\n').length - 1 : 0;
        if (rows >= 3) {
          child.kill('SIGKILL');
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    await new Promise((r) => child.on('exit', r));
    const partial = table(out);
    const partialTimings = readFileSync(join(out, 'sweep-timings.csv'), 'utf8').trim().split('\n').slice(1);
    expect(partial.length - 1).toBeGreaterThanOrEqual(3);
    expect(partial.length - 1).toBeLessThan(12);
    // resume
    let err = '';
    expect(await main(['sweep', join(d, 's.json'), '--out', out, '--no-png'], { out: () => {}, err: (s) => void (err += s) })).toBe(EXIT.ok);
    expect(err).toContain('resuming');
    const full = table(out);
    expect(full).toEqual(table(join(d, 'ref')));
    // the points finished before the kill were kept, not recomputed: their wall-clock times
    // (measured afresh by any recomputation) are unchanged
    const after = readFileSync(join(out, 'sweep-timings.csv'), 'utf8').trim().split('\n');
    // (sweep-timings.csv is written just after sweep.csv: the kill may fall between the two)
    expect(partialTimings.length).toBeGreaterThanOrEqual(partial.length - 2);
    for (const row of partialTimings) expect(after).toContain(row);
    expect(new Set(full.slice(1).map((r) => r.split(',')[0])).size).toBe(12);
  });

  it('--shard 0/2 and 1/2, merged, equal the unsharded sweep', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-shard-'));
    writeFileSync(join(d, 's.json'), JSON.stringify(sweep(100)));
    await main(['sweep', join(d, 's.json'), '--out', join(d, 'all'), '--no-png'], quiet);
    await main(['sweep', join(d, 's.json'), '--out', join(d, 'a'), '--shard', '0/2', '--no-png'], quiet);
    await main(['sweep', join(d, 's.json'), '--out', join(d, 'b'), '--shard', '1/2', '--no-png'], quiet);
    expect(table(join(d, 'a')).length - 1).toBe(6);
    expect(await main(['merge', join(d, 'merged'), join(d, 'a'), join(d, 'b'), '--no-png'], quiet)).toBe(EXIT.ok);
    expect(table(join(d, 'merged'))).toEqual(table(join(d, 'all')));
    expect(existsSync(join(d, 'merged', 'sweep.html'))).toBe(true);
  });

  it('bad input is refused before any work, naming the point and the field', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-badsweep-'));
    const bad = sweep(10);
    bad.grid['asgd.batchSize'] = [1, -2];
    writeFileSync(join(d, 's.json'), JSON.stringify(bad));
    let err = '';
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'o')], { out: () => {}, err: (s) => void (err += s) })).toBe(EXIT.badInput);
    expect(err).toMatch(/point 1: .*asgd\.batchSize = -2.*asgd\.batchSize/);
    expect(existsSync(join(d, 'o'))).toBe(false);
    for (const args of [['--shard', '2/2'], ['--shard', 'x'], ['--threads', '0']]) {
      writeFileSync(join(d, 'ok.json'), JSON.stringify(sweep(10)));
      expect(await main(['sweep', join(d, 'ok.json'), '--out', join(d, 'o2'), ...args], quiet), args.join(' ')).toBe(EXIT.badInput);
    }
    writeFileSync(join(d, 'm.json'), JSON.stringify({ ...sweep(10), metric: 'accuracy' }));
    expect(await main(['sweep', join(d, 'm.json'), '--out', join(d, 'o3')], quiet)).toBe(EXIT.badInput);
  });

  it('a point whose paths diverge has an empty metric and its count, never a mean over survivors', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-div-'));
    writeFileSync(join(d, 's.json'), JSON.stringify({ base: { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.05, iterations: 4000, batchSize: 1, delay: { kind: 'constant', lag: 10 }, saveEvery: 100 } }, grid: { 'asgd.eta': [0.05, 2.0] }, metric: 'final-loss', paths: 16, seed: 1 }));
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'o'), '--no-png'], quiet)).toBe(EXIT.ok);
    const rows = readFileSync(join(d, 'o', 'sweep.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('point,asgd.eta,final-loss,final-loss_se,diverged,check');
    const [, ok, bad] = rows.map((r) => r.split(','));
    expect(Number(ok[2])).toBeGreaterThan(0);
    expect(ok[4]).toBe('0');
    expect(bad[2]).toBe('');
    expect(Number(bad[4])).toBe(16);
  });
  it('grid values containing commas are quoted (RFC 4180) and read back intact', async () => {
    const { csvRow, parseCsvLine } = await import('../../src/sweep/sweep-table.ts');
    const values = ['max(w1, 0)', 'a "quoted"; value', { kind: 'uniform', maxLag: 2 }, 3];
    const line = csvRow({ point: 5, values, metric: 0.25, se: NaN, diverged: 0, seconds: 1 });
    const cells = parseCsvLine(line);
    expect(cells.slice(1, 5).map((c) => JSON.parse(c))).toEqual(values);
    expect(cells[5]).toBe('0.25');
    expect(cells[6]).toBe('');
  });
  it('a shard that owns no points still writes its table, and merges', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-empty-shard-'));
    const small = { ...sweep(10), grid: { 'asgd.delay.maxLag': [0, 1] } };
    writeFileSync(join(d, 's.json'), JSON.stringify(small));
    for (const i of [0, 1, 2]) expect(await main(['sweep', join(d, 's.json'), '--out', join(d, `s${i}`), '--shard', `${i}/3`, '--no-png'], quiet)).toBe(EXIT.ok);
    expect(existsSync(join(d, 's2', 'sweep.csv'))).toBe(true);
    expect(await main(['merge', join(d, 'm'), join(d, 's0'), join(d, 's1'), join(d, 's2'), '--no-png'], quiet)).toBe(EXIT.ok);
    expect(table(join(d, 'm')).length).toBe(3);
  });
  it('a different sweep cannot resume into the same directory', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-other-'));
    writeFileSync(join(d, 's.json'), JSON.stringify(sweep(10)));
    writeFileSync(join(d, 't.json'), JSON.stringify({ ...sweep(10), seed: 4 }));
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'o'), '--no-png'], quiet)).toBe(EXIT.ok);
    expect(await main(['sweep', join(d, 't.json'), '--out', join(d, 'o'), '--no-png'], quiet)).toBe(EXIT.badInput);
  });
});

describe('sweeps: parallel points, the API, no silent traps', () => {
  it('points on 2 threads give the table of 1 thread, bit for bit (timing column aside)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-par-'));
    writeFileSync(join(d, 's.json'), JSON.stringify(sweep(60)));
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'one'), '--threads', '1', '--no-png'], quiet)).toBe(EXIT.ok);
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'two'), '--threads', '2', '--no-png'], quiet)).toBe(EXIT.ok);
    expect(table(join(d, 'two'))).toEqual(table(join(d, 'one')));
    expect(table(join(d, 'one')).length).toBe(13);
  });

  it('runSweep: typed rows in point order, exponents per series, a caption with every setting', async () => {
    const { runSweep } = await import('../../src/sweep/run.ts');
    const seen: number[] = [];
    const r = await runSweep(
      {
        base: { kind: 'pair', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.005, iterations: 200, batchSize: 1, delay: { kind: 'uniform', maxLag: 2 }, saveEvery: 200 }, bridge: { coupling: 'quantile', substeps: 1 } },
        grid: { 'asgd.batchSize': [1, 2, 4, 8], 'asgd.delay.maxLag': [0, 4] },
        metric: 'approximation-error',
        paths: 200,
        seed: 2,
      },
      { threads: 2, onPoint: (row) => seen.push(row.point) },
    );
    expect(r.rows.map((x) => x.point)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // one exponent per series: in b for each maxLag (2), in maxLag + 1 needs ≥ 3 values (none)
    expect(r.fits.map((f) => `${f.key}|${f.series}|${f.against}`)).toEqual(['asgd.batchSize|asgd.delay.maxLag = 0|x', 'asgd.batchSize|asgd.delay.maxLag = 4|x']);
    // the CLT part falls with b at least like b^{−1/2} (He et al. Thm 3.2: C2/√b): each fitted
    // exponent is negative beyond its 95% CI, and its CI reaches −1/2 or below (docs/ensembles-and-studies.md:
    // ≈ b^{−1} on the toy)
    for (const f of r.fits) {
      expect(f.ci95[1], JSON.stringify(f)).toBeLessThan(0);
      expect(f.ci95[0], JSON.stringify(f)).toBeLessThanOrEqual(-0.5);
    }
    expect(r.caption).not.toMatch(/\(n = 2\) \(/); // one size bracket, not "(n = 2) (n = 2, d = 1)"
    for (const text of ['n = 2, d = 1', 'η = 0.005', 'K = 200', "'quantile'", '200 paths per point', 'seed 2', '95% CIs', 'batchSize gridded']) expect(r.caption).toContain(text);
  });

  it('refuses a key whose values leave the run unchanged, naming it, before any work', async () => {
    const { prepareSweep } = await import('../../src/sweep/sweep.ts');
    const base = { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 50, batchSize: 1, delay: { kind: 'geometric', p: 1, maxLag: 4 } } };
    const refused = (grid: Record<string, unknown[]>, field: string, text: RegExp) => {
      try {
        prepareSweep({ seed: 1, base, grid, metric: 'final-loss', paths: 10 });
        throw new Error('not refused');
      } catch (e) {
        expect((e as { field: string }).field).toBe(field);
        expect((e as Error).message).toMatch(text);
      }
    };
    // p = 1: every lag is 0 whatever the truncation
    refused({ 'asgd.delay.maxLag': [4, 8, 16] }, 'sweep.grid.asgd.delay.maxLag', /leaves the run unchanged/);
    // a pmf truncated beyond its weights: 5 and 9 give the same pmf (only 2 and 5 differ)
    refused({ 'asgd.delay': [1, 5, 9].map((maxLag) => ({ kind: 'pmf', weights: [1, 1, 1], maxLag })) }, 'sweep.grid.asgd.delay', /values .*maxLag":5.* and .*maxLag":9.* give the same run/);
    refused({ 'asgd.eta': [0.01, 0.01] }, 'sweep.grid.asgd.eta', /repeats the value 0.01/);
    // the old trap: a uniform model's bound gridded under another name is an error of the point now
    expect(() => prepareSweep({ seed: 1, base: { ...base, asgd: { ...base.asgd, delay: { kind: 'uniform', max: 0 } } }, grid: { 'asgd.delay.maxLag': [0, 4] }, metric: 'final-loss', paths: 10 })).toThrow(/asgd\.delay\.max: is the older name of maxLag/);
    // a key that changes the run passes
    expect(prepareSweep({ seed: 1, base, grid: { 'asgd.delay.p': [0.5, 1] }, metric: 'final-loss', paths: 10 }).points.length).toBe(2);
  });

  it("warns that the 'independent' coupling's distance is not the approximation error", async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-warn-'));
    const cfg = sweep(10);
    (cfg.base as { bridge: { coupling: string } }).bridge.coupling = 'independent';
    cfg.grid = { 'asgd.batchSize': [1, 2] } as never;
    writeFileSync(join(d, 's.json'), JSON.stringify(cfg));
    let err = '';
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'o'), '--no-png', '--threads', '1'], { out: () => {}, err: (s) => void (err += s) })).toBe(EXIT.ok);
    expect(err).toMatch(/warning: 2 of 2 points use the 'independent' coupling/);
    expect(readFileSync(join(d, 'o', 'sweep.html'), 'utf8')).toContain('Warning: 2 of 2 points');
  });

  it('a zipped key sets several fields together (K and η = 1/K); a tuple of the wrong length is refused', async () => {
    const { prepareSweep } = await import('../../src/sweep/sweep.ts');
    const base = { kind: 'asgd', asgd: { objective: { kind: 'toy' }, x0: 4, eta: 0.01, iterations: 50, batchSize: 1 } };
    const key = 'asgd.iterations,asgd.eta,asgd.saveEvery';
    const sw = prepareSweep({ seed: 1, base, grid: { [key]: [[100, 0.01, 100], [200, 0.005, 200]], 'asgd.batchSize': [1, 2] }, metric: 'final-loss', paths: 10 });
    expect(sw.points.map((p) => (p.config as { asgd: { iterations: number; eta: number; saveEvery: number } }).asgd)).toMatchObject([
      { iterations: 100, eta: 0.01, saveEvery: 100 },
      { iterations: 100, eta: 0.01, saveEvery: 100 },
      { iterations: 200, eta: 0.005, saveEvery: 200 },
      { iterations: 200, eta: 0.005, saveEvery: 200 },
    ]);
    expect(() => prepareSweep({ seed: 1, base, grid: { [key]: [[100, 0.01]] }, metric: 'final-loss', paths: 10 })).toThrow(/asgd\.iterations,asgd\.eta,asgd\.saveEvery\[0\]: must be an array of 3 values/);
    const { sweepFits } = await import('../../src/sweep/figure.ts');
    // exponents are fitted against the first field of the tuple
    const fits = sweepFits([key], [100, 200, 400].map((K) => ({ values: [[K, 1 / K, K]], metric: K ** -0.5, se: 0.01 * K ** -0.5 })));
    expect(fits[0].key).toBe('asgd.iterations');
    expect(fits[0].exponent).toBeCloseTo(-0.5, 10);
  });

  it('sweep --json prints the rows and the fits; weak-mmd works in d dimensions', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-json-'));
    const cfg = {
      base: { kind: 'pair', asgd: { objective: { kind: 'least-squares', n: 200, d: 3, seed: 1 }, x0: 0, eta: 0.02, iterations: 100, batchSize: 4, delay: { kind: 'constant', lag: 1 }, saveEvery: 100 }, bridge: { coupling: 'axis-quantile', lawSamples: 2000 } },
      grid: { 'asgd.batchSize': [1, 4, 16] },
      metric: 'weak-mmd',
      paths: 64,
    };
    writeFileSync(join(d, 's.json'), JSON.stringify(cfg));
    let out = '';
    expect(await main(['sweep', join(d, 's.json'), '--out', join(d, 'o'), '--json', '--no-png', '--threads', '1'], { out: (s) => void (out += s), err: () => {} })).toBe(EXIT.ok);
    const summary = JSON.parse(out);
    expect(summary.rows.map((r: { point: number }) => r.point)).toEqual([0, 1, 2]);
    // the printed rows are the table's rows (same numbers as sweep.csv, point by point)
    const csv = table(join(d, 'o'));
    const head = csv[0].split(',');
    for (const r of summary.rows) {
      const cells = csv[1 + r.point].split(',');
      expect(Number(cells[head.indexOf('weak-mmd')])).toBe(r['weak-mmd']);
      expect(Number(cells[head.indexOf('weak-mmd_se')])).toBe(r.se);
      expect(Number(cells[head.indexOf('asgd.batchSize')])).toBe(cfg.grid['asgd.batchSize'][r.point]);
      expect(r.se).toBeGreaterThan(0);
    }
    // one fit: the exponent in b, over the three points
    expect(summary.fits.map((f: { key: string }) => f.key)).toEqual(['asgd.batchSize']);
    expect(readFileSync(join(d, 'o', 'sweep.html'), 'utf8')).toContain('axis-quantile');
  });
});
