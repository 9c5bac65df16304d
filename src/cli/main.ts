/**
 * The `asgd-sdde` command line. `main(argv, io)` returns the exit code, so tests run it in
 * process.
 *
 * Exit codes: 0 success (a run that diverged is a result, reported with status 'diverged');
 * 2 bad input (unknown command or option, unreadable or invalid config), refused before any
 * output is written; 70 an internal fault (a bug: please report it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/errors.ts';
import { COUPLINGS, type Coupling } from '../bridge/pair.ts';
import { prepareExperiment } from '../experiments/config.ts';
import { estimateRunOutput } from '../experiments/output-size.ts';
import { runExperiment } from '../experiments/run.ts';
import { runFig1 } from '../experiments/fig1.ts';
import { type ComputeTimeSpec, validateComputeTime } from '../asgd/parameter-server.ts';
import type { ObjectiveSpec } from '../experiments/objective-spec.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { writeCsv } from '../io/csv.ts';
import { acquireLock } from '../io/lock.ts';
import { readInputJson, readInputText } from '../io/input-file.ts';
import { checkOutDir, outDirOption, outputFailure, Stage } from '../io/output-dir.ts';
import { outputLockFile, takeDirLock } from '../io/stage.ts';
import { checkJsonTree } from '../core/safe-keys.ts';
import { type PlotlyMode, plotlyScriptTags, writeFigureHtml } from '../plot/html.ts';
import { renderPng } from '../plot/png.ts';
import { VERSION } from '../version.ts';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stderr is a terminal: draw a progress bar instead of plain lines. */
  isTTY?: boolean;
}

const defaultIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true };

export const EXIT = { ok: 0, violated: 1, badInput: 2, fault: 70 } as const;

/** The examples shipped with the package (this module is src/cli/main.ts or dist/cli/main.js). */
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

const HELP = `asgd-sdde ${VERSION} — stochastic delay differential equations for asynchronous SGD

Usage:
  asgd-sdde run CONFIG.json [--seed N] [--out DIR] [--json] [--force] [--no-png]
      Run an experiment: one ASGD run ("kind": "asgd"), one SDDE solve ("kind": "sdde"), or an
      ASGD run beside its SDDE ("kind": "pair"). Writes DIR/result.json (settings, seed, version,
      status, final states), DIR/paths.csv, DIR/figure.html and DIR/figure.png.
      The config schema, with one example per kind, is in the README ("Config files") and in
      ${EXAMPLES_DIR}

  asgd-sdde fig1 [--seed N] [--out DIR] [--coupling C] [--json] [--no-png] [--force]
      Reproduce He et al. (2018) Fig. 1 (ASGD vs SDDE, SGD vs SDE on F(x) = ½(x+1)² + ½(x−1)²).
      Writes DIR/fig1-path-comparison.{html,png,csv,json}; DIR defaults to figures/.
      C is independent (default, as in the paper), shared-brownian, quantile or axis-quantile.

  asgd-sdde check [NAME…] [--quick] [--json] [--out DIR] [--seed N] [--threads N] [--strict] [--no-png] [--force]
      Measure the papers' theorems and claims and give a verdict for each (holds / holds, loose ×R / violated /
      not applicable): NAME is any of approximation, moments, energy, rates (He et al. 2018),
      mindthestep (Bäckström et al. 2019), accumulation (Aji & Heafield 2019) (default: all).
      Prints a table; writes DIR/theory-report.{html,json} and DIR/check-NAME.{html,png}
      (DIR defaults to figures/). --quick: smaller ensembles (under 2 minutes on 2 cores).

  asgd-sdde staleness [--workers M[,M…]] [--compute SPEC] [--updates N] [--replicates R] [--mode async|sync]
                      [--local L] [--global G] [--pull-every U] [--seed N] [--out DIR] [--json] [--no-png] [--force]
      Simulate a parameter server with M workers (default 8) and print the staleness histogram and
      the geometric / uniform / Poisson / CMP fits by Bhattacharyya distance (several M: a Table I
      analog). SPEC: constant:MEAN, exponential:MEAN, normal:MEAN:SD (default normal:1:0.2),
      lognormal:MEAN:SD, slow:MEAN:FRACTION:SLOWDOWN. --local/--global: accumulation (async);
      --pull-every: staleness injection (sync). N updates per run (default 2000), R independent runs
      (default 10) give the standard error. With --out, writes DIR/staleness.{json,csv,html,png}.
  asgd-sdde staleness --threads-real M[,M…] [--objective JSON|FILE] [--batch B] [--updates N] [--runs R]
                      [--hogwild] [--seed N] [--out DIR] [--json] [--no-png] [--force]
      Measure staleness on a real-thread parameter server (M worker_threads sharing the parameters,
      SGD at a locked server; --hogwild: lock-free inconsistent reads) and compare it with the
      simulated server at the compute-time law fitted to the measured compute times. Default
      objective {"kind":"mnist","model":"softmax","dim":50,"perDigit":200} (needs the mnist package),
      B = 16 (at most 10^6), N = 4000 updates per run, R = 3 runs.

  asgd-sdde sweep CONFIG.json [--out DIR] [--shard i/n] [--threads N] [--json] [--no-png]
      A grid over config fields ("grid": {"asgd.eta": [...], "asgd.delay.lag": [...]}), one ensemble
      per point, one row of DIR/sweep.csv per point as it finishes (written atomically; seconds per
      point in DIR/sweep-timings.csv), and DIR/sweep.{html,png}: the metric against each key, one
      series per value of the other, 95% CIs, fitted exponents. Points run in parallel on --threads N
      threads (default: all cores), with results bit-identical to one thread. A key whose values
      leave the run unchanged is refused. Killed and restarted with the same DIR it resumes, keeping
      only rows it can verify. One sweep per DIR at a time. --shard i/n runs every n-th point (for
      job arrays). --json prints the rows and the fitted exponents.
  asgd-sdde merge OUT_DIR SHARD_DIR…
      Join the sweep.csv files of shards into OUT_DIR (refuses shards of different sweeps).

  asgd-sdde explore [--port N] [--build DIR]
      The interactive explorer (the library bundled for the browser, no server-side computation),
      served on http://127.0.0.1:N/ (default 8765; 0 picks a free port). --build DIR writes its
      static files (index.html, explorer.js, plotly.js) to DIR instead, for any web server.

  asgd-sdde help          this text        asgd-sdde --version     the version

Options:
  --seed N      master seed (integer 0 … 2^53−1); overrides the config's "seed". Same seed, same output.
  --out DIR     output directory (run: default results/<config name>; fig1: default figures).
  --json        print a machine-readable summary (final states, status, settings) on stdout.
  --force       replace the result an output directory holds (any file of it; never without --force).
                A result appears all at once: written into a staging directory, published with its
                JSON (result.json, theory-report.json, …) last.
  --no-png      skip the Chromium rendering of the figure (HTML and CSV are still written).
  --copy-plotly put a copy of plotly (4.6 MB) beside the HTML figures, so the folder works on its own;
                by default they link the copy installed with asgd-sdde (falling back to plotly's CDN
                when the page is moved away from it).
  --threads N   check: worker threads for the ensembles (default: all cores for large ensembles);
                sweep: threads sharing the grid points (default: all cores).
  --strict      check: exit with code 1 if any verdict is "violated".

Exit codes:
  0   success (a run whose state became non-finite is reported with status "diverged")
  1   check --strict: some verdict is "violated"
  2   bad input: the message names the field and the reason; nothing was written (also: an output
      that cannot be written — --out unwritable, a full disk, a table too large —, a port in use,
      another sweep writing the same directory)
  70  internal fault (a bug; run with ASGD_SDDE_DEBUG=1 for the stack trace)
`;

class UsageError extends Error {}

function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new ConfigError('--seed', `must be an integer in [0, 2^53), got ${JSON.stringify(v)}`);
  return Number(v);
}

/** The files of each command's result: an existing one is only overwritten with --force. */
const RUN_FILES = new Set(['result.json', 'paths.csv', 'figure.html', 'figure.png']);
const isRunFile = (f: string) => RUN_FILES.has(f);
const isFig1File = (f: string) => /^fig1-path-comparison\.(json|csv|html|png)$/.test(f);
const isCheckFile = (f: string) => /^theory-(report|timings)\.(json|html)$/.test(f) || /^check-[a-z0-9-]+\.(html|png)$/.test(f);
const isStalenessFile = (f: string) => /^staleness\.(json|csv|html|png)$/.test(f);
const isSweepFile = (f: string) => /^sweep(-timings)?\.(json|csv|html|png)$/.test(f);

const noteTo = (io: Io) => (m: string) => io.err(`note: ${m}\n`);

/** --copy-plotly: a copy of plotly beside the figures (a folder that works on its own) instead of a link to the installed one. */
function plotlyMode(values: { 'copy-plotly'?: boolean }): PlotlyMode {
  return values['copy-plotly'] === true ? 'copy' : 'link';
}

async function writePng(html: string, png: string, io: Io, skip: boolean): Promise<string | null> {
  if (skip) return null;
  const r = await renderPng(html, png);
  if (!r.ok) {
    io.err(`note: PNG not rendered — ${r.reason}\n`);
    return null;
  }
  return png;
}

/** The one CONFIG.json positional of `command`, parsed; refused (exit 2) if missing or not JSON. */
function readConfigFile(positionals: string[], command: string): { file: string; raw: unknown } {
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one CONFIG file, got ${positionals.length}`);
  const file = positionals[0];
  const raw = readInputJson(file, 'CONFIG'); // a regular file below the size limit (a FIFO or /dev/zero is refused by name); a BOM is accepted
  checkJsonTree(raw, ''); // no __proto__ / constructor / prototype key, no nesting deeper than 64: before anything copies it
  return { file, raw };
}

async function cmdRun(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, force: { type: 'boolean' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' } },
  });
  const { file, raw } = readConfigFile(positionals, 'run');
  const seed = parseSeed(values.seed);
  const prepared = prepareExperiment(raw, seed);
  const size = estimateRunOutput(prepared); // a table that cannot be written is refused now, not after the run
  const outDir = outDirOption(values.out, join('results', basename(file).replace(/\.json$/i, '')));
  const stage = new Stage({ dir: outDir, force: values.force === true, ours: isRunFile, marker: 'result.json', bytes: size.bytes, command: 'run', note: noteTo(io), writes: (f) => isRunFile(f) && !(values['no-png'] && f === 'figure.png') });
  const { summary, png, status } = await stage.run(async (dir) => {
    const result = runExperiment(prepared);
    const summary = {
      tool: 'asgd-sdde',
      version: VERSION,
      command: 'run',
      config: basename(file),
      kind: prepared.kind,
      seed: prepared.seed,
      settings: raw,
      ...result.summary,
    };
    writeCsv(join(dir, 'paths.csv'), result.table);
    const html = join(dir, 'figure.html');
    writeFigureHtml(html, result.figure, plotlyMode(values));
    const png = await writePng(html, join(dir, 'figure.png'), io, values['no-png'] === true);
    // result.json last: it lists the files of the result and marks it complete
    writeFileAtomic(join(dir, 'result.json'), JSON.stringify({ ...summary, files: ['paths.csv', 'figure.html', ...(png ? ['figure.png'] : [])] }, null, 2) + '\n');
    return { summary, png, status: result.summary.status };
  });
  if (values.json) io.out(JSON.stringify(summary) + '\n');
  else io.out(`${prepared.kind} run: status ${JSON.stringify(status)}; wrote ${outDir}/{result.json,paths.csv,figure.html${png ? ',figure.png' : ''}}\n`);
  return EXIT.ok;
}

async function cmdFig1(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, coupling: { type: 'string' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' }, force: { type: 'boolean' } },
  });
  if (positionals.length) throw new UsageError(`fig1 takes no positional arguments, got ${positionals.join(' ')}`);
  const seed = parseSeed(values.seed) ?? 1;
  const coupling = values.coupling ?? 'independent';
  if (!(COUPLINGS as readonly string[]).includes(coupling)) throw new ConfigError('--coupling', `must be one of ${COUPLINGS.join(', ')}, got ${JSON.stringify(coupling)}`);
  const outDir = outDirOption(values.out, 'figures');
  const stage = new Stage({ dir: outDir, force: values.force === true, ours: isFig1File, marker: 'fig1-path-comparison.json', command: 'fig1', note: noteTo(io) });
  const summary = await stage.run(async (dir) => {
    const r = runFig1({ seed, coupling: coupling as Coupling });
    const base = join(dir, 'fig1-path-comparison');
    writeCsv(`${base}.csv`, r.table);
    writeFigureHtml(`${base}.html`, r.figure, plotlyMode(values));
    const png = await writePng(`${base}.html`, `${base}.png`, io, values['no-png'] === true);
    const summary = { tool: 'asgd-sdde', version: VERSION, command: 'fig1', ...r.summary, caption: r.figure.caption, files: ['fig1-path-comparison.csv', 'fig1-path-comparison.html', ...(png ? ['fig1-path-comparison.png'] : [])] };
    writeFileAtomic(`${base}.json`, JSON.stringify(summary, null, 2) + '\n');
    return summary;
  });
  if (values.json) io.out(JSON.stringify(summary) + '\n');
  else io.out(`Fig. 1 (seed ${seed}, ${coupling} noise): wrote ${summary.files.map((f) => join(outDir, f)).join(', ')}\n`);
  return EXIT.ok;
}

/** `check` exits 1 under --strict when any verdict is "violated", else 0. */
export function checkExitCode(results: { rows: { verdict: { kind: string } }[] }[], strict: boolean): number {
  const violated = results.some((r) => r.rows.some((row) => row.verdict.kind === 'violated'));
  return strict && violated ? EXIT.violated : EXIT.ok;
}

function progressReporter(io: Io) {
  let stage = '';
  let last = 0;
  return {
    stage(message: string) {
      if (io.isTTY && stage) io.err('\n');
      stage = message;
      if (!io.isTTY) io.err(`… ${message}\n`);
    },
    blocks(done: number, total: number) {
      if (!io.isTTY) return;
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      const width = 24;
      const filled = Math.round((done / total) * width);
      io.err(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(done).padStart(4)}/${total} ${stage.slice(0, 70)}\x1b[K`);
    },
    end() {
      if (io.isTTY && stage) io.err('\n');
    },
  };
}

async function cmdCheck(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, out: { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' }, strict: { type: 'boolean' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' }, force: { type: 'boolean' } },
  });
  const { CHECKS, CHECK_NAMES } = await import('../theory/index.ts');
  const { formatTable, reportHtml } = await import('../theory/report.ts');
  for (const name of positionals) if (!CHECK_NAMES.includes(name)) throw new ConfigError('NAME', `unknown check ${JSON.stringify(name)}; choose from ${CHECK_NAMES.join(', ')}`);
  const selected = positionals.length ? CHECKS.filter((c) => positionals.includes(c.name)) : CHECKS;
  const seed = parseSeed(values.seed) ?? 1;
  const threads = values.threads === undefined ? undefined : positiveIntOption(values.threads, '--threads', 1, 256);
  const outDir = outDirOption(values.out, 'figures');
  const stage = new Stage({ dir: outDir, force: values.force === true, ours: isCheckFile, marker: 'theory-report.json', command: 'check', note: noteTo(io) });
  const quick = values.quick === true;
  const progress = progressReporter(io);
  const started = performance.now();
  const { results, report, seconds } = await stage.run(async (dir) => {
    const results = [];
    for (const c of selected) {
      progress.stage(`${c.name}: ${c.title}`);
      results.push(await c.run({ quick, seed, ...(threads ? { threads } : {}), onProgress: (m) => progress.stage(m), onBlocks: (d, t) => progress.blocks(d, t) }));
    }
    progress.end();
    const seconds = (performance.now() - started) / 1000;
    const files: string[] = [];
    for (const r of results) {
      for (const f of r.figures) {
        const html = join(dir, `${f.file}.html`);
        writeFigureHtml(html, f.figure, plotlyMode(values));
        files.push(`${f.file}.html`);
        const png = await writePng(html, join(dir, `${f.file}.png`), io, values['no-png'] === true);
        if (png) files.push(`${f.file}.png`);
      }
    }
    // the report holds results only, so identical runs give identical bytes; wall-clock times go to theory-timings.json
    const meta = { version: VERSION, seed, mode: quick ? 'quick' : 'full', checks: results.map((r) => r.name).join(', ') };
    writeFileAtomic(join(dir, 'theory-report.html'), reportHtml(results, meta, plotlyScriptTags(dir, plotlyMode(values))));
    writeFileAtomic(join(dir, 'theory-timings.json'), JSON.stringify({ tool: 'asgd-sdde', version: VERSION, command: 'check', seed, quick, seconds, checks: results.map((r) => ({ name: r.name, seconds: r.seconds })) }, null, 2) + '\n');
    const report = {
      tool: 'asgd-sdde',
      version: VERSION,
      command: 'check',
      seed,
      quick,
      checks: results.map((r) => ({ name: r.name, title: r.title, rows: r.rows, notes: r.notes, data: r.data })),
      files: ['theory-report.html', 'theory-report.json', 'theory-timings.json', ...files],
    };
    writeFileAtomic(join(dir, 'theory-report.json'), JSON.stringify(report, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return { results, report, seconds };
  });
  if (values.json) io.out(JSON.stringify({ ...report, seconds, checks: report.checks.map(({ data: _d, ...rest }, i) => ({ ...rest, seconds: results[i].seconds })) }) + '\n');
  else io.out(formatTable(results) + `Report: ${join(outDir, 'theory-report.html')} (${seconds.toFixed(1)} s, seed ${seed}, ${quick ? 'quick' : 'full'} ensembles)\n`);
  return checkExitCode(results, values.strict === true);
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const whole = Math.round(s); // round first: 659.6 s is 11:00, not 10:60
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

function positiveIntOption(v: string | undefined, name: string, fallback: number, max = 100_000_000): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new ConfigError(name, `must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  return Number(v);
}

/** constant:MEAN | exponential:MEAN | normal:MEAN:SD | lognormal:MEAN:SD | slow:MEAN:FRACTION:SLOWDOWN */
function parseComputeTime(spec: string): ComputeTimeSpec {
  const [kind, ...rest] = spec.split(':');
  const nums = rest.map((v) => (v.trim() === '' ? NaN : Number(v)));
  const need = (n: number, names: string) => {
    if (nums.length !== n || !nums.every(Number.isFinite)) throw new ConfigError('--compute', `${kind} takes ${names}, got ${JSON.stringify(spec)}`);
  };
  let out: unknown;
  switch (kind) {
    case 'constant':
    case 'exponential':
      need(1, 'MEAN');
      out = { kind, mean: nums[0] };
      break;
    case 'normal':
    case 'lognormal':
      need(2, 'MEAN:SD');
      out = { kind, mean: nums[0], sd: nums[1] };
      break;
    case 'slow':
      need(3, 'MEAN:FRACTION:SLOWDOWN');
      out = { kind: 'slow-workers', mean: nums[0], slowFraction: nums[1], slowdown: nums[2] };
      break;
    default:
      throw new ConfigError('--compute', `must be constant:MEAN, exponential:MEAN, normal:MEAN:SD, lognormal:MEAN:SD or slow:MEAN:FRACTION:SLOWDOWN, got ${JSON.stringify(spec)}`);
  }
  // the server's validator, with the option as the field name (e.g. "--compute.sd must be >= 0")
  return validateComputeTime(out, '--compute');
}

/** `staleness --threads-real M[,M…]`: measured staleness on real threads beside the simulated server. */
async function stalenessOnThreads(values: Record<string, string | boolean | undefined>, io: Io): Promise<number> {
  for (const o of ['workers', 'compute', 'replicates', 'mode', 'local', 'global', 'pull-every'] as const) if (values[o] !== undefined) throw new UsageError(`--${o} does not apply to --threads-real (real threads run asynchronous SGD)`);
  const workers = String(values['threads-real']).split(',').map((w) => positiveIntOption(w.trim(), '--threads-real', 4, 256));
  const { MAX_SERVER_BATCH } = await import('../asgd/threaded-server.ts');
  const batchSize = positiveIntOption(values.batch as string | undefined, '--batch', 16, MAX_SERVER_BATCH);
  const updates = positiveIntOption(values.updates as string | undefined, '--updates', 4000, 10_000_000);
  if (updates < 10) throw new ConfigError('--updates', `must be at least 10, got ${updates}`);
  const runs = positiveIntOption(values.runs as string | undefined, '--runs', 3, 1000);
  let objective: ObjectiveSpec = { kind: 'mnist', model: 'softmax', dim: 50, perDigit: 200 };
  if (typeof values.objective === 'string') {
    const text = values.objective.trim().startsWith('{') ? values.objective : existsSync(values.objective) ? readInputText(values.objective, '--objective') : undefined;
    if (text === undefined) throw new ConfigError('--objective', `must be a JSON objective or a file holding one, got ${JSON.stringify(values.objective)}`);
    try {
      objective = JSON.parse(text) as ObjectiveSpec;
    } catch (e) {
      throw new ConfigError('--objective', `is not valid JSON: ${(e as Error).message}`);
    }
  }
  const seed = parseSeed(values.seed as string | undefined) ?? 1;
  const read = values.hogwild === true ? 'inconsistent' : 'consistent';
  const outDir = values.out === undefined ? undefined : outDirOption(values.out as string, '');
  const { objectiveFromSpec } = await import('../experiments/objective-spec.ts');
  if (objective.kind === 'expression') throw new ConfigError('--objective', 'expression objectives are not supported on real threads (mathjs in every worker); use a built-in kind (least-squares, logistic, mnist, …)');
  objectiveFromSpec(objective, '--objective'); // refuse a bad objective before any thread starts or any folder is made
  const stage = outDir ? new Stage({ dir: outDir, force: values.force === true, ours: isStalenessFile, marker: 'staleness.json', command: 'staleness', note: noteTo(io) }) : undefined;
  const { measureThreadedStaleness } = await import('../experiments/threaded-staleness.ts');
  const { ServerThreadPool } = await import('../asgd/threaded-server.ts');
  const { threadedStalenessFigure, threadedStalenessText } = await import('../experiments/staleness-report.ts');
  const results: Awaited<ReturnType<typeof measureThreadedStaleness>>[] = [];
  try {
    const pool = new ServerThreadPool(Math.max(...workers));
    try {
      for (const m of workers) {
        if (!values.json) io.err(`real threads: m = ${m}\n`);
        results.push(await measureThreadedStaleness({ workers: m, objective, batchSize, updates, runs, read, seed }, { pool }));
      }
    } finally {
      await pool.close();
    }
  } catch (e) {
    stage?.discard(); // a refusal from the measurement leaves no staging folder behind
    throw e;
  }
  const settings = { threadsReal: workers, objective, batchSize, updates, runs, read, seed, optimizer: { kind: 'sgd', lr: 0.01 } };
  const summary = {
    tool: 'asgd-sdde',
    version: VERSION,
    command: 'staleness --threads-real',
    settings,
    results: results.map((r) => ({
      workers: r.measured.spec.workers,
      cores: r.cores,
      measured: { meanStaleness: r.measured.mean, meanSe: r.measured.meanSe, pZero: r.measured.pZero, pZeroSe: r.measured.pZeroSe, sameWorkerRate: r.sameWorkerRate.measured, samples: r.measured.staleness.length, histogram: Array.from(r.measured.histogram), fits: r.measured.fits.filter((x) => x.model !== 'empirical').map((x) => ({ model: x.model, params: x.params, distance: x.distance })) },
      computeTime: r.computeTime,
      simulated: { meanStaleness: r.simulated.mean, meanSe: r.simulated.meanSe, pZero: r.simulated.pZero, sameWorkerRate: r.sameWorkerRate.simulated, histogram: Array.from(r.simulated.histogram), fits: r.simulated.fits.filter((x) => x.model !== 'empirical').map((x) => ({ model: x.model, params: x.params, distance: x.distance })) },
      distance: r.distance,
      computeShare: r.computeShare,
      lockWaitShare: r.lockWaitShare,
      updatesPerSecond: r.updatesPerSecond,
      runs: r.runs,
    })),
  };
  const files: string[] = [];
  if (stage) {
    await stage.run(async (dir) => {
      const cols: number[][] = [[], [], [], []];
      for (const r of results) {
        const n = Math.max(r.measured.histogram.length, r.simulated.histogram.length);
        for (let t = 0; t < n; t++) [r.measured.spec.workers, t, r.measured.histogram[t] ?? 0, r.simulated.histogram[t] ?? 0].forEach((v, j) => cols[j].push(v));
      }
      writeCsv(join(dir, 'staleness.csv'), { columns: ['workers', 'tau', 'measured', 'simulated'], data: cols });
      const html = join(dir, 'staleness.html');
      const caption = `Real-thread parameter server on ${results[0]?.cores ?? '?'} hardware threads (shared with whatever else runs on the machine): m worker_threads, ${read} reads, SGD (lr 0.01) at the server, objective ${JSON.stringify(objective)}, b = ${batchSize}, ${runs} runs of ${updates} updates per m, each after a warm-up of 4× the updates until every worker has pushed once; seed ${seed}. The simulated server draws i.i.d. compute times from the law fitted by maximum likelihood (exponential, normal, log-normal) to the measured compute times, in units of their mean, and has no communication time.`;
      writeFigureHtml(html, threadedStalenessFigure(results, caption), plotlyMode(values as { 'copy-plotly'?: boolean }));
      files.push('staleness.csv', 'staleness.html');
      const png = await writePng(html, join(dir, 'staleness.png'), io, values['no-png'] === true);
      if (png) files.push('staleness.png');
      files.push('staleness.json');
      writeFileAtomic(join(dir, 'staleness.json'), JSON.stringify({ ...summary, files }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    });
  }
  if (values.json) io.out(JSON.stringify({ ...summary, files }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
  else {
    io.out(threadedStalenessText(results));
    if (outDir) io.out(`wrote ${files.map((f) => join(outDir, f)).join(', ')}\n`);
  }
  return EXIT.ok;
}

async function cmdStaleness(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      workers: { type: 'string' },
      compute: { type: 'string' },
      updates: { type: 'string' },
      replicates: { type: 'string' },
      mode: { type: 'string' },
      local: { type: 'string' },
      global: { type: 'string' },
      'pull-every': { type: 'string' },
      'threads-real': { type: 'string' },
      objective: { type: 'string' },
      batch: { type: 'string' },
      runs: { type: 'string' },
      hogwild: { type: 'boolean' },
      seed: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' },
      force: { type: 'boolean' },
    },
  });
  if (positionals.length) throw new UsageError(`staleness takes no positional arguments, got ${positionals.join(' ')}`);
  if (values['threads-real'] !== undefined) return stalenessOnThreads(values, io);
  for (const o of ['objective', 'batch', 'runs', 'hogwild'] as const) if (values[o] !== undefined) throw new UsageError(`--${o} applies to --threads-real`);
  const workers = (values.workers ?? '8').split(',').map((w) => positiveIntOption(w.trim(), '--workers', 8, 100_000));
  const computeTime = parseComputeTime(values.compute ?? 'normal:1:0.2');
  const updates = positiveIntOption(values.updates, '--updates', 2000);
  if (updates < 10) throw new ConfigError('--updates', `must be at least 10, got ${updates}`);
  const replicates = positiveIntOption(values.replicates, '--replicates', 10, 100_000);
  const mode = values.mode ?? 'async';
  if (mode !== 'async' && mode !== 'sync') throw new ConfigError('--mode', `must be async or sync, got ${JSON.stringify(mode)}`);
  const L = positiveIntOption(values.local, '--local', 1);
  const G = positiveIntOption(values.global, '--global', 1);
  const U = positiveIntOption(values['pull-every'], '--pull-every', 1);
  if (mode === 'sync' && (L !== 1 || G !== 1)) throw new ConfigError('--mode', 'accumulation (--local, --global) applies to async mode');
  if (mode === 'async' && U !== 1) throw new ConfigError('--pull-every', 'staleness injection applies to sync mode');
  const seed = parseSeed(values.seed) ?? 1;
  const outDir = values.out === undefined ? undefined : outDirOption(values.out, '');
  const stage = outDir ? new Stage({ dir: outDir, force: values.force === true, ours: isStalenessFile, marker: 'staleness.json', command: 'staleness', note: noteTo(io) }) : undefined;
  const { simulateStaleness } = await import('../experiments/staleness.ts');
  const { stalenessFigure, stalenessTableText, stalenessHistogramText } = await import('../experiments/staleness-report.ts');
  let sims: ReturnType<typeof simulateStaleness>[];
  try {
    sims = workers.map((m) => simulateStaleness({ workers: m, computeTime, updates, replicates, mode, localAccumulation: L, globalAccumulation: G, pullEvery: U, seed }));
  } catch (e) {
    stage?.discard(); // a refusal from the simulation leaves no staging folder behind
    throw e;
  }
  const settings = { workers, computeTime, updates, replicates, mode, localAccumulation: L, globalAccumulation: G, pullEvery: U, seed };
  const summary = {
    tool: 'asgd-sdde',
    version: VERSION,
    command: 'staleness',
    settings,
    results: sims.map((s) => ({ workers: s.spec.workers, meanStaleness: s.mean, meanSe: s.meanSe, pZero: s.pZero, pZeroSe: s.pZeroSe, warmups: Array.from(s.warmups), samples: s.staleness.length, histogram: Array.from(s.histogram), fits: s.fits.filter((x) => x.model !== 'empirical').map((x) => ({ model: x.model, params: x.params, distance: x.distance })) })),
  };
  const files: string[] = [];
  if (stage) {
    await stage.run(async (dir) => {
      const cols: number[][] = [[], [], [], [], [], [], []];
      for (const s of sims) {
        const pmf = (model: string) => s.fits.find((x) => x.model === model)!.pmf;
        for (let t = 0; t < s.histogram.length; t++) [s.spec.workers, t, s.histogram[t], pmf('geometric')[t], pmf('uniform')[t], pmf('poisson')[t], pmf('cmp')[t]].forEach((v, j) => cols[j].push(v));
      }
      writeCsv(join(dir, 'staleness.csv'), { columns: ['workers', 'tau', 'observed', 'geometric', 'uniform', 'poisson', 'cmp'], data: cols });
      const html = join(dir, 'staleness.html');
      writeFigureHtml(html, stalenessFigure(sims, settings), plotlyMode(values));
      files.push('staleness.csv', 'staleness.html');
      const png = await writePng(html, join(dir, 'staleness.png'), io, values['no-png'] === true);
      if (png) files.push('staleness.png');
      files.push('staleness.json');
      writeFileAtomic(join(dir, 'staleness.json'), JSON.stringify({ ...summary, files }, null, 2) + '\n');
    });
  }
  if (values.json) io.out(JSON.stringify({ ...summary, files }) + '\n');
  else {
    if (sims.length === 1) io.out(stalenessHistogramText(sims[0]));
    io.out(stalenessTableText(sims));
    if (outDir) io.out(`wrote ${files.map((f) => join(outDir, f)).join(', ')}\n`);
  }
  return EXIT.ok;
}

/** A sweep's sweep.json, or a ConfigError naming `field` if it is not one (empty, null, truncated, foreign). */
function readSweepManifest(file: string, field: string): { settings: unknown; shard?: unknown } {
  let m: unknown;
  try {
    m = JSON.parse(readInputText(file, field));
    checkJsonTree(m, field);
  } catch (e) {
    const why = e instanceof ConfigError ? e.reason : (e as Error).message;
    throw new ConfigError(field, `${file} is not a sweep manifest (${why}); remove it or choose another directory`);
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m) || !('settings' in m) || (m as { tool?: unknown }).tool !== 'asgd-sdde') {
    throw new ConfigError(field, `${file} is not a sweep manifest of asgd-sdde; remove it or choose another directory`);
  }
  return m as { settings: unknown; shard?: unknown };
}

async function cmdSweep(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, shard: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' } } });
  const { file, raw } = readConfigFile(positionals, 'sweep');
  const sw = await import('../sweep/sweep.ts');
  const { runPreparedSweep, sweepWarning } = await import('../sweep/run.ts');
  const prepared = sw.prepareSweep(raw);
  const warning = sweepWarning(prepared);
  if (warning) io.err(`warning: ${warning}\n`);
  const shard = sw.parseShard(values.shard);
  const threads = positiveIntOption(values.threads, '--threads', availableParallelism(), 256);
  const outDir = outDirOption(values.out, join('results', basename(file).replace(/\.json$/i, '')));
  checkOutDir(outDir);
  const header = sw.csvHeader(prepared.keys, prepared.spec.metric);
  const manifest = { tool: 'asgd-sdde', version: VERSION, command: 'sweep', config: basename(file), settings: raw, seed: prepared.seed, points: prepared.points.length, shard: `${shard.i}/${shard.n}` };
  const manifestFile = join(outDir, 'sweep.json');
  if (existsSync(manifestFile)) {
    const old = readSweepManifest(manifestFile, '--out');
    if (JSON.stringify(old.settings) !== JSON.stringify(raw) || old.shard !== manifest.shard) throw new ConfigError('--out', `${outDir} holds a different sweep (or shard); choose another directory`);
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
    const { rows, dropped } = sw.readRows(outDir, header, { points: prepared.points, shard, paths: prepared.spec.paths }); // resume: the finished points
    for (const d of dropped.slice(0, 10)) io.err(`note: recomputing a row of ${join(outDir, 'sweep.csv')} that ${d.reason}: ${JSON.stringify(d.line.slice(0, 120))}\n`);
    if (dropped.length > 10) io.err(`note: … and ${dropped.length - 10} more bad rows recomputed\n`);
    const timings = sw.readTimings(outDir);
    for (const i of [...timings.keys()]) if (!rows.has(i)) timings.delete(i);
    writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
    sw.writeRows(outDir, header, rows); // a header-only table from the start: a shard with no points still has one
    const mine = prepared.points.filter((p) => p.index % shard.n === shard.i);
    const kept = mine.filter((p) => rows.has(p.index)).length;
    const started = performance.now();
    let done = 0;
    const report = (finished: number, extra: string) => {
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? (elapsed / done) * (mine.length - finished) : NaN;
      if (io.isTTY) {
        const width = 24;
        const filled = Math.round((finished / mine.length) * width);
        io.err(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${mine.length} points, ETA ${formatDuration(eta)} ${extra.slice(0, 60)}\x1b[K`);
      } else io.err(`${finished}/${mine.length} points (ETA ${formatDuration(eta)}) ${extra}\n`);
    };
    if (rows.size) report(kept, `resuming: ${kept} finished points kept`);
    const result = await runPreparedSweep(prepared, {
      threads,
      shard,
      done: [...rows.values()].map((line) => sw.parseRow(line, prepared.keys)),
      onPoint: (r, finished) => {
        rows.set(r.point, sw.csvRow(r));
        timings.set(r.point, r.seconds);
        sw.writeRows(outDir, header, rows); // atomically, after every point
        sw.writeTimings(outDir, timings);
        done++;
        report(finished, `point ${r.point}: ${prepared.keys.map((k, j) => `${k}=${JSON.stringify(r.values[j])}`).join(' ')} → ${r.metric}`);
      },
    });
    if (io.isTTY) io.err('\n');
    await writeSweepFigure(outDir, prepared.keys, prepared.spec.metric, rows, values['no-png'] === true, plotlyMode(values), io, result.caption);
    const summary = { ...manifest, outDir, threads: result.threads, finished: result.rows.length, seconds: result.seconds, rows: result.rows.map((r) => ({ point: r.point, values: r.values, [prepared.spec.metric]: Number.isFinite(r.metric) ? r.metric : null, se: Number.isFinite(r.se) ? r.se : null, diverged: r.diverged })), fits: result.fits };
    io.out(values.json ? JSON.stringify(summary) + '\n' : `sweep: ${summary.finished}/${mine.length} points in ${join(outDir, 'sweep.csv')}\n${result.fits.map((f) => `  exponent in ${f.against === 'x' ? f.key : `${f.key} + 1`} (${f.series}): ${f.exponent.toFixed(3)} (95% CI ${f.ci95[0].toFixed(3)} … ${f.ci95[1].toFixed(3)})`).join('\n')}${result.fits.length ? '\n' : ''}`);
    return EXIT.ok;
  } catch (e) {
    throw outputFailure(e, outDir);
  } finally {
    lock.release();
    dirLock.release();
  }
}

async function writeSweepFigure(outDir: string, keys: string[], metric: string, rows: Map<number, string>, noPng: boolean, plotly: PlotlyMode, io: Io, caption: string): Promise<void> {
  const { parseRow } = await import('../sweep/sweep.ts');
  const { sweepFigure } = await import('../sweep/figure.ts');
  const parsed = [...rows.values()].map((line) => parseRow(line, keys)).sort((a, b) => a.point - b.point);
  const html = join(outDir, 'sweep.html');
  writeFigureHtml(html, sweepFigure(keys, metric, parsed, caption), plotly);
  await writePng(html, join(outDir, 'sweep.png'), io, noPng);
}

/** merge's hold on OUT_DIR's sweep lock (the directory is created for it when missing, and removed again if the lock is refused). */
function takeMergeLock(out: string) {
  return takeDirLock(out, '.sweep.lock', 'OUT_DIR', 'merge');
}

async function cmdMerge(args: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' } } });
  if (positionals.length < 2) throw new UsageError('merge needs OUT_DIR and at least one SHARD_DIR');
  for (const p of positionals) if (p.trim() === '') throw new ConfigError('merge', 'OUT_DIR and SHARD_DIR must name directories, got an empty string');
  const [out, ...shards] = positionals.map((p) => resolve(p));
  const sw = await import('../sweep/sweep.ts');
  const { sweepCaption } = await import('../sweep/run.ts');
  let settings: unknown;
  let prepared: ReturnType<typeof sw.prepareSweep> | undefined;
  let header = '';
  const rows = new Map<number, string>();
  for (const dir of shards) {
    const mf = join(dir, 'sweep.json');
    if (!existsSync(mf)) throw new ConfigError('SHARD_DIR', `${dir} has no sweep.json`);
    const m = readSweepManifest(mf, 'SHARD_DIR');
    if (settings === undefined) {
      settings = m.settings;
      prepared = sw.prepareSweep(settings);
      header = sw.csvHeader(prepared.keys, prepared.spec.metric);
    } else if (JSON.stringify(settings) !== JSON.stringify(m.settings)) throw new ConfigError('SHARD_DIR', `${dir} is a shard of a different sweep`);
    const shard = typeof m.shard === 'string' ? sw.parseShard(m.shard) : { i: 0, n: 1 };
    const read = sw.readRows(dir, header, { points: prepared!.points, shard, paths: prepared!.spec.paths });
    // a shard's table is merged only whole: a bad row is refused, not silently dropped
    if (read.dropped.length) throw new ConfigError('SHARD_DIR', `${join(dir, 'sweep.csv')} has a row that ${read.dropped[0].reason}: ${JSON.stringify(read.dropped[0].line.slice(0, 120))}; rerun that shard (it recomputes bad rows) and merge again`);
    for (const [i, line] of read.rows) {
      if (rows.has(i) && rows.get(i) !== line) throw new ConfigError('SHARD_DIR', `point ${i} differs between shards`);
      rows.set(i, line);
    }
  }
  checkOutDir(out, 'OUT_DIR');
  if (existsSync(join(out, 'sweep.json'))) {
    const old = readSweepManifest(join(out, 'sweep.json'), 'OUT_DIR');
    if (JSON.stringify(old.settings) !== JSON.stringify(settings)) throw new ConfigError('OUT_DIR', `${out} holds a different sweep; choose another directory`);
  }
  const p = prepared!;
  // a sweep still writing into OUT_DIR holds its lock: refused by name, as a second sweep would be
  // (created for the lock if it does not exist yet: a sweep starting meanwhile is refused, not raced)
  const lock = takeMergeLock(out);
  try {
    // the merged table replaces the one of the same sweep: published together, sweep.json last
    const stage = new Stage({ dir: out, field: 'OUT_DIR', force: true, ours: isSweepFile, marker: 'sweep.json', verify: false, command: 'merge', note: noteTo(io) });
    await stage.run(async (dir) => {
      sw.writeRows(dir, header, rows);
      await writeSweepFigure(dir, p.keys, p.spec.metric, rows, values['no-png'] === true, plotlyMode(values), io, `${sweepCaption(p)}\n\nMerged from ${shards.length} shards.`);
      writeFileAtomic(join(dir, 'sweep.json'), JSON.stringify({ tool: 'asgd-sdde', version: VERSION, command: 'merge', settings, seed: p.seed, points: p.points.length, merged: shards, shard: '0/1', files: ['sweep.csv', 'sweep.html', ...(existsSync(join(dir, 'sweep.png')) ? ['sweep.png'] : [])] }, null, 2) + '\n');
    });
  } finally {
    lock.release();
  }
  const missing = p.points.length - rows.size;
  io.out(`merged ${rows.size}/${p.points.length} points into ${join(out, 'sweep.csv')}${missing ? ` (${missing} missing)` : ''}\n`);
  return EXIT.ok;
}

async function cmdExplore(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { port: { type: 'string' }, build: { type: 'string' } } });
  if (positionals.length) throw new UsageError(`explore takes no positional arguments, got ${positionals.join(' ')}`);
  if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) throw new ConfigError('--port', `must be an integer in [0, 65535], got ${JSON.stringify(values.port)}`);
  const port = values.port === undefined ? 8765 : Number(values.port);
  if (port > 65535) throw new ConfigError('--port', `must be an integer in [0, 65535], got ${JSON.stringify(values.port)}`);
  if (values.build !== undefined && values.build.trim() === '') throw new ConfigError('--build', 'must name a directory, got an empty string');
  const { buildExplorer, explorerFiles } = await import('../explorer/build.ts');
  if (values.build !== undefined) {
    const dir = outDirOption(values.build, '', '--build');
    checkOutDir(dir, '--build');
    buildExplorer(dir);
    io.out(`explorer written to ${dir} (open index.html through any static web server)\n`);
    return EXIT.ok;
  }
  const { serveFiles } = await import('../explorer/serve.ts');
  const { url } = await serveFiles(explorerFiles(), port);
  io.out(`asgd-sdde explorer at ${url} (Ctrl-C to stop)\n`);
  await new Promise(() => {}); // serve until interrupted
  return EXIT.ok;
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  run: cmdRun,
  fig1: cmdFig1,
  check: cmdCheck,
  staleness: cmdStaleness,
  sweep: cmdSweep,
  merge: cmdMerge,
  explore: cmdExplore,
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return EXIT.ok;
      case '--version':
      case 'version':
        io.out(`${VERSION}\n`);
        return EXIT.ok;
      default: {
        const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined; // not "toString" &c.
        if (!run) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
        if (rest.includes('--help')) return io.out(HELP), EXIT.ok;
        return await run(rest, io);
      }
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`error: ${e.message}\n`);
      return EXIT.badInput;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`error: ${(e as Error).message}\nRun 'asgd-sdde help' for usage.\n`);
      return EXIT.badInput;
    }
    io.err(`internal error: ${(e as Error).message}\n`);
    if (process.env.ASGD_SDDE_DEBUG) io.err(`${(e as Error).stack}\n`);
    return EXIT.fault;
  }
}
