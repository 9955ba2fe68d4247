/**
 * A small throwaway PKI for the client tests, made with the OpenSSL CLI in a temp dir: a server
 * certificate for 127.0.0.1/localhost, an Uptrends-like stand-in chain (root -> intermediate ->
 * leaf) described by a harness-style manifest, and a customer certificate as PKCS#12 (modern AES
 * and legacy RC2 encodings). EC P-256 keeps generation fast.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestPki {
  readonly dir: string;
  /** Directory holding manifest.json (the `pkiDir` of the client). */
  readonly pkiDir: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly serverCa: string;
  readonly standinCert: string;
  readonly standinKey: string;
  readonly intermediate: string;
  readonly customerCert: string;
  readonly customerKey: string;
  /** Combined PEM: customer certificate followed by its key. */
  readonly customerCombined: string;
  readonly customerP12: string;
  readonly customerLegacyP12: string;
  readonly customerP12Password: string;
  cleanup(): void;
}

function openssl(cwd: string, args: string[], env: Record<string, string> = {}): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
}

function key(cwd: string, name: string): void {
  openssl(cwd, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
}

function selfSigned(cwd: string, name: string, subject: string): void {
  key(cwd, `${name}.key`);
  openssl(cwd, ['req', '-new', '-x509', '-key', `${name}.key`, '-subj', subject, '-days', '3650', '-out', `${name}.pem`, '-extensions', 'v3', '-config', configFile(cwd, name)]);
}

function configFile(cwd: string, name: string): string {
  const file = `${name}.cnf`;
  writeFileSync(path.join(cwd, file), '[req]\ndistinguished_name=dn\n[dn]\n[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  return file;
}

function issue(cwd: string, name: string, subject: string, issuer: string, extensions: string, digest = 'sha256'): void {
  key(cwd, `${name}.key`);
  openssl(cwd, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  writeFileSync(path.join(cwd, `${name}.ext`), extensions);
  openssl(cwd, ['x509', '-req', `-${digest}`, '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '365', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'certgate-client-'));
  const at = (file: string): string => path.join(dir, file);
  selfSigned(dir, 'server-ca', '/CN=TEST client-tests Server CA');
  issue(dir, 'server', '/CN=localhost', 'server-ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  selfSigned(dir, 'root', '/CN=TEST USERTrust-like Root');
  issue(dir, 'intermediate', '/CN=TEST Sectigo-like Client Authentication CA', 'root', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nextendedKeyUsage=clientAuth,emailProtection\n');
  issue(dir, 'standin', '/emailAddress=certificates@uptrends.com', 'intermediate', 'subjectAltName=email:certificates@uptrends.com\nextendedKeyUsage=clientAuth,emailProtection\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  selfSigned(dir, 'customer-ca', '/CN=TEST Customer CA');
  issue(dir, 'customer', '/CN=customer-monitor/O=TEST Customer', 'customer-ca', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'sha1', '/CN=zoo-sha1', 'customer-ca', 'extendedKeyUsage=clientAuth\n', 'sha1');
  const password = 'correct horse battery staple';
  openssl(dir, ['pkcs12', '-export', '-in', 'customer.pem', '-inkey', 'customer.key', '-certfile', 'customer-ca.pem', '-out', 'customer.p12', '-passout', 'env:P12_PASS'], { P12_PASS: password });
  openssl(dir, ['pkcs12', '-export', '-legacy', '-in', 'customer.pem', '-inkey', 'customer.key', '-out', 'customer-legacy.p12', '-passout', 'env:P12_PASS'], { P12_PASS: password });
  writeFileSync(at('customer-combined.pem'), readFileSync(at('customer.pem'), 'utf8') + readFileSync(at('customer.key'), 'utf8'));
  const manifest = {
    version: 1,
    server: { cert: 'server.pem', key: 'server.key', chain: [], ca: 'server-ca.pem', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
    entries: [
      { id: 'uptrends-standin', description: 'Uptrends stand-in', cert: 'standin.pem', key: 'standin.key', chain: ['intermediate.pem'], expected: 'ok', expectedStatus: 200 },
      { id: 'custom-client', description: 'customer certificate', cert: 'customer.pem', key: 'customer.key', chain: [], p12: 'customer.p12', p12PasswordEnv: 'CUSTOMER_P12_PASSWORD', expected: 'ok', expectedStatus: 200 },
      { id: 'zoo-sha1', description: 'SHA-1 signed', cert: 'sha1.pem', key: 'sha1.key', chain: [], expected: 'WEAK_ALGORITHM', expectedStatus: 401 },
    ],
  };
  writeFileSync(at('manifest.json'), JSON.stringify(manifest, null, 2));
  return {
    dir,
    pkiDir: dir,
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    serverCa: at('server-ca.pem'),
    standinCert: at('standin.pem'),
    standinKey: at('standin.key'),
    intermediate: at('intermediate.pem'),
    customerCert: at('customer.pem'),
    customerKey: at('customer.key'),
    customerCombined: at('customer-combined.pem'),
    customerP12: at('customer.p12'),
    customerLegacyP12: at('customer-legacy.p12'),
    customerP12Password: password,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
