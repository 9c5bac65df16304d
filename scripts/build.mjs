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
import { fileURLToPath, pathToFileURL } from 'node:url';

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
    b.onResolve({ filter: /(core\/(mathjs|complex|ml-matrix)|data\/(mnist-source|prepared-cache)|stats\/(parallel-map|ensemble))\.ts$/ }, (a) => ({ path: join(a.resolveDir, a.path.replace(/\.ts$/, '.browser.ts')) }));
  },
};
mkdirSync(join(dist, 'web'), { recursive: true });
// Two bundles: the page (controls and plots only) and the Web Worker that runs the library, so the
// page never freezes while an ensemble runs.
const kB = {};
for (const name of ['explorer', 'explorer-worker']) {
  const result = await build({
    entryPoints: [join(root, 'web', `${name}.ts`)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outfile: join(dist, 'web', `${name}.js`),
    logLevel: 'error',
    metafile: true,
    plugins: [browserTwins],
  });
  kB[name] = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0) / 1024;
}
// runEnsemble's Web Worker for browser users (src/stats/ensemble.browser.ts): an ES module, since
// it imports the user's model module by URL
{
  const result = await build({
    entryPoints: [join(root, 'web', 'ensemble-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    outfile: join(dist, 'web', 'ensemble-worker.js'),
    logLevel: 'error',
    metafile: true,
    plugins: [browserTwins],
  });
  kB['ensemble-worker'] = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0) / 1024;
}
copyFileSync(join(root, 'web', 'index.html'), join(dist, 'web', 'index.html'));

// The MNIST subset the explorer offers: the mnist package is not bundled (41 MB of JSON), so the
// build writes a small prepared asset from it — digits 3 and 8, the first 500 images of each in the
// package's order, projected on their 10 leading principal components and scaled ('global'), labels
// 3 → −1, 8 → +1 — with the same loader the library uses (dist/data/mnist.js). Without the package
// (it is a devDependency and an optional peer) the asset is skipped and the explorer says so.
const asset = join(dist, 'web', 'mnist-3v8.json');
try {
  const { loadMnist } = await import(pathToFileURL(join(dist, 'data', 'mnist.js')).href);
  const data = loadMnist({ digits: [3, 8], perDigit: 500, dim: 10, scaling: 'global' });
  const A = Array.from({ length: data.n }, (_, i) => Array.from(data.A.subarray(i * data.d, (i + 1) * data.d), (v) => Number(v.toPrecision(6))));
  const y = Array.from(data.labels, (c) => (c === 0 ? -1 : 1));
  writeFileSync(asset, JSON.stringify({ A, y, provenance: `${data.provenance}; in the explorer: 6 significant digits, labels 3 → −1, 8 → +1` }));
  kB.mnist = JSON.stringify({ A, y }).length / 1024;
} catch (e) {
  rmSync(asset, { force: true });
  console.log(`build: no MNIST asset for the explorer (${e.message.split('\n')[0]})`);
}
writeFileSync(stamp, `${new Date(0).toISOString()}\n`); // content fixed; only its mtime matters
console.log(`build: dist/ (tsc), dist/web/explorer.js (${kB.explorer.toFixed(0)} kB), explorer-worker.js (${kB['explorer-worker'].toFixed(0)} kB), ensemble-worker.js (${kB['ensemble-worker'].toFixed(0)} kB)${kB.mnist ? `, mnist-3v8.json (${kB.mnist.toFixed(0)} kB)` : ''}`);
