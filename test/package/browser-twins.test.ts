/**
 * The browser build's module swaps: every src/**\/X.browser.ts twin must be mapped by package.json's
 * "browser" field (what consumers' bundlers read) from dist/…/X.js to dist/…/X.browser.js, with
 * nothing mapped that has no twin; and no module reachable from src/browser.ts may import a Node
 * built-in (checked by bundling it for the browser with esbuild, which fails on `node:*`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function twins(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? twins(join(dir, e.name)) : e.name.endsWith('.browser.ts') ? [relative(join(root, 'src'), join(dir, e.name))] : [],
  );
}

describe('browser twins', () => {
  it('package.json "browser" maps exactly the *.browser.ts twins', () => {
    const map = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { browser: Record<string, string> }).browser;
    const expected = Object.fromEntries(twins(join(root, 'src')).sort().map((t) => [`./dist/${t.replace(/\.browser\.ts$/, '.js')}`, `./dist/${t.replace(/\.ts$/, '.js')}`]));
    expect(map).toEqual(expected);
  });
  it('src/browser.ts bundles for the browser (no node:* reachable) with the twins swapped in', async () => {
    const { build } = await import('esbuild');
    const r = await build({
      entryPoints: [join(root, 'src', 'browser.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [{ name: 'twins', setup: (b) => b.onResolve({ filter: /\.ts$/ }, (a) => (twins(join(root, 'src')).some((t) => join(a.resolveDir, a.path).endsWith(t.replace(/\.browser\.ts$/, '.ts'))) ? { path: join(a.resolveDir, a.path.replace(/\.ts$/, '.browser.ts')) } : undefined)) }],
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.filter((f) => f.startsWith('src/') && /(core\/mathjs|core\/complex|core\/ml-matrix|data\/(mnist-source|prepared-cache)|stats\/(parallel-map|ensemble))\.ts$/.test(f))).toEqual([]);
    expect(inputs.some((f) => f.endsWith('core/complex.browser.ts'))).toBe(true);
  });
});
