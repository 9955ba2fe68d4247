import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeCertificate } from '../../src/client/describe.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/reference/${name}`, import.meta.url), 'utf8');

describe('describeCertificate', () => {
  it('describes the published Uptrends certificate as the reference README lists it', () => {
    expect(describeCertificate(fixture('uptrends-2024.pem'))).toEqual({
      subject: 'emailAddress=certificates@uptrends.com',
      issuer: 'CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB',
      serialNumber: '1A223E5481B066DFDA30E5F35CDB3A81',
      sha256: 'F9A92A6DC75AE381D12DE7C7CB3E02BD87CB4690DA736E26674F57BE4B3B44A1',
      notBefore: expect.stringMatching(/^2024-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown as string,
      notAfter: '2025-07-26T23:59:59Z',
    });
  });

  it('returns undefined for bytes that are no certificate at all', () => {
    expect(describeCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toBeUndefined();
    expect(describeCertificate('not a certificate')).toBeUndefined();
  });
});
