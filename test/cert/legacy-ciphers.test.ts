import { describe, expect, it } from 'vitest';
import { rc2CbcDecrypt, rc2EcbDecrypt, rc4, stripPkcs7Padding } from '../../src/cert/legacy-ciphers.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));

describe('RC2 (RFC 2268)', () => {
  // RFC 2268 section 5: key, effective key bits, plaintext, ciphertext.
  const vectors: Array<[string, number, string, string]> = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
  ];
  it.each(vectors)('key %s, %i effective bits', (key, bits, plain, cipher) => {
    expect(Buffer.from(rc2EcbDecrypt(hex(key), bits, hex(cipher))).toString('hex')).toBe(plain);
  });

  // Made with `openssl enc -rc2-40-cbc` / `-rc2-cbc` (legacy provider) from PLAIN.
  const PLAIN = 'certgate RC2-CBC test vector, three blocks+';
  it('RC2-40-CBC decrypts what OpenSSL encrypted, padding removed', () => {
    const out = rc2CbcDecrypt(hex('0102030405'), 40, hex('0807060504030201'), hex('97eebdd0af8a734e0420dcd90df0bfaef363bbcc8b42a2f73690a8d089f331ea20c6369b91873da250e2bac4a8001d2b'));
    expect(Buffer.from(out).toString()).toBe(PLAIN);
  });
  it('RC2-128-CBC decrypts what OpenSSL encrypted', () => {
    const out = rc2CbcDecrypt(hex('000102030405060708090a0b0c0d0e0f'), 128, hex('0807060504030201'), hex('a20e94d7af6dbe1234daed388d689acb6f3002161388ae5e522483b7f6cc87fc6eb6f910a8807dc8bf8168c619d2ea22'));
    expect(Buffer.from(out).toString()).toBe(PLAIN);
  });
  it('a wrong key ends in a padding error, never garbage', () => {
    expect(() => rc2CbcDecrypt(hex('0102030406'), 40, hex('0807060504030201'), hex('97eebdd0af8a734e0420dcd90df0bfaef363bbcc8b42a2f73690a8d089f331ea20c6369b91873da250e2bac4a8001d2b'))).toThrow(RangeError);
  });
  it('rejects bad lengths', () => {
    expect(() => rc2CbcDecrypt(hex('01'), 40, hex('00'), hex('0000000000000000'))).toThrow(RangeError);
    expect(() => rc2CbcDecrypt(hex('01'), 40, hex('0000000000000000'), hex('00000000'))).toThrow(RangeError);
    expect(() => rc2EcbDecrypt(new Uint8Array(0), 40, hex('0000000000000000'))).toThrow(RangeError);
  });
});

describe('RC4', () => {
  it('matches OpenSSL', () => {
    const out = rc4(hex('0102030405060708090a0b0c0d0e0f10'), hex('f9a2beee07fc6a9292c16babe0a759d4723ca1e6e434640f0dfeeb83313aea7479f886c4374dcfdc30e94b'));
    expect(Buffer.from(out).toString()).toBe('certgate RC2-CBC test vector, three blocks+');
  });
});

describe('PKCS#7 padding', () => {
  it('checks every pad byte', () => {
    expect(() => stripPkcs7Padding(hex('4141414141020303'), 8)).toThrow(RangeError);
    expect(() => stripPkcs7Padding(hex('4141414141414100'), 8)).toThrow(RangeError);
    expect(() => stripPkcs7Padding(hex('4141414141414109'), 8)).toThrow(RangeError);
    expect(Buffer.from(stripPkcs7Padding(hex('4141414141030303'), 8)).toString()).toBe('AAAAA');
  });
});
