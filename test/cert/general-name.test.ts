import { describe, expect, it } from 'vitest';
import { ipRangeToText, ipToText } from '../../src/cert/general-name.js';

const v6 = (text: string): Uint8Array => {
  // Test-side expansion of a full 8-group address.
  const groups = text.split(':').map((g) => parseInt(g, 16));
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
};

describe('IP address text', () => {
  it('IPv4 dotted quad', () => {
    expect(ipToText(new Uint8Array([192, 0, 2, 1]))).toBe('192.0.2.1');
    expect(ipToText(new Uint8Array([0, 0, 0, 0]))).toBe('0.0.0.0');
  });

  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // first of equal runs
    ['2001:0000:0000:0001:0000:0000:0000:0001', '2001:0:0:1::1'], // longest run wins
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0001:0000:0000:0000:0000:0000:0000:0000', '1::'],
    ['FE80:0000:0000:0000:ABCD:0000:0000:0000', 'fe80::abcd:0:0:0'],
    ['0000:0000:0000:0000:0000:FFFF:C000:0201', '::ffff:192.0.2.1'],
    ['2001:0db8:aaaa:bbbb:cccc:dddd:eeee:ffff', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
  ])('RFC 5952: %s -> %s', (full, text) => {
    expect(ipToText(v6(full))).toBe(text);
  });

  it('name-constraint ranges as CIDR, or address/mask when not a prefix', () => {
    expect(ipRangeToText(new Uint8Array([10, 0, 0, 0, 255, 0, 0, 0]))).toBe('10.0.0.0/8');
    expect(ipRangeToText(new Uint8Array([10, 0, 0, 0, 255, 0, 255, 0]))).toBe('10.0.0.0/255.0.255.0');
    expect(ipRangeToText(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]))).toBe('0.0.0.0/0');
    expect(ipRangeToText(new Uint8Array([...v6('2001:0db8:0:0:0:0:0:0'), ...v6('ffff:ffff:0:0:0:0:0:0')]))).toBe('2001:db8::/32');
  });
});
