/**
 * Option validation for the gate: every option checked once, at construction, with a TypeError
 * that names the option, says what was expected and what was found, and suggests the intended
 * name for a misspelled key.
 */
import { parseCertificates } from '../cert/parse.js';
import type { CertificateModel } from '../cert/types.js';
import { isClientCertError } from '../errors.js';
import { headerSource } from '../sources/header.js';
import { tlsSource } from '../sources/tls.js';
import type { HeaderSourceOptions } from '../sources/header.js';
import type { ClientCertificateSource } from '../sources/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import { compileIdentities, type Identity } from '../verify/identities.js';
import { compilePins, type Pin } from '../verify/pins.js';
import { compileRevocationPolicy, type CompiledRevocationPolicy } from '../verify/revocation/policy.js';
import { createJsonLogger, silentLogger, type GateLogger } from './logger.js';
import type { CertificateInput, ClientCertGateOptions, ExpiringSoonEvent, Purpose, RevocationChecker, Verdict } from './types.js';

/** Every option name `createClientCertGate` accepts. */
export const GATE_OPTION_NAMES = [
  'trustAnchors',
  'intermediates',
  'pins',
  'pinFile',
  'identities',
  'identitiesFile',
  'purpose',
  'maxDepth',
  'clockSkewSeconds',
  'expiryWarningDays',
  'logger',
  'now',
  'optional',
  'onError',
  'cache',
  'watch',
  'source',
  'revocation',
  'onExpiringSoon',
  'onVerdict',
] as const satisfies ReadonlyArray<keyof ClientCertGateOptions>;

/** Every option name of the `cache` option. */
export const CACHE_OPTION_NAMES = ['chains'] as const satisfies ReadonlyArray<keyof NonNullable<ClientCertGateOptions['cache']>>;

export const DEFAULT_MAX_DEPTH = 8;
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;
export const DEFAULT_CHAIN_CACHE = 1000;
const MAX_CLOCK_SKEW = 86_400;

/** The validated, frozen form of the options. */
export interface CompiledOptions {
  readonly trustAnchors: readonly CertificateModel[];
  readonly intermediates: readonly CertificateModel[];
  readonly pins: readonly Pin[];
  readonly pinFile: string | undefined;
  /** True when `pins` or `pinFile` was given: the leaf must then match a pin (an empty list rejects all). */
  readonly pinsConfigured: boolean;
  readonly identities: readonly Identity[];
  readonly identitiesFile: string | undefined;
  /** True when `identities` or `identitiesFile` was given. */
  readonly identitiesConfigured: boolean;
  readonly purpose: Purpose;
  readonly maxDepth: number;
  readonly clockSkewSeconds: number;
  readonly expiryWarningDays: number;
  readonly logger: GateLogger;
  /** The clock, in ms since epoch. */
  readonly now: () => number;
  readonly optional: boolean;
  readonly onError: 'respond' | 'next';
  readonly chainCacheSize: number;
  readonly watch: boolean;
  readonly source: ClientCertificateSource;
  /** A custom checker given as the `revocation` option. */
  readonly revocation: RevocationChecker | undefined;
  /** The built-in CRL/OCSP policy given as the `revocation` option (mode not 'off'). */
  readonly revocationPolicy: CompiledRevocationPolicy | undefined;
  /** See `ClientCertGateOptions.onExpiringSoon`. */
  readonly onExpiringSoon: ((event: ExpiringSoonEvent) => void) | undefined;
  /** See `ClientCertGateOptions.onVerdict`. */
  readonly onVerdict: ClientCertGateOptions['onVerdict'];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function fail(option: string, expected: string, found: unknown, extra = ''): never {
  throw new TypeError(`certgate: option "${option}" must be ${expected}, found ${describe(found)}${extra}`);
}

/** Throws a TypeError for any key of `options` not in `known`, with a "did you mean" hint. */
export function assertKnownKeys(options: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`certgate: unknown ${what} option "${key}"${didYouMean(key, known)}. Known options: ${known.join(', ')}`);
    }
  }
}

function isCertificateModel(value: unknown): value is CertificateModel {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { der?: unknown }).der instanceof Uint8Array &&
    typeof (value as { sha256?: unknown }).sha256 === 'string' &&
    typeof (value as { subject?: unknown }).subject === 'object'
  );
}

/** Parses certificates given as PEM/DER/parsed, one or a list. Re-parses models from their DER so every certificate is ours. */
export function certificatesOption(option: string, value: unknown, required: boolean): CertificateModel[] {
  if (value === undefined) {
    if (required) fail(option, 'one or more certificates (PEM text, DER bytes or parsed certificates)', value);
    return [];
  }
  const items: unknown[] = Array.isArray(value) ? value : [value];
  const out: CertificateModel[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const where = Array.isArray(value) ? `${option}[${i}]` : option;
    let parsed: CertificateModel[];
    if (isCertificateModel(item)) {
      parsed = parseCertificates(item.der);
    } else if (typeof item === 'string' || item instanceof Uint8Array) {
      try {
        parsed = parseCertificates(item);
      } catch (error) {
        const hint = typeof item === 'string' && !item.includes('-----') && item.length < 4096 && /[/\\.]/.test(item)
          ? ' (it looks like a file path: pass the file\'s content, e.g. readFileSync(path))'
          : '';
        throw new TypeError(`certgate: option "${where}" is not a certificate: ${error instanceof Error ? error.message : String(error)}${hint}`, { cause: error });
      }
    } else {
      fail(where, 'PEM text, DER bytes or a parsed certificate', item);
    }
    for (const cert of parsed) {
      if (!seen.has(cert.sha256)) {
        seen.add(cert.sha256);
        out.push(cert);
      }
    }
  });
  if (required && out.length === 0) fail(option, 'at least one certificate', value);
  return out;
}

function booleanOption(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'true or false', value);
  return value;
}

function integerOption(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function numberOption(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(option, `a number from ${min} to ${max}`, value);
  return value;
}

function functionOption<T>(option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') fail(option, 'a function', value);
  return value as T;
}

function pathOption(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'a file path', value);
  return value;
}

function loggerOption(value: unknown): GateLogger {
  if (value === undefined) return createJsonLogger();
  if (value === false) return silentLogger;
  if (typeof value !== 'object' || value === null) fail('logger', 'a pino-compatible logger ({ info, warn, error }) or false', value);
  for (const method of ['info', 'warn', 'error'] as const) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      fail('logger', 'a pino-compatible logger ({ info, warn, error }) or false', value, ` (it has no ${method}() method)`);
    }
  }
  const logger = value as GateLogger;
  // Bound to the logger so pino's methods keep their `this`.
  return { info: logger.info.bind(logger), warn: logger.warn.bind(logger), error: logger.error.bind(logger) };
}

function clockOption(value: unknown): () => number {
  const fn = functionOption<() => Date | number>('now', value);
  if (fn === undefined) return Date.now;
  return () => {
    const t = fn();
    const ms = t instanceof Date ? t.getTime() : t;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError(`certgate: option "now" returned ${describe(t)}, expected a Date or ms since epoch`);
    return ms;
  };
}

function enumOption<T extends string>(option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(option, allowed.map((a) => `"${a}"`).join(' or '), value, typeof value === 'string' ? didYouMean(value, allowed) : '');
  }
  return value as T;
}

function sourceOption(value: unknown, logger: GateLogger): ClientCertificateSource {
  if (value === undefined || value === 'tls') return tlsSource();
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'header' in value) {
    return configToTypeError(() => headerSource(value as HeaderSourceOptions, { logger }));
  }
  if (typeof value === 'object' && value !== null && typeof (value as ClientCertificateSource).read === 'function' && typeof (value as ClientCertificateSource).name === 'string') {
    return value as ClientCertificateSource;
  }
  return fail('source', '"tls", a proxy header source ({ header, trustedProxies }) or a certificate source ({ name, read(request) })', value);
}

function revocationOption(value: unknown): { checker: RevocationChecker | undefined; policy: CompiledRevocationPolicy | undefined } {
  if (value === undefined || value === 'off') return { checker: undefined, policy: undefined };
  if (typeof value === 'object' && value !== null && typeof (value as RevocationChecker).check === 'function' && typeof (value as RevocationChecker).name === 'string') {
    return { checker: value as RevocationChecker, policy: undefined };
  }
  if (typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value))) {
    const policy = configToTypeError(() => compileRevocationPolicy(value));
    return { checker: undefined, policy: policy.mode === 'off' ? undefined : policy };
  }
  return fail('revocation', '"off", "soft-fail", "hard-fail", a policy { mode, crl?, ocsp?, cacheTtlSeconds? } or a revocation checker ({ name, check(path, at) })', value);
}

function configToTypeError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isClientCertError(error)) throw new TypeError(`certgate: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Validates `options` and returns their compiled, frozen form (files are not read here).
 *
 * @throws TypeError naming the bad option.
 */
export function compileOptions(options: unknown): CompiledOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`certgate: options must be an object, found ${describe(options)}`);
  }
  assertKnownKeys(options, GATE_OPTION_NAMES, 'client certificate');
  const o = options as Record<string, unknown>;
  const cache = o['cache'];
  if (cache !== undefined && (typeof cache !== 'object' || cache === null || Array.isArray(cache))) fail('cache', 'an object { chains }', cache);
  if (cache !== undefined) assertKnownKeys(cache, CACHE_OPTION_NAMES, 'cache');
  const pinsInput = o['pins'];
  if (pinsInput !== undefined && !Array.isArray(pinsInput)) fail('pins', 'an array of pins', pinsInput);
  const identitiesInput = o['identities'];
  if (identitiesInput !== undefined && !Array.isArray(identitiesInput)) fail('identities', 'an array of identities', identitiesInput);

  const logger = loggerOption(o['logger']);
  const revocation = revocationOption(o['revocation']);
  const compiled: CompiledOptions = {
    trustAnchors: Object.freeze(certificatesOption('trustAnchors', o['trustAnchors'], true)),
    intermediates: Object.freeze(certificatesOption('intermediates', o['intermediates'], false)),
    pins: Object.freeze(pinsInput === undefined ? [] : configToTypeError(() => compilePins(pinsInput, 'pins'))),
    pinFile: pathOption('pinFile', o['pinFile']),
    pinsConfigured: pinsInput !== undefined || o['pinFile'] !== undefined,
    identities: Object.freeze(identitiesInput === undefined ? [] : configToTypeError(() => compileIdentities(identitiesInput, 'identities'))),
    identitiesFile: pathOption('identitiesFile', o['identitiesFile']),
    identitiesConfigured: identitiesInput !== undefined || o['identitiesFile'] !== undefined,
    purpose: enumOption<Purpose>('purpose', o['purpose'], ['client', 'server', 'any'], 'client'),
    maxDepth: integerOption('maxDepth', o['maxDepth'], DEFAULT_MAX_DEPTH, 0, 16),
    clockSkewSeconds: integerOption('clockSkewSeconds', o['clockSkewSeconds'], 0, 0, MAX_CLOCK_SKEW),
    expiryWarningDays: numberOption('expiryWarningDays', o['expiryWarningDays'], DEFAULT_EXPIRY_WARNING_DAYS, 0, 3650),
    logger,
    now: clockOption(o['now']),
    optional: booleanOption('optional', o['optional'], false),
    onError: enumOption('onError', o['onError'], ['respond', 'next'], 'respond'),
    chainCacheSize: integerOption('cache.chains', (cache as Record<string, unknown> | undefined)?.['chains'], DEFAULT_CHAIN_CACHE, 1, 1_000_000),
    watch: booleanOption('watch', o['watch'], true),
    source: sourceOption(o['source'], logger),
    revocation: revocation.checker,
    revocationPolicy: revocation.policy,
    onExpiringSoon: functionOption('onExpiringSoon', o['onExpiringSoon']),
    onVerdict: functionOption<(verdict: Verdict) => void>('onVerdict', o['onVerdict']),
  };
  return Object.freeze(compiled);
}
