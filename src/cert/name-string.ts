/**
 * Distinguished names written as text (RFC 4514 syntax; `matchKey` reads the RDNs most specific
 * first, as `DistinguishedName.toString()` prints them, `reversedMatchKey` most general first),
 * parsed into the same comparison key that
 * `DistinguishedName.matchKey` gives a parsed certificate name, so a configured issuer or subject
 * compares with RFC 5280 7.1 name equality (case folding, whitespace compression) and nothing looser.
 *
 * Accepted: `CN=Example,O=Org,C=GB`; spaces around `=`, `,` and `+` (`CN = Example, O = Org`);
 * `;` as a separator; multi-valued RDNs with `+`; `\,`-style and `\2C`-style escapes; RFC 1779
 * quoted values; `#`-hex BER values; attribute types by short name (CN, O, OU, C, ST or S, L, E or
 * emailAddress, DC, UID, serialNumber, ...) or dotted OID (optionally prefixed `OID.`).
 */
import { ClientCertError } from '../errors.js';
import { DerReader, toHex } from './der.js';
import { attributeOid, prepareString } from './name.js';
import { decodeString, STRING_TAGS } from './strings.js';

/** One attribute of a parsed name string. `value` is text, or `#HEX` for a non-string BER value. */
export interface NameStringAttribute {
  readonly oid: string;
  readonly value: string;
  readonly isString: boolean;
}

/** A name parsed from text. */
export interface ParsedNameString {
  /** The input, trimmed. */
  readonly text: string;
  /** RDNs most specific first, as written. */
  readonly rdns: ReadonlyArray<ReadonlyArray<NameStringAttribute>>;
  /** Equal to `DistinguishedName.matchKey` of a certificate name that RFC 5280 7.1 considers equal. */
  readonly matchKey: string;
  /**
   * The key of the same RDNs read in the opposite order: what the string means when written most
   * general first, as OpenSSL prints names (`C = GB, ..., CN = Example`).
   */
  readonly reversedMatchKey: string;
}

const MAX_NAME_STRING = 4096;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

function invalid(text: string, why: string): ClientCertError {
  return new ClientCertError('CONFIG_INVALID', `distinguished name ${JSON.stringify(text.slice(0, 120))} is not valid RFC 4514: ${why}`);
}

/** Key in the format of `Name.matchKey`: RDNs most general first, attributes sorted. */
function keyOf(rdnsMostGeneralFirst: ReadonlyArray<ReadonlyArray<NameStringAttribute>>): string {
  return JSON.stringify(rdnsMostGeneralFirst.map((rdn) => rdn.map((a) => (a.isString ? `${a.oid}=${prepareString(a.value)}` : `${a.oid}${a.value}`)).sort()));
}

function hexValue(text: string, hex: string): { value: string; isString: boolean } {
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) throw invalid(text, `"#${hex.slice(0, 20)}" is not an even number of hex digits`);
  const bytes = Buffer.from(hex, 'hex');
  try {
    const reader = new DerReader(bytes);
    const tlv = reader.next('attribute value');
    reader.finish('attribute value');
    if (STRING_TAGS.has(tlv.tag)) return { value: decodeString(bytes, tlv, 'attribute value'), isString: true };
  } catch (error) {
    throw invalid(text, `"#${hex.slice(0, 20)}" is not one BER element (${error instanceof Error ? error.message : String(error)})`);
  }
  return { value: `#${toHex(bytes)}`, isString: false };
}

/**
 * Parses an RFC 4514 distinguished name string.
 *
 * @throws ClientCertError CONFIG_INVALID with what was expected and where.
 */
export function parseNameString(input: string): ParsedNameString {
  if (typeof input !== 'string') throw new ClientCertError('CONFIG_INVALID', `expected a distinguished name string, found ${typeof input}`);
  // Leading whitespace and unescaped trailing whitespace are insignificant ("CN=x\\ " keeps its space).
  if (input.length > MAX_NAME_STRING) throw invalid(input, `longer than ${MAX_NAME_STRING} characters`);
  let text = input.trimStart();
  while (/\s$/.test(text) && !/(?:^|[^\\])(?:\\\\)*\\\s$/.test(text)) text = text.slice(0, -1);
  if (text.length === 0) throw invalid(text, 'it is empty');
  const rdns: NameStringAttribute[][] = [];
  let rdn: NameStringAttribute[] = [];
  let i = 0;
  const skipSpaces = (): void => {
    while (i < text.length && text[i] === ' ') i++;
  };
  for (;;) {
    skipSpaces();
    // Attribute type.
    const typeStart = i;
    while (i < text.length && /[A-Za-z0-9.-]/.test(text[i] as string)) i++;
    let type = text.slice(typeStart, i);
    if (type.length === 0) throw invalid(text, `expected an attribute type at position ${i}`);
    if (/^oid\./i.test(type)) type = type.slice(4);
    const oid = attributeOid(type);
    if (oid === undefined) throw invalid(text, `unknown attribute type "${type.slice(0, 40)}" (use a short name such as CN, O, OU, C, ST, L, E, DC, or a dotted OID)`);
    skipSpaces();
    if (text[i] !== '=') throw invalid(text, `expected "=" after "${type}" at position ${i}`);
    i++;
    skipSpaces();
    // Attribute value.
    let attribute: NameStringAttribute;
    if (text[i] === '#') {
      const start = ++i;
      while (i < text.length && /[0-9a-fA-F]/.test(text[i] as string)) i++;
      attribute = { oid, ...hexValue(text, text.slice(start, i)) };
      skipSpaces();
    } else if (text[i] === '"') {
      i++;
      const bytes: number[] = [];
      for (;;) {
        if (i >= text.length) throw invalid(text, 'unterminated quoted value');
        const c = text[i] as string;
        if (c === '"') {
          i++;
          break;
        }
        if (c === '\\') {
          const next = text[i + 1];
          if (next === undefined) throw invalid(text, 'a backslash ends the string');
          bytes.push(...utf8Encoder.encode(next));
          i += 2;
          continue;
        }
        const cp = text.codePointAt(i) as number;
        const ch = String.fromCodePoint(cp);
        bytes.push(...utf8Encoder.encode(ch));
        i += ch.length;
      }
      attribute = { oid, value: decodeValueBytes(text, bytes), isString: true };
      skipSpaces();
    } else {
      const bytes: number[] = [];
      // Index in `bytes` after the last character that was escaped or not a space: unescaped
      // trailing spaces are insignificant.
      let significantEnd = 0;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === ',' || c === '+' || c === ';') break;
        if (c === '\\') {
          const pair = text.slice(i + 1, i + 3);
          if (HEX_PAIR.test(pair)) {
            bytes.push(Number.parseInt(pair, 16));
            i += 3;
          } else {
            const next = text[i + 1];
            if (next === undefined) throw invalid(text, 'a backslash ends the string');
            if (!`"+,;<>\\ #=`.includes(next)) throw invalid(text, `"\\${next}" is not a valid escape at position ${i}`);
            bytes.push(next.charCodeAt(0));
            i += 2;
          }
          significantEnd = bytes.length;
          continue;
        }
        const cp = text.codePointAt(i) as number;
        const ch = String.fromCodePoint(cp);
        bytes.push(...utf8Encoder.encode(ch));
        i += ch.length;
        if (ch !== ' ') significantEnd = bytes.length;
      }
      attribute = { oid, value: decodeValueBytes(text, bytes.slice(0, significantEnd)), isString: true };
    }
    rdn.push(attribute);
    if (i >= text.length) {
      rdns.push(rdn);
      break;
    }
    const separator = text[i];
    i++;
    if (separator === '+') continue;
    if (separator === ',' || separator === ';') {
      rdns.push(rdn);
      rdn = [];
      continue;
    }
    throw invalid(text, `unexpected "${separator ?? ''}" at position ${i - 1}`);
  }
  return {
    text,
    rdns,
    matchKey: keyOf([...rdns].reverse()),
    reversedMatchKey: keyOf(rdns),
  };
}

function decodeValueBytes(text: string, bytes: number[]): string {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    throw invalid(text, 'an escaped value is not valid UTF-8');
  }
}
