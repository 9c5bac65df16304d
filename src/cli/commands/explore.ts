/** `asgd-sdde explore`: serve or build the interactive explorer (see the help text). */
import { ConfigError } from '../../core/errors.ts';
import { checkOutDir, outDirOption } from '../../io/output-dir.ts';
import { EXIT, type Io, UsageError } from '../options.ts';
import { parseCommandArgs } from '../args.ts';

/** `explore`: builds the explorer (--build) and exits 0, or serves it until interrupted. */
export async function cmdExplore(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('explore', args, { port: { type: 'string' }, build: { type: 'string' } });
  if (positionals.length) throw new UsageError(`explore takes no positional arguments, got ${positionals.join(' ')}`);
  if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) throw new ConfigError('--port', `must be an integer in [0, 65535], got ${JSON.stringify(values.port)}`);
  const port = values.port === undefined ? 8765 : Number(values.port);
  if (port > 65535) throw new ConfigError('--port', `must be an integer in [0, 65535], got ${JSON.stringify(values.port)}`);
  if (values.build !== undefined && values.build.trim() === '') throw new ConfigError('--build', 'must name a directory, got an empty string');
  const { buildExplorer, explorerFiles } = await import('../../explorer/build.ts');
  if (values.build !== undefined) {
    const dir = outDirOption(values.build, '', '--build');
    checkOutDir(dir, '--build');
    buildExplorer(dir);
    io.out(`explorer written to ${dir} (open index.html through any static web server)\n`);
    return EXIT.ok;
  }
  const { serveFiles } = await import('../../explorer/serve.ts');
  const { url } = await serveFiles(explorerFiles(), port);
  io.out(`asgd-sdde explorer at ${url} (Ctrl-C to stop)\n`);
  await new Promise(() => {}); // serve until interrupted
  return EXIT.ok;
}
