import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationFixture, type RevocationFixture } from '../helpers/revocation.js';
import { cli } from './capture-cli.js';

const AT = '2026-01-01T00:00:00Z';
const offline = ['--no-ocsp', '--no-crl-fetch', '--at', AT, '--crl', 'fixtures/pki/crl/uptrends-intermediate.crl'];

describe('certgate revocation check (offline, fixture CRL files)', () => {
  it('--help has usage, exit codes and examples', async () => {
    const run = await cli(['revocation', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: certgate revocation check CERT [--issuer FILE]');
    expect(run.stdout).toContain('Exit status: 0 good; 1 revoked; 3 unknown');
    expect(run.stdout).toContain('Examples:');
    expect((await cli(['--help'])).stdout).toContain('revocation');
  });

  it('revoked: exit 1 with the reason and dates', async () => {
    const run = await cli(['revocation', 'check', 'fixtures/pki/certs/zoo-revoked.pem', '--issuer', 'fixtures/pki/ca/uptrends-intermediate.pem', ...offline]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^REVOKED at 2026-01-01T00:00:00Z: emailAddress=certificates@uptrends.com/);
    expect(run.stdout).toContain('listed (keyCompromise) (revoked 2025-12-31T00:00:00Z, thisUpdate 2025-12-31T23:00:00Z, nextUpdate 2026-01-08T00:00:00Z)');
  });

  it('good: exit 0; stale after nextUpdate: exit 3', async () => {
    const args = ['revocation', 'check', 'fixtures/pki/certs/uptrends-standin.pem', '--issuer', 'fixtures/pki/ca/uptrends-intermediate.pem', ...offline];
    const good = await cli(args);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('not listed among 1 entries');
    const stale = await cli([...args, '--at', '2026-02-01T00:00:00Z']);
    expect(stale.code).toBe(3);
    expect(stale.stdout).toMatch(/^UNKNOWN/);
    expect(stale.stdout).toContain('stale: nextUpdate 2026-01-08T00:00:00.000Z has passed');
  });

  it.each([
    [['revocation'], /expected a subcommand: check/],
    [['revocation', 'status', 'x.pem'], /unknown subcommand "status"/],
    [['revocation', 'check'], /CERT .* is required/],
    [['revocation', 'check', 'fixtures/pki/certs/zoo-revoked.pem', '--issuer', 'fixtures/pki/ca/uptrends-root.pem', ...offline], /no certificate in it issued/],
    [['revocation', 'check', 'fixtures/pki/certs/zoo-revoked.pem', '--no-ocsp', '--no-crl-fetch'], /leave no source/],
    [['revocation', 'check', 'fixtures/pki/certs/zoo-revoked.pem', '--timeout', '0'], /--timeout expects milliseconds/],
    [['revocation', 'check', 'fixtures/pki/certs/zoo-revoked.pem', '--at', 'yesterday'], /--at expects an ISO 8601 date/],
    [['revocation', 'check', 'missing.pem'], /CERT .*no such file/],
  ])('%j: usage error, exit 2', async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('certgate revocation check (live harness responders)', () => {
  let fx: RevocationFixture;
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    fx = await revocationFixture();
    dir = mkdtempSync(path.join(tmpdir(), 'certgate-cli-revocation-'));
    writeFileSync(file('standin.pem'), fx.pki.entry('uptrends-standin').certPem);
    writeFileSync(file('revoked.pem'), fx.pki.entry('zoo-revoked').certPem);
    writeFileSync(file('intermediate.pem'), fx.intermediate.toPem());
    writeFileSync(file('chain.pem'), fx.pki.entry('uptrends-standin').certPem + fx.intermediate.toPem());
  });
  afterAll(async () => {
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json: the status from each source', async () => {
    const run = await cli(['revocation', 'check', file('revoked.pem'), '--issuer', file('intermediate.pem'), '--json']);
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout) as { verdict: string; sources: Array<Record<string, unknown>> };
    expect(body.verdict).toBe('revoked');
    expect(body.sources).toEqual([
      expect.objectContaining({ source: 'ocsp', location: `${fx.responder.url}/ocsp/uptrends-intermediate`, status: 'revoked', reason: 'keyCompromise' }),
      expect.objectContaining({ source: 'crl', location: `${fx.responder.url}/crl/uptrends-intermediate.crl`, status: 'revoked', reason: 'keyCompromise' }),
    ]);
  });

  it('finds the issuer in the CERT file, or downloads it from the AIA caIssuers URL', async () => {
    const fromChain = await cli(['revocation', 'check', file('chain.pem')]);
    expect(fromChain.code).toBe(0);
    expect(fromChain.stdout).toMatch(/^GOOD/);
    const before = fx.responder.requests.ca;
    const fromAia = await cli(['revocation', 'check', file('standin.pem'), '--json']);
    expect(fromAia.code).toBe(0);
    expect(fx.responder.requests.ca).toBe(before + 1);
    expect((JSON.parse(fromAia.stdout) as { sources: Array<{ status: string }> }).sources.map((s) => s.status)).toEqual(['good', 'good']);
  });

  it('responder down: exit 3, each source says why', async () => {
    fx.responder.fault = 'down';
    try {
      const run = await cli(['revocation', 'check', file('standin.pem'), '--issuer', file('intermediate.pem'), '--timeout', '5000']);
      expect(run.code).toBe(3);
      expect(run.stdout).toMatch(/OCSP ERROR/);
      expect(run.stdout).toMatch(/CRL {2}ERROR/);
    } finally {
      fx.responder.fault = 'none';
    }
  });
});
