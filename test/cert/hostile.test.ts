import { readFileSync } from 'node:fs';
import { randomBytes, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isClientCertError } from '../../src/errors.js';
import { Certificate } from '../../src/cert/certificate.js';
import { parseCertificates } from '../../src/cert/parse.js';

const leafPem = readFileSync(new URL('../../fixtures/reference/uptrends-2024.pem', import.meta.url), 'utf8');
const leafDer = Buffer.from(parseCertificates(leafPem)[0]!.der);

/** Parses; returns 'ok' or the CERT_MALFORMED message. Any other exception fails the test. */
function outcome(input: string | Uint8Array): string {
  try {
    parseCertificates(input);
    return 'ok';
  } catch (error) {
    if (isClientCertError(error) && error.code === 'CERT_MALFORMED') return error.message;
    throw error;
  }
}

function malformed(input: string | Uint8Array): string {
  const result = outcome(input);
  expect(result).not.toBe('ok');
  return result;
}

/** The elapsed milliseconds of fn (for blow-up guards only: bounds are seconds). */
function elapsed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

describe('hostile DER', () => {
  it('every truncation of a real certificate is CERT_MALFORMED', () => {
    for (let length = 0; length < leafDer.length; length++) malformed(leafDer.subarray(0, length));
  });

  it('every truncation of the DER inside the certificate SEQUENCE is CERT_MALFORMED (lengths fixed up)', () => {
    // Truncate the content but rewrite the outer length so the reader must find the damage inside.
    for (let length = 4; length < leafDer.length; length += 7) {
      const content = leafDer.subarray(4, length);
      const der = Buffer.concat([Buffer.from([0x30, 0x82, content.length >> 8, content.length & 0xff]), content]);
      malformed(der);
    }
  });

  it('trailing garbage after the certificate', () => {
    expect(malformed(Buffer.concat([leafDer, Buffer.from([0x30, 0x00])]))).toMatch(/./);
    expect(() => Certificate.fromDer(Buffer.concat([leafDer, Buffer.from([0x05, 0x00])]))).toThrow(
      /unexpected NULL \(0x05\) at offset 1587 after the end of Certificate \(2 trailing bytes\)/,
    );
  });

  it('indefinite length', () => {
    const der = Buffer.from(leafDer);
    der[5] = 0x80; // tbsCertificate length -> indefinite
    expect(() => Certificate.fromDer(der)).toThrow(/indefinite length \(BER\) in tbsCertificate at offset 4/);
    expect(malformed(Buffer.from([0x30, 0x80, 0x30, 0x00, 0x00, 0x00]))).toMatch(/indefinite length/);
  });

  it('non-minimal lengths', () => {
    // version [0] length 3 written as 0x81 0x03.
    const v = leafDer.indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]));
    const der = Buffer.concat([leafDer.subarray(0, v + 1), Buffer.from([0x81]), leafDer.subarray(v + 1)]);
    der.writeUInt16BE(der.readUInt16BE(2) + 1, 2);
    der.writeUInt16BE(der.readUInt16BE(6) + 1, 6);
    expect(() => Certificate.fromDer(der)).toThrow(/non-minimal length encoding \(long form for 3\) in version at offset 8/);
    // Leading zero length octet.
    const padded = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), leafDer.subarray(2)]);
    expect(() => Certificate.fromDer(padded)).toThrow(/non-minimal length encoding \(leading zero octet\) in Certificate/);
  });

  it('non-canonical BOOLEAN and bad BIT STRING padding', () => {
    const critical = leafDer.indexOf(Buffer.from([0x01, 0x01, 0xff]));
    const der = Buffer.from(leafDer);
    der[critical + 2] = 0x01;
    expect(() => Certificate.fromDer(der)).toThrow(/non-canonical BOOLEAN critical flag of extension 2\.5\.29\.15 at offset \d+: 0x01/);
    // keyUsage 03 02 05 a0: 5 unused bits; set one of them.
    const ku = leafDer.indexOf(Buffer.from([0x03, 0x02, 0x05, 0xa0]));
    const der2 = Buffer.from(leafDer);
    der2[ku + 3] = 0xa1;
    expect(() => Certificate.fromDer(der2)).toThrow(/keyUsage extension: BIT STRING KeyUsage at offset \d+ has non-zero padding bits/);
  });

  it('bad times', () => {
    const utc = leafDer.indexOf(Buffer.from('240726000000Z', 'latin1'));
    for (const [bad, pattern] of [
      ['240726000000+', /UTCTime notBefore at offset \d+ is "240726000000\+"; expected YYMMDDHHMMSSZ/],
      ['240230000000Z', /not a valid date and time/],
      ['240726240000Z', /not a valid date and time/],
      ['2407260000 0Z', /expected YYMMDDHHMMSSZ/],
    ] as const) {
      const der = Buffer.from(leafDer);
      der.write(bad, utc, 'latin1');
      expect(() => Certificate.fromDer(der)).toThrow(pattern);
    }
  });

  it('deeply nested SEQUENCE headers end quickly', () => {
    const depth = 100_000;
    const nested = Buffer.alloc(depth * 6);
    // Each level: 30 84 <4-byte length> so that every header claims exactly what follows.
    for (let i = 0; i < depth; i++) {
      nested[i * 6] = 0x30;
      nested[i * 6 + 1] = 0x84;
      nested.writeUInt32BE((depth - i - 1) * 6, i * 6 + 2);
    }
    const ms = elapsed(() => expect(malformed(nested)).toMatch(/.+/));
    expect(ms).toBeLessThan(2000);
    // Also as base64 text (fits the 1 MiB input limit only when smaller).
    const smaller = nested.subarray(nested.length - 6 * 50_000);
    smaller.writeUInt32BE(smaller.length - 6, 2);
    const ms2 = elapsed(() => malformed(smaller.toString('base64')));
    expect(ms2).toBeLessThan(2000);
  });

  it('huge base64 (10 MB) ends quickly', () => {
    const huge = 'A'.repeat(10 * 1024 * 1024);
    const ms = elapsed(() => expect(malformed(huge)).toMatch(/exceeds the limit/));
    expect(ms).toBeLessThan(2000);
    const hugePem = `-----BEGIN CERTIFICATE-----\n${huge}\n-----END CERTIFICATE-----\n`;
    expect(elapsed(() => malformed(hugePem))).toBeLessThan(2000);
    // Just under the input limit, but a single certificate over its own limit.
    const bigPem = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(1_000_000)}\n-----END CERTIFICATE-----\n`;
    expect(malformed(bigPem)).toMatch(/over the limit of 65536 decoded bytes/);
  });

  it('pathological PEM marker text ends quickly', () => {
    const text = `${'-----BEGIN '.repeat(50_000)}${'A '.repeat(100_000)}`;
    expect(elapsed(() => malformed(text))).toBeLessThan(2000);
    const dashes = `${'—'.repeat(500_000)}BEGIN CERTIFICATE`;
    expect(elapsed(() => malformed(dashes))).toBeLessThan(2000);
  });

  it('random bytes are CERT_MALFORMED', () => {
    for (let i = 0; i < 300; i++) malformed(randomBytes(1 + (i % 64) * 40));
    // Random bytes behind a plausible certificate header.
    for (let i = 0; i < 300; i++) {
      const body = randomBytes(200 + i);
      malformed(Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]));
    }
  });
});

describe('property: any bytes give a certificate or CERT_MALFORMED, nothing else', () => {
  it('random byte arrays and strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.string({ maxLength: 512 }), fc.string({ unit: 'binary', maxLength: 512 })), (input) => {
        outcome(input);
      }),
      { numRuns: 500 },
    );
  });

  it('mutated certificates (byte flips, insertions, deletions)', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(leafDer.length - 1), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(leafDer.length - 1), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(leafDer.length - 1), byte: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let der = Buffer.from(leafDer);
        for (const m of mutations) {
          const at = Math.min(m.at, der.length - 1);
          if (m.kind === 'set') der[at] = m.byte;
          else if (m.kind === 'insert') der = Buffer.concat([der.subarray(0, at), Buffer.from([m.byte]), der.subarray(at)]);
          else der = Buffer.concat([der.subarray(0, at), der.subarray(at + 1)]);
        }
        outcome(der);
        outcome(der.toString('base64'));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('differential: what the parser accepts, OpenSSL (node:crypto) accepts too', () => {
  // OpenSSL parses times and extension values lazily, so it accepts much that certgate refuses;
  // the other way round would mean certgate reads as a certificate what is not one. (Found so:
  // a zero-length BOOLEAN as algorithm parameters, VideotexString and INTEGER name values.)
  it('single and double byte mutations of a real certificate', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(leafDer.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 2 }),
        (mutations) => {
          const der = Buffer.from(leafDer);
          for (const m of mutations) der[m.at] = m.byte;
          if (outcome(der) !== 'ok') return;
          // The one deliberate difference: certgate reads VisibleString name values, OpenSSL refuses them.
          const cert = Certificate.fromDer(der);
          if ([...cert.subject.rdns, ...cert.issuer.rdns].flat().some((a) => a.tag === 0x1a)) return;
          expect(() => new X509Certificate(der)).not.toThrow();
        },
      ),
      { numRuns: 1000 },
    );
  });
});

