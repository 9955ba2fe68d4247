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

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/** `--at`: an ISO 8601 date (UTC) or date-time with a zone; now when absent. */
export function parseAt(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const date = ISO_WITH_ZONE.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(`--at expects an ISO 8601 date (YYYY-MM-DD, taken as UTC) or date-time with a zone, e.g. 2025-01-01T00:00:00Z; got "${text}"`);
  }
  return date;
}

/** ISO 8601 without milliseconds. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
