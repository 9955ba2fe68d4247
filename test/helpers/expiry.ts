/**
 * Certificates of chosen lifetimes for expiry tests, issued by the committed test PKI's customer
 * CA with the harness's own issuer (EC P-256 keys: fast), relative to a fixed clock.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificate } from '../../src/cert/parse.js';
import { issueClientCertificate, writePkcs12, type IssuedClientCertificate } from '../../src/harness/index.js';

/** The injected "now" of expiry tests. */
export const NOW = Date.parse('2026-11-23T12:00:00Z');
export const NOW_ISO = new Date(NOW).toISOString();
export const DAY = 86_400_000;

const CA = {
  certificate: parseCertificate(readFileSync('fixtures/pki/ca/customer-ca.pem', 'utf8')).der,
  privateKey: createPrivateKey(readFileSync('fixtures/pki/keys/customer-ca.key.pem', 'utf8')),
};

/** A client certificate whose notAfter is NOW + `ms` (issued 60 days before its end, or NOW when earlier). */
export function certEndingAt(ms: number, nickname: string): Promise<IssuedClientCertificate> {
  const notAfter = new Date(NOW + ms);
  return issueClientCertificate({ ca: CA, nickname, notAfter, now: new Date(Math.min(NOW, notAfter.getTime() - 60 * DAY)), key: { type: 'ec', curve: 'P-256' } });
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'certgate-expiry-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes the certificate PEM into `dir`/`name` and returns the path. */
export function writePem(dir: string, name: string, cert: IssuedClientCertificate): string {
  const file = join(dir, name);
  writeFileSync(file, cert.certificatePem);
  return file;
}

/** Writes a PKCS#12 archive (low iteration count: tests only) and returns the path. */
export async function writeP12(dir: string, name: string, cert: IssuedClientCertificate, password: string): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, await writePkcs12({ privateKey: cert.privateKey, certificate: cert.certificate, chain: [CA.certificate], password, iterations: 1000, friendlyName: 'monitor client' }));
  return file;
}
