/**
 * AlgorithmIdentifier decoding: signature algorithms (with RSASSA-PSS parameters) and
 * SubjectPublicKeyInfo key facts. Unknown algorithms are not errors here: they are reported by
 * OID, and src/verify decides (rejects) what it cannot check.
 */
import {
  DerReader,
  element,
  malformed,
  readIntegerBytes,
  readNull,
  readOctetAlignedBitString,
  readOid,
  readSmallNonNegative,
  TAG,
  type Tlv,
} from './der.js';
import type { HashName, KeyType, PublicKeyInfo, SignatureAlgorithm } from './types.js';

interface SignatureDef {
  readonly name: string;
  readonly keyType: KeyType;
  readonly hash: HashName | undefined;
}

const SIGNATURES: Readonly<Record<string, SignatureDef>> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', keyType: 'RSA', hash: undefined },
  '1.2.840.113549.1.1.3': { name: 'md4WithRSAEncryption', keyType: 'RSA', hash: undefined },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', keyType: 'RSA', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', keyType: 'RSA', hash: 'sha1' },
  '1.3.14.3.2.29': { name: 'sha1WithRSAEncryption', keyType: 'RSA', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', keyType: 'RSA', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', keyType: 'RSA', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', keyType: 'RSA', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', keyType: 'RSA', hash: 'sha512' },
  '1.2.840.113549.1.1.10': { name: 'rsassa-pss', keyType: 'RSA-PSS', hash: undefined },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', keyType: 'EC', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', keyType: 'EC', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', keyType: 'EC', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', keyType: 'EC', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', keyType: 'EC', hash: 'sha512' },
  '1.3.101.112': { name: 'Ed25519', keyType: 'Ed25519', hash: undefined },
  '1.3.101.113': { name: 'Ed448', keyType: 'Ed448', hash: undefined },
  '1.2.840.10040.4.3': { name: 'dsa-with-SHA1', keyType: 'DSA', hash: 'sha1' },
  '2.16.840.1.101.3.4.3.1': { name: 'dsa-with-SHA224', keyType: 'DSA', hash: 'sha224' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-SHA256', keyType: 'DSA', hash: 'sha256' },
};

const HASHES: Readonly<Record<string, HashName>> = {
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const MGF1 = '1.2.840.113549.1.1.8';
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
export const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';

const CURVES: Readonly<Record<string, { name: string; bits: number }>> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', bits: 256 },
  '1.3.132.0.34': { name: 'P-384', bits: 384 },
  '1.3.132.0.35': { name: 'P-521', bits: 521 },
  '1.3.132.0.10': { name: 'secp256k1', bits: 256 },
};

const KEY_TYPES: Readonly<Record<string, KeyType>> = {
  [OID_RSA_ENCRYPTION]: 'RSA',
  [OID_RSASSA_PSS]: 'RSA-PSS',
  '1.2.840.10045.2.1': 'EC',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
};

interface RawAlgorithm {
  readonly oid: string;
  /** The parameters element, when present. */
  readonly params: Tlv | undefined;
}

function readAlgorithmIdentifier(bytes: Uint8Array, tlv: Tlv, what: string): RawAlgorithm {
  const r = DerReader.inside(bytes, tlv);
  const oid = readOid(bytes, r.expect(TAG.OID, `algorithm of ${what}`), `algorithm of ${what}`);
  const params = r.atEnd ? undefined : r.next(`parameters of ${what}`);
  r.finish(what);
  return { oid, params };
}

/** Decodes a signature AlgorithmIdentifier (`tlv` is its SEQUENCE). */
export function readSignatureAlgorithm(bytes: Uint8Array, tlv: Tlv, what: string): SignatureAlgorithm {
  const { oid, params } = readAlgorithmIdentifier(bytes, tlv, what);
  const def = Object.hasOwn(SIGNATURES, oid) ? SIGNATURES[oid] : undefined;
  const pss = oid === OID_RSASSA_PSS && params !== undefined ? readPssParams(bytes, params, what) : undefined;
  return {
    oid,
    name: def?.name ?? oid,
    keyType: def?.keyType ?? 'unknown',
    hash: pss?.hash ?? def?.hash,
    pss,
    parameters: params === undefined ? undefined : element(bytes, params),
    der: element(bytes, tlv),
  };
}

type PssParams = NonNullable<SignatureAlgorithm['pss']>;

/**
 * RSASSA-PSS-params (RFC 4055): hash [0], maskGenAlgorithm [1], saltLength [2], trailerField [3],
 * each with its DEFAULT (sha1, mgf1SHA1, 20, 1). An unknown hash or MGF yields undefined, which
 * src/verify treats as an unsupported algorithm.
 */
function readPssParams(bytes: Uint8Array, tlv: Tlv, what: string): PssParams | undefined {
  if (tlv.tag !== TAG.SEQUENCE) {
    throw malformed(`expected SEQUENCE (0x30) for RSASSA-PSS parameters of ${what} at offset ${tlv.offset}, found 0x${tlv.tag.toString(16).padStart(2, '0')}`);
  }
  const r = DerReader.inside(bytes, tlv);
  let hash: HashName | undefined = 'sha1';
  let mgf1Hash: HashName | undefined = 'sha1';
  let saltLength = 20;
  let trailerField = 1;
  const hashTlv = r.optional(0xa0, 'hashAlgorithm');
  if (hashTlv !== undefined) hash = readHashAlgorithm(bytes, hashTlv, `hashAlgorithm of ${what}`);
  const mgfTlv = r.optional(0xa1, 'maskGenAlgorithm');
  if (mgfTlv !== undefined) {
    const inner = DerReader.inside(bytes, mgfTlv);
    const mgf = readAlgorithmIdentifier(bytes, inner.expect(TAG.SEQUENCE, `maskGenAlgorithm of ${what}`), `maskGenAlgorithm of ${what}`);
    inner.finish(`maskGenAlgorithm of ${what}`);
    if (mgf.oid !== MGF1 || mgf.params === undefined || mgf.params.tag !== TAG.SEQUENCE) {
      mgf1Hash = undefined;
    } else {
      const hashAlg = readAlgorithmIdentifier(bytes, mgf.params, `MGF1 hash of ${what}`);
      mgf1Hash = hashFromAlgorithm(bytes, hashAlg, `MGF1 hash of ${what}`);
    }
  }
  const saltTlv = r.optional(0xa2, 'saltLength');
  if (saltTlv !== undefined) {
    const inner = DerReader.inside(bytes, saltTlv);
    saltLength = readSmallNonNegative(bytes, inner.expect(TAG.INTEGER, `saltLength of ${what}`), `saltLength of ${what}`);
    inner.finish(`saltLength of ${what}`);
  }
  const trailerTlv = r.optional(0xa3, 'trailerField');
  if (trailerTlv !== undefined) {
    const inner = DerReader.inside(bytes, trailerTlv);
    trailerField = readSmallNonNegative(bytes, inner.expect(TAG.INTEGER, `trailerField of ${what}`), `trailerField of ${what}`);
    inner.finish(`trailerField of ${what}`);
  }
  r.finish(`RSASSA-PSS parameters of ${what}`);
  if (hash === undefined || mgf1Hash === undefined) return undefined;
  return { hash, mgf1Hash, saltLength, trailerField };
}

function readHashAlgorithm(bytes: Uint8Array, explicit: Tlv, what: string): HashName | undefined {
  const inner = DerReader.inside(bytes, explicit);
  const alg = readAlgorithmIdentifier(bytes, inner.expect(TAG.SEQUENCE, what), what);
  inner.finish(what);
  return hashFromAlgorithm(bytes, alg, what);
}

function hashFromAlgorithm(_bytes: Uint8Array, alg: RawAlgorithm, what: string): HashName | undefined {
  if (alg.params !== undefined) {
    // Hash parameters are NULL or absent (RFC 4055 allows both).
    if (alg.params.tag !== TAG.NULL) return undefined;
    readNull(alg.params, `parameters of ${what}`);
  }
  return Object.hasOwn(HASHES, alg.oid) ? HASHES[alg.oid] : undefined;
}

/** Decodes a SubjectPublicKeyInfo (`tlv` is its SEQUENCE). */
export function readPublicKeyInfo(bytes: Uint8Array, tlv: Tlv): PublicKeyInfo {
  const r = DerReader.inside(bytes, tlv);
  const algorithm = readAlgorithmIdentifier(bytes, r.expect(TAG.SEQUENCE, 'subjectPublicKeyInfo algorithm'), 'subjectPublicKeyInfo algorithm');
  const keyTlv = r.expect(TAG.BIT_STRING, 'subjectPublicKey');
  r.finish('subjectPublicKeyInfo');
  readOctetAlignedBitString(bytes, keyTlv, 'subjectPublicKey');
  const type: KeyType = Object.hasOwn(KEY_TYPES, algorithm.oid) ? (KEY_TYPES[algorithm.oid] as KeyType) : 'unknown';
  let bits = 0;
  let curve: string | undefined;
  switch (type) {
    case 'RSA':
    case 'RSA-PSS':
      bits = rsaModulusBits(bytes, keyTlv.start + 1, keyTlv.end);
      break;
    case 'EC': {
      const params = algorithm.params;
      if (params?.tag === TAG.OID) {
        const curveOid = readOid(bytes, params, 'namedCurve');
        const known = Object.hasOwn(CURVES, curveOid) ? CURVES[curveOid] : undefined;
        curve = known?.name ?? curveOid;
        bits = known?.bits ?? 0;
      } else {
        // specifiedCurve / implicitCurve: RFC 5480 forbids them; verify rejects.
        curve = 'explicit';
      }
      break;
    }
    case 'Ed25519':
      bits = 255;
      break;
    case 'Ed448':
      bits = 448;
      break;
    case 'DSA':
      bits = algorithm.params?.tag === TAG.SEQUENCE ? dsaPrimeBits(bytes, algorithm.params) : 0;
      break;
    default:
      break;
  }
  return { type, algorithmOid: algorithm.oid, bits, curve, spkiDer: element(bytes, tlv) };
}

/** Bit length of the modulus of the RSAPublicKey in bytes[start, end), ignoring the DER sign octet. */
function rsaModulusBits(bytes: Uint8Array, start: number, end: number): number {
  const r = new DerReader(bytes, start, end);
  const seq = DerReader.inside(bytes, r.expect(TAG.SEQUENCE, 'RSAPublicKey'));
  r.finish('RSAPublicKey');
  const modulusTlv = seq.expect(TAG.INTEGER, 'RSA modulus');
  const modulus = readIntegerBytes(bytes, modulusTlv, 'RSA modulus');
  if (((modulus[0] as number) & 0x80) !== 0) throw malformed(`negative RSA modulus at offset ${modulusTlv.offset}`);
  readIntegerBytes(bytes, seq.expect(TAG.INTEGER, 'RSA publicExponent'), 'RSA publicExponent');
  seq.finish('RSAPublicKey');
  return unsignedBits(modulus);
}

function dsaPrimeBits(bytes: Uint8Array, params: Tlv): number {
  const r = DerReader.inside(bytes, params);
  return unsignedBits(readIntegerBytes(bytes, r.expect(TAG.INTEGER, 'DSA p'), 'DSA p'));
}

function unsignedBits(value: Uint8Array): number {
  let i = 0;
  while (i < value.length && value[i] === 0) i++;
  if (i === value.length) return 0;
  return (value.length - i - 1) * 8 + (32 - Math.clz32(value[i] as number));
}
