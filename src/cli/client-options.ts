/** Options and checks shared by the commands that call a server (`request`, `scenario`). */
import { UsageError } from './command.js';

/** How the client trusts the server, where the test PKI is, and JSON output (parseArgs options). */
export const SERVER_CALL_OPTIONS = {
  pki: { type: 'string' },
  ca: { type: 'string', multiple: true },
  'trust-pki-server': { type: 'boolean' },
  insecure: { type: 'boolean', short: 'k' },
  json: { type: 'boolean' },
} as const;

/** The one positional argument (`what` names it in the error). */
export function onePositional(positionals: readonly string[], what: string): string {
  const [first] = positionals;
  if (first === undefined || positionals.length !== 1) throw new UsageError(`expected one ${what}, found ${positionals.length === 0 ? 'none' : positionals.length}`);
  return first;
}
