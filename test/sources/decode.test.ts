/**
 * Header decoders: every format from values written exactly as the proxy writes them (real
 * certificates: the published Uptrends certificate and its Sectigo intermediate), then
 * truncations, malformed values and percent-encoding edge cases.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, HEADER_FORMATS, MAX_FORWARDED_CHAIN, percentDecode, type HeaderFormat } from '../../src/sources/decode.js';
import { isClientCertError, type ClientCertErrorCode } from '../../src/errors.js';
import { sectigo, uptrends } from '../helpers/gate.js';
import { albEscape, envoyEscape, nginxEscape, pemOf, xfccElement } from '../helpers/proxy-headers.js';

const leaf = uptrends.der;
const inter = sectigo.der;
const b64 = (der: Uint8Array): string => Buffer.from(der).toString('base64');
const hex = (ders: readonly Uint8Array[]): string[] => ders.map((d) => Buffer.from(d).toString('hex'));

function code(fn: () => unknown): { code: ClientCertErrorCode; message: string } {
  try {
    fn();
  } catch (error) {
    if (isClientCertError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a ClientCertError');
}

function malformed(fn: () => unknown): string {
  const { code: c, message } = code(fn);
  expect(c).toBe('CERT_MALFORMED');
  // Messages say where, never what: no certificate content echoed.
  expect(message).not.toMatch(/MII[A-Za-z0-9+/]{8}/);
  return message;
}

// The values as the proxies document them, for the real Uptrends certificate.
const recorded = {
  // nginx: proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
  nginx: nginxEscape(pemOf([leaf])),
  // RFC 9440 section 2 / Appendix A: Client-Cert: :MIIB...: and Client-Cert-Chain: :MIIB...:, :MIIB...:
  rfc9440: `:${b64(leaf)}:`,
  rfc9440Chain: `:${b64(inter)}:`,
  // Envoy XFCC with forward_client_cert_details SANITIZE_SET, set_current_client_cert_details { cert, chain, subject, uri }.
  xfcc: xfccElement([leaf, inter], { by: 'spiffe://example.org/api', subject: '/emailAddress=certificates@uptrends.com' }),
  // ALB mTLS passthrough: X-Amzn-Mtls-Clientcert (whole chain); verify mode: X-Amzn-Mtls-Clientcert-Leaf.
  albChain: albEscape(pemOf([leaf, inter])),
  albLeaf: albEscape(pemOf([leaf])),
  // Traefik passTLSClientCert { pem: true }: PEM bodies without armour and newlines, comma-separated.
  traefik: `${b64(leaf)},${b64(inter)}`,
  // HAProxy: http-request set-header X-SSL-Client-DER %[ssl_c_der,base64]
  haproxy: b64(leaf),
};

describe('decodeHeaderValue: recorded values of every format', () => {
  it('nginx $ssl_client_escaped_cert (every + / = escaped, uppercase hex)', () => {
    expect(recorded.nginx).toMatch(/^-----BEGIN%20CERTIFICATE-----%0AMII/);
    expect(recorded.nginx).toContain('%2F');
    expect(hex(decodeHeaderValue('nginx', recorded.nginx))).toEqual(hex([leaf]));
  });

  it('rfc9440 Client-Cert and Client-Cert-Chain byte sequences', () => {
    expect(hex(decodeHeaderValue('rfc9440', recorded.rfc9440))).toEqual(hex([leaf]));
    expect(hex(decodeHeaderValue('rfc9440', `${recorded.rfc9440Chain}, ${recorded.rfc9440}`, 'chain'))).toEqual(hex([inter, leaf]));
    // RFC 8941: parsers should not fail on missing padding; OWS around list members is SP/HTAB.
    expect(hex(decodeHeaderValue('rfc9440', `:${b64(leaf).replace(/=+$/, '')}:`))).toEqual(hex([leaf]));
    expect(hex(decodeHeaderValue('rfc9440', ` ${recorded.rfc9440Chain}\t,${recorded.rfc9440Chain}`, 'chain'))).toHaveLength(2);
  });

  it('xfcc: Cert is the leaf, the rest of Chain follows', () => {
    expect(hex(decodeHeaderValue('xfcc', recorded.xfcc))).toEqual(hex([leaf, inter]));
    expect(hex(decodeHeaderValue('xfcc', xfccElement([leaf], { chain: false })))).toEqual(hex([leaf]));
    // Lowercase escapes, as some Envoy builds write them.
    const lower = recorded.xfcc.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    expect(hex(decodeHeaderValue('xfcc', lower))).toEqual(hex([leaf, inter]));
  });

  it('aws-alb: the chain form (passthrough) and the leaf form (verify mode), + = / raw', () => {
    expect(recorded.albChain).toMatch(/^-----BEGIN%20CERTIFICATE-----%0AMII/);
    expect(recorded.albChain).toMatch(/[+/=]/);
    expect(hex(decodeHeaderValue('aws-alb', recorded.albChain, 'chain'))).toEqual(hex([leaf, inter]));
    expect(hex(decodeHeaderValue('aws-alb', recorded.albLeaf, 'cert'))).toEqual(hex([leaf]));
  });

  it('traefik: comma-separated base64 DER, also URL-escaped (older Traefik)', () => {
    expect(hex(decodeHeaderValue('traefik', recorded.traefik))).toEqual(hex([leaf, inter]));
    expect(hex(decodeHeaderValue('traefik', encodeURIComponent(recorded.traefik)))).toEqual(hex([leaf, inter]));
  });

  it('haproxy: base64 DER, optionally %{+Q}-quoted; the chain header holds DER back to back', () => {
    expect(hex(decodeHeaderValue('haproxy', recorded.haproxy))).toEqual(hex([leaf]));
    expect(hex(decodeHeaderValue('haproxy', `"${recorded.haproxy}"`))).toEqual(hex([leaf]));
    expect(hex(decodeHeaderValue('haproxy', b64(Buffer.concat([inter, inter])), 'chain'))).toEqual(hex([inter, inter]));
  });

  it('cuts chains longer than MAX_FORWARDED_CHAIN, as the TLS source does', () => {
    const many = Array.from({ length: MAX_FORWARDED_CHAIN + 5 }, () => inter);
    expect(decodeHeaderValue('traefik', many.map(b64).join(','))).toHaveLength(MAX_FORWARDED_CHAIN);
    expect(decodeHeaderValue('aws-alb', albEscape(pemOf(many)), 'chain')).toHaveLength(MAX_FORWARDED_CHAIN);
  });
});

describe('decodeHeaderValue: truncated and malformed values', () => {
  const values: Record<HeaderFormat, string> = {
    nginx: recorded.nginx,
    rfc9440: recorded.rfc9440,
    xfcc: recorded.xfcc,
    'aws-alb': recorded.albLeaf,
    traefik: recorded.traefik,
    haproxy: recorded.haproxy,
  };

  // Where the certificate data of each value ends: cutting after it (a final newline, base64
  // padding, XFCC's Subject) legitimately leaves a complete value.
  const dataEnd: Record<HeaderFormat, (v: string) => number> = {
    nginx: (v) => v.lastIndexOf('-----END'),
    'aws-alb': (v) => v.lastIndexOf('-----END'),
    xfcc: (v) => v.indexOf('";Subject'),
    rfc9440: (v) => v.length,
    traefik: (v) => v.length - 3,
    haproxy: (v) => v.length - 3,
  };

  it.each(HEADER_FORMATS.map((f) => [f]))('%s: every truncation inside the certificate data is CERT_MALFORMED', (format) => {
    const value = values[format];
    const end = dataEnd[format](value);
    for (const at of [1, 10, 40, Math.floor(end / 3), Math.floor(end / 2), Math.floor((end * 9) / 10), end - 1]) {
      let outcome: string;
      try {
        outcome = `decoded ${decodeHeaderValue(format, value.slice(0, at)).length}`;
      } catch (error) {
        outcome = isClientCertError(error) ? error.code : `threw ${String(error)}`;
      }
      // An XFCC element cut before its Cert= key legitimately holds no certificate.
      expect([`CERT_MALFORMED`, ...(format === 'xfcc' && at < value.indexOf('Cert=') + 5 ? ['decoded 0'] : [])], `${format} cut at ${at}`).toContain(outcome);
    }
  });

  it('rejects values of the wrong shape for their format', () => {
    expect(malformed(() => decodeHeaderValue('nginx', ''))).toMatch(/empty/);
    expect(malformed(() => decodeHeaderValue('nginx', nginxEscape(pemOf([leaf, inter]))))).toMatch(/exactly one certificate, found 2/);
    expect(malformed(() => decodeHeaderValue('nginx', nginxEscape(`junk\n${pemOf([leaf])}`)))).toMatch(/expected "-----BEGIN CERTIFICATE-----" at position 0/);
    expect(malformed(() => decodeHeaderValue('nginx', nginxEscape(`${pemOf([leaf])}trailing`)))).toMatch(/after certificate 1/);
    expect(malformed(() => decodeHeaderValue('nginx', nginxEscape(pemOf([leaf]).replaceAll('CERTIFICATE', 'PRIVATE KEY'))))).toMatch(/BEGIN CERTIFICATE/);
    expect(malformed(() => decodeHeaderValue('rfc9440', b64(leaf)))).toMatch(/byte sequence/);
    expect(malformed(() => decodeHeaderValue('rfc9440', `${recorded.rfc9440};a=1`))).toMatch(/without parameters/);
    expect(malformed(() => decodeHeaderValue('rfc9440', `:${b64(leaf).replace(/\+/g, '-').replace(/\//g, '_')}:`))).toMatch(/expected base64/);
    expect(malformed(() => decodeHeaderValue('rfc9440', `:${b64(leaf).slice(0, 40)} ${b64(leaf).slice(40)}:`))).toMatch(/U\+0020/);
    expect(malformed(() => decodeHeaderValue('rfc9440', `:${b64(Buffer.concat([leaf, inter]))}:`))).toMatch(/exactly one certificate, found 2/);
    expect(malformed(() => decodeHeaderValue('rfc9440', `${recorded.rfc9440Chain},,${recorded.rfc9440Chain}`, 'chain'))).toMatch(/member 2 is empty/);
    expect(malformed(() => decodeHeaderValue('haproxy', `${b64(leaf)}=`))).toMatch(/padding|base64/);
    expect(malformed(() => decodeHeaderValue('haproxy', b64(Buffer.from('not a certificate at all, but text'))))).toMatch(/SEQUENCE/);
    expect(malformed(() => decodeHeaderValue('traefik', `${b64(leaf)},`))).toMatch(/item 2/);
    expect(malformed(() => decodeHeaderValue('traefik', recorded.traefik.replace(',', ', ')))).toMatch(/U\+0020/);
  });
});

describe('percent-encoding edge cases', () => {
  it('decodes exactly once: a doubly encoded value is refused, not decoded twice', () => {
    const twice = encodeURIComponent(nginxEscape(pemOf([leaf])));
    expect(malformed(() => decodeHeaderValue('nginx', twice))).toMatch(/BEGIN CERTIFICATE/);
  });

  it('keeps + as + (base64), never a space', () => {
    expect(percentDecode('a+b%2Bc', 'v')).toBe('a+b+c');
    const pem = pemOf([leaf]);
    expect(pem).toContain('+');
    expect(hex(decodeHeaderValue('aws-alb', albEscape(pem)))).toEqual(hex([leaf]));
  });

  it('accepts either hex case, refuses bad and incomplete escapes', () => {
    expect(percentDecode('%0a%0A%2f%2F', 'v')).toBe('\n\n//');
    expect(malformed(() => percentDecode('abc%2', 'v'))).toMatch(/bad percent-escape at position 3/);
    expect(malformed(() => percentDecode('abc%', 'v'))).toMatch(/position 3/);
    expect(malformed(() => percentDecode('%zz', 'v'))).toMatch(/position 0/);
    expect(malformed(() => percentDecode('%%41', 'v'))).toMatch(/position 0/);
  });

  it('refuses escapes of bytes PEM never holds (NUL, controls, non-ASCII) and raw non-visible characters', () => {
    expect(malformed(() => percentDecode('ab%00', 'v'))).toMatch(/0x00/);
    expect(malformed(() => percentDecode('%1B[31m', 'v'))).toMatch(/0x1b/);
    expect(malformed(() => percentDecode('%C3%A9', 'v'))).toMatch(/0xc3/);
    expect(malformed(() => percentDecode('%7F', 'v'))).toMatch(/0x7f/);
    expect(malformed(() => percentDecode('a b', 'v'))).toMatch(/U\+0020/);
    expect(malformed(() => percentDecode('caf\u00e9', 'v'))).toMatch(/U\+00E9/);
    expect(malformed(() => percentDecode('a\tb', 'v'))).toMatch(/U\+0009/);
  });

  it('a value with a raw newline-free but unescaped PEM (spaces) is refused for URL-encoded formats', () => {
    expect(malformed(() => decodeHeaderValue('nginx', pemOf([leaf]).replace(/\n/g, ' ')))).toMatch(/raw character U\+0020/);
  });

  it('envoy escaping of the same PEM decodes to the same bytes as nginx escaping', () => {
    expect(hex(decodeHeaderValue('nginx', envoyEscape(pemOf([leaf]))))).toEqual(hex(decodeHeaderValue('nginx', recorded.nginx)));
  });
});

describe('hostile input: any value ends in certificates or a ClientCertError', () => {
  const outcome = (format: HeaderFormat, value: string, part: 'cert' | 'chain'): string => {
    try {
      const ders = decodeHeaderValue(format, value, part);
      expect(Array.isArray(ders) && ders.every((d) => d instanceof Uint8Array)).toBe(true);
      return 'decoded';
    } catch (error) {
      if (isClientCertError(error)) return error.code;
      throw error;
    }
  };

  it('random strings, for every format and part', () => {
    fc.assert(
      fc.property(fc.constantFrom(...HEADER_FORMATS), fc.constantFrom('cert' as const, 'chain' as const), fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300, unit: fc.constantFrom(...'%,;="\\:+/AaMIZz09 -\t\n\u0000\u00e9\u2028') })), (format, part, value) => {
        expect(['decoded', 'CERT_MALFORMED', 'HEADER_AMBIGUOUS']).toContain(outcome(format, value, part));
      }),
      { numRuns: 1000 },
    );
  });

  it('single-character edits of real values end in certificates (the gate then checks them) or a ClientCertError', () => {
    const values: Array<[HeaderFormat, string]> = [
      ['nginx', recorded.nginx],
      ['xfcc', recorded.xfcc],
      ['aws-alb', recorded.albLeaf],
      ['traefik', recorded.traefik],
      ['haproxy', recorded.haproxy],
      ['rfc9440', recorded.rfc9440],
    ];
    const alphabet = [...'%,;="\\:+/=AaZz09 -\n\u0000\u00e9'];
    fc.assert(
      fc.property(fc.constantFrom(...values), fc.nat(), fc.constantFrom(...alphabet), ([format, value], at, ch) => {
        const i = at % value.length;
        const edited = value.slice(0, i) + ch + value.slice(i + 1);
        const result = outcome(format, edited, 'cert');
        expect(['decoded', 'CERT_MALFORMED', 'HEADER_AMBIGUOUS']).toContain(result);
      }),
      { numRuns: 400 },
    );
  });
});
