/**
 * X.501 Names: parsing, RFC 4514 strings, attribute access and RFC 5280 7.1 comparison.
 */
import { DerReader, describeTag, element, malformed, readOid, TAG, toHex, type Tlv } from './der.js';
import type { DistinguishedName, NameAttribute } from './types.js';
import { ATTRIBUTE_NAMES, ATTRIBUTE_OIDS } from './oids.js';
import { decodeString, STRING_TAGS } from './strings.js';

const DOTTED_OID = /^[0-2](?:\.(?:0|[1-9][0-9]*))+$/;

/** The OID an attribute name ("cn", "E", "emailAddress", "2.5.4.3") stands for, or undefined. */
export function attributeOid(attribute: string): string | undefined {
  if (DOTTED_OID.test(attribute)) return attribute;
  return ATTRIBUTE_OIDS.get(attribute.toLowerCase());
}

/** A parsed Name. Immutable; string forms are computed on first use. */
export class Name implements DistinguishedName {
  readonly der: Uint8Array;
  readonly rdns: ReadonlyArray<ReadonlyArray<NameAttribute>>;
  #string: string | undefined;
  #matchKey: string | undefined;

  constructor(der: Uint8Array, rdns: ReadonlyArray<ReadonlyArray<NameAttribute>>) {
    this.der = der;
    this.rdns = rdns;
  }

  get isEmpty(): boolean {
    return this.rdns.length === 0;
  }

  toString(): string {
    this.#string ??= this.rdns
      .map((rdn) => rdn.map((a) => `${a.shortName ?? a.oid}=${STRING_TAGS.has(a.tag) ? escapeValue(a.value) : a.value}`).join('+'))
      .reverse()
      .join(',');
    return this.#string;
  }

  get(attribute: string): string | undefined {
    const oid = attributeOid(attribute);
    if (oid === undefined) return undefined;
    for (const rdn of this.rdns) {
      for (const a of rdn) if (a.oid === oid) return a.value;
    }
    return undefined;
  }

  getAll(attribute: string): string[] {
    const oid = attributeOid(attribute);
    const out: string[] = [];
    if (oid === undefined) return out;
    for (const rdn of this.rdns) {
      for (const a of rdn) if (a.oid === oid) out.push(a.value);
    }
    return out;
  }

  equals(other: DistinguishedName): boolean {
    if (other === this) return true;
    if (bytesEqual(this.der, other.der)) return true;
    return this.matchKey === other.matchKey;
  }

  /**
   * RDNs most general first, each RDN's attributes sorted (a SET is unordered), each attribute as
   * OID plus its prepared string value, or its exact DER in hex for non-string values.
   */
  get matchKey(): string {
    this.#matchKey ??= JSON.stringify(
      this.rdns.map((rdn) => rdn.map((a) => `${a.oid}${STRING_TAGS.has(a.tag) ? `=${prepareString(a.value)}` : a.value}`).sort()),
    );
    return this.#matchKey;
  }
}

/** Reads a Name (SEQUENCE OF SET OF AttributeTypeAndValue) from `tlv`, which must be a SEQUENCE. */
export function readName(bytes: Uint8Array, tlv: Tlv, what: string): Name {
  if (tlv.tag !== TAG.SEQUENCE) {
    throw malformed(`expected SEQUENCE (0x30) for ${what} at offset ${tlv.offset}, found 0x${tlv.tag.toString(16).padStart(2, '0')}`);
  }
  const rdns: NameAttribute[][] = [];
  const outer = DerReader.inside(bytes, tlv);
  while (!outer.atEnd) {
    const set = outer.expect(TAG.SET, `RelativeDistinguishedName in ${what}`);
    if (set.start === set.end) throw malformed(`empty RelativeDistinguishedName in ${what} at offset ${set.offset}`);
    const inner = DerReader.inside(bytes, set);
    const rdn: NameAttribute[] = [];
    while (!inner.atEnd) {
      const atv = inner.expect(TAG.SEQUENCE, `AttributeTypeAndValue in ${what}`);
      const r = DerReader.inside(bytes, atv);
      const oid = readOid(bytes, r.expect(TAG.OID, `attribute type in ${what}`), `attribute type in ${what}`);
      const value = r.next(`attribute value in ${what}`);
      if (!STRING_TAGS.has(value.tag) && value.tag !== TAG.BIT_STRING && value.tag !== TAG.SEQUENCE) {
        // AttributeValue is ANY DEFINED BY the type, but the types in use are strings (and
        // x500UniqueIdentifier's BIT STRING, and a few SEQUENCEs). OpenSSL refuses the rest, so such a
        // certificate can never arrive over a Node TLS socket or an nginx proxy: refuse it here too.
        throw malformed(
          `attribute value in ${what} at offset ${value.offset} is ${describeTag(value.tag)}; expected a string type, BIT STRING or SEQUENCE`,
        );
      }
      r.finish(`AttributeTypeAndValue in ${what}`);
      const text = STRING_TAGS.has(value.tag)
        ? decodeString(bytes, value, `${ATTRIBUTE_NAMES[oid] ?? oid} value in ${what}`)
        : `#${toHex(element(bytes, value))}`;
      rdn.push({ oid, shortName: ATTRIBUTE_NAMES[oid], value: text, tag: value.tag });
    }
    rdns.push(rdn);
  }
  return new Name(element(bytes, tlv), rdns);
}

/** RFC 4518-style preparation for comparison: NFKC, case folded, insignificant spaces removed. */
export function prepareString(value: string): string {
  // eslint-disable-next-line no-control-regex
  const normalized = /^[\x00-\x7f]*$/.test(value) ? value : value.normalize('NFKC');
  return normalized.toLowerCase().replace(/\s+/g, ' ').trim();
}

// Characters escaped as \XX (UTF-8 octets): C0/C1 controls, DEL, line/paragraph separators and
// bidirectional controls, so that a name printed to a log or terminal is what it looks like.
// eslint-disable-next-line no-control-regex
const ESCAPE_AS_HEX = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
const SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\']);
const utf8 = new TextEncoder();

/** RFC 4514 section 2.4 escaping of a string value. */
export function escapeValue(value: string): string {
  let out = '';
  const chars = Array.from(value);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (SPECIAL.has(c) || (i === 0 && (c === '#' || c === ' ')) || (i === chars.length - 1 && c === ' ')) {
      out += `\\${c}`;
    } else if (ESCAPE_AS_HEX.test(c)) {
      for (const byte of utf8.encode(c)) out += `\\${byte.toString(16).padStart(2, '0').toUpperCase()}`;
    } else {
      out += c;
    }
  }
  return out;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
