/**
 * Per-certificate checks that do not depend on the rest of the path: the certificate profile of
 * RFC 5280 as `openssl verify -x509_strict` enforces it, plus the CA/B Forum rules that the
 * x509-limbo corpus expects (each marked below). Results depend only on the certificate, its role
 * and the purpose, so callers may cache them.
 */
import { EXT } from '../cert/oids.js';
import type { CertificateModel } from '../cert/types.js';
import { checkPublicKey, checkSignatureAlgorithm, isSelfSigned } from './algorithms.js';
import { checkCaEku, checkLeafEku, type Purpose } from './eku.js';
import { checkNameConstraintsSyntax, checkSubjectAltNameSyntax } from './name-constraints.js';
import { problem, type Problem } from './problem.js';

/** Where a certificate sits in a path. */
export type Role = 'leaf' | 'intermediate' | 'anchor';

/**
 * Extensions certgate processes, and so accepts when critical. certificatePolicies is read but
 * no policy processing is done: with no initial policy set and no policyConstraints accepted,
 * RFC 5280 6.1 never rejects a path because of policies. CRL distribution points and
 * issuerAltName carry information only.
 */
const PROCESSED = new Set<string>([
  EXT.basicConstraints,
  EXT.keyUsage,
  EXT.extKeyUsage,
  EXT.subjectAltName,
  EXT.issuerAltName,
  EXT.nameConstraints,
  EXT.certificatePolicies,
  EXT.crlDistributionPoints,
]);

/** Extensions RFC 5280 requires to be non-critical. */
const MUST_BE_NON_CRITICAL: Record<string, string> = {
  [EXT.authorityKeyIdentifier]: 'authorityKeyIdentifier (RFC 5280 4.2.1.1)',
  [EXT.subjectKeyIdentifier]: 'subjectKeyIdentifier (RFC 5280 4.2.1.2)',
  [EXT.authorityInfoAccess]: 'authorityInfoAccess (RFC 5280 4.2.2.1)',
  [EXT.subjectInfoAccess]: 'subjectInfoAccess (RFC 5280 4.2.2.2)',
};

/** Policy extensions certgate does not process: refused when critical, ignored otherwise. */
const POLICY_EXTENSIONS: Record<string, string> = {
  [EXT.policyConstraints]: 'policyConstraints',
  [EXT.policyMappings]: 'policyMappings',
  [EXT.inhibitAnyPolicy]: 'inhibitAnyPolicy',
};

function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** Structure and encoding rules every certificate must meet. */
function checkStructure(cert: CertificateModel, role: Role): Problem | undefined {
  if (cert.version !== 3) return problem('CERT_MALFORMED', `X.509 version ${cert.version}; only version 3 is accepted`);
  if (cert.duplicateExtensionOids.length > 0) {
    return problem('CERT_MALFORMED', `extension ${cert.duplicateExtensionOids.join(', ')} occurs more than once (RFC 5280 4.2)`);
  }
  if (!bytesEqual(cert.signatureAlgorithm.der, cert.tbsSignatureAlgorithm.der)) {
    return problem('CERT_MALFORMED', `signatureAlgorithm (${cert.signatureAlgorithm.name}) differs from the signature field inside tbsCertificate (${cert.tbsSignatureAlgorithm.name}) (RFC 5280 4.1.1.2)`);
  }
  if (role !== 'anchor') {
    const bad = checkSerial(cert);
    if (bad !== undefined) return bad;
  }
  if (cert.issuer.isEmpty) return problem('CERT_MALFORMED', 'issuer name is empty (RFC 5280 4.1.2.4)');
  return undefined;
}

/**
 * RFC 5280 4.1.2.2 serial rules, for leaves and intermediates. A trust anchor is exempt: it is
 * trusted by its key and name, and real roots break the rule (Starfield Root G2 has serial 0).
 */
function checkSerial(cert: CertificateModel): Problem | undefined {
  const serial = cert.serialBytes;
  if (serial.length === 0 || isZero(serial)) return problem('CERT_MALFORMED', 'serial number is zero; RFC 5280 4.1.2.2 requires a positive integer');
  if (((serial[0] as number) & 0x80) !== 0) return problem('CERT_MALFORMED', `serial number ${cert.serialNumber} is negative; RFC 5280 4.1.2.2 requires a positive integer`);
  // 20 octets of value; a 21st leading 00 is the DER sign octet of a 160-bit number.
  const valueLength = serial[0] === 0 ? serial.length - 1 : serial.length;
  if (valueLength > 20) return problem('CERT_MALFORMED', `serial number has ${valueLength} octets; RFC 5280 4.1.2.2 allows at most 20`);
  return undefined;
}

function checkExtensions(cert: CertificateModel): Problem | undefined {
  for (const ext of cert.extensions) {
    if (!ext.critical) continue;
    const nonCritical = MUST_BE_NON_CRITICAL[ext.oid];
    if (nonCritical !== undefined) return problem('CERT_MALFORMED', `${nonCritical} is marked critical; it must not be`);
    const policy = POLICY_EXTENSIONS[ext.oid];
    if (policy !== undefined) {
      return problem('UNKNOWN_CRITICAL_EXTENSION', `critical ${policy} extension; certgate does not process certificate policies and so cannot honour it`);
    }
    if (!PROCESSED.has(ext.oid)) return problem('UNKNOWN_CRITICAL_EXTENSION', `unknown critical extension ${ext.oid}`);
  }
  const aia = cert.getExtension(EXT.authorityInfoAccess);
  if (aia !== undefined && aia.value.length === 2 && aia.value[0] === 0x30) {
    return problem('CERT_MALFORMED', 'authorityInfoAccess lists no access description (RFC 5280 4.2.2.1: SIZE (1..MAX))');
  }
  return undefined;
}

function checkKeyIdentifiers(cert: CertificateModel, role: Role): Problem | undefined {
  const aki = cert.authorityKeyIdentifier;
  // RFC 5280 4.2.1.1 exempts self-signed certificates: decided by the signature, not by the names
  // (a root may be self-signed under an issuer name that differs from its subject).
  if (aki?.keyId === undefined && !isSelfSigned(cert)) {
    return problem('CERT_MALFORMED', 'no authorityKeyIdentifier keyIdentifier; RFC 5280 4.2.1.1 requires it in every certificate that is not self-signed');
  }
  if (cert.isSelfIssued && role === 'anchor' && aki !== undefined) {
    // CA/B Forum BR 7.1.2.1.3: a root's AKI, when present, is its own key identifier and nothing else.
    if (aki.keyId === undefined) return problem('CERT_MALFORMED', 'root authorityKeyIdentifier has no keyIdentifier (CA/B Forum BR 7.1.2.1.3)');
    if (aki.issuer !== undefined || aki.serialNumber !== undefined) {
      return problem('CERT_MALFORMED', 'root authorityKeyIdentifier carries authorityCertIssuer or authorityCertSerialNumber (CA/B Forum BR 7.1.2.1.3)');
    }
    if (cert.subjectKeyId !== undefined && aki.keyId !== cert.subjectKeyId) {
      return problem('CERT_MALFORMED', `root authorityKeyIdentifier ${aki.keyId} differs from its own subjectKeyIdentifier ${cert.subjectKeyId}`);
    }
  }
  if (role !== 'leaf' && cert.subjectKeyId === undefined) {
    return problem('CERT_MALFORMED', 'CA certificate has no subjectKeyIdentifier (RFC 5280 4.2.1.2)');
  }
  return undefined;
}

function checkNames(cert: CertificateModel): Problem | undefined {
  const san = cert.subjectAltNames;
  if (san !== undefined) {
    if (san.length === 0) return problem('CERT_MALFORMED', 'subjectAltName lists no name (RFC 5280 4.2.1.6: SIZE (1..MAX))');
    const bad = checkSubjectAltNameSyntax(san);
    if (bad !== undefined) return bad;
  }
  if (cert.subject.isEmpty) {
    if (san === undefined) return problem('CERT_MALFORMED', 'subject is empty and there is no subjectAltName (RFC 5280 4.1.2.6)');
    if (cert.getExtension(EXT.subjectAltName)?.critical !== true) {
      return problem('CERT_MALFORMED', 'subject is empty but subjectAltName is not critical (RFC 5280 4.2.1.6)');
    }
  }
  return undefined;
}

function checkLeafUsage(cert: CertificateModel, purpose: Purpose): Problem | undefined {
  const bc = cert.basicConstraints;
  if (bc?.ca === true) {
    return problem('BASIC_CONSTRAINTS_VIOLATED', 'is a CA certificate (basicConstraints cA=TRUE) presented as the leaf; a client must present an end-entity certificate');
  }
  if (bc?.pathLen !== undefined) return problem('BASIC_CONSTRAINTS_VIOLATED', 'has pathLenConstraint without cA=TRUE (RFC 5280 4.2.1.9)');
  if (cert.nameConstraints !== undefined) return problem('CERT_MALFORMED', 'end-entity certificate carries nameConstraints, which only CA certificates may (RFC 5280 4.2.1.10)');
  const ku = cert.keyUsage;
  if (ku !== undefined) {
    if (ku.keyCertSign) return problem('KEY_USAGE_INVALID', 'keyUsage allows keyCertSign in an end-entity certificate (RFC 5280 4.2.1.9: only with cA=TRUE)');
    if (purpose === 'client' && !ku.digitalSignature) {
      return problem('KEY_USAGE_INVALID', 'keyUsage lacks digitalSignature, which TLS client authentication needs');
    }
    if (purpose === 'server' && !ku.digitalSignature && !ku.keyEncipherment && !ku.keyAgreement) {
      return problem('KEY_USAGE_INVALID', 'keyUsage allows none of digitalSignature, keyEncipherment, keyAgreement, which a TLS server needs');
    }
  }
  return checkLeafEku(cert, purpose);
}

function checkCaUsage(cert: CertificateModel, role: Role, purpose: Purpose): Problem | undefined {
  const bc = cert.basicConstraints;
  if (bc === undefined || !bc.ca) {
    return problem('BASIC_CONSTRAINTS_VIOLATED', `issues certificates but is not a CA (${bc === undefined ? 'no basicConstraints' : 'basicConstraints cA=FALSE'})`);
  }
  if (cert.getExtension(EXT.basicConstraints)?.critical !== true) {
    return problem('BASIC_CONSTRAINTS_VIOLATED', 'CA basicConstraints is not critical (RFC 5280 4.2.1.9)');
  }
  const ku = cert.keyUsage;
  if (ku === undefined) return problem('KEY_USAGE_INVALID', 'CA certificate has no keyUsage extension (RFC 5280 4.2.1.3; required by openssl -x509_strict)');
  if (!ku.keyCertSign) return problem('KEY_USAGE_INVALID', 'CA keyUsage lacks keyCertSign');
  if (cert.subject.isEmpty) return problem('CERT_MALFORMED', 'CA certificate has an empty subject (RFC 5280 4.1.2.6)');
  if (cert.nameConstraints !== undefined) {
    const bad = checkNameConstraintsSyntax(cert.nameConstraints);
    if (bad !== undefined) return bad;
  }
  return checkCaEku(cert, purpose, role === 'anchor' && cert.isSelfIssued);
}

/**
 * Everything about `cert` in `role` that does not depend on time or on the other certificates.
 * A trust anchor's own signature and signature algorithm are not checked (it is trusted by its
 * key and name), its key strength is.
 */
export function checkCertificate(cert: CertificateModel, role: Role, purpose: Purpose): Problem | undefined {
  return (
    checkStructure(cert, role) ??
    checkExtensions(cert) ??
    checkKeyIdentifiers(cert, role) ??
    checkNames(cert) ??
    checkPublicKey(cert.publicKey) ??
    (role === 'anchor' ? undefined : checkSignatureAlgorithm(cert.signatureAlgorithm)) ??
    (role === 'leaf' ? checkLeafUsage(cert, purpose) : checkCaUsage(cert, role, purpose))
  );
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
