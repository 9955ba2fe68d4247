/**
 * Decoding of the ASN.1 character string types found in X.509 names and general names.
 *
 * Byte-oriented types (PrintableString, IA5String, VisibleString, NumericString, TeletexString)
 * are read as Latin-1 without charset policing: real certificates put '*', '@' or '&' in
 * PrintableString, and whether such a value is acceptable is a policy question, not a parsing one.
 * UTF8String, BMPString and UniversalString are decoded strictly: an encoding that does not
 * decode to Unicode text is malformed.
 */
import { malformed, TAG, type Tlv } from './der.js';

/** Tags whose values are character strings (what RFC 5280 7.1 compares case-insensitively). */
export const STRING_TAGS: ReadonlySet<number> = new Set<number>([
  TAG.UTF8_STRING,
  TAG.NUMERIC_STRING,
  TAG.PRINTABLE_STRING,
  TAG.TELETEX_STRING,
  TAG.IA5_STRING,
  TAG.VISIBLE_STRING,
  TAG.UNIVERSAL_STRING,
  TAG.BMP_STRING,
]);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Latin-1 (one char per byte) of bytes[start, end). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let out = '';
    for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i] as number);
    return out;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/** Decodes a string-typed element; `tlv.tag` must be in STRING_TAGS. */
export function decodeString(bytes: Uint8Array, tlv: Tlv, what: string): string {
  const { start, end } = tlv;
  switch (tlv.tag) {
    case TAG.UTF8_STRING: {
      let ascii = true;
      for (let i = start; i < end; i++) {
        if ((bytes[i] as number) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return latin1(bytes, start, end);
      try {
        return utf8.decode(bytes.subarray(start, end));
      } catch {
        throw malformed(`UTF8String ${what} at offset ${tlv.offset} is not valid UTF-8`);
      }
    }
    case TAG.BMP_STRING: {
      if ((end - start) % 2 !== 0) throw malformed(`BMPString ${what} at offset ${tlv.offset} has an odd length ${end - start}`);
      let out = '';
      for (let i = start; i < end; i += 2) {
        const unit = ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
        if (unit >= 0xd800 && unit <= 0xdfff) {
          // BMPString is UCS-2: surrogates are not characters.
          throw malformed(`BMPString ${what} at offset ${tlv.offset} contains a surrogate code unit`);
        }
        out += String.fromCharCode(unit);
      }
      return out;
    }
    case TAG.UNIVERSAL_STRING: {
      if ((end - start) % 4 !== 0) throw malformed(`UniversalString ${what} at offset ${tlv.offset} has length ${end - start}, not a multiple of 4`);
      let out = '';
      for (let i = start; i < end; i += 4) {
        const cp = (bytes[i] as number) * 0x1000000 + (((bytes[i + 1] as number) << 16) | ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number));
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          throw malformed(`UniversalString ${what} at offset ${tlv.offset} contains an invalid code point`);
        }
        out += String.fromCodePoint(cp);
      }
      return out;
    }
    default:
      return latin1(bytes, start, end);
  }
}
