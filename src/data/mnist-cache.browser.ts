/**
 * The browser twin of mnist-cache.ts (package.json "browser" field): no file system, no cache
 * (MNIST itself is not bundled for the browser).
 */
import type { CachedMnist } from './mnist-cache.ts';

export type { CachedMnist } from './mnist-cache.ts';

/** No cache in the browser. */
export function readMnistCache(_specKey: string): CachedMnist | undefined {
  return undefined;
}

/** No cache in the browser. */
export function writeMnistCache(_specKey: string, _data: CachedMnist): string | undefined {
  return undefined;
}
