import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../src/cert/base64.js';

const bytes = (u: Uint8Array): number[] => [...u];

describe('decodeBase64', () => {
  it('decodes standard and URL-safe alphabets, padded or not, with ASCII whitespace anywhere', () => {
    expect(bytes(decodeBase64('+/+/', 'x'))).toEqual([0xfb, 0xff, 0xbf]);
    expect(bytes(decodeBase64('-_-_', 'x'))).toEqual([0xfb, 0xff, 0xbf]);
    expect(bytes(decodeBase64('AQI=', 'x'))).toEqual([1, 2]);
    expect(bytes(decodeBase64('AQI', 'x'))).toEqual([1, 2]);
    expect(bytes(decodeBase64('AQ==', 'x'))).toEqual([1]);
    expect(bytes(decodeBase64(' A Q\r\n\tI\u000b= ', 'x'))).toEqual([1, 2]);
    expect(bytes(decodeBase64('zzAQI=zz', 'x', 2, 6))).toEqual([1, 2]);
    expect(bytes(decodeBase64('', 'x'))).toEqual([]);
  });

  it.each([
    ['AQ=', /1 padding character\(s\) do not fit 2 characters/],
    ['A', /1 characters is an impossible length/],
    ['AQ===', /more than two padding characters at position 4/],
    ['AQ==AQ==', /unexpected data after padding at position 4/],
    ['AQ-/', /mixes the standard \(\+\/\) and URL-safe \(-_\) alphabets/],
    ['AQ\u00e9=', /unexpected character U\+00E9 at position 2/],
    ['AQ%3D', /unexpected character U\+0025 at position 2/],
  ])('refuses %j', (text, pattern) => {
    expect(() => decodeBase64(text, 'thing')).toThrow(pattern);
    expect(() => decodeBase64(text, 'thing')).toThrow(/^thing /);
  });

  it('enforces the decoded size limit', () => {
    expect(() => decodeBase64('AAAAAAAA', 'x', 0, 8, 5)).toThrow(/decodes to 6 bytes, over the limit of 5 bytes/);
    expect(() => decodeBase64('A'.repeat(100_000), 'x', 0, 100_000, 1000)).toThrow(/100000 characters, over the limit of 1000 decoded bytes/);
  });
});
