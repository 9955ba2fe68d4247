import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { issueClientCertificate, nicknameFileStem, nicknameKey, nicknameProblem } from '../../src/harness/client-cert.js';

const FIXTURES = path.resolve('fixtures/pki');
const ca = {
  certificate: new Uint8Array(new X509Certificate(readFileSync(path.join(FIXTURES, 'ca/customer-ca.pem'))).raw),
  privateKey: createPrivateKey(readFileSync(path.join(FIXTURES, 'keys/customer-ca.key.pem'))),
};

describe('nicknames', () => {
  it('allow letters, digits, spaces, dashes, underscores, up to 64 characters', () => {
    for (const ok of ['a', 'Prod monitor 1', 'x_y-z', 'A'.repeat(64), '1 2  3']) expect(nicknameProblem(ok), ok).toBeUndefined();
    expect(nicknameProblem('')).toMatch(/empty/);
    expect(nicknameProblem('A'.repeat(65))).toMatch(/at most 64/);
    expect(nicknameProblem('a/b')).toMatch(/"\/"/);
    expect(nicknameProblem('tab\there')).toMatch(/letters, digits/);
    expect(nicknameProblem('Ünïcode')).toMatch(/letters, digits/);
    expect(nicknameProblem(' x')).toMatch(/start or end/);
  });
  it('compare ignoring case and repeated spaces; file stems use dashes', () => {
    expect(nicknameKey('Prod  Monitor')).toBe(nicknameKey('prod monitor'));
    expect(nicknameFileStem('Prod  monitor 1')).toBe('Prod-monitor-1');
  });
});

describe('issueClientCertificate', () => {
  it('issues CN=nickname with EKU clientAuth, AKI = the CA SKI, signed by the CA', async () => {
    const issued = await issueClientCertificate({ ca, nickname: 'svc key 7', now: new Date('2026-03-01T10:00:00Z'), notAfter: new Date('2026-09-01T00:00:00Z') });
    const leaf = parseCertificate(issued.certificate);
    const caModel = parseCertificate(ca.certificate);
    expect(leaf.subject.toString()).toBe('CN=svc key 7');
    expect(leaf.authorityKeyId).toBe(caModel.subjectKeyId);
    expect(leaf.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(leaf.notBefore.toISOString()).toBe('2026-03-01T09:55:00.000Z');
    expect(leaf.notAfter.toISOString()).toBe('2026-09-01T00:00:00.000Z');
    expect(new X509Certificate(issued.certificate).verify(new X509Certificate(ca.certificate).publicKey)).toBe(true);
    expect(new X509Certificate(issued.certificate).checkPrivateKey(issued.privateKey)).toBe(true);
    expect(issued.spkiSha256).toBe(leaf.spkiSha256Base64);
  });

  it('refuses an end date not after now, or after the CA expires', async () => {
    await expect(issueClientCertificate({ ca, nickname: 'x', now: new Date('2026-03-01T00:00:00Z'), notAfter: new Date('2026-03-01T00:00:00Z') })).rejects.toThrow(/not after/);
    await expect(issueClientCertificate({ ca, nickname: 'x', now: new Date('2026-03-01T00:00:00Z'), notAfter: new Date('2040-01-01T00:00:00Z') })).rejects.toThrow(/expires on/);
    await expect(issueClientCertificate({ ca, nickname: 'x', now: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2026-01-01T00:00:00Z') })).rejects.toThrow(/not valid before/);
    await expect(issueClientCertificate({ ca, nickname: 'bad/name', notAfter: new Date('2027-01-01T00:00:00Z') })).rejects.toThrow(/letters/);
  });
});
