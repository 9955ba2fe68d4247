/**
 * The forwarded-certificate source: a TLS-terminating proxy (nginx, Envoy, HAProxy, Traefik, an
 * AWS ALB, anything speaking RFC 9440) puts the client's certificate in a request header, and
 * certgate reads it from there, but only from a trusted proxy.
 *
 * Per request, in this order (docs/proxies.md):
 * 1. none of the format's headers present → no certificate;
 * 2. the socket's remote address is not a trusted proxy → the headers are ignored and the request
 *    carries no certificate (CERT_MISSING unless `optional`), logged once per peer;
 * 3. `proxyCertificate` is set and the proxy did not present that certificate on this connection
 *    → PROXY_UNTRUSTED;
 * 4. a header repeated, two headers the proxy never sends together, or another format's header
 *    next to this one → HEADER_AMBIGUOUS;
 * 5. values over `maxHeaderBytes` together → CERT_MALFORMED, before any decoding;
 * 6. an empty value → no certificate (HAProxy sends one when the client had none);
 * 7. decoded (cached by the values' SHA-256) → the chain, which the gate validates exactly as on
 *    the TLS path, its verdict cached by the same hash.
 */
import { hash as digest } from 'node:crypto';
import { parseCertificate } from '../cert/parse.js';
import { ClientCertError, isClientCertError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { Lru } from '../util/lru.js';
import { normalizeSpkiSha256 } from '../verify/pins.js';
import { decodeHeaderValue, HEADER_FORMATS, MAX_FORWARDED_CHAIN, type HeaderFormat } from './decode.js';
import { requestHeaders } from './request-headers.js';
import { readPeerChain } from './tls.js';
import { compileTrustedProxies, type TrustedProxies } from './trusted-proxies.js';
import type { ClientCertificateSource, GateRequest, SourceLogger, SourceResult } from './types.js';

/** Default limit for the format's header values together, in bytes: a long chain fits, a flood does not. */
export const DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
/** The largest `maxHeaderBytes` accepted. */
export const MAX_MAX_HEADER_BYTES = 1024 * 1024;
/** Decoded header values remembered by hash (default). */
export const DEFAULT_HEADER_CACHE_SIZE = 1000;
/** Distinct untrusted peers remembered for "logged once per peer". */
const WARNED_PEERS = 1000;

/** A format of your own: the header to read and how to turn its value into DER certificates (leaf first). */
export interface CustomHeaderFormat {
  readonly header: string;
  /**
   * Decodes a non-empty value. Return [] for "no certificate"; throw (a ClientCertError keeps its
   * code) for a value that is wrong: the request is then rejected with CERT_MALFORMED.
   */
  readonly decode: (value: string) => Uint8Array | readonly Uint8Array[];
}

/** Pins for the proxy's own client certificate on the proxy→app connection (mTLS to the app). */
export interface ProxyCertificatePins {
  /** SHA-256 of the proxy certificate's SubjectPublicKeyInfo: hex, base64 or `sha256/<base64>`. */
  readonly spkiSha256?: string | readonly string[];
  /** SHA-256 of the proxy certificate's DER, hex. */
  readonly certSha256?: string | readonly string[];
}

/** `source: { header: ..., trustedProxies: ... }` of the gate options. */
export interface HeaderSourceOptions {
  /** The format: `'rfc9440'`, `'xfcc'`, `'nginx'`, `'aws-alb'`, `'traefik'`, `'haproxy'`, or `{ header, decode }`. */
  readonly header: HeaderFormat | CustomHeaderFormat;
  /** Who may forward a certificate (proxy-addr semantics): e.g. `['loopback', '10.0.0.0/8']`. Required. */
  readonly trustedProxies: TrustedProxies;
  /** The certificate header's name, where the format's default does not fit (e.g. nginx, haproxy). */
  readonly headerName?: string;
  /** The chain header's name (rfc9440 `Client-Cert-Chain`, aws-alb `X-Amzn-Mtls-Clientcert`, haproxy: none by default). */
  readonly chainHeaderName?: string;
  /** Limit for the format's header values together, in bytes (default 32768, at most 1 MiB). */
  readonly maxHeaderBytes?: number;
  /** Require the proxy→app connection to be mTLS with one of these proxy certificates (else PROXY_UNTRUSTED). */
  readonly proxyCertificate?: ProxyCertificatePins;
  /** Decoded values remembered by hash (default 1000). */
  readonly cacheSize?: number;
}

/** Names of every `source: { header }` option. */
export const HEADER_SOURCE_OPTION_NAMES = ['header', 'trustedProxies', 'headerName', 'chainHeaderName', 'maxHeaderBytes', 'proxyCertificate', 'cacheSize'] as const;

/** The headers each format reads by default (lowercase): its certificate header and its chain header. */
export const DEFAULT_HEADER_NAMES: Readonly<Record<HeaderFormat, { readonly cert: string; readonly chain?: string }>> = Object.freeze({
  rfc9440: { cert: 'client-cert', chain: 'client-cert-chain' },
  xfcc: { cert: 'x-forwarded-client-cert' },
  nginx: { cert: 'x-ssl-client-cert' },
  // ALB "verify" mode sends the leaf; "passthrough" mode sends the whole chain (leaf first).
  'aws-alb': { cert: 'x-amzn-mtls-clientcert-leaf', chain: 'x-amzn-mtls-clientcert' },
  traefik: { cert: 'x-forwarded-tls-client-cert' },
  haproxy: { cert: 'x-ssl-client-der' },
});

type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Every format's default header names; bit i of `presentDefaultHeaders` stands for entry i. */
export const ALL_DEFAULT_NAMES = [
  'client-cert',
  'client-cert-chain',
  'x-forwarded-client-cert',
  'x-ssl-client-cert',
  'x-amzn-mtls-clientcert-leaf',
  'x-amzn-mtls-clientcert',
  'x-forwarded-tls-client-cert',
  'x-ssl-client-der',
] as const;

/**
 * Which of ALL_DEFAULT_NAMES are present, as a bit mask. Literal property reads, one inline cache
 * each, instead of a loop of keyed reads: this runs on every request (measured: ~0.8 µs for the
 * loop in a server, next to nothing for this).
 */
export function presentDefaultHeaders(h: HeaderBag): number {
  let mask = 0;
  if (h['client-cert'] !== undefined) mask |= 1;
  if (h['client-cert-chain'] !== undefined) mask |= 2;
  if (h['x-forwarded-client-cert'] !== undefined) mask |= 4;
  if (h['x-ssl-client-cert'] !== undefined) mask |= 8;
  if (h['x-amzn-mtls-clientcert-leaf'] !== undefined) mask |= 16;
  if (h['x-amzn-mtls-clientcert'] !== undefined) mask |= 32;
  if (h['x-forwarded-tls-client-cert'] !== undefined) mask |= 64;
  if (h['x-ssl-client-der'] !== undefined) mask |= 128;
  return mask;
}

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function configError(option: string, message: string): ClientCertError {
  return new ClientCertError('CONFIG_INVALID', `option "source.${option}" ${message}`);
}

function headerNameOption(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw configError(option, `must be an HTTP header name (letters, digits, "-"...), found ${typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value}`);
  }
  return value.toLowerCase();
}

function integerOption(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(option, `must be an integer from ${min} to ${max}, found ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

function stringList(option: string, value: unknown): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) throw configError(option, 'must be a string or an array of strings');
  return list as string[];
}

/** Compiles `proxyCertificate` into a per-connection check. */
function proxyCertificateCheck(value: unknown): ((socket: unknown) => ClientCertError | undefined) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configError('proxyCertificate', 'must be an object { spkiSha256, certSha256 }');
  for (const key of Object.keys(value)) {
    if (key !== 'spkiSha256' && key !== 'certSha256') throw configError('proxyCertificate', `has an unknown key "${key}"${didYouMean(key, ['spkiSha256', 'certSha256'])}`);
  }
  const v = value as ProxyCertificatePins;
  const spki = new Set(
    stringList('proxyCertificate.spkiSha256', v.spkiSha256).map((s) => {
      const hex = normalizeSpkiSha256(s);
      if (hex === undefined) throw configError('proxyCertificate.spkiSha256', `has ${JSON.stringify(s.slice(0, 80))}, which is not a SHA-256 (hex, base64 or sha256/<base64>)`);
      return hex;
    }),
  );
  const certs = new Set(
    stringList('proxyCertificate.certSha256', v.certSha256).map((s) => {
      const hex = s.replace(/[:\s]/g, '');
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw configError('proxyCertificate.certSha256', `has ${JSON.stringify(s.slice(0, 80))}, which is not a hex SHA-256`);
      return hex.toUpperCase();
    }),
  );
  if (spki.size === 0 && certs.size === 0) throw configError('proxyCertificate', 'must pin at least one certificate (spkiSha256 or certSha256)');
  // The proxy's certificate is fixed for a connection's lifetime: judge it once per socket.
  const verdicts = new WeakMap<object, ClientCertError | undefined>();
  return (socket) => {
    if (typeof socket !== 'object' || socket === null) return new ClientCertError('PROXY_UNTRUSTED', 'the connection from the proxy has no socket to check the proxy certificate on');
    if (verdicts.has(socket)) return verdicts.get(socket);
    let verdict: ClientCertError | undefined;
    const found = readPeerChain(socket);
    if (found.kind !== 'chain' || found.ders[0] === undefined) {
      verdict = new ClientCertError('PROXY_UNTRUSTED', `expected the proxy to connect with its pinned client certificate (mTLS), found ${found.kind === 'none' && found.notTls === true ? 'a plain-HTTP connection' : 'no certificate'}`);
    } else {
      try {
        const cert = parseCertificate(found.ders[0]);
        if (!spki.has(cert.spkiSha256Hex) && !certs.has(cert.sha256)) {
          verdict = new ClientCertError('PROXY_UNTRUSTED', 'the proxy connected with a client certificate that is not the pinned proxy certificate', { details: { certSha256: cert.sha256 } });
        }
      } catch {
        verdict = new ClientCertError('PROXY_UNTRUSTED', 'the proxy connected with a client certificate that could not be parsed');
      }
    }
    verdicts.set(socket, verdict);
    return verdict;
  };
}

interface CompiledFormat {
  readonly name: string;
  readonly cert: string;
  readonly chain: string | undefined;
  /** Certificates from the certificate header's value and the chain header's value (either may be absent). */
  decode(cert: string | undefined, chain: string | undefined): Uint8Array[];
}

function asDerList(result: unknown): Uint8Array[] {
  if (result instanceof Uint8Array) return [result];
  if (Array.isArray(result) && result.every((d) => d instanceof Uint8Array)) return result.slice(0, MAX_FORWARDED_CHAIN) as Uint8Array[];
  throw new ClientCertError('CERT_MALFORMED', 'the custom header decoder returned something other than DER bytes or a list of them');
}

function compileFormat(format: unknown, headerName: string | undefined, chainHeaderName: string | undefined): CompiledFormat {
  if (typeof format === 'object' && format !== null && !Array.isArray(format)) {
    for (const key of Object.keys(format)) {
      if (key !== 'header' && key !== 'decode') throw configError('header', `(a custom format) has an unknown key "${key}": expected { header, decode }`);
    }
    const custom = format as CustomHeaderFormat;
    const cert = headerNameOption('header.header', custom.header);
    if (cert === undefined) throw configError('header.header', 'must name the header that carries the certificate');
    if (typeof custom.decode !== 'function') throw configError('header.decode', 'must be a function (value: string) => Uint8Array | Uint8Array[]');
    if (headerName !== undefined || chainHeaderName !== undefined) throw configError('headerName', 'does not apply to a custom format: name the header in { header, decode }');
    const decode = custom.decode;
    return {
      name: 'header:custom',
      cert,
      chain: undefined,
      decode(value) {
        try {
          return asDerList(decode(value as string));
        } catch (error) {
          if (isClientCertError(error) && (error.code === 'CERT_MALFORMED' || error.code === 'HEADER_AMBIGUOUS')) throw error;
          const reason = error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
          throw new ClientCertError('CERT_MALFORMED', `the custom decoder refused the ${cert} header: ${reason}`, { cause: error });
        }
      },
    };
  }
  if (typeof format !== 'string' || !(HEADER_FORMATS as readonly string[]).includes(format)) {
    throw configError(
      'header',
      `must be one of ${HEADER_FORMATS.map((f) => `"${f}"`).join(', ')} or a custom { header, decode }, found ${typeof format === 'string' ? JSON.stringify(format) : typeof format}${typeof format === 'string' ? didYouMean(format, HEADER_FORMATS) : ''}`,
    );
  }
  const f = format as HeaderFormat;
  const defaults = DEFAULT_HEADER_NAMES[f];
  const chainDefault = defaults.chain;
  if (chainHeaderName !== undefined && chainDefault === undefined && f !== 'haproxy') {
    throw configError('chainHeaderName', `does not apply to the ${f} format: it forwards ${f === 'xfcc' ? 'the chain in the same header (Chain=)' : f === 'traefik' ? 'the chain in the same header' : 'only the leaf certificate'}`);
  }
  const cert = headerName ?? defaults.cert;
  const chain = chainHeaderName ?? chainDefault;
  if (chain === cert) throw configError('chainHeaderName', 'must differ from the certificate header');
  return {
    name: `header:${f}`,
    cert,
    chain,
    decode(certValue, chainValue) {
      if (f === 'aws-alb') {
        // One of the two forms: the leaf (verify mode) or the whole chain (passthrough).
        return certValue !== undefined ? decodeHeaderValue(f, certValue, 'cert') : decodeHeaderValue(f, chainValue as string, 'chain');
      }
      const ders = certValue === undefined ? [] : decodeHeaderValue(f, certValue, 'cert');
      if (chainValue === undefined) return ders;
      if (ders.length === 0) throw new ClientCertError('CERT_MALFORMED', `the ${chain as string} header came without the ${cert} header: a chain without a leaf`);
      return [...ders, ...decodeHeaderValue(f, chainValue, 'chain')].slice(0, MAX_FORWARDED_CHAIN);
    },
  };
}

type Decoded = { readonly ders: readonly Uint8Array[] } | { readonly error: ClientCertError };

/**
 * Headers whose repeats Node does not join with ", " (it keeps the first, or joins cookies with
 * "; "): for these a value without a comma does not prove the header came once.
 */
const NOT_COMMA_JOINED = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'cookie', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

/**
 * Whether header `name`'s value proves it came on one line (or not at all): Node joins a repeated
 * header's values with ", ", so a string without a comma came once, for the names it joins so.
 */
function provenOneLine(name: string, value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && !value.includes(',') && !NOT_COMMA_JOINED.has(name));
}

/** Every value of header `name` (lowercase), also when Node joined repeats into one string. */
function headerValues(request: GateRequest, headers: HeaderBag, name: string): string[] | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return Array.isArray(value) ? value.map(String) : [String(value)];
  // The raw header scan (a per-request cost on the hot path) only when the value may be a join.
  if (provenOneLine(name, value)) return [value];
  const raw = (request as { rawHeaders?: unknown }).rawHeaders;
  if (!Array.isArray(raw)) return [value];
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i];
    if (typeof key === 'string' && key.length === name.length && key.toLowerCase() === name) values.push(String(raw[i + 1]));
  }
  return values.length === 0 ? [value] : values;
}

function remoteAddress(socket: unknown): string | undefined {
  const address = typeof socket === 'object' && socket !== null ? (socket as { remoteAddress?: unknown }).remoteAddress : undefined;
  return typeof address === 'string' ? address : undefined;
}

const NO_HEADER: SourceResult = Object.freeze({ kind: 'none', reason: 'no forwarded client certificate header' });

/**
 * A source that reads the client certificate from a trusted proxy's header.
 *
 * @throws ClientCertError CONFIG_INVALID for a bad option (the gate reports it as a TypeError).
 */
export function headerSource(options: HeaderSourceOptions, context: { logger?: SourceLogger } = {}): ClientCertificateSource {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ClientCertError('CONFIG_INVALID', 'option "source" must be an object { header, trustedProxies }');
  for (const key of Object.keys(options)) {
    if (!(HEADER_SOURCE_OPTION_NAMES as readonly string[]).includes(key)) {
      throw configError(key, `is unknown${didYouMean(key, HEADER_SOURCE_OPTION_NAMES)}. Known options: ${HEADER_SOURCE_OPTION_NAMES.join(', ')}`);
    }
  }
  if (options.header === undefined) throw configError('header', `is required: one of ${HEADER_FORMATS.join(', ')} or a custom { header, decode }`);
  if (options.trustedProxies === undefined) {
    throw configError('trustedProxies', 'is required: the addresses of the proxies allowed to forward a certificate (e.g. ["loopback"] or ["10.0.0.0/8"]); a header from any other peer is ignored');
  }
  const format = compileFormat(options.header, headerNameOption('headerName', options.headerName), headerNameOption('chainHeaderName', options.chainHeaderName));
  const trusted = compileTrustedProxies(options.trustedProxies);
  const maxBytes = integerOption('maxHeaderBytes', options.maxHeaderBytes, DEFAULT_MAX_HEADER_BYTES, 256, MAX_MAX_HEADER_BYTES);
  const decoded = new Lru<string, Decoded>(integerOption('cacheSize', options.cacheSize, DEFAULT_HEADER_CACHE_SIZE, 1, 1_000_000));
  const checkProxy = proxyCertificateCheck(options.proxyCertificate);
  const ours = format.chain === undefined ? [format.cert] : [format.cert, format.chain];
  const others = ALL_DEFAULT_NAMES.filter((n) => !ours.includes(n));
  const othersMask = ALL_DEFAULT_NAMES.reduce((mask, n, i) => (ours.includes(n) ? mask : mask | (1 << i)), 0);
  const logger = context.logger;
  const warned = new Lru<string, true>(WARNED_PEERS);
  // Per connection: whether its peer is a trusted proxy (a socket's remote address is fixed for
  // its lifetime: matched once) and the last header text seen on it with its result, reused as is
  // (a proxy's keep-alive connection often carries one client's requests one after another).
  interface SocketState {
    trusted: boolean | undefined;
    /** The header values of the request `found` answered, as Node gave them, and whether each came on one line. */
    cert: unknown;
    chain: unknown;
    single: boolean;
    text: string | undefined;
    found: SourceResult | undefined;
  }
  const bySocket = new WeakMap<object, SocketState>();
  const stateOf = (socket: unknown): SocketState | undefined => {
    if (typeof socket !== 'object' || socket === null) return undefined;
    let state = bySocket.get(socket);
    if (state === undefined) {
      state = { trusted: undefined, cert: undefined, chain: undefined, single: false, text: undefined, found: undefined };
      bySocket.set(socket, state);
    }
    return state;
  };
  const isTrusted = (socket: unknown, state: SocketState | undefined): boolean => {
    if (state === undefined) return false;
    if (state.trusted !== undefined) return state.trusted;
    const address = remoteAddress(socket);
    const verdict = trusted(address);
    // An address not yet known (a socket still connecting) is not remembered.
    if (address !== undefined) state.trusted = verdict;
    return verdict;
  };
  const name = format.name;

  const untrusted = (address: string | undefined, present: string): SourceResult => {
    const peer = address ?? 'an unknown address';
    if (warned.get(peer) === undefined) {
      warned.set(peer, true);
      try {
        logger?.warn(
          { event: 'certgate.untrusted_proxy', code: 'PROXY_UNTRUSTED', source: name, remoteAddress: address, header: present },
          `a ${present} header from ${peer}, which is not a trusted proxy, was ignored (the request carries no certificate); add the proxy to trustedProxies if it is one; logged once per peer`,
        );
      } catch {
        // Logging must never change a verdict.
      }
    }
    return { kind: 'none', reason: `the ${present} header came from ${peer}, which is not a trusted proxy, and was ignored` };
  };

  const remember = (state: SocketState, rawCert: unknown, rawChain: unknown, text: string, found: SourceResult): SourceResult => {
    state.cert = rawCert;
    state.chain = rawChain;
    state.single = provenOneLine(format.cert, rawCert) && (format.chain === undefined || provenOneLine(format.chain, rawChain));
    state.text = text;
    state.found = found;
    return found;
  };

  const read = (request: GateRequest): SourceResult => {
    const headers = requestHeaders(request);
    if (headers === undefined) return NO_HEADER;
    const rawCert = headers[format.cert];
    const rawChain = format.chain === undefined ? undefined : headers[format.chain];
    if (rawCert === undefined && rawChain === undefined) return NO_HEADER;
    const socket = request.socket;
    const state = stateOf(socket);
    if (!isTrusted(socket, state)) return untrusted(remoteAddress(socket), rawCert !== undefined ? format.cert : (format.chain as string));
    if (checkProxy !== undefined) {
      const error = checkProxy(socket);
      if (error !== undefined) return { kind: 'error', error };
    }
    // The very values of the last request on this connection, each on one line then: every check
    // of the values has the same answer (an exact string comparison; no scan, no hash). Only the
    // other formats' headers can differ, and they are checked.
    if (state !== undefined && state.single && state.found !== undefined && rawCert === state.cert && rawChain === state.chain && (presentDefaultHeaders(headers) & othersMask) === 0) {
      return state.found;
    }
    const certValues = headerValues(request, headers, format.cert);
    const chainValues = format.chain === undefined ? undefined : headerValues(request, headers, format.chain);
    // rfc9440 allows a list header to be split over several lines; every other header is one line.
    const chainJoinable = name === 'header:rfc9440';
    if ((certValues?.length ?? 0) > 1 || (!chainJoinable && (chainValues?.length ?? 0) > 1)) {
      const repeated = (certValues?.length ?? 0) > 1 ? format.cert : (format.chain as string);
      return { kind: 'error', error: new ClientCertError('HEADER_AMBIGUOUS', `expected one ${repeated} header, found ${Math.max(certValues?.length ?? 0, chainValues?.length ?? 0)}: the proxy must replace, not append to, a header the client sent`) };
    }
    if (name === 'header:aws-alb' && certValues !== undefined && chainValues !== undefined) {
      return { kind: 'error', error: new ClientCertError('HEADER_AMBIGUOUS', `expected either ${format.cert} (ALB verify mode) or ${format.chain as string} (passthrough mode), found both`) };
    }
    if ((presentDefaultHeaders(headers) & othersMask) !== 0) {
      const other = others.find((n) => headers[n] !== undefined) as string;
      return { kind: 'error', error: new ClientCertError('HEADER_AMBIGUOUS', `expected only the ${ours.join('/')} header(s), found ${other} too: two forwarded-certificate formats at once (does the proxy pass a client's header through?)`) };
    }
    const cert = certValues?.[0];
    const chain = chainValues === undefined ? undefined : chainValues.join(', ');
    const size = (cert?.length ?? 0) + (chain?.length ?? 0);
    if (size > maxBytes) {
      return { kind: 'error', error: new ClientCertError('CERT_MALFORMED', `the forwarded certificate header(s) hold ${size} bytes, over the limit of ${maxBytes} bytes (maxHeaderBytes)`) };
    }
    const certText = cert === undefined || cert.trim() === '' ? undefined : cert;
    const chainText = chain === undefined || chain.trim() === '' ? undefined : chain;
    if (certText === undefined && chainText === undefined) return { kind: 'none', reason: 'the proxy forwarded an empty certificate header (the client sent no certificate)' };
    const text = chainText === undefined ? (certText as string) : `${certText ?? ''}\n${chainText}`;
    // Same text as the last request on this connection (its lines split differently): no hash.
    if (state !== undefined && state.text === text && state.found !== undefined) return remember(state, rawCert, rawChain, text, state.found);
    // SHA-256, not a faster non-cryptographic hash: a collision would hand one client's verdict to
    // another. Header values never hold a newline: the separator is unambiguous.
    const key = `${name}:${digest('sha256', text, 'base64')}`;
    let result = decoded.get(key);
    if (result === undefined) {
      try {
        result = { ders: Object.freeze(format.decode(certText, chainText)) };
      } catch (error) {
        result = { error: isClientCertError(error) ? error : new ClientCertError('CERT_MALFORMED', 'the forwarded certificate header could not be decoded', { cause: error }) };
      }
      decoded.set(key, result);
    }
    const found: SourceResult =
      'error' in result
        ? { kind: 'error', error: result.error }
        : result.ders.length === 0
          ? { kind: 'none', reason: `the ${format.cert} header holds no certificate` }
          : { kind: 'chain', ders: result.ders, cacheKey: key };
    return state === undefined ? found : remember(state, rawCert, rawChain, text, Object.freeze(found));
  };

  return Object.freeze({ name, read });
}
