import { createHmac, webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { bmpPassword, bytewiseBmpPassword, KDF_PURPOSE, pkcs12Kdf, type Pkcs12KdfHash } from '../../src/cert/pkcs12-kdf.js';

// pkijs implements the same RFC 7292 B.2 KDF (straightforwardly, in pure JS) for its MAC: an
// independent implementation to compare the optimised iteration loops against.
const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });
const HASHES: Array<[Pkcs12KdfHash, string, number]> = [
  ['sha1', 'SHA-1', 20],
  ['sha256', 'SHA-256', 32],
  ['sha384', 'SHA-384', 48],
  ['sha512', 'SHA-512', 64],
];

describe('pkcs12Kdf (RFC 7292 B.2)', () => {
  it.each(HASHES)('%s MAC keys equal pkijs for several iteration counts and salt sizes', async (hash, pkijsName, size) => {
    const data = new TextEncoder().encode('authenticated safe');
    for (const [iterations, saltLength, password] of [
      [1, 8, 'secret'],
      [2, 20, ''],
      [2048, 64, 'correct horse'],
      [3001, 65, 'x'.repeat(70)],
    ] as const) {
      const salt = Uint8Array.from({ length: saltLength }, (_, i) => (i * 37 + iterations) & 0xff);
      const key = pkcs12Kdf(hash, bmpPassword(password), salt, KDF_PURPOSE.mac, iterations, size);
      const ours = createHmac(hash, key).update(data).digest();
      const theirs = await engine.stampDataWithPassword({
        password: new TextEncoder().encode(password).buffer as ArrayBuffer,
        hashAlgorithm: pkijsName,
        salt: salt.buffer as ArrayBuffer,
        iterationCount: iterations,
        contentToStamp: data.buffer as ArrayBuffer,
      });
      expect(ours.toString('hex'), `${iterations} iterations`).toBe(Buffer.from(theirs).toString('hex'));
    }
  });

  it('derives more than one digest block when asked (3DES key from SHA-1)', () => {
    const key = pkcs12Kdf('sha1', bmpPassword('pw'), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), KDF_PURPOSE.key, 2048, 24);
    expect(key.length).toBe(24);
    // The first 20 bytes are the single-block derivation.
    expect(Buffer.from(key.subarray(0, 20))).toEqual(Buffer.from(pkcs12Kdf('sha1', bmpPassword('pw'), Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), KDF_PURPOSE.key, 2048, 20)));
  });

  it('encodes passwords as NUL-terminated BMPStrings', () => {
    expect(Buffer.from(bmpPassword('')).toString('hex')).toBe('0000');
    expect(Buffer.from(bmpPassword('Aé')).toString('hex')).toBe('004100e90000');
    expect(Buffer.from(bmpPassword('😀')).toString('hex')).toBe('d83dde000000');
    expect(Buffer.from(bytewiseBmpPassword('é')).toString('hex')).toBe('00c300a90000');
  });
});
