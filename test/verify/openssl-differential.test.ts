/**
 * Differential test: certgate and `openssl verify -x509_strict -purpose sslclient -auth_level 2
 * -attime` give the same verdict on generated chains, good and bad. (-auth_level 2 is OpenSSL's
 * "112-bit security" level: no SHA-1, no RSA under 2048, which is certgate's key and algorithm
 * policy; the x509-limbo OpenSSL harness uses it too.) A second group pins down the deliberate
 * differences, where certgate is stricter than OpenSSL, so that they stay deliberate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../src/verify/chain.js';
import { extension, seq } from '../helpers/der.js';
import { AT, makeCert, newKey, type CertSpec, type TestCert } from '../helpers/signed-pki.js';

const dir = mkdtempSync(join(tmpdir(), 'certgate-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  readonly leaf: TestCert;
  readonly intermediates: readonly TestCert[];
  readonly anchors: readonly TestCert[];
  readonly at?: Date;
}

let n = 0;
function openssl(c: Case): { valid: boolean; detail: string } {
  const id = ++n;
  const file = (name: string, certs: readonly TestCert[]): string => {
    const path = join(dir, `${id}-${name}.pem`);
    writeFileSync(path, certs.map((x) => x.pem).join(''));
    return path;
  };
  const args = ['verify', '-x509_strict', '-purpose', 'sslclient', '-auth_level', '2', '-attime', String(Math.floor((c.at ?? AT).getTime() / 1000)), '-CAfile', file('ca', c.anchors)];
  if (c.intermediates.length > 0) args.push('-untrusted', file('untrusted', c.intermediates));
  args.push(file('leaf', [c.leaf]));
  try {
    return { valid: true, detail: execFileSync('openssl', args, { stdio: 'pipe' }).toString().trim() };
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    return { valid: false, detail: `${String(e.stdout ?? '')}${String(e.stderr ?? '')}`.trim() };
  }
}

function certgate(c: Case): { valid: boolean; detail: string } {
  const r = createVerifier({ trustAnchors: c.anchors.map((x) => x.cert) }).verify(c.leaf.cert, c.intermediates.map((x) => x.cert), c.at ?? AT);
  return r.valid ? { valid: true, detail: 'valid' } : { valid: false, detail: `${r.code}: ${r.message}` };
}

const root = makeCert({ subject: 'Diff Root', ca: true });
const ica = makeCert({ subject: 'Diff ICA', ca: { pathLen: 0 }, issuer: root });
const leaf = (extra: Partial<CertSpec> = {}, issuer: TestCert = ica): TestCert => makeCert({ subject: 'client', issuer, ...extra });
const past = new Date(AT.getTime() - 86_400_000);
const future = new Date(AT.getTime() + 86_400_000);

const cases: [string, boolean, () => Case][] = [
  ['good EC P-256 chain', true, () => ({ leaf: leaf(), intermediates: [ica], anchors: [root] })],
  ['good chain under an RSA-2048 root, P-384 and Ed25519 links', true, () => {
    const rsa = makeCert({ subject: 'RSA Root', ca: true, key: newKey('rsa2048') });
    const p384 = makeCert({ subject: 'P384 ICA', ca: true, issuer: rsa, key: newKey('ec-p384') });
    return { leaf: makeCert({ subject: 'client', issuer: p384, hash: 'sha384' }), intermediates: [p384], anchors: [rsa] };
  }],
  ['leaf issued directly by the root', true, () => ({ leaf: leaf({}, root), intermediates: [], anchors: [root] })],
  ['self-issued intermediate (key rollover) under pathlen 0', true, () => {
    const rolled = makeCert({ subject: 'Diff ICA', ca: { pathLen: 0 }, issuer: ica });
    return { leaf: leaf({}, rolled), intermediates: [rolled, ica], anchors: [root] };
  }],
  ['name constraints satisfied', true, () => {
    const nc = makeCert({ subject: 'NC ICA', ca: true, issuer: root, permitted: [{ dns: 'example.com' }, { email: 'example.com' }] });
    return { leaf: leaf({ san: [{ dns: 'api.example.com' }, { email: 'ops@example.com' }] }, nc), intermediates: [nc], anchors: [root] };
  }],
  ['expired leaf', false, () => ({ leaf: leaf({ notAfter: past }), intermediates: [ica], anchors: [root] })],
  ['leaf not yet valid', false, () => ({ leaf: leaf({ notBefore: future }), intermediates: [ica], anchors: [root] })],
  ['expired intermediate', false, () => {
    const old = makeCert({ subject: 'Old ICA', ca: true, issuer: root, notAfter: past });
    return { leaf: leaf({}, old), intermediates: [old], anchors: [root] };
  }],
  ['expired root', false, () => {
    const oldRoot = makeCert({ subject: 'Old Root', ca: true, notAfter: past });
    return { leaf: leaf({}, oldRoot), intermediates: [], anchors: [oldRoot] };
  }],
  ['leaf EKU serverAuth only', false, () => ({ leaf: leaf({ eku: ['serverAuth'] }), intermediates: [ica], anchors: [root] })],
  ['intermediate EKU serverAuth only', false, () => {
    const srv = makeCert({ subject: 'Server ICA', ca: true, issuer: root, eku: ['serverAuth'] });
    return { leaf: leaf({}, srv), intermediates: [srv], anchors: [root] };
  }],
  ['leaf with keyUsage keyEncipherment only', false, () => ({ leaf: leaf({ keyUsage: ['keyEncipherment'] }), intermediates: [ica], anchors: [root] })],
  ['intermediate without keyCertSign', false, () => {
    const noSign = makeCert({ subject: 'NoSign ICA', ca: true, issuer: root, keyUsage: ['cRLSign'] });
    return { leaf: leaf({}, noSign), intermediates: [noSign], anchors: [root] };
  }],
  ['intermediate without keyUsage (x509_strict)', false, () => {
    const noKu = makeCert({ subject: 'NoKU ICA', ca: true, issuer: root, keyUsage: null });
    return { leaf: leaf({}, noKu), intermediates: [noKu], anchors: [root] };
  }],
  ['intermediate that is not a CA', false, () => {
    const notCa = makeCert({ subject: 'NotCA', issuer: root, basicConstraints: { ca: false }, keyUsage: ['keyCertSign'], eku: null });
    return { leaf: leaf({}, notCa), intermediates: [notCa], anchors: [root] };
  }],
  ['intermediate with non-critical basicConstraints (x509_strict)', false, () => {
    const soft = makeCert({ subject: 'Soft ICA', ca: true, issuer: root, bcCritical: false });
    return { leaf: leaf({}, soft), intermediates: [soft], anchors: [root] };
  }],
  ['pathLenConstraint 0 violated', false, () => {
    const below = makeCert({ subject: 'Below ICA', ca: true, issuer: ica });
    return { leaf: leaf({}, below), intermediates: [below, ica], anchors: [root] };
  }],
  ['tampered leaf signature', false, () => ({ leaf: leaf({ tamper: true }), intermediates: [ica], anchors: [root] })],
  ['untrusted root', false, () => ({ leaf: leaf(), intermediates: [ica, root], anchors: [makeCert({ subject: 'Other Root', ca: true })] })],
  ['missing intermediate', false, () => ({ leaf: leaf(), intermediates: [], anchors: [root] })],
  ['excluded DNS name', false, () => {
    const nc = makeCert({ subject: 'NC ICA', ca: true, issuer: root, excluded: [{ dns: 'evil.example' }] });
    return { leaf: leaf({ san: [{ dns: 'www.evil.example' }] }, nc), intermediates: [nc], anchors: [root] };
  }],
  ['email outside the permitted subtree', false, () => {
    const nc = makeCert({ subject: 'NC ICA', ca: true, issuer: root, permitted: [{ email: 'example.com' }] });
    return { leaf: leaf({ san: [{ email: 'x@other.example' }] }, nc), intermediates: [nc], anchors: [root] };
  }],
  ['IP outside the permitted subtree', false, () => {
    const nc = makeCert({ subject: 'NC ICA', ca: true, issuer: root, permitted: [{ ip: '192.0.2.0/24' }] });
    return { leaf: leaf({ san: [{ ip: '198.51.100.7' }] }, nc), intermediates: [nc], anchors: [root] };
  }],
  ['subject DN outside the permitted directoryName', false, () => {
    const nc = makeCert({ subject: 'NC ICA', ca: true, issuer: root, permitted: [{ dn: [['2.5.4.10', 'Acme']] }] });
    return { leaf: makeCert({ subject: [['2.5.4.10', 'Other'], ['2.5.4.3', 'client']], issuer: nc }), intermediates: [nc], anchors: [root] };
  }],
  ['unknown critical extension in the leaf', false, () => ({ leaf: leaf({ extraExtensions: [extension('1.3.6.1.4.1.55738.666.1', seq(), true)] }), intermediates: [ica], anchors: [root] })],
  ['unknown critical extension in the root', false, () => {
    const odd = makeCert({ subject: 'Odd Root', ca: true, extraExtensions: [extension('1.3.6.1.4.1.55738.666.1', seq(), true)] });
    return { leaf: leaf({}, odd), intermediates: [], anchors: [odd] };
  }],
  ['SHA-1 signed leaf', false, () => {
    const rsa = makeCert({ subject: 'RSA Root', ca: true, key: newKey('rsa2048') });
    return { leaf: makeCert({ subject: 'client', issuer: rsa, hash: 'sha1' }), intermediates: [], anchors: [rsa] };
  }],
  ['RSA-1024 leaf key', false, () => ({ leaf: leaf({ key: newKey('rsa1024') }), intermediates: [ica], anchors: [root] })],
  ['leaf without authorityKeyIdentifier (x509_strict)', false, () => ({ leaf: leaf({ noAki: true }), intermediates: [ica], anchors: [root] })],
  ['intermediate without subjectKeyIdentifier (x509_strict)', false, () => {
    const noSki = makeCert({ subject: 'NoSKI ICA', ca: true, issuer: root, noSki: true });
    return { leaf: leaf({ noAki: true, extraExtensions: [extension('2.5.29.35', seq(new Uint8Array([0x80, 0x01, 0x01])))] }, noSki), intermediates: [noSki], anchors: [root] };
  }],
  ['empty subject with a non-critical SAN (x509_strict)', false, () => ({ leaf: leaf({ subject: '', san: [{ email: 'a@example.com' }] }), intermediates: [ica], anchors: [root] })],
];

describe('same verdict as openssl verify -x509_strict -purpose sslclient', () => {
  it.each(cases)('%s (valid: %s)', (_name, expected, build) => {
    const c = build();
    const ours = certgate(c);
    const theirs = openssl(c);
    expect({ certgate: ours.valid, openssl: theirs.valid }, `certgate: ${ours.detail}\nopenssl: ${theirs.detail}`).toEqual({ certgate: expected, openssl: expected });
  });
});

describe('deliberate differences: certgate is stricter', () => {
  const differences: [string, () => Case][] = [
    // A CA certificate is not a client (x509-limbo webpki::ca-as-leaf).
    ['CA certificate as the leaf', () => ({ leaf: makeCert({ subject: 'client', issuer: ica, basicConstraints: { ca: true }, keyUsage: ['digitalSignature', 'keyCertSign'] }), intermediates: [ica], anchors: [root] })],
    // DEVELOPERS.md: a client certificate must say it is one.
    ['leaf without extKeyUsage', () => ({ leaf: leaf({ eku: null }), intermediates: [ica], anchors: [root] })],
    ['leaf with anyExtendedKeyUsage beside clientAuth', () => ({ leaf: leaf({ eku: ['clientAuth', 'anyExtendedKeyUsage'] }), intermediates: [ica], anchors: [root] })],
    // TLS client authentication signs (CertificateVerify); keyAgreement alone is not enough.
    ['leaf keyUsage keyAgreement without digitalSignature', () => ({ leaf: leaf({ keyUsage: ['keyAgreement'] }), intermediates: [ica], anchors: [root] })],
    // CA/B Forum BR 7.1.2.1.2, followed by the x509-limbo corpus.
    ['root with extKeyUsage', () => {
      const ekuRoot = makeCert({ subject: 'EKU Root', ca: true, eku: ['clientAuth'] });
      return { leaf: leaf({}, ekuRoot), intermediates: [], anchors: [ekuRoot] };
    }],
    ['leaf serial number zero', () => ({ leaf: leaf({ serial: new Uint8Array([0x02, 0x01, 0x00]) }), intermediates: [ica], anchors: [root] })],
  ];
  it.each(differences)('%s: openssl accepts, certgate refuses', (_name, build) => {
    const c = build();
    expect(openssl(c).valid).toBe(true);
    expect(certgate(c).valid).toBe(false);
  });
});
