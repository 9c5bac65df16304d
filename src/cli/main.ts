/**
 * The `asgd-sdde` command line. `main(argv, io)` returns the exit code, so tests run it in
 * process.
 *
 * Exit codes: 0 success (a run that diverged is a result, reported with status 'diverged');
 * 2 bad input (unknown command or option, unreadable or invalid config), refused before any
 * output is written; 70 an internal fault (a bug: please report it).
 */
import { ConfigError } from '../core/errors.ts';
import { VERSION } from '../version.ts';
import { cmdCheck } from './commands/check.ts';
import { cmdExamples, EXAMPLES_DIR } from './commands/examples.ts';
import { cmdExplore } from './commands/explore.ts';
import { cmdFig1 } from './commands/fig1.ts';
import { cmdMerge } from './commands/merge.ts';
import { cmdRun } from './commands/run.ts';
import { cmdStaleness } from './commands/staleness.ts';
import { cmdStudy } from './commands/study.ts';
import { cmdSweep } from './commands/sweep.ts';
import { commandHelp, COMMAND_NAMES, overviewHelp } from './help.ts';
import { EXIT, type Io, UsageError } from './options.ts';
import { didYouMean } from './suggest.ts';

export { checkExitCode } from './commands/check.ts';
export { EXIT, type Io } from './options.ts';

const defaultIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), isTTY: process.stderr.isTTY === true };

/** The commands, one file each under commands/. */
const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  run: cmdRun,
  fig1: cmdFig1,
  check: cmdCheck,
  staleness: cmdStaleness,
  sweep: cmdSweep,
  study: cmdStudy,
  merge: cmdMerge,
  explore: cmdExplore,
  examples: cmdExamples,
};

/**
 * Runs `asgd-sdde` with `argv` (without node and the script), writing to `io`; returns the exit
 * code (EXIT) instead of exiting, so tests run it in process.
 */
export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  const known = command !== undefined && Object.hasOwn(COMMANDS, command); // not "toString" &c.
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        io.out(overviewHelp(EXAMPLES_DIR));
        return EXIT.ok;
      case 'help': {
        // `help` alone: the overview; `help COMMAND`: that command's usage, options and examples
        const [topic, ...extra] = rest;
        if (topic === undefined) return io.out(overviewHelp(EXAMPLES_DIR)), EXIT.ok;
        if (topic === '--help' || topic === '-h') return io.out(commandHelp('help')), EXIT.ok;
        if (extra.length) throw new UsageError(`help takes one command, got ${rest.join(' ')}`, 'help');
        if (!COMMAND_NAMES.includes(topic)) throw new UsageError(`unknown command ${JSON.stringify(topic)}${didYouMean(topic, COMMAND_NAMES)}`);
        io.out(commandHelp(topic));
        return EXIT.ok;
      }
      case '--version':
      case 'version':
        io.out(`${VERSION}\n`);
        return EXIT.ok;
      default: {
        if (!known) throw new UsageError(`unknown command ${JSON.stringify(command)}${didYouMean(command, COMMAND_NAMES)}`);
        if (rest.includes('--help') || rest.includes('-h')) return io.out(commandHelp(command)), EXIT.ok;
        return await COMMANDS[command]!(rest, io);
      }
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`error: ${e.message}\n`);
      return EXIT.badInput;
    }
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      // point to the help of the command that was used, when there is one
      const which = e instanceof UsageError && e.command ? e.command : known ? command : undefined;
      io.err(`error: ${(e as Error).message}\nRun 'asgd-sdde ${which ? `${which} --help` : 'help'}' for usage.\n`);
      return EXIT.badInput;
    }
    io.err(`internal error: ${(e as Error).message}\n`);
    if (process.env.ASGD_SDDE_DEBUG) io.err(`${(e as Error).stack}\n`);
    return EXIT.fault;
  }
}
