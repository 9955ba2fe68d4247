/** Describes a certificate for results and tables, without key material. */
import { X509Certificate } from 'node:crypto';
import type { CertificateSummary } from './types.js';

/** Summary of a DER or PEM certificate; undefined when it does not parse. */
export function describeCertificate(input: Uint8Array | string): CertificateSummary | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  } catch {
    return undefined;
  }
  return {
    subject: rfc4514(cert.subject),
    issuer: rfc4514(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    sha256: cert.fingerprint256.replaceAll(':', '').toUpperCase(),
    notBefore: isoDate(cert.validFrom),
    notAfter: isoDate(cert.validTo),
  };
}

/** Node prints names one attribute per line, most general first (values already escaped); RFC 4514 is the reverse, comma-joined. */
function rfc4514(multiline: string): string {
  return multiline.split('\n').filter((line) => line.length > 0).reverse().join(',');
}

function isoDate(openssl: string): string {
  const date = new Date(openssl);
  return Number.isNaN(date.getTime()) ? openssl : date.toISOString().replace('.000Z', 'Z');
}
