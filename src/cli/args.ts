import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

/**
 * `util.parseArgs` in strict mode, with its errors turned into UsageError (exit 2) so an unknown
 * flag or a missing value never surfaces as a stack trace.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config); // strict by default: unknown flags throw
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
