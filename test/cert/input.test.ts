import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isClientCertError } from '../../src/errors.js';
import { parseCertificate, parseCertificates } from '../../src/cert/parse.js';
import { MAX_INPUT_SIZE } from '../../src/cert/input.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const leafPem = fixture('reference/uptrends-2024.pem');
const intermediatePem = fixture('reference/sectigo-rsa-client-auth-ca.pem');
const LEAF_SHA256 = 'F9A92A6DC75AE381D12DE7C7CB3E02BD87CB4690DA736E26674F57BE4B3B44A1';
const leafDer = parseCertificate(leafPem).der;
const leafB64 = Buffer.from(leafDer).toString('base64');
const body = leafPem.split('\n').slice(1, -2).join('\n');

/** The CERT_MALFORMED message `fn` throws (fails the test on any other outcome). */
function malformedMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isClientCertError(error) && error.code === 'CERT_MALFORMED') return error.message;
    throw error;
  }
  throw new Error('expected CERT_MALFORMED, but parsing succeeded');
}

describe('accepted input forms', () => {
  const forms: Record<string, string | Uint8Array> = {
    'PEM': leafPem,
    'PEM with CRLF': leafPem.replaceAll('\n', '\r\n'),
    'PEM without final newline': leafPem.trimEnd(),
    'PEM with leading and trailing text': `subject=emailAddress=certificates@uptrends.com\nissuer=...\n${leafPem}\ntrailing notes\n`,
    'indented PEM (YAML, nginx $ssl_client_cert with tabs)': leafPem.split('\n').map((l) => `\t  ${l}`).join('\n'),
    'PEM flattened to one line with spaces (proxy header)': leafPem.trim().replaceAll('\n', ' '),
    'PEM with one-line body': `-----BEGIN CERTIFICATE-----\n${leafB64}\n-----END CERTIFICATE-----`,
    'PEM with typographic dashes (em/en, figure dash, minus)': `—–BEGIN CERTIFICATE—– \n\n${leafB64}\n\n‒−END CERTIFICATE−‒`,
    'PEM copied from a web page (NBSP and ideographic spaces in the body)': leafPem.replaceAll('\n', '\u00a0\n').replace('MIIG', '\u3000MIIG'),
    'PEM with literal \\n escapes (SAP service key)': leafPem.replaceAll('\n', '\\n'),
    'PEM inside a JSON document': JSON.stringify({ certificate: leafPem, clientid: 'sb-xyz' }),
    'PEM with doubly escaped \\\\n and \\/': leafPem.replaceAll('\n', '\\\\n').replaceAll('/', '\\/'),
    'URL-escaped PEM (nginx $ssl_client_escaped_cert)': encodeURIComponent(leafPem),
    'URL-escaped PEM leaving + = / raw (AWS ALB)': encodeURIComponent(leafPem).replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%2F/g, '/'),
    'URL-escaped bare base64 (Traefik)': encodeURIComponent(leafB64),
    'bare base64': leafB64,
    'bare base64 wrapped at 64 with CRLF': body.replaceAll('\n', '\r\n'),
    'bare base64url without padding': Buffer.from(leafDer).toString('base64url'),
    'base64 in double quotes': `"${leafB64}"`,
    'RFC 9440 byte sequence': `:${leafB64}:`,
    'DER bytes': leafDer,
    'DER in a Buffer slice of a larger buffer': Buffer.concat([Buffer.alloc(7), leafDer]).subarray(7),
    'PEM text as bytes': new TextEncoder().encode(leafPem),
    'PEM text as bytes with a UTF-8 BOM': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(leafPem)]),
    'PEM text as UTF-16LE bytes with BOM': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(leafPem, 'utf16le')]),
    'PEM text as UTF-16BE bytes with BOM': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(leafPem, 'utf16le').swap16()]),
    'legacy X509 CERTIFICATE label': leafPem.replaceAll('CERTIFICATE', 'X509 CERTIFICATE'),
    'PEM next to a private key block (skipped, never decoded)': `-----BEGIN PRIVATE KEY-----\nnot!base64 at all\n-----END PRIVATE KEY-----\n${leafPem}`,
  };
  for (const [name, input] of Object.entries(forms)) {
    it(name, () => {
      const certs = parseCertificates(input);
      expect(certs.map((c) => c.sha256)).toEqual([LEAF_SHA256]);
      expect(parseCertificate(input).sha256).toBe(LEAF_SHA256);
    });
  }
});

describe('bundles', () => {
  const intermediateDer = parseCertificate(intermediatePem).der;
  const two = [LEAF_SHA256, 'AAF25230D0301DADFB1DD57683FAD2531935E73D3A7AF91F88C2092DF64F1E55'];

  it('PEM bundle, with text between blocks', () => {
    expect(parseCertificates(`${leafPem}\n# intermediate\n${intermediatePem}`).map((c) => c.sha256)).toEqual(two);
  });
  it('DER certificates back to back', () => {
    expect(parseCertificates(Buffer.concat([leafDer, intermediateDer])).map((c) => c.sha256)).toEqual(two);
  });
  it('comma-separated base64', () => {
    expect(parseCertificates(`${leafB64},${Buffer.from(intermediateDer).toString('base64')}`).map((c) => c.sha256)).toEqual(two);
  });
  it('URL-escaped PEM bundle', () => {
    expect(parseCertificates(encodeURIComponent(leafPem + intermediatePem)).map((c) => c.sha256)).toEqual(two);
  });
  it('parseCertificate refuses a bundle, saying how many it found', () => {
    expect(malformedMessage(() => parseCertificate(leafPem + intermediatePem))).toBe('expected exactly one certificate, found 2');
  });
  it('names the failing certificate of a bundle', () => {
    const der = Buffer.from(intermediateDer);
    der[4] = 0x31; // tbsCertificate SEQUENCE -> SET
    const broken = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(malformedMessage(() => parseCertificates(leafPem + broken))).toBe(
      'certificate 2 of 2 (PEM block at line 37): expected SEQUENCE (0x30) for tbsCertificate at offset 4, found SET (0x31)',
    );
  });
});

describe('refused inputs', () => {
  const cases: Record<string, [string | Uint8Array, RegExp]> = {
    'empty string': ['', /input is empty/],
    'whitespace only': [' \n\t ', /input is empty/],
    'empty bytes': [new Uint8Array(0), /input is empty/],
    'prose': ['hello, world!', /found text with U\+0021 \(not base64\) at position 12/],
    'a word': ['hello', /no PEM marker, read as base64\) is not base64: 5 characters is an impossible length/],
    'private key only': ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ\n-----END PRIVATE KEY-----\n', /expected a CERTIFICATE PEM block, found PRIVATE KEY$/],
    'TRUSTED CERTIFICATE': [leafPem.replaceAll('CERTIFICATE', 'TRUSTED CERTIFICATE'), /TRUSTED CERTIFICATE.*not accept/],
    'BEGIN without END': [leafPem.split('-----END')[0] as string, /has no END \(truncated\?\)/],
    'END label mismatch': [leafPem.replace('END CERTIFICATE', 'END PRIVATE KEY'), /closed by "END PRIVATE KEY"/],
    'END without BEGIN': [`-----END CERTIFICATE-----\n${leafPem}`, /without a BEGIN/],
    'nested BEGIN': [leafPem.replace('-----END CERTIFICATE-----', '') + leafPem, /has no END before/],
    'PEM body with a bad character': [leafPem.replace('MIIG', 'MI*G'), /^certificate|PEM block at line 1 is not base64: unexpected character U\+002A at line 2, column 3$/],
    'PEM body truncated': [leafPem.replace(/\n[^\n]*\n-----END/, '\n-----END'), /length 1583 of Certificate at offset 0 exceeds the 1580 bytes available/],
    'base64 with = in the middle': [`${leafB64.slice(0, 100)}=${leafB64.slice(100)}`, /unexpected data after padding at position 101/],
    'mixed base64 alphabets': [`${leafB64.replace(/\+/, '-')}`, /mixes the standard/],
    'bad URL escape': ['%2D%2D%2D%2D%2DBEGIN%ZZ', /bad escape at position 20/],
    'trailing garbage after DER': [Buffer.concat([leafDer, Buffer.from([0x00, 0x00])]), /unexpected 0x00 at offset 1587 after a certificate \(2 trailing bytes\)/],
    'too large': ['A'.repeat(MAX_INPUT_SIZE + 1), /exceeds the limit of 1048576 bytes/],
  };
  for (const [name, [input, pattern]] of Object.entries(cases)) {
    it(name, () => {
      expect(malformedMessage(() => parseCertificates(input))).toMatch(pattern);
    });
  }

  it('never echoes a private key block', () => {
    const secret = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQSECRETSECRET';
    const inputs = [
      `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`,
      `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END CERTIFICATE-----\n`,
      `-----BEGIN PRIVATE KEY-----\n${secret}\n`,
      `-----BEGIN RSA PRIVATE KEY-----\n${secret}\n-----END RSA PRIVATE KEY-----\n${leafPem.replace('MIIG', 'MI!G')}`,
    ];
    for (const input of inputs) {
      const message = malformedMessage(() => parseCertificates(input));
      expect(message).not.toContain('SECRET');
      expect(message).not.toContain('MIIEvQ');
    }
  });

  it('refuses non-string, non-bytes input with CERT_MALFORMED', () => {
    expect(malformedMessage(() => parseCertificates(42 as unknown as string))).toMatch(/found number/);
    expect(malformedMessage(() => parseCertificates(null as unknown as string))).toMatch(/found null/);
  });
});
