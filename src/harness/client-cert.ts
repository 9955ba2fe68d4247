/**
 * Issuing a client-authentication certificate from a CA the user holds (the DigiCert ONE / SAP
 * "client authentication certificate" flow behind `certgate pki issue`): a nickname, a fixed end
 * date, a fresh key, EKU clientAuth.
 */
import { X509Certificate as NodeX509Certificate, type KeyObject } from 'node:crypto';
import { parseCertificate } from '../cert/parse.js';
import {
  authorityKeyId,
  basicConstraints,
  createCertificate,
  extKeyUsage,
  KU,
  keyUsage,
  OID,
  randomSerial,
  subjectKeyId,
  type SignatureHash,
} from './issue.js';
import { generateTestKey, type KeySpec } from './keys.js';
import * as x509 from './x509.js';

/** Nicknames: letters, digits, spaces, dashes, underscores (DigiCert ONE's rule), 1 to 64 characters (the CN upper bound). */
export const NICKNAME_PATTERN = /^[A-Za-z0-9 _-]+$/;
/** The longest nickname (the upper bound of a CN). */
export const NICKNAME_MAX_LENGTH = 64;

/** Why a nickname is not acceptable, or undefined when it is. */
export function nicknameProblem(nickname: string): string | undefined {
  if (nickname.length === 0) return 'the nickname is empty';
  if (nickname.length > NICKNAME_MAX_LENGTH) return `the nickname has ${nickname.length} characters; at most ${NICKNAME_MAX_LENGTH} are allowed`;
  if (!NICKNAME_PATTERN.test(nickname)) {
    const bad = [...nickname].find((c) => !NICKNAME_PATTERN.test(c)) ?? '';
    return `the nickname may only contain letters, digits, spaces, dashes and underscores; found ${JSON.stringify(bad)}`;
  }
  if (nickname.trim() !== nickname) return 'the nickname must not start or end with a space';
  return undefined;
}

/** The form nicknames are compared in for uniqueness: case-insensitive, runs of spaces collapsed. */
export function nicknameKey(nickname: string): string {
  return nickname.toLowerCase().replace(/ +/g, ' ');
}

/** A file name for a nickname: spaces become dashes. */
export function nicknameFileStem(nickname: string): string {
  return nickname.replace(/ +/g, '-');
}

/** Options of `issueClientCertificate`: the issuing CA, the nickname and the validity. */
export interface IssueClientCertificateOptions {
  /** The issuing CA: certificate (DER) and private key. */
  readonly ca: { readonly certificate: Uint8Array; readonly privateKey: KeyObject };
  readonly nickname: string;
  /** End of validity (inclusive). */
  readonly notAfter: Date;
  /** Issuance time. Default: now. notBefore is 5 minutes earlier, to tolerate client clock skew. */
  readonly now?: Date;
  /** Key of the new certificate. Default RSA-2048. */
  readonly key?: KeySpec;
}

/** A newly issued client certificate with its key, as DER, PEM and PKCS#12. */
export interface IssuedClientCertificate {
  readonly certificate: Uint8Array;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 of the DER, uppercase hex. */
  readonly sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo, base64 (the pin form). */
  readonly spkiSha256: string;
}

const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Issues a client-authentication certificate (CN = nickname, EKU clientAuth, CA:FALSE) signed by
 * the CA. Throws TypeError with a hint when the CA cannot issue it (not a CA, no keyCertSign, key
 * not matching, validity not covering the requested window) or an option is bad.
 */
export async function issueClientCertificate(options: IssueClientCertificateOptions): Promise<IssuedClientCertificate> {
  const problem = nicknameProblem(options.nickname);
  if (problem !== undefined) throw new TypeError(problem);
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  if (Number.isNaN(now.getTime())) throw new TypeError('expected `now` to be a valid Date');
  const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter = new Date(Math.floor(options.notAfter.getTime() / 1000) * 1000);
  if (Number.isNaN(notAfter.getTime())) throw new TypeError('expected the end date to be a valid date');
  if (notAfter.getTime() <= now.getTime()) throw new TypeError(`the end date ${notAfter.toISOString()} is not after the issuance time ${now.toISOString()}`);

  let caCert: NodeX509Certificate;
  let caX509: x509.X509Certificate;
  try {
    caCert = new NodeX509Certificate(options.ca.certificate);
    caX509 = new x509.X509Certificate(toArrayBuffer(options.ca.certificate));
  } catch {
    throw new TypeError('the CA certificate is not a readable X.509 certificate');
  }
  if (!caCert.ca) throw new TypeError(`the CA certificate (${caCert.subject.replace(/\n/g, ', ')}) is not a CA (basicConstraints CA:TRUE missing)`);
  const ku = caX509.getExtension(x509.KeyUsagesExtension);
  if (ku !== null && (ku.usages & KU.keyCertSign) === 0) throw new TypeError('the CA certificate\'s key usage does not include keyCertSign');
  if (options.ca.privateKey.type !== 'private' || !caCert.checkPrivateKey(options.ca.privateKey)) {
    throw new TypeError('the CA private key does not belong to the CA certificate');
  }
  const caNotBefore = new Date(caCert.validFrom);
  const caNotAfter = new Date(caCert.validTo);
  if (now < caNotBefore) throw new TypeError(`the CA certificate is not valid before ${caNotBefore.toISOString()}`);
  if (notAfter > caNotAfter) {
    throw new TypeError(`the CA certificate expires on ${caNotAfter.toISOString()}, before the requested end date ${notAfter.toISOString()}; choose an earlier --end or fewer --days`);
  }

  const key = await generateTestKey('issued', options.key ?? { type: 'rsa', bits: 2048 });
  const caSpki = new Uint8Array(caCert.publicKey.export({ format: 'der', type: 'spki' }));
  // Point AKI at the CA's own SKI when it has one (it may not be computed with method 1).
  const caSki = caX509.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = caSki === null ? authorityKeyId(caSpki) : new x509.AuthorityKeyIdentifierExtension(caSki.keyId, false);
  const hash: SignatureHash = options.ca.privateKey.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'SHA-384' : 'SHA-256';
  const cert = await createCertificate({
    subject: [['CN', options.nickname]],
    serial: randomSerial(),
    notBefore,
    notAfter,
    publicKey: key.spki,
    signer: { cert: caX509, key: options.ca.privateKey },
    hash,
    extensions: [
      aki,
      subjectKeyId(key.spki),
      keyUsage(key.spec.type === 'rsa' ? KU.digitalSignature | KU.keyEncipherment : KU.digitalSignature),
      basicConstraints(false),
      extKeyUsage(OID.clientAuth),
    ],
  });
  const der = new Uint8Array(cert.rawData);
  const model = parseCertificate(der);
  return {
    certificate: der,
    certificatePem: model.toPem(),
    privateKey: key.privateKey,
    subject: model.subject.toString(),
    issuer: model.issuer.toString(),
    serial: model.serialNumber,
    notBefore,
    notAfter,
    sha256: model.sha256,
    spkiSha256: model.spkiSha256Base64,
  };
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
