/**
 * Fuzz: PKCS#12 reading → contents or PKCS12_MALFORMED / PKCS12_BAD_PASSWORD, within the
 * per-input bound. Mutants of archives without a MAC and without encryption reach the bag and
 * attribute parsers (a MAC would stop nearly every mutant at the integrity check); mutants of
 * MAC-protected, AES and legacy (RC2/3DES) archives test the outer layers and the KDF bounds.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { readPkcs12 } from '../../src/cert/pkcs12.js';
import { writePkcs12 } from '../../src/harness/pkcs12.js';
import { derMutant } from './der-mutate.js';
import { outcome, OutcomeTally, params } from './support.js';

const PASSWORD = 'fuzz-TEST-only';
const CODES = ['PKCS12_MALFORMED', 'PKCS12_BAD_PASSWORD'] as const;
/**
 * Lower limits than the defaults so that one input stays below the per-input bound: with the
 * defaults an archive may legitimately cost more (1 MiB of bags ≈ 1 s of ASN.1 work here, 5 M
 * KDF iterations); docs/security.md lists those bounds. PKCS#12 is read from configuration and
 * the CLI, never from a request.
 */
const LIMITS = { maxIterations: 20_000, maxTotalIterations: 50_000, maxBytes: 64 * 1024, maxBags: 64 };

let dir: string;
const archives: Uint8Array[] = [];

function read(bytes: Uint8Array, password = PASSWORD): void {
  const contents = readPkcs12(bytes, password, LIMITS);
  // What comes out must be usable: certificates parse or are reported as such by the caller.
  for (const c of contents.certificates) expect(c.der).toBeInstanceOf(Uint8Array);
  void contents.privateKey?.asymmetricKeyType;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'certgate-fuzz-p12-'));
  const fixture = (p: string): string => path.resolve('fixtures/pki', p);
  const openssl = (name: string, extra: string[]): void => {
    execFileSync(
      'openssl',
      ['pkcs12', '-export', '-in', fixture('certs/custom-client.pem'), '-inkey', fixture('keys/custom-client.key.pem'), '-certfile', fixture('ca/customer-ca.pem'), '-name', 'fuzz', '-out', path.join(dir, name), '-passout', 'env:P12PW', ...extra],
      { env: { ...process.env, P12PW: PASSWORD }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    archives.push(readFileSync(path.join(dir, name)));
  };
  openssl('plain.p12', ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac']);
  openssl('aes-nomac.p12', ['-iter', '1', '-nomac']);
  openssl('legacy-nomac.p12', ['-legacy', '-iter', '1', '-nomac']);
  openssl('legacy-mac.p12', ['-legacy', '-iter', '1', '-nomaciter']);
  archives.push(
    await writePkcs12({
      privateKey: createPrivateKey(readFileSync(fixture('keys/custom-client.key.pem'))),
      certificate: parseCertificate(readFileSync(fixture('certs/custom-client.pem'), 'utf8')).der,
      password: PASSWORD,
      friendlyName: 'fuzz',
      iterations: 1000,
    }),
  );
  // Every base archive reads (otherwise the mutants only test the first bytes).
  for (const a of archives) read(a);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzz: PKCS#12', () => {
  it('structure-aware mutants of plain, AES, legacy and MAC-protected archives', () => {
    const tally = new OutcomeTally('pkcs12 mutants');
    fc.assert(
      fc.property(
        fc.constant(null).chain(() => derMutant(archives, 64 * 1024)),
        (bytes) => {
          tally.add(outcome((b: Uint8Array) => read(b), bytes, CODES));
        },
      ),
      params(200),
    );
    tally.report();
    expect(tally.get('PKCS12_MALFORMED')).toBeGreaterThan(0);
  });

  it('random bytes, random passwords', () => {
    const tally = new OutcomeTally('pkcs12 random');
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.constant(null).map(() => archives[0] as Uint8Array)), fc.string({ maxLength: 64 }), (bytes, password) => {
        tally.add(outcome((b: Uint8Array) => read(b, password), bytes, CODES));
      }),
      params(200),
    );
    tally.report();
  });
});
