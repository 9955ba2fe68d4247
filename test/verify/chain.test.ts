import { describe, expect, it } from 'vitest';
import { createVerifier, verifyChain, type VerifyResult } from '../../src/verify/chain.js';
import { extension, int, seq } from '../helpers/der.js';
import { AT, makeCert, makeChain, newKey, type TestCert } from '../helpers/signed-pki.js';

function expectValid(result: VerifyResult): readonly string[] {
  if (!result.valid) throw new Error(`expected valid, got ${result.code}: ${result.message}`);
  return result.chain.map((c) => c.subject.get('CN') ?? '');
}

function expectCode(result: VerifyResult, code: string): string {
  if (result.valid) throw new Error(`expected ${code}, got a valid chain ${result.chain.map((c) => c.subject.toString()).join(' <- ')}`);
  expect(result.code, result.message).toBe(code);
  expect(result.error.code).toBe(code);
  expect(result.error.message).toBe(result.message);
  return result.message;
}

function run(leaf: TestCert, intermediates: TestCert[], anchors: TestCert[], options: { at?: Date; purpose?: 'client' | 'server' | 'any'; maxDepth?: number } = {}): VerifyResult {
  return verifyChain({ leaf: leaf.cert, intermediates: intermediates.map((c) => c.cert), trustAnchors: anchors.map((c) => c.cert), at: options.at ?? AT, ...options });
}

describe('verifyChain: a plain chain', () => {
  const { root, intermediate, leaf } = makeChain();

  it('is valid, and the chain runs leaf → intermediate → anchor', () => {
    expect(expectValid(run(leaf, [intermediate], [root]))).toEqual(['client.example', 'Test Intermediate', 'Test Root']);
  });

  it('accepts PEM text and DER bytes as inputs, and a bundle given as the leaf', () => {
    expect(verifyChain({ leaf: leaf.pem, intermediates: intermediate.der, trustAnchors: root.pem, at: AT }).valid).toBe(true);
    expect(verifyChain({ leaf: leaf.pem + intermediate.pem, trustAnchors: [root.der], at: AT }).valid).toBe(true);
  });

  it('CHAIN_UNTRUSTED without the intermediate, naming the missing issuer', () => {
    expect(expectCode(run(leaf, [], [root]), 'CHAIN_UNTRUSTED')).toContain('"CN=Test Intermediate" is neither a trust anchor nor among the intermediates');
  });

  it('CHAIN_UNTRUSTED when the root is only presented, not trusted', () => {
    const other = makeCert({ subject: 'Other Root', ca: true });
    expect(expectCode(run(leaf, [intermediate, root], [other]), 'CHAIN_UNTRUSTED')).toContain('self-signed but not a trust anchor');
  });

  it('the intermediate may itself be the trust anchor (the root is then not needed)', () => {
    expect(expectValid(run(leaf, [root], [intermediate]))).toEqual(['client.example', 'Test Intermediate']);
  });

  it('a leaf that is itself a trust anchor needs no path', () => {
    const selfSigned = makeCert({ subject: 'self.example' });
    expect(expectValid(run(selfSigned, [], [selfSigned]))).toEqual(['self.example']);
    expectCode(run(selfSigned, [], [root]), 'CHAIN_UNTRUSTED');
  });

  it('reports the failing certificate in details', () => {
    const r = run(leaf, [intermediate], [root], { at: new Date('2030-01-01T00:00:00Z') });
    expectCode(r, 'CERT_EXPIRED');
    if (!r.valid) expect(r.error.details).toEqual({ depth: 0, certSha256: leaf.cert.sha256 });
  });
});

describe('verifyChain: one negative case per code', () => {
  const root = makeCert({ subject: 'Root', ca: true });
  const good = makeCert({ subject: 'ICA', ca: true, issuer: root });
  const leafOf = (issuer: TestCert, extra: Partial<Parameters<typeof makeCert>[0]> = {}): TestCert => makeCert({ subject: 'leaf', issuer, ...extra });

  it('CERT_EXPIRED and CERT_NOT_YET_VALID for the leaf, the intermediate and the anchor', () => {
    expectCode(run(leafOf(good, { notAfter: new Date(AT.getTime() - 1000) }), [good], [root]), 'CERT_EXPIRED');
    expectCode(run(leafOf(good, { notBefore: new Date(AT.getTime() + 1000) }), [good], [root]), 'CERT_NOT_YET_VALID');
    const expiredIca = makeCert({ subject: 'ICA', ca: true, issuer: root, notAfter: new Date(AT.getTime() - 1000) });
    expect(expectCode(run(leafOf(expiredIca), [expiredIca], [root]), 'CERT_EXPIRED')).toContain('at depth 1');
    const expiredRoot = makeCert({ subject: 'Root', ca: true, notAfter: new Date(AT.getTime() - 1000) });
    const ica = makeCert({ subject: 'ICA', ca: true, issuer: expiredRoot });
    expect(expectCode(run(leafOf(ica), [ica], [expiredRoot]), 'CERT_EXPIRED')).toContain('trust anchor');
  });

  it('clock skew widens both ends', () => {
    const leaf = leafOf(good, { notBefore: new Date(AT.getTime() + 30_000) });
    expectCode(run(leaf, [good], [root]), 'CERT_NOT_YET_VALID');
    expect(verifyChain({ leaf: leaf.cert, intermediates: [good.cert], trustAnchors: [root.cert], at: AT, clockSkewSeconds: 60 }).valid).toBe(true);
  });

  it('SIGNATURE_INVALID for a tampered leaf and for a wrong issuer key', () => {
    expectCode(run(leafOf(good, { tamper: true }), [good], [root]), 'SIGNATURE_INVALID');
    const impostor = makeCert({ subject: 'ICA', ca: true, issuer: root }); // same name, other key
    expectCode(run(leafOf(impostor), [good], [root]), 'SIGNATURE_INVALID');
  });

  it('WEAK_ALGORITHM for SHA-1 and MD5 signatures (not for an anchor\'s own self-signature)', () => {
    expect(expectCode(run(leafOf(good, { hash: 'sha1' }), [good], [root]), 'WEAK_ALGORITHM')).toContain('SHA-1');
    const rsaRoot = makeCert({ subject: 'RSA Root', ca: true, key: newKey('rsa2048') });
    expect(expectCode(run(leafOf(rsaRoot, { hash: 'md5' }), [], [rsaRoot]), 'WEAK_ALGORITHM')).toContain('MD5');
    const sha1Root = makeCert({ subject: 'Old Root', ca: true, hash: 'sha1' });
    expectValid(run(leafOf(sha1Root), [], [sha1Root]));
  });

  it('WEAK_KEY for RSA-1024 in the leaf and in the anchor, and for secp256k1', () => {
    expect(expectCode(run(leafOf(good, { key: newKey('rsa1024') }), [good], [root]), 'WEAK_KEY')).toContain('1024 bits');
    const weakRoot = makeCert({ subject: 'Weak Root', ca: true, key: newKey('rsa1024') });
    expectCode(run(leafOf(weakRoot), [], [weakRoot]), 'WEAK_KEY');
    expectCode(run(leafOf(good, { key: newKey('ec-secp256k1') }), [good], [root]), 'WEAK_KEY');
  });

  it('EKU_MISMATCH: wrong purpose, no EKU, anyExtendedKeyUsage in the leaf, an intermediate excluding the purpose, a root with EKU', () => {
    expectCode(run(leafOf(good, { eku: ['serverAuth'] }), [good], [root]), 'EKU_MISMATCH');
    expectCode(run(leafOf(good, { eku: null }), [good], [root]), 'EKU_MISMATCH');
    expectCode(run(leafOf(good, { eku: ['clientAuth', 'anyExtendedKeyUsage'] }), [good], [root]), 'EKU_MISMATCH');
    expectCode(run(leafOf(good, { eku: ['clientAuth'], ekuCritical: true }), [good], [root]), 'EKU_MISMATCH');
    const serverIca = makeCert({ subject: 'ICA', ca: true, issuer: root, eku: ['serverAuth'] });
    expectCode(run(leafOf(serverIca), [serverIca], [root]), 'EKU_MISMATCH');
    const ekuRoot = makeCert({ subject: 'EKU Root', ca: true, eku: ['clientAuth'] });
    expectCode(run(leafOf(ekuRoot), [], [ekuRoot]), 'EKU_MISMATCH');
    // purpose any needs no EKU; an intermediate listing the purpose or anyEKU passes.
    expectValid(run(leafOf(good, { eku: null }), [good], [root], { purpose: 'any' }));
    const clientIca = makeCert({ subject: 'ICA', ca: true, issuer: root, eku: ['clientAuth', 'emailProtection'] });
    expectValid(run(leafOf(clientIca), [clientIca], [root]));
    const anyIca = makeCert({ subject: 'ICA', ca: true, issuer: root, eku: ['anyExtendedKeyUsage'] });
    expectValid(run(leafOf(anyIca), [anyIca], [root]));
    // An intermediate configured as anchor keeps its EKU constraint (and passes when it allows the purpose).
    expectValid(run(leafOf(clientIca), [], [clientIca]));
    expectCode(run(leafOf(serverIca), [], [serverIca]), 'EKU_MISMATCH');
  });

  it('KEY_USAGE_INVALID: leaf without digitalSignature or with keyCertSign, CA without keyCertSign or without keyUsage', () => {
    expectCode(run(leafOf(good, { keyUsage: ['keyEncipherment'] }), [good], [root]), 'KEY_USAGE_INVALID');
    expectCode(run(leafOf(good, { keyUsage: ['digitalSignature', 'keyCertSign'] }), [good], [root]), 'KEY_USAGE_INVALID');
    expectValid(run(leafOf(good, { keyUsage: null }), [good], [root]));
    const noSign = makeCert({ subject: 'ICA', ca: true, issuer: root, keyUsage: ['cRLSign'] });
    expectCode(run(leafOf(noSign), [noSign], [root]), 'KEY_USAGE_INVALID');
    const noKu = makeCert({ subject: 'ICA', ca: true, issuer: root, keyUsage: null });
    expectCode(run(leafOf(noKu), [noKu], [root]), 'KEY_USAGE_INVALID');
  });

  it('BASIC_CONSTRAINTS_VIOLATED: CA leaf, non-CA issuer, non-critical CA basicConstraints, pathLen', () => {
    const caLeaf = makeCert({ subject: 'leaf', issuer: good, basicConstraints: { ca: true }, keyUsage: ['digitalSignature'] });
    expect(expectCode(run(caLeaf, [good], [root]), 'BASIC_CONSTRAINTS_VIOLATED')).toContain('CA certificate');
    const notCa = makeCert({ subject: 'ICA', issuer: root, basicConstraints: { ca: false }, keyUsage: ['keyCertSign'], eku: null });
    expectCode(run(leafOf(notCa), [notCa], [root]), 'BASIC_CONSTRAINTS_VIOLATED');
    const noBc = makeCert({ subject: 'ICA', issuer: root, basicConstraints: null, keyUsage: ['keyCertSign'], eku: null });
    expectCode(run(leafOf(noBc), [noBc], [root]), 'BASIC_CONSTRAINTS_VIOLATED');
    const soft = makeCert({ subject: 'ICA', ca: true, issuer: root, bcCritical: false });
    expectCode(run(leafOf(soft), [soft], [root]), 'BASIC_CONSTRAINTS_VIOLATED');
    const ica0 = makeCert({ subject: 'ICA0', ca: { pathLen: 0 }, issuer: root });
    const ica1 = makeCert({ subject: 'ICA1', ca: true, issuer: ica0 });
    expect(expectCode(run(leafOf(ica1), [ica1, ica0], [root]), 'BASIC_CONSTRAINTS_VIOLATED')).toContain('pathLenConstraint is 0');
  });

  it('pathLenConstraint does not count self-issued intermediates, and may increase below', () => {
    const ica = makeCert({ subject: 'ICA', ca: { pathLen: 0 }, issuer: root });
    const rollover = makeCert({ subject: 'ICA', ca: { pathLen: 0 }, issuer: ica }); // self-issued: new key, same name
    expect(expectValid(run(leafOf(rollover), [rollover, ica], [root]))).toHaveLength(4);
    const r1 = makeCert({ subject: 'R1', ca: { pathLen: 1 }, issuer: root });
    const r2 = makeCert({ subject: 'R2', ca: { pathLen: 2 }, issuer: r1 });
    expectValid(run(leafOf(r2), [r2, r1], [root]));
  });

  it('the anchor\'s pathLenConstraint is honoured', () => {
    const tight = makeCert({ subject: 'Tight Root', ca: { pathLen: 0 } });
    const ica = makeCert({ subject: 'ICA', ca: true, issuer: tight });
    expectCode(run(leafOf(ica), [ica], [tight]), 'BASIC_CONSTRAINTS_VIOLATED');
  });

  it('CHAIN_TOO_DEEP beyond maxDepth intermediates (self-issued ones not counted)', () => {
    let issuer = root;
    const cas: TestCert[] = [];
    for (let i = 0; i < 3; i++) {
      issuer = makeCert({ subject: `ICA${i}`, ca: true, issuer });
      cas.push(issuer);
    }
    const leaf = leafOf(issuer);
    expectValid(run(leaf, cas, [root], { maxDepth: 3 }));
    expectCode(run(leaf, cas, [root], { maxDepth: 2 }), 'CHAIN_TOO_DEEP');
    const direct = leafOf(root);
    expectValid(run(direct, [], [root], { maxDepth: 0 }));
    expectCode(run(leafOf(good), [good], [root], { maxDepth: 0 }), 'CHAIN_TOO_DEEP');
  });

  it('UNKNOWN_CRITICAL_EXTENSION in the leaf, an intermediate or the anchor; not in an unused certificate', () => {
    const unknown = extension('1.3.6.1.4.1.55738.666.1', seq(), true);
    expectCode(run(leafOf(good, { extraExtensions: [unknown] }), [good], [root]), 'UNKNOWN_CRITICAL_EXTENSION');
    const badIca = makeCert({ subject: 'ICA', ca: true, issuer: root, extraExtensions: [unknown] });
    expectCode(run(leafOf(badIca), [badIca], [root]), 'UNKNOWN_CRITICAL_EXTENSION');
    const badRoot = makeCert({ subject: 'Root', ca: true, extraExtensions: [unknown] });
    expectCode(run(leafOf(badRoot), [], [badRoot]), 'UNKNOWN_CRITICAL_EXTENSION');
    const unusedRoot = makeCert({ subject: 'Unused', ca: true, extraExtensions: [unknown] });
    expectValid(run(leafOf(good), [good], [root, unusedRoot]));
    // Policy extensions are not processed, so critical ones are refused too; non-critical are ignored.
    const pc = extension('2.5.29.36', seq(new Uint8Array([0x80, 0x01, 0x00])), true); // requireExplicitPolicy 0
    const pcIca = makeCert({ subject: 'ICA', ca: true, issuer: root, extraExtensions: [pc] });
    expectCode(run(leafOf(pcIca), [pcIca], [root]), 'UNKNOWN_CRITICAL_EXTENSION');
  });

  it('CERT_MALFORMED: duplicate extensions, zero/negative/long serials, v1, missing AKI, empty issuer name, critical AKI', () => {
    const dup = extension('2.5.29.17', seq(new Uint8Array([0x82, 0x01, 0x61])));
    expect(expectCode(run(leafOf(good, { extraExtensions: [dup, dup] }), [good], [root]), 'CERT_MALFORMED')).toContain('more than once');
    expectCode(run(leafOf(good, { serial: int(0) }), [good], [root]), 'CERT_MALFORMED');
    expectCode(run(leafOf(good, { serial: int(-5) }), [good], [root]), 'CERT_MALFORMED');
    expectCode(run(leafOf(good, { serial: int(2n ** 168n) }), [good], [root]), 'CERT_MALFORMED');
    expectValid(run(leafOf(good, { serial: int(2n ** 159n) }), [good], [root])); // 20 octets + sign octet
    expectCode(run(leafOf(good, { version: 1 }), [good], [root]), 'CERT_MALFORMED');
    expect(expectCode(run(leafOf(good, { noAki: true }), [good], [root]), 'CERT_MALFORMED')).toContain('authorityKeyIdentifier');
    const noSki = makeCert({ subject: 'ICA', ca: true, issuer: root, noSki: true });
    expectCode(run(leafOf(noSki), [noSki], [root]), 'CERT_MALFORMED');
    const critAki = extension('2.5.29.35', seq(new Uint8Array([0x80, 0x01, 0x01])), true);
    expectCode(run(leafOf(good, { noAki: true, extraExtensions: [critAki] }), [good], [root]), 'CERT_MALFORMED');
    expectCode(run(leafOf(good, { subject: '' }), [good], [root]), 'CERT_MALFORMED'); // empty subject, no SAN
    expectCode(run(leafOf(good, { subject: '', san: [{ email: 'a@example.com' }] }), [good], [root]), 'CERT_MALFORMED'); // SAN not critical
    expectValid(run(leafOf(good, { subject: '', san: [{ email: 'a@example.com' }], sanCritical: true }), [good], [root]));
    expectCode(run(leafOf(good, { san: [{ dns: 'foo_bar.example.com' }] }), [good], [root]), 'CERT_MALFORMED');
    expectCode(run(leafOf(good, { san: [{ email: 'a@b@example.com' }] }), [good], [root]), 'CERT_MALFORMED');
  });

  it('NAME_CONSTRAINTS_VIOLATED for the leaf\'s SAN, subject emailAddress, and an intermediate below', () => {
    const nc = makeCert({ subject: 'NC CA', ca: true, issuer: root, permitted: [{ email: 'example.com' }, { dns: 'example.com' }] });
    expectValid(run(leafOf(nc, { san: [{ email: 'alice@example.com' }, { dns: 'host.example.com' }] }), [nc], [root]));
    expectCode(run(leafOf(nc, { san: [{ email: 'alice@evil.example' }] }), [nc], [root]), 'NAME_CONSTRAINTS_VIOLATED');
    const emailSubject = leafOf(nc, { subject: [['2.5.4.3', 'alice'], ['1.2.840.113549.1.9.1', 'alice@evil.example']] });
    expectCode(run(emailSubject, [nc], [root]), 'NAME_CONSTRAINTS_VIOLATED');
    const excludingRoot = makeCert({ subject: 'Excluding Root', ca: true, excluded: [{ dns: 'forbidden.example' }] });
    const ica = makeCert({ subject: 'ICA', ca: true, issuer: excludingRoot, san: [{ dns: 'forbidden.example' }] });
    expect(expectCode(run(leafOf(ica), [ica], [excludingRoot]), 'NAME_CONSTRAINTS_VIOLATED')).toContain('depth 1');
    const dnRoot = makeCert({ subject: 'DN Root', ca: true, permitted: [{ dn: [['2.5.4.10', 'Acme']] }] });
    const inside = makeCert({ subject: [['2.5.4.10', 'ACME'], ['2.5.4.3', 'leaf']], issuer: dnRoot });
    expectValid(run(inside, [], [dnRoot]));
    const outside = makeCert({ subject: [['2.5.4.10', 'Other'], ['2.5.4.3', 'leaf']], issuer: dnRoot });
    expectCode(run(outside, [], [dnRoot]), 'NAME_CONSTRAINTS_VIOLATED');
  });

  it('CERT_MALFORMED for a CA with a malformed or empty name constraint', () => {
    const wildcard = makeCert({ subject: 'ICA', ca: true, issuer: root, permitted: [{ dns: '*.example.com' }] });
    expectCode(run(leafOf(wildcard, { san: [{ dns: 'a.example.com' }] }), [wildcard], [root]), 'CERT_MALFORMED');
    const empty = makeCert({ subject: 'ICA', ca: true, issuer: root, permitted: [], excluded: [] });
    expectCode(run(leafOf(empty), [empty], [root]), 'CERT_MALFORMED');
  });
});

describe('path building', () => {
  it('explores candidate issuers: an expired cross-sign is passed over for a valid one', () => {
    const rootA = makeCert({ subject: 'Root A', ca: true });
    const rootB = makeCert({ subject: 'Root B', ca: true });
    const icaKey = newKey();
    const expired = makeCert({ subject: 'ICA', ca: true, issuer: rootA, key: icaKey, notAfter: new Date(AT.getTime() - 1000) });
    const fresh = makeCert({ subject: 'ICA', ca: true, issuer: rootB, key: icaKey });
    const leaf = makeCert({ subject: 'leaf', issuer: fresh });
    expect(expectValid(run(leaf, [expired, fresh], [rootA, rootB]))).toEqual(['leaf', 'ICA', 'Root B']);
    // Only the expired one: its error is the one reported, not CHAIN_UNTRUSTED.
    expectCode(run(leaf, [expired], [rootA, rootB]), 'CERT_EXPIRED');
  });

  it('prefers the trust anchor to a cross-signed copy of it, and follows a cross-sign when the anchor is the other root', () => {
    const oldRoot = makeCert({ subject: 'Old Root', ca: true });
    const newRoot = makeCert({ subject: 'New Root', ca: true });
    const cross = makeCert({ subject: 'New Root', ca: true, issuer: oldRoot, key: newRoot.key });
    const ica = makeCert({ subject: 'ICA', ca: true, issuer: newRoot });
    const leaf = makeCert({ subject: 'leaf', issuer: ica });
    expect(expectValid(run(leaf, [ica, cross], [newRoot, oldRoot]))).toEqual(['leaf', 'ICA', 'New Root']);
    expect(expectValid(run(leaf, [ica, cross], [oldRoot]))).toEqual(['leaf', 'ICA', 'New Root', 'Old Root']);
  });

  it('terminates on cycles of cross-signed CAs that never reach an anchor', () => {
    const root = makeCert({ subject: 'Root', ca: true });
    const keyA = newKey();
    const keyB = newKey();
    const seedA = makeCert({ subject: 'A', ca: true, key: keyA });
    const b = makeCert({ subject: 'B', ca: true, key: keyB, issuer: seedA });
    const a = makeCert({ subject: 'A', ca: true, key: keyA, issuer: b });
    const leaf = makeCert({ subject: 'leaf', issuer: a });
    expect(expectCode(run(leaf, [a, b], [root]), 'CHAIN_UNTRUSTED')).toContain('loop');
  });

  it('a name-constraint failure on one path does not stop another path from validating', () => {
    const rootA = makeCert({ subject: 'Root A', ca: true, excluded: [{ dns: 'leaf.example' }] });
    const rootB = makeCert({ subject: 'Root B', ca: true });
    const key = newKey();
    const viaA = makeCert({ subject: 'ICA', ca: true, issuer: rootA, key });
    const viaB = makeCert({ subject: 'ICA', ca: true, issuer: rootB, key });
    const leaf = makeCert({ subject: 'leaf', issuer: viaA, san: [{ dns: 'leaf.example' }] });
    expect(expectValid(run(leaf, [viaA, viaB], [rootA, rootB])).at(-1)).toBe('Root B');
    expectCode(run(leaf, [viaA], [rootA, rootB]), 'NAME_CONSTRAINTS_VIOLATED');
  });

  it('AKI/SKI only order candidates: a mismatching AKI still verifies by signature', () => {
    const root = makeCert({ subject: 'Root', ca: true });
    const ica = makeCert({ subject: 'ICA', ca: true, issuer: root });
    const wrongAki = extension('2.5.29.35', seq(new Uint8Array([0x80, 0x02, 0xab, 0xcd])));
    const leaf = makeCert({ subject: 'leaf', issuer: ica, noAki: true, extraExtensions: [wrongAki] });
    expectValid(run(leaf, [ica], [root]));
  });

  it('stops with PATH_BUILDING_LIMIT when many same-name candidates each fail, well within seconds', () => {
    const root = makeCert({ subject: 'Root', ca: true });
    const decoys = Array.from({ length: 120 }, () => makeCert({ subject: 'ICA', ca: true, issuer: root }));
    const real = makeCert({ subject: 'ICA', ca: true });
    // No AKI in the leaf, so nothing orders the candidates: each needs a signature check.
    const leaf = makeCert({ subject: 'leaf', issuer: real, noAki: true, extraExtensions: [extension('2.5.29.35', seq(new Uint8Array([0x80, 0x01, 0x00])))] });
    const started = Date.now();
    const r = createVerifier({ trustAnchors: [root.cert] }).verify(leaf.cert, decoys.map((d) => d.cert), AT);
    expectCode(r, 'PATH_BUILDING_LIMIT');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('is bounded on a long chain of same-subject CAs (no exponential search)', () => {
    const root = makeCert({ subject: 'Root', ca: true });
    const chain: TestCert[] = [];
    let issuer = makeCert({ subject: 'Loop', ca: true });
    for (let i = 0; i < 30; i++) {
      issuer = makeCert({ subject: 'Loop', ca: true, issuer });
      chain.push(issuer);
    }
    const leaf = makeCert({ subject: 'leaf', issuer });
    const r = run(leaf, chain, [root]);
    expect(r.valid).toBe(false);
  });
});

describe('createVerifier', () => {
  const { root, intermediate, leaf } = makeChain();

  it('reuses configured intermediates and exposes its policy', () => {
    const v = createVerifier({ trustAnchors: [root.cert], intermediates: [intermediate.pem] });
    expect(v.verify(leaf.cert, [], AT).valid).toBe(true);
    expect(v.policy).toEqual({ purpose: 'client', maxDepth: 8, clockSkewSeconds: 0, maxSignatureChecks: 64, maxCandidates: 1024 });
    expect(v.trustAnchors).toHaveLength(1);
    expect(v.intermediates).toHaveLength(1);
  });

  it('returns CERT_MALFORMED for an unreadable leaf or intermediate, never throws', () => {
    const v = createVerifier({ trustAnchors: [root.cert] });
    expectCode(v.verify('not a certificate', [], AT), 'CERT_MALFORMED');
    expectCode(v.verify(leaf.cert, [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])], AT), 'CERT_MALFORMED');
  });

  it('validates options once, with TypeError hints', () => {
    expect(() => createVerifier({ trustAnchors: [] })).toThrow(/at least one trust anchor/);
    expect(() => createVerifier({ trustAnchors: [root.cert], purpose: 'email' as never })).toThrow(/purpose must be/);
    expect(() => createVerifier({ trustAnchors: [root.cert], maxDepth: -1 })).toThrow(/maxDepth must be an integer/);
    expect(() => createVerifier({ trustAnchors: [root.cert], clockSkewSeconds: 1.5 })).toThrow(/clockSkewSeconds/);
    expect(() => createVerifier({ trustAnchors: 'garbage' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createVerifier({ trustAnchors: [root.cert] }).verify(leaf.cert, [], new Date(Number.NaN))).toThrow(/valid Date/);
  });

  it('server purpose needs serverAuth and a TLS server key usage', () => {
    const server = makeCert({ subject: 'srv', issuer: intermediate, eku: ['serverAuth'], keyUsage: ['keyEncipherment'] });
    expect(run(server, [intermediate], [root], { purpose: 'server' }).valid).toBe(true);
    expectCode(run(leaf, [intermediate], [root], { purpose: 'server' }), 'EKU_MISMATCH');
  });

  it('verifies Ed25519 and ECDSA P-384 signatures', () => {
    const edRoot = makeCert({ subject: 'Ed Root', ca: true, key: newKey('ed25519') });
    const p384 = makeCert({ subject: 'P384 ICA', ca: true, issuer: edRoot, key: newKey('ec-p384') });
    const l = makeCert({ subject: 'leaf', issuer: p384, hash: 'sha384' });
    expectValid(run(l, [p384], [edRoot]));
  });
});
