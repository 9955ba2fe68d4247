import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { AT, makeChain } from '../helpers/signed-pki.js';
import { cli } from './capture-cli.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const ref = (name: string): string => join(repo, 'fixtures/reference', name);
const uptrends = ['--cert', ref('uptrends-2024.pem'), '--untrusted', ref('sectigo-rsa-client-auth-ca.pem'), '--ca', ref('usertrust-rsa-root.pem')];
const dir = mkdtempSync(join(tmpdir(), 'certgate-verify-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('certgate verify', () => {
  it('exit 0 and the path (subject and SHA-256 per link) for the Uptrends chain on 2025-01-01', async () => {
    const { code, stdout } = await cli(['verify', ...uptrends, '--at', '2025-01-01T00:00:00Z']);
    expect(code).toBe(0);
    expect(stdout).toContain('VALID at 2025-01-01T00:00:00Z for TLS client authentication');
    expect(stdout).toMatch(/0 leaf\s+emailAddress=certificates@uptrends\.com/);
    expect(stdout).toContain('SHA-256 F9:A9:2A:6D:C7:5A:E3:81');
    expect(stdout).toMatch(/2 anchor\s+CN=USERTrust RSA Certification Authority/);
  });

  it('exit 1 with the code and message when invalid (expired, wrong purpose)', async () => {
    const expired = await cli(['verify', ...uptrends, '--at', '2025-07-26T23:59:59Z']);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toContain('CERT_EXPIRED: leaf certificate "emailAddress=certificates@uptrends.com": expired: notAfter is 2025-07-26T23:59:59Z');
    const server = await cli(['verify', ...uptrends, '--at', '2025-01-01', '--purpose', 'server']);
    expect(server.code).toBe(1);
    expect(server.stdout).toContain('EKU_MISMATCH');
  });

  it('--json for both verdicts', async () => {
    const ok = await cli(['verify', ...uptrends, '--at', '2025-01-01T00:00:00Z', '--json']);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, purpose: 'client', chain: [{ subject: 'emailAddress=certificates@uptrends.com', serial: '1A223E5481B066DFDA30E5F35CDB3A81' }, {}, {}] });
    const bad = await cli(['verify', '--cert', ref('uptrends-2024.pem'), '--ca', ref('usertrust-rsa-root.pem'), '--at', '2025-01-01T00:00:00Z', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, code: 'CHAIN_UNTRUSTED', depth: 0 });
  });

  it('takes the intermediates from the --cert file and honours --max-depth and --clock-skew', async () => {
    const { root, intermediate, leaf } = makeChain({ leaf: { notBefore: new Date(AT.getTime() + 10_000) } });
    writeFileSync(join(dir, 'bundle.pem'), leaf.pem + intermediate.pem);
    writeFileSync(join(dir, 'root.pem'), root.pem);
    const base = ['verify', '--cert', 'bundle.pem', '--ca', 'root.pem', '--at', AT.toISOString()];
    expect((await cli(base, { cwd: dir })).stdout).toContain('CERT_NOT_YET_VALID');
    expect((await cli([...base, '--clock-skew', '60'], { cwd: dir })).code).toBe(0);
    expect((await cli([...base, '--clock-skew', '60', '--max-depth', '0'], { cwd: dir })).stdout).toContain('CHAIN_TOO_DEEP');
  });

  it('exit 2 on usage errors and unreadable input', async () => {
    for (const argv of [
      ['verify', '--ca', ref('usertrust-rsa-root.pem')],
      ['verify', '--cert', ref('uptrends-2024.pem')],
      ['verify', ...uptrends, '--at', '2025-01-01 00:00'],
      ['verify', ...uptrends, '--purpose', 'email'],
      ['verify', ...uptrends, '--max-depth', '-1'],
      ['verify', ...uptrends, '--bogus'],
      ['verify', '--cert', join(dir, 'missing.pem'), '--ca', ref('usertrust-rsa-root.pem')],
    ]) {
      const { code, stderr } = await cli(argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(/certgate verify: /);
    }
    writeFileSync(join(dir, 'garbage.pem'), 'not a certificate');
    const garbage = await cli(['verify', '--cert', 'garbage.pem', '--ca', ref('usertrust-rsa-root.pem')], { cwd: dir });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain('CERT_MALFORMED: --cert garbage.pem');
  });

  it('npm run demo verifies the real chain from the built CLI', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(repo, 'dist/cli/main.js'), 'verify', ...uptrends, '--at', '2025-01-01T00:00:00Z']);
    expect(stdout).toContain('VALID at 2025-01-01T00:00:00Z');
  });
});
