#!/usr/bin/env node
// The package build (`npm run build`; run by `prepack`, `npm test` and the main job):
//
//   1. tsc -p tsconfig.build.json: src/**/*.ts → dist/**/*.js + .d.ts + source and declaration
//      maps, one file per module, relative `.ts` imports rewritten to `.js`
//      (rewriteRelativeImportExtensions), so the sources keep running under tsx and vitest.
//   2. esbuild: the explorer page (web/explorer.ts + the library, for the browser) →
//      dist/web/explorer.js, and web/index.html beside it. Prebuilt here so that installing the
//      package never needs esbuild.
//
// Skips both when dist/ is newer than every input (pass --force to rebuild anyway).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const inputs = ['src', 'web', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.mjs'];

function newestMtime(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newestMtime(join(path, e)));
  return t;
}

const force = process.argv.includes('--force');
if (!force && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (inputs.every((p) => newestMtime(join(root, p)) < built)) process.exit(0);
}

rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (tsc.status !== 0) {
  console.error('build: tsc failed');
  process.exit(1);
}

const { build } = await import('esbuild');
// The browser twins of the Node-only modules, as the package.json "browser" field maps them for
// consumers' bundlers: mathjs loaded statically instead of by createRequire, no MNIST package.
const browserTwins = {
  name: 'browser-twins',
  setup(b) {
    b.onResolve({ filter: /(core\/(mathjs|complex|ml-matrix)|data\/mnist-source|stats\/parallel-map)\.ts$/ }, (a) => ({ path: join(a.resolveDir, a.path.replace(/\.ts$/, '.browser.ts')) }));
  },
};
mkdirSync(join(dist, 'web'), { recursive: true });
const result = await build({
  entryPoints: [join(root, 'web', 'explorer.ts')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  outfile: join(dist, 'web', 'explorer.js'),
  logLevel: 'error',
  metafile: true,
  plugins: [browserTwins],
});
copyFileSync(join(root, 'web', 'index.html'), join(dist, 'web', 'index.html'));
const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
writeFileSync(stamp, `${new Date(0).toISOString()}\n`); // content fixed; only its mtime matters
console.log(`build: dist/ (tsc) and dist/web/explorer.js (${(bytes / 1024).toFixed(0)} kB)`);
