/**
 * The certificate model: what every other layer of certgate reads from a parsed X.509
 * certificate. Implemented by `Certificate` in ./certificate.ts; this file is the contract
 * between the parser and its users (verify, pins, middleware, CLI).
 *
 * Conventions:
 * - Byte strings are `Uint8Array` (a `Buffer` is one).
 * - Hex is uppercase without separators unless a field says otherwise.
 * - Dates are UTC `Date`s with second precision, as encoded.
 * - Everything is read-only; a parsed certificate is immutable and shared through a cache.
 */

/** One attribute of a relative distinguished name, e.g. CN=Example. */
export interface NameAttribute {
  /** Dotted OID, e.g. "2.5.4.3". */
  readonly oid: string;
  /** Short name where known: CN, O, OU, C, ST, L, street, DC, UID, emailAddress, serialNumber, ... */
  readonly shortName: string | undefined;
  /** Decoded value (UTF8String, PrintableString, IA5String, TeletexString as Latin-1, BMPString, UniversalString). */
  readonly value: string;
  /** ASN.1 tag of the value's encoding (12 UTF8String, 19 PrintableString, 22 IA5String, ...). */
  readonly tag: number;
}

/** An X.501 Name (subject or issuer). */
export interface DistinguishedName {
  /** DER of the whole Name SEQUENCE, as it appears in the certificate. */
  readonly der: Uint8Array;
  /** RDNs in encoding order (most general first), each a set of one or more attributes. */
  readonly rdns: ReadonlyArray<ReadonlyArray<NameAttribute>>;
  /** True for an empty SEQUENCE. */
  readonly isEmpty: boolean;
  /** RFC 4514 string (most specific first), e.g. "CN=Example,O=Org,C=GB"; non-printable/unknown values as #hex. */
  toString(): string;
  /** First value of an attribute by short name (case-insensitive: "cn", "emailAddress", "E" alias) or dotted OID. */
  get(attribute: string): string | undefined;
  /** All values of an attribute, in encoding order. */
  getAll(attribute: string): string[];
  /**
   * Name equality for chaining, per RFC 5280 section 7.1: same RDN structure; string values compared
   * after case folding and whitespace compression; other values byte-exact.
   */
  equals(other: DistinguishedName): boolean;
  /** A string key such that a.equals(b) implies a.matchKey === b.matchKey (for indexing candidate issuers). */
  readonly matchKey: string;
}

/** A GeneralName (RFC 5280 4.2.1.6). */
export type GeneralName =
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  /** 4 or 16 bytes in a SAN; 8 or 32 bytes (address followed by mask) in name constraints. */
  | { readonly type: 'ip'; readonly value: Uint8Array }
  | { readonly type: 'dn'; readonly value: DistinguishedName }
  | { readonly type: 'registeredId'; readonly value: string }
  /** otherName [0], x400Address [3], ediPartyName [5]: kept as raw DER of the element. */
  | { readonly type: 'other'; readonly tag: number; readonly der: Uint8Array };

/** A raw extension. `value` is the content of the extnValue OCTET STRING. */
export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** The basic constraints extension (RFC 5280 4.2.1.9). */
export interface BasicConstraints {
  readonly ca: boolean;
  /** pathLenConstraint, or undefined when absent. */
  readonly pathLen: number | undefined;
}

/** keyUsage bits (RFC 5280 4.2.1.3). */
export interface KeyUsage {
  readonly digitalSignature: boolean;
  readonly nonRepudiation: boolean;
  readonly keyEncipherment: boolean;
  readonly dataEncipherment: boolean;
  readonly keyAgreement: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
  readonly encipherOnly: boolean;
  readonly decipherOnly: boolean;
}

/** The name constraints extension of a CA certificate (RFC 5280 4.2.1.10). */
export interface NameConstraints {
  /** permittedSubtrees bases (minimum 0, no maximum, as RFC 5280 requires), or undefined when absent. */
  readonly permitted: readonly GeneralName[] | undefined;
  /** excludedSubtrees bases, or undefined when absent. */
  readonly excluded: readonly GeneralName[] | undefined;
  /** True when some GeneralSubtree has a minimum other than 0 or a maximum (RFC 5280 forbids both). */
  readonly nonDefaultBounds: boolean;
}

/** AuthorityKeyIdentifier (RFC 5280 4.2.1.1). */
export interface AuthorityKeyIdentifier {
  /** keyIdentifier, uppercase hex. */
  readonly keyId: string | undefined;
  /** authorityCertIssuer. */
  readonly issuer: readonly GeneralName[] | undefined;
  /** authorityCertSerialNumber, uppercase hex of the INTEGER content bytes. */
  readonly serialNumber: string | undefined;
}

/** One policyMappings entry (RFC 5280 4.2.1.5). */
export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

/** policyConstraints (RFC 5280 4.2.1.11); skip counts saturate at Number.MAX_SAFE_INTEGER. */
export interface PolicyConstraints {
  readonly requireExplicitPolicy: number | undefined;
  readonly inhibitPolicyMapping: number | undefined;
}

/** Public key algorithms certgate recognises ('unknown' for any other OID). */
export type KeyType = 'RSA' | 'RSA-PSS' | 'EC' | 'Ed25519' | 'Ed448' | 'DSA' | 'unknown';

/** What certgate knows of a subject public key: its type, size and curve. */
export interface PublicKeyInfo {
  readonly type: KeyType;
  /** Dotted OID of the SubjectPublicKeyInfo algorithm. */
  readonly algorithmOid: string;
  /** Modulus bits for RSA, field size for EC (256, 384, 521), 255/448 for EdDSA, 0 when unknown. */
  readonly bits: number;
  /**
   * Named curve for EC keys: "P-256", "P-384", "P-521", "secp256k1", the dotted OID when unknown,
   * or "explicit" for specifiedCurve/implicitCurve parameters; undefined for other key types.
   */
  readonly curve: string | undefined;
  /** DER of the SubjectPublicKeyInfo (what SPKI pins hash). */
  readonly spkiDer: Uint8Array;
}

/** Hash functions named in signature algorithms. */
export type HashName = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

/** The signature algorithm of a certificate, with its hash and RSASSA-PSS parameters. */
export interface SignatureAlgorithm {
  /** Dotted OID. */
  readonly oid: string;
  /** Conventional name: sha256WithRSAEncryption, rsassa-pss, ecdsa-with-SHA256, Ed25519, ... or the OID. */
  readonly name: string;
  /** Key type the algorithm needs. */
  readonly keyType: KeyType;
  /** Digest, where the algorithm has one (undefined for EdDSA and unknown algorithms). */
  readonly hash: HashName | undefined;
  /** For RSASSA-PSS: decoded parameters (hash, MGF1 hash, salt length). */
  readonly pss:
    | { readonly hash: HashName; readonly mgf1Hash: HashName; readonly saltLength: number; readonly trailerField: number }
    | undefined;
  /**
   * DER of the parameters element, or undefined when absent (RSA PKCS#1 v1.5 wants NULL, ECDSA and
   * EdDSA want absent: verify may check). For RSASSA-PSS without parameters, or with an unknown
   * hash or mask generation function, `pss` is undefined.
   */
  readonly parameters: Uint8Array | undefined;
  /** DER of the whole AlgorithmIdentifier (to compare the inner and outer copies byte for byte). */
  readonly der: Uint8Array;
}

/** A parsed X.509 v1/v2/v3 certificate. */
export interface CertificateModel {
  /** The DER encoding, exactly as received. */
  readonly der: Uint8Array;
  /** The DER of tbsCertificate: the bytes the issuer signed. */
  readonly tbsDer: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Serial as uppercase hex of the DER INTEGER content bytes (so a leading 00 sign byte is kept when DER needs it). */
  readonly serialNumber: string;
  /** The DER INTEGER content bytes of the serial. */
  readonly serialBytes: Uint8Array;
  /** The signatureAlgorithm outside tbsCertificate. */
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** The signature field inside tbsCertificate (must equal the outer one). */
  readonly tbsSignatureAlgorithm: SignatureAlgorithm;
  /** The signature value (BIT STRING content without the unused-bits byte). */
  readonly signatureValue: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** How notBefore was encoded (RFC 5280: UTCTime through 2049, GeneralizedTime from 2050). */
  readonly notBeforeEncoding: 'UTCTime' | 'GeneralizedTime';
  /** How notAfter was encoded. */
  readonly notAfterEncoding: 'UTCTime' | 'GeneralizedTime';
  readonly publicKey: PublicKeyInfo;
  /** All extensions in encoding order. */
  readonly extensions: readonly Extension[];
  /** The extension with this OID, if present (the first one when it is repeated). */
  getExtension(oid: string): Extension | undefined;
  /** OIDs that occur more than once in `extensions` (RFC 5280 forbids that; verify rejects), in first-repeat order. */
  readonly duplicateExtensionOids: readonly string[];
  /** True when issuerUniqueID or subjectUniqueID is present. */
  readonly hasUniqueIdentifiers: boolean;

  // Decoded extensions (undefined when the extension is absent). A malformed known extension
  // makes parsing fail with CERT_MALFORMED, so these never throw. An empty SEQUENCE SIZE (1..MAX)
  // (SAN, EKU, certificatePolicies, AIA, CRL distribution points, name-constraint subtrees) is not
  // malformed DER: it decodes to [] (URL lists stay empty) and src/verify judges the RFC 5280
  // violation. When an extension is repeated, these decode the first occurrence.
  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: KeyUsage | undefined;
  /** extKeyUsage OIDs, or undefined when the extension is absent. */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly subjectAltNames: readonly GeneralName[] | undefined;
  readonly issuerAltNames: readonly GeneralName[] | undefined;
  readonly nameConstraints: NameConstraints | undefined;
  /** The whole AuthorityKeyIdentifier, or undefined when absent. */
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  /** keyIdentifier of the AuthorityKeyIdentifier, uppercase hex. */
  readonly authorityKeyId: string | undefined;
  /** SubjectKeyIdentifier, uppercase hex. */
  readonly subjectKeyId: string | undefined;
  /** certificatePolicies OIDs, or undefined when absent. */
  readonly policies: readonly string[] | undefined;
  readonly policyMappings: readonly PolicyMapping[] | undefined;
  readonly policyConstraints: PolicyConstraints | undefined;
  /** inhibitAnyPolicy SkipCerts, or undefined when absent. */
  readonly inhibitAnyPolicy: number | undefined;
  /** http(s)/ldap URIs from CRL distribution points (fullName URIs). */
  readonly crlDistributionPoints: readonly string[];
  /** OCSP responder URIs from AIA. */
  readonly ocspUrls: readonly string[];
  /** caIssuers URIs from AIA. */
  readonly caIssuersUrls: readonly string[];

  // Convenience views.
  /** rfc822Name SANs, then subject emailAddress values not already listed; lowercased domain part kept as encoded. */
  readonly emails: readonly string[];
  readonly dnsNames: readonly string[];
  readonly uris: readonly string[];
  /** IP SANs in text form (dotted quad, or RFC 5952 IPv6). */
  readonly ipAddresses: readonly string[];
  /** Subject equals issuer (RFC 5280 "self-issued"). */
  readonly isSelfIssued: boolean;

  // Hashes, computed once on first use.
  /** SHA-256 of the DER, uppercase hex. */
  readonly sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex (the form of the reference README). */
  readonly spkiSha256Hex: string;
  /** SHA-256 of the SubjectPublicKeyInfo DER, standard base64 (the HPKP / Envoy pin form). */
  readonly spkiSha256Base64: string;

  /** PEM with 64-character lines and a final newline. */
  toPem(): string;
  /** A plain JSON-safe summary (for `certgate inspect --json` and logs): no key material beyond the public key hash. */
  toJSON(): Record<string, unknown>;
}
