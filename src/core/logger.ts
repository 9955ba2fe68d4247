/**
 * Logging: a pino-compatible interface, a tiny built-in JSON-lines logger (no dependency), and
 * sanitising of certificate-derived strings before they reach any log.
 */

/** A pino-compatible logger: `logger.warn({ code, subject }, 'message')`. */
export interface GateLogger {
  /** Accepted certificates, reloads (only when the logger's level lets info through). */
  info(obj: Record<string, unknown>, msg?: string): void;
  /** Rejections, expiry warnings, invalid reloads. */
  warn(obj: Record<string, unknown>, msg?: string): void;
  /** Expired pins, configuration errors, internal errors. */
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** Levels of the built-in JSON logger ('silent' writes nothing). */
export type LogLevel = 'info' | 'warn' | 'error' | 'silent';

const LEVELS: Record<Exclude<LogLevel, 'silent'>, number> = { info: 30, warn: 40, error: 50 };

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written (default 'warn'). */
  readonly level?: LogLevel;
  /** Where lines go (default process.stderr). */
  readonly stream?: {
    /** Writes one line (JSON plus newline). */
    write(line: string): unknown;
  };
}

/**
 * A logger writing one JSON object per line, pino-style (`level` as a number, `time` in ms,
 * `msg`), so log shippers that understand pino understand it.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): GateLogger {
  const threshold = options.level === 'silent' ? Number.POSITIVE_INFINITY : LEVELS[options.level ?? 'warn'];
  const write = (level: Exclude<LogLevel, 'silent'>, obj: Record<string, unknown>, msg?: string): void => {
    if (LEVELS[level] < threshold) return;
    const stream = options.stream ?? process.stderr;
    let line: string;
    try {
      line = JSON.stringify({ level: LEVELS[level], time: Date.now(), name: 'certgate', ...obj, msg });
    } catch {
      line = JSON.stringify({ level: LEVELS[level], time: Date.now(), name: 'certgate', msg });
    }
    try {
      stream.write(`${line}\n`);
    } catch {
      // Logging must never break a request.
    }
  };
  return {
    info: (obj, msg) => write('info', obj, msg),
    warn: (obj, msg) => write('warn', obj, msg),
    error: (obj, msg) => write('error', obj, msg),
  };
}

/** A logger that drops everything. */
export const silentLogger: GateLogger = Object.freeze({ info() {}, warn() {}, error() {} });

// C0/C1 controls, DEL, line/paragraph separators and bidi controls: anything that could forge a
// log line or make a name look like another on a terminal.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/gu;

/**
 * A string from a certificate, a header or a client, made safe for a log or a response: unsafe
 * characters as `\uXXXX`, at most `max` characters (an ellipsis marks the cut).
 */
export function safeText(value: unknown, max = 256): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Calls a user-supplied logger method, never letting it throw into the request path. */
export function safeLog(logger: GateLogger, level: 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string): void {
  try {
    logger[level](obj, msg);
  } catch {
    // A broken logger must not turn an accepted request into a failure.
  }
}
