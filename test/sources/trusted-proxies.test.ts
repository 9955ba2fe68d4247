import { describe, expect, it } from 'vitest';
import { compileTrustedProxies } from '../../src/sources/trusted-proxies.js';
import { thrownCode } from '../helpers/errors.js';

describe('compileTrustedProxies', () => {
  it('matches with proxy-addr semantics: names, addresses, CIDRs, netmasks', () => {
    const loopback = compileTrustedProxies('loopback');
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].map(loopback)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', '::2', '::ffff:10.0.0.1', '', 'not-an-ip', undefined].map(loopback)).toEqual([false, false, false, false, false, false]);
    const nets = compileTrustedProxies(['10.0.0.0/8', '192.168.1.0/255.255.255.0', 'fd00::/8']);
    expect(['10.1.2.3', '::ffff:10.1.2.3', '192.168.1.77', 'fd12::1'].map(nets)).toEqual([true, true, true, true]);
    expect(['11.0.0.1', '192.168.2.1', 'fe80::1', '127.0.0.1'].map(nets)).toEqual([false, false, false, false]);
  });

  it('accepts Express-style comma-separated strings', () => {
    const trust = compileTrustedProxies('loopback, 10.0.0.5');
    expect(trust('10.0.0.5')).toBe(true);
    expect(trust('10.0.0.6')).toBe(false);
    expect(compileTrustedProxies(['uniquelocal'])('fc00::1')).toBe(true);
    expect(compileTrustedProxies(['linklocal'])('169.254.1.1')).toBe(true);
  });

  it('accepts a predicate; one that throws or answers non-true trusts no one', () => {
    expect(compileTrustedProxies((a: string) => a === '10.0.0.9')('10.0.0.9')).toBe(true);
    expect(compileTrustedProxies(() => 'yes' as unknown as boolean)('10.0.0.9')).toBe(false);
    expect(
      compileTrustedProxies(() => {
        throw new Error('boom');
      })('10.0.0.9'),
    ).toBe(false);
  });

  it('refuses values that trust everyone, nobody, or do not parse', () => {
    expect(thrownCode(() => compileTrustedProxies(true))).toMatch(/true would trust every peer/);
    expect(thrownCode(() => compileTrustedProxies(1))).toMatch(/hop count/);
    expect(thrownCode(() => compileTrustedProxies([]))).toMatch(/empty/);
    expect(thrownCode(() => compileTrustedProxies(' , '))).toMatch(/empty/);
    expect(thrownCode(() => compileTrustedProxies('0.0.0.0/0'))).toMatch(/trusts every peer/);
    expect(thrownCode(() => compileTrustedProxies(['::/0']))).toMatch(/trusts every peer/);
    expect(thrownCode(() => compileTrustedProxies(['nginx.internal']))).toMatch(/not an address/);
    expect(thrownCode(() => compileTrustedProxies(['10.0.0.0/33']))).toMatch(/not an address/);
    expect(thrownCode(() => compileTrustedProxies([10]))).toMatch(/non-string/);
    expect(thrownCode(() => compileTrustedProxies(null))).toMatch(/found null/);
  });
});
