import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { thrownCode } from '../helpers/errors.js';
import { compileIdentities, IdentitySet, parseIdentitiesFile } from '../../src/verify/identities.js';

const uptrends = parseCertificate(readFileSync('fixtures/reference/uptrends-2024.pem', 'utf8'));
const sectigo = parseCertificate(readFileSync('fixtures/reference/sectigo-rsa-client-auth-ca.pem', 'utf8'));
const at = Date.parse('2025-01-01T00:00:00Z');

const configError = (fn: () => unknown): string => thrownCode(fn);

describe('identities', () => {
  const identities = compileIdentities([
    { name: 'ca-tooling', roles: ['admin'], match: { spkiSha256: sectigo.spkiSha256Base64 } },
    { name: 'uptrends', roles: ['monitor', 'monitor', 'read'], match: [{ certSha256: '00'.repeat(32) }, { subjectEmail: 'certificates@uptrends.com' }] },
    { name: 'shadow', roles: ['admin'], match: { subjectEmail: 'certificates@uptrends.com' } },
  ]);
  const set = new IdentitySet(identities);

  it('maps a certificate to the first identity whose match holds (any of a list), deduplicating roles', () => {
    const result = set.match(uptrends, at);
    expect(result.matched?.name).toBe('uptrends');
    expect(result.matched?.roles).toEqual(['monitor', 'read']);
    expect(set.match(sectigo, at).matched?.name).toBe('ca-tooling');
  });

  it('reports an identity whose only matching window has passed', () => {
    const expiring = new IdentitySet(compileIdentities([{ name: 'old', match: { subjectEmail: 'certificates@uptrends.com', notAfter: '2024-12-31T00:00:00Z' } }]));
    const result = expiring.match(uptrends, at);
    expect(result.matched).toBeUndefined();
    expect(result.expired.map((i) => i.name)).toEqual(['old']);
  });

  it('refuses duplicate names, missing match, bad roles and unknown fields', () => {
    expect(configError(() => compileIdentities([{ name: 'a', match: { subjectEmail: 'a@b' } }, { name: 'a', match: { subjectEmail: 'c@d' } }]))).toContain('used twice');
    expect(configError(() => compileIdentities([{ name: 'a' }]))).toContain('"match" is required');
    expect(configError(() => compileIdentities([{ name: 'a', match: [] }]))).toContain('empty array');
    expect(configError(() => compileIdentities([{ name: 'a', roles: 'admin', match: { subjectEmail: 'a@b' } }]))).toContain('"roles" must be an array');
    expect(configError(() => compileIdentities([{ name: 'a', roles: [''], match: { subjectEmail: 'a@b' } }]))).toContain('roles[0]');
    expect(configError(() => compileIdentities([{ name: 'a', role: ['x'], match: { subjectEmail: 'a@b' } }]))).toContain('did you mean "roles"');
    expect(configError(() => compileIdentities([{ name: 'a', match: { serial: '01' } }]))).toContain('identities[0] "a" match: "serial" needs "issuer"');
  });

  it('parses an identities file', () => {
    const parsed = parseIdentitiesFile(JSON.stringify({ version: 1, identities: [{ name: 'svc', roles: ['r'], match: { subjectEmail: 'certificates@uptrends.com' } }] }), 'ids.json');
    expect(new IdentitySet(parsed).match(uptrends, at).matched?.name).toBe('svc');
    expect(configError(() => parseIdentitiesFile('{"version":1,"pins":[]}', 'ids.json'))).toContain('ids.json');
  });
});
