import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../client/helpers/pki.js';
import { closedPort, startTestServer, type TestServer } from '../client/helpers/server.js';
import { cli } from './capture-cli.js';

let pki: TestPki;
let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  pki = await createTestPki();
  server = await startTestServer(pki);
  env = { CUSTOMER_P12_PASSWORD: pki.customerP12Password, CERTGATE_PKI: pki.pkiDir };
});
afterAll(async () => {
  await server?.close();
  pki?.cleanup();
});

describe('certgate request', () => {
  it('uptrends: exit 0, status, timing, TLS details and the certificate that was sent', async () => {
    const run = await cli(['request', `${server.url}/whoami`, '--client-cert', 'uptrends', '--trust-pki-server'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`HTTP 200 OK  (GET ${server.url}/whoami)`);
    expect(run.stdout).toMatch(/\ntime: {4}[\d.]+ ms total \(connect [\d.]+ ms, tls [\d.]+ ms, headers [\d.]+ ms\)\n/);
    expect(run.stdout).toMatch(/\ntls: {5}TLSv1\.3 TLS_\w+, server certificate verified\n/);
    expect(run.stdout).toMatch(/\nsent: {4}uptrends: emailAddress=certificates@uptrends\.com, serial [0-9A-F]+, sha256 [0-9A-F]{64}, expires \d{4}-/);
    expect(run.stdout).toContain('\nserver:  CN=localhost,O=TEST certgate harness (issuer CN=TEST Server CA,O=TEST certgate harness)\n');
    expect(run.stdout).toContain('"email":"certificates@uptrends.com"');
  });

  it('a PKCS#12 file with --password-env, and a PEM with --key', async () => {
    const p12 = await cli(['request', `${server.url}/whoami`, '--client-cert', pki.customerP12, '--password-env', 'CUSTOMER_P12_PASSWORD', '--ca', pki.serverCa], { env });
    expect(p12.code).toBe(0);
    expect(p12.stdout).toContain(`sent:    custom-client.p12: ${pki.customerSubject}, serial `);
    const pem = await cli(['request', `${server.url}/whoami`, '--client-cert', 'certs/custom-client.pem', '--key', 'keys/custom-client.key.pem', '--ca', 'ca/server-ca.pem'], { env, cwd: pki.pkiDir });
    expect(pem.code).toBe(0);
    expect(pem.stdout).toContain(`"cn":"${pki.customerCn}"`);
    const byId = await cli(['request', `${server.url}/whoami`, '--client-cert', 'pki:custom-client', '--trust-pki-server'], { env });
    expect(byId.code).toBe(0);
    expect(byId.stdout).toContain(`sent:    pki:custom-client: ${pki.customerSubject}, serial `);
    const combined = await cli(['request', `${server.url}/whoami`, '--client-cert', 'customer-combined.pem', '--ca', pki.serverCa], { env, cwd: pki.dir });
    expect(combined.code).toBe(0);
  });

  it('none: exit 1 with the server\'s problem+json reason', async () => {
    const run = await cli(['request', `${server.url}/whoami`, '--client-cert', 'none', '--ca', pki.serverCa], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('HTTP 401 Unauthorized');
    expect(run.stdout).toContain('reason:  CERT_MISSING: Client certificate required (the request presented no client certificate)');
    expect(run.stdout).toContain('sent:    no client certificate');
  });

  it('--json prints the whole result; method, headers and @file data are sent', async () => {
    const dataFile = path.join(pki.dir, 'body.json');
    writeFileSync(dataFile, '{"probe":true}');
    const run = await cli(['request', `${server.url}/echo`, '--client-cert', 'none', '--ca', pki.serverCa, '-X', 'PUT', '-H', 'Content-Type: application/json', '-H', 'X-Trace: abc', '--data', `@${dataFile}`, '--json'], { env });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { ok: boolean; status: number; json: { method: string; body: string; headers: Record<string, string> }; timing: { totalMs: number } };
    expect(result.ok).toBe(true);
    expect(result.json).toMatchObject({ method: 'PUT', body: '{"probe":true}', headers: { 'x-trace': 'abc', 'content-type': 'application/json' } });
    expect(result.timing.totalMs).toBeGreaterThan(0);
  });

  it('connection refused: exit 3 with the reason (and JSON with --json)', async () => {
    const port = await closedPort();
    const run = await cli(['request', `https://127.0.0.1:${port}/`, '--client-cert', 'none'], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`certgate request: CONNECTION_FAILED: https://127.0.0.1:${port}: the connection was refused (nothing listens there) (ECONNREFUSED)\n`);
    const json = await cli(['request', `https://127.0.0.1:${port}/`, '--client-cert', 'none', '--json'], { env });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED' } });
  });

  it('an untrusted server certificate or a timeout: exit 3; --insecure gets an answer', async () => {
    const untrusted = await cli(['request', `${server.url}/whoami`, '--client-cert', 'none'], { env });
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toContain('TLS_HANDSHAKE_FAILED');
    const timeout = await cli(['request', `${server.url}/hang`, '--client-cert', 'none', '--ca', pki.serverCa, '--timeout', '200'], { env });
    expect(timeout.code).toBe(3);
    expect(timeout.stderr).toContain('REQUEST_TIMEOUT');
    const insecure = await cli(['request', `${server.url}/whoami`, '--client-cert', 'none', '-k'], { env });
    expect(insecure.code).toBe(1);
    expect(insecure.stdout).toContain('server certificate NOT verified (--insecure)');
  });

  it('usage errors and unreadable input: exit 2, passwords never printed', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['request'], /expected one URL, found none/],
      [['request', `${server.url}/`], /--client-cert is required/],
      [['request', 'ftp://127.0.0.1/', '--client-cert', 'none'], /expected an http: or https: URL/],
      [['request', `${server.url}/`, '--client-cert', 'none', '--bogus'], /unknown option --bogus; known options: --ca, --client-cert/],
      [['request', `${server.url}/`, '--client-cert', 'none', '-H', 'no colon'], /expected 'Name: value'/],
      [['request', `${server.url}/`, '--client-cert', 'none', '--timeout', '1.5'], /--timeout/],
      [['request', `${server.url}/`, '--client-cert', pki.customerP12, '--password-env', 'NOPE'], /ENV_VAR_MISSING: --password-env NOPE: the environment variable NOPE is not set/],
      [['request', `${server.url}/`, '--client-cert', pki.customerP12, '--password-env', 'WRONG'], /PKCS12_BAD_PASSWORD: custom-client\.p12: the password does not open/],
      [['request', `${server.url}/`, '--client-cert', pki.customerCert], /PEM certificate without a private key: add --key/],
      [['request', `${server.url}/`, '--client-cert', path.join(pki.dir, 'absent.p12')], /no such file/],
      [['request', `${server.url}/`, '--client-cert', 'uptrends', '--pki', path.join(pki.dir, 'none')], /certgate pki init/],
      [['request', `${server.url}/`, '--client-cert', 'none', '--data', '@'], /expected a file name after @/],
    ];
    for (const [argv, message] of cases) {
      const run = await cli(argv, { env: { ...env, WRONG: 'not-the-password-123' } });
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.stderr, argv.join(' ')).toMatch(message);
      expect(run.stderr).not.toContain('not-the-password-123');
      expect(run.stderr).not.toContain(pki.customerP12Password);
    }
  });

  it('the built binary exits 3 on a refused connection (real process)', async () => {
    const bin = new URL('../../dist/cli/main.js', import.meta.url).pathname;
    if (!existsSync(bin)) throw new Error('dist/cli/main.js missing: run npm run build (npm test does)');
    const port = await closedPort();
    const code = await new Promise<number | null>((resolve) => {
      execFile(process.execPath, [bin, 'request', `https://127.0.0.1:${port}/`, '--client-cert', 'none'], { env: {} }, (error) => resolve(error === null ? 0 : (error as { code?: number }).code ?? null));
    });
    expect(code).toBe(3);
  });
});
