/**
 * Issuing one X.509 certificate with @peculiar/x509 over WebCrypto, with control over what
 * real CAs control and test zoos need: name string types, serial, extension set and order, and
 * the signature digest (including SHA-1, for the weak-algorithm zoo case).
 */
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { cryptoSigningKey } from './keys.js';
import * as x509 from './x509.js';

/** Digest of a certificate signature. */
export type SignatureHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** Name attributes certgate's test certificates use, most general first. */
export type NameAttributeType = 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN' | 'E';
export type NameSpec = ReadonlyArray<readonly [NameAttributeType, string]>;

const NAME_OIDS: Readonly<Record<NameAttributeType, string>> = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  E: '1.2.840.113549.1.9.1',
};

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** A Name with the string types real CAs use: IA5String for emailAddress, PrintableString where it fits, else UTF8String. */
export function buildName(spec: NameSpec): x509.Name {
  return new x509.Name(
    spec.map(([type, value]) => ({
      [NAME_OIDS[type]]: [type === 'E' ? { ia5String: value } : PRINTABLE.test(value) ? { printableString: value } : { utf8String: value }],
    })),
  );
}

/** The signer of a certificate: an issuing CA, or the subject's own key for a self-signed one. */
export type Signer = { readonly cert: x509.X509Certificate; readonly key: KeyObject } | { readonly selfSigned: true; readonly key: KeyObject };

export interface CertificateParams {
  readonly subject: NameSpec;
  /** Serial as hex (positive; DER keeps a leading 00 when the top bit is set). */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo DER of the subject's key. */
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
  readonly hash: SignatureHash;
  /** Extensions, in the order they are encoded. */
  readonly extensions: readonly x509.Extension[];
}

/** Issues and signs a certificate. */
export async function createCertificate(params: CertificateParams): Promise<x509.X509Certificate> {
  const signingKey = await cryptoSigningKey(params.signer.key, params.hash);
  const issuer = 'cert' in params.signer ? params.signer.cert.subjectName : buildName(params.subject);
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: params.serial,
      subject: buildName(params.subject),
      issuer,
      notBefore: params.notBefore,
      notAfter: params.notAfter,
      publicKey: new x509.PublicKey(toArrayBuffer(params.publicKey)),
      signingKey,
      signingAlgorithm: signingKey.algorithm.name === 'ECDSA' ? ({ name: 'ECDSA', hash: params.hash } as EcdsaParams) : signingKey.algorithm,
      extensions: [...params.extensions],
    },
    globalThis.crypto,
  );
}
type EcdsaParams = Parameters<typeof x509.X509CertificateGenerator.create>[0]['signingAlgorithm'];

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING, uppercase hex. */
export function keyIdentifier(spki: Uint8Array): string {
  const parsed = asn1js.fromBER(spki);
  const bitString = parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value[1] : undefined;
  if (!(bitString instanceof asn1js.BitString)) throw new TypeError('expected a SubjectPublicKeyInfo');
  return createHash('sha1').update(bitString.valueBlock.valueHexView).digest('hex').toUpperCase();
}

/** A serial of `bytes` bytes with the top bit clear and a non-zero first byte (so DER keeps all of them), as hex. */
export function serialFromBytes(bytes: Uint8Array): string {
  const copy = Uint8Array.from(bytes);
  copy[0] = (copy[0]! & 0x7f) || 0x01;
  return Buffer.from(copy).toString('hex').toUpperCase();
}

/** A fresh random 16-byte serial (the size CAs use since CA/B Forum ballot 164 asks for 64+ random bits). */
export function randomSerial(): string {
  return serialFromBytes(randomBytes(16));
}

// --- Extensions ------------------------------------------------------------------------------

export const OID = {
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyPolicy: '2.5.29.32.0',
  cps: '1.3.6.1.5.5.7.2.1',
  certificatePolicies: '2.5.29.32',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ocsp: '1.3.6.1.5.5.7.48.1',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
} as const;

export const KU = x509.KeyUsageFlags;

export function basicConstraints(ca: boolean, pathLength?: number): x509.Extension {
  return new x509.BasicConstraintsExtension(ca, pathLength, true);
}

export function keyUsage(flags: number): x509.Extension {
  return new x509.KeyUsagesExtension(flags, true);
}

export function extKeyUsage(...oids: string[]): x509.Extension {
  return new x509.ExtendedKeyUsageExtension(oids, false);
}

export function subjectKeyId(spki: Uint8Array): x509.Extension {
  return new x509.SubjectKeyIdentifierExtension(keyIdentifier(spki), false);
}

export function authorityKeyId(issuerSpki: Uint8Array): x509.Extension {
  return new x509.AuthorityKeyIdentifierExtension(keyIdentifier(issuerSpki), false);
}

/** certificatePolicies with optional CPS URI qualifiers, e.g. [[oid, cpsUri], [oid]]. */
export function certificatePolicies(policies: ReadonlyArray<readonly [string, string?]>): x509.Extension {
  const value = new asn1js.Sequence({
    value: policies.map(
      ([policy, cps]) =>
        new asn1js.Sequence({
          value: [
            new asn1js.ObjectIdentifier({ value: policy }),
            ...(cps === undefined
              ? []
              : [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.cps }), new asn1js.IA5String({ value: cps })] })] })]),
          ],
        }),
    ),
  });
  return new x509.Extension(OID.certificatePolicies, false, value.toBER(false));
}

export function crlDistributionPoints(urls: readonly string[]): x509.Extension {
  return new x509.CRLDistributionPointsExtension([...urls], false);
}

/** authorityInfoAccess with caIssuers first and OCSP second, the order Sectigo uses. */
export function authorityInfoAccess(access: { readonly caIssuers?: string; readonly ocsp?: string }): x509.Extension {
  const uri = (value: string): asn1js.Primitive =>
    new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 6 }, valueHex: new TextEncoder().encode(value) });
  const descriptions: asn1js.Sequence[] = [];
  if (access.caIssuers !== undefined) descriptions.push(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.caIssuers }), uri(access.caIssuers)] }));
  if (access.ocsp !== undefined) descriptions.push(new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.ocsp }), uri(access.ocsp)] }));
  return new x509.Extension(OID.authorityInfoAccess, false, new asn1js.Sequence({ value: descriptions }).toBER(false));
}

export function subjectAltName(names: { readonly email?: readonly string[]; readonly dns?: readonly string[]; readonly ip?: readonly string[] }): x509.Extension {
  return new x509.SubjectAlternativeNameExtension(
    [
      ...(names.email ?? []).map((value) => ({ type: 'email' as const, value })),
      ...(names.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(names.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
    ],
    false,
  );
}

/** An extension with an arbitrary OID and a UTF8String value (for the unknown-critical-extension case). */
export function opaqueExtension(oid: string, critical: boolean, text: string): x509.Extension {
  return new x509.Extension(oid, critical, new asn1js.Utf8String({ value: text }).toBER(false));
}

/** id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1): a NULL value. */
export function ocspNoCheck(): x509.Extension {
  return new x509.Extension(OID.ocspNoCheck, false, new asn1js.Null().toBER(false));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
