/**
 * The browser twin of prepared-cache.ts (package.json "browser" field): a page has no disk to
 * cache on, so prepared data is always computed (and kept in memory by its caller).
 */
export type { CacheSetting, PreparedArrays, PreparedSource } from './prepared-cache.ts';
import type { CacheSetting, PreparedSource } from './prepared-cache.ts';

/** No package to look up in a bundle. */
export function installedVersion(_name: string): string {
  return 'absent';
}

/** Always `compute()`: there is no disk cache in the browser. */
export function cachedPrepared<T>(source: PreparedSource<T>, _setting: CacheSetting | undefined): T {
  return source.compute();
}
