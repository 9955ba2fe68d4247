/**
 * Resolves a client certificate choice into TLS material once: files read, PKCS#12 password and
 * key/certificate match checked by OpenSSL itself (`tls.createSecureContext`), so a wrong password
 * is reported before anything is sent. Key material stays in a private WeakMap: a loaded
 * certificate prints, logs and serialises as its description only.
 */
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { toPem } from '../cert/pem.js';
import { readPkcs12 } from '../cert/pkcs12.js';
import { ClientCertError, isClientCertError } from '../errors.js';
import { describeCertificate } from './describe.js';
import { inputLabel, readInput } from './files.js';
import { readManifestEntry, resolvePkiDir, UPTRENDS_STANDIN_ID } from './pki-manifest.js';
import type { CertificateSummary, ClientCertChoice, ClientCertDescription, FileInput, LoadedClientCert } from './types.js';

/** What the TLS connector needs. Never leaves this layer except into `tls.connect`. */
export interface TlsMaterial {
  readonly pfx?: Buffer;
  readonly passphrase?: string;
  /** Leaf followed by the intermediates to send, PEM. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** OpenSSL cipher string; set to security level 0 only for a certificate too weak for the default. */
  readonly ciphers?: string;
}

/**
 * OpenSSL 3 refuses to load a certificate signed with SHA-1 or with a small key at its default
 * security level. A test client must be able to send such certificates (the bad-certificate zoo),
 * so they are loaded, and sent, at level 0; the description says so (`weak`).
 */
const WEAK_CIPHERS = 'DEFAULT:@SECLEVEL=0';
const TOO_WEAK = /md too weak|key too small|too weak/i;

/** createSecureContext, retried at security level 0 when only the certificate's strength stops it. */
function secureContext(options: tls.SecureContextOptions): { context: tls.SecureContext; weak: boolean } {
  try {
    return { context: tls.createSecureContext(options), weak: false };
  } catch (error) {
    if (!TOO_WEAK.test(error instanceof Error ? error.message : String(error))) throw error;
    return { context: tls.createSecureContext({ ...options, ciphers: WEAK_CIPHERS }), weak: true };
  }
}

const material = new WeakMap<LoadedClientCert, TlsMaterial>();

/** `pki:<id>` chooses a client certificate of the test PKI manifest by id. */
export const PKI_PREFIX = 'pki:';

/** Where relative paths and the test PKI are looked up. */
export interface LoadClientCertOptions {
  /** Test PKI directory for `'uptrends'` (see `resolvePkiDir`). */
  readonly pkiDir?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly cwd?: string | undefined;
}

/**
 * Loads a client certificate choice, checking the archive password or key now.
 *
 * @throws ClientCertError PKCS12_BAD_PASSWORD (wrong archive password), PKCS12_MALFORMED,
 *   CERT_MALFORMED, CONFIG_INVALID (unreadable file, key not matching, test PKI missing).
 */
export async function loadClientCert(choice: ClientCertChoice, options: LoadClientCertOptions = {}): Promise<LoadedClientCert> {
  const cwd = options.cwd ?? process.cwd();
  if (choice === 'none') return seal({ source: 'none', label: 'none', certificate: undefined, chainLength: 0, weak: false }, {});
  if (choice === 'uptrends' || (typeof choice === 'string' && choice.startsWith(PKI_PREFIX))) {
    const id = choice === 'uptrends' ? UPTRENDS_STANDIN_ID : choice.slice(PKI_PREFIX.length);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id)) throw new TypeError(`clientCert: expected pki:<manifest id>, found ${describeValue(choice)}`);
    const pkiDir = resolvePkiDir({ dir: options.pkiDir, env: options.env ?? process.env, cwd });
    const entry = await readManifestEntry(pkiDir, id);
    if (entry.key === undefined) {
      throw new ClientCertError('CONFIG_INVALID', `the test PKI entry "${id}" in ${pkiDir} names no private key`);
    }
    return loadPem(choice === 'uptrends' ? 'uptrends' : 'pki', choice, entry.cert, entry.key, entry.chain, undefined, cwd);
  }
  if (typeof choice !== 'object' || choice === null) {
    throw new TypeError(`clientCert: expected 'none', 'uptrends', 'pki:<id>', { p12, password } or { cert, key }, found ${describeValue(choice)}`);
  }
  if ('p12' in choice) {
    if (choice.password !== undefined && typeof choice.password !== 'string') throw new TypeError('clientCert.password: expected a string');
    const label = choice.label ?? inputLabel(choice.p12, 'p12');
    return loadP12(label, await readInput(choice.p12, cwd, `client certificate archive ${label}`), choice.password ?? '');
  }
  if ('cert' in choice && 'key' in choice) {
    const chain = choice.chain === undefined ? [] : Array.isArray(choice.chain) ? (choice.chain as readonly FileInput[]) : [choice.chain as FileInput];
    return loadPem('pem', choice.label ?? inputLabel(choice.cert, 'pem'), choice.cert, choice.key, chain, choice.passphrase, cwd);
  }
  throw new TypeError('clientCert: expected { p12, password } or { cert, key, chain? }');
}

/** The TLS material of a loaded certificate, for the connector. */
export function tlsMaterialOf(loaded: LoadedClientCert): TlsMaterial | undefined {
  return material.get(loaded);
}

/** True for an object returned by `loadClientCert` (in this copy of the package). */
export function isLoadedClientCert(value: unknown): value is LoadedClientCert {
  return typeof value === 'object' && value !== null && material.has(value as LoadedClientCert);
}

/**
 * Loads a PKCS#12 archive. Exported for the scenario runner, which names the vault item and the
 * password's environment variable in its own messages.
 */
export function loadP12(label: string, pfx: Buffer, password: string): LoadedClientCert {
  let context: tls.SecureContext;
  let weak: boolean;
  try {
    ({ context, weak } = secureContext({ pfx, passphrase: password }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/mac verify fail/i.test(message)) {
      throw new ClientCertError('PKCS12_BAD_PASSWORD', `${label}: the password does not open this PKCS#12 archive (its integrity check failed)`, { cause: error });
    }
    if (/unsupported/i.test(message)) return loadLegacyP12(label, pfx, password, error);
    throw new ClientCertError('PKCS12_MALFORMED', `${label}: expected a PKCS#12 archive (.p12/.pfx), found data OpenSSL cannot read (${message.trim()})`, { cause: error });
  }
  const certificate = configuredLeaf(context);
  if (certificate === undefined) {
    throw new ClientCertError('PKCS12_MALFORMED', `${label}: the PKCS#12 archive holds no certificate with its private key`);
  }
  return seal({ source: 'p12', label, certificate, chainLength: undefined, weak }, { pfx, passphrase: password, ...(weak ? { ciphers: WEAK_CIPHERS } : {}) });
}

async function loadPem(
  source: 'pem' | 'uptrends' | 'pki',
  label: string,
  certInput: FileInput,
  keyInput: FileInput,
  chainInputs: readonly FileInput[],
  passphrase: string | undefined,
  cwd: string,
): Promise<LoadedClientCert> {
  const certPems = pemBlocks((await readInput(certInput, cwd, `client certificate ${label}`)).toString('latin1'), 'CERTIFICATE');
  if (certPems.length === 0) {
    throw new ClientCertError('CERT_MALFORMED', `client certificate ${label}: expected a PEM "CERTIFICATE" block, found none`);
  }
  for (const [index, input] of chainInputs.entries()) {
    const blocks = pemBlocks((await readInput(input, cwd, `chain certificate ${index + 1} of ${label}`)).toString('latin1'), 'CERTIFICATE');
    if (blocks.length === 0) throw new ClientCertError('CERT_MALFORMED', `chain certificate ${index + 1} of ${label}: expected a PEM "CERTIFICATE" block, found none`);
    certPems.push(...blocks);
  }
  const key = await readInput(keyInput, cwd, `private key of ${label}`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) {
    throw new ClientCertError('CONFIG_INVALID', `private key of ${label}: expected a PEM "PRIVATE KEY" block, found none`);
  }
  return fromPem(source, label, certPems, key, passphrase);
}

/** Checks PEM material with OpenSSL (key matches, passphrase opens it) and seals it. */
function fromPem(source: ClientCertDescription['source'], label: string, certPems: readonly string[], key: Buffer, passphrase: string | undefined): LoadedClientCert {
  const leaf = describeCertificate(certPems[0] ?? '');
  if (leaf === undefined) throw new ClientCertError('CERT_MALFORMED', `client certificate ${label}: the first PEM certificate does not parse`);
  const cert = Buffer.from(certPems.join(''), 'latin1');
  let weak: boolean;
  try {
    ({ weak } = secureContext({ cert, key, ...(passphrase === undefined ? {} : { passphrase }) }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/key values mismatch/i.test(message)) {
      throw new ClientCertError('CONFIG_INVALID', `client certificate ${label}: the private key does not belong to the certificate (${leaf.subject})`, { cause: error });
    }
    if (/bad decrypt|bad password|passphrase|interrupted or cancelled/i.test(message)) {
      throw new ClientCertError('CONFIG_INVALID', `private key of ${label}: the key is encrypted and its passphrase is missing or wrong`, { cause: error });
    }
    throw new ClientCertError('CONFIG_INVALID', `client certificate ${label}: OpenSSL rejects the certificate or key (${message.trim()})`, { cause: error });
  }
  return seal(
    { source, label, certificate: leaf, chainLength: certPems.length - 1, weak },
    { cert, key, ...(passphrase === undefined ? {} : { passphrase }), ...(weak ? { ciphers: WEAK_CIPHERS } : {}) },
  );
}

/**
 * An archive in a legacy encoding (RC2-40, 3DES: `openssl pkcs12 -legacy`, older Windows and Java
 * exports) that Node's OpenSSL 3 will not open: read with certgate's own PKCS#12 reader and sent
 * as PEM material.
 */
function loadLegacyP12(label: string, pfx: Buffer, password: string, nodeError: unknown): LoadedClientCert {
  let contents: ReturnType<typeof readPkcs12>;
  try {
    contents = readPkcs12(pfx, password);
  } catch (error) {
    if (!isClientCertError(error)) throw error;
    throw new ClientCertError(error.code, `${label}: ${error.message}`, { cause: error, details: { nodeError: nodeError instanceof Error ? nodeError.message : String(nodeError) } });
  }
  if (contents.certificate === undefined || contents.privateKey === undefined) {
    throw new ClientCertError('PKCS12_MALFORMED', `${label}: the PKCS#12 archive holds no certificate with its private key`);
  }
  const certPems = [contents.certificate, ...contents.chain].map((der) => toPem(der));
  const key = Buffer.from(contents.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return fromPem('p12', label, certPems, key, undefined);
}

/** The leaf a secure context would send: read through an unconnected TLS socket (public API only). */
function configuredLeaf(context: tls.SecureContext): CertificateSummary | undefined {
  const socket = new tls.TLSSocket(new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } }), { secureContext: context });
  try {
    const local = socket.getCertificate();
    return local !== null && 'raw' in local && local.raw instanceof Uint8Array ? describeCertificate(local.raw) : undefined;
  } finally {
    socket.destroy();
  }
}

function pemBlocks(text: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[A-Za-z0-9+/=\\s]*?-----END ${label}-----`, 'g');
  return Array.from(text.matchAll(pattern), (match) => `${match[0]}\n`);
}

function seal(description: ClientCertDescription, tlsMaterial: TlsMaterial): LoadedClientCert {
  const loaded: LoadedClientCert = Object.freeze({ description: Object.freeze(description) });
  material.set(loaded, tlsMaterial);
  return loaded;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return value === null ? 'null' : typeof value;
}
