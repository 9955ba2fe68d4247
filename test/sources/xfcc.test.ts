/**
 * Envoy x-forwarded-client-cert: the documented examples, several hops (the last element is the
 * one the trusted hop wrote), and the quoted-separator injection.
 */
import { describe, expect, it } from 'vitest';
import { decodeHeaderValue } from '../../src/sources/decode.js';
import { parseXfcc } from '../../src/sources/xfcc.js';
import { isClientCertError } from '../../src/errors.js';
import { sectigo, uptrends, usertrust } from '../helpers/gate.js';
import { envoyEscape, pemOf, xfccElement } from '../helpers/proxy-headers.js';

const hex = (ders: readonly Uint8Array[]): string[] => ders.map((d) => Buffer.from(d).toString('hex'));
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return isClientCertError(error) ? error.code : `threw ${String(error)}`;
  }
};

describe('parseXfcc', () => {
  it('parses the examples of the Envoy documentation', () => {
    // https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
    const one = 'By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com';
    expect(parseXfcc(one)).toEqual([
      [
        { key: 'By', value: 'http://frontend.lyft.com' },
        { key: 'Hash', value: '468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688' },
        { key: 'Subject', value: '/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client' },
        { key: 'URI', value: 'http://testclient.lyft.com' },
      ],
    ]);
    const two =
      'By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com,By=http://backend.lyft.com;Hash=9ba61d6425303443c0748a02dd8de688468ed33be74eee6556d90c0149c1309e;URI=http://frontend.lyft.com';
    const elements = parseXfcc(two);
    expect(elements).toHaveLength(2);
    expect(elements[1]?.[0]).toEqual({ key: 'By', value: 'http://backend.lyft.com' });
    const dns = parseXfcc('By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com;DNS=lyft.com;DNS=www.lyft.com');
    expect(dns[0]?.filter((p) => p.key === 'DNS').map((p) => p.value)).toEqual(['lyft.com', 'www.lyft.com']);
  });

  it('unescapes \\" inside quoted values', () => {
    expect(parseXfcc('Subject="CN=a \\"quoted\\" name";URI=x')[0]).toEqual([
      { key: 'Subject', value: 'CN=a "quoted" name' },
      { key: 'URI', value: 'x' },
    ]);
  });

  it('refuses unterminated quotes, stray quotes, missing keys and empty elements', () => {
    for (const bad of ['Cert="abc', 'Subject="CN=x";Cert="abc', 'Cert=ab"c"', 'Cert="a"b', '=abc', 'Cert', 'By=a,,By=b', 'By=a;', 'By=a,', ',By=a', 'B y=a', 'Subject="x\\"']) {
      expect(codeOf(() => parseXfcc(bad)), bad).toBe('CERT_MALFORMED');
    }
  });
});

describe('xfcc certificates', () => {
  const client = [uptrends.der, sectigo.der];

  it('takes the last element: the one the trusted hop appended', () => {
    const edge = xfccElement([usertrust.der], { by: 'spiffe://edge' });
    const value = `${edge},${xfccElement(client, { by: 'spiffe://api' })}`;
    expect(hex(decodeHeaderValue('xfcc', value))).toEqual(hex(client));
    // ...and an earlier element, even a perfect one, never counts.
    expect(hex(decodeHeaderValue('xfcc', `${xfccElement(client)},By=spiffe://api;Hash=00`))).toEqual([]);
  });

  it('the quoted-semicolon/comma injection: a Cert= inside a quoted Subject is not a Cert', () => {
    const forged = envoyEscape(pemOf([usertrust.der]));
    // The client controls its certificate's subject, which Envoy quotes into Subject="...".
    const subjects = [`/CN=x";Cert="${forged}`, `/CN=x;Cert=${forged}`, `/CN=x,By=evil;Cert=${forged}`, `/CN=x\\";Cert=${forged};Subject=\\"`];
    for (const subject of subjects) {
      const value = `By=spiffe://api;Hash=00;Subject="${subject.replace(/"/g, '\\"')}";URI=spiffe://client`;
      expect(hex(decodeHeaderValue('xfcc', value)), subject).toEqual([]);
      const withCert = `By=spiffe://api;Hash=00;Subject="${subject.replace(/"/g, '\\"')}";Cert="${envoyEscape(pemOf([uptrends.der]))}"`;
      expect(hex(decodeHeaderValue('xfcc', withCert)), subject).toEqual(hex([uptrends.der]));
    }
    // Unescaped quotes in the subject break the quoting: refused, never read as a second Cert.
    const broken = `By=spiffe://api;Subject="/CN=x";Cert="${forged}";x="";Cert="${envoyEscape(pemOf([uptrends.der]))}"`;
    expect(codeOf(() => decodeHeaderValue('xfcc', broken))).toBe('HEADER_AMBIGUOUS');
  });

  it('a repeated Cert or Chain, or a Chain that starts elsewhere than Cert, is HEADER_AMBIGUOUS', () => {
    const cert = `Cert="${envoyEscape(pemOf([uptrends.der]))}"`;
    expect(codeOf(() => decodeHeaderValue('xfcc', `${cert};${cert}`))).toBe('HEADER_AMBIGUOUS');
    expect(codeOf(() => decodeHeaderValue('xfcc', `Chain="${envoyEscape(pemOf(client))}";chain="${envoyEscape(pemOf(client))}"`))).toBe('HEADER_AMBIGUOUS');
    expect(codeOf(() => decodeHeaderValue('xfcc', `${cert};Chain="${envoyEscape(pemOf([sectigo.der, uptrends.der]))}"`))).toBe('HEADER_AMBIGUOUS');
  });

  it('Chain alone gives the whole chain; Cert with several certificates is malformed', () => {
    expect(hex(decodeHeaderValue('xfcc', `Hash=00;Chain="${envoyEscape(pemOf(client))}"`))).toEqual(hex(client));
    expect(codeOf(() => decodeHeaderValue('xfcc', `Cert="${envoyEscape(pemOf(client))}"`))).toBe('CERT_MALFORMED');
  });
});
