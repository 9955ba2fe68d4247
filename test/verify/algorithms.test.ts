import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Certificate } from '../../src/cert/certificate.js';
import type { CertificateModel, KeyType, PublicKeyInfo, SignatureAlgorithm } from '../../src/cert/types.js';
import { checkPublicKey, checkSignatureAlgorithm, isSelfSigned, publicKeyObject, verifySignature } from '../../src/verify/algorithms.js';
import { makeCert, newKey } from '../helpers/signed-pki.js';

const key = (over: Partial<PublicKeyInfo>): PublicKeyInfo => ({ type: 'RSA', algorithmOid: '1.2.840.113549.1.1.1', bits: 2048, curve: undefined, spkiDer: new Uint8Array(), ...over });
const alg = (over: Partial<SignatureAlgorithm>): SignatureAlgorithm => ({
  oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', keyType: 'RSA', hash: 'sha256', pss: undefined, parameters: new Uint8Array([5, 0]), der: new Uint8Array(), ...over,
});

describe('key policy', () => {
  it('accepts RSA 2048-8192 in multiples of 8, P-256/384/521, Ed25519, Ed448', () => {
    for (const k of [key({}), key({ bits: 4096 }), key({ type: 'RSA-PSS', bits: 3072 }), key({ type: 'EC', curve: 'P-256', bits: 256 }), key({ type: 'EC', curve: 'P-521', bits: 521 }), key({ type: 'Ed25519' }), key({ type: 'Ed448' })]) {
      expect(checkPublicKey(k)).toBeUndefined();
    }
  });

  it('refuses weak and unusual keys with WEAK_KEY', () => {
    for (const k of [key({ bits: 1024 }), key({ bits: 2052 }), key({ bits: 16384 }), key({ type: 'EC', curve: 'P-192' }), key({ type: 'EC', curve: 'explicit' }), key({ type: 'EC', curve: 'secp256k1' }), key({ type: 'DSA' }), key({ type: 'unknown' })]) {
      expect(checkPublicKey(k)?.code).toBe('WEAK_KEY');
    }
  });
});

describe('signature algorithm policy', () => {
  it('refuses MD5 and SHA-1 with WEAK_ALGORITHM, and unknown algorithms too', () => {
    expect(checkSignatureAlgorithm(alg({ hash: 'sha1', name: 'sha1WithRSAEncryption', oid: '1.2.840.113549.1.1.5' }))?.code).toBe('WEAK_ALGORITHM');
    expect(checkSignatureAlgorithm(alg({ hash: 'md5', name: 'md5WithRSAEncryption', oid: '1.2.840.113549.1.1.4' }))?.code).toBe('WEAK_ALGORITHM');
    expect(checkSignatureAlgorithm(alg({ hash: 'sha224', oid: '1.2.840.113549.1.1.14' }))?.code).toBe('WEAK_ALGORITHM');
    expect(checkSignatureAlgorithm(alg({ oid: '1.2.3.4', hash: undefined }))?.code).toBe('WEAK_ALGORITHM');
  });

  it('checks parameters: NULL for PKCS#1, absent for ECDSA, consistent PSS', () => {
    expect(checkSignatureAlgorithm(alg({}))).toBeUndefined();
    expect(checkSignatureAlgorithm(alg({ parameters: new Uint8Array([4, 0]) }))?.code).toBe('CERT_MALFORMED');
    expect(checkSignatureAlgorithm(alg({ oid: '1.2.840.10045.4.3.2', keyType: 'EC', parameters: new Uint8Array([5, 0]) }))?.code).toBe('CERT_MALFORMED');
    const pss = (p: NonNullable<SignatureAlgorithm['pss']>): SignatureAlgorithm => alg({ oid: '1.2.840.113549.1.1.10', name: 'rsassa-pss', keyType: 'RSA-PSS', pss: p });
    expect(checkSignatureAlgorithm(pss({ hash: 'sha256', mgf1Hash: 'sha256', saltLength: 32, trailerField: 1 }))).toBeUndefined();
    expect(checkSignatureAlgorithm(pss({ hash: 'sha256', mgf1Hash: 'sha1', saltLength: 32, trailerField: 1 }))?.code).toBe('WEAK_ALGORITHM');
    expect(checkSignatureAlgorithm(pss({ hash: 'sha1', mgf1Hash: 'sha1', saltLength: 20, trailerField: 1 }))?.code).toBe('WEAK_ALGORITHM');
    expect(checkSignatureAlgorithm(alg({ oid: '1.2.840.113549.1.1.10', pss: undefined }))?.code).toBe('WEAK_ALGORITHM');
  });
});

describe('verifySignature', () => {
  it('verifies ECDSA, RSA PKCS#1 v1.5 and Ed25519 links, and refuses the wrong key or a flipped bit', () => {
    for (const spec of ['ec-p256', 'rsa2048', 'ed25519'] as const) {
      const root = makeCert({ subject: `root-${spec}`, ca: true, key: newKey(spec) });
      const leaf = makeCert({ subject: 'leaf', issuer: root });
      expect(verifySignature(leaf.cert, root.cert), spec).toBeUndefined();
      expect(verifySignature(makeCert({ subject: 'leaf', issuer: root, tamper: true }).cert, root.cert)?.code).toBe('SIGNATURE_INVALID');
      expect(verifySignature(leaf.cert, makeCert({ subject: `root-${spec}`, ca: true }).cert)?.code).toBe('SIGNATURE_INVALID');
    }
  });

  it('verifies RSASSA-PSS signatures with their parameters (OpenSSL-made)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certgate-pss-'));
    try {
      const run = (args: string[]): void => void execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      writeFileSync(join(dir, 'ext.cnf'), '[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\n[leaf]\nauthorityKeyIdentifier=keyid\n');
      run(['req', '-x509', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-subj', '/CN=PSS CA', '-days', '2', '-config', join(dir, 'ext.cnf'), '-extensions', 'v3', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']);
      run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'leaf.key'), '-out', join(dir, 'leaf.csr'), '-subj', '/CN=leaf']);
      run(['x509', '-req', '-in', join(dir, 'leaf.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key'), '-out', join(dir, 'leaf.pem'), '-days', '1', '-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48', '-extfile', join(dir, 'ext.cnf'), '-extensions', 'leaf']);
      const ca = Certificate.fromDer(pemToDer(readFileSync(join(dir, 'ca.pem'), 'utf8')));
      const leaf = Certificate.fromDer(pemToDer(readFileSync(join(dir, 'leaf.pem'), 'utf8')));
      expect(leaf.signatureAlgorithm.pss).toMatchObject({ hash: 'sha384', saltLength: 48 });
      expect(checkSignatureAlgorithm(leaf.signatureAlgorithm)).toBeUndefined();
      expect(verifySignature(leaf, ca)).toBeUndefined();
      expect(isSelfSigned(ca)).toBe(true);
      expect(isSelfSigned(leaf)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('isSelfSigned decides by the signature, not by the names', () => {
    expect(isSelfSigned(makeCert({ subject: 'root', ca: true }).cert)).toBe(true);
    const root = makeCert({ subject: 'root', ca: true });
    expect(isSelfSigned(makeCert({ subject: 'root', ca: true, issuer: root }).cert)).toBe(false); // self-issued, other key
    expect(isSelfSigned(makeCert({ subject: 'old', ca: true, hash: 'sha1', key: newKey('rsa2048') }).cert)).toBe(true);
  });
});

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

describe('publicKeyObject', () => {
  // What node:crypto makes of the SubjectPublicKeyInfo itself: the reference the fast RSA path must equal.
  const reference = (spki: Uint8Array): KeyObject | null => {
    try {
      return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    } catch {
      return null;
    }
  };
  const model = (type: KeyType, spkiDer: Uint8Array): CertificateModel => ({ publicKey: key({ type, spkiDer }) }) as unknown as CertificateModel;
  const same = (actual: KeyObject | null, expected: KeyObject | null): void => {
    if (expected === null) {
      expect(actual).toBeNull();
      return;
    }
    expect(actual).not.toBeNull();
    expect(actual?.asymmetricKeyType).toBe(expected.asymmetricKeyType);
    expect(actual?.equals(expected)).toBe(true);
  };
  const rsaSpki = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }));

  it('an RSA key (canonical rsaEncryption SPKI, through PKCS#1) is the key node:crypto reads from the SPKI', () => {
    const cert = Certificate.fromDer(pemDer('../../fixtures/reference/uptrends-2024.pem'));
    same(publicKeyObject(cert), reference(cert.publicKey.spkiDer));
    expect(publicKeyObject(cert)?.asymmetricKeyDetails?.modulusLength).toBe(4096);
    same(publicKeyObject(model('RSA', rsaSpki)), reference(rsaSpki));
  });

  it('keeps the SPKI path, with the same outcome, for anything but the canonical RSA shape', () => {
    const pss = new Uint8Array(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }));
    const ec = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }));
    // rsaEncryption without its NULL parameters: 30 LL 30 0b 06 09 <oid> 03 ...
    const body = rsaSpki.subarray(4);
    const algEnd = 2 + body[1]!;
    const noParams = der(0x30, Buffer.concat([der(0x30, Buffer.from(body.subarray(2, algEnd - 2))), Buffer.from(body.subarray(algEnd))]));
    const trailing = Buffer.concat([Buffer.from(rsaSpki), Buffer.from([0x05, 0x00])]);
    const truncated = rsaSpki.subarray(0, rsaSpki.length - 7);
    const garbage = Buffer.from('30030201ff', 'hex');
    const cases: Array<[KeyType, Uint8Array, string | null]> = [
      ['RSA-PSS', pss, 'rsa-pss'],
      ['EC', ec, 'ec'],
      ['RSA', noParams, null],
      ['RSA', trailing, null],
      ['RSA', truncated, null],
      ['RSA', garbage, null],
    ];
    for (const [type, spki] of cases) same(publicKeyObject(model(type, spki)), reference(spki));
    expect(publicKeyObject(model('RSA-PSS', pss))?.asymmetricKeyType).toBe('rsa-pss');
    expect(publicKeyObject(model('RSA', garbage))).toBeNull();
  });

  it('returns the same KeyObject for the same certificate (built once)', () => {
    const m = model('RSA', rsaSpki);
    expect(publicKeyObject(m)).toBe(publicKeyObject(m));
  });
});

function der(tag: number, body: Uint8Array): Buffer {
  const len = body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, Buffer.from(body)]);
}

function pemDer(relative: string): Uint8Array {
  const pem = readFileSync(new URL(relative, import.meta.url), 'utf8');
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}
