import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNameString } from '../../src/cert/name-string.js';
import { parseCertificate } from '../../src/cert/parse.js';
import { isClientCertError } from '../../src/errors.js';

const uptrends = parseCertificate(readFileSync('fixtures/reference/uptrends-2024.pem', 'utf8'));
const sectigo = parseCertificate(readFileSync('fixtures/reference/sectigo-rsa-client-auth-ca.pem', 'utf8'));

describe('parseNameString', () => {
  it('gives the matchKey of the certificate name it prints as', () => {
    expect(parseNameString(uptrends.issuer.toString()).matchKey).toBe(uptrends.issuer.matchKey);
    expect(parseNameString(sectigo.issuer.toString()).matchKey).toBe(sectigo.issuer.matchKey);
    expect(parseNameString(uptrends.subject.toString()).matchKey).toBe(uptrends.subject.matchKey);
  });

  it('applies RFC 5280 name equality: case, inner whitespace, spaces around separators, aliases', () => {
    const key = uptrends.issuer.matchKey;
    expect(parseNameString('cn=SECTIGO RSA Client  Authentication and Secure Email CA , o = Sectigo Limited, l=Salford, S=Greater Manchester, c=gb').matchKey).toBe(key);
    expect(parseNameString('2.5.4.3=Sectigo RSA Client Authentication and Secure Email CA;O=Sectigo Limited;L=Salford;ST=Greater Manchester;OID.2.5.4.6=GB').matchKey).toBe(key);
    expect(parseNameString('E=certificates@uptrends.com').matchKey).toBe(uptrends.subject.matchKey);
  });

  it('distinguishes a name in the opposite order but offers it as reversedMatchKey', () => {
    const openSslOrder = 'C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Client Authentication and Secure Email CA';
    const parsed = parseNameString(openSslOrder);
    expect(parsed.matchKey).not.toBe(uptrends.issuer.matchKey);
    expect(parsed.reversedMatchKey).toBe(uptrends.issuer.matchKey);
  });

  it('distinguishes different values and different attribute types', () => {
    expect(parseNameString('CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=US').matchKey).not.toBe(uptrends.issuer.matchKey);
    expect(parseNameString('CN=a').matchKey).not.toBe(parseNameString('O=a').matchKey);
    expect(parseNameString('CN=a+O=b').matchKey).toBe(parseNameString('O=b + CN=a').matchKey);
    expect(parseNameString('CN=a+O=b').matchKey).not.toBe(parseNameString('CN=a,O=b').matchKey);
  });

  it('decodes escapes, quoted values and hex string values', () => {
    expect(parseNameString('CN=a\\,b').rdns[0]?.[0]?.value).toBe('a,b');
    expect(parseNameString('CN=caf\\C3\\A9').rdns[0]?.[0]?.value).toBe('café');
    expect(parseNameString('CN="x, y"').rdns[0]?.[0]?.value).toBe('x, y');
    expect(parseNameString('CN=#0C03616263').matchKey).toBe(parseNameString('CN=abc').matchKey);
    expect(parseNameString('CN=trailing\\ ').rdns[0]?.[0]?.value).toBe('trailing ');
    expect(parseNameString('CN=trailing  ').rdns[0]?.[0]?.value).toBe('trailing');
  });

  it.each([
    ['', 'empty'],
    ['CN', 'expected "="'],
    ['XYZ=1', 'unknown attribute type'],
    ['CN=a\\q', 'not a valid escape'],
    ['CN="open', 'unterminated'],
    ['CN=#0C0361', 'BER'],
    ['CN=#abc', 'hex'],
    ['CN=\\FF', 'UTF-8'],
    ['CN=a,', 'attribute type'],
  ])('rejects %j with CONFIG_INVALID (%s)', (input, fragment) => {
    try {
      parseNameString(input);
      expect.unreachable();
    } catch (error) {
      expect(isClientCertError(error) && error.code).toBe('CONFIG_INVALID');
      expect((error as Error).message).toContain(fragment);
    }
  });
});
