/**
 * The one error class of certgate and its table of stable codes.
 *
 * Codes are part of the public API: users switch on them, the middleware maps them to HTTP
 * statuses, and docs/errors.md documents each one (a test keeps the two in sync). Never rename a
 * code; add a new one instead.
 */

/** What each code means, the HTTP status the middleware answers with, and a short title. */
export const ERROR_CODES = {
  CERT_MISSING: { status: 401, title: 'Client certificate required' },
  CERT_MALFORMED: { status: 401, title: 'Client certificate malformed' },
  CERT_EXPIRED: { status: 401, title: 'Client certificate expired' },
  CERT_NOT_YET_VALID: { status: 401, title: 'Client certificate not yet valid' },
  CERT_REVOKED: { status: 401, title: 'Client certificate revoked' },
  REVOCATION_UNKNOWN: { status: 401, title: 'Revocation status unknown' },
  CHAIN_UNTRUSTED: { status: 401, title: 'Certificate chain untrusted' },
  CHAIN_TOO_DEEP: { status: 401, title: 'Certificate chain too deep' },
  PATH_BUILDING_LIMIT: { status: 401, title: 'Certificate path building limit reached' },
  SIGNATURE_INVALID: { status: 401, title: 'Certificate signature invalid' },
  WEAK_ALGORITHM: { status: 401, title: 'Weak signature algorithm' },
  WEAK_KEY: { status: 401, title: 'Weak public key' },
  EKU_MISMATCH: { status: 401, title: 'Extended key usage does not allow this purpose' },
  KEY_USAGE_INVALID: { status: 401, title: 'Key usage does not allow this use' },
  BASIC_CONSTRAINTS_VIOLATED: { status: 401, title: 'Basic constraints violated' },
  NAME_CONSTRAINTS_VIOLATED: { status: 401, title: 'Name constraints violated' },
  UNKNOWN_CRITICAL_EXTENSION: { status: 401, title: 'Unknown critical extension' },
  PIN_MISMATCH: { status: 403, title: 'Client certificate not pinned' },
  IDENTITY_UNKNOWN: { status: 403, title: 'Client certificate matches no identity' },
  ROLE_MISSING: { status: 403, title: 'Client identity lacks a required role' },
  HEADER_AMBIGUOUS: { status: 400, title: 'Forwarded client certificate header ambiguous' },
  PROXY_UNTRUSTED: { status: 401, title: 'Forwarded certificate from an untrusted peer' },
  PKCS12_MALFORMED: { status: 500, title: 'PKCS#12 archive malformed' },
  PKCS12_BAD_PASSWORD: { status: 500, title: 'PKCS#12 password wrong' },
  CONFIG_INVALID: { status: 500, title: 'Configuration invalid' },
  // Companion test client (src/client): never answered by the middleware; the status is what a
  // gateway would answer for the same failure.
  CONNECTION_FAILED: { status: 502, title: 'Connection to the server failed' },
  TLS_HANDSHAKE_FAILED: { status: 502, title: 'TLS handshake with the server failed' },
  REQUEST_TIMEOUT: { status: 504, title: 'Request timed out' },
  VAULT_ITEM_UNKNOWN: { status: 500, title: 'Scenario vault item unknown' },
  VARIABLE_UNKNOWN: { status: 500, title: 'Scenario variable unknown' },
  ENV_VAR_MISSING: { status: 500, title: 'Environment variable missing' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

/** A stable string code that users can switch on. */
export type ClientCertErrorCode = keyof typeof ERROR_CODES;

/** Extra, non-secret facts about a failure (which certificate, what was expected and found). */
export interface ClientCertErrorDetails {
  /** Position in the chain (0 = leaf) of the certificate at fault, where one is. */
  readonly depth?: number;
  /** SHA-256 (hex) of the DER of the certificate at fault, where one is. */
  readonly certSha256?: string;
  readonly [key: string]: unknown;
}

/**
 * The error certgate throws and returns. `code` is stable; `message` says what was expected and
 * what was found, and never contains key material, passwords or whole certificates.
 */
export class ClientCertError extends Error {
  override readonly name = 'ClientCertError';
  readonly code: ClientCertErrorCode;
  readonly details: ClientCertErrorDetails | undefined;

  constructor(
    code: ClientCertErrorCode,
    message: string,
    options?: { cause?: unknown; details?: ClientCertErrorDetails },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  /** The HTTP status the middleware answers this code with. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** True for a `ClientCertError`, also across duplicate copies of the package. */
export function isClientCertError(value: unknown): value is ClientCertError {
  if (value instanceof ClientCertError) return true;
  if (!(value instanceof Error) || value.name !== 'ClientCertError') return false;
  const code: unknown = (value as unknown as { code?: unknown }).code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
