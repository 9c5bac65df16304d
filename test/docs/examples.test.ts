/**
 * Every example in README.md and docs/ (not docs/api/) is a test: each `js`/`mjs` block runs
 * with plain `node`, each `ts` block is compiled with strict tsc (--strict
 * --noUncheckedIndexedAccess --exactOptionalPropertyTypes, NodeNext) and run, and each `sh` block
 * runs with bash in a temporary directory — all inside one consumer project where the packed
 * tarball is installed exactly as the consumer test installs it (test/helpers/consumer-project.ts).
 * What a program prints on stdout is compared with the `text output` block under it: token by
 * token, numbers exactly unless the block's info string gives `tol=` or `rtol=`. A failure names
 * the file, the line of the block and the first difference. Conventions: /docs-conventions
 * (shared), checked by test/docs/markdown-blocks.ts; `fragment` blocks are not run and are at most
 * a few lines.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackage, repo, type ConsumerProject } from '../helpers/consumer-project.ts';
import { exec, pooled, STRICT_TS_OPTIONS, type Ran } from '../helpers/run-process.ts';
import { compareOutput, documentationFiles, fileExamples, type DocExample } from './markdown-blocks.ts';

const files = documentationFiles(repo).map((file) => ({ file, ...fileExamples(file, readFileSync(join(repo, file), 'utf8')) }));
const examples = files.flatMap((f) => f.examples);
const id = (ex: DocExample): string => `${ex.block.file.replace(/[^A-Za-z0-9]+/g, '_')}_L${ex.block.line}`;

describe('documentation examples (README.md, docs/)', () => {
  let consumer: ConsumerProject | undefined;
  let tscErrors = '';
  const results = new Map<DocExample, Ran>();

  beforeAll(async () => {
    // what the guides tell users to install for some examples: the optional peer mnist, and tsx and marked for the notebooks
    consumer = installPackedPackage('asgd-sdde-docs-', ['mnist', 'tsx', 'marked']);
    const project = consumer.project;
    // TypeScript: every ts block one module of one strict project, compiled by one tsc run
    const tsDir = join(project, 'ts');
    mkdirSync(tsDir, { recursive: true });
    const tsFiles = examples.filter((e) => e.kind === 'ts').map((e) => {
      writeFileSync(join(tsDir, `${id(e)}.ts`), e.block.body + '\n');
      return `ts/${id(e)}.ts`;
    });
    if (tsFiles.length) {
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { ...STRICT_TS_OPTIONS, typeRoots: [join(repo, 'node_modules', '@types')], types: ['node'] },
          files: tsFiles,
        }),
      );
      const tsc = await exec(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project, 180_000);
      tscErrors = tsc.stdout + tsc.stderr;
    }
    const tasks = examples.map((e) => async (): Promise<Ran> => {
      const dir = join(project, 'run', id(e));
      mkdirSync(dir, { recursive: true });
      if (e.kind === 'js') {
        writeFileSync(join(dir, 'example.mjs'), e.block.body + '\n');
        return exec(process.execPath, ['example.mjs'], dir);
      }
      if (e.kind === 'ts') {
        if (tscErrors.includes(`ts/${id(e)}.ts`)) return { code: -1, stdout: '', stderr: 'not run: it did not compile', seconds: 0 };
        return exec(process.execPath, [join(project, 'out', `${id(e)}.js`)], dir);
      }
      writeFileSync(join(dir, 'session.sh'), e.block.body + '\n');
      return exec('bash', ['-eo', 'pipefail', 'session.sh'], dir, 180_000);
    });
    // two at a time: the examples are small, and the machine's other work shares its cores
    const ran = await pooled(tasks, 2);
    examples.forEach((e, i) => results.set(e, ran[i]!));
    // the examples should stay small: the slowest are named so that a slow one is noticed
    const slowest = examples.map((e, i) => [`${e.block.file}:${e.block.line}`, ran[i]!.seconds] as const).sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(`doc examples: ${examples.length} run, slowest ${slowest.map(([w, t]) => `${w} ${t.toFixed(1)} s`).join(', ')}`);
  }, 600_000);
  afterAll(() => {
    if (consumer) rmSync(consumer.work, { recursive: true, force: true });
  });

  it('every block follows the conventions (whole programs import asgd-sdde; fragments are short; outputs follow programs)', () => {
    expect(files.flatMap((f) => f.problems)).toEqual([]);
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const ex of examples) {
    const where = `${ex.block.file}:${ex.block.line}`;
    it(`${where} (${ex.block.lang}${ex.output ? ', output compared' : ''})`, () => {
      if (ex.kind === 'ts') {
        const mine = tscErrors.split('\n').filter((l) => l.includes(`ts/${id(ex)}.ts`));
        // tsc reports a line of the extracted file: the block's body starts one line below the fence
        const shifted = mine.map((l) => l.replace(/ts\/\S+?\.ts\((\d+),(\d+)\)/, (_m, line: string, col: string) => `${ex.block.file}:${ex.block.line + Number(line)}:${col}`));
        expect(shifted, `${where}: tsc --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes`).toEqual([]);
      }
      const r = results.get(ex)!;
      expect(r.code, `${where}: exited ${r.code}\n${r.stderr.slice(-3000)}`).toBe(0);
      if (ex.output) {
        const diff = compareOutput(r.stdout, ex.output.block.body, ex.output.tol, ex.output.rtol);
        expect(diff, `${where}: printed output differs from the block at line ${ex.output.block.line}\n${diff}\n--- printed ---\n${r.stdout}`).toBeUndefined();
      }
    });
  }
});
