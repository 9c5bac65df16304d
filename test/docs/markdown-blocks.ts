/**
 * The fenced code blocks of a Markdown file, as the documentation conventions
 * (docs-conventions: "Conventions for examples") define them: a block tagged `js`, `mjs` or `ts`
 * alone is a whole program, `… fragment` is not run, `sh` is a CLI session, and a `text output`
 * block right after a program shows what it prints (`tol=`/`rtol=` for stochastic numbers).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One fenced block: its language, the other words of its info string, its body and where it starts. */
export interface FencedBlock {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  words: string[];
  body: string;
}

/** A program the doc test runs, with the output block that follows it (if any). */
export interface DocExample {
  block: FencedBlock;
  kind: 'js' | 'ts' | 'sh';
  output?: { block: FencedBlock; tol: number; rtol: number };
}

/** What a file's blocks are, and which of them break the conventions. */
export interface FileExamples {
  examples: DocExample[];
  fragments: FencedBlock[];
  problems: string[];
}

const PROGRAM_LANGS: Record<string, DocExample['kind']> = { js: 'js', mjs: 'js', ts: 'ts', sh: 'sh' };
/** A fragment is "at most a few lines". */
export const MAX_FRAGMENT_LINES = 8;

/** Every fenced block (backtick or tilde fences of length ≥ 3, closed by a fence at least as long). */
export function fencedBlocks(file: string, text: string): FencedBlock[] {
  const lines = text.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const [lang = '', ...words] = open[2]!.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break;
      body.push(lines[j]!);
    }
    blocks.push({ file, line: i + 1, lang, words, body: body.join('\n') });
    i = j;
  }
  return blocks;
}

function tolerance(words: string[], name: string): number {
  const w = words.find((x) => x.startsWith(`${name}=`));
  if (!w) return 0;
  const v = Number(w.slice(name.length + 1));
  if (!Number.isFinite(v) || v < 0) throw new Error(`bad ${name} in "${words.join(' ')}"`);
  return v;
}

/** Classifies a file's blocks into programs (with their output) and fragments, and lists convention breaks. */
export function fileExamples(file: string, text: string): FileExamples {
  const examples: DocExample[] = [];
  const fragments: FencedBlock[] = [];
  const problems: string[] = [];
  let previous: DocExample | undefined;
  for (const block of fencedBlocks(file, text)) {
    const at = `${block.file}:${block.line}`;
    const kind = PROGRAM_LANGS[block.lang];
    if (block.lang === 'text' && block.words[0] === 'output') {
      if (!previous || previous.output) problems.push(`${at}: a "text output" block must follow a program (js, mjs, ts or sh)`);
      else {
        try {
          previous.output = { block, tol: tolerance(block.words, 'tol'), rtol: tolerance(block.words, 'rtol') };
        } catch (e) {
          problems.push(`${at}: ${(e as Error).message}`);
        }
      }
      previous = undefined;
      continue;
    }
    previous = undefined;
    if (!kind) continue;
    if (block.words.includes('fragment')) {
      fragments.push(block);
      const n = block.body.split('\n').length;
      if (n > MAX_FRAGMENT_LINES) problems.push(`${at}: a fragment has ${n} lines (at most ${MAX_FRAGMENT_LINES}); make it a whole program`);
      continue;
    }
    if (block.words.length) problems.push(`${at}: a whole program keeps the bare language (found "${block.lang} ${block.words.join(' ')}"); mark a non-program "fragment"`);
    if (kind !== 'sh' && !/from\s+'asgd-sdde(\/browser)?'/.test(block.body)) problems.push(`${at}: a whole program imports from 'asgd-sdde'`);
    previous = { block, kind };
    examples.push(previous);
  }
  return { examples, fragments, problems };
}

/** README.md and every Markdown file under docs/ except the generated API reference (docs/api/). */
export function documentationFiles(repo: string): string[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (relative(repo, p) !== join('docs', 'api')) walk(p);
      } else if (name.endsWith('.md')) files.push(relative(repo, p));
    }
  };
  try {
    walk(join(repo, 'docs'));
  } catch {
    // no docs/ folder
  }
  return files;
}

/** A line split into numbers and the text between them (whitespace runs collapsed). */
function tokens(line: string): string[] {
  return line.trim().split(/(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\s+)/).filter((t) => t !== '' && !/^\s+$/.test(t));
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Compares what a program printed with its output block: line by line, token by token; numbers
 * within |a − b| ≤ tol + rtol·|b| (exactly, as text, when both are 0). Returns undefined when they
 * agree, otherwise a description of the first difference.
 */
export function compareOutput(actual: string, expected: string, tol: number, rtol: number): string | undefined {
  const a = actual.replace(/\s+$/, '').split('\n');
  const e = expected.replace(/\s+$/, '').split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    const al = a[i];
    const el = e[i];
    if (al === undefined || el === undefined) return `line ${i + 1}: ${al === undefined ? 'missing' : 'extra'} line\n  expected: ${el ?? ''}\n  printed:  ${al ?? ''}`;
    const at = tokens(al);
    const et = tokens(el);
    const n = Math.max(at.length, et.length);
    for (let k = 0; k < n; k++) {
      const x = at[k];
      const y = et[k];
      const same =
        x !== undefined && y !== undefined &&
        (x === y || (NUMBER.test(x) && NUMBER.test(y) && (tol > 0 || rtol > 0) && Math.abs(Number(x) - Number(y)) <= tol + rtol * Math.abs(Number(y))));
      if (!same) {
        const within = tol > 0 || rtol > 0 ? ` (tol=${tol}, rtol=${rtol})` : ' (exact)';
        return `line ${i + 1}, token ${k + 1}: expected ${JSON.stringify(y ?? '')}, printed ${JSON.stringify(x ?? '')}${within}\n  expected: ${el}\n  printed:  ${al}`;
      }
    }
  }
  return undefined;
}
