import { describe, expect, it } from 'vitest';
import { checkValidity, toSeconds } from '../../src/verify/validity.js';
import { makeCert } from '../helpers/signed-pki.js';

const notBefore = new Date('2024-03-01T00:00:01Z');
const notAfter = new Date('2024-04-01T00:00:00Z');
const cert = makeCert({ subject: 'v', notBefore, notAfter }).cert;
const at = (iso: string, skew = 0): string | undefined => checkValidity(cert, toSeconds(new Date(iso)), skew)?.code;

describe('checkValidity (OpenSSL semantics: valid on [notBefore, notAfter))', () => {
  it('notBefore is inclusive', () => {
    expect(at('2024-03-01T00:00:01Z')).toBeUndefined();
    expect(at('2024-03-01T00:00:00Z')).toBe('CERT_NOT_YET_VALID');
    // The validation time is truncated to whole seconds, as OpenSSL's -attime is.
    expect(at('2024-03-01T00:00:00.999Z')).toBe('CERT_NOT_YET_VALID');
  });

  it('the notAfter second itself is expired, as `openssl verify -attime` says', () => {
    expect(at('2024-03-31T23:59:59Z')).toBeUndefined();
    expect(at('2024-03-31T23:59:59.999Z')).toBeUndefined();
    expect(at('2024-04-01T00:00:00Z')).toBe('CERT_EXPIRED');
    expect(at('2024-04-01T00:00:05Z')).toBe('CERT_EXPIRED');
  });

  it('clock skew widens both ends', () => {
    expect(at('2024-03-01T00:00:00Z', 1)).toBeUndefined();
    expect(at('2024-04-01T00:00:00Z', 1)).toBeUndefined();
    expect(at('2024-04-01T00:00:01Z', 1)).toBe('CERT_EXPIRED');
  });

  it('says what was expected and found', () => {
    expect(checkValidity(cert, toSeconds(new Date('2025-01-01T00:00:00Z')), 0)?.message).toContain('2024-04-01T00:00:00Z');
  });
});
