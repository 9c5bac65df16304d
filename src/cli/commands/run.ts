/** `asgd-sdde run CONFIG.json`: one ASGD run, one SDDE solve, or a pair (see the help text). */
import { basename, join } from 'node:path';
import { prepareExperiment } from '../../experiments/config.ts';
import { estimateRunOutput } from '../../experiments/output-size.ts';
import { runExperiment } from '../../experiments/run.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { writeCsv } from '../../io/csv.ts';
import { outDirOption, Stage } from '../../io/output-dir.ts';
import { writeFigureHtml } from '../../plot/html.ts';
import { VERSION } from '../../version.ts';
import { EXIT, type Io, noteTo, parseSeed, plotlyMode, readConfigFile, writePng } from '../options.ts';
import { parseCommandArgs } from '../args.ts';

/** The files of a run's result: an existing one is only overwritten with --force. */
const RUN_FILES = new Set(['result.json', 'paths.csv', 'figure.html', 'figure.png']);
const isRunFile = (f: string) => RUN_FILES.has(f);

/** `run`: the exit code (0), or throws a ConfigError / UsageError that main() turns into exit 2. */
export async function cmdRun(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('run', args, { seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, force: { type: 'boolean' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' } });
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
