/**
 * Decryption for the ciphers of legacy PKCS#12 files that Node's OpenSSL 3 no longer offers
 * without the legacy provider: RC2 (RFC 2268) in CBC mode and RC4. `openssl pkcs12 -export -legacy`
 * (and Windows before 2019, macOS Keychain, Java < 12) encrypt certificates with 40-bit RC2, so
 * reading real-world archives needs it. Decryption only: certgate never writes these.
 */

// RFC 2268 section 2: PITABLE, a permutation of 0..255 derived from the digits of pi.
const PITABLE = Uint8Array.from(
  Buffer.from(
    'd978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2179a59f587b34f1361456d8d09817d32' +
      'bd8f40eb86b77b0bf09521225c6b4e8254d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626' +
      '6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed708e8eade8052eef784aa72ac354d6a2a' +
      '961ad2715a1549744b9fd05e0418a4ecc2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731' +
      '2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a90d38341bab33ffb0bb480c5fb9b1cd2e' +
      'c5f3db47e5a59c770aa62068fe7fc1ad',
    'hex',
  ),
);

/** RFC 2268 key expansion: 64 16-bit round keys for a key of 1..128 bytes and `effectiveBits`. */
function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  if (key.length < 1 || key.length > 128) throw new RangeError(`RC2 key must be 1..128 bytes, found ${key.length}`);
  if (effectiveBits < 1 || effectiveBits > 1024) throw new RangeError(`RC2 effective key bits must be 1..1024, found ${effectiveBits}`);
  const L = new Uint8Array(128);
  L.set(key);
  const T = key.length;
  for (let i = T; i < 128; i++) L[i] = PITABLE[(L[i - 1]! + L[i - T]!) & 0xff]!;
  const T8 = Math.ceil(effectiveBits / 8);
  const TM = 0xff >> (8 * T8 - effectiveBits);
  L[128 - T8] = PITABLE[L[128 - T8]! & TM]!;
  for (let i = 127 - T8; i >= 0; i--) L[i] = PITABLE[L[i + 1]! ^ L[i + T8]!]!;
  const K = new Uint16Array(64);
  for (let i = 0; i < 64; i++) K[i] = L[2 * i]! | (L[2 * i + 1]! << 8);
  return K;
}

const SHIFTS = [1, 2, 3, 5] as const;

function rc2DecryptBlock(K: Uint16Array, block: Uint8Array, offset: number, out: Uint8Array): void {
  const R = new Uint16Array(4);
  for (let i = 0; i < 4; i++) R[i] = block[offset + 2 * i]! | (block[offset + 2 * i + 1]! << 8);
  let j = 63;
  const reverseMix = (): void => {
    for (let i = 3; i >= 0; i--) {
      const s = SHIFTS[i]!;
      const r = R[i]!;
      R[i] = ((r >>> s) | (r << (16 - s))) & 0xffff;
      R[i] = (R[i]! - K[j]! - (R[(i + 3) & 3]! & R[(i + 2) & 3]!) - (~R[(i + 3) & 3]! & R[(i + 1) & 3]!)) & 0xffff;
      j--;
    }
  };
  const reverseMash = (): void => {
    for (let i = 3; i >= 0; i--) R[i] = (R[i]! - K[R[(i + 3) & 3]! & 63]!) & 0xffff;
  };
  for (let n = 0; n < 5; n++) reverseMix();
  reverseMash();
  for (let n = 0; n < 6; n++) reverseMix();
  reverseMash();
  for (let n = 0; n < 5; n++) reverseMix();
  for (let i = 0; i < 4; i++) {
    out[2 * i] = R[i]! & 0xff;
    out[2 * i + 1] = R[i]! >>> 8;
  }
}

/** RC2 in ECB mode on whole 8-byte blocks (exported for the RFC 2268 test vectors). */
export function rc2EcbDecrypt(key: Uint8Array, effectiveBits: number, data: Uint8Array): Uint8Array {
  if (data.length % 8 !== 0) throw new RangeError('RC2 ciphertext must be a multiple of 8 bytes');
  const K = rc2ExpandKey(key, effectiveBits);
  const out = new Uint8Array(data.length);
  const block = new Uint8Array(8);
  for (let off = 0; off < data.length; off += 8) {
    rc2DecryptBlock(K, data, off, block);
    out.set(block, off);
  }
  return out;
}

/**
 * RC2-CBC decryption with PKCS#7 padding removed. Throws RangeError for a bad length or padding
 * (for PKCS#12 that usually means a wrong password when the archive carries no MAC).
 */
export function rc2CbcDecrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 8) throw new RangeError(`RC2 IV must be 8 bytes, found ${iv.length}`);
  if (data.length === 0 || data.length % 8 !== 0) throw new RangeError('RC2-CBC ciphertext must be a non-empty multiple of 8 bytes');
  const K = rc2ExpandKey(key, effectiveBits);
  const out = new Uint8Array(data.length);
  const block = new Uint8Array(8);
  let previous = iv;
  for (let off = 0; off < data.length; off += 8) {
    rc2DecryptBlock(K, data, off, block);
    for (let i = 0; i < 8; i++) out[off + i] = block[i]! ^ previous[i]!;
    previous = data.subarray(off, off + 8);
  }
  return stripPkcs7Padding(out, 8);
}

/** RC4 (a stream cipher: encryption and decryption are the same operation). */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length < 1 || key.length > 256) throw new RangeError(`RC4 key must be 1..256 bytes, found ${key.length}`);
  const S = new Uint8Array(256);
  for (let i = 0; i < 256; i++) S[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + S[i]! + key[i % key.length]!) & 0xff;
    const t = S[i]!;
    S[i] = S[j]!;
    S[j] = t;
  }
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + S[i]!) & 0xff;
    const t = S[i]!;
    S[i] = S[j]!;
    S[j] = t;
    out[n] = data[n]! ^ S[(S[i]! + S[j]!) & 0xff]!;
  }
  return out;
}

/** Removes PKCS#7 padding, checking every pad byte. */
export function stripPkcs7Padding(data: Uint8Array, blockSize: number): Uint8Array {
  const pad = data[data.length - 1] ?? 0;
  if (pad < 1 || pad > blockSize || pad > data.length) throw new RangeError('bad padding');
  for (let i = data.length - pad; i < data.length; i++) if (data[i] !== pad) throw new RangeError('bad padding');
  return data.subarray(0, data.length - pad);
}
