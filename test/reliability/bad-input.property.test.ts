/**
 * Bad input, tried systematically (property-based, fast-check with a fixed seed): valid configs of
 * every kind, each broken in one field at a time. Valid ones must run (status ok, or diverged with
 * its step); invalid ones must be refused before any work with a ConfigError naming a field of the
 * broken part of the config; nothing else may be thrown; no NaN or Infinity reaches a CSV.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { prepareExperiment } from '../../src/experiments/config.ts';
import { runExperiment } from '../../src/experiments/run.ts';
import { toCsv } from '../../src/io/csv.ts';
import { configArb, corrupt, CORRUPTIONS, paths } from './generators.ts';

/** The refused field belongs to the part of the config that was broken (same top-level section). */
function related(field: string, path: string): boolean {
  const norm = (s: string) => s.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  const f = norm(field);
  const p = norm(path);
  if (f.length === 0) return false;
  // top-level fields (kind, seed, an unknown key) and config-wide refusals name the key itself
  return f[0] === p[0] || f[0] === 'bogusField' || (p.length === 1 && f[0] === p[0]);
}

function outcome(config: unknown, path: string, label = path) {
  let prepared;
  try {
    prepared = prepareExperiment(config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`non-ConfigError for ${label}: ${(e as Error).stack}`);
    expect(e.field.length, `${path}: empty field`).toBeGreaterThan(0);
    expect(e.reason.length, `${path}: empty reason`).toBeGreaterThan(3);
    expect(related(e.field, path), `broke ${label}, refused as ${e.message}`).toBe(true);
    return 'refused' as const;
  }
  const out = runExperiment(prepared);
  const status = JSON.stringify(out.summary.status);
  expect(status, path).toMatch(/ok|diverged/);
  if (status.includes('diverged')) expect(JSON.stringify(out.summary)).toMatch(/"step":\d+/);
  expect(toCsv(out.table)).not.toMatch(/NaN|Infinity/);
  return 'ran' as const;
}

describe('library entry point: every valid config runs, every broken field is refused by name', () => {
  it('valid configs run', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        expect(outcome(config, '(valid)')).toBe('ran');
      }),
      { seed: 20261121, numRuns: 60 },
    );
  });
  it('single-field corruptions are refused before any work, or still run correctly', () => {
    const seen = { refused: 0, ran: 0 };
    fc.assert(
      fc.property(configArb, fc.nat(), fc.constantFrom(...CORRUPTIONS), (config, pick, kind) => {
        const all = paths(config);
        const target = all[pick % all.length];
        const { config: broken, path } = corrupt(config, target, kind);
        seen[outcome(broken, path, `${path} ← ${kind}`)]++;
      }),
      { seed: Number(process.env.FC_SEED ?? 20261121), numRuns: Number(process.env.FC_RUNS ?? 400) },
    );
    // the corruptions really break things: most are refused, some (e.g. x0 = 0) remain valid
    expect(seen.refused).toBeGreaterThan(200);
    expect(seen.ran).toBeGreaterThan(0);
  });
});

describe('the CLI on broken JSON files: exit 0 or 2 only, no stack trace, nothing written on refusal', () => {
  it('run CONFIG', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.nat(), fc.constantFrom(...CORRUPTIONS), async (config, pick, kind) => {
        const all = paths(config);
        const { config: broken } = corrupt(config, all[pick % all.length], kind);
        const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-prop-'));
        writeFileSync(join(d, 'c.json'), JSON.stringify(broken)); // NaN/Infinity become null in JSON
        let out = '';
        let err = '';
        const code = await main(['run', join(d, 'c.json'), '--out', join(d, 'o'), '--no-png'], { out: (s) => void (out += s), err: (s) => void (err += s) });
        expect([EXIT.ok, EXIT.badInput], err).toContain(code);
        expect(err).not.toMatch(/\n\s+at /); // no stack trace
        if (code === EXIT.badInput) {
          expect(err).toMatch(/^error: \S+: .+/);
          expect(existsSync(join(d, 'o'))).toBe(false);
          expect(readdirSync(d)).toEqual(['c.json']);
        } else {
          expect(readFileSync(join(d, 'o', 'paths.csv'), 'utf8')).not.toMatch(/NaN|Infinity/);
          expect(JSON.parse(readFileSync(join(d, 'o', 'result.json'), 'utf8')).seed).toBeTypeOf('number');
        }
      }),
      { seed: Number(process.env.FC_SEED ?? 7), numRuns: 40 },
    );
  });
  it('fig1 and check options', async () => {
    const bad = fc.oneof(fc.constantFrom('-1', 'abc', '1.5', '1e400', '', '9007199254740993'), fc.string({ maxLength: 6 }));
    await fc.assert(
      fc.asyncProperty(bad, fc.constantFrom('seed', 'coupling', 'threads', 'name'), async (value, option) => {
        const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-prop-'));
        const args =
          option === 'name'
            ? ['check', `x${value}`, '--quick', '--out', join(d, 'o')]
            : option === 'threads'
              ? ['check', '--threads', value === '' ? '0' : `${value}x`, '--quick', '--out', join(d, 'o')]
              : ['fig1', `--${option}`, option === 'seed' ? value || '-' : `${value}zz`, '--no-png', '--out', join(d, 'o')];
        let err = '';
        const code = await main(args, { out: () => {}, err: (s) => void (err += s) });
        // seeds made of digits alone can be valid; everything else here is refused before any work
        if (code === EXIT.ok) expect(option === 'seed' && /^\d+$/.test(value)).toBe(true);
        else {
          expect(code, err).toBe(EXIT.badInput);
          expect(existsSync(join(d, 'o'))).toBe(false);
        }
        expect(err).not.toMatch(/\n\s+at /);
      }),
      { seed: 11, numRuns: 40 },
    );
  });
  it('staleness options: every known-bad value is refused naming its option', async () => {
    const options = ['workers', 'compute', 'updates', 'global', 'local', 'pull-every'];
    const knownBad = ['-1', '0', 'abc', '1.5', '1e400', '', 'normal:1', 'normal:1:-1', 'constant:0', 'slow:1:2:3', 'exponential:NaN', '4,,8'];
    for (const option of options) {
      for (const value of knownBad) {
        const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-prop-'));
        const mode = option === 'pull-every' ? ['--mode', 'sync'] : [];
        let err = '';
        const code = await main(['staleness', ...mode, `--${option}`, value, ...(option === 'updates' ? [] : ['--updates', '50']), '--out', join(d, 'o'), '--no-png'], { out: () => {}, err: (s) => void (err += s) });
        expect(code, `--${option} ${JSON.stringify(value)}: ${err}`).toBe(EXIT.badInput);
        expect(err).toContain(`--${option}`);
        expect(existsSync(join(d, 'o'))).toBe(false);
      }
    }
  });
  it('staleness options: arbitrary strings run or are refused, never crash', async () => {
    const bad = fc.string({ maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(bad, fc.constantFrom('workers', 'compute', 'updates', 'global', 'local', 'pull-every'), async (value, option) => {
        const d = mkdtempSync(join(tmpdir(), 'asgd-sdde-prop-'));
        const mode = option === 'pull-every' ? ['--mode', 'sync'] : [];
        let err = '';
        const code = await main(['staleness', ...mode, `--${option}`, value, ...(option === 'updates' ? [] : ['--updates', '50']), '--out', join(d, 'o'), '--no-png'], { out: () => {}, err: (s) => void (err += s) });
        expect([EXIT.ok, EXIT.badInput], err).toContain(code);
        expect(err).not.toMatch(/\n\s+at /);
        if (code === EXIT.badInput) {
          expect(err).toMatch(/^error: --\S+: .+/);
          expect(existsSync(join(d, 'o'))).toBe(false);
        } else {
          const j = readFileSync(join(d, 'o', 'staleness.json'), 'utf8');
          expect(j).not.toMatch(/NaN|Infinity/);
        }
      }),
      { seed: 13, numRuns: 40 },
    );
  });
});

