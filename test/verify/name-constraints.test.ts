import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import type { DistinguishedName, GeneralName, NameConstraints } from '../../src/cert/types.js';
import {
  checkNameConstraintsSyntax,
  checkNamesAgainstConstraints,
  checkSubjectAltNameSyntax,
  constrainedNames,
  dnWithin,
  isValidDnsConstraint,
  isValidDnsName,
  isValidEmail,
  isValidEmailConstraint,
  isValidIpConstraint,
  uriHost,
} from '../../src/verify/name-constraints.js';
import { makeCert } from '../helpers/signed-pki.js';

const dns = (value: string): GeneralName => ({ type: 'dns', value });
const email = (value: string): GeneralName => ({ type: 'email', value });
const uri = (value: string): GeneralName => ({ type: 'uri', value });
const ip = (...bytes: number[]): GeneralName => ({ type: 'ip', value: new Uint8Array(bytes) });
const nc = (permitted?: GeneralName[], excluded?: GeneralName[]): NameConstraints => ({ permitted, excluded, nonDefaultBounds: false });

function verdict(constraints: NameConstraints, ...names: GeneralName[]): string | undefined {
  return checkNamesAgainstConstraints(constraints, names, { remaining: 1000 })?.code;
}

function dn(...rdns: [string, string][]): DistinguishedName {
  const cert = makeCert({ subject: rdns }).cert;
  return cert.subject;
}

describe('syntax', () => {
  it('dNSNames: LDH labels, an optional leftmost wildcard label, nothing else', () => {
    for (const ok of ['example.com', 'a-b.example', 'xn--bcher-kva.example', 'localhost', '*.example.com', '1.example']) expect(isValidDnsName(ok), ok).toBe(true);
    for (const bad of ['', '.example.com', 'example.com.', 'foo_bar.example', 'a..b', '-a.example', 'a-.example', 'f*o.example', '*.*.example', 'ex ample.com', 'bücher.example', `${'a'.repeat(64)}.example`]) {
      expect(isValidDnsName(bad), bad).toBe(false);
    }
  });

  it('dNSName constraints: a host name or empty; no wildcard, no leading period', () => {
    expect(isValidDnsConstraint('')).toBe(true);
    expect(isValidDnsConstraint('example.com')).toBe(true);
    expect(isValidDnsConstraint('*.example.com')).toBe(false);
    expect(isValidDnsConstraint('.example.com')).toBe(false);
  });

  it('mailboxes and rfc822Name constraints', () => {
    expect(isValidEmail('certificates@uptrends.com')).toBe(true);
    expect(isValidEmail('*@example.com')).toBe(true);
    for (const bad of ['a@b@example.com', '@example.com', 'a@', 'a b@example.com', '"a"@example.com', 'a@exa_mple.com']) expect(isValidEmail(bad), bad).toBe(false);
    expect(isValidEmailConstraint('example.com')).toBe(true);
    expect(isValidEmailConstraint('.example.com')).toBe(true);
    expect(isValidEmailConstraint('user@example.com')).toBe(true);
    expect(isValidEmailConstraint('invalid@invalid@example.com')).toBe(false);
  });

  it('IP constraints need a contiguous mask', () => {
    expect(isValidIpConstraint(new Uint8Array([192, 0, 2, 0, 255, 255, 255, 0]))).toBe(true);
    expect(isValidIpConstraint(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]))).toBe(true);
    expect(isValidIpConstraint(new Uint8Array([192, 0, 2, 0, 255, 0, 255, 0]))).toBe(false);
    expect(isValidIpConstraint(new Uint8Array([192, 0, 2, 1]))).toBe(false);
  });

  it('URI hosts', () => {
    expect(uriHost('https://User@Host.Example.com:8443/path?q')).toBe('host.example.com');
    expect(uriHost('urn:uuid:1234')).toBeUndefined();
    expect(uriHost('https://[2001:db8::1]/')).toBeUndefined();
  });

  it('reports malformed SAN entries and constraint bases', () => {
    expect(checkSubjectAltNameSyntax([dns('.example.com')])?.code).toBe('CERT_MALFORMED');
    expect(checkSubjectAltNameSyntax([email('a@b@c.example')])?.code).toBe('CERT_MALFORMED');
    expect(checkSubjectAltNameSyntax([ip(1, 2, 3, 4, 5, 6, 7, 8)])?.code).toBe('CERT_MALFORMED');
    expect(checkSubjectAltNameSyntax([dns('ok.example'), email('a@ok.example'), uri('urn:x')])).toBeUndefined();
    expect(checkNameConstraintsSyntax(nc([dns('*.example.com')]))?.message).toContain('malformed');
    expect(checkNameConstraintsSyntax(nc([], []))?.message).toContain('neither');
    expect(checkNameConstraintsSyntax(nc(undefined, undefined))?.code).toBe('CERT_MALFORMED');
    expect(checkNameConstraintsSyntax({ ...nc([dns('example.com')]), nonDefaultBounds: true })?.code).toBe('CERT_MALFORMED');
    expect(checkNameConstraintsSyntax(nc([dns('example.com')], [ip(10, 0, 0, 0, 255, 0, 0, 0)]))).toBeUndefined();
  });
});

describe('matching', () => {
  it('dNSName: the base and every name below it, case-insensitively', () => {
    const c = nc([dns('example.com')]);
    expect(verdict(c, dns('example.com'))).toBeUndefined();
    expect(verdict(c, dns('Foo.Bar.EXAMPLE.com'))).toBeUndefined();
    expect(verdict(c, dns('notexample.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(c, dns('example.com.evil'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc(undefined, [dns('')]), dns('anything.example'))).toBe('NAME_CONSTRAINTS_VIOLATED');
  });

  it('excluded wins over permitted', () => {
    expect(verdict(nc([dns('example.com')], [dns('example.com')]), dns('example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
  });

  it('wildcard SANs: permitted only when the whole set is inside, excluded when the set meets the subtree', () => {
    expect(verdict(nc([dns('foo.com')]), dns('*.foo.com'))).toBeUndefined();
    expect(verdict(nc([dns('foo.example.com')]), dns('*.example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc(undefined, [dns('bar.example.com')]), dns('*.example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc(undefined, [dns('example.org')]), dns('*.example.com'))).toBeUndefined();
  });

  it('constraints of one form do not restrict names of another form', () => {
    expect(verdict(nc([ip(192, 0, 2, 0, 255, 255, 255, 0)]), dns('example.com'))).toBeUndefined();
    expect(verdict(nc(undefined, [ip(192, 0, 2, 0, 255, 255, 255, 0)]), dns('example.com'))).toBeUndefined();
  });

  it('rfc822Name: mailbox exact (local part case-sensitive), host, or domain with a leading period', () => {
    expect(verdict(nc([email('foo@example.com')]), email('foo@EXAMPLE.com'))).toBeUndefined();
    expect(verdict(nc([email('foo@example.com')]), email('Foo@example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc([email('example.com')]), email('anyone@example.com'))).toBeUndefined();
    expect(verdict(nc([email('example.com')]), email('anyone@sub.example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc([email('.example.com')]), email('anyone@sub.example.com'))).toBeUndefined();
    expect(verdict(nc([email('.example.com')]), email('anyone@example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    // An asterisk is a literal character.
    expect(verdict(nc([email('*@example.com')]), email('*@example.com'))).toBeUndefined();
    expect(verdict(nc([email('*@example.com')]), email('user@example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc([email('**@example.com')]), email('*@example.com'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    // A malformed address under an email constraint cannot be compared: rejected either way.
    expect(verdict(nc(undefined, [email('evil.example')]), email('x@y@good.example'))).toBe('NAME_CONSTRAINTS_VIOLATED');
  });

  it('iPAddress with mask; IPv4 is never inside an IPv6 subtree', () => {
    const v4 = nc([ip(192, 0, 2, 0, 255, 255, 255, 0)]);
    expect(verdict(v4, ip(192, 0, 2, 77))).toBeUndefined();
    expect(verdict(v4, ip(192, 0, 3, 1))).toBe('NAME_CONSTRAINTS_VIOLATED');
    const loopback6 = [...new Array(15).fill(0), 1];
    expect(verdict(v4, ip(...loopback6))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc(undefined, [ip(...loopback6, ...new Array(16).fill(255))]), ip(...loopback6))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc([ip(0, 0, 0, 0, 0, 0, 0, 0)]), ip(203, 0, 113, 9))).toBeUndefined();
  });

  it('URI by host; a URI without a host fails a URI constraint', () => {
    expect(verdict(nc([uri('api.example.com')]), uri('https://api.example.com/x'))).toBeUndefined();
    expect(verdict(nc([uri('api.example.com')]), uri('https://www.example.com/'))).toBe('NAME_CONSTRAINTS_VIOLATED');
    expect(verdict(nc([uri('.example.com')]), uri('https://deep.api.example.com/'))).toBeUndefined();
    expect(verdict(nc(undefined, [uri('.evil.example')]), uri('urn:uuid:1'))).toBe('NAME_CONSTRAINTS_VIOLATED');
  });

  it('directoryName: RDN prefix, RFC 5280 7.1 comparison, multi-valued RDNs in any order', () => {
    const base = dn(['2.5.4.6', 'GB'], ['2.5.4.10', 'Acme  Ltd']);
    expect(dnWithin(dn(['2.5.4.6', 'gb'], ['2.5.4.10', 'ACME Ltd'], ['2.5.4.3', 'x']), base)).toBe(true);
    expect(dnWithin(dn(['2.5.4.6', 'GB']), base)).toBe(false);
    expect(dnWithin(dn(['2.5.4.10', 'Acme Ltd'], ['2.5.4.6', 'GB']), base)).toBe(false);
    expect(verdict(nc([{ type: 'dn', value: base }]), { type: 'dn', value: dn(['2.5.4.6', 'US']) })).toBe('NAME_CONSTRAINTS_VIOLATED');
  });

  it('other forms: rejected only when the certificate carries a name of the constrained form', () => {
    const other: GeneralName = { type: 'other', tag: 0, der: new Uint8Array([0xa0, 0x00]) };
    expect(verdict(nc(undefined, [other]), dns('example.com'))).toBeUndefined();
    expect(verdict(nc(undefined, [other]), other)).toBe('NAME_CONSTRAINTS_VIOLATED');
  });

  it('counts comparisons against a budget', () => {
    const bases = Array.from({ length: 50 }, (_, i) => dns(`n${i}.example`));
    const names = Array.from({ length: 50 }, (_, i) => dns(`x${i}.example`));
    expect(checkNamesAgainstConstraints(nc(undefined, bases), names, { remaining: 100 })?.code).toBe('PATH_BUILDING_LIMIT');
  });

  it('names of a certificate: SAN entries, the subject DN and its emailAddress values', () => {
    const cert = makeCert({ subject: [['2.5.4.3', 'alice'], ['1.2.840.113549.1.9.1', 'alice@example.com']], san: [{ dns: 'a.example' }] }).cert;
    expect(constrainedNames(cert).map((n) => n.type)).toEqual(['dns', 'dn', 'email']);
    // The real Uptrends certificate: an rfc822Name SAN and the same address as emailAddress.
    const uptrends = parseCertificate(readFileSync(new URL('../../fixtures/reference/uptrends-2024.pem', import.meta.url), 'utf8'));
    expect(constrainedNames(uptrends).filter((n) => n.type === 'email').map((n) => (n as { value: string }).value)).toEqual(['certificates@uptrends.com', 'certificates@uptrends.com']);
  });
});
