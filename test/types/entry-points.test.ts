/**
 * Types at the entry points: misuse fails to compile (test/types/misuse.ts, compiled here with the
 * TypeScript compiler API and the project's options), and the public values are nameable in a
 * consumer's declaration output (no TS2742 "cannot be named without a reference to …").
 *
 * Expected values: the compiler's own diagnostics — every `@ts-expect-error MISUSE` line must carry
 * an error (else tsc reports TS2578, unused directive), and with the directives stripped, exactly
 * the marked lines fail.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const misuse = fileURLToPath(new URL('./misuse.ts', import.meta.url));

function projectOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(repo, 'tsconfig.json'), ts.sys.readFile);
  return ts.parseJsonConfigFileContent(config.config, ts.sys, repo).options;
}

/** Diagnostics of compiling `file` (its text replaced by `text` when given), as 'line: TSnnnn message'. */
function compile(file: string, text?: string): { line: number; code: number; message: string }[] {
  const options = projectOptions();
  const host = ts.createCompilerHost(options);
  if (text !== undefined) {
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (f) => (f === file ? text : readFile(f));
    host.getSourceFile = (f, lang, onError, create) => (f === file ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, onError, create));
  }
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => ({ line: d.file!.getLineAndCharacterOfPosition(d.start!).line + 1, code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') }));
}

describe('misuse of the entry points does not compile', () => {
  const source = ts.sys.readFile(misuse)!;
  const lines = source.split('\n');
  const marked = lines.flatMap((l, i) => (l.includes('@ts-expect-error MISUSE') ? [i + 2] : [])); // 1-based line after the directive

  it('every marked misuse is an error (no unused @ts-expect-error), the right uses compile', () => {
    expect(marked.length).toBeGreaterThanOrEqual(13);
    expect(compile(misuse)).toEqual([]);
  });

  it('without the directives, exactly the marked lines fail (runSweep(42), metirc, geometrc, maxlag, saveEvry, …)', () => {
    const stripped = lines.map((l) => (l.includes('@ts-expect-error MISUSE') ? '//' : l)).join('\n');
    const errors = compile(misuse, stripped);
    expect([...new Set(errors.map((e) => e.line))].sort((a, b) => a - b)).toEqual(marked);
    const at = (needle: string) => errors.filter((e) => e.line === lines.findIndex((l) => l.includes(needle)) + 1).map((e) => e.message).join(' ');
    expect(at('runSweep(42)')).toMatch(/number/);
    expect(at('metirc:')).toMatch(/metirc/);
    expect(at("kind: 'geometrc'")).toMatch(/geometrc/);
    expect(at('maxlag: 3')).toMatch(/maxlag/);
    expect(at('saveEvry')).toMatch(/saveEvry/);
    expect(at('sed: 1')).toMatch(/sed/);
  });
});

describe('a consumer can name the public values in its declarations', () => {
  it('CHECKS, runEnsemble results and solutions: declaration emit without TS2742', () => {
    // a consumer project resolving `asgd-sdde` through node_modules, as after npm install (the
    // built package: the test setup builds dist/)
    const dir = mkdtempSync(join(tmpdir(), 'asgd-sdde-decl-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(repo, join(dir, 'node_modules', 'asgd-sdde'), 'dir');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module' }));
      const entry = join(dir, 'index.ts');
      writeFileSync(
        entry,
        [
          "import { CHECKS, defineSdde, EulerMaruyama, runEnsemble, solve, sddeModel } from 'asgd-sdde';",
          'export const checks = CHECKS;',
          'export const firstCheck = CHECKS[0];',
          "const problem = defineSdde({ dim: 1, drift: { linear: { x: [[-1]] } }, diffusion: { noise: 'diagonal', g: 0.5 }, history: 1, T: 1 });",
          'export const model = sddeModel({ problem, dt: 0.01 });',
          'export const solution = solve(problem, new EulerMaruyama(), { dt: 0.1, seed: 1 });',
          'export const ensemble = () => runEnsemble(model, { paths: 4, quantiles: [0.5] });',
        ].join('\n'),
      );
      const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, declaration: true, emitDeclarationOnly: true, skipLibCheck: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], preserveSymlinks: true };
      const host = ts.createCompilerHost(options);
      const written: Record<string, string> = {};
      host.writeFile = (f, text) => void (written[f] = text);
      const program = ts.createProgram([entry], options, host);
      const result = program.emit();
      const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter((d) => d.file === undefined || d.file.fileName === entry).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(diagnostics).toEqual([]);
      const dts = Object.entries(written).find(([f]) => f.endsWith('index.d.ts'))![1];
      expect(dts).toMatch(/checks: import\("asgd-sdde"\)\.CheckEntry\[\]/);
      expect(dts).not.toMatch(/dist\//);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    void dirname;
  });
});
