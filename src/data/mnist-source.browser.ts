/**
 * The browser twin of mnist-source.ts (package.json "browser" field): the 41 MB `mnist` package is
 * not bundled. Load the digits you need yourself and build the objective with `softmaxObjective`
 * or `logisticObjective`.
 */
import { ConfigError } from '../core/errors.ts';
import type { MnistDigitSource } from './mnist-source.ts';

export type { MnistDigitSource } from './mnist-source.ts';

export function mnistDigitSources(field: string): MnistDigitSource[] {
  throw new ConfigError(field, 'MNIST is not bundled for the browser (41 MB); load the digits yourself and pass them to softmaxObjective or logisticObjective');
}
