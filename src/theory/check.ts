/** What every theory check returns: rows for the table, a figure for the report, and notes. */
import type { FigureSpec } from '../plot/html.ts';
import type { Verdict } from './verdict.ts';

/**
 * One row of a check's table: the theorem, the quantity, the prediction and the measurement (with its 95%
 * CI) as text, and the {@link Verdict}.
 */
export interface CheckRow {
  theorem: string;
  quantity: string;
  predicted: string;
  /** Measured value with its 95% CI, as text. */
  measured: string;
  verdict: Verdict;
}

/**
 * What a theory check returns: its rows, figures, notes (settings and choices), machine-readable data and
 * the seconds taken.
 */
export interface CheckResult {
  name: string;
  title: string;
  rows: CheckRow[];
  figures: { file: string; figure: FigureSpec }[];
  /** Settings, choices and what could not be computed. */
  notes: string[];
  /** Machine-readable details (ladders, fits, constants). */
  data: Record<string, unknown>;
  seconds: number;
}

/**
 * Options of a theory check: `quick` (smaller ensembles, for smoke runs), `seed`, `threads`, progress
 * callbacks.
 */
export interface CheckOptions {
  /** Smaller ensembles and ladders: a fast run with wider confidence intervals. */
  quick: boolean;
  /** Master seed of every ensemble of the check. */
  seed: number;
  /**
   * Worker threads for the ensembles; default: as {@link runEnsemble} chooses.
   */
  threads?: number;
  /** A new stage (an ensemble or ladder) starts. */
  onProgress?: (message: string) => void;
  /** Blocks of the running ensemble done / total (for a progress bar). */
  onBlocks?: (done: number, total: number) => void;
  /**
   * Abort the check: it stops at the next stage, inside a running ensemble (whose calling thread
   * yields to the event loop about every 50 ms, so a timer can fire; its worker threads end), in a
   * training map or threaded server, or inside a synchronous stage (implicit-momentum, Thm 6 and
   * first-passage paths, staleness simulations), which with a signal yields about every 50 ms
   * between its paths or simulations; it rejects with the signal's reason (an AbortError, or the
   * TimeoutError of `AbortSignal.timeout`); no result. With a signal the training maps run every
   * training run on worker threads (even at `threads: 1`), which an abort terminates mid-run; a
   * single path or simulation computed in the calling thread finishes first. The same results
   * with a signal as without. See docs/ensembles-and-studies.md
   * ("Cancellation").
   */
  signal?: AbortSignal;
}
