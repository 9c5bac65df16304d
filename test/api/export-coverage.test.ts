/**
 * Every runtime export of the package's two entry points (src/index.ts for Node, src/browser.ts
 * for browsers) is named by at least one test file: an export no test mentions is untested public
 * API. Types are erased at run time and not listed. A name is "named" when it appears as a whole
 * word in some file under test/ other than this one (fixture data and the packed-consumer project
 * excluded).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const testRoot = fileURLToPath(new URL('..', import.meta.url));
const self = fileURLToPath(import.meta.url);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'fixtures' || f === 'consumer' ? [] : walk(p);
    return p.endsWith('.ts') && p !== self ? [p] : [];
  });
}

describe('public API coverage', () => {
  it('every export of src/index.ts and src/browser.ts is named by a test', async () => {
    const node = await import('../../src/index.ts');
    const browser = await import('../../src/browser.ts');
    const names = [...new Set([...Object.keys(node), ...Object.keys(browser)])].sort();
    expect(names.length).toBeGreaterThan(100);
    const text = walk(testRoot).map((f) => readFileSync(f, 'utf8')).join('\n');
    const untested = names.filter((n) => !new RegExp(`(?<![\\w$])${n.replace(/\$/g, '\\$')}(?![\\w$])`).test(text));
    expect(untested, `exports no test names: ${untested.join(', ')}`).toEqual([]);
  });
});
