/**
 * Extended key usage (RFC 5280 4.2.1.12) for the purposes a gate verifies.
 *
 * Policy (see docs/verify.md):
 * - `client` needs id-kp-clientAuth in the leaf, `server` id-kp-serverAuth; `any` needs nothing.
 * - A leaf without the extension is refused for `client`/`server`: a certificate meant for TLS
 *   client authentication says so (CA/B Forum BR 7.1.2.7.6; DEVELOPERS.md: missing EKU clientAuth
 *   rejects).
 * - anyExtendedKeyUsage in a leaf does not stand for clientAuth, and its presence refuses the
 *   leaf: it means the issuer put no limit on what the key is for (CA/B Forum BR 7.1.2.7.10).
 * - A critical extKeyUsage in a leaf is refused (CA/B Forum BR 7.1.2.7.6).
 * - A CA certificate with the extension constrains the path: it must list the purpose or
 *   anyExtendedKeyUsage (the rule of Go, pyca/cryptography and Microsoft CryptoAPI).
 * - A self-issued trust anchor (a root) must not carry the extension at all (CA/B Forum BR
 *   7.1.2.1.2); an intermediate configured as a trust anchor is held to the CA rule above.
 * - An empty extension is malformed (SIZE (1..MAX)).
 */
import { EKU, EKU_NAMES } from '../cert/oids.js';
import type { CertificateModel } from '../cert/types.js';
import { problem, type Problem } from './problem.js';

/** What the certificate will be used for. */
export type Purpose = 'client' | 'server' | 'any';

/** The EKU OID a purpose requires, or undefined for `any`. */
export function purposeEku(purpose: Purpose): string | undefined {
  return purpose === 'client' ? EKU.clientAuth : purpose === 'server' ? EKU.serverAuth : undefined;
}

function names(oids: readonly string[]): string {
  return oids.map((o) => EKU_NAMES[o] ?? o).join(', ');
}

/** The leaf's extKeyUsage against the purpose. */
export function checkLeafEku(cert: CertificateModel, purpose: Purpose): Problem | undefined {
  const eku = cert.extKeyUsage;
  if (eku !== undefined && eku.length === 0) return problem('CERT_MALFORMED', 'extKeyUsage lists no purpose (RFC 5280 4.2.1.12: SIZE (1..MAX))');
  const wanted = purposeEku(purpose);
  if (wanted === undefined) return undefined;
  if (eku === undefined) {
    return problem('EKU_MISMATCH', `no extKeyUsage extension; expected one listing ${EKU_NAMES[wanted]} for purpose "${purpose}"`);
  }
  if (cert.getExtension('2.5.29.37')?.critical === true) {
    return problem('EKU_MISMATCH', `extKeyUsage is critical; an end-entity certificate must mark it non-critical (CA/B Forum BR 7.1.2.7.6)`);
  }
  if (eku.includes(EKU.anyExtendedKeyUsage)) {
    return problem('EKU_MISMATCH', `extKeyUsage includes anyExtendedKeyUsage, which certgate does not accept in a leaf; expected a certificate limited to ${EKU_NAMES[wanted]}`);
  }
  if (!eku.includes(wanted)) {
    return problem('EKU_MISMATCH', `extKeyUsage is ${names(eku)}; expected ${EKU_NAMES[wanted]} for purpose "${purpose}"`);
  }
  return undefined;
}

/** A CA certificate's extKeyUsage (intermediate, or trust anchor) against the purpose. */
export function checkCaEku(cert: CertificateModel, purpose: Purpose, selfIssuedAnchor: boolean): Problem | undefined {
  const eku = cert.extKeyUsage;
  if (eku === undefined) return undefined;
  if (eku.length === 0) return problem('CERT_MALFORMED', 'extKeyUsage lists no purpose (RFC 5280 4.2.1.12: SIZE (1..MAX))');
  if (selfIssuedAnchor) {
    return problem('EKU_MISMATCH', `root certificate carries extKeyUsage (${names(eku)}); a root must not (CA/B Forum BR 7.1.2.1.2)`);
  }
  const wanted = purposeEku(purpose);
  if (wanted === undefined || eku.includes(wanted) || eku.includes(EKU.anyExtendedKeyUsage)) return undefined;
  return problem('EKU_MISMATCH', `CA extKeyUsage is ${names(eku)}, which excludes ${EKU_NAMES[wanted]} needed for purpose "${purpose}"`);
}
