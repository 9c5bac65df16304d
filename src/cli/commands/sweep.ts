/** `asgd-sdde sweep CONFIG.json`: a grid of ensembles, resumable, sharded (see the help text). */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { canonicalJson } from '../../core/canonical-json.ts';
import { ConfigError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { acquireLock } from '../../io/lock.ts';
import { outputLockFile } from '../../io/stage.ts';
import { checkOutDir, outDirOption, outputFailure } from '../../io/output-dir.ts';
import { VERSION } from '../../version.ts';
import { drawProgressBar, EXIT, type Io, plotlyMode, positiveIntOption, readConfigFile } from '../options.ts';
import { readSweepManifest, withCliSeed, writeSweepFigure } from './sweep-files.ts';
import { parseCommandArgs } from '../args.ts';

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const whole = Math.round(s); // round first: 659.6 s is 11:00, not 10:60
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** `sweep`: exit 0, or throws a ConfigError / UsageError (exit 2); resumes the rows a directory already holds. */
export async function cmdSweep(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('sweep', args, { out: { type: 'string' }, shard: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' }, 'slurm-script': { type: 'string' }, partition: { type: 'string' }, time: { type: 'string' } });
  const { file, raw } = readConfigFile(positionals, 'sweep');
  const sw = await import('../../sweep/sweep.ts');
  const table = await import('../../sweep/sweep-table.ts');
  const { runPreparedSweep, sweepWarning } = await import('../../sweep/run.ts');
  const prepared = sw.prepareSweep(withCliSeed(raw));
  const warning = sweepWarning(prepared);
  if (warning) io.err(`warning: ${warning}\n`);
  const shard = sw.parseShard(values.shard);
  const threads = positiveIntOption(values.threads, '--threads', availableParallelism(), 256);
  const outDir = outDirOption(values.out, join('results', basename(file).replace(/\.json$/i, '')));
  if (values['slurm-script'] !== undefined) return printSlurmScript(values, resolve(file), resolve(outDir), prepared.points.length, io);
  for (const k of ['partition', 'time'] as const) if (values[k] !== undefined) throw new ConfigError(`--${k}`, 'applies only with --slurm-script N');
  checkOutDir(outDir);
  const header = table.csvHeader(prepared.keys, prepared.spec.metric);
  const manifest = { tool: 'asgd-sdde', version: VERSION, command: 'sweep', config: basename(file), settings: raw, seed: prepared.seed, points: prepared.points.length, shard: `${shard.i}/${shard.n}` };
  const manifestFile = join(outDir, 'sweep.json');
  if (existsSync(manifestFile)) {
    const old = readSweepManifest(manifestFile, '--out');
    if (canonicalJson(old.settings) !== canonicalJson(raw) || old.shard !== manifest.shard) throw new ConfigError('--out', `${outDir} holds a different sweep (or shard); choose another directory`);
  } else if (existsSync(join(outDir, 'sweep.csv'))) {
    // rows without the manifest that says which sweep they belong to cannot be trusted
    throw new ConfigError('--out', `${outDir} holds a sweep.csv without its sweep.json; remove it or choose another directory`);
  }
  // one writer per directory: a second sweep started into the same --out is refused by PID
  try {
    mkdirSync(outDir, { recursive: true }); // the lock lives in the output directory
  } catch (e) {
    throw outputFailure(e, outDir);
  }
  const dirLock = acquireLock(outputLockFile(outDir), '--out', 'sweep'); // the lock run, check, fig1, staleness and merge take
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(join(outDir, '.sweep.lock'), '--out', 'sweep');
  } catch (e) {
    dirLock.release();
    throw e;
  }
  try {
    const { rows, dropped } = table.readRows(outDir, header, { points: prepared.points, shard, paths: prepared.spec.paths, key: table.rowKey(prepared) }); // resume: the finished points
    for (const d of dropped.slice(0, 10)) io.err(`note: recomputing a row of ${join(outDir, 'sweep.csv')} that ${d.reason}: ${JSON.stringify(d.line.slice(0, 120))}\n`);
    if (dropped.length > 10) io.err(`note: … and ${dropped.length - 10} more bad rows recomputed\n`);
    const timings = table.readTimings(outDir);
    for (const i of [...timings.keys()]) if (!rows.has(i)) timings.delete(i);
    writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
    table.writeRows(outDir, header, rows); // a header-only table from the start: a shard with no points still has one
    const mine = prepared.points.filter((p) => p.index % shard.n === shard.i);
    const kept = mine.filter((p) => rows.has(p.index)).length;
    const started = performance.now();
    let done = 0;
    const report = (finished: number, extra: string) => {
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (mine.length - finished) : NaN;
      if (io.isTTY) drawProgressBar(io, finished / mine.length, `${finished}/${mine.length} points, ETA ${formatDuration(eta)} ${extra.slice(0, 60)}`);
      else io.err(`${finished}/${mine.length} points (ETA ${formatDuration(eta)}) ${extra}\n`);
    };
    if (rows.size) report(kept, `resuming: ${kept} finished points kept`);
    const result = await runPreparedSweep(prepared, {
      threads,
      shard,
      done: [...rows.values()].map((line) => table.parseRow(line, prepared.keys)),
      onPoint: (r, finished) => {
        rows.set(r.point, table.csvRow(r, table.rowKey(prepared)));
        timings.set(r.point, r.seconds);
        table.writeRows(outDir, header, rows); // atomically, after every point
        table.writeTimings(outDir, timings);
        done++;
        report(finished, `point ${r.point}: ${prepared.keys.map((k, j) => `${k}=${JSON.stringify(r.values[j])}`).join(' ')} → ${r.metric}`);
      },
    });
    if (io.isTTY) io.err('\n');
    await writeSweepFigure(outDir, prepared.keys, prepared.spec.metric, rows, values['no-png'] === true, plotlyMode(values), io, result.caption);
    const summary = { ...manifest, outDir, threads: result.threads, finished: result.rows.length, seconds: result.seconds, rows: result.rows.map((r) => ({ point: r.point, values: r.values, [prepared.spec.metric]: Number.isFinite(r.metric) ? r.metric : null, se: Number.isFinite(r.se) ? r.se : null, diverged: r.diverged })), fits: result.fits };
    io.out(values.json ? JSON.stringify(summary) + '\n' : `sweep (seed ${prepared.seed}): ${summary.finished}/${mine.length} points in ${join(outDir, 'sweep.csv')}\n${result.fits.map((f) => `  exponent in ${f.against === 'x' ? f.key : `${f.key} + 1`} (${f.series}): ${f.exponent.toFixed(3)} (95% CI ${f.ci95[0].toFixed(3)} … ${f.ci95[1].toFixed(3)})`).join('\n')}${result.fits.length ? '\n' : ''}`);
    return EXIT.ok;
  } catch (e) {
    throw outputFailure(e, outDir);
  } finally {
    lock.release();
    dirLock.release();
  }
}

/** sweep --slurm-script N: the job array's batch script on stdout (nothing is computed or written). */
async function printSlurmScript(values: { 'slurm-script'?: string; shard?: string; threads?: string; partition?: string; time?: string; json?: boolean }, config: string, outDir: string, points: number, io: Io): Promise<number> {
  if (values.shard !== undefined) throw new ConfigError('--shard', 'the job array gives each task its shard; drop --shard when writing the script');
  if (values.json) throw new ConfigError('--json', 'does not apply to --slurm-script (the script is printed as it is)');
  const { slurmArrayScript } = await import('../../sweep/slurm.ts');
  const shards = positiveIntOption(values['slurm-script'], '--slurm-script', 1, 1_000_000);
  const threads = positiveIntOption(values.threads, '--threads', 1, 256);
  const jobName = `asgd-sdde-${basename(config).replace(/\.json$/i, '').replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  io.out(slurmArrayScript({ config, outDir, shards, points, threads, partition: values.partition, time: values.time, jobName }));
  return EXIT.ok;
}
