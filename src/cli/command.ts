/** The shape of one CLI command, and the usage error that maps to exit code 2. */

/** Where a command writes. Injected so tests can capture output without spawning a process. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** Working directory for relative paths. */
  readonly cwd: string;
}

export interface Command {
  /** One line for `certgate --help`. */
  readonly summary: string;
  /** Full help text: usage, options, examples. */
  readonly help: string;
  /**
   * Exit codes of a command that does not follow the shared EXIT table (`expiry` uses the
   * monitoring-plugin codes 0/1/2/3); docs/cli.md lists them as that command's exception.
   */
  readonly exitCodes?: readonly (readonly [code: number, meaning: string])[];
  /** Runs the command; resolves to the process exit code. Throw UsageError for bad arguments. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Bad arguments or unreadable input: the CLI prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes shared by every command (documented in docs/cli.md). */
export const EXIT = {
  OK: 0,
  /** The verdict was negative (invalid certificate, failed step, ...). */
  FAILED: 1,
  /** Usage error or unreadable input. */
  USAGE: 2,
  /** No HTTP answer: connection refused, TLS handshake failed, timed out (`certgate request`). */
  CONNECTION: 3,
  /** A bug: an exception the command did not expect (EX_SOFTWARE); the stack goes to stderr. */
  INTERNAL: 70,
} as const;

/** One line per exit code, for docs/cli.md (generated) and the main help. */
export const EXIT_MEANINGS: Readonly<Record<(typeof EXIT)[keyof typeof EXIT], string>> = {
  [EXIT.OK]: 'success: the certificate is valid, the request answered 2xx, every scenario step passed, the file was written',
  [EXIT.FAILED]: 'a negative verdict: invalid certificate or chain, non-2xx answer, a failed scenario step, an expired pin',
  [EXIT.USAGE]: 'usage error or unreadable input: unknown command or option, missing argument, unreadable or malformed file, wrong archive password, missing environment variable',
  [EXIT.CONNECTION]: 'no HTTP answer (`request`): connection refused, TLS handshake failed, timed out; `revocation check`: no source gave a fresh answer (status unknown)',
  [EXIT.INTERNAL]: 'internal error (a bug; please report it with the printed stack trace)',
};
