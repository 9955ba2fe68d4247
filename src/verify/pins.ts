/**
 * Pins: which validated certificates are allowed, by fields that identify one certificate or one
 * key, each pin with a label and an optional validity window so old and new certificates can
 * overlap during a rotation.
 *
 * A pin's fields (all given fields must match):
 * - `spkiSha256`: SHA-256 of the SubjectPublicKeyInfo, base64 (optionally `sha256/`-prefixed, as in
 *   HPKP), base64url or hex (colons allowed);
 * - `certSha256`: SHA-256 of the DER certificate, hex (colons and spaces allowed);
 * - `serial` + `issuer`: the serial number in hex (leading zero bytes and case ignored) and the
 *   issuer DN as a string (compared with RFC 5280 name equality). A serial is only unique per
 *   issuer, so a serial without an issuer is refused;
 * - `subject`: the subject DN as a string;
 * - `subjectEmail`: an email address in the certificate (SAN rfc822Name or subject emailAddress);
 *   the local part is compared exactly, the domain case-insensitively;
 * - `certificate`: a PEM (literal `\n` escapes allowed); pins exactly that certificate (its
 *   SHA-256), and the pin's window defaults to the certificate's validity.
 *
 * A pin whose `notAfter` is past never matches; callers report it loudly (see `ListMatch`).
 *
 * DN strings may be written most specific first (RFC 4514, `CN=...,O=...,C=GB`, as
 * `DistinguishedName.toString()` and `certgate inspect` print them) or most general first
 * (`C=GB, O=..., CN=...`, OpenSSL's order): the text of a DN does not say which, both are in wide
 * use, and a trusted CA whose name is another CA's name reversed does not exist in practice. The
 * comparison itself is RFC 5280 name equality (case folding, whitespace compression) on the
 * parsed attributes, never a substring or prefix match.
 */
import { ClientCertError } from '../errors.js';
import { parseNameString, type ParsedNameString } from '../cert/name-string.js';
import { parseCertificate } from '../cert/parse.js';
import type { CertificateModel, DistinguishedName } from '../cert/types.js';
import { didYouMean } from '../util/did-you-mean.js';

/** The fields a pin or an identity's `match` may use. */
export interface PinFields {
  /** SHA-256 of the SubjectPublicKeyInfo: base64, base64url, `sha256/<base64>` or hex. */
  readonly spkiSha256?: string;
  /** SHA-256 of the DER certificate: hex, colons allowed. */
  readonly certSha256?: string;
  /** Serial number, hex (colons allowed); requires `issuer`. */
  readonly serial?: string;
  /** Issuer DN, e.g. "CN=Example CA,O=Example,C=GB" (either RDN order, see above). */
  readonly issuer?: string;
  /** Subject DN (either RDN order). */
  readonly subject?: string;
  /** An email address the certificate carries. */
  readonly subjectEmail?: string;
  /** A certificate (PEM, literal `\n` allowed): pins exactly that certificate. */
  readonly certificate?: string;
  /** The pin matches from this instant on (ISO 8601 with a time zone, or a Date). */
  readonly notBefore?: string | Date;
  /** The pin matches until this instant (inclusive); after it the pin is expired. */
  readonly notAfter?: string | Date;
}

/** A pin as configured inline or in a pin file. */
export interface PinInput extends PinFields {
  /** A name for logs and `certgate pins list`, e.g. "uptrends-2024". */
  readonly label?: string;
}

/** Compiled, normalised match fields. Frozen. */
export interface CompiledMatch {
  /** Lowercase hex. */
  readonly spkiSha256: string | undefined;
  /** Uppercase hex. */
  readonly certSha256: string | undefined;
  /** Uppercase hex without leading zero bytes. */
  readonly serial: string | undefined;
  readonly issuer: ParsedNameString | undefined;
  readonly subject: ParsedNameString | undefined;
  /** Local part as given, domain lowercased. */
  readonly subjectEmail: string | undefined;
  /** The embedded certificate, when the pin was given as one. */
  readonly certificate: CertificateModel | undefined;
  readonly notBefore: Date | undefined;
  readonly notAfter: Date | undefined;
}

/** A compiled pin. Frozen. */
export interface Pin extends CompiledMatch {
  readonly label: string;
}

/** Where a time lies relative to a pin's window. */
export type PinWindowStatus = 'active' | 'expired' | 'not-yet-valid';

const MATCH_KEYS = ['spkiSha256', 'certSha256', 'serial', 'issuer', 'subject', 'subjectEmail', 'certificate', 'notBefore', 'notAfter'] as const;
const PIN_KEYS = ['label', ...MATCH_KEYS] as const;
const MAX_STRING = 4096;
const MAX_CERTIFICATE_TEXT = 64 * 1024;
/** Upper bound on pins (or identities) in one list: each is compared on every new verdict. */
export const MAX_PINS = 10_000;

function configError(where: string, message: string, cause?: unknown): ClientCertError {
  return new ClientCertError('CONFIG_INVALID', `${where}: ${message}`, cause === undefined ? undefined : { cause });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}`;
  return typeof value;
}

function stringField(where: string, key: string, value: unknown, max = MAX_STRING): string {
  if (typeof value !== 'string') throw configError(where, `"${key}" must be a string, found ${describeValue(value)}`);
  const trimmed = value.trim();
  if (trimmed.length === 0) throw configError(where, `"${key}" is empty`);
  if (trimmed.length > max) throw configError(where, `"${key}" is longer than ${max} characters`);
  return trimmed;
}

/** Normalises an SPKI SHA-256 given as hex, base64, base64url or `sha256/<base64>` to lowercase hex. */
export function normalizeSpkiSha256(value: string): string | undefined {
  let v = value.trim();
  if (/^sha256\//i.test(v)) v = v.slice(7);
  const hex = v.replace(/[:\s]/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return hex.toLowerCase();
  if (/^[A-Za-z0-9+/]{43}=?$/.test(v) || /^[A-Za-z0-9_-]{43}=?$/.test(v)) {
    const bytes = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    // Base64 of 32 bytes has 43 significant characters; the last one carries 2 padding bits
    // that must be zero for the encoding to be canonical.
    if (bytes.length === 32 && bytes.toString('base64').replace(/=+$/, '') === v.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')) {
      return bytes.toString('hex');
    }
  }
  return undefined;
}

/** Normalises a certificate SHA-256 (hex, colons/spaces allowed) to uppercase hex. */
export function normalizeCertSha256(value: string): string | undefined {
  const hex = value.trim().replace(/[:\s]/g, '');
  return /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toUpperCase() : undefined;
}

/**
 * Normalises a serial number in hex (optional `0x`, colons or spaces) to uppercase hex without
 * leading zero bytes, so "00:1A:2B" and "1a2b" compare equal. Undefined when not hex.
 */
export function normalizeSerial(value: string): string | undefined {
  let hex = value.trim().replace(/^0x/i, '').replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex) || hex.length > 128) return undefined;
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

/** Normalises an email address: local part as given, domain lowercased. Undefined when not an address. */
export function normalizeEmail(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1 || /[\s\u0000-\u001f\u007f]/.test(value)) return undefined;
  return `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
}

function timeField(where: string, key: string, value: unknown): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw configError(where, `"${key}" is an invalid Date`);
    return new Date(value.getTime());
  }
  if (typeof value !== 'string') throw configError(where, `"${key}" must be an ISO 8601 time string, found ${describeValue(value)}`);
  const text = value.trim();
  // A time zone is required: a pin window that moves with the server's local zone is a bug.
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) && !/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    throw configError(where, `"${key}" must be an ISO 8601 time with a time zone such as "2025-07-26T23:59:59Z", found ${describeValue(value)}`);
  }
  // A bare date means midnight UTC (ECMAScript parses date-only forms as UTC).
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw configError(where, `"${key}" is not a valid time: ${describeValue(value)}`);
  return new Date(ms);
}

/** Emails of `cert`, normalised like `normalizeEmail`. */
function certificateEmails(cert: CertificateModel): string[] {
  const out: string[] = [];
  for (const email of cert.emails) {
    const normalized = normalizeEmail(email);
    if (normalized !== undefined) out.push(normalized);
  }
  return out;
}

/**
 * Compiles the match fields of a pin or identity. `where` prefixes error messages
 * (e.g. `pins[2] "uptrends-2024"`).
 *
 * @throws ClientCertError CONFIG_INVALID naming the field, what was expected and what was found.
 */
export function compileMatch(input: unknown, where: string, allowedKeys: readonly string[] = MATCH_KEYS): CompiledMatch {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw configError(where, `expected an object of match fields, found ${describeValue(input)}`);
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowedKeys.includes(key)) {
      throw configError(where, `unknown field "${key}"${didYouMean(key, allowedKeys)}; allowed: ${allowedKeys.join(', ')}`);
    }
  }
  const present = (key: string): boolean => record[key] !== undefined;

  let certificate: CertificateModel | undefined;
  if (present('certificate')) {
    const text = stringField(where, 'certificate', record['certificate'], MAX_CERTIFICATE_TEXT);
    try {
      certificate = parseCertificate(text);
    } catch (error) {
      throw configError(where, `"certificate" is not one PEM certificate: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }

  let spkiSha256: string | undefined;
  if (present('spkiSha256')) {
    const raw = stringField(where, 'spkiSha256', record['spkiSha256']);
    spkiSha256 = normalizeSpkiSha256(raw);
    if (spkiSha256 === undefined) {
      throw configError(where, `"spkiSha256" must be a SHA-256 digest as base64 (44 characters) or hex (64 digits), found ${describeValue(raw)}`);
    }
  }
  let certSha256: string | undefined;
  if (present('certSha256')) {
    const raw = stringField(where, 'certSha256', record['certSha256']);
    certSha256 = normalizeCertSha256(raw);
    if (certSha256 === undefined) throw configError(where, `"certSha256" must be 64 hex digits (colons allowed), found ${describeValue(raw)}`);
  }
  let serial: string | undefined;
  if (present('serial')) {
    const raw = stringField(where, 'serial', record['serial']);
    serial = normalizeSerial(raw);
    if (serial === undefined) throw configError(where, `"serial" must be hexadecimal (colons allowed), found ${describeValue(raw)}`);
  }
  const nameField = (key: 'issuer' | 'subject'): ParsedNameString | undefined => {
    if (!present(key)) return undefined;
    const raw = stringField(where, key, record[key]);
    try {
      return parseNameString(raw);
    } catch (error) {
      throw configError(where, `"${key}": ${error instanceof Error ? error.message : String(error)}`, error);
    }
  };
  const issuer = nameField('issuer');
  const subject = nameField('subject');
  let subjectEmail: string | undefined;
  if (present('subjectEmail')) {
    const raw = stringField(where, 'subjectEmail', record['subjectEmail']);
    subjectEmail = normalizeEmail(raw);
    if (subjectEmail === undefined) throw configError(where, `"subjectEmail" must be an email address, found ${describeValue(raw)}`);
  }
  let notBefore = present('notBefore') ? timeField(where, 'notBefore', record['notBefore']) : undefined;
  let notAfter = present('notAfter') ? timeField(where, 'notAfter', record['notAfter']) : undefined;

  if (serial !== undefined && issuer === undefined) {
    throw configError(where, '"serial" needs "issuer": a serial number is only unique per issuing CA, so a serial alone would match any CA\'s certificate with that number');
  }
  if (spkiSha256 === undefined && certSha256 === undefined && serial === undefined && subject === undefined && subjectEmail === undefined && certificate === undefined) {
    throw configError(
      where,
      issuer === undefined
        ? 'no identifying field: give at least one of spkiSha256, certSha256, serial + issuer, subject, subjectEmail or certificate'
        : '"issuer" alone identifies a CA, not a certificate: combine it with serial, subject or subjectEmail (or trust that CA with trustAnchors)',
    );
  }

  if (certificate !== undefined) {
    // Explicit fields next to an embedded certificate must describe that certificate: a mismatch
    // is a pasting mistake that would otherwise leave a pin that never matches.
    const mismatch = (field: string): ClientCertError =>
      configError(where, `"${field}" does not match the embedded certificate (serial ${certificate.serialNumber}, subject ${certificate.subject.toString().slice(0, 120)})`);
    if (certSha256 !== undefined && certSha256 !== certificate.sha256) throw mismatch('certSha256');
    if (spkiSha256 !== undefined && spkiSha256 !== certificate.spkiSha256Hex) throw mismatch('spkiSha256');
    if (serial !== undefined && normalizeSerial(certificate.serialNumber) !== serial) throw mismatch('serial');
    if (issuer !== undefined && !nameMatches(issuer, certificate.issuer)) throw mismatch('issuer');
    if (subject !== undefined && !nameMatches(subject, certificate.subject)) throw mismatch('subject');
    if (subjectEmail !== undefined && !certificateEmails(certificate).includes(subjectEmail)) throw mismatch('subjectEmail');
    certSha256 = certificate.sha256;
    notBefore ??= certificate.notBefore;
    notAfter ??= certificate.notAfter;
  }
  if (notBefore !== undefined && notAfter !== undefined && notBefore.getTime() > notAfter.getTime()) {
    throw configError(where, `"notBefore" (${notBefore.toISOString()}) is after "notAfter" (${notAfter.toISOString()})`);
  }
  return Object.freeze({ spkiSha256, certSha256, serial, issuer, subject, subjectEmail, certificate, notBefore, notAfter });
}

/** A printable label: control characters removed, length bounded. */
function cleanLabel(where: string, value: unknown): string {
  const label = stringField(where, 'label', value, 200);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(label)) throw configError(where, '"label" contains control characters');
  return label;
}

/**
 * Compiles one pin.
 *
 * @param where prefix for error messages, e.g. `pins[0]` or `pins.json: pins[0]`.
 * @throws ClientCertError CONFIG_INVALID.
 */
export function compilePin(input: unknown, where = 'pin'): Pin {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw configError(where, `expected a pin object, found ${describeValue(input)}`);
  }
  const record = input as Record<string, unknown>;
  const label = record['label'] === undefined ? undefined : cleanLabel(where, record['label']);
  const at = label === undefined ? where : `${where} "${label}"`;
  const { label: _ignored, ...fields } = record;
  for (const key of Object.keys(fields)) {
    if (!(PIN_KEYS as readonly string[]).includes(key)) {
      throw configError(at, `unknown field "${key}"${didYouMean(key, PIN_KEYS)}; allowed: ${PIN_KEYS.join(', ')}`);
    }
  }
  const match = compileMatch(fields, at);
  return Object.freeze({ ...match, label: label ?? defaultLabel(match, where) });
}

function defaultLabel(match: CompiledMatch, where: string): string {
  if (match.certificate !== undefined) {
    const c = match.certificate;
    return c.emails[0] ?? c.subject.get('CN') ?? `serial ${c.serialNumber}`;
  }
  return match.subjectEmail ?? (match.serial !== undefined ? `serial ${match.serial}` : where);
}

/** Compiles a list of pins. @throws ClientCertError CONFIG_INVALID. */
export function compilePins(inputs: unknown, where = 'pins'): Pin[] {
  if (!Array.isArray(inputs)) throw configError(where, `expected an array of pins, found ${describeValue(inputs)}`);
  if (inputs.length > MAX_PINS) throw configError(where, `${inputs.length} pins exceed the limit of ${MAX_PINS}`);
  return inputs.map((input, i) => compilePin(input, `${where}[${i}]`));
}

/** RFC 5280 equality of a configured DN string (either RDN order) and a certificate's name. */
export function nameMatches(configured: ParsedNameString, name: DistinguishedName): boolean {
  return configured.matchKey === name.matchKey || configured.reversedMatchKey === name.matchKey;
}

/** True when every field the match gives holds for `cert` (the time window is not considered). */
export function fieldsMatch(match: CompiledMatch, cert: CertificateModel): boolean {
  if (match.certSha256 !== undefined && match.certSha256 !== cert.sha256) return false;
  if (match.spkiSha256 !== undefined && match.spkiSha256 !== cert.spkiSha256Hex) return false;
  if (match.serial !== undefined && match.serial !== normalizeSerial(cert.serialNumber)) return false;
  if (match.issuer !== undefined && !nameMatches(match.issuer, cert.issuer)) return false;
  if (match.subject !== undefined && !nameMatches(match.subject, cert.subject)) return false;
  if (match.subjectEmail !== undefined && !certificateEmails(cert).includes(match.subjectEmail)) return false;
  return true;
}

/** Where `at` (ms since epoch) lies relative to the window. */
export function windowStatus(match: Pick<CompiledMatch, 'notBefore' | 'notAfter'>, at: number): PinWindowStatus {
  if (match.notAfter !== undefined && at > match.notAfter.getTime()) return 'expired';
  if (match.notBefore !== undefined && at < match.notBefore.getTime()) return 'not-yet-valid';
  return 'active';
}

/** Whole days from `at` to the window's end (negative once expired), or undefined without notAfter. */
export function daysRemaining(match: Pick<CompiledMatch, 'notAfter'>, at: number): number | undefined {
  return match.notAfter === undefined ? undefined : Math.floor((match.notAfter.getTime() - at) / 86_400_000);
}

/** The result of matching a certificate against a list (pins, or identities' matches). */
export interface ListMatch<T> {
  /** The first entry, in list order, whose fields match and whose window is active. */
  readonly matched: T | undefined;
  /** Entries whose fields match but whose window has passed: report these loudly. */
  readonly expired: readonly T[];
  /** Entries whose fields match but whose window has not started. */
  readonly notYetValid: readonly T[];
  /** Explanations for near misses that look like configuration mistakes (for logs, never for clients). */
  readonly hints: readonly string[];
}

/** Matches `cert` against `entries`, each with one or more compiled matches. */
export function matchList<T>(entries: readonly T[], matchesOf: (entry: T) => readonly CompiledMatch[], cert: CertificateModel, at: number, describe: (entry: T) => string): ListMatch<T> {
  let matched: T | undefined;
  const expired: T[] = [];
  const notYetValid: T[] = [];
  const hints: string[] = [];
  for (const entry of entries) {
    let best: PinWindowStatus | undefined;
    for (const match of matchesOf(entry)) {
      if (!fieldsMatch(match, cert)) {
        if (match.serial !== undefined && match.issuer !== undefined && match.serial === normalizeSerial(cert.serialNumber) && !nameMatches(match.issuer, cert.issuer)) {
          // Same serial, other issuer: an impostor, or a pin with a mistyped issuer. Server logs only.
          hints.push(`${describe(entry)}: the serial number matches but the issuer is "${cert.issuer.toString().slice(0, 200)}"`);
        }
        continue;
      }
      const status = windowStatus(match, at);
      if (status === 'active') {
        best = 'active';
        break;
      }
      best ??= status;
    }
    if (best === 'active') {
      matched = entry;
      break;
    } else if (best === 'expired') expired.push(entry);
    else if (best === 'not-yet-valid') notYetValid.push(entry);
  }
  return { matched, expired, notYetValid, hints };
}

/** Every time (ms) at which some window in `matches` opens or closes, sorted ascending. */
export function windowBoundaries(matches: Iterable<Pick<CompiledMatch, 'notBefore' | 'notAfter'>>): number[] {
  const out = new Set<number>();
  for (const m of matches) {
    if (m.notBefore !== undefined) out.add(m.notBefore.getTime());
    // notAfter is inclusive: the status changes just after it.
    if (m.notAfter !== undefined) out.add(m.notAfter.getTime() + 1);
  }
  return [...out].sort((a, b) => a - b);
}

/** An immutable set of pins. */
export class PinSet {
  readonly pins: readonly Pin[];
  /** Times (ms) at which some pin's window opens or closes, ascending. */
  readonly boundaries: readonly number[];

  constructor(pins: readonly Pin[]) {
    this.pins = Object.freeze([...pins]);
    this.boundaries = Object.freeze(windowBoundaries(pins));
  }

  /** The number of pins. */
  get size(): number {
    return this.pins.length;
  }

  /** Matches a (validated) leaf certificate at `at` (ms since epoch). */
  match(cert: CertificateModel, at: number): ListMatch<Pin> {
    return matchList(this.pins, (p) => [p], cert, at, (p) => `pin "${p.label}"`);
  }

  /** Pins whose window has passed at `at`. */
  expiredAt(at: number): Pin[] {
    return this.pins.filter((p) => windowStatus(p, at) === 'expired');
  }
}

/** The current pin file format version. */
export const PIN_FILE_VERSION = 1;

/** Parses a JSON container `{ "version": 1, <listKey>: [...] }` and returns the list. */
export function parseVersionedFile(text: string, listKey: string, source: string): unknown[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw configError(source, `not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  if (Array.isArray(data)) {
    throw configError(source, `expected an object { "version": ${PIN_FILE_VERSION}, "${listKey}": [...] }, found a bare array`);
  }
  if (data === null || typeof data !== 'object') throw configError(source, `expected an object { "version": ${PIN_FILE_VERSION}, "${listKey}": [...] }, found ${describeValue(data)}`);
  const record = data as Record<string, unknown>;
  if (record['version'] !== PIN_FILE_VERSION) {
    throw configError(source, `expected "version": ${PIN_FILE_VERSION}, found ${record['version'] === undefined ? 'no version' : JSON.stringify(record['version'])}`);
  }
  for (const key of Object.keys(record)) {
    if (key !== 'version' && key !== listKey && key !== 'comment' && key !== '$schema') {
      throw configError(source, `unknown top-level field "${key}"${didYouMean(key, [listKey])}; expected "version", "${listKey}" and optionally "comment"`);
    }
  }
  const list = record[listKey];
  if (!Array.isArray(list)) throw configError(source, `"${listKey}" must be an array, found ${describeValue(list)}`);
  return list;
}

/**
 * Parses a pin file: `{ "version": 1, "pins": [ { "label": ..., <fields> }, ... ] }`
 * (see docs/pins.md). `source` names the file in error messages.
 *
 * @throws ClientCertError CONFIG_INVALID.
 */
export function parsePinFile(text: string, source = 'pin file'): Pin[] {
  return compilePins(parseVersionedFile(text, 'pins', source), `${source}: pins`);
}

/** A JSON-safe description of a compiled match (for `pins list --json` and logs). */
export function describeMatch(match: CompiledMatch): Record<string, string> {
  const out: Record<string, string> = {};
  if (match.spkiSha256 !== undefined) out['spkiSha256'] = Buffer.from(match.spkiSha256, 'hex').toString('base64');
  if (match.certSha256 !== undefined) out['certSha256'] = match.certSha256;
  if (match.serial !== undefined) out['serial'] = match.serial;
  if (match.issuer !== undefined) out['issuer'] = match.issuer.text;
  if (match.subject !== undefined) out['subject'] = match.subject.text;
  if (match.subjectEmail !== undefined) out['subjectEmail'] = match.subjectEmail;
  if (match.notBefore !== undefined) out['notBefore'] = match.notBefore.toISOString();
  if (match.notAfter !== undefined) out['notAfter'] = match.notAfter.toISOString();
  return out;
}
