/**
 * A sweep as a Slurm job array: the batch script `asgd-sdde sweep CONFIG --slurm-script N` prints.
 *
 * Array task i runs `sweep CONFIG --shard i/N --out OUT/shard-i` (the points with index ≡ i mod N);
 * `merge OUT OUT/shard-*` joins the shards afterwards into the table a single process writes, byte
 * for byte (every point uses the sweep's seed, so a row does not depend on the task that computed
 * it). A task that failed or was cancelled is rerun alone with `sbatch --array=i SCRIPT`: its shard
 * resumes from the rows it finished, and `merge` names the shards whose points are missing.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';

/** The largest array Slurm accepts by default (MaxArraySize = 1001: indices 0 … 1000). */
export const SLURM_MAX_ARRAY = 1001;

export interface SlurmScriptOptions {
  /** Absolute path of the sweep's config file (read by every task; on a shared file system). */
  config: string;
  /** Absolute output directory: task i writes OUT/shard-i, `merge` writes OUT. */
  outDir: string;
  /** Array tasks (shards), 1 … min(points, 1001). */
  shards: number;
  /** Grid points of the sweep (a shard without points is refused: it would only queue). */
  points: number;
  /** Threads per task (`--cpus-per-task` and the sweep's `--threads`); default 1. */
  threads?: number;
  /** `--partition` (Slurm partition names, comma-separated); default: the cluster's default. */
  partition?: string;
  /** `--time`, the wall-clock limit per task in a Slurm time format (e.g. 30, 2:00:00, 1-12). */
  time?: string;
  /** The job's name in squeue (default asgd-sdde-sweep). */
  jobName?: string;
  /** Absolute path of the asgd-sdde launcher (default: this package's bin/asgd-sdde.js). */
  cli?: string;
}

/** This package's launcher, bin/asgd-sdde.js (src/sweep/ and dist/sweep/ are both two levels below the root). */
export const CLI_PATH = fileURLToPath(new URL('../../bin/asgd-sdde.js', import.meta.url));

/** A word for a POSIX shell: single-quoted unless it needs no quoting. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

// Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
// days-hours:minutes, days-hours:minutes:seconds (sbatch(1), --time); UNLIMITED/INFINITE.
const SLURM_TIME = /^(?:\d+|\d+:\d+|\d+:\d+:\d+|\d+-\d+|\d+-\d+:\d+|\d+-\d+:\d+:\d+|UNLIMITED|INFINITE)$/;
// partition and job names end up on #SBATCH lines, which sbatch splits at white space
const SLURM_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The batch script of a sweep as a Slurm job array (bash; `#SBATCH` directives, then one
 * `asgd-sdde sweep … --shard $SLURM_ARRAY_TASK_ID/N` line). Paths are absolute, so the script runs
 * from any directory; `node` is taken from the PATH of the job (sbatch passes the submitting
 * shell's environment by default).
 *
 * @throws ConfigError naming `--slurm-script` (N not in [1, min(points, 1001)]), `--partition`,
 *   `--time` (not a Slurm time) or `--threads`, before anything is written.
 * @remarks Example (an internal helper, not in the package API):
 * ```ts fragment
 * slurmArrayScript({ config: '/home/me/sweep.json', outDir: '/scratch/me/sweep', shards: 16, points: 20, time: '2:00:00' })
 * // '#!/bin/bash\n…#SBATCH --array=0-15\n…'
 * ```
 */
export function slurmArrayScript(o: SlurmScriptOptions): string {
  const max = Math.min(o.points, SLURM_MAX_ARRAY);
  if (!Number.isInteger(o.shards) || o.shards < 1 || o.shards > max) {
    throw new ConfigError('--slurm-script', `must be an integer in [1, ${max}] (the sweep has ${o.points} points${o.points > SLURM_MAX_ARRAY ? `; Slurm's default MaxArraySize is ${SLURM_MAX_ARRAY}` : ''}), got ${o.shards}`);
  }
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError('--threads', `must be a positive integer, got ${threads}`);
  if (o.partition !== undefined && !o.partition.split(',').every((p) => SLURM_NAME.test(p))) {
    throw new ConfigError('--partition', `must be Slurm partition names (letters, digits, _ . -), comma-separated, got ${JSON.stringify(o.partition)}`);
  }
  if (o.time !== undefined && !SLURM_TIME.test(o.time)) {
    throw new ConfigError('--time', `must be a Slurm time limit (minutes, h:mm:ss, d-h, d-h:mm, d-h:mm:ss or UNLIMITED), got ${JSON.stringify(o.time)}`);
  }
  const jobName = o.jobName ?? 'asgd-sdde-sweep';
  if (!SLURM_NAME.test(jobName)) throw new ConfigError('jobName', `must be letters, digits, _ . -, got ${JSON.stringify(jobName)}`);
  const cli = shellQuote(o.cli ?? CLI_PATH);
  const out = shellQuote(o.outDir);
  const n = o.shards;
  return [
    '#!/bin/bash',
    `# An asgd-sdde sweep as a Slurm job array: task i computes shard i/${n} (the grid points with`,
    `# index ≡ i mod ${n}) into OUT/shard-i, resuming from the rows it finished there.`,
    `#   config: ${o.config}`,
    `#   OUT:    ${o.outDir}`,
    '#   submit:        sbatch THIS_SCRIPT',
    `#   then, once:    node ${cli} merge ${out} ${out}/shard-*`,
    '#   missing shards (merge names them): sbatch --array=I,J THIS_SCRIPT, then merge again',
    `#SBATCH --job-name=${jobName}`,
    `#SBATCH --array=0-${n - 1}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${threads}`,
    ...(o.partition !== undefined ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time !== undefined ? [`#SBATCH --time=${o.time}`] : []),
    'set -euo pipefail',
    `exec node ${cli} sweep ${shellQuote(o.config)} --out ${out}/shard-"$SLURM_ARRAY_TASK_ID" \\`,
    `  --shard "$SLURM_ARRAY_TASK_ID"/${n} --threads ${threads} --no-png`,
    '',
  ].join('\n');
}

/**
 * The shards (of `n`) whose grid points are missing from a merged table, ascending: what to
 * resubmit with `sbatch --array=…`.
 *
 * @remarks Example (an internal helper, not in the package API): `missingShards(6, new Set([0, 1, 2, 4]), 3) // [0, 2]: points 3 and 5`
 */
export function missingShards(points: number, present: ReadonlySet<number>, n: number): number[] {
  const shards = new Set<number>();
  for (let p = 0; p < points; p++) if (!present.has(p)) shards.add(p % n);
  return [...shards].sort((a, b) => a - b);
}
