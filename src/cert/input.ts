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
import { findPemBlocks, looksLikePem } from './pem.js';
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
  // has a control or non-ASCII byte right after a leading '0'.
  if (b0 === 0x30 && (b1 === undefined || b1 < 0x20 || b1 >= 0x80)) return splitDer(input);
  return fromText(bytesToText(input));
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
  const bytes = new Uint8Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw malformed(`URL-escaped input has a bad escape at position ${i}: expected %XX`);
      bytes[n++] = parseInt(hex, 16);
      i += 2;
    } else if (c < 0x80) {
      bytes[n++] = c;
    } else {
      throw malformed(`URL-escaped input has a raw non-ASCII character at position ${i}`);
    }
  }
  return new TextDecoder('utf-8').decode(bytes.subarray(0, n));
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
      if (block.body.length > Math.ceil((MAX_CERTIFICATE_SIZE * 4) / 3) + 4) {
        throw malformed(`${origin}: certificate exceeds the limit of ${MAX_CERTIFICATE_SIZE} bytes`);
      }
      // One certificate per block: trailing bytes inside a block are an error, reported by the parser.
      items.push({ der: decodeBase64(block.body, origin), origin });
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
  if (!/^[A-Za-z0-9+/_=,\s-]*$/.test(body)) {
    throw malformed(`no certificate found: expected PEM (-----BEGIN CERTIFICATE-----), base64 DER or DER bytes; ${describeText(body)}`);
  }
  const parts = body.split(',');
  const items: DerItem[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = (parts[i] as string).replace(/\s+/g, '');
    const origin = parts.length === 1 ? 'input (no PEM marker, read as base64)' : `base64 item ${i + 1} of ${parts.length} (no PEM marker)`;
    if (part.length === 0) throw malformed(`${origin} is empty`);
    for (const der of splitDer(decodeBase64(part, origin), origin)) items.push(der);
  }
  return items;
}

/** Says what kind of text it is without quoting it. */
function describeText(text: string): string {
  const bad = /[^A-Za-z0-9+/_=,\s-]/.exec(text);
  if (bad === null) return 'found text';
  const c = text.codePointAt(bad.index) ?? 0;
  return `found text with U+${c.toString(16).toUpperCase().padStart(4, '0')} (not base64) at position ${bad.index}`;
}

/** Certificates back to back in DER: each a top-level SEQUENCE; anything else is an error. */
function splitDer(bytes: Uint8Array, origin = 'DER input'): DerItem[] {
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
