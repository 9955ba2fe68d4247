/**
 * Certificate validity periods, compared exactly as OpenSSL 3.0 compares them.
 *
 * Measured with `openssl verify -attime` (OpenSSL 3.0.19) on the Uptrends certificate, whose
 * notAfter is 2025-07-26T23:59:59Z and notBefore 2024-07-26T00:00:00Z:
 *   2025-07-26T23:59:58Z OK; 2025-07-26T23:59:59Z "certificate has expired";
 *   2024-07-25T23:59:59Z "certificate is not yet valid"; 2024-07-26T00:00:00Z OK.
 * So OpenSSL's interval is [notBefore, notAfter): the notAfter second itself is already expired
 * (X509_cmp_time treats "equal" as "earlier"). RFC 5280 4.1.2.5 calls notAfter inclusive;
 * certgate follows OpenSSL, which is one second stricter, so that `certgate verify` and
 * `openssl verify` never disagree. The validation time is truncated to whole seconds first
 * (certificate times have second precision; OpenSSL's -attime is in seconds).
 */
import type { CertificateModel } from '../cert/types.js';
import { problem, type Problem } from './problem.js';

/** Whole seconds since the epoch of a validation time. */
export function toSeconds(at: Date): number {
  return Math.floor(at.getTime() / 1000);
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Is `cert` valid at `atSeconds`? Valid when notBefore - skew <= at < notAfter + skew.
 */
export function checkValidity(cert: CertificateModel, atSeconds: number, skewSeconds: number): Problem | undefined {
  const notBefore = Math.floor(cert.notBefore.getTime() / 1000);
  const notAfter = Math.floor(cert.notAfter.getTime() / 1000);
  const skew = skewSeconds > 0 ? ` (with ${skewSeconds} s clock skew allowed)` : '';
  if (atSeconds < notBefore - skewSeconds) {
    return problem('CERT_NOT_YET_VALID', `not yet valid: notBefore is ${iso(notBefore)}, validation time is ${iso(atSeconds)}${skew}`);
  }
  if (atSeconds >= notAfter + skewSeconds) {
    const boundary = atSeconds === notAfter + skewSeconds ? ' (the notAfter second itself counts as expired, as in OpenSSL)' : '';
    return problem('CERT_EXPIRED', `expired: notAfter is ${iso(notAfter)}, validation time is ${iso(atSeconds)}${skew}${boundary}`);
  }
  return undefined;
}
