/** Describes a certificate for results and tables, without key material. */
import { X509Certificate } from 'node:crypto';
import { parseCertificate } from '../cert/parse.js';
import type { CertificateSummary } from './types.js';

/**
 * Summary of a DER or PEM certificate, in the forms the rest of certgate uses (RFC 4514 names,
 * serial as encoded, uppercase SHA-256). A certificate our strict parser refuses (a test client
 * meets odd server certificates) is still described, through OpenSSL. Undefined when neither parses.
 */
export function describeCertificate(input: Uint8Array | string): CertificateSummary | undefined {
  try {
    const cert = parseCertificate(input);
    return {
      subject: cert.subject.toString(),
      issuer: cert.issuer.toString(),
      serialNumber: cert.serialNumber,
      sha256: cert.sha256,
      notBefore: isoSeconds(cert.notBefore),
      notAfter: isoSeconds(cert.notAfter),
    };
  } catch {
    return describeWithOpenSsl(input);
  }
}

function describeWithOpenSsl(input: Uint8Array | string): CertificateSummary | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  } catch {
    return undefined;
  }
  return {
    subject: reverseLines(cert.subject),
    issuer: reverseLines(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    sha256: cert.fingerprint256.replaceAll(':', '').toUpperCase(),
    notBefore: isoSeconds(new Date(cert.validFrom)),
    notAfter: isoSeconds(new Date(cert.validTo)),
  };
}

/** Node prints names one attribute per line, most general first (values escaped); RFC 4514 is the reverse, comma-joined. */
function reverseLines(multiline: string): string {
  return multiline.split('\n').filter((line) => line.length > 0).reverse().join(',');
}

function isoSeconds(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'unknown' : date.toISOString().replace('.000Z', 'Z');
}
