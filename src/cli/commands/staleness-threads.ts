/** `asgd-sdde staleness --threads-real M[,M…]`: staleness measured on real threads (see the help text). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectiveSpec } from '../../asgd/objectives/spec.ts';
import { ConfigError } from '../../core/errors.ts';
import { fitSummaries } from '../../delay/fit.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { writeCsv } from '../../io/csv.ts';
import { readInputText } from '../../io/input-file.ts';
import { outDirOption, Stage } from '../../io/output-dir.ts';
import { writeFigureHtml } from '../../plot/html.ts';
import { VERSION } from '../../version.ts';
import { EXIT, type Io, parseSeed, noteTo, plotlyMode, positiveIntOption, UsageError, writePng } from '../options.ts';

/** The files of a staleness result (simulated or measured): an existing one is only overwritten with --force. */
export const isStalenessFile = (f: string) => /^staleness\.(json|csv|html|png)$/.test(f);

/** `staleness --threads-real M[,M…]`: measured staleness on real threads beside the simulated server. */
export async function stalenessOnThreads(values: Record<string, string | boolean | undefined>, io: Io): Promise<number> {
  for (const o of ['workers', 'compute', 'replicates', 'mode', 'local', 'global', 'pull-every'] as const) if (values[o] !== undefined) throw new UsageError(`--${o} does not apply to --threads-real (real threads run asynchronous SGD)`);
  const workers = String(values['threads-real']).split(',').map((w) => positiveIntOption(w.trim(), '--threads-real', 4, 256));
  const { MAX_SERVER_BATCH } = await import('../../asgd/threaded-server.ts');
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
  const { objectiveFromSpec } = await import('../../asgd/objectives/spec.ts');
  if (objective.kind === 'expression') throw new ConfigError('--objective', 'expression objectives are not supported on real threads (mathjs in every worker); use a built-in kind (least-squares, logistic, mnist, …)');
  objectiveFromSpec(objective, '--objective'); // refuse a bad objective before any thread starts or any folder is made
  const stage = outDir ? new Stage({ dir: outDir, force: values.force === true, ours: isStalenessFile, marker: 'staleness.json', command: 'staleness', note: noteTo(io) }) : undefined;
  const { measureThreadedStaleness } = await import('../../experiments/threaded-staleness.ts');
  const { ServerThreadPool } = await import('../../asgd/threaded-server-pool.ts');
  const { threadedStalenessFigure, threadedStalenessText } = await import('../../experiments/staleness-report.ts');
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
      measured: { meanStaleness: r.measured.mean, meanSe: r.measured.meanSe, pZero: r.measured.pZero, pZeroSe: r.measured.pZeroSe, sameWorkerRate: r.sameWorkerRate.measured, samples: r.measured.staleness.length, histogram: Array.from(r.measured.histogram), fits: fitSummaries(r.measured.fits) },
      computeTime: r.computeTime,
      simulated: { meanStaleness: r.simulated.mean, meanSe: r.simulated.meanSe, pZero: r.simulated.pZero, sameWorkerRate: r.sameWorkerRate.simulated, histogram: Array.from(r.simulated.histogram), fits: fitSummaries(r.simulated.fits) },
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
