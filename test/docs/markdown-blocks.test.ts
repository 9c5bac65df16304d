/** The doc test's parser and output comparison (test/docs/markdown-blocks.ts), on small inputs written out here. */
import { describe, expect, it } from 'vitest';
import { compareOutput, fencedBlocks, fileExamples } from './markdown-blocks.ts';

const md = [
  '# Title',
  '',
  '```ts',
  "import { solve } from 'asgd-sdde';",
  'console.log(1.5);',
  '```',
  '',
  '```text output tol=0.1',
  '1.52',
  '```',
  '',
  '```js fragment',
  'solve(p);',
  '```',
  '',
  '````md',
  '```js',
  'not a block of its own',
  '```',
  '````',
  '',
  '```sh',
  'npx asgd-sdde help',
  '```',
].join('\n');

describe('fenced blocks', () => {
  it('finds each block with its language, words, body and opening line; longer fences nest shorter ones', () => {
    const b = fencedBlocks('x.md', md);
    expect(b.map((x) => [x.lang, x.words.join(' '), x.line])).toEqual([
      ['ts', '', 3],
      ['text', 'output tol=0.1', 8],
      ['js', 'fragment', 12],
      ['md', '', 16],
      ['sh', '', 22],
    ]);
    expect(b[0]!.body).toBe("import { solve } from 'asgd-sdde';\nconsole.log(1.5);");
    expect(b[3]!.body).toContain('not a block of its own');
  });
  it('pairs programs with the output block after them, keeps fragments apart', () => {
    const f = fileExamples('x.md', md);
    expect(f.problems).toEqual([]);
    expect(f.examples.map((e) => [e.kind, e.block.line, e.output?.block.line, e.output?.tol])).toEqual([
      ['ts', 3, 8, 0.1],
      ['sh', 22, undefined, undefined],
    ]);
    expect(f.fragments.map((x) => x.line)).toEqual([12]);
  });
  it('reports convention breaks: long fragments, programs without the import, words after a program language, stray outputs', () => {
    const bad = ['```ts fragment', ...Array.from({ length: 9 }, () => 'x;'), '```', '```js', 'console.log(1)', '```', '```ts title', "import 'asgd-sdde';", '```', '```text output', '1', '```'].join('\n');
    const problems = fileExamples('y.md', bad).problems.join('\n');
    expect(problems).toContain('y.md:1: a fragment has 9 lines');
    expect(problems).toContain("y.md:12: a whole program imports from 'asgd-sdde'");
    expect(problems).toContain('y.md:15: a whole program keeps the bare language');
    const stray = fileExamples('z.md', '```text output\n1\n```').problems;
    expect(stray).toEqual(['z.md:1: a "text output" block must follow a program (js, mjs, ts or sh)']);
  });
});

describe('output comparison', () => {
  it('is exact without a tolerance, token by token, ignoring runs of spaces', () => {
    expect(compareOutput('a  1.50 b\n', 'a 1.50 b', 0, 0)).toBeUndefined();
    expect(compareOutput('a 1.5 b', 'a 1.50 b', 0, 0)).toMatch(/line 1, token 2: expected "1.50", printed "1.5" \(exact\)/);
    expect(compareOutput('a\nb', 'a', 0, 0)).toMatch(/line 2: extra line/);
    expect(compareOutput('a', 'a\nb', 0, 0)).toMatch(/line 2: missing line/);
    expect(compareOutput('ok x', 'ok y', 0, 0)).toMatch(/expected "y", printed "x"/);
  });
  it('compares numbers within tol + rtol·|expected|, including exponents and signs', () => {
    expect(compareOutput('x = 1.04e-3', 'x = 1.00e-3', 5e-5, 0)).toBeUndefined();
    expect(compareOutput('x = 1.06e-3', 'x = 1.00e-3', 5e-5, 0)).toMatch(/tol=0.00005/);
    expect(compareOutput('-2.2 (0.5 … 3)', '-2.0 (0.5 … 3)', 0, 0.15)).toBeUndefined();
    expect(compareOutput('-2.4 (0.5 … 3)', '-2.0 (0.5 … 3)', 0, 0.15)).toMatch(/token 1/);
    expect(compareOutput('n = 5 words', 'n = 5 word', 1, 1)).toMatch(/expected "word", printed "words"/);
  });
});
