/**
 * A strict, small DER reader: exactly what X.509 needs and nothing BER allows.
 *
 * - definite lengths only, in minimal form, at most 4 length octets;
 * - low tag numbers only (X.509 never uses the high-tag-number form), no end-of-contents tag,
 *   universal types in the one form DER allows (SEQUENCE/SET constructed, all else primitive);
 * - every element must fit in its parent, and callers call `finish()` so no trailing bytes pass;
 * - no generic recursive descent: callers walk the certificate schema, so nesting depth is bounded
 *   by that schema, whatever the input.
 *
 * Every failure is a `ClientCertError('CERT_MALFORMED')` whose message names what was expected,
 * where (offset in the certificate DER) and what was found.
 */
import { ClientCertError } from '../errors.js';

/** Universal and context tags used by X.509 (full identifier octets, class and constructed bit included). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const TAG_NAMES: Readonly<Record<number, string>> = {
  0x01: 'BOOLEAN',
  0x02: 'INTEGER',
  0x03: 'BIT STRING',
  0x04: 'OCTET STRING',
  0x05: 'NULL',
  0x06: 'OBJECT IDENTIFIER',
  0x0c: 'UTF8String',
  0x12: 'NumericString',
  0x13: 'PrintableString',
  0x14: 'TeletexString',
  0x16: 'IA5String',
  0x17: 'UTCTime',
  0x18: 'GeneralizedTime',
  0x1a: 'VisibleString',
  0x1c: 'UniversalString',
  0x1e: 'BMPString',
  0x30: 'SEQUENCE',
  0x31: 'SET',
};

/** "SEQUENCE (0x30)", "[3] (0xa3)": how messages name a tag. */
export function describeTag(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(2, '0')}`;
  const name = TAG_NAMES[tag];
  if (name !== undefined) return `${name} (${hex})`;
  if ((tag & 0x1f) === 0x1f) return `high-tag-number form ${hex}`;
  if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}] (${hex})`;
  return hex;
}

/** A decoded element header: `offset` is where its tag is; its content is bytes[start, end). */
export interface Tlv {
  readonly tag: number;
  readonly offset: number;
  readonly start: number;
  readonly end: number;
}

/** The error every parsing failure is. */
export function malformed(message: string): ClientCertError {
  return new ClientCertError('CERT_MALFORMED', message);
}

/** Reads consecutive elements from bytes[pos, end). */
export class DerReader {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** A reader over the content of `tlv` (which must come from the same bytes). */
  static inside(bytes: Uint8Array, tlv: Tlv): DerReader {
    return new DerReader(bytes, tlv.start, tlv.end);
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The next tag, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.end ? (this.bytes[this.pos] as number) : -1;
  }

  /** Reads the next element, whatever its tag. */
  next(what: string): Tlv {
    const bytes = this.bytes;
    const offset = this.pos;
    const end = this.end;
    if (offset >= end) throw malformed(`expected ${what} at offset ${offset}, found end of data`);
    const tag = bytes[offset] as number;
    if (tag === 0x00) throw malformed(`expected ${what} at offset ${offset}, found 0x00 (end-of-contents, not a DER element)`);
    if ((tag & 0x1f) === 0x1f) {
      throw malformed(`expected ${what} at offset ${offset}, found high-tag-number form 0x${hex2(tag)} (not used by X.509)`);
    }
    if ((tag & 0xc0) === 0) {
      // Universal class: SEQUENCE and SET are always constructed; DER encodes everything else
      // (strings, times, integers) primitive. EXTERNAL (8) and EMBEDDED PDV (11) never occur in X.509.
      const number = tag & 0x1f;
      const constructed = (tag & 0x20) !== 0;
      if (number === 16 || number === 17 ? !constructed : constructed) {
        throw malformed(
          `expected ${what} at offset ${offset}, found 0x${hex2(tag)}: universal tag ${number} in ${constructed ? 'constructed' : 'primitive'} form is not DER`,
        );
      }
    }
    if (offset + 1 >= end) throw malformed(`truncated ${what} at offset ${offset}: no length octet`);
    const first = bytes[offset + 1] as number;
    let length: number;
    let start: number;
    if (first < 0x80) {
      length = first;
      start = offset + 2;
    } else if (first === 0x80) {
      throw malformed(`indefinite length (BER) in ${what} at offset ${offset}; DER needs a definite length`);
    } else {
      const count = first & 0x7f;
      if (count > 4) throw malformed(`length of ${what} at offset ${offset} uses ${count} octets; at most 4 are accepted`);
      if (offset + 2 + count > end) throw malformed(`truncated length of ${what} at offset ${offset}`);
      if (bytes[offset + 2] === 0) throw malformed(`non-minimal length encoding (leading zero octet) in ${what} at offset ${offset}`);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] as number);
      if (length < 0x80) throw malformed(`non-minimal length encoding (long form for ${length}) in ${what} at offset ${offset}`);
      start = offset + 2 + count;
    }
    if (length > end - start) {
      throw malformed(`length ${length} of ${what} at offset ${offset} exceeds the ${end - start} bytes available`);
    }
    this.pos = start + length;
    const tlv = { tag, offset, start, end: start + length };
    if (tag <= 0x06) checkPrimitive(bytes, tlv, what);
    return tlv;
  }

  /** Reads the next element, which must carry `tag`. */
  expect(tag: number, what: string): Tlv {
    if (this.pos >= this.end) throw malformed(`expected ${describeTag(tag)} for ${what} at offset ${this.pos}, found end of data`);
    const found = this.bytes[this.pos] as number;
    if (found !== tag) {
      throw malformed(`expected ${describeTag(tag)} for ${what} at offset ${this.pos}, found ${describeTag(found)}`);
    }
    return this.next(what);
  }

  /** Reads the next element when it carries `tag`; otherwise leaves the reader where it is. */
  optional(tag: number, what: string): Tlv | undefined {
    return this.peekTag() === tag ? this.next(what) : undefined;
  }

  /** Asserts that everything was consumed. */
  finish(what: string): void {
    if (this.pos !== this.end) {
      throw malformed(
        `unexpected ${describeTag(this.bytes[this.pos] as number)} at offset ${this.pos} after the end of ${what} (${this.end - this.pos} trailing bytes)`,
      );
    }
  }
}

/**
 * The encoding rules of BOOLEAN, INTEGER, BIT STRING, NULL and OBJECT IDENTIFIER, checked for every
 * element read, also where the schema says ANY (algorithm parameters, attribute values), so that
 * no invalid primitive hides in a field certgate does not interpret.
 */
function checkPrimitive(bytes: Uint8Array, tlv: Tlv, what: string): void {
  switch (tlv.tag) {
    case TAG.BOOLEAN:
      readBoolean(bytes, tlv, what);
      break;
    case TAG.INTEGER:
      readIntegerBytes(bytes, tlv, what);
      break;
    case TAG.BIT_STRING:
      readBitString(bytes, tlv, what);
      break;
    case TAG.NULL:
      readNull(tlv, what);
      break;
    case TAG.OID:
      checkOid(bytes, tlv, what);
      break;
    default:
      break;
  }
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

const HEX_UPPER: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());

/** Uppercase hex of bytes[start, end) without separators. */
export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX_UPPER[bytes[i] as number] as string;
  return out;
}

/** The content bytes of `tlv` as a view (no copy). */
export function content(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** The whole element (header and content) as a view. */
export function element(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.offset, tlv.end);
}

/** BOOLEAN content: DER allows exactly 0x00 or 0xFF. */
export function readBoolean(bytes: Uint8Array, tlv: Tlv, what: string): boolean {
  if (tlv.end - tlv.start !== 1) throw malformed(`BOOLEAN ${what} at offset ${tlv.offset} has ${tlv.end - tlv.start} content octets; DER needs 1`);
  const value = bytes[tlv.start] as number;
  if (value === 0xff) return true;
  if (value === 0x00) return false;
  throw malformed(`non-canonical BOOLEAN ${what} at offset ${tlv.offset}: 0x${hex2(value)} (DER allows 0x00 and 0xFF)`);
}

/** Checks an INTEGER's content is non-empty and minimally encoded; returns the content view. */
export function readIntegerBytes(bytes: Uint8Array, tlv: Tlv, what: string): Uint8Array {
  const length = tlv.end - tlv.start;
  if (length === 0) throw malformed(`empty INTEGER ${what} at offset ${tlv.offset}`);
  if (length > 1) {
    const a = bytes[tlv.start] as number;
    const b = bytes[tlv.start + 1] as number;
    if ((a === 0x00 && b < 0x80) || (a === 0xff && b >= 0x80)) {
      throw malformed(`non-minimal INTEGER encoding of ${what} at offset ${tlv.offset}`);
    }
  }
  return bytes.subarray(tlv.start, tlv.end);
}

/**
 * A non-negative INTEGER as a number. Values above 2^53 - 1 saturate to Number.MAX_SAFE_INTEGER
 * (they are "unlimited" for every X.509 use: path lengths, skip certs).
 */
export function readSmallNonNegative(bytes: Uint8Array, tlv: Tlv, what: string): number {
  const value = readIntegerBytes(bytes, tlv, what);
  if (((value[0] as number) & 0x80) !== 0) throw malformed(`negative INTEGER ${what} at offset ${tlv.offset}; expected 0 or more`);
  let n = 0;
  for (const byte of value) {
    n = n * 256 + byte;
    if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  }
  return n;
}

/** NULL content must be empty. */
export function readNull(tlv: Tlv, what: string): void {
  if (tlv.end !== tlv.start) throw malformed(`NULL ${what} at offset ${tlv.offset} has ${tlv.end - tlv.start} content octets; expected 0`);
}

/** A decoded BIT STRING: `bytes` excludes the unused-bits octet. */
export interface BitString {
  readonly unusedBits: number;
  readonly bytes: Uint8Array;
}

/** BIT STRING content with DER padding rules: unused bits 0-7, 0 when empty, padding bits zero. */
export function readBitString(bytes: Uint8Array, tlv: Tlv, what: string): BitString {
  const length = tlv.end - tlv.start;
  if (length === 0) throw malformed(`BIT STRING ${what} at offset ${tlv.offset} lacks its unused-bits octet`);
  const unused = bytes[tlv.start] as number;
  if (unused > 7) throw malformed(`BIT STRING ${what} at offset ${tlv.offset} declares ${unused} unused bits; expected 0-7`);
  if (length === 1 && unused !== 0) throw malformed(`empty BIT STRING ${what} at offset ${tlv.offset} declares ${unused} unused bits; expected 0`);
  if (unused !== 0) {
    const last = bytes[tlv.end - 1] as number;
    if ((last & ((1 << unused) - 1)) !== 0) {
      throw malformed(`BIT STRING ${what} at offset ${tlv.offset} has non-zero padding bits (DER needs them zero)`);
    }
  }
  return { unusedBits: unused, bytes: bytes.subarray(tlv.start + 1, tlv.end) };
}

/** A BIT STRING that must hold whole octets (signatures, public keys). */
export function readOctetAlignedBitString(bytes: Uint8Array, tlv: Tlv, what: string): Uint8Array {
  const bits = readBitString(bytes, tlv, what);
  if (bits.unusedBits !== 0) {
    throw malformed(`BIT STRING ${what} at offset ${tlv.offset} declares ${bits.unusedBits} unused bits; expected whole octets`);
  }
  return bits.bytes;
}

// OIDs repeat across certificates (and within one); decoding the same few bytes again is
// wasteful, so decoded strings are memoised by their content, in a map bounded by its size.
const OID_MEMO = new Map<string, string>();
const OID_MEMO_MAX = 4096;

/** OBJECT IDENTIFIER content as a dotted string, rejecting non-minimal arcs. */
export function readOid(bytes: Uint8Array, tlv: Tlv, what: string): string {
  const { start, end } = tlv;
  if (end === start) throw malformed(`empty OBJECT IDENTIFIER ${what} at offset ${tlv.offset}`);
  if (end - start <= 32) {
    let key = '';
    for (let i = start; i < end; i++) key += String.fromCharCode(bytes[i] as number);
    const hit = OID_MEMO.get(key);
    if (hit !== undefined) return hit;
    const decoded = decodeOid(bytes, tlv, what);
    if (OID_MEMO.size >= OID_MEMO_MAX) OID_MEMO.clear();
    OID_MEMO.set(key, decoded);
    return decoded;
  }
  return decodeOid(bytes, tlv, what);
}

/** Non-empty, every arc minimal, the last arc complete. */
function checkOid(bytes: Uint8Array, tlv: Tlv, what: string): void {
  const { start, end } = tlv;
  if (end === start) throw malformed(`empty OBJECT IDENTIFIER ${what} at offset ${tlv.offset}`);
  if (((bytes[end - 1] as number) & 0x80) !== 0) throw malformed(`truncated OBJECT IDENTIFIER ${what} at offset ${tlv.offset}`);
  let arcStart = true;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number;
    if (arcStart && byte === 0x80) throw malformed(`non-minimal arc in OBJECT IDENTIFIER ${what} at offset ${tlv.offset}`);
    arcStart = (byte & 0x80) === 0;
  }
}

function decodeOid(bytes: Uint8Array, tlv: Tlv, what: string): string {
  const { start, end } = tlv;
  checkOid(bytes, tlv, what);
  const arcs: string[] = [];
  let i = start;
  while (i < end) {
    let value = 0;
    let big: bigint | undefined;
    for (;;) {
      const byte = bytes[i++] as number;
      if (big === undefined && value < 2 ** 45) {
        value = value * 128 + (byte & 0x7f);
      } else {
        big = (big ?? BigInt(value)) * 128n + BigInt(byte & 0x7f);
      }
      if ((byte & 0x80) === 0) break;
    }
    if (arcs.length === 0) {
      // The first subidentifier packs two arcs: 40 * X + Y, X in 0..2.
      if (big !== undefined) {
        arcs.push('2', (big - 80n).toString());
      } else if (value < 40) {
        arcs.push('0', String(value));
      } else if (value < 80) {
        arcs.push('1', String(value - 40));
      } else {
        arcs.push('2', String(value - 80));
      }
    } else {
      arcs.push(big !== undefined ? big.toString() : String(value));
    }
  }
  return arcs.join('.');
}
