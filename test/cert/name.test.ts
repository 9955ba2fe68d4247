import { describe, expect, it } from 'vitest';
import { readName, type Name } from '../../src/cert/name.js';
import { DerReader } from '../../src/cert/der.js';
import { bitString, ia5, name, printable, seq, set, oid, tlv, utf8, int, type Bytes } from '../helpers/der.js';

function parse(der: Bytes): Name {
  const r = new DerReader(der);
  const n = readName(der, r.next('Name'), 'Name');
  r.finish('Name');
  return n;
}

const CN = '2.5.4.3';
const O = '2.5.4.10';
const C = '2.5.4.6';
const bmp = (s: string): Bytes => tlv(0x1e, Buffer.from(s, 'utf16le').swap16());
const universal = (s: string): Bytes => tlv(0x1c, Buffer.concat(Array.from(s).map((c) => { const b = Buffer.alloc(4); b.writeUInt32BE(c.codePointAt(0) ?? 0); return b; })));
const teletex = (s: string): Bytes => tlv(0x14, Buffer.from(s, 'latin1'));

describe('string types', () => {
  it('decodes UTF8String, PrintableString, IA5String, TeletexString, BMPString, UniversalString, NumericString, VisibleString', () => {
    const n = parse(
      name(
        [[CN, utf8('Zoë 🔐')]],
        [[O, printable('Org')]],
        [['1.2.840.113549.1.9.1', ia5('a@b.example')]],
        [['2.5.4.7', teletex('Düsseldorf')]],
        [['2.5.4.8', bmp('Ḱøbenhavn')]],
        [['2.5.4.11', universal('Ünit 𝔘')]],
        [['2.5.4.5', tlv(0x12, Buffer.from('12345'))]],
        [['2.5.4.12', tlv(0x1a, Buffer.from('Title'))]],
      ),
    );
    expect(n.rdns.map((rdn) => rdn[0]?.value)).toEqual(['Zoë 🔐', 'Org', 'a@b.example', 'Düsseldorf', 'Ḱøbenhavn', 'Ünit 𝔘', '12345', 'Title']);
    expect(n.rdns.map((rdn) => rdn[0]?.tag)).toEqual([12, 19, 22, 20, 30, 28, 18, 26]);
    expect(n.get('CN')).toBe('Zoë 🔐');
    expect(n.get('L')).toBe('Düsseldorf');
  });

  it('keeps a UTF-8 BOM as a character (it is part of the value)', () => {
    expect(parse(name([[CN, tlv(0x0c, [0xef, 0xbb, 0xbf, 0x41])]])).get('CN')).toBe('\uFEFFA');
  });

  it('PrintableString with characters outside its set is read, not rejected (policy)', () => {
    expect(parse(name([[CN, printable('*.example.com & co@x')]])).get('CN')).toBe('*.example.com & co@x');
  });

  it('non-string values (BIT STRING, SEQUENCE) are #hex of their DER, unknown OIDs dotted', () => {
    const n = parse(name([['2.5.4.45', bitString([0x01, 0x02])]], [['1.2.3.4', seq(utf8('a'))]], [[CN, utf8('x')]]));
    expect(n.toString()).toBe('CN=x,1.2.3.4=#30030C0161,2.5.4.45=#0303000102');
    expect(n.get('1.2.3.4')).toBe('#30030C0161');
    expect(n.rdns[1]?.[0]?.shortName).toBeUndefined();
  });

  it.each([
    ['INTEGER', int(1)],
    ['BOOLEAN', tlv(0x01, [0xff])],
    ['NULL', tlv(0x05)],
    ['OBJECT IDENTIFIER', oid('1.2.3')],
    ['OCTET STRING', tlv(0x04, [1])],
    ['UTCTime', tlv(0x17, Buffer.from('240101000000Z'))],
    ['SET', set(utf8('a'))],
    ['0x15', tlv(0x15, [0x41])], // VideotexString
    ['[0]', tlv(0x80, [0x41])],
  ])('refuses an attribute value of type %s (as OpenSSL does)', (type, value) => {
    expect(() => parse(name([[CN, value]]))).toThrow(new RegExp(`attribute value in Name at offset 11 is ${type.replace(/[[\]()]/g, '\\$&')}`));
  });
});

describe('RFC 4514 strings', () => {
  const str = (value: string): string => parse(name([[CN, utf8(value)]])).toString();

  it('escapes specials, leading # and space, trailing space', () => {
    expect(str('a,b+c"d\\e<f>g;h')).toBe('CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
    expect(str('#hash')).toBe('CN=\\#hash');
    expect(str(' lead and trail ')).toBe('CN=\\ lead and trail\\ ');
    expect(str('in#side = ok')).toBe('CN=in#side = ok');
    expect(str('')).toBe('CN=');
  });

  it('hex-escapes controls, NUL and bidi overrides so logs show what is there', () => {
    expect(str('a\nb')).toBe('CN=a\\0Ab');
    expect(str('a\u0000b')).toBe('CN=a\\00b');
    expect(str('evil\u202Egpj.exe')).toBe('CN=evil\\E2\\80\\AEgpj.exe');
    expect(str('\u0085')).toBe('CN=\\C2\\85');
  });

  it('orders RDNs most specific first and joins multi-valued RDNs with +', () => {
    const n = parse(name([[C, printable('GB')]], [[O, utf8('Org')], [CN, utf8('Name')]]));
    expect(n.toString()).toBe('O=Org+CN=Name,C=GB');
  });

  it('empty name', () => {
    const n = parse(seq());
    expect(n.isEmpty).toBe(true);
    expect(n.toString()).toBe('');
    expect(n.get('CN')).toBeUndefined();
    expect(n.getAll('CN')).toEqual([]);
  });

  it('attribute lookup aliases', () => {
    const n = parse(name([['2.5.4.8', utf8('Greater Manchester')]], [['1.2.840.113549.1.9.1', ia5('x@y.example')]]));
    for (const alias of ['ST', 'st', 'S', 'stateOrProvinceName', '2.5.4.8']) expect(n.get(alias)).toBe('Greater Manchester');
    for (const alias of ['emailAddress', 'E', 'email', 'EMAILADDRESS']) expect(n.get(alias)).toBe('x@y.example');
    expect(n.get('2.5.4.03')).toBeUndefined(); // not a canonical dotted OID
  });
});

describe('RFC 5280 7.1 comparison', () => {
  const a = parse(name([[C, printable('GB')]], [[O, utf8('Sectigo Limited')]], [[CN, utf8('Sectigo  CA')]]));

  it('ignores case, insignificant whitespace and the string type', () => {
    const b = parse(name([[C, utf8('gb')]], [[O, printable('  SECTIGO   limited ')]], [[CN, bmp('sectigo ca')]]));
    expect(a.equals(b)).toBe(true);
    expect(b.equals(a)).toBe(true);
    expect(a.matchKey).toBe(b.matchKey);
    expect(a.der).not.toEqual(b.der);
  });

  it('compares Unicode after NFKC and case folding', () => {
    const composed = parse(name([[CN, utf8('CAFÉ')]]));
    const decomposed = parse(name([[CN, utf8('cafe\u0301')]]));
    expect(composed.equals(decomposed)).toBe(true);
  });

  it('is order-independent within a multi-valued RDN only', () => {
    const ab = parse(seq(set(seq(oid(O), utf8('Org')), seq(oid(CN), utf8('Name')))));
    const ba = parse(seq(set(seq(oid(CN), utf8('Name')), seq(oid(O), utf8('Org')))));
    const split = parse(name([[O, utf8('Org')]], [[CN, utf8('Name')]]));
    const reversed = parse(name([[CN, utf8('Name')]], [[O, utf8('Org')]]));
    expect(ab.equals(ba)).toBe(true);
    expect(ab.matchKey).toBe(ba.matchKey);
    expect(ab.equals(split)).toBe(false);
    expect(split.equals(reversed)).toBe(false);
  });

  it('differs on value, attribute type, count; non-string values byte-exact', () => {
    expect(a.equals(parse(name([[C, printable('GB')]], [[O, utf8('Sectigo Limited')]], [[CN, utf8('Sectigo CB')]])))).toBe(false);
    expect(a.equals(parse(name([[C, printable('GB')]], [[O, utf8('Sectigo Limited')]], [['2.5.4.11', utf8('Sectigo CA')]])))).toBe(false);
    expect(a.equals(parse(name([[C, printable('GB')]], [[O, utf8('Sectigo Limited')]])))).toBe(false);
    const bits1 = parse(name([['2.5.4.45', bitString([1])]]));
    expect(bits1.equals(parse(name([['2.5.4.45', bitString([1])]])))).toBe(true);
    expect(bits1.equals(parse(name([['2.5.4.45', bitString([2])]])))).toBe(false);
    // A string that looks like the #hex form of a non-string value is still different.
    expect(bits1.equals(parse(name([['2.5.4.45', utf8('#03020001')]])))).toBe(false);
    expect(parse(seq()).equals(parse(seq()))).toBe(true);
    expect(parse(seq()).equals(a)).toBe(false);
  });
});
