import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { readPkcs12 } from '../../src/cert/pkcs12.js';
import { TEST_P12_PASSWORD } from '../../src/harness/pki.js';
import { cli } from './capture-cli.js';

const FIXTURES = path.resolve('fixtures/pki');
const CA_P12 = path.join(FIXTURES, 'p12/customer-ca.p12');
const CA_ENV = { CERTGATE_CA_PASSWORD: TEST_P12_PASSWORD };
// Low iteration counts keep the suite quick; one test checks the default.
const FAST = ['--iterations', '2000'];
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'certgate-cli-pki-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dir(name: string): string {
  const d = path.join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
}

function generatedPassword(stdout: string): string {
  const match = /store it now\):\n(\S+)\n/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`no password in output:\n${stdout}`);
  return match[1];
}

/** Every file under `root`, recursively. */
function allFiles(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).map((p) => path.join(root, p)).filter((p) => statSync(p).isFile());
}

function containsSecret(file: string, secret: string): boolean {
  const bytes = readFileSync(file);
  const forms = [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le'), Buffer.from(secret, 'utf16le').swap16()];
  return forms.some((form) => bytes.includes(form));
}

describe('certgate pki init', () => {
  it('writes the PKI, refuses to overwrite it without --force, and reuses keys with --force', async () => {
    const out = path.join(tmp, 'init');
    const args = ['pki', 'init', '--out', out, '--now', '2026-01-01T00:00:00Z', '--key-cache', path.join(FIXTURES, 'keys'), '--serial-seed', 'certgate-fixtures'];
    const first = await cli(args, { cwd: tmp });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('TEST-ONLY');
    expect(first.stdout).toContain('0 generated, 14 from cache');
    expect(first.stdout).toMatch(/zoo-revoked\s+401 CERT_REVOKED/);
    expect(readFileSync(path.join(out, 'certs/uptrends-standin.pem')).equals(readFileSync(path.join(FIXTURES, 'certs/uptrends-standin.pem')))).toBe(true);

    const again = await cli(args, { cwd: tmp });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');

    // --force without --key-cache reuses the keys in DIR/keys.
    const forced = await cli(['pki', 'init', '--out', out, '--now', '2026-02-01T00:00:00Z', '--force', '--json'], { cwd: tmp });
    expect(forced.code, forced.stderr).toBe(0);
    const summary = JSON.parse(forced.stdout) as { referenceTime: string; stats: { keysFromCache: number; keysGenerated: number } };
    expect(summary.referenceTime).toBe('2026-02-01T00:00:00.000Z');
    expect(summary.stats).toMatchObject({ keysFromCache: 14, keysGenerated: 0 });
  });

  it('defaults to $CERTGATE_PKI, and the archive password to $CERTGATE_TEST_P12_PASSWORD when set', async () => {
    const home = dir('env-home');
    cpSync(path.join(FIXTURES, 'keys'), path.join(home, 'custom', 'keys'), { recursive: true });
    const run = await cli(['pki', 'init'], { cwd: home, env: { CERTGATE_PKI: 'custom', CERTGATE_TEST_P12_PASSWORD: 'my own test password' } });
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(home, 'custom', 'manifest.json'), 'utf8')) as { entries: Array<{ id: string; p12Password?: string; p12PasswordEnv?: string }> };
    const custom = manifest.entries.find((e) => e.id === 'custom-client')!;
    expect(custom.p12Password).toBeUndefined(); // a chosen password is never written down
    expect(custom.p12PasswordEnv).toBe('CERTGATE_TEST_P12_PASSWORD');
    expect(readPkcs12(readFileSync(path.join(home, 'custom', 'p12/custom-client.p12')), 'my own test password').certificate).toBeDefined();
    for (const file of allFiles(path.join(home, 'custom'))) expect(containsSecret(file, 'my own test password'), file).toBe(false);
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      ['pki', 'init', '--out', path.join(tmp, 'bad1'), '--now', 'yesterday'],
      ['pki', 'init', '--out', path.join(tmp, 'bad2'), '--revocation-url', 'http://crl.example.com'],
      ['pki', 'init', '--out', path.join(tmp, 'bad3'), '--new-keys', '--key-cache', 'x'],
      ['pki', 'init', '--bogus'],
      ['pki'],
      ['pki', 'frobnicate'],
    ]) {
      const run = await cli(args, { cwd: tmp });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('certgate pki:');
    }
  });
});

describe('certgate pki issue', () => {
  it('issues from a CA archive: PKCS#12 that OpenSSL and Node open, a chain that verifies, the password on stdout only', async () => {
    const out = dir('issue-ok');
    const run = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'Prod monitor 1', '--days', '90', '--now', '2026-01-01T00:00:00Z', ...FAST], { cwd: out, env: CA_ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const password = generatedPassword(run.stdout);
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const p12File = path.join(out, 'Prod-monitor-1.p12');
    const pemFile = path.join(out, 'Prod-monitor-1.pem');

    const contents = readPkcs12(readFileSync(p12File), password);
    const leaf = parseCertificate(contents.certificate!);
    expect(leaf.subject.toString()).toBe('CN=Prod monitor 1');
    expect(leaf.issuer.get('CN')).toBe('TEST Customer CA');
    expect(leaf.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(leaf.basicConstraints).toEqual({ ca: false, pathLen: undefined });
    expect(leaf.publicKey).toMatchObject({ type: 'RSA', bits: 2048 });
    expect(leaf.notBefore.toISOString()).toBe('2025-12-31T23:55:00.000Z');
    expect(leaf.notAfter.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(leaf.serialBytes.length).toBe(16);
    expect(contents.friendlyName).toBe('Prod monitor 1');
    expect(parseCertificate(readFileSync(pemFile)).sha256).toBe(leaf.sha256);

    const info = spawnSync('openssl', ['pkcs12', '-info', '-noout', '-in', p12File, '-passin', 'env:PW'], { encoding: 'utf8', env: { ...process.env, PW: password } });
    expect(info.status, info.stderr).toBe(0);
    expect(info.stderr).toContain('PBES2, PBKDF2, AES-256-CBC, Iteration 2000, PRF hmacWithSHA256');
    expect(() => tls.createSecureContext({ pfx: readFileSync(p12File), passphrase: password })).not.toThrow();
    const verify = spawnSync('openssl', ['verify', '-purpose', 'sslclient', '-attime', String(Date.parse('2026-01-02T00:00:00Z') / 1000), '-CAfile', path.join(FIXTURES, 'ca/customer-ca.pem'), pemFile], { encoding: 'utf8' });
    expect(verify.status, verify.stderr).toBe(0);

    // The password is in no file: not the archive, not the PEM, not the index.
    const files = allFiles(out);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(['Prod-monitor-1.p12', 'Prod-monitor-1.pem', 'certgate-issued.json']);
    for (const file of files) expect(containsSecret(file, password), file).toBe(false);
    const index = JSON.parse(readFileSync(path.join(out, 'certgate-issued.json'), 'utf8')) as { issued: Array<{ nickname: string; serial: string }> };
    expect(index.issued).toEqual([expect.objectContaining({ nickname: 'Prod monitor 1', serial: leaf.serialNumber })]);
  });

  it('nicknames are unique per output directory, ignoring case and repeated spaces', async () => {
    const out = dir('issue-unique');
    const first = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'Shared name', '--days', '30', ...FAST], { cwd: out, env: CA_ENV });
    expect(first.code, first.stderr).toBe(0);
    for (const name of ['Shared name', 'SHARED NAME', 'shared  name']) {
      const again = await cli(['pki', 'issue', '--ca', CA_P12, '--name', name, '--days', '30', '--out', `other-${name.length}.p12`, ...FAST], { cwd: out, env: CA_ENV });
      expect(again.code, name).toBe(2);
      expect(again.stderr).toContain('already used');
    }
    // Another directory is another namespace.
    const elsewhere = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'Shared name', '--days', '30', '--out', 'sub/x.p12', ...FAST], { cwd: out, env: CA_ENV });
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    // An existing file is never overwritten.
    writeFileSync(path.join(out, 'taken.p12'), 'x');
    const taken = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'Fresh', '--days', '30', '--out', 'taken.p12', ...FAST], { cwd: out, env: CA_ENV });
    expect(taken.code).toBe(2);
    expect(readFileSync(path.join(out, 'taken.p12'), 'utf8')).toBe('x');
  });

  it('rejects bad nicknames', async () => {
    const out = dir('issue-names');
    for (const name of ['', 'bad/name', 'naïve', 'a.b', ' leading', 'trailing ', 'x'.repeat(65), 'semi;colon']) {
      const run = await cli(['pki', 'issue', '--ca', CA_P12, '--name', name, '--days', '30', ...FAST], { cwd: out, env: CA_ENV });
      expect(run.code, JSON.stringify(name)).toBe(2);
      expect(run.stderr).toContain('--name');
    }
    expect(readdirSync(out)).toEqual([]);
    const ok = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'ok_Name-2 x', '--days', '30', ...FAST], { cwd: out, env: CA_ENV });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('--end DATE means the end of that day (UTC); --days and --end are exclusive; the CA must outlive the certificate', async () => {
    const out = dir('issue-dates');
    const base = ['pki', 'issue', '--ca', CA_P12, '--now', '2026-01-01T00:00:00Z', ...FAST, '--json'];
    const end = await cli([...base, '--name', 'end-date', '--end', '2027-06-30'], { cwd: out, env: CA_ENV });
    expect(end.code, end.stderr).toBe(0);
    const summary = JSON.parse(end.stdout) as { notAfter: string; password: string; file: string };
    expect(summary.notAfter).toBe('2027-06-30T23:59:59.000Z');
    expect(readPkcs12(readFileSync(summary.file), summary.password).certificate).toBeDefined();
    const exact = await cli([...base, '--name', 'end-exact', '--end', '2026-03-01T12:00:00Z'], { cwd: out, env: CA_ENV });
    expect(JSON.parse(exact.stdout)).toMatchObject({ notAfter: '2026-03-01T12:00:00.000Z' });

    const cases: Array<[string[], RegExp]> = [
      [['--name', 'both', '--days', '5', '--end', '2026-06-01'], /exactly one of --days/],
      [['--name', 'neither'], /exactly one of --days/],
      [['--name', 'past', '--end', '2025-06-01'], /not in the future/],
      [['--name', 'zero', '--days', '0'], /--days: expected 1 to 3650/],
      [['--name', 'frac', '--days', '1.5'], /whole number/],
      [['--name', 'garbage', '--end', 'soon'], /ISO 8601/],
      [['--name', 'beyond-ca', '--now', '2034-01-01T00:00:00Z', '--days', '1000'], /CA certificate expires on 2035-12-30/],
      [['--name', 'key', '--days', '5', '--key', 'dsa'], /--key: expected rsa2048, rsa4096 or p256/],
    ];
    for (const [extra, message] of cases) {
      const run = await cli([...base, ...extra], { cwd: out, env: CA_ENV });
      expect(run.code, extra.join(' ')).toBe(2);
      expect(run.stderr, extra.join(' ')).toMatch(message);
    }
  });

  it('--password-env takes the password from the environment and never prints it', async () => {
    const out = dir('issue-env');
    const secret = 'an env password of some length';
    const run = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'from env', '--days', '30', '--password-env', 'MY_P12_PW', ...FAST], { cwd: out, env: { ...CA_ENV, MY_P12_PW: secret } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain(secret);
    expect(run.stdout).toContain('the value of MY_P12_PW');
    expect(readPkcs12(readFileSync(path.join(out, 'from-env.p12')), secret).certificate).toBeDefined();
    for (const file of allFiles(out)) expect(containsSecret(file, secret), file).toBe(false);

    const unset = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'unset', '--days', '30', '--password-env', 'NOPE', ...FAST], { cwd: out, env: CA_ENV });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('NOPE is not set');
    const short = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'short', '--days', '30', '--password-env', 'PW', ...FAST], { cwd: out, env: { ...CA_ENV, PW: 'short' } });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 12');
    expect(short.stderr).not.toContain('short\n');
  });

  it('the CA archive password comes from $CERTGATE_CA_PASSWORD or --ca-password-env; a wrong one is PKCS12_BAD_PASSWORD', async () => {
    const out = dir('issue-ca-pw');
    const missing = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'a', '--days', '30', ...FAST], { cwd: out, env: {} });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('CERTGATE_CA_PASSWORD');
    const wrong = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'a', '--days', '30', ...FAST], { cwd: out, env: { CERTGATE_CA_PASSWORD: 'wrong' } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('PKCS12_BAD_PASSWORD');
    const named = await cli(['pki', 'issue', '--ca', CA_P12, '--ca-password-env', 'OTHER', '--name', 'a', '--days', '30', ...FAST], { cwd: out, env: { OTHER: TEST_P12_PASSWORD } });
    expect(named.code, named.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['a.p12', 'a.pem', 'certgate-issued.json']);
  });

  it('issues from PEM files, with an EC P-256 key; refuses a CA that is not one', async () => {
    const out = dir('issue-pem');
    const run = await cli(
      ['pki', 'issue', '--ca-cert', path.join(FIXTURES, 'ca/customer-ca.pem'), '--ca-key', path.join(FIXTURES, 'keys/customer-ca.key.pem'), '--name', 'ec client', '--days', '30', '--key', 'p256', ...FAST],
      { cwd: out },
    );
    expect(run.code, run.stderr).toBe(0);
    const contents = readPkcs12(readFileSync(path.join(out, 'ec-client.p12')), generatedPassword(run.stdout));
    expect(contents.privateKey?.asymmetricKeyType).toBe('ec');
    expect(parseCertificate(contents.certificate!).keyUsage).toMatchObject({ digitalSignature: true, keyEncipherment: false });

    const notCa = await cli(
      ['pki', 'issue', '--ca-cert', path.join(FIXTURES, 'certs/uptrends-standin.pem'), '--ca-key', path.join(FIXTURES, 'keys/uptrends-standin.key.pem'), '--name', 'n', '--days', '30', ...FAST],
      { cwd: out },
    );
    expect(notCa.code).toBe(2);
    expect(notCa.stderr).toContain('is not a CA');
    const mismatch = await cli(
      ['pki', 'issue', '--ca-cert', path.join(FIXTURES, 'ca/customer-ca.pem'), '--ca-key', path.join(FIXTURES, 'keys/server-ca.key.pem'), '--name', 'n', '--days', '30', ...FAST],
      { cwd: out },
    );
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('does not belong');
    const both = await cli(['pki', 'issue', '--ca', CA_P12, '--ca-cert', 'x', '--name', 'n', '--days', '30'], { cwd: out, env: CA_ENV });
    expect(both.code).toBe(2);
  });

  it('defaults to a high iteration count (600,000)', async () => {
    const out = dir('issue-default');
    const run = await cli(['pki', 'issue', '--ca', CA_P12, '--name', 'strong', '--days', '30'], { cwd: out, env: CA_ENV });
    expect(run.code, run.stderr).toBe(0);
    const info = spawnSync('openssl', ['pkcs12', '-info', '-noout', '-in', path.join(out, 'strong.p12'), '-passin', 'env:PW'], { encoding: 'utf8', env: { ...process.env, PW: generatedPassword(run.stdout) } });
    expect(info.stderr).toContain('MAC: sha256, Iteration 600000');
    expect(info.stderr).toContain('AES-256-CBC, Iteration 600000, PRF hmacWithSHA256');
    const key = createPrivateKey(readPkcs12(readFileSync(path.join(out, 'strong.p12')), generatedPassword(run.stdout)).privateKey!.export({ format: 'pem', type: 'pkcs8' }));
    expect(new X509Certificate(readFileSync(path.join(out, 'strong.pem'))).checkPrivateKey(key)).toBe(true);
  });
});
