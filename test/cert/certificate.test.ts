import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isClientCertError } from '../../src/errors.js';
import { Certificate, clearCertificateCache } from '../../src/cert/certificate.js';
import { parseCertificate } from '../../src/cert/parse.js';
import {
  bitString, bool, certificate, CN_TEST, explicit, extension, generalizedTime, ia5, int, name, nul, octets, oid, printable,
  seq, tlv, utcTime, utf8, type Bytes,
} from '../helpers/der.js';

const leaf = parseCertificate(readFileSync(new URL('../../fixtures/reference/uptrends-2024.pem', import.meta.url), 'utf8'));
const spki = leaf.publicKey.spkiDer;

function build(parts: Partial<Parameters<typeof certificate>[0]> = {}): Certificate {
  return Certificate.fromDer(certificate({ spki, ...parts }));
}

function malformed(parts: Partial<Parameters<typeof certificate>[0]>): string {
  try {
    build(parts);
  } catch (error) {
    if (isClientCertError(error) && error.code === 'CERT_MALFORMED') return error.message;
    throw error;
  }
  throw new Error('expected CERT_MALFORMED');
}

const BC = '2.5.29.19';
const SAN = '2.5.29.17';

describe('facts exposed, not judged (policy belongs to src/verify)', () => {
  it('negative and over-long serials', () => {
    expect(build({ serial: int(-5n) }).serialNumber).toBe('FB');
    const long = build({ serial: int(2n ** 170n + 1n) });
    expect(long.serialBytes.length).toBe(22);
    expect(long.serialNumber).toBe(`04${'00'.repeat(20)}01`);
    expect(build({ serial: int(0x80) }).serialNumber).toBe('0080'); // sign octet kept
    expect(build({ serial: int(0) }).serialNumber).toBe('00');
  });

  it('v1 with extensions, v2, v4, explicit v1', () => {
    const v1 = build({ version: null, extensions: [extension(BC, seq(bool(true)))] });
    expect(v1.version).toBe(1);
    expect(v1.basicConstraints).toEqual({ ca: true, pathLen: undefined });
    expect(build({ version: explicit(0, int(1)) }).version).toBe(2);
    expect(build({ version: explicit(0, int(3)) }).version).toBe(4);
    expect(build({ version: explicit(0, int(0)) }).version).toBe(1);
  });

  it('duplicate extensions: all kept, first wins, duplicates listed', () => {
    const cert = build({
      extensions: [
        extension(BC, seq(bool(true), int(1)), true),
        extension(SAN, seq(tlv(0x82, Buffer.from('a.example')))),
        extension(BC, seq()),
        extension(BC, seq()),
      ],
    });
    expect(cert.extensions).toHaveLength(4);
    expect(cert.duplicateExtensionOids).toEqual([BC]);
    expect(cert.getExtension(BC)?.critical).toBe(true);
    expect(cert.basicConstraints).toEqual({ ca: true, pathLen: 1 });
  });

  it('a malformed duplicate is still malformed', () => {
    expect(malformed({ extensions: [extension(BC, seq()), extension(BC, seq(int(1), int(2)))] })).toMatch(
      /basicConstraints extension: unexpected INTEGER \(0x02\) at offset \d+ after the end of BasicConstraints/,
    );
  });

  it('every copy of a repeated extension is decoded', () => {
    const aki = '2.5.29.35';
    const goodAki = seq(tlv(0x80, [1, 2]));
    const badAki = seq(tlv(0x80, [1]), tlv(0xa1, seq(tlv(0x89, [0]))));
    expect(malformed({ extensions: [extension(aki, goodAki), extension(aki, badAki)] })).toMatch(/authorityKeyIdentifier extension: expected a GeneralName/);
    const inhibit = '2.5.29.54';
    expect(malformed({ extensions: [extension(inhibit, int(1)), extension(inhibit, int(-1n))] })).toMatch(/inhibitAnyPolicy extension: negative INTEGER SkipCerts/);
    const pc = '2.5.29.36';
    expect(malformed({ extensions: [extension(pc, seq()), extension(pc, seq(tlv(0x80, [0xff])))] })).toMatch(/policyConstraints extension: negative INTEGER requireExplicitPolicy/);
    expect(build({ extensions: [extension(inhibit, int(1)), extension(inhibit, int(7))] }).inhibitAnyPolicy).toBe(1);
  });

  it('empty SAN, empty EKU, unknown critical extension, explicit critical FALSE, explicit cA FALSE', () => {
    const cert = build({
      extensions: [
        extension(SAN, seq()),
        extension('2.5.29.37', seq()),
        extension('1.2.3.4.5', octets([1, 2, 3]), true),
        extension('2.5.29.14', octets([0xab]), false),
        extension(BC, seq(bool(false))),
      ],
    });
    expect(cert.subjectAltNames).toEqual([]);
    expect(cert.extKeyUsage).toEqual([]);
    expect(cert.getExtension('1.2.3.4.5')?.critical).toBe(true);
    expect(cert.getExtension('2.5.29.14')?.critical).toBe(false);
    expect(cert.subjectKeyId).toBe('AB');
    expect(cert.basicConstraints).toEqual({ ca: false, pathLen: undefined });
  });

  it('absent extensions', () => {
    const cert = build();
    expect(cert.extensions).toEqual([]);
    expect(cert.basicConstraints).toBeUndefined();
    expect(cert.keyUsage).toBeUndefined();
    expect(cert.extKeyUsage).toBeUndefined();
    expect(cert.subjectAltNames).toBeUndefined();
    expect(cert.policies).toBeUndefined();
    expect(cert.crlDistributionPoints).toEqual([]);
    expect(cert.emails).toEqual([]);
  });

  it('unique identifiers', () => {
    const cert = build({ afterSpki: [tlv(0x81, [0, 1, 2]), tlv(0x82, [0, 3])] });
    expect(cert.hasUniqueIdentifiers).toBe(true);
    expect(build().hasUniqueIdentifiers).toBe(false);
  });

  it('name constraints with minimum/maximum', () => {
    const subtree = seq(tlv(0x82, Buffer.from('example.com')), tlv(0x80, [1]), tlv(0x81, [5]));
    const cert = build({ extensions: [extension('2.5.29.30', seq(tlv(0xa0, subtree)), true)] });
    expect(cert.nameConstraints).toEqual({ permitted: [{ type: 'dns', value: 'example.com' }], excluded: undefined, nonDefaultBounds: true });
  });

  it('huge path length saturates', () => {
    expect(build({ extensions: [extension(BC, seq(bool(true), int(2n ** 80n)))] }).basicConstraints?.pathLen).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('algorithms: unknown, DSA, MD5, PSS with unknown hash, explicit EC curve', () => {
    const unknown = build({ signature: seq(oid('1.2.3.4')) });
    expect(unknown.signatureAlgorithm).toMatchObject({ name: '1.2.3.4', keyType: 'unknown', hash: undefined, parameters: undefined });
    expect(build({ signature: seq(oid('2.16.840.1.101.3.4.3.2')) }).signatureAlgorithm).toMatchObject({ name: 'dsa-with-SHA256', keyType: 'DSA' });
    const md5 = build({ signature: seq(oid('1.2.840.113549.1.1.4'), nul()) }).signatureAlgorithm;
    expect(md5).toMatchObject({ name: 'md5WithRSAEncryption', hash: 'md5' });
    expect([...(md5.parameters ?? [])]).toEqual([0x05, 0x00]);
    const pssUnknownHash = seq(oid('1.2.840.113549.1.1.10'), seq(explicit(0, seq(oid('1.2.3.99')))));
    expect(build({ signature: pssUnknownHash }).signatureAlgorithm).toMatchObject({ name: 'rsassa-pss', pss: undefined, hash: undefined });
    const pssDefaults = seq(oid('1.2.840.113549.1.1.10'), seq());
    expect(build({ signature: pssDefaults }).signatureAlgorithm.pss).toEqual({ hash: 'sha1', mgf1Hash: 'sha1', saltLength: 20, trailerField: 1 });
    const explicitCurve = seq(seq(oid('1.2.840.10045.2.1'), seq(int(1))), bitString([4, 1, 2]));
    expect(build({ spki: explicitCurve }).publicKey).toMatchObject({ type: 'EC', curve: 'explicit', bits: 0 });
    const unknownCurve = seq(seq(oid('1.2.840.10045.2.1'), oid('1.3.132.0.39')), bitString([4, 1, 2]));
    expect(build({ spki: unknownCurve }).publicKey).toMatchObject({ type: 'EC', curve: '1.3.132.0.39', bits: 0 });
    const x25519 = seq(seq(oid('1.3.101.110')), bitString(new Uint8Array(32)));
    expect(build({ spki: x25519 }).publicKey).toMatchObject({ type: 'unknown', bits: 0, algorithmOid: '1.3.101.110' });
  });

  it('large OID arcs (2.25 UUID form)', () => {
    const big = '2.25.329800735698586629295641978511506172918';
    expect(build({ extensions: [extension('2.5.29.37', seq(oid(big)))] }).extKeyUsage).toEqual([big]);
  });

  it('times: UTCTime century rule, GeneralizedTime any year, encodings reported', () => {
    const cert = build({ validity: seq(utcTime('500101000000Z'), generalizedTime('20491231235959Z')) });
    expect(cert.notBefore.toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(cert.notAfter.toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(cert.notBeforeEncoding).toBe('UTCTime');
    expect(cert.notAfterEncoding).toBe('GeneralizedTime');
    expect(build({ validity: seq(utcTime('491231235959Z'), generalizedTime('99991231235959Z')) }).notAfter.toISOString()).toBe(
      '9999-12-31T23:59:59.000Z',
    );
    expect(build({ validity: seq(generalizedTime('00010101000000Z'), utcTime('240229120000Z')) }).notBefore.getUTCFullYear()).toBe(1);
  });
});

describe('what cannot be parsed is CERT_MALFORMED', () => {
  const cases: Record<string, [Partial<Parameters<typeof certificate>[0]>, RegExp]> = {
    'non-minimal serial': [{ serial: int([0x00, 0x05]) }, /non-minimal INTEGER encoding of serialNumber at offset 13/],
    'empty serial': [{ serial: int([]) }, /empty INTEGER serialNumber/],
    'serial of another type': [{ serial: octets([1]) }, /expected INTEGER \(0x02\) for serialNumber at offset 13, found OCTET STRING \(0x04\)/],
    'negative version': [{ version: explicit(0, int(-1n)) }, /version at offset \d+ is out of range/],
    'GeneralizedTime with fraction': [{ validity: seq(generalizedTime('20240101000000.5Z'), utcTime('250101000000Z')) }, /GeneralizedTime notBefore at offset \d+ is "20240101000000.5Z"; expected YYYYMMDDHHMMSSZ/],
    'UTCTime without seconds': [{ validity: seq(utcTime('2401010000Z'), utcTime('250101000000Z')) }, /expected YYMMDDHHMMSSZ/],
    'UTCTime with offset': [{ validity: seq(utcTime('240101000000+0100'), utcTime('250101000000Z')) }, /expected YYMMDDHHMMSSZ/],
    'GeneralizedTime without Z': [{ validity: seq(generalizedTime('202401010000000'), utcTime('250101000000Z')) }, /expected YYYYMMDDHHMMSSZ/],
    '29 February 2023': [{ validity: seq(utcTime('230229000000Z'), utcTime('250101000000Z')) }, /not a valid date and time/],
    'second 60': [{ validity: seq(utcTime('231231235960Z'), utcTime('250101000000Z')) }, /not a valid date and time/],
    'time of another type': [{ validity: seq(printable('240101000000Z'), utcTime('250101000000Z')) }, /expected UTCTime \(0x17\) or GeneralizedTime \(0x18\) for notBefore/],
    'validity with a third time': [{ validity: seq(utcTime('240101000000Z'), utcTime('250101000000Z'), utcTime('250101000000Z')) }, /after the end of validity/],
    'signature with unused bits': [{ signatureValue: bitString([1, 2, 0x80], 7) }, /signatureValue at offset \d+ declares 7 unused bits; expected whole octets/],
    'SAN IP of 5 octets': [{ extensions: [extension(SAN, seq(tlv(0x87, [1, 2, 3, 4, 5])))] }, /iPAddress in subjectAltName at offset \d+ has 5 octets; expected 4 or 16/],
    'SAN with an unknown tag': [{ extensions: [extension(SAN, seq(tlv(0x89, [1])))] }, /expected a GeneralName \(\[0\]-\[8\]\) in subjectAltName at offset \d+, found 0x89/],
    'SAN with trailing bytes': [{ extensions: [extension(SAN, Buffer.concat([seq(), Buffer.from([0])]))] }, /subjectAltName extension: unexpected 0x00/],
    'negative pathLen': [{ extensions: [extension(BC, seq(bool(true), int(-1n)))] }, /negative INTEGER pathLenConstraint/],
    'keyUsage not a BIT STRING': [{ extensions: [extension('2.5.29.15', octets([1]))] }, /keyUsage extension: expected BIT STRING \(0x03\) for KeyUsage/],
    'AKI keyIdentifier constructed': [{ extensions: [extension('2.5.29.35', seq(tlv(0xa0, [])))] }, /authorityKeyIdentifier extension: unexpected \[0\] \(0xa0\)/],
    'AIA entry without location': [{ extensions: [extension('1.3.6.1.5.5.7.1.1', seq(seq(oid('1.3.6.1.5.5.7.48.1'))))] }, /expected accessLocation at offset \d+, found end of data/],
    'extension value not an OCTET STRING': [{ extensions: [seq(oid(BC), bitString([1]))] }, /expected OCTET STRING \(0x04\) for extnValue of extension 2\.5\.29\.19/],
    'empty extension OID': [{ extensions: [seq(tlv(0x06, []), octets([]))] }, /empty OBJECT IDENTIFIER extnID/],
    'non-minimal OID arc': [{ extensions: [seq(tlv(0x06, [0x2a, 0x80, 0x01]), octets([]))] }, /non-minimal arc in OBJECT IDENTIFIER extnID/],
    'truncated OID': [{ extensions: [seq(tlv(0x06, [0x2a, 0x86]), octets([]))] }, /truncated OBJECT IDENTIFIER extnID/],
    'high tag number': [{ afterSpki: [tlv(0x9f, [0x40, 0x00])] }, /high-tag-number form/],
    'end-of-contents tag as an element': [{ validity: seq(tlv(0x00, []), utcTime('250101000000Z')) }, /expected notBefore at offset \d+, found 0x00 \(end-of-contents, not a DER element\)/],
    'BOOLEAN of length 0 in algorithm parameters': [{ signature: seq(oid('1.2.840.113549.1.1.11'), tlv(0x01, [])) }, /BOOLEAN parameters of signatureAlgorithm at offset \d+ has 0 content octets; DER needs 1/],
    'context-tagged attribute value': [{ subject: name([['2.5.4.3', tlv(0x80, [0x41])]]) }, /attribute value in subject at offset \d+ is \[0\] \(0x80\); expected a string type, BIT STRING or SEQUENCE/],
    'constructed string (BER)': [{ subject: name([['2.5.4.3', tlv(0x2c, tlv(0x0c, [0x41]))]]) }, /found 0x2c: universal tag 12 in constructed form is not DER/],
    'primitive SEQUENCE tag': [{ spki: seq(seq(oid('1.2.840.10045.2.1'), tlv(0x10, [1])), bitString([4])) }, /found 0x10: universal tag 16 in primitive form is not DER/],
    'empty RDN': [{ subject: seq(tlv(0x31)) }, /empty RelativeDistinguishedName in subject/],
    'invalid UTF-8 in a name': [{ subject: name([['2.5.4.3', tlv(0x0c, [0xc3, 0x28])]]) }, /UTF8String CN value in subject at offset \d+ is not valid UTF-8/],
    'odd-length BMPString': [{ issuer: name([['2.5.4.3', tlv(0x1e, [0, 0x41, 0])]]) }, /BMPString CN value in issuer at offset \d+ has an odd length 3/],
    'BMPString surrogate': [{ issuer: name([['2.5.4.3', tlv(0x1e, [0xd8, 0x00])]]) }, /surrogate/],
    'UniversalString beyond Unicode': [{ issuer: name([['2.5.4.3', tlv(0x1c, [0, 0x11, 0, 0])]]) }, /invalid code point/],
    'extensions [3] holding two SEQUENCEs': [{ tbs: undefined, extensions: undefined, afterSpki: [explicit(3, seq(), seq())] }, /after the end of extensions/],
    'RSA key that is not an RSAPublicKey': [{ spki: seq(seq(oid('1.2.840.113549.1.1.1'), nul()), bitString([1, 2, 3])) }, /for RSAPublicKey at offset \d+, found BOOLEAN \(0x01\)/],
    'negative RSA modulus': [{ spki: seq(seq(oid('1.2.840.113549.1.1.1'), nul()), bitString(seq(int(-5n), int(65537)))) }, /negative RSA modulus/],
    'non-canonical BOOLEAN cA': [{ extensions: [extension(BC, seq(tlv(0x01, [0x01])))] }, /non-canonical BOOLEAN cA at offset \d+: 0x01/],
  };
  for (const [label, [parts, pattern]] of Object.entries(cases)) {
    it(label, () => {
      expect(malformed(parts)).toMatch(pattern);
    });
  }
});

describe('the certificate cache', () => {
  it('returns the shared instance for the same DER, and copies its input', () => {
    const der = Buffer.from(leaf.der);
    const a = Certificate.fromDer(der);
    expect(Certificate.fromDer(new Uint8Array(der))).toBe(a);
    expect(a).toBe(leaf);
    der[100] = (der[100] as number) ^ 0xff;
    expect(a.sha256).toBe('F9A92A6DC75AE381D12DE7C7CB3E02BD87CB4690DA736E26674F57BE4B3B44A1');
    expect(Buffer.from(a.der)[100]).not.toBe(der[100]);
  });

  it('clearCertificateCache makes the next parse of the same DER a new, equal instance', () => {
    const a = Certificate.fromDer(leaf.der);
    clearCertificateCache();
    const b = Certificate.fromDer(leaf.der);
    expect(b).not.toBe(a);
    expect(b.sha256).toBe(a.sha256);
    expect(b.serialNumber).toBe(a.serialNumber);
    // ...and the new instance is the shared one again from then on.
    expect(Certificate.fromDer(leaf.der)).toBe(b);
  });

  it('shared instances are frozen: a consumer cannot change what the next request sees', () => {
    const cert = Certificate.fromDer(leaf.der);
    expect(() => (cert.extKeyUsage as string[]).push('2.5.29.37.0')).toThrow(TypeError);
    expect(() => ((cert.basicConstraints as { ca: boolean }).ca = true)).toThrow(TypeError);
    expect(() => ((cert as { serialNumber: string }).serialNumber = '01')).toThrow(TypeError);
    expect(() => (cert.subject.rdns[0] as unknown[]).push({})).toThrow(TypeError);
    expect(() => ((cert.subjectAltNames?.[0] as { value: string }).value = 'x@evil.example')).toThrow(TypeError);
    expect(() => (cert.extensions as unknown[]).pop()).toThrow(TypeError);
    expect(cert.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.2']);
    // Lazy values still compute on frozen instances.
    expect(cert.spkiSha256Base64).toBe('VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=');
    expect(cert.emails).toEqual(['certificates@uptrends.com']);
  });

  it('distinct DER is a distinct instance; the sha256 is the DER hash', () => {
    const one = build({ serial: int(1) });
    const two = build({ serial: int(2) });
    expect(one).not.toBe(two);
    expect(one.sha256).toMatch(/^[0-9A-F]{64}$/);
    expect(one.sha256).not.toBe(two.sha256);
  });

  it('refuses non-bytes and oversized DER', () => {
    expect(() => Certificate.fromDer('MII' as unknown as Uint8Array)).toThrow(/expected DER bytes \(Uint8Array\), found string/);
    expect(() => Certificate.fromDer(new Uint8Array(64 * 1024 + 1))).toThrow(/exceeds the limit of 65536 bytes/);
  });
});

/** Keeps the helper imports honest (ia5 and CN_TEST are used by name tests elsewhere). */
export const _unused: Bytes[] = [ia5(''), CN_TEST, utf8('')];
