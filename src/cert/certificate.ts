/**
 * The parsed X.509 certificate. Structure and known extensions are decoded eagerly, so a
 * certificate that exists is well formed; hashes, PEM and string views are computed on first use.
 * Instances are immutable and shared through a bounded cache keyed by the DER's SHA-256.
 */
import { hash } from 'node:crypto';
import { Lru } from '../util/lru.js';
import { readPublicKeyInfo, readSignatureAlgorithm } from './algorithms.js';
import {
  DerReader,
  element,
  malformed,
  readBitString,
  readBoolean,
  readIntegerBytes,
  readOctetAlignedBitString,
  readOid,
  TAG,
  toHex,
} from './der.js';
import { decodeExtension, type DecodedExtensions } from './extensions.js';
import { ipRangeToText, ipToText } from './general-name.js';
import { readName, type Name } from './name.js';
import { EKU_NAMES, EXTENSION_NAMES } from './oids.js';
import { toPem } from './pem.js';
import { readTime, type TimeEncoding } from './time.js';
import type {
  AuthorityKeyIdentifier,
  BasicConstraints,
  CertificateModel,
  Extension,
  GeneralName,
  KeyUsage,
  NameConstraints,
  PolicyConstraints,
  PolicyMapping,
  PublicKeyInfo,
  SignatureAlgorithm,
} from './types.js';

/** Largest DER certificate accepted (bytes). Real certificates are 0.5-4 KiB; 64 KiB leaves room for odd ones. */
export const MAX_CERTIFICATE_SIZE = 64 * 1024;

/** How many parsed certificates the shared cache keeps. */
const CACHE_SIZE = 1000;

const EMPTY: readonly never[] = Object.freeze([]);

let clearCache: () => void = () => undefined;

/**
 * Empties the shared parse cache, so the next parse of any DER is cold. Internal (not exported
 * from the package entry): `npm run bench` measures cold validation with it.
 */
export function clearCertificateCache(): void {
  clearCache();
}

/** A parsed X.509 v1/v2/v3 certificate. Create with `Certificate.fromDer()` or the `parseCertificate*` functions. */
export class Certificate implements CertificateModel {
  static readonly #cache = new Lru<string, Certificate>(CACHE_SIZE);
  static {
    clearCache = () => Certificate.#cache.clear();
  }

  readonly der: Uint8Array;
  readonly tbsDer: Uint8Array;
  readonly version: number;
  readonly serialNumber: string;
  readonly serialBytes: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly tbsSignatureAlgorithm: SignatureAlgorithm;
  readonly signatureValue: Uint8Array;
  readonly issuer: Name;
  readonly subject: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly notBeforeEncoding: TimeEncoding;
  readonly notAfterEncoding: TimeEncoding;
  readonly publicKey: PublicKeyInfo;
  readonly extensions: readonly Extension[];
  readonly duplicateExtensionOids: readonly string[];
  readonly hasUniqueIdentifiers: boolean;

  readonly basicConstraints: BasicConstraints | undefined;
  readonly keyUsage: KeyUsage | undefined;
  readonly extKeyUsage: readonly string[] | undefined;
  readonly subjectAltNames: readonly GeneralName[] | undefined;
  readonly issuerAltNames: readonly GeneralName[] | undefined;
  readonly nameConstraints: NameConstraints | undefined;
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  readonly subjectKeyId: string | undefined;
  readonly policies: readonly string[] | undefined;
  readonly policyMappings: readonly PolicyMapping[] | undefined;
  readonly policyConstraints: PolicyConstraints | undefined;
  readonly inhibitAnyPolicy: number | undefined;
  readonly crlDistributionPoints: readonly string[];
  readonly ocspUrls: readonly string[];
  readonly caIssuersUrls: readonly string[];

  #sha256: string | undefined;
  #spkiSha256: Buffer | undefined;
  #emails: readonly string[] | undefined;
  #isSelfIssued: boolean | undefined;

  /** Parses `der` (already copied and size-checked by fromDer). */
  private constructor(der: Uint8Array, sha256: string | undefined) {
    this.der = der;
    this.#sha256 = sha256;

    const top = new DerReader(der);
    const certTlv = top.expect(TAG.SEQUENCE, 'Certificate');
    top.finish('Certificate');
    const cert = DerReader.inside(der, certTlv);
    const tbsTlv = cert.expect(TAG.SEQUENCE, 'tbsCertificate');
    this.tbsDer = element(der, tbsTlv);
    this.signatureAlgorithm = readSignatureAlgorithm(der, cert.expect(TAG.SEQUENCE, 'signatureAlgorithm'), 'signatureAlgorithm');
    this.signatureValue = readOctetAlignedBitString(der, cert.expect(TAG.BIT_STRING, 'signatureValue'), 'signatureValue');
    cert.finish('Certificate');

    const tbs = DerReader.inside(der, tbsTlv);
    const versionTlv = tbs.optional(0xa0, 'version');
    if (versionTlv === undefined) {
      this.version = 1;
    } else {
      const v = DerReader.inside(der, versionTlv);
      const intTlv = v.expect(TAG.INTEGER, 'version');
      v.finish('version');
      const value = readIntegerBytes(der, intTlv, 'version');
      if (value.length > 1 || ((value[0] as number) & 0x80) !== 0) {
        throw malformed(`version at offset ${intTlv.offset} is out of range; expected 0 (v1), 1 (v2) or 2 (v3)`);
      }
      // Kept as encoded (plus one): whether v4 or an explicit v1 is acceptable is verify's call.
      this.version = (value[0] as number) + 1;
    }
    const serialTlv = tbs.expect(TAG.INTEGER, 'serialNumber');
    this.serialBytes = readIntegerBytes(der, serialTlv, 'serialNumber');
    this.serialNumber = toHex(this.serialBytes);
    this.tbsSignatureAlgorithm = readSignatureAlgorithm(der, tbs.expect(TAG.SEQUENCE, 'signature'), 'tbsCertificate signature');
    this.issuer = readName(der, tbs.expect(TAG.SEQUENCE, 'issuer'), 'issuer');
    const validity = DerReader.inside(der, tbs.expect(TAG.SEQUENCE, 'validity'));
    const notBefore = readTime(der, validity.next('notBefore'), 'notBefore');
    const notAfter = readTime(der, validity.next('notAfter'), 'notAfter');
    validity.finish('validity');
    this.notBefore = notBefore.date;
    this.notAfter = notAfter.date;
    this.notBeforeEncoding = notBefore.encoding;
    this.notAfterEncoding = notAfter.encoding;
    this.subject = readName(der, tbs.expect(TAG.SEQUENCE, 'subject'), 'subject');
    this.publicKey = readPublicKeyInfo(der, tbs.expect(TAG.SEQUENCE, 'subjectPublicKeyInfo'));
    const issuerUid = tbs.optional(0x81, 'issuerUniqueID');
    if (issuerUid !== undefined) readBitString(der, issuerUid, 'issuerUniqueID');
    const subjectUid = tbs.optional(0x82, 'subjectUniqueID');
    if (subjectUid !== undefined) readBitString(der, subjectUid, 'subjectUniqueID');
    this.hasUniqueIdentifiers = issuerUid !== undefined || subjectUid !== undefined;

    const decoded: DecodedExtensions = {};
    const extensionsTlv = tbs.optional(0xa3, 'extensions');
    tbs.finish('tbsCertificate');
    if (extensionsTlv === undefined) {
      this.extensions = EMPTY;
      this.duplicateExtensionOids = EMPTY;
    } else {
      const wrapper = DerReader.inside(der, extensionsTlv);
      const list = DerReader.inside(der, wrapper.expect(TAG.SEQUENCE, 'Extensions'));
      wrapper.finish('extensions');
      const extensions: Extension[] = [];
      const seen = new Set<string>();
      const duplicates: string[] = [];
      while (!list.atEnd) {
        const ext = DerReader.inside(der, list.expect(TAG.SEQUENCE, 'Extension'));
        const oid = readOid(der, ext.expect(TAG.OID, 'extnID'), 'extnID');
        const criticalTlv = ext.peekTag() === TAG.BOOLEAN ? ext.next(`critical flag of extension ${oid}`) : undefined;
        const critical = criticalTlv === undefined ? false : readBoolean(der, criticalTlv, `critical flag of extension ${oid}`);
        const valueTlv = ext.expect(TAG.OCTET_STRING, `extnValue of extension ${oid}`);
        ext.finish(`extension ${oid}`);
        decodeExtension(oid, der, valueTlv.start, valueTlv.end, decoded);
        if (seen.has(oid)) {
          if (!duplicates.includes(oid)) duplicates.push(oid);
        } else {
          seen.add(oid);
        }
        extensions.push({ oid, critical, value: der.subarray(valueTlv.start, valueTlv.end) });
      }
      this.extensions = extensions;
      this.duplicateExtensionOids = duplicates.length === 0 ? EMPTY : duplicates;
    }
    this.basicConstraints = decoded.basicConstraints;
    this.keyUsage = decoded.keyUsage;
    this.extKeyUsage = decoded.extKeyUsage;
    this.subjectAltNames = decoded.subjectAltNames;
    this.issuerAltNames = decoded.issuerAltNames;
    this.nameConstraints = decoded.nameConstraints;
    this.authorityKeyIdentifier = decoded.authorityKeyIdentifier;
    this.subjectKeyId = decoded.subjectKeyId;
    this.policies = decoded.policies;
    this.policyMappings = decoded.policyMappings;
    this.policyConstraints = decoded.policyConstraints;
    this.inhibitAnyPolicy = decoded.inhibitAnyPolicy;
    this.crlDistributionPoints = decoded.crlDistributionPoints ?? EMPTY;
    this.ocspUrls = decoded.ocspUrls ?? EMPTY;
    this.caIssuersUrls = decoded.caIssuersUrls ?? EMPTY;
    // Instances are shared through the cache: a consumer that pushes to an array or flips a flag
    // must not change what the next request sees. (Byte arrays cannot be frozen; never write them.)
    for (const value of Object.values(this)) freezeDeep(value);
    Object.freeze(this);
  }

  /**
   * Parses one DER certificate (exactly one, no trailing bytes). Returns the shared instance when
   * the same DER was parsed before (cache keyed by SHA-256, bounded). The bytes are copied, so
   * later changes to `der` do not affect the certificate.
   *
   * @throws ClientCertError CERT_MALFORMED when `der` is not a well-formed X.509 certificate.
   */
  static fromDer(der: Uint8Array): Certificate {
    if (!(der instanceof Uint8Array)) throw malformed(`expected DER bytes (Uint8Array), found ${typeof der}`);
    if (der.length > MAX_CERTIFICATE_SIZE) {
      throw malformed(`certificate of ${der.length} bytes exceeds the limit of ${MAX_CERTIFICATE_SIZE} bytes`);
    }
    const sha256 = hash('sha256', der, 'hex').toUpperCase();
    const hit = Certificate.#cache.get(sha256);
    if (hit !== undefined) return hit;
    const certificate = new Certificate(new Uint8Array(der), sha256);
    Certificate.#cache.set(sha256, certificate);
    return certificate;
  }

  getExtension(oid: string): Extension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  get sha256(): string {
    this.#sha256 ??= hash('sha256', this.der, 'hex').toUpperCase();
    return this.#sha256;
  }

  get spkiSha256Hex(): string {
    return this.#spkiDigest().toString('hex');
  }

  get spkiSha256Base64(): string {
    return this.#spkiDigest().toString('base64');
  }

  #spkiDigest(): Buffer {
    this.#spkiSha256 ??= hash('sha256', this.publicKey.spkiDer, 'buffer');
    return this.#spkiSha256;
  }

  get emails(): readonly string[] {
    if (this.#emails === undefined) {
      const out: string[] = [];
      const seen = new Set<string>();
      const add = (email: string): void => {
        const key = emailKey(email);
        if (!seen.has(key)) {
          seen.add(key);
          out.push(email);
        }
      };
      for (const n of this.subjectAltNames ?? EMPTY) if (n.type === 'email') add(n.value);
      for (const e of this.subject.getAll('emailAddress')) add(e);
      this.#emails = Object.freeze(out);
    }
    return this.#emails;
  }

  /** The DNS names of the subject alternative names. */
  get dnsNames(): readonly string[] {
    return this.#sanValues('dns');
  }

  /** The URIs of the subject alternative names. */
  get uris(): readonly string[] {
    return this.#sanValues('uri');
  }

  get ipAddresses(): readonly string[] {
    const out: string[] = [];
    for (const n of this.subjectAltNames ?? EMPTY) if (n.type === 'ip') out.push(ipToText(n.value));
    return out;
  }

  #sanValues(type: 'dns' | 'uri'): string[] {
    const out: string[] = [];
    for (const n of this.subjectAltNames ?? EMPTY) if (n.type === type) out.push(n.value);
    return out;
  }

  get isSelfIssued(): boolean {
    this.#isSelfIssued ??= this.subject.equals(this.issuer);
    return this.#isSelfIssued;
  }

  /** authorityKeyIdentifier.keyId (uppercase hex), the form path building matches against subjectKeyId. */
  get authorityKeyId(): string | undefined {
    return this.authorityKeyIdentifier?.keyId;
  }

  toPem(): string {
    return toPem(this.der);
  }

  toJSON(): Record<string, unknown> {
    const ku = this.keyUsage;
    return {
      subject: this.subject.toString(),
      issuer: this.issuer.toString(),
      serialNumber: this.serialNumber,
      version: this.version,
      notBefore: this.notBefore.toISOString(),
      notAfter: this.notAfter.toISOString(),
      publicKey: {
        type: this.publicKey.type,
        bits: this.publicKey.bits,
        ...(this.publicKey.curve === undefined ? {} : { curve: this.publicKey.curve }),
        algorithmOid: this.publicKey.algorithmOid,
      },
      signatureAlgorithm: {
        name: this.signatureAlgorithm.name,
        oid: this.signatureAlgorithm.oid,
        ...(this.signatureAlgorithm.hash === undefined ? {} : { hash: this.signatureAlgorithm.hash }),
        ...(this.signatureAlgorithm.pss === undefined ? {} : { pss: this.signatureAlgorithm.pss }),
      },
      sha256: this.sha256,
      spkiSha256Hex: this.spkiSha256Hex,
      spkiSha256Base64: this.spkiSha256Base64,
      subjectAltNames: this.subjectAltNames?.map(generalNameToJson),
      emails: this.emails,
      extKeyUsage: this.extKeyUsage?.map((oid) => ({ oid, ...(EKU_NAMES[oid] === undefined ? {} : { name: EKU_NAMES[oid] }) })),
      keyUsage: ku === undefined ? undefined : keyUsageNames(ku),
      basicConstraints: this.basicConstraints,
      authorityKeyId: this.authorityKeyId,
      subjectKeyId: this.subjectKeyId,
      policies: this.policies,
      crlDistributionPoints: this.crlDistributionPoints,
      ocspUrls: this.ocspUrls,
      caIssuersUrls: this.caIssuersUrls,
      nameConstraints:
        this.nameConstraints === undefined
          ? undefined
          : {
              permitted: this.nameConstraints.permitted?.map(constraintToJson),
              excluded: this.nameConstraints.excluded?.map(constraintToJson),
            },
      extensions: this.extensions.map((e) => ({
        oid: e.oid,
        ...(EXTENSION_NAMES[e.oid] === undefined ? {} : { name: EXTENSION_NAMES[e.oid] }),
        critical: e.critical,
      })),
      isSelfIssued: this.isSelfIssued,
    };
  }
}

/** Freezes plain objects and arrays reachable from `value` (depth is bounded by the certificate schema). */
function freezeDeep(value: unknown): void {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return;
  Object.freeze(value);
  // Indexed and for-in loops: a third cheaper than Object.values()/isFrozen() on this hot path.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) freezeDeep(value[i]);
    return;
  }
  for (const key in value) freezeDeep((value as Record<string, unknown>)[key]);
}

/** The names of the key usage bits that are set, in bit order. */
export function keyUsageNames(ku: KeyUsage): string[] {
  return (Object.keys(ku) as (keyof KeyUsage)[]).filter((k) => ku[k]);
}

/** `{ type, value }` with IPs as text and directory names as RFC 4514 strings. */
export function generalNameToJson(n: GeneralName): { type: string; value: string } {
  switch (n.type) {
    case 'ip':
      return { type: 'ip', value: n.value.length === 4 || n.value.length === 16 ? ipToText(n.value) : ipRangeToText(n.value) };
    case 'dn':
      return { type: 'dn', value: n.value.toString() };
    case 'other':
      return { type: `other[${n.tag}]`, value: toHex(n.der) };
    default:
      return { type: n.type, value: n.value };
  }
}

function constraintToJson(n: GeneralName): { type: string; value: string } {
  return n.type === 'ip' ? { type: 'ip', value: ipRangeToText(n.value) } : generalNameToJson(n);
}

/** Local part as encoded, domain lowercased: how duplicates between SAN and subject are recognised. */
function emailKey(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? email : email.slice(0, at) + email.slice(at).toLowerCase();
}
