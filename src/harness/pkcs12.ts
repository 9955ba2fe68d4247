/**
 * PKCS#12 writer: packs a private key and its certificate chain into a password-protected .p12
 * the way DigiCert ONE and OpenSSL 3 do by default: both the key bag and the certificates are
 * encrypted with PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC) and the archive carries a HMAC-SHA-256
 * MAC. The MAC key derivation (RFC 7292 appendix B) uses the same high iteration count as the
 * encryption, so the MAC is not the cheap way to guess the password.
 *
 * Structures and encryption come from pkijs; the MAC is computed with certgate's own KDF because
 * pkijs' pure-JS loop is 3-4 times slower at these iteration counts (npm run bench:harness).
 */
import { createHash, createHmac, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bmpPassword, KDF_PURPOSE, pkcs12Kdf } from '../cert/pkcs12-kdf.js';

/** Default PBKDF2 / MAC iteration count (OWASP 2023 guidance for PBKDF2-HMAC-SHA-256). */
export const PKCS12_DEFAULT_ITERATIONS = 600_000;
/** Fewest iterations `writePkcs12` accepts. */
export const PKCS12_MIN_ITERATIONS = 1_000;

/** What `writePkcs12` packs and how it protects it. */
export interface WritePkcs12Options {
  /** The private key (any type Node can export as PKCS#8). */
  readonly privateKey: KeyObject;
  /** The certificate for the key, DER. */
  readonly certificate: Uint8Array;
  /** Issuing certificates to include after it (DER), leaf-most first. */
  readonly chain?: readonly Uint8Array[];
  /** The archive password (UTF-8; non-empty). */
  readonly password: string;
  /** friendlyName shown by key stores (Windows, macOS, Java). */
  readonly friendlyName?: string;
  /** PBKDF2 and MAC iteration count; default {@link PKCS12_DEFAULT_ITERATIONS}. */
  readonly iterations?: number;
}

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const BAG = {
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
} as const;
const ATTRIBUTE = { friendlyName: '1.2.840.113549.1.9.20', localKeyId: '1.2.840.113549.1.9.21' } as const;

/** Writes a PKCS#12 archive (DER). The password is used only in memory and never stored or logged. */
export async function writePkcs12(options: WritePkcs12Options): Promise<Uint8Array> {
  const { privateKey, certificate, password } = options;
  const chain = options.chain ?? [];
  const iterations = options.iterations ?? PKCS12_DEFAULT_ITERATIONS;
  if (privateKey?.type !== 'private') throw new TypeError('writePkcs12: expected `privateKey` to be a private KeyObject');
  if (!(certificate instanceof Uint8Array) || certificate.length === 0) throw new TypeError('writePkcs12: expected `certificate` as DER bytes');
  if (!Array.isArray(chain) || !chain.every((c) => c instanceof Uint8Array)) throw new TypeError('writePkcs12: expected `chain` as an array of DER certificates');
  if (typeof password !== 'string' || password.length === 0) throw new TypeError('writePkcs12: expected a non-empty `password`');
  if (!Number.isSafeInteger(iterations) || iterations < PKCS12_MIN_ITERATIONS || iterations > 10_000_000) {
    throw new TypeError(`writePkcs12: expected \`iterations\` to be an integer from ${PKCS12_MIN_ITERATIONS} to 10000000, found ${String(iterations)}`);
  }

  const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });
  const passwordBytes = toArrayBuffer(Buffer.from(password, 'utf8'));
  // OpenSSL, Windows and Java link key and certificate through localKeyId = SHA-1(certificate).
  const localKeyId = createHash('sha1').update(certificate).digest();
  const attributes = (): pkijs.Attribute[] => [
    new pkijs.Attribute({ type: ATTRIBUTE.localKeyId, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(localKeyId) })] }),
    ...(options.friendlyName === undefined
      ? []
      : [new pkijs.Attribute({ type: ATTRIBUTE.friendlyName, values: [new asn1js.BmpString({ value: options.friendlyName })] })]),
  ];

  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(toArrayBuffer(pkcs8)) });
  const certBag = (der: Uint8Array): pkijs.CertBag => new pkijs.CertBag({ parsedValue: pkijs.Certificate.fromBER(toArrayBuffer(der)) });

  const encryption = {
    password: passwordBytes,
    contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 } as pkijs.ContentEncryptionAlgorithm,
    hmacHashAlgorithm: 'SHA-256',
    iterationCount: iterations,
  };
  await keyBag.makeInternalValues(encryption, engine);

  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    parsedValue: {
      safeContents: [
        {
          privacyMode: 1, // password-encrypted (EncryptedData)
          value: new pkijs.SafeContents({
            safeBags: [
              new pkijs.SafeBag({ bagId: BAG.certBag, bagValue: certBag(certificate), bagAttributes: attributes() }),
              ...chain.map((der) => new pkijs.SafeBag({ bagId: BAG.certBag, bagValue: certBag(der) })),
            ],
          }),
        },
        {
          privacyMode: 0, // plain Data: the key bag is already shrouded
          value: new pkijs.SafeContents({ safeBags: [new pkijs.SafeBag({ bagId: BAG.pkcs8ShroudedKeyBag, bagValue: keyBag, bagAttributes: attributes() })] }),
        },
      ],
    },
  });
  await authenticatedSafe.makeInternalValues({ safeContents: [encryption, {}] }, engine);

  const authSafeBytes = new Uint8Array(authenticatedSafe.toSchema().toBER(false));
  const macSalt = randomBytes(16);
  const macKey = pkcs12Kdf('sha256', bmpPassword(password), macSalt, KDF_PURPOSE.mac, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authSafeBytes).digest();

  const pfx = new pkijs.PFX({
    version: 3,
    authSafe: new pkijs.ContentInfo({ contentType: pkijs.ContentInfo.DATA, content: new asn1js.OctetString({ valueHex: toArrayBuffer(authSafeBytes) }) }),
    macData: new pkijs.MacData({
      mac: new pkijs.DigestInfo({
        digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID, algorithmParams: new asn1js.Null() }),
        digest: new asn1js.OctetString({ valueHex: toArrayBuffer(mac) }),
      }),
      macSalt: new asn1js.OctetString({ valueHex: toArrayBuffer(macSalt) }),
      iterations,
    }),
  });
  return new Uint8Array(pfx.toSchema().toBER(false));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
