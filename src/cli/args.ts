/**
 * Argument parsing for the CLI's commands: node:util's parseArgs, with an unknown flag refused as a
 * usage error (exit 2) that names the command and suggests the closest of its flags.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './options.ts';
import { didYouMean } from './suggest.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type CommandConfig<O extends Options> = { args: string[]; allowPositionals: true; strict: true; options: O };
/** What parseArgs returns for a command's options: typed values and the positionals. */
export type ParsedCommandArgs<O extends Options> = ReturnType<typeof parseArgs<CommandConfig<O>>>;

/**
 * parseArgs over `args` with positionals allowed and these options; an unknown option becomes a
 * UsageError "unknown option --sed for seed… (did you mean --seed?)".
 */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O): ParsedCommandArgs<O> {
  try {
    return parseArgs<CommandConfig<O>>({ args, allowPositionals: true, strict: true, options });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const given = /'([^']+)'/.exec((e as Error).message)?.[1] ?? '';
      const name = given.replace(/^-+/, '').replace(/=.*$/, '');
      const flags = Object.keys(options).map((o) => `--${o}`);
      throw new UsageError(`unknown option ${given.startsWith('-') ? given : `--${name}`} for '${command}'${didYouMean(`--${name}`, flags)}`, command);
    }
    if (code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError(`${command}: ${(e as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`, command);
    throw e;
  }
}
