/**
 * From whatever a caller has (a PEM file, a proxy header, a JSON service key, DER bytes) to the
 * DER of each certificate in it. Decides the form, undoes its escaping, enforces the size limit
 * before any heavy work, and never decodes or echoes a block that is not a certificate.
 *
 * Forms, tried in this order on text:
 * 1. URL-escaped (nginx `$ssl_client_escaped_cert`, AWS ALB, Envoy XFCC, Traefik): text with
 *    `%XX` escapes and no raw whitespace is percent-decoded. `+` stays `+` (it is base64, not a
 *    space: ALB leaves `+ = /` unescaped).
 * 2. Literal escapes (SAP service keys, JSON strings): `\n`, `\r`, `\t` and `\/` become what they
 *    stand for, also when doubly escaped.
 * 3. PEM: CERTIFICATE (and the legacy X509 CERTIFICATE) blocks are decoded; other blocks (keys,
 *    CRLs, requests) are skipped unread; TRUSTED CERTIFICATE (OpenSSL's trust-settings form) is
 *    refused, because its trust restrictions would be silently dropped.
 * 4. Bare base64 of DER, standard or base64url, padded or not, with any whitespace, optionally in
 *    double quotes or as an RFC 9440 byte sequence (`:...:`); several separated by commas.
 * Bytes starting like a DER SEQUENCE are DER; other bytes are text (UTF-8, or UTF-16 with a BOM).
 * DER may hold several certificates back to back.
 */
import { malformed } from './der.js';
import { decodeBase64 } from './base64.js';
import { findPemBlocks, lineAndColumn, looksLikePem } from './pem.js';
import { MAX_CERTIFICATE_SIZE } from './certificate.js';

/** Largest input accepted, in bytes (or UTF-16 code units for strings): 1 MiB. */
export const MAX_INPUT_SIZE = 1024 * 1024;

/** One certificate's DER and where it came from, for messages. */
export interface DerItem {
  readonly der: Uint8Array;
  /** "PEM block at line 12", "DER certificate at offset 0", ... */
  readonly origin: string;
}

const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE']);

/** Splits `input` into certificate DERs (at least one). Throws CERT_MALFORMED otherwise. */
export function certificateDers(input: string | Uint8Array): DerItem[] {
  if (typeof input === 'string') {
    if (input.length > MAX_INPUT_SIZE) throw tooLarge(input.length);
    return fromText(input);
  }
  if (!(input instanceof Uint8Array)) {
    throw malformed(`expected a string or a Uint8Array holding certificates, found ${input === null ? 'null' : typeof input}`);
  }
  if (input.length > MAX_INPUT_SIZE) throw tooLarge(input.length);
  if (input.length === 0) throw malformed('no certificate found: the input is empty');
  const b0 = input[0] as number;
  const b1 = input[1];
  // A certificate is always longer than 127 bytes, so its length octet is 0x81-0x84; text never
  // has a control or non-ASCII byte right after a leading '0', nor binary control bytes early on.
  if (b0 === 0x30 && (b1 === undefined || b1 < 0x20 || b1 >= 0x80 || hasBinaryControl(input, 64))) return splitDer(input);
  return fromText(bytesToText(input));
}

/** True when bytes[0, limit) holds a control byte that text does not (anything below 0x20 but TAB, LF, CR). */
function hasBinaryControl(bytes: Uint8Array, limit: number): boolean {
  for (let i = 0; i < Math.min(limit, bytes.length); i++) {
    const b = bytes[i] as number;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return true;
  }
  return false;
}

function tooLarge(size: number): Error {
  return malformed(`input of ${size} bytes exceeds the limit of ${MAX_INPUT_SIZE} bytes`);
}

function bytesToText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // utf-16be needs ICU in TextDecoder; swap to little-endian instead.
    const swapped = new Uint8Array(bytes.length - 2 - (bytes.length % 2));
    for (let i = 0; i < swapped.length; i += 2) {
      swapped[i] = bytes[i + 3] as number;
      swapped[i + 1] = bytes[i + 2] as number;
    }
    return new TextDecoder('utf-16le').decode(swapped);
  }
  return new TextDecoder('utf-8').decode(bytes); // strips a UTF-8 BOM; invalid bytes become U+FFFD
}

function fromText(raw: string): DerItem[] {
  let text = raw.trim();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1).trim();
  if (text.length === 0) throw malformed('no certificate found: the input is empty');
  if (/%[0-9A-Fa-f]{2}/.test(text) && !/\s/.test(text)) text = percentDecode(text).trim();
  if (text.includes('\\')) text = unescapeLiterals(text);
  if (looksLikePem(text)) return fromPem(text);
  return fromBase64(text);
}

/** Strict percent-decoding (a '%' must start %XX); the result is read as UTF-8. */
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text); // native; '+' stays '+'
  } catch {
    // Malformed escape or bytes that are not UTF-8: the scan below says where.
  }
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) throw malformed(`URL-escaped input has a bad escape at position ${i}: expected %XX`);
      bytes[n++] = hi * 16 + lo;
      i += 2;
    } else if (c < 0x80) {
      bytes[n++] = c;
    } else {
      throw malformed(`URL-escaped input has a raw non-ASCII character at position ${i}`);
    }
  }
  return new TextDecoder('utf-8').decode(bytes.subarray(0, n));
}

/** The value of an ASCII hex digit's code, or -1. */
export function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** `\n`, `\r\n`, `\r`, `\t` (any number of backslashes) to whitespace, `\/` to '/'. */
function unescapeLiterals(text: string): string {
  return text.replace(/\\+(?:r\\+n|n|r|t)/g, '\n').replace(/\\+\//g, '/');
}

function fromPem(text: string): DerItem[] {
  const blocks = findPemBlocks(text);
  const items: DerItem[] = [];
  const others: string[] = [];
  for (const block of blocks) {
    if (CERTIFICATE_LABELS.has(block.label)) {
      const origin = `PEM block at line ${block.line}`;
      // One certificate per block: trailing bytes inside a block are an error, reported by the parser.
      items.push({ der: decodeBase64(text, origin, block.bodyStart, block.bodyEnd, MAX_CERTIFICATE_SIZE, (i) => lineAndColumn(text, i)), origin });
    } else if (block.label === 'TRUSTED CERTIFICATE') {
      throw malformed(
        `PEM block at line ${block.line} is a TRUSTED CERTIFICATE (OpenSSL trust settings), which certgate does not accept: ` +
          'its trust restrictions would be ignored; convert it with `openssl x509 -in FILE -out cert.pem`',
      );
    } else {
      others.push(block.label);
    }
  }
  if (items.length === 0) {
    throw malformed(
      others.length === 0
        ? 'no certificate found: the PEM input has no CERTIFICATE block'
        : `no certificate found: expected a CERTIFICATE PEM block, found ${[...new Set(others)].join(', ')}`,
    );
  }
  return items;
}

function fromBase64(text: string): DerItem[] {
  let body = text;
  if (body.length >= 2 && body.startsWith('"') && body.endsWith('"')) body = body.slice(1, -1);
  if (body.length >= 2 && body.startsWith(':') && body.endsWith(':')) body = body.slice(1, -1);
  const parts = body.includes(',') ? body.split(',') : [body];
  const items: DerItem[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const origin = parts.length === 1 ? 'input (no PEM marker, read as base64)' : `base64 item ${i + 1} of ${parts.length} (no PEM marker)`;
    if (part.trim().length === 0) throw malformed(`${origin} is empty`);
    let decoded: Uint8Array;
    try {
      decoded = decodeBase64(part, origin, 0, part.length, MAX_INPUT_SIZE);
    } catch (error) {
      // Text that is not even base64-ish gets the message that names all accepted forms.
      const bad = /[^A-Za-z0-9+/_=,\s-]/.exec(body);
      if (bad === null) throw error;
      const c = body.codePointAt(bad.index) ?? 0;
      throw malformed(
        `no certificate found: expected PEM (-----BEGIN CERTIFICATE-----), base64 DER or DER bytes; found text with U+${c.toString(16).toUpperCase().padStart(4, '0')} (not base64) at position ${bad.index}`,
      );
    }
    for (const der of splitDer(decoded, origin)) items.push(der);
  }
  return items;
}

/** Certificates back to back in DER: each a top-level SEQUENCE; anything else is an error (header-only check; the parser does the rest). */
export function splitDer(bytes: Uint8Array, origin = 'DER input'): DerItem[] {
  if (bytes.length === 0) throw malformed(`${origin} decodes to no bytes`);
  const items: DerItem[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const end = pos + derElementLength(bytes, pos, origin);
    const where = pos === 0 && end === bytes.length ? origin : `${origin}, certificate at offset ${pos}`;
    items.push({ der: bytes.subarray(pos, end), origin: where });
    pos = end;
  }
  return items;
}

/** Length (header included) of the SEQUENCE at bytes[pos]; only the header is read here. */
function derElementLength(bytes: Uint8Array, pos: number, origin: string): number {
  const tag = bytes[pos] as number;
  if (tag !== 0x30) {
    throw malformed(
      pos === 0
        ? `${origin}: expected a certificate SEQUENCE (0x30) at offset 0, found 0x${tag.toString(16).padStart(2, '0')}`
        : `${origin}: unexpected 0x${tag.toString(16).padStart(2, '0')} at offset ${pos} after a certificate (${bytes.length - pos} trailing bytes)`,
    );
  }
  const first = bytes[pos + 1];
  if (first === undefined) throw malformed(`${origin}: truncated certificate at offset ${pos}`);
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0) throw malformed(`${origin}: indefinite length (BER) at offset ${pos}; DER needs a definite length`);
  if (count > 4) throw malformed(`${origin}: length at offset ${pos} uses ${count} octets; at most 4 are accepted`);
  let length = 0;
  for (let i = 0; i < count; i++) {
    const b = bytes[pos + 2 + i];
    if (b === undefined) throw malformed(`${origin}: truncated length at offset ${pos}`);
    length = length * 256 + b;
  }
  const total = 2 + count + length;
  if (total > MAX_CERTIFICATE_SIZE) {
    throw malformed(`${origin}: certificate at offset ${pos} declares ${total} bytes, over the limit of ${MAX_CERTIFICATE_SIZE}`);
  }
  if (pos + total > bytes.length) {
    throw malformed(`${origin}: certificate at offset ${pos} declares ${total} bytes but only ${bytes.length - pos} remain (truncated?)`);
  }
  return total;
}

/**
 * What DER that failed to parse as a certificate looks like, when it is a well-known neighbour
 * (so the message can say "this is a PKCS#12 archive" instead of only which tag was wrong).
 * Looks at a few header bytes only; never quotes content.
 */
export function sniffDer(der: Uint8Array): string | undefined {
  if (der[0] !== 0x30 || der.length < 8) return undefined;
  const first = der[1] as number;
  const p = first < 0x80 ? 2 : 2 + (first & 0x7f);
  const at = (i: number): number | undefined => der[p + i];
  if (at(0) === 0x02 && at(1) === 0x01) {
    const version = at(2);
    const next = at(3);
    if (version === 0x03 && next === 0x30) return 'a PKCS#12 archive (.p12/.pfx), not a certificate';
    if (version === 0x00 && (next === 0x30 || next === 0x02)) return 'a private key, not a certificate';
    if (version === 0x01 && next === 0x04) return 'an EC private key, not a certificate';
  }
  // ContentInfo with contentType signedData (1.2.840.113549.1.7.2).
  const signedData = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
  if (signedData.every((b, i) => at(i) === b)) return 'a PKCS#7/CMS bundle (.p7b), not a certificate; convert it with `openssl pkcs7 -print_certs`';
  return undefined;
}
