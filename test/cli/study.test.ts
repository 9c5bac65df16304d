/**
 * `asgd-sdde study`: the quick Fig. 3 study end to end into os.tmpdir() (files, marker, the
 * summary), a re-run refused without --force and replaced with it, the same bytes for the same
 * seed, and a bad config refused (exit 2) before anything is written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { cmdStudy } from '../../src/cli/commands/study.ts';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-study-'));

/** The quick example without real threads (deterministic) and smaller still. */
function simulatedOnly(dir: string): string {
  const c = JSON.parse(readFileSync('examples/study-mindthestep-fig3-quick.json', 'utf8'));
  c.models[0].threadWorkers = [];
  c.models[0].maxEpochs = 8;
  const file = join(dir, 'fig3-sim.json');
  writeFileSync(file, JSON.stringify(c));
  return file;
}

describe('asgd-sdde study', () => {
  it('the quick example runs end to end: CSVs, figure, timings and the marker listing them', async () => {
    const out = join(tmp(), 'fig3');
    const r = await cli(['study', 'examples/study-mindthestep-fig3-quick.json', '--out', out, '--no-png', '--threads', '2']);
    expect(r.code, r.err).toBe(EXIT.ok);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['mindthestep-fig3-runs.csv', 'mindthestep-fig3-summary.csv', 'mindthestep-fig3-timings.json', 'mindthestep-fig3.html', 'mindthestep-fig3.json']);
    const manifest = JSON.parse(readFileSync(join(out, 'mindthestep-fig3.json'), 'utf8'));
    expect(manifest.command).toBe('study');
    expect(manifest.kind).toBe('mindthestep-fig3');
    expect(manifest.files.sort()).toEqual(files);
    // 2 simulated m + 1 real-thread m; 2 arms × 2 runs each
    expect(manifest.rows.map((x: { server: string; m: number }) => `${x.server}:${x.m}`)).toEqual(['simulated:2', 'simulated:8', 'threads:2']);
    const runs = readFileSync(join(out, 'mindthestep-fig3-runs.csv'), 'utf8').trim().split('\n');
    expect(runs.length).toBe(1 + 3 * 3 * 2); // capControl: three arms
    expect(r.out).toContain('speed-up (95% CI)');
  }, 120_000);
  it('same seed ⇒ identical files (simulated server); a re-run needs --force', async () => {
    const d = tmp();
    const file = simulatedOnly(d);
    expect((await cli(['study', file, '--out', join(d, 'a'), '--no-png'])).code).toBe(EXIT.ok);
    expect((await cli(['study', file, '--out', join(d, 'b'), '--no-png', '--threads', '1'])).code).toBe(EXIT.ok);
    for (const f of ['mindthestep-fig3-runs.csv', 'mindthestep-fig3-summary.csv', 'mindthestep-fig3.json', 'mindthestep-fig3.html']) expect(readFileSync(join(d, 'b', f), 'utf8'), f).toBe(readFileSync(join(d, 'a', f), 'utf8'));
    const again = await cli(['study', file, '--out', join(d, 'a'), '--no-png']);
    expect(again.code).toBe(EXIT.badInput);
    expect(again.err).toContain('--force');
    expect((await cli(['study', file, '--out', join(d, 'a'), '--no-png', '--force', '--seed', '5'])).code).toBe(EXIT.ok);
    expect(readFileSync(join(d, 'a', 'mindthestep-fig3-runs.csv'), 'utf8')).not.toBe(readFileSync(join(d, 'b', 'mindthestep-fig3-runs.csv'), 'utf8'));
  }, 120_000);
  it('a bad config: exit 2 naming the field, nothing written', async () => {
    const d = tmp();
    const c = JSON.parse(readFileSync('examples/study-mindthestep-fig3-quick.json', 'utf8'));
    c.models[0].batchSize = 100_000; // above n: found when the model is built, still before any output
    writeFileSync(join(d, 'bad.json'), JSON.stringify(c));
    const out = join(d, 'out');
    let err = '';
    const code = await main(['study', join(d, 'bad.json'), '--out', out], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(EXIT.badInput);
    expect(err).toContain('models[0].batchSize');
    expect(existsSync(out)).toBe(false);
    writeFileSync(join(d, 'sweep.json'), readFileSync('examples/sweep-delay-batch.json'));
    const s = await cli(['study', join(d, 'sweep.json'), '--out', out]);
    expect(s.code).toBe(EXIT.badInput);
    expect(s.err).toContain('sweep command');
    expect(existsSync(out)).toBe(false);
    await expect(cmdStudy(['a.json', 'b.json'], { out: () => {}, err: () => {} })).rejects.toThrow(/exactly one CONFIG/);
  });
});
