/**
 * PKCS#12 (.p12 / .pfx) reader: the archive format in which customers upload a client
 * certificate and its key (Uptrends' vault, DigiCert ONE, SAP, Windows, macOS, Java, OpenSSL).
 *
 * Reads both the modern encoding (PBES2: PBKDF2 + AES-CBC, SHA-256 MAC; OpenSSL 3's default) and
 * the legacy one (`openssl pkcs12 -legacy`, older Windows and Java: PKCS#12 PBEs with RC2-40,
 * 3DES or RC4 and a SHA-1 MAC). The archive is hostile input: its size, its ASN.1 nesting and node
 * count, the number of bags, and the total KDF work (iterations) are bounded, and every failure
 * is a `ClientCertError` with code PKCS12_BAD_PASSWORD (the MAC does not verify under the
 * password) or PKCS12_MALFORMED (anything else, including unsupported algorithms), never another
 * exception. Messages never contain the password or key material.
 */
import { createDecipheriv, createHmac, createPrivateKey, createPublicKey, pbkdf2Sync, timingSafeEqual, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import { ClientCertError } from '../errors.js';
import { rc2CbcDecrypt, rc4 } from './legacy-ciphers.js';
import { bmpPassword, bytewiseBmpPassword, KDF_PURPOSE, pkcs12Kdf, type Pkcs12KdfHash } from './pkcs12-kdf.js';

/** Limits for reading an archive. Defaults suit every archive seen in practice. */
export interface ReadPkcs12Options {
  /** Largest archive accepted, in bytes. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Largest iteration count accepted for one key derivation. Default 2,000,000. */
  readonly maxIterations?: number;
  /** Total iterations over all key derivations of one archive (bounds the CPU a file can cost). Default 5,000,000. */
  readonly maxTotalIterations?: number;
  /** Most bags (keys, certificates, other) accepted. Default 256. */
  readonly maxBags?: number;
}

/** A certificate found in the archive, as DER, with the bag's attributes. */
export interface Pkcs12Certificate {
  readonly der: Uint8Array;
  /** The friendlyName attribute (PKCS#9), if present. */
  readonly friendlyName: string | undefined;
  /** The localKeyId attribute (PKCS#9), uppercase hex, if present. */
  readonly localKeyId: string | undefined;
}

/** What `readPkcs12` found. */
export interface Pkcs12Contents {
  /** The first private key in the archive (bags in file order), or undefined when it holds none. */
  readonly privateKey: KeyObject | undefined;
  /** The friendlyName of that key's bag, if present. */
  readonly friendlyName: string | undefined;
  /** The certificate for `privateKey` (same localKeyId, else same public key), DER. */
  readonly certificate: Uint8Array | undefined;
  /** The other certificates (usually the issuing chain), in file order, DER. */
  readonly chain: readonly Uint8Array[];
  /** Every certificate bag, in file order. */
  readonly certificates: readonly Pkcs12Certificate[];
  /** Number of private keys found (only the first is returned). */
  readonly keyCount: number;
  /** How the archive's integrity was protected. */
  readonly integrity:
    | { readonly mode: 'password-mac'; readonly algorithm: string; readonly iterations: number }
    | { readonly mode: 'none' };
  /** The encryption schemes used, e.g. "PBES2 PBKDF2-hmacWithSHA256 aes-256-cbc, 600000 iterations". */
  readonly encryption: readonly string[];
}

const DEFAULTS = { maxBytes: 1024 * 1024, maxIterations: 2_000_000, maxTotalIterations: 5_000_000, maxBags: 256 } as const;
const MAX_SAFE_CONTENTS_NESTING = 4;

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
} as const;

const DIGESTS: Readonly<Record<string, Pkcs12KdfHash>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

const HMAC_PRFS: Readonly<Record<string, Pkcs12KdfHash>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

const PBES2_CIPHERS: Readonly<Record<string, { readonly name: string; readonly keyLength: number; readonly ivLength: number }>> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24, ivLength: 16 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32, ivLength: 16 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};

interface Pkcs12Pbe {
  readonly name: string;
  readonly cipher: 'rc4' | 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2-cbc';
  readonly keyLength: number;
  readonly ivLength: number;
}
const PKCS12_PBES: Readonly<Record<string, Pkcs12Pbe>> = {
  '1.2.840.113549.1.12.1.1': { name: 'pbeWithSHAAnd128BitRC4', cipher: 'rc4', keyLength: 16, ivLength: 0 },
  '1.2.840.113549.1.12.1.2': { name: 'pbeWithSHAAnd40BitRC4', cipher: 'rc4', keyLength: 5, ivLength: 0 },
  '1.2.840.113549.1.12.1.3': { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
  '1.2.840.113549.1.12.1.4': { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', cipher: 'des-ede-cbc', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.5': { name: 'pbeWithSHAAnd128BitRC2-CBC', cipher: 'rc2-cbc', keyLength: 16, ivLength: 8 },
  '1.2.840.113549.1.12.1.6': { name: 'pbeWithSHAAnd40BitRC2-CBC', cipher: 'rc2-cbc', keyLength: 5, ivLength: 8 },
};

/** A structural problem; turned into PKCS12_MALFORMED at the top. */
class Malformed extends Error {}
/** Decryption failed; a wrong password when nothing else can tell (no MAC). */
class DecryptFailed extends Error {}

interface ReadState {
  readonly limits: Required<ReadPkcs12Options>;
  /** Password encodings to use: BMPString for the PKCS#12 KDF, raw UTF-8 for PBKDF2. */
  bmp: Uint8Array;
  utf8: Uint8Array;
  iterationsUsed: number;
  bags: number;
  readonly encryption: Set<string>;
  readonly keys: Array<{ key: KeyObject; friendlyName: string | undefined; localKeyId: string | undefined }>;
  readonly certificates: Pkcs12Certificate[];
}

/**
 * Reads a PKCS#12 archive protected by `password`.
 *
 * @throws ClientCertError PKCS12_BAD_PASSWORD when the integrity MAC does not verify under the
 *   password (or, for an archive without MAC, when decryption fails); PKCS12_MALFORMED for
 *   anything that is not a readable PKCS#12 archive, an unsupported algorithm, or a limit exceeded.
 */
export function readPkcs12(bytes: Uint8Array, password: string, options: ReadPkcs12Options = {}): Pkcs12Contents {
  const limits: Required<ReadPkcs12Options> = {
    maxBytes: options.maxBytes ?? DEFAULTS.maxBytes,
    maxIterations: options.maxIterations ?? DEFAULTS.maxIterations,
    maxTotalIterations: options.maxTotalIterations ?? DEFAULTS.maxTotalIterations,
    maxBags: options.maxBags ?? DEFAULTS.maxBags,
  };
  if (!(bytes instanceof Uint8Array)) throw new TypeError('readPkcs12: expected the archive as a Uint8Array (or Buffer)');
  if (typeof password !== 'string') throw new TypeError('readPkcs12: expected the password as a string');
  try {
    return readArchive(bytes, password, limits);
  } catch (error) {
    if (error instanceof ClientCertError) throw error;
    if (error instanceof DecryptFailed) {
      throw new ClientCertError('PKCS12_BAD_PASSWORD', `PKCS#12 archive could not be decrypted with the password given and has no MAC to tell why (${error.message}); expected the archive's password`);
    }
    const reason = error instanceof Malformed ? error.message : `unexpected structure (${error instanceof Error ? error.name : 'error'})`;
    throw new ClientCertError('PKCS12_MALFORMED', `not a readable PKCS#12 archive: ${reason}`, { cause: error instanceof Malformed ? undefined : error });
  }
}

function readArchive(bytes: Uint8Array, password: string, limits: Required<ReadPkcs12Options>): Pkcs12Contents {
  if (bytes.length === 0) throw new Malformed('the file is empty');
  if (bytes.length > limits.maxBytes) throw new Malformed(`the file is ${bytes.length} bytes, more than the limit of ${limits.maxBytes}`);
  const pfx = parseDer(bytes, 'PFX', true);
  const [versionNode, authSafeNode, macDataNode, ...extra] = children(pfx, 'PFX');
  if (extra.length > 0) throw new Malformed('PFX has more than three fields');
  const version = smallInt(versionNode, 'PFX version');
  if (version !== 3) throw new Malformed(`PFX version is ${version}, expected 3`);
  const [authSafeType, authSafeContent] = contentInfo(authSafeNode, 'authSafe');
  if (authSafeType === OID.signedData) throw new Malformed('public-key integrity mode (signedData) is not supported; expected password integrity');
  if (authSafeType !== OID.data) throw new Malformed(`authSafe content type ${authSafeType} is not supported; expected data`);
  if (authSafeContent === undefined) throw new Malformed('authSafe has no content');
  const authSafeBytes = octets(authSafeContent, 'authSafe content');

  const state: ReadState = {
    limits,
    bmp: bmpPassword(password),
    utf8: Buffer.from(password, 'utf8'),
    iterationsUsed: 0,
    bags: 0,
    encryption: new Set(),
    keys: [],
    certificates: [],
  };

  let integrity: Pkcs12Contents['integrity'] = { mode: 'none' };
  if (macDataNode !== undefined) {
    integrity = verifyMac(macDataNode, authSafeBytes, password, state);
  }

  const authSafe = parseDer(authSafeBytes, 'AuthenticatedSafe', false);
  const contentInfos = children(authSafe, 'AuthenticatedSafe');
  if (contentInfos.length > limits.maxBags) throw new Malformed(`AuthenticatedSafe has ${contentInfos.length} parts, more than the limit of ${limits.maxBags}`);
  const macVerified = integrity.mode === 'password-mac';
  for (const [index, node] of contentInfos.entries()) {
    const [type, content] = contentInfo(node, `AuthenticatedSafe[${index}]`);
    if (content === undefined) throw new Malformed(`AuthenticatedSafe[${index}] has no content`);
    let safeContents: Uint8Array;
    if (type === OID.data) {
      safeContents = octets(content, 'SafeContents');
    } else if (type === OID.encryptedData) {
      safeContents = decryptEncryptedData(content, state, macVerified);
    } else if (type === OID.envelopedData) {
      throw new Malformed('public-key privacy mode (envelopedData) is not supported');
    } else {
      throw new Malformed(`AuthenticatedSafe[${index}] has content type ${type}, expected data or encryptedData`);
    }
    readSafeContents(safeContents, state, macVerified, 0);
  }

  const first = state.keys[0];
  let certificate: Pkcs12Certificate | undefined;
  if (first !== undefined) {
    certificate = first.localKeyId === undefined ? undefined : state.certificates.find((c) => c.localKeyId === first.localKeyId);
    if (certificate === undefined) {
      const spki = Buffer.from(createPublicKey(first.key).export({ format: 'der', type: 'spki' }));
      certificate = state.certificates.find((c) => {
        const certSpki = certificateSpki(c.der);
        return certSpki !== undefined && spki.equals(certSpki);
      });
    }
  }
  return {
    privateKey: first?.key,
    friendlyName: first?.friendlyName,
    certificate: certificate?.der,
    chain: state.certificates.filter((c) => c !== certificate).map((c) => c.der),
    certificates: state.certificates,
    keyCount: state.keys.length,
    integrity,
    encryption: [...state.encryption],
  };
}

// ---------------------------------------------------------------------------------------------
// Integrity

function verifyMac(node: asn1js.AsnType, authSafeBytes: Uint8Array, password: string, state: ReadState): Pkcs12Contents['integrity'] {
  const [digestInfo, saltNode, iterNode, ...extra] = children(node, 'MacData');
  if (extra.length > 0) throw new Malformed('MacData has extra fields');
  const [algNode, digestNode] = children(digestInfo, 'MacData digest');
  const [algOid, algParams] = algorithm(algNode, 'MacData digest algorithm');
  const expected = octets(digestNode, 'MacData digest');
  const salt = octets(saltNode, 'MacData salt');
  const iterations = iterNode === undefined ? 1 : smallInt(iterNode, 'MacData iterations');

  if (algOid === OID.pbmac1) {
    // RFC 9579: the MAC key comes from PBKDF2 over the UTF-8 password; macSalt/iterations unused.
    const [kdfNode, schemeNode] = children(required(algParams, 'PBMAC1 parameters'), 'PBMAC1 parameters');
    const [schemeOid] = algorithm(schemeNode, 'PBMAC1 messageAuthScheme');
    const hmacHash = HMAC_PRFS[schemeOid];
    if (hmacHash === undefined) throw new Malformed(`PBMAC1 message authentication scheme ${schemeOid} is not supported`);
    const kdf = pbkdf2Params(kdfNode, state);
    const keyLength = kdf.keyLength ?? HASH_LENGTH[hmacHash];
    const key = pbkdf2Sync(state.utf8, kdf.salt, kdf.iterations, keyLength, kdf.prf);
    if (!macEquals(createHmac(hmacHash, key).update(authSafeBytes).digest(), expected)) {
      throw badPassword();
    }
    return { mode: 'password-mac', algorithm: `PBMAC1 hmacWith${hmacHash.toUpperCase()}`, iterations: kdf.iterations };
  }

  const hash = DIGESTS[algOid];
  if (hash === undefined) throw new Malformed(`MAC digest algorithm ${algOid} is not supported`);
  if (salt.length === 0 || salt.length > 1024) throw new Malformed(`MAC salt is ${salt.length} bytes, expected 1 to 1024`);
  // Candidate password encodings: the standard one; for non-ASCII passwords the one older
  // OpenSSL used; for an empty password also "no password" (OpenSSL tries both).
  const candidates: Uint8Array[] = [bmpPassword(password)];
  if (/[^\x00-\x7f]/.test(password)) candidates.push(bytewiseBmpPassword(password));
  if (password === '') candidates.push(new Uint8Array(0));
  for (const candidate of candidates) {
    spendIterations(state, iterations, 'MAC');
    const key = pkcs12Kdf(hash, candidate, salt, KDF_PURPOSE.mac, iterations, HASH_LENGTH[hash]);
    if (macEquals(createHmac(hash, key).update(authSafeBytes).digest(), expected)) {
      state.bmp = candidate;
      if (candidate.length === 0) state.utf8 = new Uint8Array(0);
      return { mode: 'password-mac', algorithm: `HMAC-${hash.toUpperCase()}`, iterations };
    }
  }
  throw badPassword();
}

const HASH_LENGTH: Readonly<Record<Pkcs12KdfHash, number>> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

function macEquals(actual: Buffer, expected: Uint8Array): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function badPassword(): ClientCertError {
  return new ClientCertError('PKCS12_BAD_PASSWORD', 'PKCS#12 integrity check (MAC) failed: expected the archive\'s password, found a different one (or the archive was altered)');
}

function spendIterations(state: ReadState, iterations: number, what: string): void {
  if (iterations < 1) throw new Malformed(`${what} iteration count is ${iterations}, expected at least 1`);
  if (iterations > state.limits.maxIterations) {
    throw new Malformed(`${what} iteration count is ${iterations}, more than the limit of ${state.limits.maxIterations}`);
  }
  state.iterationsUsed += iterations;
  if (state.iterationsUsed > state.limits.maxTotalIterations) {
    throw new Malformed(`the archive needs more than ${state.limits.maxTotalIterations} key-derivation iterations in total`);
  }
}

// ---------------------------------------------------------------------------------------------
// Bags

function readSafeContents(bytes: Uint8Array, state: ReadState, macVerified: boolean, depth: number): void {
  if (depth > MAX_SAFE_CONTENTS_NESTING) throw new Malformed(`safe contents nested more than ${MAX_SAFE_CONTENTS_NESTING} deep`);
  const safeContents = parseDer(bytes, 'SafeContents', false);
  readBags(children(safeContents, 'SafeContents'), state, macVerified, depth);
}

function readBags(bags: asn1js.AsnType[], state: ReadState, macVerified: boolean, depth: number): void {
  for (const bag of bags) {
    state.bags += 1;
    if (state.bags > state.limits.maxBags) throw new Malformed(`the archive has more than ${state.limits.maxBags} bags`);
    const [idNode, valueWrapper, attributesNode] = children(bag, 'SafeBag');
    const bagId = oid(idNode, 'SafeBag id');
    const value = explicit(valueWrapper, 0, 'SafeBag value');
    const attributes = attributesNode === undefined ? { friendlyName: undefined, localKeyId: undefined } : bagAttributes(attributesNode);
    switch (bagId) {
      case OID.keyBag:
        state.keys.push({ key: privateKeyFromPkcs8(berBytes(value), macVerified, false), ...attributes });
        break;
      case OID.pkcs8ShroudedKeyBag: {
        const [algNode, dataNode] = children(value, 'EncryptedPrivateKeyInfo');
        const plain = decrypt(algNode, octets(dataNode, 'encrypted private key'), state, macVerified);
        state.keys.push({ key: privateKeyFromPkcs8(plain, macVerified, true), ...attributes });
        break;
      }
      case OID.certBag: {
        const [certType, certValue] = children(value, 'CertBag');
        const type = oid(certType, 'CertBag type');
        // Only X.509 certificates matter here; SDSI certificates are skipped.
        if (type === OID.x509Certificate) {
          state.certificates.push({ der: octets(explicit(certValue, 0, 'CertBag value'), 'certificate'), ...attributes });
        }
        break;
      }
      case OID.safeContentsBag:
        readBags(children(value, 'nested SafeContents'), state, macVerified, depth + 1);
        break;
      default:
        // CRL and secret bags carry nothing certgate uses.
        break;
    }
  }
}

function bagAttributes(node: asn1js.AsnType): { friendlyName: string | undefined; localKeyId: string | undefined } {
  let friendlyName: string | undefined;
  let localKeyId: string | undefined;
  for (const attribute of children(node, 'bag attributes')) {
    const [typeNode, valuesNode] = children(attribute, 'bag attribute');
    const type = oid(typeNode, 'bag attribute type');
    const first = valuesNode === undefined ? undefined : children(valuesNode, 'bag attribute values')[0];
    if (first === undefined) continue;
    if (type === OID.friendlyName && friendlyName === undefined && first instanceof asn1js.BmpString) {
      friendlyName = first.getValue();
    } else if (type === OID.localKeyId && localKeyId === undefined && first instanceof asn1js.OctetString) {
      localKeyId = Buffer.from(octets(first, 'localKeyId')).toString('hex').toUpperCase();
    }
  }
  return { friendlyName, localKeyId };
}

function privateKeyFromPkcs8(der: Uint8Array, macVerified: boolean, wasEncrypted: boolean): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (error) {
    // Without a MAC, a wrong password can decrypt to well-padded garbage.
    if (wasEncrypted && !macVerified) throw new DecryptFailed('the decrypted private key is not a PKCS#8 key');
    throw new Malformed(`private key is not a readable PKCS#8 key (${error instanceof Error ? error.message : 'unknown reason'})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Decryption

function decryptEncryptedData(encryptedData: asn1js.AsnType, state: ReadState, macVerified: boolean): Uint8Array {
  const [versionNode, eci] = children(encryptedData, 'EncryptedData');
  smallInt(versionNode, 'EncryptedData version');
  const [typeNode, algNode, contentNode] = children(eci, 'EncryptedContentInfo');
  const type = oid(typeNode, 'EncryptedContentInfo type');
  if (type !== OID.data) throw new Malformed(`encrypted content type is ${type}, expected data`);
  if (contentNode === undefined) throw new Malformed('EncryptedContentInfo has no encrypted content');
  if (contentNode.idBlock.tagClass !== 3 || contentNode.idBlock.tagNumber !== 0) throw new Malformed('encrypted content is not tagged [0]');
  return decrypt(algNode, implicitOctets(contentNode), state, macVerified);
}

function decrypt(algNode: asn1js.AsnType | undefined, data: Uint8Array, state: ReadState, macVerified: boolean): Uint8Array {
  const [algOid, params] = algorithm(algNode, 'encryption algorithm');
  try {
    if (algOid === OID.pbes2) return decryptPbes2(required(params, 'PBES2 parameters'), data, state);
    const pbe = PKCS12_PBES[algOid];
    if (pbe !== undefined) return decryptPkcs12Pbe(pbe, required(params, `${pbe.name} parameters`), data, state);
  } catch (error) {
    if (!(error instanceof DecryptFailed)) throw error;
    // With a verified MAC the password is right, so a decryption failure means a broken archive.
    if (macVerified) throw new Malformed(`decryption failed although the MAC verified (${error.message})`);
    throw error;
  }
  throw new Malformed(`encryption algorithm ${algOid} is not supported`);
}

function decryptPkcs12Pbe(
  pbe: Pkcs12Pbe,
  params: asn1js.AsnType,
  data: Uint8Array,
  state: ReadState,
): Uint8Array {
  const [saltNode, iterNode] = children(params, `${pbe.name} parameters`);
  const salt = octets(saltNode, 'PBE salt');
  if (salt.length === 0 || salt.length > 1024) throw new Malformed(`PBE salt is ${salt.length} bytes, expected 1 to 1024`);
  const iterations = smallInt(iterNode, 'PBE iterations');
  spendIterations(state, iterations, pbe.name);
  // Key and IV are derived separately, each costing the iteration count.
  if (pbe.ivLength > 0) spendIterations(state, iterations, pbe.name);
  state.encryption.add(`${pbe.name}, ${iterations} iterations`);
  const key = pkcs12Kdf('sha1', state.bmp, salt, KDF_PURPOSE.key, iterations, pbe.keyLength);
  const iv = pbe.ivLength > 0 ? pkcs12Kdf('sha1', state.bmp, salt, KDF_PURPOSE.iv, iterations, pbe.ivLength) : new Uint8Array(0);
  try {
    if (pbe.cipher === 'rc4') return rc4(key, data);
    if (pbe.cipher === 'rc2-cbc') return rc2CbcDecrypt(key, pbe.keyLength * 8, iv, data);
    return nodeDecrypt(pbe.cipher, key, iv, data);
  } catch (error) {
    if (error instanceof Malformed) throw error;
    throw new DecryptFailed(`${pbe.name}: ${error instanceof Error ? error.message : 'failed'}`);
  }
}

function decryptPbes2(params: asn1js.AsnType, data: Uint8Array, state: ReadState): Uint8Array {
  const [kdfNode, schemeNode] = children(params, 'PBES2 parameters');
  const [schemeOid, ivNode] = algorithm(schemeNode, 'PBES2 encryption scheme');
  const cipher = PBES2_CIPHERS[schemeOid];
  if (cipher === undefined) throw new Malformed(`PBES2 encryption scheme ${schemeOid} is not supported`);
  const iv = octets(required(ivNode, 'PBES2 IV'), 'PBES2 IV');
  if (iv.length !== cipher.ivLength) throw new Malformed(`PBES2 IV is ${iv.length} bytes, expected ${cipher.ivLength} for ${cipher.name}`);
  const kdf = pbkdf2Params(kdfNode, state);
  if (kdf.keyLength !== undefined && kdf.keyLength !== cipher.keyLength) {
    throw new Malformed(`PBKDF2 key length is ${kdf.keyLength}, expected ${cipher.keyLength} for ${cipher.name}`);
  }
  state.encryption.add(`PBES2 PBKDF2-hmacWith${kdf.prf.toUpperCase()} ${cipher.name}, ${kdf.iterations} iterations`);
  const key = pbkdf2Sync(state.utf8, kdf.salt, kdf.iterations, cipher.keyLength, kdf.prf);
  try {
    return nodeDecrypt(cipher.name, key, iv, data);
  } catch (error) {
    throw new DecryptFailed(`${cipher.name}: ${error instanceof Error ? error.message : 'failed'}`);
  }
}

function pbkdf2Params(node: asn1js.AsnType | undefined, state: ReadState): { salt: Uint8Array; iterations: number; keyLength: number | undefined; prf: Pkcs12KdfHash } {
  const [kdfOid, kdfParams] = algorithm(node, 'key derivation function');
  if (kdfOid !== OID.pbkdf2) throw new Malformed(`key derivation function ${kdfOid} is not supported; expected PBKDF2`);
  const fields = children(required(kdfParams, 'PBKDF2 parameters'), 'PBKDF2 parameters');
  const [saltNode, iterNode, ...rest] = fields;
  if (!(saltNode instanceof asn1js.OctetString)) throw new Malformed('PBKDF2 salt is not an OCTET STRING (other salt sources are not supported)');
  const salt = octets(saltNode, 'PBKDF2 salt');
  if (salt.length === 0 || salt.length > 1024) throw new Malformed(`PBKDF2 salt is ${salt.length} bytes, expected 1 to 1024`);
  const iterations = smallInt(iterNode, 'PBKDF2 iterations');
  let keyLength: number | undefined;
  let prf: Pkcs12KdfHash = 'sha1';
  for (const field of rest) {
    if (field instanceof asn1js.Integer && keyLength === undefined) {
      keyLength = smallInt(field, 'PBKDF2 key length');
      if (keyLength < 1 || keyLength > 64) throw new Malformed(`PBKDF2 key length ${keyLength} is out of range`);
    } else {
      const [prfOid] = algorithm(field, 'PBKDF2 PRF');
      const hash = HMAC_PRFS[prfOid];
      if (hash === undefined) throw new Malformed(`PBKDF2 PRF ${prfOid} is not supported`);
      prf = hash;
    }
  }
  spendIterations(state, iterations, 'PBKDF2');
  return { salt, iterations, keyLength, prf };
}

function nodeDecrypt(cipher: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const decipher = createDecipheriv(cipher, key, iv);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

// ---------------------------------------------------------------------------------------------
// ASN.1 helpers over asn1js (BER: Windows and Java write indefinite lengths and constructed strings)

function parseDer(bytes: Uint8Array, what: string, wholeInput: boolean): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes, { maxDepth: 40, maxNodes: 50_000, parseEmbedded: false });
  if (parsed.offset === -1 || parsed.result.error !== '') throw new Malformed(`${what} is not valid BER/DER`);
  if (wholeInput && parsed.offset !== bytes.length) throw new Malformed(`${what} is followed by ${bytes.length - parsed.offset} unexpected bytes`);
  return parsed.result;
}

function children(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence) && !(node instanceof asn1js.Set)) throw new Malformed(`${what} is not a SEQUENCE`);
  return items(node);
}

/** Elements of a constructed node, without the end-of-contents marker of an indefinite length. */
function items(node: asn1js.Constructed): asn1js.AsnType[] {
  return node.valueBlock.value.filter((item) => !(item instanceof asn1js.EndOfContent));
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Malformed(`${what} missing`);
  return value;
}

function oid(node: asn1js.AsnType | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw new Malformed(`${what} is not an OBJECT IDENTIFIER`);
  return node.getValue();
}

function smallInt(node: asn1js.AsnType | undefined, what: string): number {
  if (!(node instanceof asn1js.Integer)) throw new Malformed(`${what} is not an INTEGER`);
  const value = node.toBigInt();
  if (value < 0n || value > 0x7fffffffn) throw new Malformed(`${what} is out of range`);
  return Number(value);
}

/** OCTET STRING content, primitive or constructed (BER). */
function octets(node: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!(node instanceof asn1js.OctetString)) throw new Malformed(`${what} is not an OCTET STRING`);
  return new Uint8Array(node.getValue());
}

/** Content of an [n] IMPLICIT OCTET STRING: primitive, or constructed from OCTET STRING pieces. */
function implicitOctets(node: asn1js.AsnType): Uint8Array {
  if (node instanceof asn1js.Constructed) {
    return Buffer.concat(items(node).map((piece) => octets(piece, 'encrypted content segment')));
  }
  if (node instanceof asn1js.Primitive) return new Uint8Array(node.valueBlock.valueHexView);
  throw new Malformed('encrypted content is neither primitive nor constructed');
}

/** The single element inside an [n] EXPLICIT wrapper. */
function explicit(node: asn1js.AsnType | undefined, tag: number, what: string): asn1js.AsnType {
  if (!(node instanceof asn1js.Constructed) || node.idBlock.tagClass !== 3 || node.idBlock.tagNumber !== tag) {
    throw new Malformed(`${what} is not an [${tag}] EXPLICIT element`);
  }
  const [inner, ...extra] = items(node);
  if (inner === undefined || extra.length > 0) throw new Malformed(`${what} must hold exactly one element`);
  return inner;
}

function contentInfo(node: asn1js.AsnType | undefined, what: string): [string, asn1js.AsnType | undefined] {
  const [typeNode, contentNode] = children(node, what);
  const type = oid(typeNode, `${what} content type`);
  return [type, contentNode === undefined ? undefined : explicit(contentNode, 0, `${what} content`)];
}

function algorithm(node: asn1js.AsnType | undefined, what: string): [string, asn1js.AsnType | undefined] {
  const [idNode, params] = children(node, what);
  const id = oid(idNode, what);
  return [id, params instanceof asn1js.Null ? undefined : params];
}

/** The BER encoding of a node as it was read (for a keyBag's PrivateKeyInfo). */
function berBytes(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.toBER(false));
}

/** SubjectPublicKeyInfo DER of a certificate, or undefined when it cannot be found. */
function certificateSpki(der: Uint8Array): Uint8Array | undefined {
  try {
    const parsed = asn1js.fromBER(der, { maxDepth: 20, maxNodes: 5000, parseEmbedded: false });
    if (parsed.offset === -1) return undefined;
    const tbs = children(parsed.result, 'certificate')[0];
    const fields = children(tbs, 'tbsCertificate');
    // version [0] is optional; the SPKI is the 6th field after it.
    const offset = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
    const spki = fields[offset + 5];
    return spki === undefined ? undefined : new Uint8Array(spki.toBER(false));
  } catch {
    return undefined;
  }
}
