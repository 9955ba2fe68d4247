import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../client/helpers/pki.js';
import { startTestServer, type TestServer } from '../client/helpers/server.js';
import { cli } from './capture-cli.js';

let pki: TestPki;
let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  pki = await createTestPki();
  server = await startTestServer(pki);
  env = { CUSTOMER_P12_PASSWORD: pki.customerP12Password, CERTGATE_PKI: pki.pkiDir, MONITOR_USER: 'probe' };
});
afterAll(async () => {
  await server?.close();
  pki?.cleanup();
});

function scenarioFile(name: string, lines: string[]): string {
  const file = path.join(pki.dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const header = (): string[] => [
  'name: monitor',
  `ca: ${path.relative(pki.dir, pki.serverCa)}`,
  'vault:',
  '  customer:',
  `    file: ${path.relative(pki.dir, pki.customerP12)}`,
  '    passwordEnv: CUSTOMER_P12_PASSWORD',
  '    description: TEST customer certificate',
];

describe('certgate scenario', () => {
  it('runs a YAML scenario and prints the summary table: exit 0', async () => {
    const file = scenarioFile('ok.yaml', [
      ...header(),
      'variables:',
      `  base: ${server.url}`,
      'steps:',
      '  - name: login',
      '    clientCert: customer',
      '    request:',
      '      method: POST',
      '      url: "{{base}}/login"',
      '      json: { user: "{{env.MONITOR_USER}}" }',
      '    capture:',
      '      token: { jsonPath: $.token }',
      '  - name: orders',
      '    request:',
      '      url: "{{base}}/orders"',
      '      headers: { Authorization: "Bearer {{token}}" }',
      '    assert:',
      '      - jsonPath: $.orders[0].id',
      '        equals: 1',
      '  - name: uptrends',
      '    clientCert: uptrends',
      '    request: { url: "{{base}}/whoami" }',
      '  - name: none refused',
      '    request: { url: "{{base}}/whoami" }',
      '    assert: [{ status: 401 }]',
    ]);
    const run = await cli(['scenario', file], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('scenario: monitor');
    expect(lines[1]).toMatch(/^#\s+step\s+certificate\s+status\s+time\s+result\s+reason$/);
    expect(lines[3]).toMatch(/^1\s+login\s+customer\s+200\s+[\d.]+ ms\s+PASS$/);
    expect(lines[4]).toMatch(/^2\s+orders\s+none\s+200\s+[\d.]+ ms\s+PASS$/);
    expect(lines[5]).toMatch(/^3\s+uptrends\s+uptrends\s+200\s+[\d.]+ ms\s+PASS$/);
    expect(lines[6]).toMatch(/^4\s+none refused\s+none\s+401\s+[\d.]+ ms\s+PASS$/);
    expect(run.stdout).toMatch(/\n4 steps: 4 passed \([\d.]+ ms\)\n$/);
  });

  it('a failed assertion: exit 1, the reason in the table; --continue runs the rest; --json', async () => {
    const file = scenarioFile('fail.json', [
      JSON.stringify({ variables: { base: server.url }, ca: path.relative(pki.dir, pki.serverCa), steps: [{ name: 'needs cert', request: { url: '{{base}}/whoami' }, assert: [{ status: 200 }] }, { name: 'next', clientCert: 'uptrends', request: { url: '{{base}}/whoami' } }] }),
    ]);
    const stop = await cli(['scenario', file], { env });
    const trusted = await cli(['scenario', file, '--ca', pki.intermediate, '--trust-pki-server'], { env });
    expect(trusted.stdout).toMatch(/1\s+needs cert\s+none\s+401/);
    const untrusted = await cli(['scenario', file, '--ca', pki.intermediate], { env });
    expect(untrusted.stdout).toMatch(/1\s+needs cert\s+none\s+-\s+-\s+ERROR\s+https:\/\/127\.0\.0\.1:\d+: the server's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(stop.code).toBe(1);
    expect(stop.stdout).toMatch(/1\s+needs cert\s+none\s+401\s+[\d.]+ ms\s+FAIL\s+status: expected 200, got 401 \(CERT_MISSING: Client certificate required/);
    expect(stop.stdout).toMatch(/2\s+next\s+uptrends\s+-\s+-\s+SKIP\s+not run: an earlier step failed/);
    const go = await cli(['scenario', file, '--continue', '--json'], { env });
    expect(go.code).toBe(1);
    const result = JSON.parse(go.stdout) as { ok: boolean; steps: Array<{ outcome: string }> };
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => s.outcome)).toEqual(['failed', 'passed']);
  });

  it('a refused connection in a step is a failed step: exit 1', async () => {
    const file = scenarioFile('refused.yaml', ['steps:', '  - name: nowhere', '    request: { url: "https://127.0.0.1:1/" }']);
    const run = await cli(['scenario', file], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/1\s+nowhere\s+none\s+-\s+-\s+ERROR\s+https:\/\/127\.0\.0\.1:1: the connection was refused/);
    expect(run.stdout).toContain('1 step: 0 passed, 1 error');
  });

  it('invalid scenarios: exit 2 with a clear message, nothing sent', async () => {
    const seen = server.seen.length;
    const missingItem = scenarioFile('missing-item.yaml', [...header(), 'steps:', '  - name: orders', '    clientCert: custmer', `    request: { url: "${server.url}/whoami" }`]);
    const unknownVar = scenarioFile('unknown-var.yaml', [...header(), 'steps:', '  - name: orders', '    request: { url: "{{base}}/whoami" }']);
    const wrongPassword = scenarioFile('wrong-password.yaml', [...header(), 'steps:', '  - name: login', '    clientCert: customer', `    request: { url: "${server.url}/whoami" }`]);
    const schema = scenarioFile('schema.yaml', ['steps:', '  - request: { url: 5 }', '    assert: [{ status: 2000 }]']);
    const cases: Array<[string[], Record<string, string>, string]> = [
      [[missingItem], env, 'certgate scenario: VAULT_ITEM_UNKNOWN: scenario: steps[0].clientCert: step 1 "orders" uses client certificate "custmer", which is not in the vault; did you mean "customer"? (vault items: customer; or use uptrends, none or pki:<id>)\n'],
      [[unknownVar], env, 'certgate scenario: VARIABLE_UNKNOWN: scenario: steps[0].request.url: step 1 "orders" uses {{base}}, which is neither in variables nor captured by an earlier step (no variables are defined at this point; environment variables are {{env.NAME}})\n'],
      [[wrongPassword], { ...env, CUSTOMER_P12_PASSWORD: 'wrong-secret-9' }, `certgate scenario: PKCS12_BAD_PASSWORD: vault item "customer" (${path.relative(pki.dir, pki.customerP12)}, used by step 1 "login"): the archive password from the environment variable CUSTOMER_P12_PASSWORD does not open the archive (its integrity check failed)\n`],
      [[wrongPassword], { CERTGATE_PKI: pki.pkiDir }, 'certgate scenario: ENV_VAR_MISSING: scenario: vault.customer.passwordEnv: vault item "customer" takes its archive password from the environment variable CUSTOMER_P12_PASSWORD, which is not set\n'],
      [[schema], env, 'certgate scenario: CONFIG_INVALID: scenario: 2 problems:\n  steps[0].request.url: expected a string, found number 5\n  steps[0].assert[0].status: expected an HTTP status (100-599) or a list of them, found 2000\n'],
    ];
    for (const [argv, runEnv, message] of cases) {
      const run = await cli(['scenario', ...argv], { env: runEnv });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(message);
      expect(run.stdout).toBe('');
    }
    expect(server.seen.length).toBe(seen);
  });

  it('usage: no file, two files, an unreadable file: exit 2', async () => {
    expect((await cli(['scenario'], { env })).code).toBe(2);
    expect((await cli(['scenario', 'a.yaml', 'b.yaml'], { env })).stderr).toContain('expected one scenario file, found 2');
    const absent = await cli(['scenario', 'absent.yaml'], { env, cwd: pki.dir });
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain(`cannot read ${path.join(pki.dir, 'absent.yaml')} (no such file)`);
  });
});
