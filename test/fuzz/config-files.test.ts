/**
 * Fuzz: pin files, identities files and the DN strings inside them → a configuration or
 * CONFIG_INVALID, within the per-input bound. Structure-aware: JSON shaped like the real files
 * with known and unknown fields and hostile values, plus character damage to valid files.
 * A configuration that compiles must also match a certificate without throwing.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { parseNameString } from '../../src/cert/name-string.js';
import { parseCertificate } from '../../src/cert/parse.js';
import { IdentitySet, parseIdentitiesFile } from '../../src/verify/identities.js';
import { parsePinFile, PinSet } from '../../src/verify/pins.js';
import { outcome, OutcomeTally, params } from './support.js';

const pem = readFileSync('fixtures/reference/uptrends-2024.pem', 'utf8');
const cert = parseCertificate(pem);
const AT = Date.parse('2025-01-01T00:00:00Z');
const CONFIG = ['CONFIG_INVALID'] as const;

const MATCH_KEYS = ['spkiSha256', 'certSha256', 'serial', 'issuer', 'subject', 'subjectEmail', 'certificate', 'notBefore', 'notAfter'];

const dnString = fc.oneof(
  fc.constantFrom(
    'CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB',
    'C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Client Authentication and Secure Email CA',
    'CN=a\\,b+OU=c\\2B,O=#0c03616263',
    'CN=#3003020101',
    'emailAddress=certificates@uptrends.com',
    '1.2.840.113549.1.9.1=#160161',
    'CN=\\',
    'CN="quoted"',
    '=,=,=',
    '#'.repeat(3000),
    'CN=' + 'x\\2'.repeat(2000),
    'CN=x+'.repeat(2000),
  ),
  fc.stringMatching(/^[A-Za-z0-9=,+#\\" ;<>.-]{0,200}$/),
  fc.string({ maxLength: 300 }),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  fc.constantFrom(
    '1A223E5481B066DFDA30E5F35CDB3A81',
    '1a:22:3e:54',
    'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=',
    'sha256/VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=',
    'A'.repeat(64),
    '2025-07-26T23:59:59Z',
    '2025-07-26',
    '2025-02-30T00:00:00+25:00',
    'certificates@uptrends.com',
    'a@b@c',
    pem,
    pem.replace(/\n/g, '\\n'),
    pem.slice(0, 300),
    '',
    ' ',
    'x'.repeat(70_000),
    '\u0000\u001b[31m\n',
    '__proto__',
    'constructor',
  ),
  dnString,
  fc.string({ maxLength: 80 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

const matchObject = fc.dictionary(fc.oneof(fc.constantFrom(...MATCH_KEYS), fc.constantFrom('serialNumber', 'spki', '__proto__', 'constructor'), fc.string({ maxLength: 12 })), hostileValue, {
  maxKeys: 5,
});
const pinObject = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(matchObject, fc.option(fc.oneof(fc.string({ maxLength: 20 }), hostileValue), { nil: undefined })).map(([m, label]) => (label === undefined ? m : { label, ...m })) },
  { weight: 1, arbitrary: hostileValue },
);
const identityObject = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 30 }), hostileValue),
        roles: fc.oneof(fc.array(fc.oneof(fc.string({ maxLength: 12 }), hostileValue), { maxLength: 5 }), hostileValue),
        match: fc.oneof(matchObject, fc.array(matchObject, { maxLength: 3 }), hostileValue),
        extra: hostileValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: hostileValue },
);

function container(listKey: string, item: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc
    .record(
      {
        version: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: hostileValue }),
        list: fc.oneof({ weight: 5, arbitrary: fc.array(item, { maxLength: 6 }) }, { weight: 1, arbitrary: hostileValue }),
        comment: hostileValue,
        other: hostileValue,
      },
      { requiredKeys: ['version', 'list'] },
    )
    .map(({ version, list, comment, other }) => {
      const object: Record<string, unknown> = { version, [listKey]: list };
      if (comment !== undefined) object['comment'] = comment;
      if (other !== undefined) object['extra'] = other;
      return JSON.stringify(object);
    });
}

const textEdit = fc.record({ at: fc.nat(), del: fc.nat(6), insert: fc.oneof(fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', '\\u0000', 'null', '1e999', '-0', '\ufeff'), fc.string({ maxLength: 4 })) });

function damaged(valid: string): fc.Arbitrary<string> {
  return fc.array(textEdit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let text = valid;
    for (const e of edits) {
      const i = e.at % (text.length + 1);
      text = text.slice(0, i) + e.insert + text.slice(i + e.del);
    }
    return text;
  });
}

const VALID_PINS = JSON.stringify({
  version: 1,
  pins: [
    { label: 'uptrends-2024', serial: '1A223E5481B066DFDA30E5F35CDB3A81', issuer: 'CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB', subjectEmail: 'certificates@uptrends.com', spkiSha256: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=', notAfter: '2025-07-26T23:59:59Z' },
    { label: 'by-cert', certificate: pem },
  ],
});
const VALID_IDENTITIES = JSON.stringify({
  version: 1,
  identities: [{ name: 'monitor', roles: ['read'], match: [{ spkiSha256: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=' }, { subject: 'emailAddress=certificates@uptrends.com' }] }],
});

function pins(text: string): void {
  new PinSet(parsePinFile(text, 'fuzz.json')).match(cert, AT);
}
function identities(text: string): void {
  new IdentitySet(parseIdentitiesFile(text, 'fuzz.json')).match(cert, AT);
}

describe('fuzz: pin and identities files', () => {
  it('pin files shaped like the real ones, with hostile fields and values', () => {
    const tally = new OutcomeTally('pin files');
    fc.assert(fc.property(fc.oneof(container('pins', pinObject), damaged(VALID_PINS)), (text) => tally.add(outcome(pins, text, CONFIG))), params(300));
    tally.report();
  });

  it('identities files shaped like the real ones, with hostile fields and values', () => {
    const tally = new OutcomeTally('identities files');
    fc.assert(fc.property(fc.oneof(container('identities', identityObject), damaged(VALID_IDENTITIES)), (text) => tally.add(outcome(identities, text, CONFIG))), params(300));
    tally.report();
  });

  it('random text as a pin or identities file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 500 }), fc.json({ maxDepth: 4 })), (text) => {
        outcome(pins, text, CONFIG);
        outcome(identities, text, CONFIG);
      }),
      params(200),
    );
  });

  it('RFC 4514 DN strings', () => {
    const tally = new OutcomeTally('DN strings');
    fc.assert(
      fc.property(dnString, (text) => {
        tally.add(outcome((t: string) => parseNameString(t), text, CONFIG));
      }),
      params(300),
    );
    tally.report();
  });
});
