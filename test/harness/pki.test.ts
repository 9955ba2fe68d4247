import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { readPkcs12 } from '../../src/cert/pkcs12.js';
import { ERROR_CODES } from '../../src/errors.js';
import { compileIdentities } from '../../src/verify/identities.js';
import { compilePins, fieldsMatch } from '../../src/verify/pins.js';
import { generateTestPki, loadTestPki, resolvePkiDir, TEST_P12_PASSWORD, TestPki, UNKNOWN_CRITICAL_EXTENSION_OID } from '../../src/harness/pki.js';

// The committed fixtures (npm run fixtures) are the PKI under test: the shape tests read them,
// and one test regenerates them from the committed key cache to show they are reproducible.
const FIXTURES = path.resolve('fixtures/pki');
const REFERENCE = path.resolve('fixtures/reference');
let pki: TestPki;
let tmp: string;

beforeAll(async () => {
  pki = await loadTestPki(FIXTURES);
  tmp = mkdtempSync(path.join(tmpdir(), 'certgate-pki-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cert = (relPath: string) => parseCertificate(pki.file(relPath));
const extensionOids = (der: Uint8Array) => parseCertificate(der).extensions.map((e) => `${e.oid}${e.critical ? '!' : ''}`);
const unixTime = (iso: string) => String(Math.floor(Date.parse(iso) / 1000));

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: FIXTURES });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('the Uptrends-shaped chain', () => {
  it('root: TEST USERTrust-like, RSA-4096, self-signed, sha384, CA with keyCertSign+cRLSign critical', () => {
    const root = cert('ca/uptrends-root.pem');
    expect(root.subject.toString()).toBe('CN=TEST USERTrust-like Root,O=TEST USERTrust-like Network,L=Jersey City,ST=New Jersey,C=US');
    expect(root.isSelfIssued).toBe(true);
    expect(root.publicKey).toMatchObject({ type: 'RSA', bits: 4096 });
    expect(root.signatureAlgorithm.name).toBe('sha384WithRSAEncryption');
    expect(root.basicConstraints).toEqual({ ca: true, pathLen: undefined });
    expect(root.keyUsage).toMatchObject({ keyCertSign: true, cRLSign: true, digitalSignature: false });
    // Same extension set and order as the real USERTrust root.
    expect(extensionOids(root.der)).toEqual(extensionOids(readFileSync(path.join(REFERENCE, 'usertrust-rsa-root.pem'))));
  });

  it('intermediate: TEST Sectigo-like, RSA-2048, pathlen 0, EKU clientAuth+emailProtection, anyPolicy, CRL/AIA to the local responders', () => {
    const ca = cert('ca/uptrends-intermediate.pem');
    const root = cert('ca/uptrends-root.pem');
    expect(ca.subject.get('CN')).toBe('TEST Sectigo-like Client Authentication and Secure Email CA');
    expect(ca.issuer.equals(root.subject)).toBe(true);
    expect(ca.publicKey).toMatchObject({ type: 'RSA', bits: 2048 });
    expect(ca.signatureAlgorithm.name).toBe('sha384WithRSAEncryption');
    expect(ca.basicConstraints).toEqual({ ca: true, pathLen: 0 });
    expect(ca.keyUsage).toMatchObject({ digitalSignature: true, keyCertSign: true, cRLSign: true, keyEncipherment: false });
    expect(ca.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4']);
    expect(ca.policies).toEqual(['2.5.29.32.0']);
    expect(ca.authorityKeyId).toBe(root.subjectKeyId);
    expect(ca.crlDistributionPoints).toEqual(['http://127.0.0.1:18080/crl/uptrends-root.crl']);
    expect(ca.ocspUrls).toEqual(['http://127.0.0.1:18080/ocsp/uptrends-root']);
    expect(ca.caIssuersUrls).toEqual(['http://127.0.0.1:18080/ca/uptrends-root.cer']);
    expect(extensionOids(ca.der)).toEqual(extensionOids(readFileSync(path.join(REFERENCE, 'sectigo-rsa-client-auth-ca.pem'))));
  });

  it('stand-in: shaped like the real Uptrends certificate, field by field', () => {
    const real = parseCertificate(readFileSync(path.join(REFERENCE, 'uptrends-2024.pem')));
    const standin = cert(pki.entry('uptrends-standin').cert);
    const intermediate = cert('ca/uptrends-intermediate.pem');
    expect(standin.subject.toString()).toBe(real.subject.toString());
    expect(standin.subject.toString()).toBe('emailAddress=certificates@uptrends.com');
    expect(standin.subject.get('CN')).toBeUndefined();
    expect(standin.subject.rdns[0]?.[0]?.tag).toBe(real.subject.rdns[0]?.[0]?.tag); // IA5String
    expect(standin.emails).toEqual(['certificates@uptrends.com']);
    expect(standin.subjectAltNames).toEqual(real.subjectAltNames);
    expect(standin.extKeyUsage).toEqual(real.extKeyUsage);
    expect(standin.keyUsage).toEqual(real.keyUsage);
    expect(standin.basicConstraints).toEqual(real.basicConstraints);
    expect(extensionOids(standin.der)).toEqual(extensionOids(real.der));
    expect(standin.publicKey).toMatchObject({ type: 'RSA', bits: 4096 });
    expect(standin.signatureAlgorithm.name).toBe('sha256WithRSAEncryption');
    expect(standin.authorityKeyId).toBe(intermediate.subjectKeyId);
    expect(standin.issuer.equals(intermediate.subject)).toBe(true);
    expect(standin.serialBytes.length).toBe(16);
    expect(standin.serialBytes[0]! & 0x80).toBe(0);
    // One year, ending at 23:59:59 like the real one, covering the reference time.
    expect(standin.notAfter.getTime() - standin.notBefore.getTime()).toBe(real.notAfter.getTime() - real.notBefore.getTime());
    expect(standin.notBefore.getTime()).toBeLessThan(pki.referenceTime.getTime());
    expect(standin.notAfter.getTime()).toBeGreaterThan(pki.referenceTime.getTime());
    expect(standin.crlDistributionPoints).toEqual(['http://127.0.0.1:18080/crl/uptrends-intermediate.crl']);
  });

  it('every CA and leaf name says TEST except the stand-in subject (which must equal the real one)', () => {
    for (const authority of Object.values(pki.manifest.authorities)) expect(authority.subject).toContain('TEST');
    for (const entry of pki.manifest.entries.filter((e) => e.id !== 'zoo-self-signed')) expect(entry.issuer, entry.id).toContain('TEST');
    expect(pki.manifest.entries.find((e) => e.id === 'zoo-self-signed')?.issuer).toBe('emailAddress=certificates@uptrends.com');
  });
});

describe('the customer CA, custom client certificate and server certificate', () => {
  it('custom client certificate: CN=monitoring-client, O=TEST Customer, EKU clientAuth, from the TEST Customer CA, also as PKCS#12', () => {
    const entry = pki.entry('custom-client');
    const leaf = parseCertificate(entry.certPem);
    expect(leaf.subject.toString()).toBe('CN=monitoring-client,O=TEST Customer,C=NL');
    expect(leaf.issuer.get('CN')).toBe('TEST Customer CA');
    expect(leaf.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(leaf.basicConstraints).toEqual({ ca: false, pathLen: undefined });
    expect(entry.p12PasswordEnv).toBe('CERTGATE_TEST_P12_PASSWORD');
    expect(entry.p12Password).toBe(TEST_P12_PASSWORD);
    const contents = readPkcs12(entry.p12Bytes!, entry.p12Password!);
    expect(Buffer.from(contents.certificate!).equals(Buffer.from(leaf.der))).toBe(true);
    expect(contents.privateKey!.export({ format: 'der', type: 'pkcs8' }).equals(createPrivateKey(entry.keyPem).export({ format: 'der', type: 'pkcs8' }))).toBe(true);
    expect(contents.friendlyName).toBe('monitoring-client');
  });

  it('the stand-in archive holds the leaf, its key and the intermediate', () => {
    const entry = pki.entry('uptrends-standin');
    const contents = readPkcs12(entry.p12Bytes!, TEST_P12_PASSWORD);
    expect(Buffer.from(contents.certificate!).equals(parseCertificate(entry.certPem).der as Buffer)).toBe(true);
    expect(contents.chain.map((c) => parseCertificate(c).sha256)).toEqual([pki.manifest.authorities['uptrends-intermediate']!.sha256]);
  });

  it('server certificate: localhost, 127.0.0.1 and ::1, EKU serverAuth, from the TEST Server CA', () => {
    const server = cert(pki.manifest.server.cert);
    expect(server.dnsNames).toEqual(['localhost']);
    expect(server.ipAddresses).toEqual(['127.0.0.1', '::1']);
    expect(server.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(server.issuer.get('CN')).toBe('TEST Server CA');
    const tls = pki.serverTls();
    expect(new X509Certificate(tls.cert).checkPrivateKey(createPrivateKey(tls.key))).toBe(true);
    expect(new X509Certificate(tls.cert).verify(new X509Certificate(tls.ca).publicKey)).toBe(true);
  });
});

describe('the manifest', () => {
  it('has the ids others rely on and one zoo entry per case', () => {
    expect(pki.entryIds).toEqual([
      'uptrends-standin',
      'uptrends-standin-leaf-only',
      'custom-client',
      'zoo-expired',
      'zoo-not-yet-valid',
      'zoo-server-auth-only',
      'zoo-ca-leaf',
      'zoo-self-signed',
      'zoo-same-serial-other-ca',
      'zoo-same-subject-other-key',
      'zoo-rsa1024',
      'zoo-sha1',
      'zoo-too-deep',
      'zoo-missing-intermediate',
      'zoo-revoked',
      'zoo-forged-issuer',
      'zoo-unknown-critical-extension',
    ]);
  });

  it('every entry: files exist, the key belongs to the certificate, the chain links, the status matches the code', () => {
    for (const id of pki.entryIds) {
      const entry = pki.entry(id);
      const leaf = new X509Certificate(entry.certPem);
      expect(leaf.checkPrivateKey(createPrivateKey(entry.keyPem)), id).toBe(true);
      let child = leaf;
      for (const pem of entry.chainPems) {
        const parent = new X509Certificate(pem);
        expect(child.verify(parent.publicKey), `${id}: chain link`).toBe(true);
        child = parent;
      }
      expect(entry.expectedStatus, id).toBe(entry.expected === 'valid' ? 200 : ERROR_CODES[entry.expected].status);
      const model = parseCertificate(entry.certPem);
      expect(entry.sha256).toBe(model.sha256);
      expect(entry.spkiSha256).toBe(model.spkiSha256Base64);
      expect(entry.serial).toBe(model.serialNumber);
      expect(entry.issuer).toBe(model.issuer.toString());
    }
  });

  it('every listed file exists, and every file in the directory is listed', () => {
    const listed = new Set(pki.manifest.files.map((f) => f.path));
    for (const file of listed) expect(existsSync(path.join(FIXTURES, file)), file).toBe(true);
    const onDisk = (readdirSync(FIXTURES, { recursive: true }) as string[])
      .map((p) => p.split(path.sep).join('/'))
      .filter((p) => !['ca', 'certs', 'keys', 'p12', 'crl', 'manifest.json'].includes(p));
    expect(onDisk.sort()).toEqual([...listed].sort());
  });

  it('the zoo cases carry the stand-in subject, so only the intended check can reject them', () => {
    for (const entry of pki.manifest.entries.filter((e) => e.kind === 'zoo')) {
      expect(entry.subject, entry.id).toBe('emailAddress=certificates@uptrends.com');
    }
    const standin = pki.entry('uptrends-standin');
    expect(pki.entry('zoo-same-serial-other-ca').serial).toBe(standin.serial);
    expect(pki.entry('zoo-same-serial-other-ca').issuer).not.toBe(standin.issuer);
    expect(pki.entry('zoo-same-subject-other-key').issuer).toBe(standin.issuer);
    const forged = parseCertificate(pki.entry('zoo-forged-issuer').certPem);
    const real = parseCertificate(standin.certPem);
    expect([forged.serialNumber, forged.issuer.toString(), forged.authorityKeyId, forged.emails]).toEqual([real.serialNumber, real.issuer.toString(), real.authorityKeyId, real.emails]);
    expect(pki.entry('zoo-same-subject-other-key').spkiSha256).not.toBe(standin.spkiSha256);
    expect(parseCertificate(pki.entry('zoo-rsa1024').certPem).publicKey.bits).toBe(1024);
    expect(parseCertificate(pki.entry('zoo-sha1').certPem).signatureAlgorithm.hash).toBe('sha1');
    expect(parseCertificate(pki.entry('zoo-unknown-critical-extension').certPem).getExtension(UNKNOWN_CRITICAL_EXTENSION_OID)?.critical).toBe(true);
    expect(parseCertificate(pki.entry('zoo-ca-leaf').certPem).basicConstraints?.ca).toBe(true);
    expect(parseCertificate(pki.entry('zoo-server-auth-only').certPem).extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    // The pin of the demo policy is the stand-in.
    expect(pki.manifest.policies['uptrends']?.pins).toEqual([
      { label: 'TEST Uptrends stand-in', serial: standin.serial, issuer: standin.issuer, subjectEmail: 'certificates@uptrends.com', spkiSha256: standin.spkiSha256 },
    ]);
  });

  it("the demo policy's pins and the customer identity compile with certgate's pin code and select exactly the intended certificates", () => {
    const pins = compilePins(pki.manifest.policies['uptrends']!.pins);
    const identities = compileIdentities(pki.manifest.policies['customer']!.identities);
    for (const entry of pki.manifest.entries) {
      const leaf = parseCertificate(pki.text(entry.cert));
      const pinned = pins.some((pin) => fieldsMatch(pin, leaf));
      const identified = identities.some((identity) => identity.matches.some((m) => fieldsMatch(m, leaf)));
      expect(pinned, entry.id).toBe(entry.id === 'uptrends-standin' || entry.id === 'uptrends-standin-leaf-only');
      expect(identified, entry.id).toBe(entry.id === 'custom-client');
    }
  });

  it('the revoked entry is in the intermediate CRL, which OpenSSL reads and verifies', () => {
    const revocation = pki.manifest.revocation.authorities['uptrends-intermediate']!;
    expect(revocation.revoked.map((r) => r.serial)).toEqual([pki.entry('zoo-revoked').serial]);
    const text = openssl(['crl', '-inform', 'DER', '-in', revocation.crl, '-CAfile', 'ca/uptrends-intermediate.pem', '-noout', '-text']);
    expect(text.out).toContain('verify OK');
    expect(text.out).toContain(`Serial Number: ${pki.entry('zoo-revoked').serial}`);
    expect(text.out).toContain('Key Compromise');
  });
});

// OpenSSL as a second opinion on every entry at the reference time, with the demo policy's depth.
// Where OpenSSL has no such check (a CA certificate as client leaf; pins) the case is listed apart.
describe('openssl verify -purpose sslclient -attime <reference time>', () => {
  const OPENSSL_REJECTS: Record<string, { error: string; args?: string[] }> = {
    'zoo-expired': { error: 'certificate has expired' },
    'zoo-not-yet-valid': { error: 'certificate is not yet valid' },
    'zoo-server-auth-only': { error: 'unsuitable certificate purpose' },
    'zoo-self-signed': { error: 'self-signed certificate' },
    'zoo-same-serial-other-ca': { error: 'self-signed certificate in certificate chain' },
    'zoo-rsa1024': { error: 'EE certificate key too weak' },
    'zoo-sha1': { error: 'CA signature digest algorithm too weak' },
    'zoo-too-deep': { error: 'certificate chain too long' },
    'zoo-missing-intermediate': { error: 'unable to get local issuer certificate' },
    'zoo-revoked': { error: 'certificate revoked', args: ['-crl_check'] },
    'zoo-unknown-critical-extension': { error: 'unhandled critical extension' },
    'zoo-forged-issuer': { error: 'certificate signature failure' },
  };
  const OPENSSL_ACCEPTS = ['uptrends-standin', 'uptrends-standin-leaf-only', 'custom-client', 'zoo-same-subject-other-key', 'zoo-ca-leaf'];

  function verify(id: string, extra: string[] = []): { status: number | null; out: string } {
    const entry = pki.manifest.entries.find((e) => e.id === id)!;
    const policy = pki.manifest.policies[entry.policy]!;
    const anchors = pki.manifest.anchors[policy.anchors]!;
    const untrustedPaths = [...entry.chain, ...anchors.intermediates];
    const untrusted = path.join(tmp, `${id}-untrusted.pem`);
    writeFileSync(untrusted, untrustedPaths.map((p) => pki.text(p)).join(''));
    const crl = path.join(tmp, 'crl.pem');
    if (extra.includes('-crl_check')) {
      writeFileSync(crl, spawnSync('openssl', ['crl', '-inform', 'DER', '-in', 'crl/uptrends-intermediate.crl'], { cwd: FIXTURES, encoding: 'utf8' }).stdout);
      extra = [...extra, '-CRLfile', crl];
    }
    return openssl([
      'verify', '-x509_strict', '-auth_level', '2', '-purpose', 'sslclient', '-attime', unixTime(pki.manifest.referenceTime),
      '-verify_depth', String(policy.maxIntermediates), '-CAfile', anchors.roots[0]!, ...(untrustedPaths.length > 0 ? ['-untrusted', untrusted] : []), ...extra, entry.cert,
    ]);
  }

  it('covers every entry exactly once', () => {
    expect([...Object.keys(OPENSSL_REJECTS), ...OPENSSL_ACCEPTS].sort()).toEqual([...pki.entryIds].sort());
  });

  it.each(OPENSSL_ACCEPTS)('accepts %s (valid chain; pins and CA-as-leaf are certgate checks OpenSSL does not make)', (id) => {
    const result = verify(id);
    expect(result.status, result.out).toBe(0);
  });

  it.each(Object.entries(OPENSSL_REJECTS))('rejects %s: %o', (id, { error, args }) => {
    const result = verify(id, args);
    expect(result.status, result.out).not.toBe(0);
    expect(result.out).toContain(error);
  });

  it('the revoked certificate passes without a CRL check (its verdict with revocation off comes from the pin)', () => {
    expect(verify('zoo-revoked').status).toBe(0);
    expect(pki.manifest.entries.find((e) => e.id === 'zoo-revoked')).toMatchObject({ expected: 'CERT_REVOKED', chainExpected: 'valid', expectedWithoutRevocation: 'PIN_MISMATCH', expectedStatusWithoutRevocation: 403 });
  });
});

describe('generateTestPki', () => {
  it('reproduces the committed fixtures byte for byte from the committed key cache (warm run)', async () => {
    const out = path.join(tmp, 'regen');
    const regenerated = await generateTestPki({ now: new Date('2026-01-01T00:00:00Z'), outDir: out, keyCacheDir: path.join(FIXTURES, 'keys'), serialSeed: 'certgate-fixtures' });
    expect(regenerated.stats).toMatchObject({ keysGenerated: 0, keysFromCache: 14 });
    for (const file of pki.manifest.files) {
      const ours = readFileSync(path.join(out, file.path));
      const committed = readFileSync(path.join(FIXTURES, file.path));
      if (file.kind === 'pkcs12') {
        // Fresh salts and IVs: compare the contents instead.
        const a = readPkcs12(ours, TEST_P12_PASSWORD);
        const b = readPkcs12(committed, TEST_P12_PASSWORD);
        expect(Buffer.from(a.certificate!).equals(Buffer.from(b.certificate!)), file.path).toBe(true);
        expect(a.chain.length).toBe(b.chain.length);
      } else {
        expect(ours.equals(committed), file.path).toBe(true);
      }
    }
    expect(readFileSync(path.join(out, 'manifest.json')).equals(readFileSync(path.join(FIXTURES, 'manifest.json')))).toBe(true);

    // A second run over the same directory keeps the archives (no churn) and removes stale files.
    const before = readFileSync(path.join(out, 'p12/custom-client.p12'));
    writeFileSync(path.join(out, 'unrelated.txt'), 'not ours');
    await generateTestPki({ now: new Date('2026-01-01T00:00:00Z'), outDir: out, keyCacheDir: path.join(FIXTURES, 'keys'), serialSeed: 'certgate-fixtures' });
    expect(readFileSync(path.join(out, 'p12/custom-client.p12')).equals(before)).toBe(true);
    expect(existsSync(path.join(out, 'unrelated.txt'))).toBe(true);
  });

  it('validity windows follow `now`, URLs follow `revocationBaseUrl`, serials are random without a seed', async () => {
    const now = new Date('2031-06-15T12:34:56Z');
    const other = await generateTestPki({ now, keyCacheDir: path.join(FIXTURES, 'keys'), revocationBaseUrl: 'http://127.0.0.2:4567/' });
    expect(other.dir).toBeUndefined();
    expect(other.manifest.referenceTime).toBe(now.toISOString());
    const standin = parseCertificate(other.entry('uptrends-standin').certPem);
    expect(standin.notBefore.toISOString()).toBe('2031-05-16T00:00:00.000Z');
    expect(standin.notAfter.toISOString()).toBe('2032-05-16T23:59:59.000Z'); // calendar year, across 2032-02-29
    expect(standin.crlDistributionPoints).toEqual(['http://127.0.0.2:4567/crl/uptrends-intermediate.crl']);
    expect(other.manifest.revocation.baseUrl).toBe('http://127.0.0.2:4567');
    expect(standin.serialNumber).not.toBe(pki.entry('uptrends-standin').serial);
    const expired = parseCertificate(other.entry('zoo-expired').certPem);
    expect(expired.notAfter.getTime()).toBeLessThan(now.getTime());
    const notYet = parseCertificate(other.entry('zoo-not-yet-valid').certPem);
    expect(notYet.notBefore.getTime()).toBeGreaterThan(now.getTime());
    expect(() => other.path('manifest.json')).toThrow(/only in memory/);
  });

  it('rejects bad options before doing any work', async () => {
    await expect(generateTestPki({ revocationBaseUrl: 'https://127.0.0.1:1' })).rejects.toThrow(/loopback/);
    await expect(generateTestPki({ revocationBaseUrl: 'http://crl.example.com' })).rejects.toThrow(/loopback/);
    await expect(generateTestPki({ revocationBaseUrl: 'not a url' })).rejects.toThrow(TypeError);
    await expect(generateTestPki({ now: new Date('nope') })).rejects.toThrow(/valid Date/);
    await expect(generateTestPki({ p12Iterations: 5 })).rejects.toThrow(/p12Iterations/);
    await expect(generateTestPki({ p12Password: '' })).rejects.toThrow(/p12Password/);
  });
});

describe('loadTestPki', () => {
  it('explains a missing PKI and refuses paths that leave the directory', async () => {
    await expect(loadTestPki(path.join(tmp, 'nothing'))).rejects.toThrow(/certgate pki init/);
    const evil = path.join(tmp, 'evil');
    rmSync(evil, { recursive: true, force: true });
    const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as { entries: Array<{ cert: string }> };
    manifest.entries[0]!.cert = '../../etc/passwd';
    await import('node:fs/promises').then((fs) => fs.mkdir(evil, { recursive: true }));
    writeFileSync(path.join(evil, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadTestPki(evil)).rejects.toThrow(/inside the PKI directory/);
    writeFileSync(path.join(evil, 'manifest.json'), '{ nope');
    await expect(loadTestPki(evil)).rejects.toThrow(/not valid JSON/);
    writeFileSync(path.join(evil, 'manifest.json'), JSON.stringify({ version: 2 }));
    await expect(loadTestPki(evil)).rejects.toThrow(/version/);
  });

  it('resolvePkiDir: explicit, then $CERTGATE_PKI, then .certgate/pki', () => {
    expect(resolvePkiDir({ cwd: '/w' })).toBe(path.resolve('/w/.certgate/pki'));
    expect(resolvePkiDir({ cwd: '/w', env: { CERTGATE_PKI: 'x/pki' } })).toBe(path.resolve('/w/x/pki'));
    expect(resolvePkiDir({ cwd: '/w', dir: '/abs', env: { CERTGATE_PKI: 'x' } })).toBe('/abs');
  });
});

describe('TestPki accessors', () => {
  it('name what exists when asked for what does not, and never read outside the directory', () => {
    expect(() => pki.entry('zoo-nope')).toThrow(/has no entry "zoo-nope"; it has: uptrends-standin/);
    expect(() => pki.authority('nope')).toThrow(/has no authority/);
    expect(() => pki.anchors('nope')).toThrow(/has no anchors "nope"/);
    expect(() => pki.file('../package.json')).toThrow(/inside the PKI directory/);
    expect(() => pki.file('/etc/passwd')).toThrow(/inside the PKI directory/);
    expect(pki.path('ca/uptrends-root.pem')).toBe(path.join(FIXTURES, 'ca', 'uptrends-root.pem'));
    expect(pki.authority('uptrends-intermediate').keyPem).toContain('BEGIN PRIVATE KEY');
    expect(pki.anchors('uptrends').intermediates).toHaveLength(1);
  });
});
