/**
 * Where a worker thread's entry file is. The built package (dist/…/x.js) starts the compiled
 * `name.js` beside the calling module with plain Node; running from the TypeScript sources (vitest,
 * notebooks under tsx) it starts the development shim `name.dev.mjs`, which registers tsx and then
 * imports `name.ts`. The built package never loads a shim and needs no tsx.
 */
export function workerEntryUrl(moduleUrl: string, name: string): URL {
  return new URL(moduleUrl.endsWith('.ts') ? `./${name}.dev.mjs` : `./${name}.js`, moduleUrl);
}
