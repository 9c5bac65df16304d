/**
 * Every link in README.md and docs/ (not docs/api/) that points into the repository resolves to a
 * file that exists: relative links from the Markdown file's folder, and absolute links to the
 * project's public home (package.json "homepage": `…/blob/main/PATH`, `…/tree/main/PATH`,
 * `…/raw/main/PATH`), which the README uses so that they also work on the npm page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repo } from '../helpers/consumer-project.ts';
import { documentationFiles, fencedBlocks } from './markdown-blocks.ts';

const home = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { homepage?: string }).homepage?.replace(/#.*$/, '');

/** The link targets of a Markdown text outside code blocks and code spans: [text](target), ![alt](target), href/src attributes, reference definitions. */
function links(text: string, file: string): { target: string; line: number }[] {
  const lines = text.split('\n');
  const inCode = new Set<number>();
  for (const b of fencedBlocks(file, text)) for (let i = b.line; i <= b.line + b.body.split('\n').length + 1; i++) inCode.add(i);
  const out: { target: string; line: number }[] = [];
  lines.forEach((l, i) => {
    if (inCode.has(i + 1)) return;
    const code = l.replace(/`[^`]*`/g, '');
    for (const m of code.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1]!, line: i + 1 });
    for (const m of code.matchAll(/(?:href|src)="([^"]+)"/g)) out.push({ target: m[1]!, line: i + 1 });
    const def = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(code);
    if (def) out.push({ target: def[1]!, line: i + 1 });
  });
  return out;
}

/** The links of `text` (as file `file` of the repository) that point into the repository at nothing. */
function brokenLinks(file: string, text: string): string[] {
  const broken: string[] = [];
  for (const { target, line } of links(text, file)) {
    const path = target.replace(/[#?].*$/, '');
    let local: string | undefined;
    if (home && target.startsWith(`${home}/`)) {
      const m = /^(?:blob|tree|raw)\/main\/(.+)$/.exec(target.slice(home.length + 1).replace(/[#?].*$/, ''));
      if (!m) {
        broken.push(`${file}:${line}: ${target} (expected ${home}/blob/main/PATH)`);
        continue;
      }
      local = decodeURIComponent(m[1]!);
    } else if (path && !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#')) {
      local = normalize(join(dirname(file), decodeURIComponent(path)));
    }
    if (local !== undefined && (local.startsWith('..') || !existsSync(join(repo, local)))) broken.push(`${file}:${line}: ${target}`);
  }
  return broken;
}

describe('links in README.md and docs/', () => {
  it('the package names its public home', () => {
    expect(home).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/);
  });

  it('the check finds broken links (relative, absolute to the home, outside the repository) and ignores code and other sites', () => {
    const text = [
      '[ok](solver.md) [ok](../figures/fig1-path-comparison.png#x) [section](#anchor) [site](https://example.org/x)',
      `[gone](missing.md) ![gone](${home}/raw/main/figures/nothing.png) [ok](${home}/blob/main/README.md)`,
      '[outside](../../etc/passwd) `[in code](nowhere.md)`',
      '```md',
      '[in a block](nowhere.md)',
      '```',
    ].join('\n');
    expect(brokenLinks('docs/x.md', text)).toEqual([
      'docs/x.md:2: missing.md',
      `docs/x.md:2: ${home}/raw/main/figures/nothing.png`,
      'docs/x.md:3: ../../etc/passwd',
    ]);
  });

  for (const file of documentationFiles(repo)) {
    it(`${file}: every link into the repository names an existing file`, () => {
      expect(brokenLinks(file, readFileSync(join(repo, file), 'utf8'))).toEqual([]);
    });
  }
});
