/**
 * The PKCS#12 key derivation function (RFC 7292 appendix B.2) and password encoding.
 *
 * PKCS#12 derives the MAC key (and, in the legacy PBEs, the cipher key and IV) by hashing the
 * salt and the password `iterations` times. Files use from 1 to millions of iterations, so the
 * iteration loop for SHA-1 and SHA-256 (the digests real files use) runs on a fixed one-block
 * message without allocation (node:crypto's per-call overhead made a createHash loop about twice
 * as slow).
 */
import { createHash } from 'node:crypto';

/** Digests the PKCS#12 KDF is defined for here (u = digest size, v = block size, in bytes). */
export type Pkcs12KdfHash = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

const HASH_SIZES: Readonly<Record<Pkcs12KdfHash, { readonly u: number; readonly v: number }>> = {
  sha1: { u: 20, v: 64 },
  sha224: { u: 28, v: 64 },
  sha256: { u: 32, v: 64 },
  sha384: { u: 48, v: 128 },
  sha512: { u: 64, v: 128 },
};

/** What the derived bytes are for (the "ID" diversifier of RFC 7292 B.3). */
export const KDF_PURPOSE = { key: 1, iv: 2, mac: 3 } as const;

/**
 * The password as PKCS#12 wants it: a BMPString (UTF-16BE) with a two-byte NUL terminator.
 * Characters outside the BMP become surrogate pairs, as OpenSSL 3 does.
 */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const unit = password.charCodeAt(i);
    out[i * 2] = unit >>> 8;
    out[i * 2 + 1] = unit & 0xff;
  }
  return out;
}

/**
 * The encoding older OpenSSL releases used for non-ASCII passwords: each UTF-8 byte taken as one
 * 16-bit character. Tried as a fallback so archives written by them still open.
 */
export function bytewiseBmpPassword(password: string): Uint8Array {
  const bytes = Buffer.from(password, 'utf8');
  const out = new Uint8Array(bytes.length * 2 + 2);
  for (let i = 0; i < bytes.length; i++) out[i * 2 + 1] = bytes[i] ?? 0;
  return out;
}

/**
 * RFC 7292 B.2: derive `length` bytes for `purpose` from a BMP-encoded password and a salt.
 * The caller bounds `iterations` (the cost is linear in it).
 */
export function pkcs12Kdf(
  hash: Pkcs12KdfHash,
  password: Uint8Array,
  salt: Uint8Array,
  purpose: (typeof KDF_PURPOSE)[keyof typeof KDF_PURPOSE],
  iterations: number,
  length: number,
): Uint8Array {
  const { u, v } = HASH_SIZES[hash];
  const D = new Uint8Array(v).fill(purpose);
  const S = repeatTo(salt, v * Math.ceil(salt.length / v));
  const P = repeatTo(password, v * Math.ceil(password.length / v));
  const I = new Uint8Array(S.length + P.length);
  I.set(S);
  I.set(P, S.length);
  const blocks = Math.ceil(length / u);
  const out = new Uint8Array(blocks * u);
  for (let i = 0; i < blocks; i++) {
    const first = createHash(hash).update(D).update(I).digest();
    const A = iterateDigest(hash, new Uint8Array(first), iterations - 1);
    out.set(A, i * u);
    if (i === blocks - 1) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, B = A repeated to v bytes.
    const B = repeatTo(A, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (I[j + k] ?? 0) + (B[k] ?? 0) + carry;
        I[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return out.subarray(0, length);
}

function repeatTo(source: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (source.length === 0) return out;
  for (let i = 0; i < length; i++) out[i] = source[i % source.length] ?? 0;
  return out;
}

/** Applies the digest `count` more times to a digest-sized value. */
function iterateDigest(hash: Pkcs12KdfHash, digest: Uint8Array, count: number): Uint8Array {
  if (count <= 0) return digest;
  if (hash === 'sha256') return sha256Iterate(digest, count);
  if (hash === 'sha1') return sha1Iterate(digest, count);
  let value: Uint8Array = digest;
  for (let i = 0; i < count; i++) value = createHash(hash).update(value).digest();
  return value;
}

const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const H256 = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** SHA-256 applied `count` times to a 32-byte value: always one padded block (length 256 bits). */
function sha256Iterate(input: Uint8Array, count: number): Uint8Array {
  const h = new Int32Array(8);
  const w = new Int32Array(64);
  for (let i = 0; i < 8; i++) h[i] = readU32(input, i * 4);
  for (let round = 0; round < count; round++) {
    for (let i = 0; i < 8; i++) w[i] = h[i]!;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = 256;
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = H256[0]!, b = H256[1]!, c = H256[2]!, d = H256[3]!, e = H256[4]!, f = H256[5]!, g = H256[6]!, hh = H256[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K256[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (H256[0]! + a) | 0;
    h[1] = (H256[1]! + b) | 0;
    h[2] = (H256[2]! + c) | 0;
    h[3] = (H256[3]! + d) | 0;
    h[4] = (H256[4]! + e) | 0;
    h[5] = (H256[5]! + f) | 0;
    h[6] = (H256[6]! + g) | 0;
    h[7] = (H256[7]! + hh) | 0;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeU32(out, i * 4, h[i]!);
  return out;
}

/** SHA-1 applied `count` times to a 20-byte value: always one padded block (length 160 bits). */
function sha1Iterate(input: Uint8Array, count: number): Uint8Array {
  const h = new Int32Array(5);
  const w = new Int32Array(80);
  for (let i = 0; i < 5; i++) h[i] = readU32(input, i * 4);
  for (let round = 0; round < count; round++) {
    for (let i = 0; i < 5; i++) w[i] = h[i]!;
    w[5] = 0x80000000 | 0;
    for (let i = 6; i < 15; i++) w[i] = 0;
    w[15] = 160;
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = 0x67452301 | 0, b = 0xefcdab89 | 0, c = 0x98badcfe | 0, d = 0x10325476 | 0, e = 0xc3d2e1f0 | 0;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h[0] = (0x67452301 + a) | 0;
    h[1] = ((0xefcdab89 | 0) + b) | 0;
    h[2] = ((0x98badcfe | 0) + c) | 0;
    h[3] = (0x10325476 + d) | 0;
    h[4] = ((0xc3d2e1f0 | 0) + e) | 0;
  }
  const out = new Uint8Array(20);
  for (let i = 0; i < 5; i++) writeU32(out, i * 4, h[i]!);
  return out;
}

function readU32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) | 0;
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}
