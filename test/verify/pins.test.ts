import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { thrownCode } from '../helpers/errors.js';
import {
  compilePin,
  compilePins,
  normalizeSerial,
  normalizeSpkiSha256,
  parsePinFile,
  PinSet,
  windowStatus,
} from '../../src/verify/pins.js';

const uptrendsPem = readFileSync('fixtures/reference/uptrends-2024.pem', 'utf8');
const uptrends = parseCertificate(uptrendsPem);
const sectigo = parseCertificate(readFileSync('fixtures/reference/sectigo-rsa-client-auth-ca.pem', 'utf8'));
const ISSUER = 'CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB';
const SPKI_B64 = 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=';
const SPKI_HEX = '572158c899011b986e3432ea2975151f0b19770c9c44228987ab86929f25e7c4';
const CERT_SHA = 'F9:A9:2A:6D:C7:5A:E3:81:D1:2D:E7:C7:CB:3E:02:BD:87:CB:46:90:DA:73:6E:26:67:4F:57:BE:4B:3B:44:A1';
const inside = Date.parse('2025-01-01T00:00:00Z');

const configError = (fn: () => unknown): string => thrownCode(fn);

describe('pin field normalisation', () => {
  it('accepts SPKI digests as base64, base64url, sha256/ prefix and hex with colons', () => {
    expect(normalizeSpkiSha256(SPKI_B64)).toBe(SPKI_HEX);
    expect(normalizeSpkiSha256(SPKI_B64.replace(/=$/, ''))).toBe(SPKI_HEX);
    expect(normalizeSpkiSha256(`sha256/${SPKI_B64}`)).toBe(SPKI_HEX);
    expect(normalizeSpkiSha256(SPKI_HEX.toUpperCase().replace(/(..)(?!$)/g, '$1:'))).toBe(SPKI_HEX);
    expect(normalizeSpkiSha256(Buffer.from(SPKI_HEX, 'hex').toString('base64url'))).toBe(SPKI_HEX);
  });

  it('refuses digests of the wrong length and non-canonical base64', () => {
    expect(normalizeSpkiSha256(SPKI_HEX.slice(2))).toBeUndefined();
    expect(normalizeSpkiSha256('VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58R=')).toBeUndefined(); // non-zero padding bits
    expect(normalizeSpkiSha256('not a digest')).toBeUndefined();
  });

  it('compares serials without leading zero bytes, separators or case', () => {
    expect(normalizeSerial('1a223e5481b066dfda30e5f35cdb3a81')).toBe('1A223E5481B066DFDA30E5F35CDB3A81');
    expect(normalizeSerial('00:1A:22')).toBe('1A22');
    expect(normalizeSerial('0x0fff')).toBe('0FFF');
    expect(normalizeSerial('fff')).toBe('0FFF');
    expect(normalizeSerial('00')).toBe('00');
    expect(normalizeSerial('12g4')).toBeUndefined();
  });
});

describe('compilePin', () => {
  it('matches the published Uptrends pin on every field, all required', () => {
    const pin = compilePin({ label: 'uptrends-2024', serial: '1a:22:3e:54:81:b0:66:df:da:30:e5:f3:5c:db:3a:81', issuer: ISSUER, subjectEmail: 'certificates@UPTRENDS.com', spkiSha256: SPKI_B64, notAfter: '2025-07-26T23:59:59Z' });
    const set = new PinSet([pin]);
    expect(set.match(uptrends, inside).matched?.label).toBe('uptrends-2024');
    // Each field alone must be able to veto the match.
    expect(new PinSet([compilePin({ label: 'x', serial: '1A223E5481B066DFDA30E5F35CDB3A82', issuer: ISSUER })]).match(uptrends, inside).matched).toBeUndefined();
    expect(new PinSet([compilePin({ label: 'x', serial: '1A223E5481B066DFDA30E5F35CDB3A81', issuer: ISSUER.replace('C=GB', 'C=US') })]).match(uptrends, inside).matched).toBeUndefined();
    expect(new PinSet([compilePin({ label: 'x', spkiSha256: SPKI_B64, subjectEmail: 'Certificates@uptrends.com' })]).match(uptrends, inside).matched).toBeUndefined();
    expect(new PinSet([compilePin({ label: 'x', spkiSha256: sectigo.spkiSha256Base64, subjectEmail: 'certificates@uptrends.com' })]).match(uptrends, inside).matched).toBeUndefined();
  });

  it('matches by certificate SHA-256, subject DN, and an embedded PEM with literal \\n escapes', () => {
    expect(new PinSet([compilePin({ certSha256: CERT_SHA })]).match(uptrends, inside).matched).toBeDefined();
    expect(new PinSet([compilePin({ certSha256: CERT_SHA })]).match(sectigo, inside).matched).toBeUndefined();
    expect(new PinSet([compilePin({ subject: 'emailAddress=certificates@uptrends.com' })]).match(uptrends, inside).matched).toBeDefined();
    const escaped = uptrendsPem.trim().split('\n').join('\\n');
    const pin = compilePin({ certificate: escaped });
    expect(pin.certSha256).toBe(uptrends.sha256);
    expect(pin.label).toBe('certificates@uptrends.com');
    expect(pin.notAfter?.toISOString()).toBe('2025-07-26T23:59:59.000Z');
    expect(new PinSet([pin]).match(uptrends, inside).matched).toBe(pin);
  });

  it('refuses a serial without an issuer, an issuer alone, and a pin with no identifying field', () => {
    expect(configError(() => compilePin({ label: 'x', serial: '1A223E5481B066DFDA30E5F35CDB3A81' }))).toMatch(/"serial" needs "issuer"/);
    expect(configError(() => compilePin({ label: 'x', issuer: ISSUER }))).toMatch(/issuer" alone/);
    expect(configError(() => compilePin({ label: 'x', notAfter: '2030-01-01T00:00:00Z' }))).toMatch(/no identifying field/);
  });

  it('refuses unknown fields with a hint, bad values, zone-less times and inverted windows', () => {
    expect(configError(() => compilePin({ label: 'x', spki_sha256: SPKI_B64 }))).toContain('did you mean "spkiSha256"');
    expect(configError(() => compilePin({ label: 'x', spkiSha256: 'abc' }))).toContain('"spkiSha256" must be');
    expect(configError(() => compilePin({ label: 'x', certSha256: SPKI_B64 }))).toContain('"certSha256" must be');
    expect(configError(() => compilePin({ label: 'x', subjectEmail: 'nobody' }))).toContain('email');
    expect(configError(() => compilePin({ label: 'x', subjectEmail: 'a@b', notAfter: '2025-07-26 23:59:59' }))).toContain('time zone');
    expect(configError(() => compilePin({ label: 'x', subjectEmail: 'a@b', notBefore: '2026-01-01T00:00:00Z', notAfter: '2025-01-01T00:00:00Z' }))).toContain('after');
    expect(configError(() => compilePin({ label: 'x', subjectEmail: 7 }))).toContain('must be a string');
    expect(configError(() => compilePin({ label: 'bad\u0007label', subjectEmail: 'a@b' }))).toContain('control');
    expect(configError(() => compilePin('uptrends'))).toContain('expected a pin object');
  });

  it('refuses explicit fields that contradict an embedded certificate', () => {
    expect(configError(() => compilePin({ certificate: uptrendsPem, spkiSha256: sectigo.spkiSha256Base64 }))).toContain('does not match the embedded certificate');
    expect(configError(() => compilePin({ certificate: uptrendsPem, serial: '01', issuer: ISSUER }))).toContain('"serial" does not match');
    expect(configError(() => compilePin({ certificate: 'not a pem' }))).toContain('"certificate"');
  });
});

describe('pin windows', () => {
  const old = compilePin({ label: 'old', spkiSha256: SPKI_B64, notAfter: '2025-07-26T23:59:59Z' });
  const next = compilePin({ label: 'next', spkiSha256: SPKI_B64, notBefore: '2025-07-01T00:00:00Z' });

  it('overlap during a rotation: the first active pin in order wins', () => {
    const set = new PinSet([old, next]);
    expect(set.match(uptrends, Date.parse('2025-06-01T00:00:00Z')).matched?.label).toBe('old');
    expect(set.match(uptrends, Date.parse('2025-07-10T00:00:00Z')).matched?.label).toBe('old');
    expect(set.match(uptrends, Date.parse('2025-08-01T00:00:00Z')).matched?.label).toBe('next');
  });

  it('an expired pin never matches and is reported; notAfter is inclusive', () => {
    const set = new PinSet([old]);
    expect(set.match(uptrends, Date.parse('2025-07-26T23:59:59Z')).matched).toBe(old);
    const after = set.match(uptrends, Date.parse('2025-07-27T00:00:00Z'));
    expect(after.matched).toBeUndefined();
    expect(after.expired).toEqual([old]);
    expect(set.expiredAt(Date.parse('2026-11-23T00:00:00Z'))).toEqual([old]);
    expect(windowStatus(next, Date.parse('2025-06-01T00:00:00Z'))).toBe('not-yet-valid');
    expect(new PinSet([next]).match(uptrends, Date.parse('2025-06-01T00:00:00Z')).notYetValid).toEqual([next]);
  });

  it('lists every window boundary for cache expiry', () => {
    expect(new PinSet([old, next]).boundaries).toEqual([Date.parse('2025-07-01T00:00:00Z'), Date.parse('2025-07-26T23:59:59Z') + 1]);
  });

  it('accepts an issuer written in OpenSSL order (most general first) and hints at a same-serial impostor', () => {
    const openSsl = compilePin({ label: 'rev', serial: '1A223E5481B066DFDA30E5F35CDB3A81', issuer: 'C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Client Authentication and Secure Email CA' });
    expect(new PinSet([openSsl]).match(uptrends, inside).matched).toBe(openSsl);
    const otherIssuer = compilePin({ label: 'imp', serial: '1A223E5481B066DFDA30E5F35CDB3A81', issuer: 'CN=Impostor CA' });
    const result = new PinSet([otherIssuer]).match(uptrends, inside);
    expect(result.matched).toBeUndefined();
    expect(result.hints[0]).toContain('serial number matches but the issuer is');
  });
});

describe('pin files', () => {
  it('parses version 1 with pins and comments', () => {
    const pins = parsePinFile(JSON.stringify({ version: 1, comment: 'Uptrends', pins: [{ label: 'a', spkiSha256: SPKI_B64 }] }), 'pins.json');
    expect(pins.map((p) => p.label)).toEqual(['a']);
  });

  it.each([
    ['{', 'not valid JSON'],
    ['[]', 'bare array'],
    ['{"pins":[]}', 'no version'],
    ['{"version":2,"pins":[]}', 'found 2'],
    ['{"version":1,"pin":[]}', 'did you mean "pins"'],
    ['{"version":1,"pins":{}}', 'must be an array'],
    ['{"version":1,"pins":[{"label":"s","serial":"01"}]}', 'pins.json: pins[0] "s": "serial" needs "issuer"'],
  ])('refuses %s', (text, fragment) => {
    expect(configError(() => parsePinFile(text, 'pins.json'))).toContain(fragment);
  });

  it('bounds the number of pins', () => {
    expect(configError(() => compilePins(Array.from({ length: 10_001 }, () => ({ subjectEmail: 'a@b' }))))).toContain('limit');
  });
});
