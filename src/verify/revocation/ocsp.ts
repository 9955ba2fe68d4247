/**
 * OCSP (RFC 6960): the request (built with pkijs), a strict DER parser for the response (certgate's
 * own DER reader: the response is hostile until its signature verifies), and its verification:
 * signed by the issuer itself or by a delegated responder that the issuer certified for
 * id-kp-OCSPSigning, about exactly the certificate asked for, with a matching nonce where the
 * responder echoes one, and fresh (thisUpdate/nextUpdate).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readSignatureAlgorithm } from '../../cert/algorithms.js';
import { DerReader, element, malformed, readBitString, readIntegerBytes, readOctetAlignedBitString, readOid, TAG, type Tlv } from '../../cert/der.js';
import { readName } from '../../cert/name.js';
import { parseCertificate } from '../../cert/parse.js';
import { readTime } from '../../cert/time.js';
import type { CertificateModel, DistinguishedName, SignatureAlgorithm } from '../../cert/types.js';
import { checkSignatureAlgorithm, verifySignedData } from '../algorithms.js';
import { CRL_REASONS, readEnumerated, readExtensions } from './crl.js';

const OID = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  basic: '1.3.6.1.5.5.7.48.1.1',
  nonce: '1.3.6.1.5.5.7.48.1.2',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

const RESPONSE_STATUS: Readonly<Record<number, string>> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

/** Certificates a response may carry (delegated responder and its chain); more is refused. */
const MAX_RESPONSE_CERTS = 8;
/** SingleResponses a response may carry. */
const MAX_SINGLE_RESPONSES = 64;

/** The bytes of a CertID for one certificate (RFC 6960 4.1.1). */
export interface OcspCertId {
  readonly hash: 'sha1' | 'sha256';
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  /** The certificate's serial, INTEGER content bytes. */
  readonly serial: Uint8Array;
}

/** The subjectPublicKey BIT STRING content (what issuerKeyHash and byKey hash). */
function subjectPublicKeyBits(cert: CertificateModel): Uint8Array {
  const spki = cert.publicKey.spkiDer;
  const outer = new DerReader(spki);
  const r = DerReader.inside(spki, outer.expect(TAG.SEQUENCE, 'SubjectPublicKeyInfo'));
  r.expect(TAG.SEQUENCE, 'algorithm');
  return readBitString(spki, r.expect(TAG.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey').bytes;
}

/** The CertID of `cert` issued by `issuer`. */
export function ocspCertId(cert: CertificateModel, issuer: CertificateModel, hash: 'sha1' | 'sha256' = 'sha1'): OcspCertId {
  return {
    hash,
    issuerNameHash: createHash(hash).update(issuer.subject.der).digest(),
    issuerKeyHash: createHash(hash).update(subjectPublicKeyBits(issuer)).digest(),
    serial: cert.serialBytes,
  };
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** A fresh random nonce (RFC 8954: 32 octets at most; 16 here). */
export function ocspNonce(): Uint8Array {
  return randomBytes(16);
}

/**
 * Builds the DER OCSPRequest for one certificate, with a nonce extension when `nonce` is given.
 * pkijs is loaded on first use, so a gate without OCSP never pays for it.
 */
export async function buildOcspRequest(id: OcspCertId, nonce: Uint8Array | undefined): Promise<Uint8Array> {
  const [pkijs, asn1js] = await Promise.all([import('pkijs'), import('asn1js')]);
  const request = new pkijs.OCSPRequest();
  request.tbsRequest.requestList = [
    new pkijs.Request({
      reqCert: new pkijs.CertID({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: id.hash === 'sha1' ? OID.sha1 : OID.sha256, algorithmParams: new asn1js.Null() }),
        issuerNameHash: new asn1js.OctetString({ valueHex: toArrayBuffer(id.issuerNameHash) }),
        issuerKeyHash: new asn1js.OctetString({ valueHex: toArrayBuffer(id.issuerKeyHash) }),
        serialNumber: new asn1js.Integer({ valueHex: toArrayBuffer(id.serial) }),
      }),
    }),
  ];
  if (nonce !== undefined) {
    request.tbsRequest.requestExtensions = [
      new pkijs.Extension({ extnID: OID.nonce, extnValue: new asn1js.OctetString({ valueHex: toArrayBuffer(nonce) }).toBER(false) }),
    ];
  }
  return new Uint8Array(request.toSchema(true).toBER(false));
}

/** One SingleResponse. */
export interface OcspSingleResponse {
  readonly hashOid: string;
  readonly issuerNameHash: Uint8Array;
  readonly issuerKeyHash: Uint8Array;
  readonly serial: Uint8Array;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revocationTime: Date | undefined;
  readonly reason: string | undefined;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
}

/** A parsed OCSP response. Nothing in it is trusted before `verifyOcspResponse` accepted it. */
export interface ParsedOcspResponse {
  /** responseStatus name ('successful', 'tryLater', ...). */
  readonly responseStatus: string;
  /** The BasicOCSPResponse content, for a successful response. */
  readonly basic:
    | {
        readonly tbsDer: Uint8Array;
        readonly signatureAlgorithm: SignatureAlgorithm;
        readonly signature: Uint8Array;
        readonly responderName: DistinguishedName | undefined;
        readonly responderKeyHash: Uint8Array | undefined;
        readonly producedAt: Date;
        readonly responses: readonly OcspSingleResponse[];
        /** The nonce extension's extnValue content, where present. */
        readonly nonce: Uint8Array | undefined;
        readonly certs: readonly CertificateModel[];
      }
    | undefined;
}

function explicit(bytes: Uint8Array, tlv: Tlv, tag: number, what: string): Tlv {
  const r = DerReader.inside(bytes, tlv);
  const inner = r.expect(tag, what);
  r.finish(what);
  return inner;
}

/**
 * GeneralizedTime as RFC 5280 profiles it, and also with fractional seconds (YYYYMMDDHHMMSS.fffZ),
 * which RFC 6960 does not forbid and some responders send; the fraction is dropped.
 */
function readGeneralizedTime(bytes: Uint8Array, tlv: Tlv, what: string): Date {
  if (tlv.tag !== TAG.GENERALIZED_TIME) throw malformed(`expected GeneralizedTime for ${what} at offset ${tlv.offset}`);
  const length = tlv.end - tlv.start;
  if (length > 16 && length <= 24 && bytes[tlv.start + 14] === 0x2e && bytes[tlv.end - 1] === 0x5a) {
    const fraction = bytes.subarray(tlv.start + 15, tlv.end - 1);
    if (fraction.every((c) => c >= 0x30 && c <= 0x39)) {
      const trimmed = new Uint8Array(17);
      trimmed.set([TAG.GENERALIZED_TIME, 15]);
      trimmed.set(bytes.subarray(tlv.start, tlv.start + 14), 2);
      trimmed[16] = 0x5a;
      return readTime(trimmed, { tag: TAG.GENERALIZED_TIME, offset: 0, start: 2, end: 17 }, what).date;
    }
  }
  return readTime(bytes, tlv, what).date;
}

/** Parses a DER OCSPResponse. Throws ClientCertError CERT_MALFORMED for anything malformed. */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  const outer = new DerReader(der);
  const top = DerReader.inside(der, outer.expect(TAG.SEQUENCE, 'OCSPResponse'));
  outer.finish('OCSP response');
  const status = readEnumerated(der, top.expect(0x0a, 'responseStatus'), 'responseStatus');
  const responseStatus = RESPONSE_STATUS[status] ?? `status ${status}`;
  const bytesTlv = top.optional(0xa0, 'responseBytes');
  top.finish('OCSPResponse');
  if (status !== 0) return { responseStatus, basic: undefined };
  if (bytesTlv === undefined) throw malformed('successful OCSP response without responseBytes');
  const rb = DerReader.inside(der, explicit(der, bytesTlv, TAG.SEQUENCE, 'ResponseBytes'));
  const type = readOid(der, rb.expect(TAG.OID, 'responseType'), 'responseType');
  const response = rb.expect(TAG.OCTET_STRING, 'response');
  rb.finish('ResponseBytes');
  if (type !== OID.basic) throw malformed(`OCSP response type ${type}; expected id-pkix-ocsp-basic`);

  // The BasicOCSPResponse lives inside the OCTET STRING: parse it with offsets in `der`.
  const basicReader = new DerReader(der, response.start, response.end);
  const basic = DerReader.inside(der, basicReader.expect(TAG.SEQUENCE, 'BasicOCSPResponse'));
  basicReader.finish('BasicOCSPResponse');
  const tbs = basic.expect(TAG.SEQUENCE, 'tbsResponseData');
  const signatureAlgorithm = readSignatureAlgorithm(der, basic.expect(TAG.SEQUENCE, 'signatureAlgorithm'), 'OCSP signatureAlgorithm');
  const signature = readOctetAlignedBitString(der, basic.expect(TAG.BIT_STRING, 'signature'), 'OCSP signature');
  const certs: CertificateModel[] = [];
  const certsTlv = basic.optional(0xa0, 'certs');
  basic.finish('BasicOCSPResponse');
  if (certsTlv !== undefined) {
    const list = DerReader.inside(der, explicit(der, certsTlv, TAG.SEQUENCE, 'certs'));
    while (!list.atEnd) {
      if (certs.length >= MAX_RESPONSE_CERTS) throw malformed(`OCSP response carries more than ${MAX_RESPONSE_CERTS} certificates`);
      certs.push(parseCertificate(element(der, list.expect(TAG.SEQUENCE, 'certificate'))));
    }
  }

  const r = DerReader.inside(der, tbs);
  const versionTlv = r.optional(0xa0, 'version');
  if (versionTlv !== undefined) {
    const v = readIntegerBytes(der, explicit(der, versionTlv, TAG.INTEGER, 'version'), 'version');
    if (v.length !== 1 || v[0] !== 0) throw malformed('OCSP ResponseData version other than v1');
  }
  let responderName: DistinguishedName | undefined;
  let responderKeyHash: Uint8Array | undefined;
  const responder = r.next('responderID');
  if (responder.tag === 0xa1) responderName = readName(der, explicit(der, responder, TAG.SEQUENCE, 'responderID byName'), 'responderID');
  else if (responder.tag === 0xa2) {
    const keyHash = explicit(der, responder, TAG.OCTET_STRING, 'responderID byKey');
    responderKeyHash = der.subarray(keyHash.start, keyHash.end);
  } else throw malformed(`responderID at offset ${responder.offset} is neither byName [1] nor byKey [2]`);
  const producedAt = readGeneralizedTime(der, r.next('producedAt'), 'producedAt');
  const responses: OcspSingleResponse[] = [];
  const list = DerReader.inside(der, r.expect(TAG.SEQUENCE, 'responses'));
  while (!list.atEnd) {
    if (responses.length >= MAX_SINGLE_RESPONSES) throw malformed(`OCSP response carries more than ${MAX_SINGLE_RESPONSES} single responses`);
    responses.push(readSingleResponse(der, list.expect(TAG.SEQUENCE, 'SingleResponse')));
  }
  let nonce: Uint8Array | undefined;
  const extsTlv = r.optional(0xa1, 'responseExtensions');
  r.finish('ResponseData');
  if (extsTlv !== undefined) {
    readExtensions(der, explicit(der, extsTlv, TAG.SEQUENCE, 'responseExtensions'), 'responseExtensions', (oid, critical, value) => {
      if (oid === OID.nonce) nonce = der.subarray(value.start, value.end);
      else if (critical) throw malformed(`unknown critical extension ${oid} in responseExtensions`);
    });
  }
  return {
    responseStatus,
    basic: { tbsDer: element(der, tbs), signatureAlgorithm, signature, responderName, responderKeyHash, producedAt, responses, nonce, certs },
  };
}

function readSingleResponse(der: Uint8Array, tlv: Tlv): OcspSingleResponse {
  const r = DerReader.inside(der, tlv);
  const id = DerReader.inside(der, r.expect(TAG.SEQUENCE, 'CertID'));
  const alg = DerReader.inside(der, id.expect(TAG.SEQUENCE, 'hashAlgorithm'));
  const hashOid = readOid(der, alg.expect(TAG.OID, 'hashAlgorithm'), 'hashAlgorithm');
  if (!alg.atEnd) alg.next('hashAlgorithm parameters');
  alg.finish('hashAlgorithm');
  const nameHash = id.expect(TAG.OCTET_STRING, 'issuerNameHash');
  const keyHash = id.expect(TAG.OCTET_STRING, 'issuerKeyHash');
  const serial = readIntegerBytes(der, id.expect(TAG.INTEGER, 'serialNumber'), 'serialNumber');
  id.finish('CertID');
  const statusTlv = r.next('certStatus');
  let status: OcspSingleResponse['status'];
  let revocationTime: Date | undefined;
  let reason: string | undefined;
  if (statusTlv.tag === 0x80 && statusTlv.start === statusTlv.end) status = 'good';
  else if (statusTlv.tag === 0x82 && statusTlv.start === statusTlv.end) status = 'unknown';
  else if (statusTlv.tag === 0xa1) {
    status = 'revoked';
    const info = DerReader.inside(der, statusTlv);
    revocationTime = readGeneralizedTime(der, info.next('revocationTime'), 'revocationTime');
    const reasonTlv = info.optional(0xa0, 'revocationReason');
    info.finish('RevokedInfo');
    if (reasonTlv !== undefined) {
      const code = readEnumerated(der, explicit(der, reasonTlv, 0x0a, 'CRLReason'), 'CRLReason');
      reason = CRL_REASONS[code] ?? `reason ${code}`;
    }
  } else throw malformed(`certStatus at offset ${statusTlv.offset} is not good [0], revoked [1] or unknown [2]`);
  const thisUpdate = readGeneralizedTime(der, r.next('thisUpdate'), 'thisUpdate');
  let nextUpdate: Date | undefined;
  const next = r.optional(0xa0, 'nextUpdate');
  if (next !== undefined) nextUpdate = readGeneralizedTime(der, explicit(der, next, TAG.GENERALIZED_TIME, 'nextUpdate'), 'nextUpdate');
  const exts = r.optional(0xa1, 'singleExtensions');
  r.finish('SingleResponse');
  if (exts !== undefined) {
    readExtensions(der, explicit(der, exts, TAG.SEQUENCE, 'singleExtensions'), 'singleExtensions', (oid, critical) => {
      if (critical) throw malformed(`unknown critical extension ${oid} in singleExtensions`);
    });
  }
  return {
    hashOid,
    issuerNameHash: der.subarray(nameHash.start, nameHash.end),
    issuerKeyHash: der.subarray(keyHash.start, keyHash.end),
    serial,
    status,
    revocationTime,
    reason,
    thisUpdate,
    nextUpdate,
  };
}

/** What a verified response says about the certificate. */
export interface OcspAnswer {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly producedAt: Date;
  readonly revocationTime: Date | undefined;
  readonly reason: string | undefined;
  /** 'issuer' or the delegated responder's subject. */
  readonly signer: string;
}

export interface OcspVerifyContext {
  readonly cert: CertificateModel;
  readonly issuer: CertificateModel;
  readonly at: Date;
  /** The nonce sent, if any: a response that echoes a nonce must echo this one. */
  readonly nonce: Uint8Array | undefined;
  /** Refuse a response without the nonce (default false: many responders pre-sign responses). */
  readonly requireNonce: boolean;
  /** Tolerance for a responder clock ahead of ours (thisUpdate slightly in the future), ms. */
  readonly skewMs: number;
  /** Longest age of an answer without nextUpdate, ms. */
  readonly maxAgeMs: number;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

const HASH_OIDS: Readonly<Record<string, 'sha1' | 'sha256'>> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256' };

/**
 * Verifies a parsed response for `ctx.cert` and returns the answer, or a string saying why the
 * response cannot be used (wrong signer, bad signature, no answer for this certificate, nonce
 * mismatch, stale, ...).
 */
export function verifyOcspResponse(parsed: ParsedOcspResponse, ctx: OcspVerifyContext): OcspAnswer | string {
  const basic = parsed.basic;
  if (basic === undefined) return `the responder answered "${parsed.responseStatus}"`;
  const at = ctx.at.getTime();

  // Who signed: the issuer itself, or a responder certificate the issuer delegated OCSP to.
  const issuerKeyHash = createHash('sha1').update(subjectPublicKeyBits(ctx.issuer)).digest();
  const names = (cert: CertificateModel): boolean =>
    basic.responderName !== undefined ? basic.responderName.equals(cert.subject) : basic.responderKeyHash !== undefined && same(basic.responderKeyHash, createHash('sha1').update(subjectPublicKeyBits(cert)).digest());
  let signer: CertificateModel;
  let signerName = 'issuer';
  const byIssuer = basic.responderName !== undefined ? basic.responderName.equals(ctx.issuer.subject) : basic.responderKeyHash !== undefined && same(basic.responderKeyHash, issuerKeyHash);
  if (byIssuer) {
    signer = ctx.issuer;
  } else {
    const delegate = basic.certs.find(names);
    if (delegate === undefined) return 'the response is signed by neither the issuer nor a responder certificate it carries';
    const problem = delegateProblem(delegate, ctx.issuer, at);
    if (problem !== undefined) return problem;
    signer = delegate;
    signerName = delegate.subject.toString();
  }
  const weak = checkSignatureAlgorithm(basic.signatureAlgorithm);
  if (weak !== undefined) return `the response is ${weak.message}`;
  if (!verifySignedData(basic.signatureAlgorithm, basic.tbsDer, basic.signature, signer)) {
    return `the response signature does not verify with the key of ${signerName === 'issuer' ? `the issuer "${ctx.issuer.subject.toString()}"` : `the responder "${signerName}"`}`;
  }

  // About exactly this certificate.
  const ids = new Map<string, OcspCertId>();
  const single = basic.responses.find((s) => {
    const hash = HASH_OIDS[s.hashOid];
    if (hash === undefined) return false;
    let id = ids.get(hash);
    if (id === undefined) {
      id = ocspCertId(ctx.cert, ctx.issuer, hash);
      ids.set(hash, id);
    }
    return same(s.serial, id.serial) && same(s.issuerNameHash, id.issuerNameHash) && same(s.issuerKeyHash, id.issuerKeyHash);
  });
  if (single === undefined) return 'the response has no answer for this certificate';

  if (ctx.nonce !== undefined) {
    if (basic.nonce !== undefined) {
      const wrapped = Buffer.concat([Buffer.from([0x04, ctx.nonce.length]), ctx.nonce]);
      if (!same(basic.nonce, wrapped) && !same(basic.nonce, ctx.nonce)) return 'the response nonce does not match the request nonce (a replayed response?)';
    } else if (ctx.requireNonce) {
      return 'the response has no nonce but one is required';
    }
  }

  const freshness = answerFreshness(single.thisUpdate, single.nextUpdate, at, ctx.skewMs, ctx.maxAgeMs);
  if (freshness !== undefined) return freshness;
  return {
    status: single.status,
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
    producedAt: basic.producedAt,
    revocationTime: single.revocationTime,
    reason: single.reason,
    signer: signerName,
  };
}

/** Why an answer (OCSP or CRL) with these times is not fresh at `at`, or undefined when it is. */
export function answerFreshness(thisUpdate: Date, nextUpdate: Date | undefined, at: number, skewMs: number, maxAgeMs: number): string | undefined {
  if (thisUpdate.getTime() > at + skewMs) return `thisUpdate ${thisUpdate.toISOString()} is in the future`;
  if (nextUpdate !== undefined) {
    if (nextUpdate.getTime() <= thisUpdate.getTime()) return `nextUpdate ${nextUpdate.toISOString()} is not after thisUpdate ${thisUpdate.toISOString()}`;
    if (at >= nextUpdate.getTime()) return `stale: nextUpdate ${nextUpdate.toISOString()} has passed`;
    return undefined;
  }
  if (at - thisUpdate.getTime() > maxAgeMs) return `stale: no nextUpdate and thisUpdate ${thisUpdate.toISOString()} is older than ${Math.round(maxAgeMs / 1000)} s`;
  return undefined;
}

function delegateProblem(delegate: CertificateModel, issuer: CertificateModel, at: number): string | undefined {
  const who = `the responder certificate "${delegate.subject.toString()}"`;
  if (!delegate.issuer.equals(issuer.subject)) return `${who} is not issued by the certificate's issuer`;
  if (delegate.extKeyUsage === undefined || !delegate.extKeyUsage.includes(OID.ocspSigning)) return `${who} lacks EKU id-kp-OCSPSigning`;
  if (delegate.keyUsage !== undefined && !delegate.keyUsage.digitalSignature && !delegate.keyUsage.nonRepudiation) return `${who} may not sign (keyUsage)`;
  if (at < delegate.notBefore.getTime() || at > delegate.notAfter.getTime()) return `${who} is not valid at ${new Date(at).toISOString()}`;
  const weak = checkSignatureAlgorithm(delegate.signatureAlgorithm);
  if (weak !== undefined) return `${who} is ${weak.message}`;
  if (!verifySignedData(delegate.signatureAlgorithm, delegate.tbsDer, delegate.signatureValue, issuer)) return `${who} is not signed by the issuer's key`;
  return undefined;
}
