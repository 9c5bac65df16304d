/**
 * CLI help and discovery: each command's own help (`asgd-sdde <command> --help`, `asgd-sdde help
 * <command>`), "did you mean" for unknown commands and flags (exit 2), and `asgd-sdde examples
 * [--copy DIR]`. Run in process through main(argv, io).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, main } from '../../src/cli/main.ts';
import { COMMAND_HELP, COMMAND_NAMES } from '../../src/cli/help.ts';
import { closest, levenshtein } from '../../src/cli/suggest.ts';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'asgd-sdde-help-'));
/** The flag names a command's help lists ("--seed N" → "--seed"). */
const flagsOf = (command: string) => COMMAND_HELP[command]!.options.map((o) => o.flag.split(' ')[0]!);

describe('Levenshtein distance and suggestions', () => {
  it('counts insertions, deletions and substitutions (textbook cases)', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('flaw', 'lawn')).toBe(2);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });
  it('suggests only close candidates', () => {
    expect(closest('--sed', ['--seed', '--out', '--json'])).toEqual(['--seed']);
    expect(closest('swep', ['run', 'sweep', 'merge'])).toEqual(['sweep']);
    expect(closest('--x', ['--out', '--seed'])).toEqual([]);
    expect(closest('frobnicate', ['run', 'fig1', 'check'])).toEqual([]);
  });
});

describe("each command's own help", () => {
  for (const command of COMMAND_NAMES) {
    it(`${command} --help and help ${command} print its usage, options with defaults, and examples`, async () => {
      const a = await cli([command, '--help']);
      const b = await cli(['help', command]);
      expect(a.code).toBe(EXIT.ok);
      expect(b.code).toBe(EXIT.ok);
      expect(a.out).toBe(b.out);
      expect(a.out.startsWith(`Usage:\n  asgd-sdde ${command}`)).toBe(true);
      for (const flag of flagsOf(command)) expect(a.out, flag).toContain(flag);
      expect(a.out).toContain('Examples:');
      // specific to the command: no other command's usage (examples may show a preparatory command)
      const usage = a.out.slice(0, a.out.indexOf('Examples:'));
      for (const other of COMMAND_NAMES.filter((c) => c !== command)) expect(usage, other).not.toContain(`asgd-sdde ${other} `);
    });
  }
  it('sweep --help is specific to sweeps: its flags, their defaults, a sweep example', async () => {
    const r = await cli(['sweep', '--help']);
    expect(r.out).toContain('--threads N');
    expect(r.out).toContain('(default: all cores');
    expect(r.out).toContain('--slurm-script N');
    expect(r.out).toContain('--shard i/n');
    expect(r.out).toMatch(/asgd-sdde sweep examples\/sweep-delay-batch\.json/);
    expect(r.out).not.toContain('--coupling');
  });
  it('-h is --help', async () => {
    expect((await cli(['check', '-h'])).out).toBe((await cli(['help', 'check'])).out);
  });
  it('the overview lists every command and how to get its help', async () => {
    const r = await cli(['help']);
    expect(r.code).toBe(EXIT.ok);
    for (const c of COMMAND_NAMES) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.out).toContain("asgd-sdde help <command>");
  });
  it('every flag a help lists is one its command parses: a typo of it is answered with that flag', async () => {
    for (const command of COMMAND_NAMES) {
      for (const flag of flagsOf(command)) {
        const typo = flag.slice(0, -1) + (flag.endsWith('x') ? 'y' : 'x'); // one substitution
        const r = await cli([command, typo]);
        expect(r.code, `${command} ${typo}`).toBe(EXIT.badInput);
        expect(r.err, `${command} ${typo}`).toContain(`did you mean ${flag}`);
      }
    }
  });
});

describe('unknown commands and flags', () => {
  it('a misspelt flag: exit 2, "did you mean", the command named, nothing run', async () => {
    const out = join(tmp(), 'out');
    const r = await cli(['run', 'examples/sdde-delayed-ou.json', '--sed', '3', '--out', out]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain("unknown option --sed for 'run' (did you mean --seed?)");
    expect(r.err).toContain('asgd-sdde run --help');
    expect(existsSync(out)).toBe(false);
  });
  it('a flag of another command is not suggested', async () => {
    const r = await cli(['fig1', '--threads', '2']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain("unknown option --threads for 'fig1'");
    expect(r.err).not.toContain('did you mean');
  });
  it('a misspelt command: exit 2 and the closest command', async () => {
    const r = await cli(['swep', 'x.json']);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain('unknown command "swep" (did you mean sweep?)');
    const h = await cli(['help', 'chek']);
    expect(h.code).toBe(EXIT.badInput);
    expect(h.err).toContain('(did you mean check?)');
  });
});

describe('asgd-sdde examples', () => {
  const shipped = readdirSync('examples').filter((f) => f.endsWith('.json')).sort();
  it('lists every shipped example config, one line each, with what it runs', async () => {
    const r = await cli(['examples']);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(shipped);
    for (const [i, f] of shipped.entries()) {
      const c = JSON.parse(readFileSync(join('examples', f), 'utf8')) as { kind?: string; grid?: unknown; prediction?: unknown; name?: string; description?: string; base?: { description?: string } };
      // the column says what runs it: sweep, check --claim, study (a study's own kind), or run's kind
      expect(lines[i]!.split(/\s+/)[1]).toBe(c.grid ? 'sweep' : c.prediction ? 'claim' : c.kind === 'mindthestep-fig3' ? 'study' : c.kind);
      const description = c.description ?? c.base?.description ?? `check --claim: ${c.name}`;
      expect(description.startsWith(lines[i]!.split(/\s{2,}/)[2]!.replace(/…$/, ''))).toBe(true);
    }
  });
  it('--copy DIR copies them byte for byte, and they run from there', async () => {
    const dir = join(tmp(), 'examples');
    const r = await cli(['examples', '--copy', dir]);
    expect(r.code, r.err).toBe(EXIT.ok);
    expect(readdirSync(dir).sort()).toEqual(shipped);
    for (const f of shipped) expect(readFileSync(join(dir, f))).toEqual(readFileSync(join('examples', f)));
    const run = await cli(['run', join(dir, 'sdde-delayed-ou.json'), '--out', join(dir, '..', 'ou'), '--no-png']);
    expect(run.code, run.err).toBe(EXIT.ok);
  });
  it('--copy refuses to overwrite: exit 2 naming the files, nothing copied or changed', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'pair-toy-quantile.json'), 'mine');
    const r = await cli(['examples', '--copy', dir]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain(join(dir, 'pair-toy-quantile.json'));
    expect(readdirSync(dir)).toEqual(['pair-toy-quantile.json']);
    expect(readFileSync(join(dir, 'pair-toy-quantile.json'), 'utf8')).toBe('mine');
  });
  it('--copy into a path under a file is refused before any work', async () => {
    const file = join(tmp(), 'file');
    writeFileSync(file, '');
    const r = await cli(['examples', '--copy', join(file, 'sub')]);
    expect(r.code).toBe(EXIT.badInput);
    expect(r.err).toContain('--copy');
  });
});
