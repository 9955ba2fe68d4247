/**
 * Expiry targets: what `certgate expiry` checks. A target is a certificate file (PEM, DER or
 * PKCS#12), a directory of them, a pin file, an identities file, a named set of pins supplied by
 * the caller (the CLI supplies `uptrends`), or `tls://HOST:PORT` (the certificate that server
 * presents). Loading never throws: a target that cannot be read becomes a failure with a stable
 * code and a message that names the target and never contains secrets.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseCertificates } from '../cert/parse.js';
import { readPkcs12 } from '../cert/pkcs12.js';
import type { CertificateModel } from '../cert/types.js';
import { ClientCertError, isClientCertError, type ClientCertErrorCode } from '../errors.js';
import { FileReadError, readFileBounded } from '../util/read-bounded.js';
import { parseIdentitiesFile, type Identity } from '../verify/identities.js';
import { parsePinFile, type CompiledMatch, type Pin } from '../verify/pins.js';
import { fetchServerCertificate } from './tls-target.js';

/** Largest file read (certificates, archives, pin and identities files). */
export const MAX_TARGET_FILE_BYTES = 1024 * 1024;
/** Most files read from one directory. */
export const MAX_DIRECTORY_FILES = 1000;
/** File name endings a directory target reads. */
export const CERTIFICATE_FILE_EXTENSIONS = ['.pem', '.crt', '.cer', '.der', '.p12', '.pfx'] as const;

/** What kind of thing an item's end of validity belongs to. */
export type ExpiryItemKind = 'certificate' | 'pin' | 'identity';

/** One thing with an end of validity, found in a target. */
export interface ExpiryItem {
  readonly kind: ExpiryItemKind;
  /** Pin label, identity name, or the certificate's CN / email / subject. */
  readonly label: string;
  /** Where it was found: a file path, `tls://host:port`, or a name such as "uptrends (bundled)". */
  readonly source: string;
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  /** Serial number, uppercase hex. */
  readonly serial: string | undefined;
  /** SHA-256 of the certificate DER, uppercase hex (where a certificate is known). */
  readonly sha256: string | undefined;
  /** End of validity; undefined for a pin or identity without one (it never expires). */
  readonly notAfter: Date | undefined;
  /** True for pin and identity windows, whose notAfter instant still matches. */
  readonly endInclusive: boolean;
  /** A remark for the report ("no end date", "superseded by ..."). */
  readonly note?: string;
  /** False: shown in the report but left out of the overall status (e.g. a superseded pin). */
  readonly counted?: boolean;
}

/** A target that could not be read. */
export interface TargetFailure {
  readonly code: ClientCertErrorCode;
  readonly message: string;
}

/** What one target gave. A directory may give items and failures (one per unreadable file). */
export interface TargetResult {
  /** The target as given. */
  readonly target: string;
  readonly items: readonly ExpiryItem[];
  readonly failures: ReadonlyArray<TargetFailure & { readonly source: string }>;
}

/** Options of `loadTarget`. */
export interface LoadTargetOptions {
  /** Base for relative paths (default process.cwd()). */
  readonly cwd?: string;
  /** Password of PKCS#12 archives; without it, archives are tried with the empty password. */
  readonly password?: string;
  /** Where the password comes from, for messages ("$CERT_PASSWORD"); never the password itself. */
  readonly passwordSource?: string;
  /** A reason the password is missing (e.g. "environment variable X is not set"), reported for archives that need one. */
  readonly passwordProblem?: string;
  /** Named targets (e.g. `uptrends`) and the items they stand for. */
  readonly named?: Readonly<Record<string, () => readonly ExpiryItem[] | Promise<readonly ExpiryItem[]>>>;
  /** Deadline for a `tls://` target (ms, default 10 000). */
  readonly timeoutMs?: number;
}

/** A certificate as an item: label from the CN, else the first email, else the whole subject. */
export function certificateItem(cert: CertificateModel, source: string, label?: string): ExpiryItem {
  return {
    kind: 'certificate',
    label: label ?? cert.subject.get('CN') ?? cert.emails[0] ?? (cert.subject.isEmpty ? `serial ${cert.serialNumber}` : cert.subject.toString()),
    source,
    subject: cert.subject.toString(),
    issuer: cert.issuer.toString(),
    serial: cert.serialNumber,
    sha256: cert.sha256,
    notAfter: cert.notAfter,
    endInclusive: false,
  };
}

/** The identifying fields of a pin or identity match, for display. */
function matchFields(m: CompiledMatch): Pick<ExpiryItem, 'subject' | 'issuer' | 'serial' | 'sha256' | 'notAfter' | 'endInclusive' | 'note'> {
  return {
    subject: m.certificate?.subject.toString() ?? m.subject?.text ?? m.subjectEmail,
    issuer: m.certificate?.issuer.toString() ?? m.issuer?.text,
    serial: m.serial ?? m.certificate?.serialNumber,
    sha256: m.certSha256 ?? m.certificate?.sha256,
    notAfter: m.notAfter,
    endInclusive: true,
    ...(m.notAfter === undefined ? { note: 'no end date: never expires' } : {}),
  };
}

/** A pin as an item (its window's end; for a pin given as a certificate, the certificate's end). */
export function pinItem(pin: Pin, source: string, extra: { note?: string; counted?: boolean } = {}): ExpiryItem {
  return { kind: 'pin', label: pin.label, source, ...matchFields(pin), ...extra };
}

/** An identity's matches as items: one per match with an end date (one item without, if none has). */
export function identityItems(identity: Identity, source: string): ExpiryItem[] {
  const dated = identity.matches.map((m, i) => ({ m, i })).filter(({ m }) => m.notAfter !== undefined);
  const several = identity.matches.length > 1;
  const list = dated.length > 0 ? dated : identity.matches.slice(0, 1).map((m) => ({ m, i: 0 }));
  return list.map(({ m, i }) => ({ kind: 'identity', label: several ? `${identity.name} match[${i}]` : identity.name, source, ...matchFields(m) }));
}

function failureOf(error: unknown, fallback: ClientCertErrorCode, prefix: string): TargetFailure {
  if (isClientCertError(error)) return { code: error.code, message: error.message.startsWith(prefix) ? error.message : `${prefix}: ${error.message}` };
  if (error instanceof FileReadError) return { code: 'CONFIG_INVALID', message: `${prefix}: ${error.reason}` };
  return { code: fallback, message: `${prefix}: ${error instanceof Error ? error.message : String(error)}` };
}

/** True for DER that starts like a PKCS#12 PFX: SEQUENCE { INTEGER 3, ... } (a certificate starts SEQUENCE { SEQUENCE ... }). */
export function looksLikePkcs12(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30 || bytes.length < 8) return false;
  const first = bytes[1] as number;
  const offset = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return bytes[offset] === 0x02 && bytes[offset + 1] === 0x01 && bytes[offset + 2] === 0x03;
}

function firstNonSpace(bytes: Uint8Array): number | undefined {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  return bytes[i];
}

function pkcs12Items(bytes: Uint8Array, file: string, options: LoadTargetOptions): ExpiryItem[] {
  const password = options.password;
  let contents;
  try {
    contents = readPkcs12(bytes, password ?? '', { maxBytes: MAX_TARGET_FILE_BYTES });
  } catch (error) {
    if (isClientCertError(error) && error.code === 'PKCS12_BAD_PASSWORD') {
      const message =
        password === undefined
          ? `${file}: the PKCS#12 archive needs a password: ${options.passwordProblem ?? 'name the environment variable holding it with --password-env VAR'}`
          : `${file}: wrong PKCS#12 password (from ${options.passwordSource ?? 'the configured password'}): the archive's integrity MAC does not verify under it`;
      throw new ClientCertError(password === undefined && options.passwordProblem !== undefined ? 'ENV_VAR_MISSING' : 'PKCS12_BAD_PASSWORD', message);
    }
    throw error;
  }
  const items: ExpiryItem[] = [];
  const seen = new Set<string>();
  for (const bag of contents.certificates) {
    const cert = parseCertificates(bag.der)[0] as CertificateModel;
    if (seen.has(cert.sha256)) continue;
    seen.add(cert.sha256);
    const isKeyCert = contents.certificate !== undefined && Buffer.from(contents.certificate).equals(Buffer.from(bag.der));
    items.push(certificateItem(cert, file, isKeyCert && bag.friendlyName !== undefined && bag.friendlyName.trim() !== '' ? bag.friendlyName : undefined));
  }
  if (items.length === 0) throw new ClientCertError('PKCS12_MALFORMED', `${file}: the PKCS#12 archive holds no certificate`);
  return items;
}

/** The items of one file. @throws ClientCertError (or FileReadError) for an unreadable file. */
async function fileItems(file: string, display: string, options: LoadTargetOptions, skipKeyOnlyPem: boolean): Promise<ExpiryItem[] | 'skip'> {
  const bytes = await readFileBounded(file, MAX_TARGET_FILE_BYTES);
  if (/\.(p12|pfx)$/i.test(file) || looksLikePkcs12(bytes)) return pkcs12Items(bytes, display, options);
  if (firstNonSpace(bytes) === 0x7b) {
    const text = Buffer.from(bytes).toString('utf8');
    let keys: string[] = [];
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) keys = Object.keys(parsed);
    } catch (error) {
      throw new ClientCertError('CONFIG_INVALID', `${display}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (keys.includes('pins')) return parsePinFile(text, display).map((pin) => pinItem(pin, display));
    if (keys.includes('identities')) return parseIdentitiesFile(text, display).flatMap((identity) => identityItems(identity, display));
    throw new ClientCertError('CONFIG_INVALID', `${display}: a JSON file that is neither a pin file ("pins") nor an identities file ("identities")`);
  }
  if (skipKeyOnlyPem) {
    // A key or CSR next to its certificate in a directory is expected, not an error.
    const head = Buffer.from(bytes).toString('latin1');
    if (head.includes('-----BEGIN ') && !/-----BEGIN (X509 )?CERTIFICATE-----/.test(head)) return 'skip';
  }
  const certs = parseCertificates(bytes);
  const seen = new Set<string>();
  return certs.filter((c) => !seen.has(c.sha256) && seen.add(c.sha256)).map((c) => certificateItem(c, display));
}

async function directoryResult(target: string, dir: string, options: LoadTargetOptions): Promise<TargetResult> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.') && CERTIFICATE_FILE_EXTENSIONS.some((ext) => e.name.toLowerCase().endsWith(ext)))
    .map((e) => e.name)
    .sort();
  if (entries.length > MAX_DIRECTORY_FILES) {
    return { target, items: [], failures: [{ source: target, code: 'CONFIG_INVALID', message: `${target}: ${entries.length} certificate files, more than the ${MAX_DIRECTORY_FILES} read from one directory` }] };
  }
  const items: ExpiryItem[] = [];
  const failures: Array<TargetFailure & { source: string }> = [];
  for (const name of entries) {
    const file = path.join(dir, name);
    const display = path.join(target, name);
    try {
      // Follows symbolic links (Kubernetes secret volumes); skips sub-directories and devices.
      if (!(await stat(file)).isFile()) continue;
      const found = await fileItems(file, display, options, true);
      if (found !== 'skip') items.push(...found);
    } catch (error) {
      failures.push({ source: display, ...failureOf(error, 'CERT_MALFORMED', display) });
    }
  }
  if (items.length === 0 && failures.length === 0) {
    failures.push({ source: target, code: 'CONFIG_INVALID', message: `${target}: no certificate files (${CERTIFICATE_FILE_EXTENSIONS.join(' ')}) in the directory` });
  }
  return { target, items, failures };
}

/** Parses `tls://HOST:PORT` (IPv6 in brackets). Undefined when `target` is not a tls:// target. @throws ClientCertError CONFIG_INVALID when malformed. */
export function parseTlsTarget(target: string): { host: string; port: number } | undefined {
  if (!/^tls:\/\//i.test(target)) return undefined;
  const match = /^tls:\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]\s]+):(\d{1,5})\/?$/i.exec(target);
  const port = match === null ? NaN : Number(match[2]);
  if (match === null || !(port >= 1 && port <= 65535)) {
    throw new ClientCertError('CONFIG_INVALID', `${target.slice(0, 200)}: expected tls://HOST:PORT (IPv6 in brackets: tls://[::1]:8443)`);
  }
  const host = (match[1] as string).replace(/^\[|\]$/g, '');
  return { host, port };
}

/** Loads one target. Never throws: failures are in the result. */
export async function loadTarget(target: string, options: LoadTargetOptions = {}): Promise<TargetResult> {
  try {
    const named = options.named !== undefined && Object.hasOwn(options.named, target) ? options.named[target] : undefined;
    if (named !== undefined) return { target, items: await named(), failures: [] };
    const tls = parseTlsTarget(target);
    if (tls !== undefined) {
      const cert = await fetchServerCertificate(tls.host, tls.port, { timeoutMs: options.timeoutMs ?? 10_000 });
      return { target, items: [certificateItem(cert, target)], failures: [] };
    }
    const full = path.resolve(options.cwd ?? process.cwd(), target);
    let info;
    try {
      info = await stat(full);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const hint = options.named !== undefined && !/[/\\.]/.test(target) ? ` (named targets: ${Object.keys(options.named).join(', ')}; or tls://HOST:PORT)` : '';
      throw new ClientCertError('CONFIG_INVALID', `${target}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(error)}${hint}`);
    }
    if (info.isDirectory()) return await directoryResult(target, full, options);
    const items = await fileItems(full, target, options, false);
    return { target, items: items === 'skip' ? [] : items, failures: [] };
  } catch (error) {
    return { target, items: [], failures: [{ source: target, ...failureOf(error, 'CONFIG_INVALID', target) }] };
  }
}
