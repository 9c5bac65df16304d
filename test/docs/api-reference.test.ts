/**
 * The API reference builds with no warning: TypeDoc, configured by typedoc.json (every exported
 * function, class, interface, type alias, enum and variable documented; links valid; nothing
 * referenced that is not exported; warnings as errors), converts and validates the public entry
 * point without writing HTML (`--emit none`). `npm run docs` runs the same configuration and writes
 * docs/api/.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const typedocCli = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

function runTypedoc(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [typedocCli, ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe('API reference (TypeDoc)', () => {
  it('is configured to fail on undocumented exports and broken links', () => {
    const config = JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8'));
    expect(config.treatWarningsAsErrors).toBe(true);
    expect(config.validation).toEqual({ notExported: true, invalidLink: true, notDocumented: true });
    for (const kind of ['Function', 'Class', 'Interface', 'TypeAlias', 'Enum', 'Variable']) expect(config.requiredToBeDocumented).toContain(kind);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.docs).toBe('typedoc');
    expect(existsSync(typedocCli)).toBe(true);
  });

  it('builds with no warning and no error', async () => {
    const { code, output } = await runTypedoc(['--emit', 'none']);
    // eslint-disable-next-line no-control-regex
    const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
    const problems = lines.filter((l) => /\[(warning|error)\]/.test(l) && !/Found 0 errors and 0 warnings/.test(l));
    expect(problems, problems.join('\n')).toEqual([]);
    expect(code, output).toBe(0);
  }, 240_000);
});
