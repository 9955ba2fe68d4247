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
} as const;
