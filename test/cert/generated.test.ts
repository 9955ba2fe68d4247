import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Certificate } from '../../src/cert/certificate.js';
import { selfSigned } from '../helpers/openssl.js';

function parse(der: Buffer): Certificate {
  const cert = Certificate.fromDer(der);
  const node = new X509Certificate(der);
  // Facts node:crypto also exposes must agree.
  // node:crypto drops the DER sign octet (00) that serialNumber keeps.
  expect(cert.serialNumber.replace(/^00(?=[89A-F])/, '')).toBe(node.serialNumber.toUpperCase());
  expect(Buffer.from(cert.publicKey.spkiDer).equals(node.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
  expect(cert.notAfter.getTime()).toBe(new Date(node.validTo).getTime());
  return cert;
}

describe('key and signature algorithms of OpenSSL-generated certificates', () => {
  it('EC P-256 with ecdsa-with-SHA256', () => {
    const cert = parse(selfSigned({ key: 'ec-p256', subject: '/CN=ec256' }));
    expect(cert.publicKey).toMatchObject({ type: 'EC', curve: 'P-256', bits: 256, algorithmOid: '1.2.840.10045.2.1' });
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ecdsa-with-SHA256', oid: '1.2.840.10045.4.3.2', keyType: 'EC', hash: 'sha256', parameters: undefined, pss: undefined });
  });

  it('EC P-384 with ecdsa-with-SHA384, EC P-521 with SHA-512', () => {
    const p384 = parse(selfSigned({ key: 'ec-p384', subject: '/CN=ec384', args: ['-sha384'] }));
    expect(p384.publicKey).toMatchObject({ type: 'EC', curve: 'P-384', bits: 384 });
    expect(p384.signatureAlgorithm).toMatchObject({ name: 'ecdsa-with-SHA384', hash: 'sha384' });
    const p521 = parse(selfSigned({ key: 'ec-p521', subject: '/CN=ec521', args: ['-sha512'] }));
    expect(p521.publicKey).toMatchObject({ type: 'EC', curve: 'P-521', bits: 521 });
    expect(p521.signatureAlgorithm).toMatchObject({ name: 'ecdsa-with-SHA512', hash: 'sha512' });
  });

  it('Ed25519 and Ed448', () => {
    const ed25519 = parse(selfSigned({ key: 'ed25519', subject: '/CN=ed25519' }));
    expect(ed25519.publicKey).toMatchObject({ type: 'Ed25519', bits: 255, curve: undefined });
    expect(ed25519.signatureAlgorithm).toMatchObject({ name: 'Ed25519', keyType: 'Ed25519', hash: undefined, parameters: undefined });
    const ed448 = parse(selfSigned({ key: 'ed448', subject: '/CN=ed448' }));
    expect(ed448.publicKey).toMatchObject({ type: 'Ed448', bits: 448 });
    expect(ed448.signatureAlgorithm).toMatchObject({ name: 'Ed448', keyType: 'Ed448' });
  });

  it('RSA-PSS key (id-RSASSA-PSS SPKI) with RSASSA-PSS signature parameters', () => {
    const cert = parse(selfSigned({ key: 'rsa-pss', subject: '/CN=pss' }));
    expect(cert.publicKey).toMatchObject({ type: 'RSA-PSS', bits: 2048, algorithmOid: '1.2.840.113549.1.1.10' });
    expect(cert.signatureAlgorithm).toMatchObject({
      name: 'rsassa-pss',
      oid: '1.2.840.113549.1.1.10',
      keyType: 'RSA-PSS',
      hash: 'sha256',
      pss: { hash: 'sha256', mgf1Hash: 'sha256', saltLength: 32, trailerField: 1 },
    });
  });

  it('rsaEncryption key signed with RSASSA-PSS (SHA-384, salt = digest length)', () => {
    const cert = parse(
      selfSigned({ key: 'rsa2048', subject: '/CN=pss-sig', args: ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'] }),
    );
    expect(cert.publicKey).toMatchObject({ type: 'RSA', bits: 2048 });
    expect(cert.signatureAlgorithm.pss).toEqual({ hash: 'sha384', mgf1Hash: 'sha384', saltLength: 48, trailerField: 1 });
    expect(cert.signatureAlgorithm.hash).toBe('sha384');
    expect(cert.signatureAlgorithm.der).toEqual(cert.tbsSignatureAlgorithm.der);
  });
});

describe('names and extensions of OpenSSL-generated certificates', () => {
  const cert = parse(
    selfSigned({
      key: 'ec-p256',
      subject: '/DC=com/DC=example/O=Example, Inc./OU=Ops+OU=Dev/CN=api.example.com/emailAddress=Ops@Example.COM',
      extensions: [
        'subjectAltName = DNS:api.example.com, DNS:*.example.org, IP:192.0.2.10, IP:2001:db8:0:0:1:0:0:1, IP:::ffff:192.0.2.1, URI:spiffe://example.org/ns/prod/sa/api, email:ops@example.com, dirName:alt_dir, RID:1.2.3.4, otherName:1.3.6.1.4.1.311.20.2.3;UTF8:upn@example.com',
        'issuerAltName = URI:https://ca.example.com',
        'basicConstraints = critical, CA:TRUE, pathlen:3',
        'keyUsage = critical, keyCertSign, cRLSign, digitalSignature',
        'extendedKeyUsage = clientAuth, serverAuth, 1.3.6.1.4.1.311.20.2.2',
        'nameConstraints = critical, permitted;DNS:.example.com, permitted;IP:192.168.0.0/255.255.0.0, permitted;email:example.com, permitted;dirName:alt_dir, excluded;IP:2001:db8::/ffff:ffff:0:0:0:0:0:0, excluded;DNS:bad.example.com, excluded;URI:.evil.example',
        'certificatePolicies = 2.23.140.1.2.1, @policy_section',
        'policyConstraints = requireExplicitPolicy:2, inhibitPolicyMapping:1',
        'policyMappings = 1.2.3.4:1.2.3.5',
        'inhibitAnyPolicy = 5',
        'crlDistributionPoints = URI:http://crl.example.com/ca.crl, URI:ldap://ldap.example.com/cn=ca',
        'authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://crt.example.com/ca.crt, caIssuers;DNS:not-a-uri.example',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid:always, issuer:always',
        '1.3.6.1.4.1.99999.7 = critical, DER:05:00',
      ],
    }),
  );

  it('subject: RFC 4514 string (multi-valued RDN, escaped comma), attributes, self-issued', () => {
    expect(cert.subject.toString()).toBe(
      'emailAddress=Ops@Example.COM,CN=api.example.com,OU=Dev+OU=Ops,O=Example\\, Inc.,DC=example,DC=com',
    );
    expect(cert.subject.rdns).toHaveLength(6);
    expect(cert.subject.rdns[3]).toHaveLength(2);
    expect(cert.subject.getAll('ou')).toEqual(['Dev', 'Ops']); // DER sorts the SET
    expect(cert.subject.getAll('DC')).toEqual(['com', 'example']);
    expect(cert.subject.get('O')).toBe('Example, Inc.');
    expect(cert.subject.get('2.5.4.3')).toBe('api.example.com');
    expect(cert.subject.get('organizationName')).toBe('Example, Inc.');
    expect(cert.subject.get('nonsense')).toBeUndefined();
    expect(cert.isSelfIssued).toBe(true);
  });

  it('SANs of every kind, with views', () => {
    expect(cert.dnsNames).toEqual(['api.example.com', '*.example.org']);
    expect(cert.ipAddresses).toEqual(['192.0.2.10', '2001:db8::1:0:0:1', '::ffff:192.0.2.1']);
    expect(cert.uris).toEqual(['spiffe://example.org/ns/prod/sa/api']);
    // SAN first, then the subject emailAddress (different domain case only: not a duplicate of a different mailbox).
    expect(cert.emails).toEqual(['ops@example.com', 'Ops@Example.COM']);
    const types = cert.subjectAltNames?.map((n) => n.type);
    expect(types).toEqual(['dns', 'dns', 'ip', 'ip', 'ip', 'uri', 'email', 'dn', 'registeredId', 'other']);
    const dn = cert.subjectAltNames?.find((n) => n.type === 'dn');
    expect(dn?.type === 'dn' && dn.value.toString()).toBe('O=Example,CN=Directory Name');
    const rid = cert.subjectAltNames?.find((n) => n.type === 'registeredId');
    expect(rid?.type === 'registeredId' && rid.value).toBe('1.2.3.4');
    const other = cert.subjectAltNames?.find((n) => n.type === 'other');
    expect(other?.type === 'other' && other.tag).toBe(0);
    expect(cert.issuerAltNames).toEqual([{ type: 'uri', value: 'https://ca.example.com' }]);
  });

  it('CA extensions', () => {
    expect(cert.basicConstraints).toEqual({ ca: true, pathLen: 3 });
    expect(cert.keyUsage).toEqual({
      digitalSignature: true, nonRepudiation: false, keyEncipherment: false, dataEncipherment: false, keyAgreement: false,
      keyCertSign: true, cRLSign: true, encipherOnly: false, decipherOnly: false,
    });
    expect(cert.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1', '1.3.6.1.4.1.311.20.2.2']);
    expect(cert.subjectKeyId).toMatch(/^[0-9A-F]{40}$/);
    expect(cert.authorityKeyId).toBe(cert.subjectKeyId);
    expect(cert.authorityKeyIdentifier?.issuer?.[0]?.type).toBe('dn');
    expect(cert.authorityKeyIdentifier?.serialNumber).toBe(cert.serialNumber);
  });

  it('name constraints', () => {
    const nc = cert.nameConstraints;
    expect(nc?.nonDefaultBounds).toBe(false);
    expect(nc?.permitted?.map((n) => n.type)).toEqual(['dns', 'ip', 'email', 'dn']);
    expect(nc?.permitted?.[0]).toEqual({ type: 'dns', value: '.example.com' });
    const ip = nc?.permitted?.[1];
    expect(ip?.type === 'ip' && [...ip.value]).toEqual([192, 168, 0, 0, 255, 255, 0, 0]);
    expect(nc?.excluded?.map((n) => n.type)).toEqual(['ip', 'dns', 'uri']);
    const json = cert.toJSON() as { nameConstraints: { permitted: unknown[]; excluded: unknown[] } };
    expect(json.nameConstraints.permitted[1]).toEqual({ type: 'ip', value: '192.168.0.0/16' });
    expect(json.nameConstraints.excluded[0]).toEqual({ type: 'ip', value: '2001:db8::/32' });
    expect(cert.getExtension('2.5.29.30')?.critical).toBe(true);
  });

  it('policies and policy controls', () => {
    expect(cert.policies).toEqual(['2.23.140.1.2.1', '1.3.6.1.4.1.99999.1']);
    expect(cert.policyConstraints).toEqual({ requireExplicitPolicy: 2, inhibitPolicyMapping: 1 });
    expect(cert.policyMappings).toEqual([{ issuerDomainPolicy: '1.2.3.4', subjectDomainPolicy: '1.2.3.5' }]);
    expect(cert.inhibitAnyPolicy).toBe(5);
  });

  it('CRL and AIA URLs (non-URI locations skipped)', () => {
    expect(cert.crlDistributionPoints).toEqual(['http://crl.example.com/ca.crl', 'ldap://ldap.example.com/cn=ca']);
    expect(cert.ocspUrls).toEqual(['http://ocsp.example.com']);
    expect(cert.caIssuersUrls).toEqual(['http://crt.example.com/ca.crt']);
  });

  it('an unknown critical extension is kept, not rejected (verify decides)', () => {
    expect(cert.getExtension('1.3.6.1.4.1.99999.7')).toEqual({ oid: '1.3.6.1.4.1.99999.7', critical: true, value: new Uint8Array([5, 0]) });
  });
});
