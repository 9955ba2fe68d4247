/**
 * The key and signature-algorithm policy, and signature verification with node:crypto.
 *
 * Accepted public keys: RSA and RSASSA-PSS keys of 2048 to 8192 bits whose size is a multiple of
 * 8, EC keys on P-256, P-384 and P-521 (named curves only), Ed25519 and Ed448. Anything else is
 * WEAK_KEY: short RSA, DSA, P-192, secp256k1, explicit curve parameters, unknown algorithms.
 *
 * Accepted signatures: RSA PKCS#1 v1.5 and RSASSA-PSS with SHA-256/384/512 (PSS with MGF1 of the
 * same hash and trailer 1), ECDSA with SHA-256/384/512, Ed25519, Ed448. MD5 and SHA-1 are
 * WEAK_ALGORITHM, as is anything else (SHA-224, DSA, GOST, unknown OIDs).
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { DerReader, readOctetAlignedBitString, TAG } from '../cert/der.js';
import type { CertificateModel, PublicKeyInfo, SignatureAlgorithm } from '../cert/types.js';
import { problem, type Problem } from './problem.js';

/** RSA moduli below this are WEAK_KEY (NIST SP 800-131A, CA/B Forum BR 6.1.5). */
export const MIN_RSA_BITS = 2048;
/** RSA moduli above this are refused too: verification cost grows with the cube of the size. */
export const MAX_RSA_BITS = 8192;

const CURVES = new Set(['P-256', 'P-384', 'P-521']);
const HASHES = new Set(['sha256', 'sha384', 'sha512']);

const OID = {
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaSha384: '1.2.840.113549.1.1.12',
  rsaSha512: '1.2.840.113549.1.1.13',
  rsaPss: '1.2.840.113549.1.1.10',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
} as const;

/** Is this key acceptable in a certificate (its own subject key)? */
export function checkPublicKey(key: PublicKeyInfo): Problem | undefined {
  switch (key.type) {
    case 'RSA':
    case 'RSA-PSS':
      if (key.bits < MIN_RSA_BITS) return problem('WEAK_KEY', `RSA key of ${key.bits} bits; at least ${MIN_RSA_BITS} required`);
      if (key.bits > MAX_RSA_BITS) return problem('WEAK_KEY', `RSA key of ${key.bits} bits; at most ${MAX_RSA_BITS} accepted`);
      if (key.bits % 8 !== 0) return problem('WEAK_KEY', `RSA key of ${key.bits} bits; the size must be a multiple of 8 (CA/B Forum BR 6.1.5)`);
      return undefined;
    case 'EC':
      if (key.curve !== undefined && CURVES.has(key.curve)) return undefined;
      return problem('WEAK_KEY', `EC key on curve ${key.curve ?? 'unknown'}; expected a named P-256, P-384 or P-521 curve`);
    case 'Ed25519':
    case 'Ed448':
      return undefined;
    case 'DSA':
      return problem('WEAK_KEY', 'DSA key; expected RSA, EC (P-256/P-384/P-521), Ed25519 or Ed448');
    default:
      return problem('WEAK_KEY', `unsupported public key algorithm ${key.algorithmOid}`);
  }
}

function isNullOrAbsent(parameters: Uint8Array | undefined): boolean {
  return parameters === undefined || (parameters.length === 2 && parameters[0] === 0x05 && parameters[1] === 0x00);
}

/** Is this algorithm acceptable for a signature a certificate carries (made by its issuer)? */
export function checkSignatureAlgorithm(alg: SignatureAlgorithm): Problem | undefined {
  if (alg.hash === 'md5' || alg.hash === 'sha1') {
    return problem('WEAK_ALGORITHM', `signed with ${alg.name} (${alg.hash === 'md5' ? 'MD5' : 'SHA-1'}); expected SHA-256 or stronger`);
  }
  switch (alg.oid) {
    case OID.rsaSha256:
    case OID.rsaSha384:
    case OID.rsaSha512:
      return isNullOrAbsent(alg.parameters) ? undefined : problem('CERT_MALFORMED', `${alg.name} with parameters other than NULL`);
    case OID.ecdsaSha256:
    case OID.ecdsaSha384:
    case OID.ecdsaSha512:
    case OID.ed25519:
    case OID.ed448:
      return alg.parameters === undefined ? undefined : problem('CERT_MALFORMED', `${alg.name} with parameters (RFC 5758 / RFC 8410: must be absent)`);
    case OID.rsaPss: {
      const pss = alg.pss;
      if (pss === undefined) return problem('WEAK_ALGORITHM', 'RSASSA-PSS without parameters or with an unknown hash or mask generation function');
      if (!HASHES.has(pss.hash)) return problem('WEAK_ALGORITHM', `RSASSA-PSS with ${pss.hash}; expected SHA-256 or stronger`);
      if (pss.mgf1Hash !== pss.hash) return problem('WEAK_ALGORITHM', `RSASSA-PSS with MGF1 over ${pss.mgf1Hash} but message hash ${pss.hash}; they must be the same`);
      if (pss.trailerField !== 1) return problem('CERT_MALFORMED', `RSASSA-PSS with trailerField ${pss.trailerField}; expected 1`);
      return undefined;
    }
    default:
      return problem('WEAK_ALGORITHM', `unsupported signature algorithm ${alg.name}; expected RSA (PKCS#1 v1.5 or PSS) or ECDSA with SHA-256/384/512, Ed25519 or Ed448`);
  }
}

/** Which issuer key types can make a signature of this algorithm. */
function keyFits(alg: SignatureAlgorithm, key: PublicKeyInfo): boolean {
  switch (alg.oid) {
    case OID.rsaSha256:
    case OID.rsaSha384:
    case OID.rsaSha512:
      return key.type === 'RSA';
    case OID.rsaPss:
      return key.type === 'RSA' || key.type === 'RSA-PSS';
    case OID.ecdsaSha256:
    case OID.ecdsaSha384:
    case OID.ecdsaSha512:
      return key.type === 'EC';
    case OID.ed25519:
      return key.type === 'Ed25519';
    case OID.ed448:
      return key.type === 'Ed448';
    default:
      return false;
  }
}

// One KeyObject per certificate, built on first use (certificates are immutable and shared).
const keyObjects = new WeakMap<CertificateModel, KeyObject | null>();

/** AlgorithmIdentifier content of rsaEncryption with NULL parameters: OID 1.2.840.113549.1.1.1, NULL. */
const RSA_ENCRYPTION_NULL = Buffer.from('06092a864886f70d0101010500', 'hex');

/**
 * The RSAPublicKey (PKCS#1) inside a canonical rsaEncryption SubjectPublicKeyInfo, else undefined.
 * Why: with OpenSSL 3.0, node:crypto imports an SPKI through its generic decoder chain (~250 µs
 * for RSA-2048 here) but a PKCS#1 key in ~10 µs; the key is the same (the SPKI path decodes the
 * same RSAPublicKey), and this is the cost of every first verification with a new issuer key.
 * Anything but the exact shape (other algorithm, parameters other than NULL, trailing bytes)
 * keeps the SPKI path.
 */
function rsaPublicKeyOf(spki: Uint8Array): Buffer | undefined {
  try {
    const outer = new DerReader(spki);
    const seq = outer.expect(TAG.SEQUENCE, 'SubjectPublicKeyInfo');
    if (!outer.atEnd) return undefined;
    const inner = DerReader.inside(spki, seq);
    const alg = inner.expect(TAG.SEQUENCE, 'algorithm');
    if (alg.end - alg.start !== RSA_ENCRYPTION_NULL.length || !RSA_ENCRYPTION_NULL.equals(spki.subarray(alg.start, alg.end))) return undefined;
    const key = readOctetAlignedBitString(spki, inner.expect(TAG.BIT_STRING, 'subjectPublicKey'), 'subjectPublicKey');
    if (!inner.atEnd) return undefined;
    return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  } catch {
    return undefined;
  }
}

/** The certificate's public key as a KeyObject, or null when node:crypto cannot load it. */
export function publicKeyObject(cert: CertificateModel): KeyObject | null {
  let key = keyObjects.get(cert);
  if (key === undefined) {
    const spki = cert.publicKey.spkiDer;
    const pkcs1 = cert.publicKey.type === 'RSA' ? rsaPublicKeyOf(spki) : undefined;
    key = null;
    if (pkcs1 !== undefined) {
      try {
        key = createPublicKey({ key: pkcs1, format: 'der', type: 'pkcs1' });
      } catch {
        key = null;
      }
    }
    if (key === null) {
      try {
        key = createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: 'der', type: 'spki' });
      } catch {
        key = null;
      }
    }
    keyObjects.set(cert, key);
  }
  return key;
}

// Signature results per (child, issuer) pair: a certificate's signature never changes, so the
// middleware verifies each intermediate-to-anchor link once per process.
const signatureResults = new WeakMap<CertificateModel, WeakMap<CertificateModel, boolean>>();

/** The cached result of `child`'s signature under `issuer`'s key, if computed before. */
export function cachedSignatureResult(child: CertificateModel, issuer: CertificateModel): boolean | undefined {
  return signatureResults.get(child)?.get(issuer);
}

/**
 * Verifies `child`'s signature with `issuer`'s key. The algorithm must already have passed
 * `checkSignatureAlgorithm`. Returns a problem when the signature does not verify.
 */
export function verifySignature(child: CertificateModel, issuer: CertificateModel): Problem | undefined {
  const ok = signatureValid(child, issuer);
  let perChild = signatureResults.get(child);
  if (perChild === undefined) {
    perChild = new WeakMap();
    signatureResults.set(child, perChild);
  }
  perChild.set(issuer, ok);
  return ok ? undefined : problem('SIGNATURE_INVALID', `signature (${child.signatureAlgorithm.name}) does not verify with the key of its issuer "${issuer.subject.toString()}"`);
}

function signatureValid(child: CertificateModel, issuer: CertificateModel): boolean {
  return verifySignedData(child.signatureAlgorithm, child.tbsDer, child.signatureValue, issuer);
}

/**
 * Verifies a signature over `data` (a CRL's tbsCertList, an OCSP tbsResponseData, a
 * certificate's tbsCertificate) made with `alg` by the key of `signer`. The algorithm must already
 * have passed `checkSignatureAlgorithm`. Never throws.
 */
export function verifySignedData(alg: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array, signer: CertificateModel): boolean {
  if (!keyFits(alg, signer.publicKey)) return false;
  const key = publicKeyObject(signer);
  if (key === null) return false;
  try {
    if (alg.oid === OID.rsaPss) {
      const pss = alg.pss;
      if (pss === undefined) return false;
      return verify(pss.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, signature);
    }
    if (alg.oid === OID.ed25519 || alg.oid === OID.ed448) return verify(null, data, key, signature);
    if (alg.hash === undefined) return false;
    if (key.asymmetricKeyType === 'rsa') return verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return verify(alg.hash, data, key, signature);
  } catch {
    // node:crypto throws on some malformed signatures (bad DER in ECDSA, wrong length): invalid.
    return false;
  }
}

const selfSignedResults = new WeakMap<CertificateModel, boolean>();

/**
 * Does `cert`'s own key verify its signature ("self-signed" in RFC 5280 4.2.1.1, whatever its
 * issuer name says)? Any hash node:crypto supports is used here, SHA-1 included: this decides only
 * whether the AKI exemption applies, never whether a signature is trusted.
 */
export function isSelfSigned(cert: CertificateModel): boolean {
  let result = selfSignedResults.get(cert);
  if (result === undefined) {
    result = selfSignatureValid(cert);
    selfSignedResults.set(cert, result);
  }
  return result;
}

function selfSignatureValid(cert: CertificateModel): boolean {
  const alg = cert.signatureAlgorithm;
  const key = publicKeyObject(cert);
  if (key === null) return false;
  try {
    if (alg.keyType === 'Ed25519' || alg.keyType === 'Ed448') return verify(null, cert.tbsDer, key, cert.signatureValue);
    if (alg.pss !== undefined) {
      return verify(alg.pss.hash, cert.tbsDer, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.pss.saltLength }, cert.signatureValue);
    }
    if (alg.hash === undefined || alg.keyType !== (cert.publicKey.type === 'RSA-PSS' ? 'RSA' : cert.publicKey.type)) return false;
    return verify(alg.hash, cert.tbsDer, key, cert.signatureValue);
  } catch {
    return false;
  }
}
