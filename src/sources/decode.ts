/**
 * Decoders for the certificate headers TLS-terminating proxies set. Each one is strict about its
 * own format (a value that is not exactly what the proxy writes is CERT_MALFORMED, never "fixed
 * up"), bounded, and yields raw DER: the gate parses and validates exactly as on the TLS path.
 *
 * Exposed one by one (and through `decodeHeaderValue`) so fuzzers and other sources can call them.
 * Size limits are the header source's job: these assume a value already under its limit.
 */
import { decodeBase64 } from '../cert/base64.js';
import { MAX_CERTIFICATE_SIZE } from '../cert/certificate.js';
import { malformed } from '../cert/der.js';
import { hexValue, splitDer } from '../cert/input.js';
import { xfccCertificates } from './xfcc.js';

/** The built-in header formats. */
export const HEADER_FORMATS = ['rfc9440', 'xfcc', 'nginx', 'aws-alb', 'traefik', 'haproxy'] as const;
/** One of {@link HEADER_FORMATS}: how a proxy encodes the forwarded certificate. */
export type HeaderFormat = (typeof HEADER_FORMATS)[number];

/** Which header of a format a value comes from: the certificate's or the chain's. */
export type HeaderPart = 'cert' | 'chain';

/** More links than any real chain has; longer forwarded chains are cut, as on the TLS path. */
export const MAX_FORWARDED_CHAIN = 10;

/**
 * The DER certificates in one header value of `format` (leaf first). `part` selects the chain
 * header of formats that have one (rfc9440 `Client-Cert-Chain`, aws-alb `X-Amzn-Mtls-Clientcert`,
 * haproxy `ssl_c_chain_der`). An XFCC value without `Cert`/`Chain` in its last element yields [].
 *
 * @throws ClientCertError CERT_MALFORMED (or HEADER_AMBIGUOUS for an XFCC element with a
 *   repeated key) with a message that says what was expected and where, never the content.
 */
export function decodeHeaderValue(format: HeaderFormat, value: string, part: HeaderPart = 'cert'): Uint8Array[] {
  const what = `${format} ${part === 'cert' ? 'certificate' : 'chain'} header`;
  switch (format) {
    case 'rfc9440':
      return part === 'cert' ? [sfBinaryCertificate(value.trim(), what)] : cut(sfBinaryList(value, what));
    case 'xfcc':
      return cut(xfccCertificates(value, what, urlEncodedPem));
    case 'nginx':
      return [onlyOne(urlEncodedPem(value.trim(), what), what)];
    case 'aws-alb':
      return part === 'cert' ? [onlyOne(urlEncodedPem(value.trim(), what), what)] : cut(urlEncodedPem(value.trim(), what));
    case 'traefik':
      return cut(traefikCertificates(value.trim(), what));
    case 'haproxy':
      return part === 'cert' ? [base64Certificate(unquote(value.trim()), what)] : cut(derList(base64Bytes(unquote(value.trim()), what), what));
    default:
      throw malformed(`unknown header format ${JSON.stringify(format)}`);
  }
}

function cut(ders: Uint8Array[]): Uint8Array[] {
  return ders.length > MAX_FORWARDED_CHAIN ? ders.slice(0, MAX_FORWARDED_CHAIN) : ders;
}

function onlyOne(ders: Uint8Array[], what: string): Uint8Array {
  if (ders.length !== 1) throw malformed(`${what}: expected exactly one certificate, found ${ders.length}`);
  return ders[0] as Uint8Array;
}

/** `"..."` → `...` (HAProxy's `%{+Q}` log-format quoting). */
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

// --- percent-encoding ------------------------------------------------------------------------

/**
 * Strict percent-decoding, exactly once: every `%` starts `%XX` (either case), `+` stays `+`
 * (it is base64 here, never a space), raw characters must be visible ASCII, and decoded bytes
 * must be ASCII text (PEM): no NUL, no controls but CR, LF and TAB, nothing above 0x7E.
 */
export function percentDecode(value: string, what: string): string {
  let out = '';
  let runStart = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw malformed(`${what}: bad percent-escape at position ${i}: expected %XX with two hex digits`);
      const byte = hi * 16 + lo;
      if (byte > 0x7e || (byte < 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09)) {
        throw malformed(`${what}: percent-escape at position ${i} decodes to byte 0x${byte.toString(16).padStart(2, '0')}, which PEM text never holds`);
      }
      out += value.slice(runStart, i) + String.fromCharCode(byte);
      i += 2;
      runStart = i + 1;
    } else if (c < 0x21 || c > 0x7e) {
      throw malformed(`${what}: unexpected raw character U+${c.toString(16).toUpperCase().padStart(4, '0')} at position ${i}: a URL-encoded value has only visible ASCII`);
    }
  }
  return runStart === 0 ? value : out + value.slice(runStart);
}

// --- PEM -------------------------------------------------------------------------------------

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * CERTIFICATE blocks and nothing else (whitespace between blocks is fine): what proxies put in
 * their headers. Any other text, label or an unterminated block is CERT_MALFORMED.
 */
export function pemCertificates(text: string, what: string): Uint8Array[] {
  const ders: Uint8Array[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++;
    if (pos >= text.length) break;
    if (!text.startsWith(BEGIN, pos)) {
      throw malformed(`${what}: expected "${BEGIN}" at position ${pos}${ders.length === 0 ? '' : ` after certificate ${ders.length}`}`);
    }
    const bodyStart = pos + BEGIN.length;
    const end = text.indexOf(END, bodyStart);
    if (end === -1) throw malformed(`${what}: certificate ${ders.length + 1} has no "${END}" (truncated?)`);
    const origin = `${what}, certificate ${ders.length + 1}`;
    const bytes = decodeBase64(text, origin, bodyStart, end, MAX_CERTIFICATE_SIZE);
    ders.push(onlyOne(derList(bytes, origin), origin));
    pos = end + END.length;
    if (ders.length > MAX_FORWARDED_CHAIN) break;
  }
  if (ders.length === 0) throw malformed(`${what}: no certificate found: the value is empty`);
  return ders;
}

/** nginx `$ssl_client_escaped_cert`, AWS ALB, Envoy `Cert=`/`Chain=`: URL-encoded PEM. */
export function urlEncodedPem(value: string, what: string): Uint8Array[] {
  return pemCertificates(percentDecode(value, what), what);
}

// --- base64 DER ------------------------------------------------------------------------------

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Standard base64 (padding optional, nothing else: no whitespace, no base64url). */
export function base64Bytes(text: string, what: string): Uint8Array {
  if (text.length === 0) throw malformed(`${what}: no certificate found: the value is empty`);
  if (!BASE64.test(text)) {
    const bad = /[^A-Za-z0-9+/=]/.exec(text);
    throw malformed(
      bad === null
        ? `${what}: misplaced "=" padding in base64`
        : `${what}: unexpected character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} at position ${bad.index}: expected base64`,
    );
  }
  return decodeBase64(text, what, 0, text.length, MAX_CERTIFICATE_SIZE * MAX_FORWARDED_CHAIN);
}

/** Certificates back to back in DER (header check only; the gate's parser does the rest). */
function derList(bytes: Uint8Array, what: string): Uint8Array[] {
  return splitDer(bytes, what).map((item) => item.der);
}

/** One base64 DER certificate (HAProxy `ssl_c_der,base64`, one item of Traefik's list). */
export function base64Certificate(text: string, what: string): Uint8Array {
  return onlyOne(derList(base64Bytes(text, what), what), what);
}

/**
 * Traefik `X-Forwarded-Tls-Client-Cert`: the PEM bodies of the presented certificates (armour
 * and newlines removed), comma-separated, leaf first; URL-escaped by older Traefik versions.
 */
export function traefikCertificates(value: string, what: string): Uint8Array[] {
  const text = value.includes('%') ? percentDecode(value, what) : value;
  const parts = text.split(',');
  if (parts.length > MAX_FORWARDED_CHAIN) parts.length = MAX_FORWARDED_CHAIN;
  return parts.map((part, i) => base64Certificate(part, parts.length === 1 ? what : `${what}, item ${i + 1}`));
}

// --- RFC 9440 (RFC 8941 structured fields) ---------------------------------------------------

/** An sf-binary Item `:base64:` that is exactly one certificate; parameters are refused. */
export function sfBinaryCertificate(text: string, what: string): Uint8Array {
  if (text.length < 2 || !text.startsWith(':') || !text.endsWith(':') || text.indexOf(':', 1) !== text.length - 1) {
    throw malformed(`${what}: expected an RFC 8941 byte sequence ":<base64 DER>:"${text.includes(';') ? ' without parameters' : ''}`);
  }
  return base64Certificate(text.slice(1, -1), what);
}

/** An sf-list of byte sequences (`:a:, :b:`), each exactly one certificate. */
export function sfBinaryList(value: string, what: string): Uint8Array[] {
  const members = value.split(',');
  if (members.length > MAX_FORWARDED_CHAIN) members.length = MAX_FORWARDED_CHAIN;
  return members.map((member, i) => {
    // OWS around list members is SP / HTAB only.
    const text = member.replace(/^[ \t]+|[ \t]+$/g, '');
    if (text.length === 0) throw malformed(`${what}: list member ${i + 1} is empty`);
    return sfBinaryCertificate(text, members.length === 1 ? what : `${what}, member ${i + 1}`);
  });
}
