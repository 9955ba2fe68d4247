/**
 * Certificate revocation lists (RFC 5280 section 5): a strict DER parser over certgate's own DER
 * reader (a CRL comes from the network or a file and is hostile until its signature verifies),
 * the checks that make a CRL usable for a certificate (issuer, key, signature, freshness, scope),
 * and the lookup of a serial.
 *
 * Supported: complete CRLs, v1 and v2, issued by the certificate's issuer with the same key
 * (AKI), with or without an issuing distribution point that limits them to user or CA
 * certificates. Not supported (the CRL is then "unusable", never "good"): delta CRLs, indirect
 * CRLs, CRLs partitioned by reason, attribute-certificate CRLs, and any unknown critical
 * extension on the CRL or an entry.
 */
import { createHash } from 'node:crypto';
import { readSignatureAlgorithm } from '../../cert/algorithms.js';
import { content, DerReader, element, malformed, readBoolean, readIntegerBytes, readOctetAlignedBitString, readOid, TAG, toHex, type Tlv } from '../../cert/der.js';
import { readGeneralNames } from '../../cert/general-name.js';
import { readName } from '../../cert/name.js';
import { readTime } from '../../cert/time.js';
import type { CertificateModel, DistinguishedName, SignatureAlgorithm } from '../../cert/types.js';
import { checkSignatureAlgorithm, verifySignedData } from '../algorithms.js';

/** CRLReason (RFC 5280 5.3.1) by code; 7 is unused. */
export const CRL_REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

const EXT = {
  authorityKeyIdentifier: '2.5.29.35',
  issuerAltName: '2.5.29.18',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  expiredCertsOnCrl: '2.5.29.60',
  reasonCode: '2.5.29.21',
  invalidityDate: '2.5.29.24',
  certificateIssuer: '2.5.29.29',
} as const;

const TAG_ENUMERATED = 0x0a;

/** One revoked certificate. */
export interface CrlEntry {
  /** Serial, uppercase hex of the INTEGER content bytes (the form of `CertificateModel.serialNumber`). */
  readonly serial: string;
  readonly revocationDate: Date;
  /** CRLReason name, where the entry gives one. */
  readonly reason: string | undefined;
  readonly invalidityDate: Date | undefined;
}

/** A parsed CRL. Nothing in it is trusted before `crlProblem` returned undefined for an issuer. */
export interface ParsedCrl {
  readonly der: Uint8Array;
  /** SHA-256 of the DER, uppercase hex. */
  readonly sha256: string;
  readonly tbsDer: Uint8Array;
  readonly signatureAlgorithm: SignatureAlgorithm;
  readonly tbsSignatureAlgorithm: SignatureAlgorithm;
  readonly signatureValue: Uint8Array;
  readonly issuer: DistinguishedName;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** cRLNumber, uppercase hex, where present. */
  readonly crlNumber: string | undefined;
  /** keyIdentifier of the AuthorityKeyIdentifier, uppercase hex, where present. */
  readonly authorityKeyId: string | undefined;
  /** Issuing distribution point scope, where the extension is present. */
  readonly scope: { readonly urls: readonly string[]; readonly onlyUser: boolean; readonly onlyCa: boolean } | undefined;
  /** Why this CRL cannot be used at all (delta, indirect, unknown critical extension, ...), or undefined. */
  readonly unsupported: string | undefined;
  readonly entryCount: number;
  /** The entry for a serial (uppercase hex), if the CRL lists it. */
  lookup(serial: string): CrlEntry | undefined;
}

/** Reads an Extensions SEQUENCE strictly (DER booleans, no repeats), calling `visit` for each. */
export function readExtensions(bytes: Uint8Array, tlv: Tlv, what: string, visit: (oid: string, critical: boolean, value: Tlv) => void): void {
  const r = DerReader.inside(bytes, tlv);
  const seen = new Set<string>();
  if (r.atEnd) throw malformed(`empty ${what} at offset ${tlv.offset}`);
  while (!r.atEnd) {
    const ext = DerReader.inside(bytes, r.expect(TAG.SEQUENCE, `Extension in ${what}`));
    const oid = readOid(bytes, ext.expect(TAG.OID, `extnID in ${what}`), `extnID in ${what}`);
    const criticalTlv = ext.optional(TAG.BOOLEAN, `critical in ${what}`);
    const critical = criticalTlv === undefined ? false : readBoolean(bytes, criticalTlv, `critical in ${what}`);
    if (criticalTlv !== undefined && !critical) throw malformed(`critical FALSE encoded explicitly in ${what} (DER omits the default)`);
    const value = ext.expect(TAG.OCTET_STRING, `extnValue in ${what}`);
    ext.finish(`Extension in ${what}`);
    if (seen.has(oid)) throw malformed(`extension ${oid} repeated in ${what}`);
    seen.add(oid);
    visit(oid, critical, value);
  }
}

/** The single element inside an extnValue, which must fill it exactly. */
function inner(bytes: Uint8Array, value: Tlv, tag: number, what: string): Tlv {
  const r = DerReader.inside(bytes, value);
  const tlv = r.expect(tag, what);
  r.finish(what);
  return tlv;
}

/** An ENUMERATED (tag already checked) from 0 to 127. */
export function readEnumerated(bytes: Uint8Array, tlv: Tlv, what: string): number {
  const raw = readIntegerBytes(bytes, { ...tlv, tag: TAG.INTEGER }, what);
  if (raw.length > 1 || ((raw[0] as number) & 0x80) !== 0) throw malformed(`${what} out of range`);
  return raw[0] as number;
}

function implicitBoolean(bytes: Uint8Array, tlv: Tlv, what: string): boolean {
  const value = readBoolean(bytes, { ...tlv, tag: TAG.BOOLEAN }, what);
  if (!value) throw malformed(`${what} FALSE encoded explicitly (DER omits the default)`);
  return value;
}

/**
 * Parses a DER CRL. Throws ClientCertError CERT_MALFORMED for anything that is not a well-formed
 * CertificateList (the caller reports it as a revocation-source problem).
 */
export function parseCrl(der: Uint8Array): ParsedCrl {
  const outer = new DerReader(der);
  const list = outer.expect(TAG.SEQUENCE, 'CertificateList');
  outer.finish('CRL');
  const top = DerReader.inside(der, list);
  const tbs = top.expect(TAG.SEQUENCE, 'tbsCertList');
  const signatureAlgorithm = readSignatureAlgorithm(der, top.expect(TAG.SEQUENCE, 'signatureAlgorithm'), 'CRL signatureAlgorithm');
  const signatureValue = readOctetAlignedBitString(der, top.expect(TAG.BIT_STRING, 'signatureValue'), 'CRL signatureValue');
  top.finish('CertificateList');

  const r = DerReader.inside(der, tbs);
  let version = 1;
  const versionTlv = r.optional(TAG.INTEGER, 'CRL version');
  if (versionTlv !== undefined) {
    const v = readIntegerBytes(der, versionTlv, 'CRL version');
    if (v.length !== 1 || v[0] !== 1) throw malformed(`CRL version ${toHex(v)}; expected 1 (v2)`);
    version = 2;
  }
  const tbsSignatureAlgorithm = readSignatureAlgorithm(der, r.expect(TAG.SEQUENCE, 'signature'), 'CRL signature');
  const issuer = readName(der, r.expect(TAG.SEQUENCE, 'CRL issuer'), 'CRL issuer');
  const thisUpdate = readTime(der, r.next('thisUpdate'), 'CRL thisUpdate').date;
  let nextUpdate: Date | undefined;
  if (r.peekTag() === TAG.UTC_TIME || r.peekTag() === TAG.GENERALIZED_TIME) nextUpdate = readTime(der, r.next('nextUpdate'), 'CRL nextUpdate').date;

  let unsupported: string | undefined;
  const entries = new Map<string, CrlEntry>();
  const revoked = r.optional(TAG.SEQUENCE, 'revokedCertificates');
  if (revoked !== undefined) {
    const list2 = DerReader.inside(der, revoked);
    while (!list2.atEnd) {
      const e = DerReader.inside(der, list2.expect(TAG.SEQUENCE, 'revoked certificate entry'));
      const serial = toHex(readIntegerBytes(der, e.expect(TAG.INTEGER, 'userCertificate'), 'userCertificate'));
      const revocationDate = readTime(der, e.next('revocationDate'), 'revocationDate').date;
      let reason: string | undefined;
      let invalidityDate: Date | undefined;
      const exts = e.optional(TAG.SEQUENCE, 'crlEntryExtensions');
      e.finish('revoked certificate entry');
      if (exts !== undefined) {
        if (version !== 2) throw malformed('CRL entry extensions in a v1 CRL');
        readExtensions(der, exts, 'crlEntryExtensions', (oid, critical, value) => {
          if (oid === EXT.reasonCode) {
            const code = readEnumerated(der, inner(der, value, TAG_ENUMERATED, 'CRLReason'), 'CRLReason');
            reason = CRL_REASONS[code] ?? `reason ${code}`;
          } else if (oid === EXT.invalidityDate) {
            invalidityDate = readTime(der, inner(der, value, TAG.GENERALIZED_TIME, 'invalidityDate'), 'invalidityDate').date;
          } else if (oid === EXT.certificateIssuer) {
            unsupported ??= 'it is an indirect CRL (an entry names a certificate issuer)';
          } else if (critical) {
            unsupported ??= `an entry has the unknown critical extension ${oid}`;
          }
        });
      }
      // A serial listed twice keeps its first entry: either way the certificate is revoked.
      if (!entries.has(serial)) entries.set(serial, Object.freeze({ serial, revocationDate, reason, invalidityDate }));
    }
  }

  let crlNumber: string | undefined;
  let authorityKeyId: string | undefined;
  let scope: ParsedCrl['scope'];
  const extsWrapper = r.optional(0xa0, 'crlExtensions');
  r.finish('tbsCertList');
  if (extsWrapper !== undefined) {
    if (version !== 2) throw malformed('CRL extensions in a v1 CRL');
    const exts = inner(der, extsWrapper, TAG.SEQUENCE, 'crlExtensions');
    readExtensions(der, exts, 'crlExtensions', (oid, critical, value) => {
      switch (oid) {
        case EXT.crlNumber:
          crlNumber = toHex(readIntegerBytes(der, inner(der, value, TAG.INTEGER, 'cRLNumber'), 'cRLNumber'));
          break;
        case EXT.authorityKeyIdentifier: {
          const aki = DerReader.inside(der, inner(der, value, TAG.SEQUENCE, 'AuthorityKeyIdentifier'));
          const keyId = aki.optional(0x80, 'keyIdentifier');
          if (keyId !== undefined) authorityKeyId = toHex(content(der, keyId));
          break;
        }
        case EXT.deltaCrlIndicator:
          unsupported ??= 'it is a delta CRL';
          break;
        case EXT.issuingDistributionPoint:
          scope = readIdp(der, inner(der, value, TAG.SEQUENCE, 'IssuingDistributionPoint'), (why) => {
            unsupported ??= why;
          });
          break;
        case EXT.issuerAltName:
        case EXT.freshestCrl:
        case EXT.authorityInfoAccess:
        case EXT.expiredCertsOnCrl:
          break;
        default:
          if (critical) unsupported ??= `it has the unknown critical extension ${oid}`;
      }
    });
  }

  const sha256 = createHash('sha256').update(der).digest('hex').toUpperCase();
  return Object.freeze({
    der,
    sha256,
    tbsDer: element(der, tbs),
    signatureAlgorithm,
    tbsSignatureAlgorithm,
    signatureValue,
    issuer,
    thisUpdate,
    nextUpdate,
    crlNumber,
    authorityKeyId,
    scope,
    unsupported,
    entryCount: entries.size,
    lookup: (serial: string) => entries.get(serial),
  });
}

function readIdp(der: Uint8Array, tlv: Tlv, unsupported: (why: string) => void): NonNullable<ParsedCrl['scope']> {
  const r = DerReader.inside(der, tlv);
  const urls: string[] = [];
  const dp = r.optional(0xa0, 'distributionPoint');
  if (dp !== undefined) {
    const choice = DerReader.inside(der, dp);
    const fullName = choice.optional(0xa0, 'fullName');
    if (fullName !== undefined) {
      for (const name of readGeneralNames(der, fullName, 'IssuingDistributionPoint fullName')) if (name.type === 'uri') urls.push(name.value);
    } else {
      choice.next('nameRelativeToCRLIssuer');
      unsupported('its issuing distribution point is named relative to the CRL issuer');
    }
    choice.finish('DistributionPointName');
  }
  const user = r.optional(0x81, 'onlyContainsUserCerts');
  const ca = r.optional(0x82, 'onlyContainsCACerts');
  const reasons = r.optional(0x83, 'onlySomeReasons');
  const indirect = r.optional(0x84, 'indirectCRL');
  const attributes = r.optional(0x85, 'onlyContainsAttributeCerts');
  r.finish('IssuingDistributionPoint');
  const onlyUser = user !== undefined && implicitBoolean(der, user, 'onlyContainsUserCerts');
  const onlyCa = ca !== undefined && implicitBoolean(der, ca, 'onlyContainsCACerts');
  if (reasons !== undefined) unsupported('it covers only some revocation reasons');
  if (indirect !== undefined && implicitBoolean(der, indirect, 'indirectCRL')) unsupported('it is an indirect CRL');
  if (attributes !== undefined && implicitBoolean(der, attributes, 'onlyContainsAttributeCerts')) unsupported('it covers only attribute certificates');
  if (onlyUser && onlyCa) throw malformed('IssuingDistributionPoint asserts both onlyContainsUserCerts and onlyContainsCACerts');
  return Object.freeze({ urls: Object.freeze(urls), onlyUser, onlyCa });
}

/** Does this CRL come from `issuer` (same name, same key where both name their key id)? */
export function crlMatchesIssuer(crl: ParsedCrl, issuer: CertificateModel): boolean {
  if (!crl.issuer.equals(issuer.subject)) return false;
  return crl.authorityKeyId === undefined || issuer.subjectKeyId === undefined || crl.authorityKeyId === issuer.subjectKeyId;
}

// Signature results per (CRL, issuer): a CRL is verified once, whatever number of lookups it serves.
const crlSignatures = new WeakMap<ParsedCrl, WeakMap<CertificateModel, string | null>>();

/**
 * Why `crl` cannot vouch for certificates of `issuer`, or undefined when it can (right issuer and
 * key, cRLSign allowed, acceptable algorithm, valid signature). Freshness is checked separately
 * (`crlFreshness`) because a stale but authentic CRL still proves a revocation.
 */
export function crlProblem(crl: ParsedCrl, issuer: CertificateModel): string | undefined {
  let perIssuer = crlSignatures.get(crl);
  const cached = perIssuer?.get(issuer);
  if (cached !== undefined) return cached ?? undefined;
  const problem = computeCrlProblem(crl, issuer);
  if (perIssuer === undefined) {
    perIssuer = new WeakMap();
    crlSignatures.set(crl, perIssuer);
  }
  perIssuer.set(issuer, problem ?? null);
  return problem;
}

function computeCrlProblem(crl: ParsedCrl, issuer: CertificateModel): string | undefined {
  if (!crl.issuer.equals(issuer.subject)) return `the CRL is issued by "${crl.issuer.toString()}", not by "${issuer.subject.toString()}"`;
  if (crl.authorityKeyId !== undefined && issuer.subjectKeyId !== undefined && crl.authorityKeyId !== issuer.subjectKeyId) {
    return `the CRL names key ${crl.authorityKeyId}, the issuer's key is ${issuer.subjectKeyId}`;
  }
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.cRLSign) return `the issuer "${issuer.subject.toString()}" may not sign CRLs (keyUsage lacks cRLSign)`;
  if (!sameBytes(crl.signatureAlgorithm.der, crl.tbsSignatureAlgorithm.der)) return 'the CRL signature algorithm differs inside and outside tbsCertList';
  const weak = checkSignatureAlgorithm(crl.signatureAlgorithm);
  if (weak !== undefined) return `the CRL is ${weak.message}`;
  if (!verifySignedData(crl.signatureAlgorithm, crl.tbsDer, crl.signatureValue, issuer)) {
    return `the CRL signature does not verify with the key of "${issuer.subject.toString()}"`;
  }
  if (crl.unsupported !== undefined) return `the CRL cannot be used: ${crl.unsupported}`;
  return undefined;
}

/** Does the CRL's scope (issuing distribution point) cover `cert`? Undefined when it does, else why not. */
export function crlScopeProblem(crl: ParsedCrl, cert: CertificateModel): string | undefined {
  const scope = crl.scope;
  if (scope === undefined) return undefined;
  const isCa = cert.basicConstraints?.ca === true;
  if (scope.onlyUser && isCa) return 'the CRL covers only end-entity certificates';
  if (scope.onlyCa && !isCa) return 'the CRL covers only CA certificates';
  if (scope.urls.length > 0 && !scope.urls.some((u) => cert.crlDistributionPoints.includes(u))) {
    return 'the CRL\'s issuing distribution point is not one of the certificate\'s CRL distribution points';
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
