/** `asgd-sdde study CONFIG.json`: a study that is not a grid of ensembles — MindTheStep's Fig. 3 under the paper's protocol (see the help text). */
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.ts';
import { outDirOption, Stage } from '../../io/output-dir.ts';
import { writeFigureHtml } from '../../plot/html.ts';
import { VERSION } from '../../version.ts';
import { EXIT, type Io, noteTo, parseSeed, plotlyMode, positiveIntOption, readConfigFile, writePng } from '../options.ts';
import { parseCommandArgs } from '../args.ts';

/** The prefix of every file the Fig. 3 study writes. */
const PREFIX = 'mindthestep-fig3';
/** The files of a study's result: an existing one is only overwritten with --force. */
const isStudyFile = (f: string) => /^mindthestep-fig3(-runs|-summary)?\.(csv|json|html|png)$/.test(f) || f === `${PREFIX}-timings.json`;

/** `study`: exit 0, or throws a ConfigError / UsageError (exit 2) before any output. */
export async function cmdStudy(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('study', args, { seed: { type: 'string' }, out: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' }, force: { type: 'boolean' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' } });
  const { file, raw } = readConfigFile(positionals, 'study');
  const { prepareFig3Study } = await import('../../experiments/mindthestep-fig3-config.ts');
  const { fig3Setups, runFig3Study } = await import('../../experiments/mindthestep-fig3.ts');
  const report = await import('../../experiments/mindthestep-fig3-report.ts');
  const study = prepareFig3Study(raw, parseSeed(values.seed));
  const threads = positiveIntOption(values.threads, '--threads', availableParallelism(), 256);
  fig3Setups(study); // every model built and checked before anything is staged
  const outDir = outDirOption(values.out, join('results', basename(file).replace(/\.json$/i, '')));
  const stage = new Stage({ dir: outDir, force: values.force === true, ours: isStudyFile, marker: `${PREFIX}.json`, volatile: [`${PREFIX}-timings.json`], command: 'study', note: noteTo(io), writes: (f) => isStudyFile(f) && !(values['no-png'] && f === `${PREFIX}.png`) });
  const started = performance.now();
  const { manifest, text } = await stage.run(async (dir) => {
    const result = await runFig3Study(study, { threads, onProgress: (m) => io.err(`… ${m}\n`) });
    const seconds = (performance.now() - started) / 1000;
    writeFileAtomic(join(dir, `${PREFIX}-runs.csv`), report.fig3RunsCsv(result.runs));
    writeFileAtomic(join(dir, `${PREFIX}-summary.csv`), report.fig3SummaryCsv(result.rows));
    const html = join(dir, `${PREFIX}.html`);
    const figure = report.fig3Figure(result);
    writeFigureHtml(html, figure, plotlyMode(values));
    const png = await writePng(html, join(dir, `${PREFIX}.png`), io, values['no-png'] === true);
    // wall-clock time apart, so identical simulated studies give identical bytes
    writeFileAtomic(join(dir, `${PREFIX}-timings.json`), JSON.stringify({ tool: 'asgd-sdde', version: VERSION, command: 'study', seconds, threads, cores: availableParallelism() }, null, 2) + '\n');
    const files = [`${PREFIX}-runs.csv`, `${PREFIX}-summary.csv`, `${PREFIX}.html`, ...(png ? [`${PREFIX}.png`] : []), `${PREFIX}-timings.json`];
    const manifest = { tool: 'asgd-sdde', version: VERSION, command: 'study', kind: study.kind, config: basename(file), seed: study.seed, settings: raw, study, setups: result.setups, rows: result.rows, caption: figure.caption, files: [...files, `${PREFIX}.json`] };
    // the manifest last: it lists the result's files and marks it complete
    writeFileAtomic(join(dir, `${PREFIX}.json`), JSON.stringify(manifest, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    return { manifest, text: report.fig3SummaryText(result), seconds };
  });
  const seconds = (performance.now() - started) / 1000;
  if (values.json) io.out(JSON.stringify({ ...manifest, seconds }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n');
  else io.out(`${text}MindTheStep Fig. 3 study (seed ${study.seed}, ${seconds.toFixed(0)} s): wrote ${manifest.files.map((f) => join(outDir, f)).join(', ')}\n`);
  return EXIT.ok;
}
