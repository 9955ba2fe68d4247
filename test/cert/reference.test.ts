import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Certificate } from '../../src/cert/certificate.js';
import { parseCertificate, parseCertificates } from '../../src/cert/parse.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const leafPem = fixture('reference/uptrends-2024.pem');
const intermediatePem = fixture('reference/sectigo-rsa-client-auth-ca.pem');
const rootPem = fixture('reference/usertrust-rsa-root.pem');

const SECTIGO_DN =
  'CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB';
const USERTRUST_DN = 'CN=USERTrust RSA Certification Authority,O=The USERTRUST Network,L=Jersey City,ST=New Jersey,C=US';

describe('the Uptrends certificate (fixtures/reference/README.md)', () => {
  const cert = parseCertificate(leafPem);

  it('has the documented identity', () => {
    expect(cert.version).toBe(3);
    expect(cert.serialNumber).toBe('1A223E5481B066DFDA30E5F35CDB3A81');
    expect(cert.subject.toString()).toBe('emailAddress=certificates@uptrends.com');
    expect(cert.subject.get('emailAddress')).toBe('certificates@uptrends.com');
    expect(cert.subject.get('E')).toBe('certificates@uptrends.com');
    expect(cert.subject.get('CN')).toBeUndefined();
    expect(cert.emails).toEqual(['certificates@uptrends.com']);
    expect(cert.issuer.toString()).toBe(SECTIGO_DN);
    expect(cert.issuer.get('cn')).toBe('Sectigo RSA Client Authentication and Secure Email CA');
    expect(cert.issuer.get('S')).toBe('Greater Manchester');
    expect(cert.isSelfIssued).toBe(false);
  });

  it('has the documented validity, key and signature', () => {
    expect(cert.notBefore.toISOString()).toBe('2024-07-26T00:00:00.000Z');
    expect(cert.notAfter.toISOString()).toBe('2025-07-26T23:59:59.000Z');
    expect(cert.notBeforeEncoding).toBe('UTCTime');
    expect(cert.publicKey.type).toBe('RSA');
    expect(cert.publicKey.bits).toBe(4096);
    expect(cert.publicKey.curve).toBeUndefined();
    expect(cert.signatureAlgorithm.name).toBe('sha256WithRSAEncryption');
    expect(cert.signatureAlgorithm.hash).toBe('sha256');
    expect(cert.signatureAlgorithm.keyType).toBe('RSA');
    expect(cert.signatureAlgorithm.der).toEqual(cert.tbsSignatureAlgorithm.der);
    expect(cert.signatureValue.length).toBe(256); // signed by the 2048-bit intermediate
  });

  it('has the documented hashes', () => {
    expect(cert.sha256).toBe('F9A92A6DC75AE381D12DE7C7CB3E02BD87CB4690DA736E26674F57BE4B3B44A1');
    expect(cert.spkiSha256Hex).toBe('572158c899011b986e3432ea2975151f0b19770c9c44228987ab86929f25e7c4');
    expect(cert.spkiSha256Base64).toBe('VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=');
  });

  it('has the documented extensions', () => {
    expect(cert.keyUsage).toMatchObject({ digitalSignature: true, keyEncipherment: true, keyCertSign: false, cRLSign: false, nonRepudiation: false });
    expect(cert.getExtension('2.5.29.15')?.critical).toBe(true);
    expect(cert.basicConstraints).toEqual({ ca: false, pathLen: undefined });
    expect(cert.getExtension('2.5.29.19')?.critical).toBe(true);
    expect(cert.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.2']);
    expect(cert.subjectAltNames).toEqual([{ type: 'email', value: 'certificates@uptrends.com' }]);
    expect(cert.dnsNames).toEqual([]);
    expect(cert.authorityKeyId).toBe('09C0F2FC0BDA94DB5FFE2BDFA89942CFC9E0AD00');
    expect(cert.subjectKeyId).toBe('BA30EF1852184F0375FD147B6C7F14A4BCF50DA3');
    expect(cert.policies).toEqual(['1.3.6.1.4.1.6449.1.2.1.10.1', '2.23.140.1.5.1.2']);
    expect(cert.crlDistributionPoints).toEqual(['http://crl.sectigo.com/SectigoRSAClientAuthenticationandSecureEmailCA.crl']);
    expect(cert.ocspUrls).toEqual(['http://ocsp.sectigo.com']);
    expect(cert.caIssuersUrls).toEqual(['http://crt.sectigo.com/SectigoRSAClientAuthenticationandSecureEmailCA.crt']);
    expect(cert.extensions).toHaveLength(9);
    expect(cert.duplicateExtensionOids).toEqual([]);
    expect(cert.nameConstraints).toBeUndefined();
  });

  it('agrees with node:crypto on the raw facts', () => {
    const node = new X509Certificate(leafPem);
    expect(cert.serialNumber).toBe(node.serialNumber.toUpperCase());
    expect(cert.sha256).toBe(node.fingerprint256.replaceAll(':', ''));
    expect(Buffer.from(cert.der).equals(node.raw)).toBe(true);
    expect(Buffer.from(cert.publicKey.spkiDer).equals(node.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    expect(cert.toPem()).toBe(leafPem);
  });

  it('is what the Uptrends page text (typographic dashes, one-line body) holds', () => {
    const page = parseCertificates(fixture('seeds/uptrends-public-key-page.txt'));
    expect(page).toHaveLength(1);
    expect(page[0]?.sha256).toBe(cert.sha256);
    expect(page[0]).toBe(cert); // the shared cached instance
  });
});

describe('the Sectigo intermediate and the USERTrust root', () => {
  const intermediate = parseCertificate(intermediatePem);
  const root = parseCertificate(rootPem);
  const leaf = parseCertificate(leafPem);

  it('intermediate facts', () => {
    expect(intermediate.subject.toString()).toBe(SECTIGO_DN);
    expect(intermediate.issuer.toString()).toBe(USERTRUST_DN);
    expect(intermediate.serialNumber).toBe('4D942C10D43BE09409C5812D3A2B064F');
    expect(intermediate.notBefore.toISOString()).toBe('2018-11-02T00:00:00.000Z');
    expect(intermediate.notAfter.toISOString()).toBe('2030-12-31T23:59:59.000Z');
    expect(intermediate.sha256).toBe('AAF25230D0301DADFB1DD57683FAD2531935E73D3A7AF91F88C2092DF64F1E55');
    expect(intermediate.spkiSha256Hex).toBe('3f87b7f8bdbb1a897914439fe05bd2d55b6a09eb941c84b682004baaada2567a');
    expect(intermediate.spkiSha256Base64).toBe('P4e3+L27Gol5FEOf4FvS1VtqCeuUHIS2ggBLqq2iVno=');
    expect(intermediate.publicKey).toMatchObject({ type: 'RSA', bits: 2048 });
    expect(intermediate.signatureAlgorithm.name).toBe('sha384WithRSAEncryption');
    expect(intermediate.basicConstraints).toEqual({ ca: true, pathLen: 0 });
    expect(intermediate.keyUsage).toMatchObject({ digitalSignature: true, keyCertSign: true, cRLSign: true, keyEncipherment: false });
    expect(intermediate.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4']);
    expect(intermediate.policies).toEqual(['2.5.29.32.0']);
    expect(intermediate.subjectKeyId).toBe('09C0F2FC0BDA94DB5FFE2BDFA89942CFC9E0AD00');
    expect(intermediate.authorityKeyId).toBe('5379BF5AAA2B4ACF5480E1D89BC09DF2B20366CB');
    expect(intermediate.crlDistributionPoints).toEqual(['http://crl.usertrust.com/USERTrustRSACertificationAuthority.crl']);
    expect(intermediate.caIssuersUrls).toEqual(['http://crt.usertrust.com/USERTrustRSAAddTrustCA.crt']);
    expect(intermediate.ocspUrls).toEqual(['http://ocsp.usertrust.com']);
  });

  it('root facts', () => {
    expect(root.subject.toString()).toBe(USERTRUST_DN);
    expect(root.isSelfIssued).toBe(true);
    expect(root.serialNumber).toBe('01FD6D30FCA3CA51A81BBC640E35032D');
    expect(root.notBefore.toISOString()).toBe('2010-02-01T00:00:00.000Z');
    expect(root.notAfter.toISOString()).toBe('2038-01-18T23:59:59.000Z');
    expect(root.sha256).toBe('E793C9B02FD8AA13E21C31228ACCB08119643B749C898964B1746D46C3D4CBD2');
    expect(root.spkiSha256Hex).toBe('c784333d20bcd742b9fdc3236f4e509b8937070e73067e254dd3bf9c45bf4dde');
    expect(root.spkiSha256Base64).toBe('x4QzPSC810K5/cMjb05Qm4k3Bw5zBn4lTdO/nEW/Td4=');
    expect(root.publicKey).toMatchObject({ type: 'RSA', bits: 4096 });
    expect(root.signatureAlgorithm.name).toBe('sha384WithRSAEncryption');
    expect(root.subjectKeyId).toBe('5379BF5AAA2B4ACF5480E1D89BC09DF2B20366CB');
    expect(root.authorityKeyId).toBeUndefined();
  });

  it('chains by name and key identifier', () => {
    expect(leaf.issuer.equals(intermediate.subject)).toBe(true);
    expect(leaf.issuer.matchKey).toBe(intermediate.subject.matchKey);
    expect(intermediate.issuer.equals(root.subject)).toBe(true);
    expect(leaf.issuer.equals(root.subject)).toBe(false);
    expect(leaf.authorityKeyId).toBe(intermediate.subjectKeyId);
  });

  it('parses the three as one bundle, in order, sharing cached instances', () => {
    const bundle = parseCertificates(leafPem + intermediatePem + rootPem);
    expect(bundle.map((c) => c.serialNumber)).toEqual([leaf.serialNumber, intermediate.serialNumber, root.serialNumber]);
    expect(bundle[0]).toBe(leaf);
    expect(Certificate.fromDer(new Uint8Array(root.der))).toBe(root);
  });

  it('toJSON is plain JSON with the summary fields', () => {
    const json = JSON.parse(JSON.stringify(leaf)) as Record<string, unknown>;
    expect(json).toMatchObject({
      subject: 'emailAddress=certificates@uptrends.com',
      serialNumber: '1A223E5481B066DFDA30E5F35CDB3A81',
      notAfter: '2025-07-26T23:59:59.000Z',
      publicKey: { type: 'RSA', bits: 4096 },
      signatureAlgorithm: { name: 'sha256WithRSAEncryption' },
      spkiSha256Base64: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=',
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: [{ oid: '1.3.6.1.5.5.7.3.4', name: 'emailProtection' }, { oid: '1.3.6.1.5.5.7.3.2', name: 'clientAuth' }],
    });
  });
});
