/** `asgd-sdde fig1`: He et al. (2018) Fig. 1 (see the help text). */
import { join } from 'node:path';
import { COUPLINGS, type Coupling } from '../../bridge/pair.ts';
import { ConfigError } from '../../core/errors.ts';
import { runFig1 } from '../../experiments/fig1.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { writeCsv } from '../../io/csv.ts';
import { outDirOption, Stage } from '../../io/output-dir.ts';
import { writeFigureHtml } from '../../plot/html.ts';
import { VERSION } from '../../version.ts';
import { EXIT, type Io, noteTo, parseSeed, plotlyMode, UsageError, writePng } from '../options.ts';
import { parseCommandArgs } from '../args.ts';

/** The files of the figure: an existing one is only overwritten with --force. */
const isFig1File = (f: string) => /^fig1-path-comparison\.(json|csv|html|png)$/.test(f);

/** `fig1`: the exit code (0), or throws a ConfigError / UsageError that main() turns into exit 2. */
export async function cmdFig1(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('fig1', args, { seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, coupling: { type: 'string' }, 'no-png': { type: 'boolean' }, 'copy-plotly': { type: 'boolean' }, force: { type: 'boolean' } });
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
