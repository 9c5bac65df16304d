/**
 * Build the explorer into plain static files: index.html, explorer.js (the library bundled for the
 * browser by esbuild, with core/mathjs.ts swapped for its static browser twin) and plotly.js.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { plotlyBundlePath } from '../plot/html.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function buildExplorer(outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, 'web', 'explorer.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outfile: join(outDir, 'explorer.js'),
    logLevel: 'error',
    plugins: [
      {
        name: 'browser-mathjs',
        setup(b) {
          b.onResolve({ filter: /core\/mathjs\.ts$/ }, () => ({ path: join(root, 'src', 'core', 'mathjs.browser.ts') }));
        },
      },
    ],
  });
  copyFileSync(join(root, 'web', 'index.html'), join(outDir, 'index.html'));
  copyFileSync(plotlyBundlePath(), join(outDir, 'plotly.js'));
  return outDir;
}
