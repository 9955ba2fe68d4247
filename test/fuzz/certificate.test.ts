/**
 * Fuzz: certificate input in every accepted form (DER, PEM, base64/base64url, URL-escaped,
 * JSON-escaped, RFC 9440 byte sequences, lists) → certificates or CERT_MALFORMED, within the
 * per-input bound; what parses also survives every accessor and the path validator.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCertificates } from '../../src/cert/parse.js';
import type { Certificate } from '../../src/cert/certificate.js';
import { createVerifier } from '../../src/verify/chain.js';
import { derMutant } from './der-mutate.js';
import { outcome, OutcomeTally, params } from './support.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pems = [
  'fixtures/reference/uptrends-2024.pem',
  'fixtures/reference/sectigo-rsa-client-auth-ca.pem',
  'fixtures/pki/certs/uptrends-standin.pem',
  'fixtures/pki/certs/custom-client.pem',
  'fixtures/pki/certs/zoo-unknown-critical-extension.pem',
  'fixtures/pki/ca/uptrends-intermediate.pem',
  'fixtures/pki/ca/deep-ca-2.pem',
].map(read);
const bases = pems.map((pem) => Uint8Array.from((parseCertificates(pem)[0] as Certificate).der));

const verifier = createVerifier({
  trustAnchors: read('fixtures/pki/ca/uptrends-root.pem'),
  intermediates: read('fixtures/pki/ca/uptrends-intermediate.pem'),
});
const at = new Date('2026-01-01T00:00:00Z');

/** Parses; for every certificate found, every accessor and the validator must work too. */
function parseAndUse(input: string | Uint8Array): void {
  const certs = parseCertificates(input);
  for (const cert of certs) {
    JSON.stringify(cert.toJSON());
    void [cert.sha256, cert.spkiSha256Base64, cert.emails, cert.dnsNames, cert.uris, cert.ipAddresses, cert.isSelfIssued, cert.authorityKeyId];
    void [cert.subject.toString(), cert.issuer.toString(), cert.subject.matchKey, cert.subject.get('cn'), cert.issuer.getAll('O')];
    cert.toPem();
    const result = verifier.verify(cert, certs.slice(1), at);
    if (!result.valid) expect(typeof result.code).toBe('string');
  }
}

const MALFORMED = ['CERT_MALFORMED'] as const;

/** Text forms of DER bytes, as proxies, files and service keys carry them. */
function textForm(der: Uint8Array, form: number): string {
  const b64 = Buffer.from(der).toString('base64');
  const pem = `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  switch (form % 9) {
    case 0:
      return pem;
    case 1:
      return b64;
    case 2:
      return Buffer.from(der).toString('base64url');
    case 3:
      return encodeURIComponent(pem); // nginx $ssl_client_escaped_cert, XFCC Cert=
    case 4:
      return JSON.stringify(pem).slice(1, -1); // literal \n escapes (SAP service keys)
    case 5:
      return `:${b64}:`; // RFC 9440 byte sequence
    case 6:
      return `${b64},${b64}`; // RFC 9440 Client-Cert-Chain list
    case 7:
      return pem.replace(/\n/g, '\r\n').replace(/-----/g, '—–—');
    default:
      return `"${b64}"`;
  }
}

describe('fuzz: certificate parsing', () => {
  it('structure-aware DER mutants (lengths, tags, nesting, truncation, duplication) as bytes', () => {
    const tally = new OutcomeTally('certificate DER mutants');
    fc.assert(
      fc.property(derMutant(bases), (der) => {
        tally.add(outcome(parseAndUse, der, MALFORMED));
      }),
      params(200),
    );
    tally.report();
    // The mutator must produce parseable certificates too, or it only tests the outer reader.
    expect(tally.get('ok')).toBeGreaterThan(0);
    expect(tally.get('CERT_MALFORMED')).toBeGreaterThan(0);
  });

  it('DER mutants in every text form (PEM, base64, base64url, URL-escaped, JSON-escaped, RFC 9440, lists)', () => {
    const tally = new OutcomeTally('certificate text forms');
    fc.assert(
      fc.property(derMutant(bases, 48 * 1024), fc.nat(), fc.boolean(), (der, form, asBytes) => {
        const text = textForm(der, form);
        tally.add(outcome(parseAndUse, asBytes ? new TextEncoder().encode(text) : text, MALFORMED));
      }),
      params(150),
    );
    tally.report();
  });

  it('character-level damage to valid PEM and escaped forms', () => {
    const specials = ['-', '%', '%2', '%0A', '\\', '\\n', '\\\\n', ':', ',', '"', '=', ' ', '\n', '\r', '\t', '\u00a0', '\ufeff', '\u2014', '\u0000', '+', '/', '_', 'é', '😀', '-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----', '-----BEGIN TRUSTED CERTIFICATE-----'];
    const edit = fc.record({ at: fc.nat(), del: fc.nat(8), insert: fc.oneof(fc.constantFrom(...specials), fc.string({ maxLength: 4 })) });
    const tally = new OutcomeTally('certificate text edits');
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.nat(), fc.array(edit, { minLength: 1, maxLength: 5 }), (which, form, edits) => {
        let text = textForm(bases[which] as Uint8Array, form);
        for (const e of edits) {
          const i = e.at % (text.length + 1);
          text = text.slice(0, i) + e.insert + text.slice(i + e.del);
        }
        tally.add(outcome(parseAndUse, text, MALFORMED));
      }),
      params(200),
    );
    tally.report();
  });

  it('random strings and bytes, also behind certificate-like headers', () => {
    const tally = new OutcomeTally('certificate random input');
    const header = fc.constantFrom([0x30, 0x82], [0x30, 0x80], [0x30, 0x84, 0xff], [0x30, 0x81], [0xff, 0xfe], [0xfe, 0xff], [0xef, 0xbb, 0xbf], []);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }),
          fc.tuple(header, fc.uint8Array({ maxLength: 2048 })).map(([h, body]) => Uint8Array.from([...h, ...body])),
          fc.string({ maxLength: 1024 }),
          fc.string({ unit: 'binary', maxLength: 1024 }),
          fc.stringMatching(/^[A-Za-z0-9+/=%:,"\\\s-]{0,2000}$/),
        ),
        (input) => {
          tally.add(outcome(parseAndUse, input, MALFORMED));
        },
      ),
      params(200),
    );
    tally.report();
  });
});
