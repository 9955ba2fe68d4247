/**
 * Decoding of the extensions certgate understands. Each decoder reads the extnValue content and
 * must consume it exactly; a known extension that does not decode makes the certificate
 * CERT_MALFORMED. Decoders expose facts only: whether an empty SAN or a negative policy skip
 * count is acceptable is decided by src/verify.
 */
import {
  DerReader,
  malformed,
  readBitString,
  readBoolean,
  readIntegerBytes,
  readOid,
  readSmallNonNegative,
  TAG,
  toHex,
  type Tlv,
} from './der.js';
import { readGeneralName, readGeneralNames } from './general-name.js';
import { ACCESS_METHOD, EXT, EXTENSION_NAMES } from './oids.js';
import { isClientCertError } from '../errors.js';
import type {
  AuthorityKeyIdentifier,
  BasicConstraints,
  GeneralName,
  KeyUsage,
  NameConstraints,
  PolicyConstraints,
  PolicyMapping,
} from './types.js';

/** What the known extensions of one certificate decode to. */
export interface DecodedExtensions {
  basicConstraints?: BasicConstraints;
  keyUsage?: KeyUsage;
  extKeyUsage?: string[];
  subjectAltNames?: GeneralName[];
  issuerAltNames?: GeneralName[];
  nameConstraints?: NameConstraints;
  authorityKeyIdentifier?: AuthorityKeyIdentifier;
  subjectKeyId?: string;
  policies?: string[];
  policyMappings?: PolicyMapping[];
  policyConstraints?: PolicyConstraints;
  inhibitAnyPolicy?: number;
  crlDistributionPoints?: string[];
  ocspUrls?: string[];
  caIssuersUrls?: string[];
}

/** The extnValue content: bytes[start, end) of the certificate DER (so offsets in messages are absolute). */
interface Span {
  readonly start: number;
  readonly end: number;
}

type Decoder = (bytes: Uint8Array, span: Span, out: DecodedExtensions) => void;

/**
 * Decodes the extnValue content bytes[start, end) of extension `oid` into `out`, when the OID is
 * known. A repeated extension is decoded too (so it cannot hide malformed bytes) but the first
 * occurrence wins, as getExtension() returns the first.
 */
export function decodeExtension(oid: string, bytes: Uint8Array, start: number, end: number, out: DecodedExtensions): void {
  const decoder = Object.hasOwn(DECODERS, oid) ? DECODERS[oid] : undefined;
  if (decoder === undefined) return;
  try {
    decoder(bytes, { start, end }, out);
  } catch (error) {
    if (isClientCertError(error)) throw malformed(`${EXTENSION_NAMES[oid] ?? oid} extension: ${error.message}`);
    throw error;
  }
}

/** The one element the extnValue must consist of. */
function single(bytes: Uint8Array, span: Span, tag: number, what: string): Tlv {
  const top = new DerReader(bytes, span.start, span.end);
  const tlv = top.expect(tag, what);
  top.finish(what);
  return tlv;
}

/** A reader inside the one constructed element of the extnValue, and the check that it was consumed. */
function whole(bytes: Uint8Array, span: Span, tag: number, what: string): { r: DerReader; done: () => void } {
  const r = DerReader.inside(bytes, single(bytes, span, tag, what));
  return { r, done: () => r.finish(what) };
}

function urisOf(names: readonly GeneralName[], into: string[]): void {
  for (const n of names) if (n.type === 'uri') into.push(n.value);
}

const DECODERS: Readonly<Record<string, Decoder>> = {
  [EXT.basicConstraints]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'BasicConstraints');
    let ca = false;
    const caTlv = r.optional(TAG.BOOLEAN, 'cA');
    // An explicit cA FALSE breaks DER's DEFAULT rule but is common in old certificates; it means false.
    if (caTlv !== undefined) ca = readBoolean(bytes, caTlv, 'cA');
    const pathTlv = r.optional(TAG.INTEGER, 'pathLenConstraint');
    const pathLen = pathTlv === undefined ? undefined : readSmallNonNegative(bytes, pathTlv, 'pathLenConstraint');
    done();
    out.basicConstraints ??= { ca, pathLen };
  },

  [EXT.keyUsage]: (bytes, span, out) => {
    const bits = readBitString(bytes, single(bytes, span, TAG.BIT_STRING, 'KeyUsage'), 'KeyUsage');
    const b = bits.bytes;
    // Bits beyond the encoded length are 0; DER padding bits were checked to be 0 already.
    const b0 = b[0] ?? 0;
    const b1 = b[1] ?? 0;
    const usage: KeyUsage = {
      digitalSignature: (b0 & 0x80) !== 0,
      nonRepudiation: (b0 & 0x40) !== 0,
      keyEncipherment: (b0 & 0x20) !== 0,
      dataEncipherment: (b0 & 0x10) !== 0,
      keyAgreement: (b0 & 0x08) !== 0,
      keyCertSign: (b0 & 0x04) !== 0,
      cRLSign: (b0 & 0x02) !== 0,
      encipherOnly: (b0 & 0x01) !== 0,
      decipherOnly: (b1 & 0x80) !== 0,
    };
    out.keyUsage ??= usage;
  },

  [EXT.extKeyUsage]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'ExtKeyUsageSyntax');
    const oids: string[] = [];
    while (!r.atEnd) oids.push(readOid(bytes, r.expect(TAG.OID, 'KeyPurposeId'), 'KeyPurposeId'));
    done();
    out.extKeyUsage ??= oids;
  },

  [EXT.subjectAltName]: (bytes, span, out) => {
    const names = readGeneralNames(bytes, single(bytes, span, TAG.SEQUENCE, 'SubjectAltName'), 'subjectAltName');
    out.subjectAltNames ??= names;
  },

  [EXT.issuerAltName]: (bytes, span, out) => {
    const names = readGeneralNames(bytes, single(bytes, span, TAG.SEQUENCE, 'IssuerAltName'), 'issuerAltName');
    out.issuerAltNames ??= names;
  },

  [EXT.nameConstraints]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'NameConstraints');
    let nonDefaultBounds = false;
    const subtrees = (tag: number, what: string): GeneralName[] | undefined => {
      const tlv = r.optional(tag, what);
      if (tlv === undefined) return undefined;
      const list = DerReader.inside(bytes, tlv);
      const bases: GeneralName[] = [];
      while (!list.atEnd) {
        const subtree = DerReader.inside(bytes, list.expect(TAG.SEQUENCE, `GeneralSubtree in ${what}`));
        bases.push(readGeneralName(bytes, subtree.next(`base of GeneralSubtree in ${what}`), what, 'constraint'));
        const min = subtree.optional(0x80, 'minimum');
        if (min !== undefined && readSmallNonNegative(bytes, min, 'minimum') !== 0) nonDefaultBounds = true;
        const max = subtree.optional(0x81, 'maximum');
        if (max !== undefined) {
          readSmallNonNegative(bytes, max, 'maximum');
          nonDefaultBounds = true;
        }
        subtree.finish(`GeneralSubtree in ${what}`);
      }
      return bases;
    };
    const permitted = subtrees(0xa0, 'permittedSubtrees');
    const excluded = subtrees(0xa1, 'excludedSubtrees');
    done();
    out.nameConstraints ??= { permitted, excluded, nonDefaultBounds };
  },

  [EXT.authorityKeyIdentifier]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'AuthorityKeyIdentifier');
    const keyTlv = r.optional(0x80, 'keyIdentifier');
    const issuerTlv = r.optional(0xa1, 'authorityCertIssuer');
    const serialTlv = r.optional(0x82, 'authorityCertSerialNumber');
    done();
    const aki: AuthorityKeyIdentifier = {
      keyId: keyTlv === undefined ? undefined : toHex(bytes, keyTlv.start, keyTlv.end),
      issuer: issuerTlv === undefined ? undefined : readGeneralNames(bytes, issuerTlv, 'authorityCertIssuer'),
      serialNumber: serialTlv === undefined ? undefined : toHex(readIntegerBytes(bytes, serialTlv, 'authorityCertSerialNumber')),
    };
    out.authorityKeyIdentifier ??= aki;
  },

  [EXT.subjectKeyIdentifier]: (bytes, span, out) => {
    const tlv = single(bytes, span, TAG.OCTET_STRING, 'SubjectKeyIdentifier');
    out.subjectKeyId ??= toHex(bytes, tlv.start, tlv.end);
  },

  [EXT.certificatePolicies]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'CertificatePolicies');
    const policies: string[] = [];
    while (!r.atEnd) {
      const info = DerReader.inside(bytes, r.expect(TAG.SEQUENCE, 'PolicyInformation'));
      policies.push(readOid(bytes, info.expect(TAG.OID, 'policyIdentifier'), 'policyIdentifier'));
      const qualifiers = info.optional(TAG.SEQUENCE, 'policyQualifiers');
      if (qualifiers !== undefined) {
        const q = DerReader.inside(bytes, qualifiers);
        while (!q.atEnd) {
          // Qualifier contents (CPS URI, user notice) are informative; check their framing only.
          const qualifier = DerReader.inside(bytes, q.expect(TAG.SEQUENCE, 'PolicyQualifierInfo'));
          readOid(bytes, qualifier.expect(TAG.OID, 'policyQualifierId'), 'policyQualifierId');
          qualifier.next('qualifier');
          qualifier.finish('PolicyQualifierInfo');
        }
      }
      info.finish('PolicyInformation');
    }
    done();
    out.policies ??= policies;
  },

  [EXT.policyMappings]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'PolicyMappings');
    const mappings: PolicyMapping[] = [];
    while (!r.atEnd) {
      const m = DerReader.inside(bytes, r.expect(TAG.SEQUENCE, 'PolicyMapping'));
      const issuerDomainPolicy = readOid(bytes, m.expect(TAG.OID, 'issuerDomainPolicy'), 'issuerDomainPolicy');
      const subjectDomainPolicy = readOid(bytes, m.expect(TAG.OID, 'subjectDomainPolicy'), 'subjectDomainPolicy');
      m.finish('PolicyMapping');
      mappings.push({ issuerDomainPolicy, subjectDomainPolicy });
    }
    done();
    out.policyMappings ??= mappings;
  },

  [EXT.policyConstraints]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'PolicyConstraints');
    const require = r.optional(0x80, 'requireExplicitPolicy');
    const inhibit = r.optional(0x81, 'inhibitPolicyMapping');
    done();
    const constraints: PolicyConstraints = {
      requireExplicitPolicy: require === undefined ? undefined : readSmallNonNegative(bytes, require, 'requireExplicitPolicy'),
      inhibitPolicyMapping: inhibit === undefined ? undefined : readSmallNonNegative(bytes, inhibit, 'inhibitPolicyMapping'),
    };
    out.policyConstraints ??= constraints;
  },

  [EXT.inhibitAnyPolicy]: (bytes, span, out) => {
    // Decoded before the assignment so that a repeated, malformed copy is still refused.
    const skipCerts = readSmallNonNegative(bytes, single(bytes, span, TAG.INTEGER, 'InhibitAnyPolicy'), 'SkipCerts');
    out.inhibitAnyPolicy ??= skipCerts;
  },

  [EXT.crlDistributionPoints]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'CRLDistributionPoints');
    const urls: string[] = [];
    while (!r.atEnd) {
      const dp = DerReader.inside(bytes, r.expect(TAG.SEQUENCE, 'DistributionPoint'));
      const nameTlv = dp.optional(0xa0, 'distributionPoint');
      if (nameTlv !== undefined) {
        // DistributionPointName is a CHOICE: fullName [0] GeneralNames or nameRelativeToCRLIssuer [1] RDN.
        const choice = DerReader.inside(bytes, nameTlv);
        const full = choice.optional(0xa0, 'fullName');
        if (full !== undefined) urisOf(readGeneralNames(bytes, full, 'fullName'), urls);
        else choice.expect(0xa1, 'nameRelativeToCRLIssuer');
        choice.finish('DistributionPointName');
      }
      const reasons = dp.optional(0x81, 'reasons');
      if (reasons !== undefined) readBitString(bytes, reasons, 'reasons');
      const crlIssuer = dp.optional(0xa2, 'cRLIssuer');
      if (crlIssuer !== undefined) readGeneralNames(bytes, crlIssuer, 'cRLIssuer');
      dp.finish('DistributionPoint');
    }
    done();
    out.crlDistributionPoints ??= urls;
  },

  [EXT.authorityInfoAccess]: (bytes, span, out) => {
    const { r, done } = whole(bytes, span, TAG.SEQUENCE, 'AuthorityInfoAccessSyntax');
    const ocsp: string[] = [];
    const caIssuers: string[] = [];
    while (!r.atEnd) {
      const ad = DerReader.inside(bytes, r.expect(TAG.SEQUENCE, 'AccessDescription'));
      const method = readOid(bytes, ad.expect(TAG.OID, 'accessMethod'), 'accessMethod');
      const location = readGeneralName(bytes, ad.next('accessLocation'), 'accessLocation');
      ad.finish('AccessDescription');
      if (location.type !== 'uri') continue;
      if (method === ACCESS_METHOD.ocsp) ocsp.push(location.value);
      else if (method === ACCESS_METHOD.caIssuers) caIssuers.push(location.value);
    }
    done();
    if (out.ocspUrls === undefined) {
      out.ocspUrls = ocsp;
      out.caIssuersUrls = caIssuers;
    }
  },
};
