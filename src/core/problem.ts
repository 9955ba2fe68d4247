/**
 * RFC 9457 problem details for a rejected request. The body names the stable code and says what
 * was wrong with the certificate; it never carries internals, stack traces or certificate bytes.
 */
import { ERROR_CODES, type ClientCertError, type ClientCertErrorCode } from '../errors.js';
import { safeText } from './logger.js';

/** The media type of every rejection body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Prefix of every problem `type` URI; the code follows (`urn:certgate:error:CERT_EXPIRED`). */
export const PROBLEM_TYPE_PREFIX = 'urn:certgate:error:';

/** An RFC 9457 problem details object with certgate's `code` extension member. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ClientCertErrorCode;
}

/** Details of server-side failures are never shown to a client. */
const GENERIC_DETAIL: Partial<Record<ClientCertErrorCode, string>> = {
  INTERNAL_ERROR: 'The server could not check the client certificate. The failure has been logged.',
  CONFIG_INVALID: 'The server\'s client certificate configuration is invalid. The failure has been logged.',
  PKCS12_MALFORMED: 'The server could not check the client certificate. The failure has been logged.',
  PKCS12_BAD_PASSWORD: 'The server could not check the client certificate. The failure has been logged.',
};

/** The problem details for `error`. */
export function problemFor(error: Pick<ClientCertError, 'code' | 'message'>): ProblemDetails {
  const entry = ERROR_CODES[error.code];
  return {
    type: `${PROBLEM_TYPE_PREFIX}${error.code}`,
    title: entry.title,
    status: entry.status,
    detail: GENERIC_DETAIL[error.code] ?? safeText(error.message, 300),
    code: error.code,
  };
}

/** The parts of a node:http ServerResponse (or Express `res`) used to answer. */
export interface ProblemResponse {
  statusCode: number;
  readonly headersSent: boolean;
  /** Sets a response header. */
  setHeader(name: string, value: string | number): unknown;
  /** Ends the response with `body`. */
  end(body?: string): unknown;
  /** Cuts the connection (used when the headers were already sent). */
  destroy?(error?: Error): unknown;
}

/** Answers with `application/problem+json` for `error`; never throws. */
export function sendProblem(res: ProblemResponse, error: Pick<ClientCertError, 'code' | 'message'>): void {
  try {
    if (res.headersSent) {
      // Too late for a status line: cut the response rather than let it complete as a success.
      res.destroy?.();
      return;
    }
    const problem = problemFor(error);
    const body = JSON.stringify(problem);
    res.statusCode = problem.status;
    res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.setHeader('Cache-Control', 'no-store');
    res.end(body);
  } catch {
    res.destroy?.();
  }
}
