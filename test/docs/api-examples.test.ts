/**
 * Every `@example` in the API reference is a program a user can paste, and a test:
 *
 *  - every `@example` tag of a doc comment in src/ holds a fenced `ts` block that imports from
 *    `'asgd-sdde'` (internal helpers, which the reference does not show, say "For example" in prose
 *    instead of using the tag);
 *  - all blocks are compiled by one strict tsc run (--strict --noUncheckedIndexedAccess
 *    --exactOptionalPropertyTypes, NodeNext) in a consumer project where the packed tarball is
 *    installed exactly as the consumer test installs it (test/helpers/consumer-project.ts), and
 *    each compiled program runs with plain node there;
 *  - what a program prints is compared with the output it shows. The convention (also in
 *    docs/development.md): the lines a program prints are written after it as comment lines
 *    starting with `//> `, in order, one per printed line. The comparison is token by token, numbers
 *    exactly (seeded results are the same bits on every machine); a block whose numbers are not
 *    (timings, threads) states its tolerance in one line `// output tol=…` or `// output rtol=…`,
 *    or shows no `//> ` lines and says in a comment what it prints. A failure names the file and line of the doc
 *    comment and the first difference.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackage, type ConsumerProject } from '../helpers/consumer-project.ts';
import { exec, pooled, STRICT_TS_OPTIONS, type Ran } from '../helpers/run-process.ts';
import { compareOutput } from './markdown-blocks.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'assembly' ? [] : sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

interface Example {
  where: string;
  /** The program; undefined when the tag holds no ts block (a convention failure). */
  code: string | undefined;
  /** The `//> ` lines: what the program prints (undefined: not shown). */
  output: string | undefined;
  tol: number;
  rtol: number;
}

/** The `@example` tags of every doc comment of a file (a comment may hold several). */
function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  for (const m of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n');
    const line = text.slice(0, m.index).split('\n').length;
    // each tag runs to the next block tag (a line starting with @) or the end of the comment
    for (const tag of body.split(/^(?=@)/m).filter((t) => t.startsWith('@example'))) {
      const block = /^@example[^\n]*\n\s*```ts\n([\s\S]*?)```/.exec(tag);
      const code = block?.[1];
      const shown = code?.split('\n').filter((l) => /^\/\/> ?/.test(l)).map((l) => l.replace(/^\/\/> ?/, ''));
      const tol = code === undefined ? undefined : /^\/\/ output (tol|rtol)=(\S+)\s*$/m.exec(code);
      out.push({
        where: `${file}:${line}`,
        code,
        output: shown && shown.length ? shown.join('\n') : undefined,
        tol: tol?.[1] === 'tol' ? Number(tol[2]) : 0,
        rtol: tol?.[1] === 'rtol' ? Number(tol[2]) : 0,
      });
    }
  }
  return out;
}

const examples = sourceFiles(join(root, 'src')).flatMap((f) => examplesOf(relative(root, f), readFileSync(f, 'utf8')));
const id = (e: Example): string => e.where.replace(/[^A-Za-z0-9]+/g, '_');

describe('API reference examples: the convention', () => {
  it('reads programs, their //> output lines and a stated tolerance (a doc comment written here)', () => {
    const text = ['/**', ' * Adds.', ' *', ' * @example', ' * ```ts', " * import { f } from 'asgd-sdde';", ' * console.log(f(1), f(2));', ' * // output rtol=1e-9', ' * //> 2 3', ' * ```', ' * @param x - a number', ' * @example f(1) // 2', ' */'].join('\n');
    const [first, second] = examplesOf('x.ts', text);
    expect(first).toEqual({ where: 'x.ts:1', code: "import { f } from 'asgd-sdde';\nconsole.log(f(1), f(2));\n// output rtol=1e-9\n//> 2 3\n", output: '2 3', tol: 0, rtol: 1e-9 });
    expect(second!.code).toBeUndefined();
  });

  it('every @example tag holds a ts program importing from asgd-sdde', () => {
    expect(examples.length).toBeGreaterThan(30);
    expect(examples.filter((e) => e.code === undefined || !/from 'asgd-sdde'/.test(e.code)).map((e) => e.where)).toEqual([]);
  });

  it('the main entry points have examples', () => {
    const names = examples.map((e) => e.code).join('\n');
    for (const fn of ['solve(', 'defineSdde(', 'runAsgd(', 'runEnsemble(', 'runSweep(', 'convergenceOrder(', 'asgdConfig(', 'runPair(', 'delayModel(', 'runParameterServer(', 'runThreadedServer(', 'loadMnist(', 'CHECKS']) {
      expect(names, fn).toContain(fn);
    }
  });
});

describe('API reference examples: compiled strictly against the packed package, run, output compared', () => {
  const programs = examples.filter((e): e is Example & { code: string } => e.code !== undefined);
  let consumer: ConsumerProject | undefined;
  let tscErrors = '';
  const results = new Map<Example, Ran>();

  beforeAll(async () => {
    // the optional peer mnist: the MNIST examples use it
    consumer = installPackedPackage('asgd-sdde-api-examples-', ['mnist']);
    const project = consumer.project;
    mkdirSync(join(project, 'ts'), { recursive: true });
    const tsFiles = programs.map((e) => {
      writeFileSync(join(project, 'ts', `${id(e)}.ts`), e.code);
      return `ts/${id(e)}.ts`;
    });
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...STRICT_TS_OPTIONS, typeRoots: [join(root, 'node_modules', '@types')], types: ['node'] }, files: tsFiles }));
    const tsc = await exec(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project, 180_000);
    tscErrors = tsc.stdout + tsc.stderr;
    const ran = await pooled(
      programs.map((e) => async (): Promise<Ran> => {
        if (tscErrors.includes(`ts/${id(e)}.ts`)) return { code: -1, stdout: '', stderr: 'not run: it did not compile', seconds: 0 };
        return exec(process.execPath, [join(project, 'out', `${id(e)}.js`)], project, 180_000);
      }),
      2,
    );
    programs.forEach((e, i) => results.set(e, ran[i]!));
  }, 900_000);
  afterAll(() => {
    if (consumer) rmSync(consumer.work, { recursive: true, force: true });
  });

  for (const e of programs) {
    it(`${e.where}${e.output !== undefined ? ' (output compared)' : ''}`, () => {
      // tsc names a line of the extracted file: the program starts two lines below the comment's first line (@example, fence)
      const mine = tscErrors.split('\n').filter((l) => l.includes(`ts/${id(e)}.ts`));
      expect(mine, `${e.where}: tsc --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes`).toEqual([]);
      const r = results.get(e)!;
      expect(r.code, `${e.where}: exited ${r.code}\n${r.stderr.slice(-3000)}`).toBe(0);
      if (e.output !== undefined) {
        const diff = compareOutput(r.stdout, e.output, e.tol, e.rtol);
        expect(diff, `${e.where}: printed output differs from its //> lines\n${diff}\n--- printed ---\n${r.stdout}`).toBeUndefined();
      }
    });
  }
});
