/**
 * Key pairs for the test PKI: generated concurrently on libuv's threadpool (RSA-4096 generation
 * takes about a second per key, so doing them one after the other would take minutes), and
 * optionally kept in a key cache directory so later runs only re-issue certificates.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

/** What kind of key to make. */
export type KeySpec = { readonly type: 'rsa'; readonly bits: 1024 | 2048 | 3072 | 4096 } | { readonly type: 'ec'; readonly curve: 'P-256' | 'P-384' };

/** A private key and how it was obtained. */
export interface TestKey {
  readonly name: string;
  readonly spec: KeySpec;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#8 PEM of the private key. */
  readonly pem: string;
  /** SubjectPublicKeyInfo DER. */
  readonly spki: Uint8Array;
  readonly fromCache: boolean;
}

/** Key names become file names: keep them to a safe alphabet. */
const KEY_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** File name of a key in a key cache directory. */
export function keyFileName(name: string): string {
  return `${name}.key.pem`;
}

/** Parses the `--key` option form: rsa2048, rsa4096, p256 (and rsa3072, p384). */
export function parseKeySpec(value: string): KeySpec | undefined {
  switch (value.toLowerCase()) {
    case 'rsa2048':
      return { type: 'rsa', bits: 2048 };
    case 'rsa3072':
      return { type: 'rsa', bits: 3072 };
    case 'rsa4096':
      return { type: 'rsa', bits: 4096 };
    case 'p256':
    case 'ec-p256':
      return { type: 'ec', curve: 'P-256' };
    case 'p384':
    case 'ec-p384':
      return { type: 'ec', curve: 'P-384' };
    default:
      return undefined;
  }
}

/** A short description such as "RSA-4096" or "EC P-256". */
export function describeKeySpec(spec: KeySpec): string {
  return spec.type === 'rsa' ? `RSA-${spec.bits}` : `EC ${spec.curve}`;
}

/** True when `key` is of the kind `spec` asks for. */
export function keyMatchesSpec(key: KeyObject, spec: KeySpec): boolean {
  const details = key.asymmetricKeyDetails;
  if (spec.type === 'rsa') return key.asymmetricKeyType === 'rsa' && details?.modulusLength === spec.bits && details.publicExponent === 65537n;
  const curve = spec.curve === 'P-256' ? 'prime256v1' : 'secp384r1';
  return key.asymmetricKeyType === 'ec' && details?.namedCurve === curve;
}

/** Generates a fresh key pair (asynchronously, on the threadpool). */
export async function generateTestKey(name: string, spec: KeySpec): Promise<TestKey> {
  const { privateKey } =
    spec.type === 'rsa'
      ? await generateKeyPairAsync('rsa', { modulusLength: spec.bits, publicExponent: 0x10001 })
      : await generateKeyPairAsync('ec', { namedCurve: spec.curve });
  return toTestKey(name, spec, privateKey, false);
}

function toTestKey(name: string, spec: KeySpec, privateKey: KeyObject, fromCache: boolean): TestKey {
  const publicKey = createPublicKey(privateKey);
  return {
    name,
    spec,
    privateKey,
    publicKey,
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    spki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    fromCache,
  };
}

/**
 * Obtains every key in `specs`: from `cacheDir` when a cached key of the right kind is there,
 * otherwise generated (all missing keys concurrently) and, with a cache, stored in it.
 */
export async function obtainKeys(specs: ReadonlyMap<string, KeySpec>, cacheDir: string | undefined): Promise<Map<string, TestKey>> {
  for (const name of specs.keys()) {
    if (!KEY_NAME.test(name)) throw new TypeError(`key name "${name}" must match ${String(KEY_NAME)}`);
  }
  const entries = await Promise.all(
    [...specs].map(async ([name, spec]): Promise<[string, TestKey]> => {
      const cached = cacheDir === undefined ? undefined : await readCachedKey(cacheDir, name, spec);
      if (cached !== undefined) return [name, cached];
      const key = await generateTestKey(name, spec);
      if (cacheDir !== undefined) await writeKeyFile(path.join(cacheDir, keyFileName(name)), key.pem);
      return [name, key];
    }),
  );
  return new Map(entries);
}

async function readCachedKey(cacheDir: string, name: string, spec: KeySpec): Promise<TestKey | undefined> {
  let pem: string;
  try {
    pem = await readFile(path.join(cacheDir, keyFileName(name)), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const privateKey = createPrivateKey(pem);
    // A key of another kind (the spec changed) is replaced rather than silently reused.
    return keyMatchesSpec(privateKey, spec) ? toTestKey(name, spec, privateKey, true) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a key file atomically (temp file + rename), owner-readable only. */
export async function writeKeyFile(file: string, pem: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, pem, { mode: 0o600 });
  await rename(temp, file);
}

/** WebCrypto signing key for a private key and digest (WebCrypto binds the digest to the key). */
export async function cryptoSigningKey(key: KeyObject, hash: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'): Promise<webcrypto.CryptoKey> {
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType === 'rsa') {
    return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
  }
  if (key.asymmetricKeyType === 'ec') {
    const namedCurve = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
    return webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve }, false, ['sign']);
  }
  throw new TypeError(`cannot sign certificates with a ${String(key.asymmetricKeyType)} key; expected RSA or EC`);
}
