/**
 * The real Uptrends chain (fixtures/reference): Uptrends client certificate → Sectigo RSA Client
 * Authentication and Secure Email CA → USERTrust RSA Certification Authority.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { createVerifier } from '../../src/verify/chain.js';

const path = (name: string): string => fileURLToPath(new URL(`../../fixtures/reference/${name}`, import.meta.url));
const load = (name: string) => parseCertificate(readFileSync(path(name), 'utf8'));
const leaf = load('uptrends-2024.pem');
const sectigo = load('sectigo-rsa-client-auth-ca.pem');
const usertrust = load('usertrust-rsa-root.pem');
const verifier = createVerifier({ trustAnchors: [usertrust] });

function codeAt(iso: string): string {
  const r = verifier.verify(leaf, [sectigo], new Date(iso));
  return r.valid ? 'valid' : r.code;
}

/** `openssl verify -x509_strict -purpose sslclient -attime` on the same files. */
function opensslAt(iso: string): string {
  try {
    execFileSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslclient', '-attime', String(Date.parse(iso) / 1000), '-CAfile', path('usertrust-rsa-root.pem'), '-untrusted', path('sectigo-rsa-client-auth-ca.pem'), path('uptrends-2024.pem')], { stdio: 'pipe' });
    return 'valid';
  } catch (error) {
    const out = String((error as { stdout?: Buffer }).stdout ?? '') + String((error as { stderr?: Buffer }).stderr ?? '');
    return out.includes('has expired') ? 'CERT_EXPIRED' : out.includes('not yet valid') ? 'CERT_NOT_YET_VALID' : `openssl: ${out}`;
  }
}

describe('the Uptrends chain', () => {
  it('is valid for client authentication on 2025-01-01, leaf → Sectigo → USERTrust', () => {
    const r = verifier.verify(leaf, [sectigo], new Date('2025-01-01T00:00:00Z'));
    expect(r.valid).toBe(true);
    if (r.valid) expect(r.chain.map((c) => c.sha256)).toEqual([leaf.sha256, sectigo.sha256, usertrust.sha256]);
  });

  it('has expired today (2026-11-23)', () => {
    expect(codeAt('2026-11-23T00:00:00Z')).toBe('CERT_EXPIRED');
  });

  // notAfter is 2025-07-26T23:59:59Z. OpenSSL 3.0 counts that very second as expired and the one
  // before as valid (measured below, and in docs/verify.md); certgate matches it exactly.
  it.each([
    ['2025-07-26T23:59:58Z', 'valid'],
    ['2025-07-26T23:59:59Z', 'CERT_EXPIRED'],
    ['2024-07-25T23:59:59Z', 'CERT_NOT_YET_VALID'],
    ['2024-07-26T00:00:00Z', 'valid'],
  ])('at %s: %s, the same verdict as openssl verify -attime', (iso, expected) => {
    expect(codeAt(iso)).toBe(expected);
    expect(opensslAt(iso)).toBe(expected);
  });

  it('EKU_MISMATCH for purpose server (its EKU is clientAuth + emailProtection)', () => {
    const r = createVerifier({ trustAnchors: [usertrust], purpose: 'server' }).verify(leaf, [sectigo], new Date('2025-01-01T00:00:00Z'));
    expect(r.valid ? 'valid' : r.code).toBe('EKU_MISMATCH');
    if (!r.valid) expect(r.message).toContain('expected serverAuth');
  });

  it('CHAIN_UNTRUSTED without the Sectigo intermediate', () => {
    const r = verifier.verify(leaf, [], new Date('2025-01-01T00:00:00Z'));
    expect(r.valid ? 'valid' : r.code).toBe('CHAIN_UNTRUSTED');
    if (!r.valid) expect(r.message).toContain('Sectigo RSA Client Authentication and Secure Email CA');
  });

  it('is valid with the Sectigo CA as the trust anchor (its EKU allows clientAuth)', () => {
    expect(createVerifier({ trustAnchors: [sectigo] }).verify(leaf, [], new Date('2025-01-01T00:00:00Z')).valid).toBe(true);
  });

  it('refuses the Sectigo CA certificate presented as a client certificate', () => {
    const r = verifier.verify(sectigo, [], new Date('2025-01-01T00:00:00Z'));
    expect(r.valid ? 'valid' : r.code).toBe('BASIC_CONSTRAINTS_VIOLATED');
  });
});
