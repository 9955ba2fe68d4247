import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../util/did-you-mean.js';
import { UsageError } from './command.js';

/**
 * `util.parseArgs` in strict mode, with its errors turned into UsageError (exit 2) so an unknown
 * flag or a missing value never surfaces as a stack trace. An unknown option names the closest
 * known one ("unknown option --jsn (did you mean "--json"?)").
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config); // strict by default: unknown flags throw
  } catch (error) {
    throw new UsageError(usageMessage(error, config));
  }
}

function usageMessage(error: unknown, config: ParseArgsConfig): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /^Unknown option '([^']+)'/.exec(message)?.[1];
    if (option !== undefined) {
      const known = Object.entries(config.options ?? {}).flatMap(([name, o]) => [`--${name}`, ...(o.short === undefined ? [] : [`-${o.short}`])]);
      const hint = option.startsWith('--') ? didYouMean(option, known.filter((k) => k.startsWith('--'))) : '';
      return `unknown option ${option}${hint}; known options: ${[...known.filter((k) => k.startsWith('--')), '--help'].sort().join(', ')}`;
    }
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const argument = /^Unexpected argument '([^']*)'/.exec(message)?.[1];
    if (argument !== undefined) return `unexpected argument "${argument}": this command takes options only`;
  }
  return message;
}
