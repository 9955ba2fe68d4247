import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, runScenario, validateScenario, type RunScenarioOptions } from '../../src/client/scenario.js';
import { formatScenarioSummary } from '../../src/client/summary.js';
import type { RequestOptions, RequestResult } from '../../src/client/types.js';
import { isClientCertError } from '../../src/errors.js';
import { createTestPki, type TestPki } from './helpers/pki.js';
import { rejection, startTestServer, type TestServer } from './helpers/server.js';

let pki: TestPki;
let server: TestServer;
let env: Record<string, string>;
let base: RunScenarioOptions;

beforeAll(async () => {
  pki = await createTestPki();
  server = await startTestServer(pki);
  env = { CUSTOMER_P12_PASSWORD: pki.customerP12Password, MONITOR_USER: 'probe', CUSTOMER_CN: pki.customerCn };
  base = { env, baseDir: pki.pkiDir, pkiDir: pki.pkiDir, ca: pki.serverCa };
});
afterAll(async () => {
  await server?.close();
  pki?.cleanup();
});

const vault = { customer: { file: 'p12/custom-client.p12', passwordEnv: 'CUSTOMER_P12_PASSWORD', description: 'TEST customer certificate' } };

/** A `request` hook that records calls and never touches the network. */
function recorder(answer?: Partial<RequestResult>): { calls: Array<{ url: string; options: RequestOptions }>; request: NonNullable<RunScenarioOptions['request']> } {
  const calls: Array<{ url: string; options: RequestOptions }> = [];
  return {
    calls,
    request: async (url, options) => {
      calls.push({ url, options });
      return fakeResult(url, answer);
    },
  };
}

function fakeResult(url: string, answer: Partial<RequestResult> = {}): RequestResult {
  return {
    url,
    method: 'GET',
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    bodyBytes: 2,
    bodyTruncated: false,
    json: {},
    problem: undefined,
    timing: { headersMs: 1, totalMs: 2 },
    tls: undefined,
    clientCert: { source: 'none', label: 'none', certificate: undefined, chainLength: 0, weak: false },
    ...answer,
  };
}


describe('runScenario against a real mTLS server', () => {
  it('runs steps with per-step certificates, captures, and variables used by later steps', async () => {
    const definition = {
      name: 'monitor flow',
      vault,
      variables: { base: server.url },
      steps: [
        {
          name: 'who am I (Uptrends)',
          clientCert: 'uptrends',
          request: { url: '{{base}}/whoami' },
          assert: [{ status: 200 }, { jsonPath: '$.email', equals: 'certificates@uptrends.com' }, { header: 'content-type', contains: 'json' }],
        },
        {
          name: 'login (customer)',
          clientCert: 'customer',
          request: { method: 'POST', url: '{{base}}/login', json: { user: '{{env.MONITOR_USER}}' } },
          assert: [{ status: 200 }, { jsonPath: '$.user.roles', contains: 'monitor' }, { header: 'x-session', matches: '^session-\\d+$' }],
          capture: { token: { jsonPath: '$.token' }, session: { header: 'x-session' }, userId: { jsonPath: '$.user.id' }, tokenSuffix: { regex: '"tok-([0-9a-f]+)"' } },
        },
        {
          name: 'orders with the token, no certificate',
          request: { url: '{{base}}/orders', headers: { Authorization: 'Bearer {{token}}' } },
          assert: [{ status: 200 }, { jsonPath: '$.orders[1].item', equals: 'cable' }, { jsonPath: '$.owner', equals: '{{env.CUSTOMER_CN}}' }, { jsonPath: '$.cn', equals: null }],
        },
        {
          name: 'echo captured values',
          clientCert: 'customer',
          request: { url: '{{base}}/echo', json: { id: '{{userId}}', session: '{{session}}', tail: '{{tokenSuffix}}' } },
          assert: [{ jsonPath: '$.method', equals: 'POST' }, { jsonPath: '$.headers.content-type', equals: 'application/json' }],
          capture: { echoed: { jsonPath: '$.body' } },
        },
        {
          name: 'manifest entry by id',
          clientCert: 'pki:custom-client',
          request: { url: '{{base}}/whoami' },
          assert: [{ jsonPath: '$.cn', equals: '{{env.CUSTOMER_CN}}' }],
        },
        {
          name: 'none is refused',
          clientCert: 'none',
          request: { url: '{{base}}/whoami' },
          assert: [{ status: 401 }, { jsonPath: '$.code', equals: 'CERT_MISSING' }],
        },
      ],
    };
    const seen = server.seen.length;
    const result = await runScenario(definition, base);
    expect(result.steps.map((s) => [s.outcome, s.reason])).toEqual(Array.from({ length: 6 }, () => ['passed', undefined]));
    expect(result.ok).toBe(true);
    expect(result.counts).toEqual({ passed: 6, failed: 0, error: 0, skipped: 0 });
    expect(server.seen.slice(seen).map((s) => s.cn)).toEqual(['certificates@uptrends.com', pki.customerCn, undefined, pki.customerCn, pki.customerCn, undefined]);
    expect(result.steps[1]?.captured).toEqual(['token', 'session', 'userId', 'tokenSuffix']);
    const token = (result.steps[1]?.response?.json as { token: string }).token;
    expect(JSON.parse((result.steps[3]?.response?.json as { body: string }).body)).toEqual({ id: '42', session: 'session-7', tail: token.slice(4) });
    expect(result.steps[5]?.problem?.code).toBe('CERT_MISSING');
    expect(result.steps.map((s) => s.certificate)).toEqual(['uptrends', 'customer', 'none', 'customer', 'pki:custom-client', 'none']);
    expect(result.steps[0]?.response?.tls?.clientCertificate?.subject).toBe('emailAddress=certificates@uptrends.com');

    const table = formatScenarioSummary(result);
    expect(table).toMatch(/^scenario: monitor flow\n#\s+step\s+certificate\s+status\s+time\s+result\s+reason\n/);
    expect(table).toMatch(/2\s+login \(customer\)\s+customer\s+200\s+[\d.]+ ms\s+PASS/);
    expect(table).toContain('6 steps: 6 passed');
  });

  it('stops at a failed assertion by default, with expected and actual in the reason', async () => {
    const definition = {
      variables: { base: server.url },
      steps: [
        { name: 'needs a certificate', request: { url: '{{base}}/whoami' }, assert: [{ status: 200 }] },
        { name: 'never run', request: { url: '{{base}}/whoami' } },
      ],
    };
    const seen = server.seen.length;
    const result = await runScenario(definition, base);
    expect(result.ok).toBe(false);
    expect(result.steps[0]).toMatchObject({ outcome: 'failed', status: 401, reason: 'status: expected 200, got 401 (CERT_MISSING: Client certificate required (the request presented no client certificate))' });
    expect(result.steps[1]).toMatchObject({ outcome: 'skipped', reason: 'not run: an earlier step failed (set continueOnFailure to run every step)' });
    expect(server.seen.length - seen).toBe(1);
    expect(formatScenarioSummary(result)).toMatch(/\n2 steps: 0 passed, 1 failed, 1 skipped \([\d.]+ ms\) - FAILED\n$/);
  });

  it('continueOnFailure runs the rest; a step needing a value the failed step did not capture is an error', async () => {
    const definition = {
      variables: { base: server.url },
      continueOnFailure: true,
      steps: [
        { name: 'login without a certificate', request: { method: 'POST', url: '{{base}}/login' }, capture: { token: { jsonPath: '$.token' } } },
        { name: 'orders', request: { url: '{{base}}/orders', headers: { authorization: 'Bearer {{token}}' } } },
        { name: 'uptrends still works', clientCert: 'uptrends', request: { url: '{{base}}/whoami' }, assert: [{ jsonPath: '$.nothing', exists: true }] },
      ],
    };
    const result = await runScenario(definition, base);
    expect(result.steps.map((s) => s.outcome)).toEqual(['failed', 'error', 'failed']);
    expect(result.steps[0]?.reason).toBe('status: expected 2xx, got 401 (CERT_MISSING: Client certificate required (the request presented no client certificate)) (+1 more)');
    expect(result.steps[0]?.assertions.map((a) => a.ok)).toEqual([false]);
    expect(result.steps[1]?.reason).toBe('{{token}} has no value: step 1 failed before capturing it');
    expect(result.steps[2]?.reason).toBe('$.nothing: expected to exist, found nothing');
    expect(result.counts).toEqual({ passed: 0, failed: 2, error: 1, skipped: 0 });
  });

  it('a step whose server is gone is an error with the connection reason', async () => {
    const result = await runScenario({ steps: [{ name: 'closed port', request: { url: 'https://127.0.0.1:1/' } }] }, base);
    expect(result.steps[0]).toMatchObject({ outcome: 'error', errorCode: 'CONNECTION_FAILED', status: undefined });
    expect(result.steps[0]?.reason).toContain('ECONNREFUSED');
  });
});

describe('runScenario checks everything before sending anything', () => {
  it('a step naming a missing vault item: VAULT_ITEM_UNKNOWN naming the step, the item and the known ones', async () => {
    const hook = recorder();
    const error = await rejection(
      runScenario({ vault, steps: [{ name: 'ok', request: { url: 'https://127.0.0.1:9/' } }, { name: 'orders', clientCert: 'custmer', request: { url: 'https://127.0.0.1:9/' } }] }, { ...base, request: hook.request }),
    );
    expect(error.code).toBe('VAULT_ITEM_UNKNOWN');
    expect(error.message).toBe('scenario: steps[1].clientCert: step 2 "orders" uses client certificate "custmer", which is not in the vault; did you mean "customer"? (vault items: customer; or use uptrends, none or pki:<id>)');
    expect(hook.calls).toEqual([]);
  });

  it('a wrong archive password: PKCS12_BAD_PASSWORD naming the vault item and the variable, never the password', async () => {
    const hook = recorder();
    const error = await rejection(
      runScenario({ vault, steps: [{ name: 'login', clientCert: 'customer', request: { url: 'https://127.0.0.1:9/' } }] }, { ...base, env: { CUSTOMER_P12_PASSWORD: 'Tr0ub4dor&3' }, request: hook.request }),
    );
    expect(error.code).toBe('PKCS12_BAD_PASSWORD');
    expect(error.message).toBe('vault item "customer" (p12/custom-client.p12, used by step 1 "login"): the archive password from the environment variable CUSTOMER_P12_PASSWORD does not open the archive (its integrity check failed)');
    expect(JSON.stringify(error.details)).not.toContain('Tr0ub4dor');
    expect(error.message).not.toContain('Tr0ub4dor');
    expect(hook.calls).toEqual([]);
  });

  it('a vault file that is missing or not an archive', async () => {
    const missing = await rejection(runScenario({ vault: { c: { file: 'nope.p12' } }, steps: [{ clientCert: 'c', request: { url: 'https://127.0.0.1:9/' } }] }, base));
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.message).toContain('vault item "c" (nope.p12, used by step 1 "step 1")');
    expect(missing.message).toContain('no such file');
    const notP12 = await rejection(runScenario({ vault: { c: { file: 'certs/custom-client.pem' } }, steps: [{ clientCert: 'c', request: { url: 'https://127.0.0.1:9/' } }] }, base));
    expect(notP12.code).toBe('PKCS12_MALFORMED');
  });

  it('missing environment variables: ENV_VAR_MISSING for {{env.X}} and for a vault password', async () => {
    const hook = recorder();
    const error = await rejection(
      runScenario(
        { vault, steps: [{ name: 'a', clientCert: 'customer', request: { url: 'https://127.0.0.1:9/{{env.TENANT}}', headers: { 'x-key': '{{env.API_KEY}}' } } }] },
        { ...base, env: {}, request: hook.request },
      ),
    );
    expect(error.code).toBe('ENV_VAR_MISSING');
    expect(error.message).toBe(
      'scenario: 3 problems:\n' +
        '  steps[0].request.url: step 1 "a" uses {{env.TENANT}}, but the environment variable TENANT is not set\n' +
        '  steps[0].request.headers.x-key: step 1 "a" uses {{env.API_KEY}}, but the environment variable API_KEY is not set\n' +
        '  vault.customer.passwordEnv: vault item "customer" takes its archive password from the environment variable CUSTOMER_P12_PASSWORD, which is not set',
    );
    expect(hook.calls).toEqual([]);
  });

  it('an unknown variable, including one captured only by a later step: VARIABLE_UNKNOWN', async () => {
    const hook = recorder();
    const error = await rejection(
      runScenario(
        {
          variables: { base: 'https://127.0.0.1:9' },
          steps: [
            { name: 'early', request: { url: '{{base}}/orders', headers: { authorization: 'Bearer {{token}}' } } },
            { name: 'login', request: { url: '{{base}}/login', json: { a: ['{{bse}}'] } }, capture: { token: { jsonPath: '$.token' } }, assert: [{ header: 'x', equals: '{{token}}' }] },
          ],
        },
        { ...base, request: hook.request },
      ),
    );
    expect(error.code).toBe('VARIABLE_UNKNOWN');
    expect(error.message).toContain('steps[0].request.headers.authorization: step 1 "early" uses {{token}}, which is neither in variables nor captured by an earlier step (defined at this point: base; environment variables are {{env.NAME}})');
    expect(error.message).toContain('steps[1].request.json: step 2 "login" uses {{bse}}, which is neither in variables nor captured by an earlier step; did you mean "base"?');
    // The step's own capture is not available to its own request or assertions.
    expect(error.message).toContain('steps[1].assert[0]: step 2 "login" uses {{token}}');
    expect((error.details?.['issues'] as unknown[]).length).toBe(3);
    expect(hook.calls).toEqual([]);
  });

  it('schema errors name the path of every bad field', async () => {
    const hook = recorder();
    const error = await rejection(
      runScenario(
        {
          vault: { none: { file: 'x.p12' }, ok: { file: 'x.p12', passwordEnv: 'not-a-var', colour: 'red' } },
          variables: { '1st': 'x', fine: { nested: true } },
          timeoutMs: -5,
          steps: [
            { name: 'no url', request: { method: 'GET' } },
            { request: { url: 'https://x/', body: 'a', json: {} }, assert: [{ status: 200, header: 'x' }, { status: 99 }, { header: 'x', equals: 'a', contains: 'b' }, { jsonPath: '$..a', exists: true }, { header: 'x', matches: '(' }] },
            { request: { url: 'https://x/{{a b}}' }, asserts: [], capture: { 'bad-name': { jsonPath: '$.a' }, t: { regex: 'a(b)', group: 2 }, u: {} } },
            'not a step',
          ],
        },
        { ...base, request: hook.request },
      ),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    const paths = (error.details?.['issues'] as Array<{ path: string }>).map((issue) => issue.path);
    expect(paths).toEqual([
      'timeoutMs',
      'vault.none',
      'vault.ok.colour',
      'vault.ok.passwordEnv',
      'variables."1st"',
      'variables.fine',
      'steps[0].request.url',
      'steps[1].request',
      'steps[1].assert[0]',
      'steps[1].assert[1].status',
      'steps[1].assert[2]',
      'steps[1].assert[3].jsonPath',
      'steps[1].assert[4].matches',
      'steps[2].asserts',
      'steps[2].request.url',
      'steps[2].capture.bad-name',
      'steps[2].capture.t.group',
      'steps[2].capture.u',
      'steps[3]',
    ]);
    expect(error.message).toContain('steps[2].asserts: unknown field (expected one of: name, clientCert, request, assert, capture, timeoutMs)');
    expect(error.message).toContain('steps[1].assert[0]: expected exactly one of status, header, jsonPath, found status and header');
    expect(error.message).toContain('steps[0].request.url: expected a string, found nothing');
    expect(hook.calls).toEqual([]);
  });

  it('rejects a definition that is not a scenario at all', () => {
    for (const bad of [null, 'steps', [], { steps: [] }, { steps: {} }]) {
      let caught: unknown;
      try {
        validateScenario(bad, { env: {} });
      } catch (error) {
        caught = error;
      }
      expect(isClientCertError(caught) && caught.code === 'CONFIG_INVALID').toBe(true);
    }
  });

  it('an unknown pki:<id>: a clear error naming the step and the manifest ids, nothing sent', async () => {
    const hook = recorder();
    const error = await rejection(runScenario({ steps: [{ name: 'zoo', clientCert: 'pki:zoo-missing', request: { url: 'https://127.0.0.1:9/' } }] }, { ...base, request: hook.request }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^the test PKI certificate "pki:zoo-missing", used by step 1 "zoo", cannot be loaded: .*has no entry "zoo-missing"/);
    expect(hook.calls).toEqual([]);
  });

  it('the Uptrends stand-in without a test PKI: a clear error naming the steps, nothing sent', async () => {
    const hook = recorder();
    const error = await rejection(runScenario({ steps: [{ name: 'u', clientCert: 'uptrends', request: { url: 'https://127.0.0.1:9/' } }] }, { ...base, pkiDir: path.join(pki.dir, 'missing'), request: hook.request }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^the Uptrends stand-in, used by step 1 "u", cannot be loaded: .*certgate pki init/);
    expect(hook.calls).toEqual([]);
  });
});

describe('assertions and captures (request hook, no network)', () => {
  it('header equals/contains/matches/exists and JSON equals/contains/exists, each failing with expected vs actual', async () => {
    const hook = recorder({
      status: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', 'set-cookie': ['a=1', 'b=2'] },
      json: { n: 42, s: 'hello world', list: [1, { k: 'v' }], obj: { a: [1, 2] } },
      body: '{"n":42}',
    });
    const step = (assert: unknown[]): unknown => ({ name: 's', request: { url: 'https://127.0.0.1:9/' }, assert });
    const passing = [
      { status: [200, 201] },
      { header: 'Content-Type', contains: 'json' },
      { header: 'set-cookie', equals: 'a=1, b=2' },
      { header: 'content-type', matches: 'charset=utf-\\d' },
      { header: 'x-missing', exists: false },
      { jsonPath: '$.n', equals: 42 },
      { jsonPath: '$.s', contains: 'lo wo' },
      { jsonPath: '$.list', contains: { k: 'v' } },
      { jsonPath: '$.obj', equals: { a: [1, 2] } },
      { jsonPath: '$.list[1].k', exists: true },
      { jsonPath: '$.gone', exists: false },
    ];
    const ok = await runScenario({ continueOnFailure: true, steps: [step(passing)] }, { ...base, request: hook.request });
    expect(ok.steps[0]?.assertions.filter((a) => !a.ok)).toEqual([]);
    expect(ok.steps[0]?.outcome).toBe('passed');

    const failing = [
      [{ status: 200 }, 'status: expected 200, got 201'],
      [{ header: 'content-type', equals: 'text/html' }, 'header content-type: expected "text/html", found "application/json; charset=utf-8"'],
      [{ header: 'x-missing', contains: 'a' }, 'header x-missing: expected to contain "a", found no such header'],
      [{ header: 'content-type', matches: '^text/' }, 'header content-type: expected to match /^text\\//, found "application/json; charset=utf-8"'],
      [{ header: 'content-type', exists: false }, 'header content-type: expected to be absent, found "application/json; charset=utf-8"'],
      [{ jsonPath: '$.n', equals: '42' }, '$.n: expected "42", found 42'],
      [{ jsonPath: '$.n', contains: 4 }, '$.n: expected a string or list to contain 4, found 42'],
      [{ jsonPath: '$.list', contains: 3 }, '$.list: expected to contain 3, found [1,{"k":"v"}]'],
      [{ jsonPath: '$.gone', equals: 1 }, '$.gone: expected 1, found nothing'],
      [{ jsonPath: '$.n', exists: false }, '$.n: expected to be absent, found 42'],
    ] as const;
    const bad = await runScenario({ continueOnFailure: true, steps: failing.map(([assertion]) => step([{ status: 201 }, assertion])) }, { ...base, request: hook.request });
    expect(bad.steps.map((s) => s.reason)).toEqual(failing.map(([, message]) => message));
  });

  it('a body that is not JSON: JSON assertions and captures say so', async () => {
    const hook = recorder({ headers: { 'content-type': 'text/html' }, json: undefined, body: '<p>token=abc123</p>' });
    const result = await runScenario(
      { continueOnFailure: true, steps: [{ request: { url: 'https://127.0.0.1:9/' }, assert: [{ jsonPath: '$.a', exists: true }] }, { request: { url: 'https://127.0.0.1:9/' }, capture: { t: { jsonPath: '$.t' }, r: { regex: 'token=(\\w+)' } } }] },
      { ...base, request: hook.request },
    );
    expect(result.steps[0]?.reason).toBe('$.a: expected to exist, found nothing (the response is not JSON: content-type "text/html")');
    expect(result.steps[1]?.reason).toBe('capture t: $.t: the response is not JSON');
    expect(result.steps[1]?.captured).toEqual(['r']);
  });

  it('passes the step options to the request: method, rendered url/headers/body, certificate, CA, timeout', async () => {
    const hook = recorder();
    await runScenario(
      {
        timeoutMs: 5000,
        variables: { host: '127.0.0.1:9', n: 5 },
        steps: [{ request: { method: 'patch', url: 'https://{{host}}/x?n={{n}}', headers: { 'X-N': '{{n}}', 'X-Flag': true }, body: 'n={{n}}&u={{env.MONITOR_USER}}' }, timeoutMs: 700 }],
      },
      { ...base, request: hook.request },
    );
    const [call] = hook.calls;
    expect(call?.url).toBe('https://127.0.0.1:9/x?n=5');
    expect(call?.options).toMatchObject({ method: 'PATCH', headers: [['x-n', '5'], ['x-flag', 'true']], body: 'n=5&u=probe', ca: pki.serverCa, insecure: false, timeoutMs: 700 });
    expect((call?.options.clientCert as { description: { source: string } }).description.source).toBe('none');
  });
});

describe('docs/scenarios.md', () => {
  it('its example is a valid scenario', async () => {
    const doc = readFileSync(new URL('../../docs/scenarios.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(yaml).toBeDefined();
    const file = path.join(pki.dir, 'docs-example.yaml');
    writeFileSync(file, yaml ?? '');
    const { definition } = await loadScenarioFile(file);
    expect(() => validateScenario(definition, { env: { MONITOR_USER: 'probe', CUSTOMER_P12_PASSWORD: 'x' } })).not.toThrow();
    expect(() => validateScenario(definition, { env: {} })).toThrow(/MONITOR_USER/);
  });
});

describe('loadScenarioFile', () => {
  it('reads YAML and JSON, with paths relative to the file', async () => {
    const yamlFile = path.join(pki.dir, 'flow.yaml');
    writeFileSync(
      yamlFile,
      [
        'name: from yaml',
        'vault:',
        '  customer:',
        `    file: ${path.relative(pki.dir, pki.customerP12)}`,
        '    passwordEnv: CUSTOMER_P12_PASSWORD',
        `ca: ${path.relative(pki.dir, pki.serverCa)}`,
        'steps:',
        '  - name: whoami',
        '    clientCert: customer',
        '    request:',
        `      url: ${server.url}/whoami`,
        '    assert:',
        '      - status: 200',
        '      - jsonPath: $.cn',
        `        equals: ${pki.customerCn}`,
        '',
      ].join('\n'),
    );
    const loaded = await loadScenarioFile(yamlFile);
    expect(loaded.baseDir).toBe(pki.dir);
    const result = await runScenario(loaded.definition, { env, baseDir: loaded.baseDir, cwd: '/' });
    expect(result.ok).toBe(true);

    const jsonFile = path.join(pki.dir, 'flow.json');
    writeFileSync(jsonFile, JSON.stringify({ steps: [{ request: { url: 'https://127.0.0.1:9/' } }] }));
    expect((await loadScenarioFile(jsonFile)).definition).toEqual({ steps: [{ request: { url: 'https://127.0.0.1:9/' } }] });
  });

  it('bad files are CONFIG_INVALID with where the parser stopped', async () => {
    const badYaml = path.join(pki.dir, 'bad.yaml');
    writeFileSync(badYaml, 'steps:\n  - request: {url: x\n  bad: [\n');
    const yamlError = await rejection(loadScenarioFile(badYaml));
    expect(yamlError.code).toBe('CONFIG_INVALID');
    expect(yamlError.message).toMatch(/not valid YAML .*line \d+/);
    const badJson = path.join(pki.dir, 'bad.json');
    writeFileSync(badJson, '{"steps": [');
    expect((await rejection(loadScenarioFile(badJson))).message).toContain('not valid JSON');
    expect((await rejection(loadScenarioFile(path.join(pki.dir, 'absent.yaml')))).message).toContain('no such file');
    const dupKeys = path.join(pki.dir, 'dup.yaml');
    writeFileSync(dupKeys, 'steps: []\nsteps: []\n');
    expect((await rejection(loadScenarioFile(dupKeys))).code).toBe('CONFIG_INVALID');
  });

  it('an alias bomb is refused instead of expanded', async () => {
    const bomb = path.join(pki.dir, 'bomb.yaml');
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    lines.push('steps: *a9');
    writeFileSync(bomb, `${lines.join('\n')}\n`);
    const started = Date.now();
    const error = await rejection(loadScenarioFile(bomb));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
