/**
 * The revocation policy: what users write, its defaults, and its validation (once, at
 * construction; a bad value is ClientCertError CONFIG_INVALID naming the field).
 */
import { ClientCertError } from '../../errors.js';
import { didYouMean } from '../../util/did-you-mean.js';

/** What to do with a certificate whose revocation status cannot be established. */
export type RevocationMode = 'off' | 'soft-fail' | 'hard-fail';

/** Revocation checking (docs/revocation.md). */
export interface RevocationPolicy {
  /**
   * 'off' (the default): no checking. 'soft-fail': a revoked certificate is rejected
   * (CERT_REVOKED); one whose status cannot be established passes with a logged warning.
   * 'hard-fail': it is rejected too (REVOCATION_UNKNOWN).
   */
  readonly mode: RevocationMode;
  readonly crl?: {
    /** CRL files (PEM or DER), read at construction and re-read before their nextUpdate. */
    readonly files?: string | readonly string[];
    /** Download the CRL from each certificate's CRL distribution point (http/https). Default true. */
    readonly fetch?: boolean;
    /** Download deadline, ms. Default 10000. */
    readonly timeoutMs?: number;
    /** Largest CRL accepted, bytes. Default 10 MiB. */
    readonly maxBytes?: number;
  };
  readonly ocsp?: {
    /** Ask the OCSP responder named in each certificate's AIA. Default true. */
    readonly enabled?: boolean;
    /** Deadline per request, ms. Default 5000. */
    readonly timeoutMs?: number;
    /** Largest response accepted, bytes. Default 64 KiB. */
    readonly maxBytes?: number;
    /** Send a nonce (default true). A response that echoes a nonce must echo ours. */
    readonly nonce?: boolean;
    /** Refuse responses that do not echo the nonce (default false: CDNs serve pre-signed responses). */
    readonly requireNonce?: boolean;
  };
  /**
   * Longest time, seconds, an answer (OCSP response or CRL) is reused before it is fetched again,
   * and the lifetime of one without nextUpdate. Never beyond nextUpdate. Default 3600.
   */
  readonly cacheTtlSeconds?: number;
  /** How long after a failed fetch the same source is not asked again, seconds. Default 30. */
  readonly retryAfterSeconds?: number;
}

/** The validated, defaulted policy. */
export interface CompiledRevocationPolicy {
  readonly mode: RevocationMode;
  readonly crlFiles: readonly string[];
  readonly crlFetch: boolean;
  readonly crlTimeoutMs: number;
  readonly crlMaxBytes: number;
  readonly ocspEnabled: boolean;
  readonly ocspTimeoutMs: number;
  readonly ocspMaxBytes: number;
  readonly ocspNonce: boolean;
  readonly ocspRequireNonce: boolean;
  readonly cacheTtlMs: number;
  readonly retryAfterMs: number;
}

/** The defaults of every revocation policy field (docs/revocation.md). */
export const REVOCATION_DEFAULTS = Object.freeze({
  crlFetch: true,
  crlTimeoutMs: 10_000,
  crlMaxBytes: 10 * 1024 * 1024,
  ocspEnabled: true,
  ocspTimeoutMs: 5_000,
  ocspMaxBytes: 64 * 1024,
  ocspNonce: true,
  ocspRequireNonce: false,
  cacheTtlSeconds: 3_600,
  retryAfterSeconds: 30,
});

const POLICY_KEYS = ['mode', 'crl', 'ocsp', 'cacheTtlSeconds', 'retryAfterSeconds'] as const;
const CRL_KEYS = ['files', 'fetch', 'timeoutMs', 'maxBytes'] as const;
const OCSP_KEYS = ['enabled', 'timeoutMs', 'maxBytes', 'nonce', 'requireNonce'] as const;
const MODES: readonly RevocationMode[] = ['off', 'soft-fail', 'hard-fail'];

function invalid(field: string, expected: string, found: unknown): never {
  const shown = typeof found === 'string' ? JSON.stringify(found.slice(0, 60)) : Array.isArray(found) ? 'an array' : found === null ? 'null' : typeof found === 'object' ? 'an object' : String(found);
  throw new ClientCertError('CONFIG_INVALID', `revocation option "${field}" must be ${expected}, found ${shown}`);
}

function object(field: string, value: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(field, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new ClientCertError('CONFIG_INVALID', `unknown revocation option "${field === '' ? key : `${field}.${key}`}"${didYouMean(key, keys)}. Known: ${keys.join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}

function bool(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') invalid(field, 'true or false', value);
  return value;
}

function int(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) invalid(field, `an integer from ${min} to ${max}`, value);
  return value;
}

/**
 * Validates a revocation policy. Accepts the mode alone as a shorthand ('soft-fail').
 *
 * @throws ClientCertError CONFIG_INVALID naming the field.
 */
export function compileRevocationPolicy(input: unknown): CompiledRevocationPolicy {
  const policy = typeof input === 'string' ? { mode: input } : input;
  const top = object('', policy, POLICY_KEYS);
  if (top === undefined) invalid('revocation', 'an object { mode, crl?, ocsp?, cacheTtlSeconds? }', input);
  const mode = top['mode'];
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
    throw new ClientCertError('CONFIG_INVALID', `revocation option "mode" must be "off", "soft-fail" or "hard-fail", found ${mode === undefined ? 'nothing' : JSON.stringify(mode)}${typeof mode === 'string' ? didYouMean(mode, MODES) : ''}`);
  }
  const crl = object('crl', top['crl'], CRL_KEYS) ?? {};
  const ocsp = object('ocsp', top['ocsp'], OCSP_KEYS) ?? {};
  const filesInput = crl['files'];
  const files = filesInput === undefined ? [] : typeof filesInput === 'string' ? [filesInput] : filesInput;
  if (!Array.isArray(files) || files.some((f) => typeof f !== 'string' || f.trim() === '')) invalid('crl.files', 'a file path or a list of file paths', filesInput);
  const compiled: CompiledRevocationPolicy = {
    mode: mode as RevocationMode,
    crlFiles: Object.freeze([...(files as string[])]),
    crlFetch: bool('crl.fetch', crl['fetch'], REVOCATION_DEFAULTS.crlFetch),
    crlTimeoutMs: int('crl.timeoutMs', crl['timeoutMs'], REVOCATION_DEFAULTS.crlTimeoutMs, 1, 120_000),
    crlMaxBytes: int('crl.maxBytes', crl['maxBytes'], REVOCATION_DEFAULTS.crlMaxBytes, 1024, 256 * 1024 * 1024),
    ocspEnabled: bool('ocsp.enabled', ocsp['enabled'], REVOCATION_DEFAULTS.ocspEnabled),
    ocspTimeoutMs: int('ocsp.timeoutMs', ocsp['timeoutMs'], REVOCATION_DEFAULTS.ocspTimeoutMs, 1, 120_000),
    ocspMaxBytes: int('ocsp.maxBytes', ocsp['maxBytes'], REVOCATION_DEFAULTS.ocspMaxBytes, 1024, 16 * 1024 * 1024),
    ocspNonce: bool('ocsp.nonce', ocsp['nonce'], REVOCATION_DEFAULTS.ocspNonce),
    ocspRequireNonce: bool('ocsp.requireNonce', ocsp['requireNonce'], REVOCATION_DEFAULTS.ocspRequireNonce),
    cacheTtlMs: int('cacheTtlSeconds', top['cacheTtlSeconds'], REVOCATION_DEFAULTS.cacheTtlSeconds, 1, 7 * 86_400) * 1000,
    retryAfterMs: int('retryAfterSeconds', top['retryAfterSeconds'], REVOCATION_DEFAULTS.retryAfterSeconds, 0, 86_400) * 1000,
  };
  if (compiled.ocspRequireNonce && !compiled.ocspNonce) throw new ClientCertError('CONFIG_INVALID', 'revocation option "ocsp.requireNonce" needs "ocsp.nonce" (a nonce cannot be required without sending one)');
  if (compiled.mode !== 'off' && !compiled.ocspEnabled && !compiled.crlFetch && compiled.crlFiles.length === 0) {
    throw new ClientCertError('CONFIG_INVALID', `revocation mode "${compiled.mode}" with no source: enable ocsp, crl.fetch or give crl.files`);
  }
  return Object.freeze(compiled);
}
