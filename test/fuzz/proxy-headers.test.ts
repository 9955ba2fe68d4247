/**
 * Fuzz: the proxy header decoders (RFC 9440, Envoy XFCC, nginx, AWS ALB, Traefik, HAProxy) and
 * the header source around them → certificates or CERT_MALFORMED / HEADER_AMBIGUOUS, within the
 * per-input bound; the source itself never throws and answers errors with a stable code.
 * Structure-aware: real values of each format (from real certificates, also mutated DER) with
 * character damage, XFCC elements with hostile keys, quotes and escapes.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCertificates } from '../../src/cert/parse.js';
import { isClientCertError } from '../../src/errors.js';
import { decodeHeaderValue, HEADER_FORMATS, type HeaderFormat, type HeaderPart } from '../../src/sources/decode.js';
import { DEFAULT_HEADER_NAMES, headerSource } from '../../src/sources/header.js';
import { parseXfcc } from '../../src/sources/xfcc.js';
import { derMutant } from './der-mutate.js';
import { outcome, OutcomeTally, params } from './support.js';

const CODES = ['CERT_MALFORMED', 'HEADER_AMBIGUOUS'] as const;
const pems = ['fixtures/pki/certs/uptrends-standin.pem', 'fixtures/pki/ca/uptrends-intermediate.pem', 'fixtures/reference/uptrends-2024.pem'].map((p) => readFileSync(p, 'utf8'));
const ders = pems.map((pem) => Uint8Array.from(parseCertificates(pem)[0]!.der));

const b64 = (der: Uint8Array): string => Buffer.from(der).toString('base64');
const pem = (der: Uint8Array): string => `-----BEGIN CERTIFICATE-----\n${b64(der).replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
/** AWS ALB leaves `+ = /` unescaped. */
const albEscape = (text: string): string => encodeURIComponent(text).replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%2F/g, '/');

/** A value of `format` (and `part`) carrying `certs`, as the proxy writes it. */
function encode(format: HeaderFormat, part: HeaderPart, certs: readonly Uint8Array[], variant: number): string {
  const one = certs[0] ?? new Uint8Array(0);
  switch (format) {
    case 'rfc9440':
      return part === 'cert' ? `:${b64(one)}:` : certs.map((c) => `:${b64(c)}:`).join(variant % 2 === 0 ? ', ' : ',');
    case 'xfcc': {
      const element = `By=spiffe://cluster.local/ns/default/sa/api;Hash=${'ab'.repeat(32)};Cert="${encodeURIComponent(pem(one))}";Chain="${encodeURIComponent(certs.map(pem).join(''))}";Subject="CN=a\\"b,O=x;y";URI=spiffe://client;DNS=a.example`;
      return variant % 3 === 0 ? element : variant % 3 === 1 ? `By=x;Cert="${encodeURIComponent(pem(one))}",${element}` : `${element},${element}`;
    }
    case 'nginx':
      return encodeURIComponent(pem(one));
    case 'aws-alb':
      return albEscape(part === 'cert' ? pem(one) : certs.map(pem).join(''));
    case 'traefik':
      return certs.map((c) => encodeURIComponent(b64(c))).join(',');
    case 'haproxy':
      return variant % 2 === 0 ? b64(part === 'cert' ? one : Buffer.concat(certs)) : `"${b64(part === 'cert' ? one : Buffer.concat(certs))}"`;
  }
}

const format = fc.constantFrom(...HEADER_FORMATS);
const part = fc.constantFrom<HeaderPart>('cert', 'chain');
const edit = fc.record({
  at: fc.nat(),
  del: fc.nat(6),
  insert: fc.oneof(fc.constantFrom('%', '%2', '%0A', '%00', '%25', '"', '\\"', '\\', ',', ';', '=', ':', ' ', '\t', '\r\n', '+', '/', 'Cert=', 'Chain=', 'By=', '-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----', 'é', '\u0000'), fc.string({ maxLength: 3 })),
});

function applyEdits(text: string, edits: readonly { at: number; del: number; insert: string }[]): string {
  let out = text;
  for (const e of edits) {
    const i = e.at % (out.length + 1);
    out = out.slice(0, i) + e.insert + out.slice(i + e.del);
  }
  return out;
}

const headerValue = fc.oneof(
  // A real value with character damage.
  fc.tuple(format, part, fc.array(fc.constantFrom(...ders), { minLength: 1, maxLength: 3 }), fc.nat(), fc.array(edit, { maxLength: 4 })).map(([f, p, certs, v, edits]) => ({ format: f, part: p, value: applyEdits(encode(f, p, certs, v), edits) })),
  // A well-formed value of mutated DER (the decoders only frame it; the parser must still cope).
  fc.tuple(format, part, derMutant(ders, 16 * 1024), fc.nat()).map(([f, p, der, v]) => ({ format: f, part: p, value: encode(f, p, [der], v) })),
  // Anything.
  fc.tuple(format, part, fc.oneof(fc.string({ maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9%+/=:,;" \\-]{0,400}$/))).map(([f, p, value]) => ({ format: f, part: p, value })),
);

describe('fuzz: proxy header decoders', () => {
  it('every format and part: certificates that parse, or CERT_MALFORMED / HEADER_AMBIGUOUS', () => {
    const tally = new OutcomeTally('proxy header values');
    fc.assert(
      fc.property(headerValue, (input) => {
        tally.add(
          outcome(
            (i: typeof input) => {
              for (const der of decodeHeaderValue(i.format, i.value, i.part)) parseCertificates(der);
            },
            input,
            CODES,
          ),
        );
      }),
      params(250),
    );
    tally.report();
    expect(tally.get('ok')).toBeGreaterThan(0);
  });

  it('XFCC structure: elements, pairs, quotes and escapes', () => {
    const key = fc.oneof(fc.constantFrom('By', 'Hash', 'Cert', 'Chain', 'Subject', 'URI', 'DNS', 'cert', ''), fc.string({ maxLength: 6 }));
    const val = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }).map((s) => `"${s}"`), fc.constantFrom('"', '"\\"', '"a\\', '\\"', '"a;b,c=d"', ''));
    const element = fc.array(fc.tuple(key, val), { maxLength: 5 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join(';'));
    const tally = new OutcomeTally('xfcc structure');
    fc.assert(
      fc.property(fc.array(element, { maxLength: 4 }), fc.constantFrom(',', ', ', ' ,'), (elements, separator) => {
        const value = elements.join(separator);
        tally.add(outcome((v: string) => parseXfcc(v), value, CODES));
        outcome((v: string) => decodeHeaderValue('xfcc', v), value, CODES);
      }),
      params(300),
    );
    tally.report();
  });

  it('the header source never throws: trusted and untrusted peers, repeated and oversized headers', () => {
    const trusted = HEADER_FORMATS.map((f) => headerSource({ header: f, trustedProxies: ['loopback'], maxHeaderBytes: 64 * 1024 }));
    const names = [...new Set(Object.values(DEFAULT_HEADER_NAMES).flatMap((n) => [n.cert, ...(n.chain === undefined ? [] : [n.chain])]))];
    const tally = new OutcomeTally('header source');
    fc.assert(
      fc.property(
        headerValue,
        fc.constantFrom('127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.1', '', 'not an address', undefined),
        fc.array(fc.tuple(fc.constantFrom(...names), fc.oneof(fc.string({ maxLength: 50 }), fc.constant('x'.repeat(70_000)))), { maxLength: 3 }),
        fc.boolean(),
        (input, remoteAddress, extra, repeat) => {
          const source = trusted[HEADER_FORMATS.indexOf(input.format)];
          const name = DEFAULT_HEADER_NAMES[input.format][input.part] ?? DEFAULT_HEADER_NAMES[input.format].cert;
          const headers: Record<string, string | string[]> = {};
          for (const [n, v] of extra) headers[n] = v;
          headers[name] = repeat ? [input.value, input.value] : input.value;
          const start = process.cpuUsage();
          const result = source!.read({ socket: { remoteAddress }, headers });
          const used = process.cpuUsage(start);
          expect((used.user + used.system) / 1000).toBeLessThan(2000);
          if (result.kind === 'error') {
            expect(isClientCertError(result.error)).toBe(true);
            tally.add(result.error.code);
          } else {
            tally.add(result.kind === 'chain' ? 'ok' : 'CERT_MISSING');
          }
        },
      ),
      params(300),
    );
    tally.report();
  });
});
