/**
 * Resume keeps only rows it can verify against the current spec. Each row of sweep.csv ends with a
 * `check` cell: a digest of the sweep's settings (canonical JSON: base config, grid, metric, paths,
 * seed) and of the row's other cells. Before: a well-formed but edited metric value was kept, and
 * after editing sweep.json (and the config) to a new base eta, resume kept every row computed with
 * the old eta. Also: a sweep.json whose keys were reordered is the same sweep (compared
 * canonically), not "a different sweep". The expected tables come from uninterrupted runs of the
 * same spec in fresh directories.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/main.ts';
import { runCli } from '../helpers/cli-process.ts';

const base = (eta: number) => ({ kind: 'asgd', seed: 1, asgd: { objective: { kind: 'least-squares', n: 50, d: 3, seed: 1 }, x0: 0, eta, iterations: 300, batchSize: 4 } });
const spec = (eta: number) => ({ base: base(eta), grid: { 'asgd.batchSize': [2, 4, 8] }, metric: 'final-loss', paths: 8, seed: 3 });
const sweep = (config: string, out: string) => runCli(['sweep', config, '--out', out, '--no-png', '--threads', '1'], { timeoutMs: 120_000 });

async function reference(d: string, eta: number): Promise<string> {
  writeFileSync(join(d, `ref-${eta}.json`), JSON.stringify(spec(eta)));
  const r = await sweep(join(d, `ref-${eta}.json`), join(d, `ref-${eta}`));
  expect(r.code, r.stderr).toBe(EXIT.ok);
  return readFileSync(join(d, `ref-${eta}`, 'sweep.csv'), 'utf8');
}

describe('resume verifies each row against the current spec', () => {
  it('an edited metric value (still a well-formed number) is recomputed', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-tamper-'));
    const ref = await reference(d, 0.01);
    const out = join(d, 'o');
    writeFileSync(join(d, 's.json'), JSON.stringify(spec(0.01)));
    expect((await sweep(join(d, 's.json'), out)).code).toBe(EXIT.ok);
    const lines = readFileSync(join(out, 'sweep.csv'), 'utf8').split('\n');
    const cells = lines[2].split(',');
    cells[2] = String(Number(cells[2]) * 0.5); // a plausible, canonical number
    lines[2] = cells.join(',');
    writeFileSync(join(out, 'sweep.csv'), lines.join('\n'));
    const r = await sweep(join(d, 's.json'), out);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toMatch(/recomputing a row .*check digest does not match/);
    expect(r.stderr).toContain('resuming: 2 finished points kept');
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe(ref);
  });

  it('sweep.json and the config edited to a new base eta: every row is recomputed with the new eta', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-tamper-'));
    const ref = await reference(d, 0.02);
    const out = join(d, 'o');
    writeFileSync(join(d, 's.json'), JSON.stringify(spec(0.01)));
    expect((await sweep(join(d, 's.json'), out)).code).toBe(EXIT.ok);
    const manifest = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    manifest.settings = spec(0.02);
    writeFileSync(join(out, 'sweep.json'), JSON.stringify(manifest));
    writeFileSync(join(d, 's.json'), JSON.stringify(spec(0.02)));
    const r = await sweep(join(d, 's.json'), out);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).not.toContain('resuming');
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe(ref);
  });

  it('a sweep.json with reordered keys is the same sweep: resumed, not refused', async () => {
    const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-tamper-'));
    const out = join(d, 'o');
    writeFileSync(join(d, 's.json'), JSON.stringify(spec(0.01)));
    expect((await sweep(join(d, 's.json'), out)).code).toBe(EXIT.ok);
    const table = readFileSync(join(out, 'sweep.csv'), 'utf8');
    const m = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    const reorder = (v: unknown): unknown => (Array.isArray(v) ? v.map(reorder) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v);
    writeFileSync(join(out, 'sweep.json'), JSON.stringify(reorder(m)));
    const r = await sweep(join(d, 's.json'), out);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    expect(r.stderr).toContain('resuming: 3 finished points kept');
    expect(readFileSync(join(out, 'sweep.csv'), 'utf8')).toBe(table);
  });
});
