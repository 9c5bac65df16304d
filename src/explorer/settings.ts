/**
 * The explorer's settings: the controls' names, types and default values. Kept free of runtime imports
 * (the page bundle, web/explorer.ts, reads its defaults from here without pulling in the library
 * that web/explorer-worker.ts runs); src/explorer/model.ts re-exports them.
 */
import type { Coupling } from '../bridge/pair.ts';

/** The objectives the explorer offers (the `objective` control). */
export const EXPLORER_OBJECTIVES = ['toy', 'least-squares', 'least-squares-10', 'logistic', 'mnist'] as const;
/** One of EXPLORER_OBJECTIVES. */
export type ExplorerObjective = (typeof EXPLORER_OBJECTIVES)[number];

/** The values of the explorer's controls (validated by `explorerConfig`). */
export interface ExplorerSettings {
  objective: ExplorerObjective;
  eta: number;
  delay: 'constant' | 'uniform' | 'geometric' | 'poisson';
  /** lag (constant), maxLag (uniform), p (geometric) or λ (Poisson). */
  delayParam: number;
  /** maxLag for geometric and Poisson. */
  maxLag: number;
  batchSize: number;
  iterations: number;
  coupling: Coupling;
  seed: number;
  paths: number;
}

/**
 * The controls' values when the page opens (web/index.html's inputs carry the same values).
 *
 * @remarks Example (an internal helper, not in the package API): `explore({ ...DEFAULT_SETTINGS, iterations: 400 })`
 */
export const DEFAULT_SETTINGS: ExplorerSettings = { objective: 'toy', eta: 0.005, delay: 'constant', delayParam: 10, maxLag: 20, batchSize: 1, iterations: 2000, coupling: 'quantile', seed: 1, paths: 64 };
