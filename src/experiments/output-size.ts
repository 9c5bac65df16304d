/**
 * What a run will write, estimated from its prepared settings before any work: the rows and
 * columns of its CSV and the bytes on disk. `asgd-sdde run` refuses (exit 2, naming saveEvery and
 * the smallest value that fits) a table of more than MAX_OUTPUT_NUMBERS numbers — about 1.6 GB
 * of CSV and the same again in memory while the run keeps its saved states — instead of running
 * for minutes and failing while writing.
 */
import { ConfigError } from '../core/errors.ts';
import { gridSteps } from '../sdde/solve.ts';
import type { PreparedExperiment } from './config.ts';

/** 2^25 ≈ 3.4·10⁷ numbers in one table. */
export const MAX_OUTPUT_NUMBERS = 2 ** 25;
/** Upper bound on the bytes of one CSV cell: a shortest round-trip double (≤ 24 characters) and its separator. */
const BYTES_PER_CELL = 25;
/** The figure page (thinned to a few thousand points per line), the summary and slack. */
const FIXED_BYTES = 4e6;

export interface OutputEstimate {
  rows: number;
  columns: number;
  numbers: number;
  bytes: number;
}

/** Saved states of a run of n steps saving every `every`-th (the last always). */
export function savedCount(n: number, every: number): number {
  return Math.floor(n / every) + 1 + (n % every === 0 ? 0 : 1);
}

export function estimateRunOutput(p: PreparedExperiment): OutputEstimate {
  let steps: number;
  let every: number;
  let columns: number;
  let field: string;
  switch (p.kind) {
    case 'asgd':
      steps = p.asgd.iterations;
      every = p.saveEvery;
      columns = p.asgd.objective.dim + 2; // k, x…, F
      field = 'asgd.saveEvery';
      break;
    case 'sdde':
      steps = gridSteps(p.problem.t0, p.problem.T, p.dt, 'sdde.dt');
      every = p.saveEvery;
      columns = p.problem.dim + 1; // t, x…
      field = 'sdde.saveEvery';
      break;
    case 'pair':
      steps = p.asgd.iterations;
      every = p.bridge.saveEvery ?? 1;
      columns = 2 * p.asgd.objective.dim + 3; // k, t, discrete x…, sdde x…, distance
      field = 'asgd.saveEvery';
      break;
  }
  const rows = savedCount(steps, every);
  const numbers = rows * columns;
  if (numbers > MAX_OUTPUT_NUMBERS) {
    // the smallest saveEvery whose table fits
    const perRow = Math.floor(MAX_OUTPUT_NUMBERS / columns) - 2;
    const need = Math.max(every + 1, Math.ceil(steps / Math.max(1, perRow)));
    throw new ConfigError(field, `saving ${every === 1 ? 'every one' : `every ${every}th`} of ${steps} steps would write ${rows} rows × ${columns} columns = ${numbers} numbers (about ${((numbers * BYTES_PER_CELL) / 1e9).toFixed(1)} GB of CSV); a run writes at most 2^25 ≈ 3.4·10⁷: set saveEvery to ${need} or more`);
  }
  return { rows, columns, numbers, bytes: numbers * BYTES_PER_CELL + FIXED_BYTES };
}
