/**
 * No raw TeX where a reader sees it: every string literal and template text in src/ (code, not
 * comments, which are for developers and may cite a paper's notation) is free of TeX script groups
 * `^{…}` and `_{…}`. String literals are found with the TypeScript scanner, so a `^{` inside a
 * comment or a regular expression is not a string. A literal that is syntax a user types (the
 * config expression language's `y{i}_{q}`) is listed in ALLOWED with the reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { hasTexScripts } from '../../src/plot/unicode-math.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : /\.(ts|mts)$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** String-literal texts of a TypeScript source, with their line numbers. */
function stringTexts(file: string): { line: number; text: string }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      out.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

describe('no TeX scripts in user-visible strings', () => {
  it('the scanner sees template text and string literals, and not comments', () => {
    // a check of the check: a file written here with one of each
    const file = join(ROOT, 'test', 'plot', 'no-tex.test.ts');
    const texts = stringTexts(file).map((s) => s.text);
    expect(texts).toContain('the scanner sees template text and string literals, and not comments');
    expect(texts.some((t) => t.includes('no TeX scripts'))).toBe(true);
  });

  it('src/, notebooks/ and scripts/ string literals hold no ^{…} or _{…}', () => {
    const files = ['src', 'notebooks', 'scripts'].flatMap((d) => tsFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(100);
    const hits = files.flatMap((f) => stringTexts(f).filter((s) => hasTexScripts(s.text)).map((s) => `${relative(ROOT, f)}:${s.line}: ${s.text.slice(0, 80)}`));
    expect(hits).toEqual([]);
  });
});
