/** `asgd-sdde staleness`: the simulated parameter server's staleness and its fits (see the help text). */
import { join } from 'node:path';
import { type ComputeTimeSpec, validateComputeTime } from '../../asgd/parameter-server.ts';
import { ConfigError } from '../../core/errors.ts';
import { fitSummaries } from '../../delay/fit.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { writeCsv } from '../../io/csv.ts';
import { outDirOption, Stage } from '../../io/output-dir.ts';
import { writeFigureHtml } from '../../plot/html.ts';
import { VERSION } from '../../version.ts';
import { EXIT, type Io, noteTo, parseSeed, plotlyMode, positiveIntOption, UsageError, writePng } from '../options.ts';
import { isStalenessFile, stalenessOnThreads } from './staleness-threads.ts';
import { parseCommandArgs } from '../args.ts';

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

/** `staleness` (simulated, or --threads-real): exit 0, or throws a ConfigError / UsageError (exit 2). */
export async function cmdStaleness(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('staleness', args, {
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
  const { simulateStaleness } = await import('../../experiments/staleness.ts');
  const { stalenessFigure, stalenessTableText, stalenessHistogramText } = await import('../../experiments/staleness-report.ts');
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
    results: sims.map((s) => ({ workers: s.spec.workers, meanStaleness: s.mean, meanSe: s.meanSe, pZero: s.pZero, pZeroSe: s.pZeroSe, warmups: Array.from(s.warmups), samples: s.staleness.length, histogram: Array.from(s.histogram), fits: fitSummaries(s.fits) })),
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
