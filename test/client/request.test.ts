import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClientCert } from '../../src/client/client-cert.js';
import { request } from '../../src/client/request.js';
import { createTestPki, type TestPki } from './helpers/pki.js';
import { closedPort, rejection, startTestServer, type TestServer } from './helpers/server.js';

let pki: TestPki;
let server: TestServer;

beforeAll(async () => {
  pki = await createTestPki();
  server = await startTestServer(pki);
});
afterAll(async () => {
  await server?.close();
  pki?.cleanup();
});


describe('request() in the three Uptrends modes', () => {
  it('uptrends: sends the stand-in from the PKI manifest, with its intermediate', async () => {
    const result = await request(`${server.url}/whoami`, { clientCert: 'uptrends', pkiDir: pki.pkiDir, ca: pki.serverCa });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ email: 'certificates@uptrends.com', chain: ['TEST Sectigo-like Client Authentication and Secure Email CA'] });
    expect(result.clientCert).toMatchObject({ source: 'uptrends', label: 'uptrends', chainLength: 1 });
    const sent = result.tls?.clientCertificate;
    expect(sent?.subject).toBe('emailAddress=certificates@uptrends.com');
    expect(sent?.issuer).toBe('CN=TEST Sectigo-like Client Authentication and Secure Email CA,O=TEST Sectigo-like Limited,L=Salford,ST=Greater Manchester,C=GB');
    // What the client reports having sent is what the server saw.
    expect(sent?.sha256).toBe((result.json as { sha256: string }).sha256);
    expect(sent?.serialNumber).toBe((result.json as { serial: string }).serial);
    expect(result.clientCert.certificate?.sha256).toBe(sent?.sha256);
  });

  it('uptrends: finds the PKI through CERTGATE_PKI when no pkiDir is given', async () => {
    const result = await request(`${server.url}/whoami`, { clientCert: 'uptrends', env: { CERTGATE_PKI: pki.pkiDir }, cwd: '/nonexistent', ca: pki.serverCa });
    expect(result.status).toBe(200);
  });

  it('pki:<id>: any client certificate of the manifest by id', async () => {
    const result = await request(`${server.url}/whoami`, { clientCert: 'pki:custom-client', pkiDir: pki.pkiDir, ca: pki.serverCa });
    expect(result.json).toMatchObject({ cn: pki.customerCn, chain: [] });
    expect(result.clientCert).toMatchObject({ source: 'pki', label: 'pki:custom-client', chainLength: 0 });
    const unknown = await rejection(loadClientCert('pki:zoo-nothing', { pkiDir: pki.pkiDir }));
    expect(unknown.code).toBe('CONFIG_INVALID');
    expect(unknown.message).toMatch(/has no entry "zoo-nothing" \(it has \d+ entries: uptrends-standin, uptrends-standin-leaf-only, custom-client, zoo-expired, .*, \.\.\.\)/);
    await expect(loadClientCert('pki:../x', { pkiDir: pki.pkiDir })).rejects.toThrow(TypeError);
  });

  it('a SHA-1 signed certificate (too weak for OpenSSL\'s default level) is still sent, flagged weak', async () => {
    const result = await request(`${server.url}/whoami`, { clientCert: 'pki:zoo-sha1', pkiDir: pki.pkiDir, ca: pki.serverCa });
    expect(result.json).toMatchObject({ email: 'certificates@uptrends.com', chain: ['TEST Sectigo-like Client Authentication and Secure Email CA'] });
    expect(result.clientCert.certificate?.sha256).toBe((result.json as { sha256: string }).sha256);
    expect(result.clientCert.weak).toBe(true);
    const strong = await loadClientCert('pki:custom-client', { pkiDir: pki.pkiDir });
    expect(strong.description.weak).toBe(false);
  });

  it('custom p12: sends the archive certificate', async () => {
    const result = await request(`${server.url}/whoami`, { clientCert: { p12: pki.customerP12, password: pki.customerP12Password }, ca: pki.serverCa });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ cn: pki.customerCn });
    expect(result.clientCert.source).toBe('p12');
    expect(result.clientCert.label).toBe('custom-client.p12');
    expect(result.clientCert.certificate?.subject).toBe(pki.customerSubject);
    expect(result.tls?.clientCertificate?.sha256).toBe((result.json as { sha256: string }).sha256);
  });

  it('none: no certificate, and the problem+json reason of the 401 is parsed', async () => {
    const result = await request(`${server.url}/whoami`, { clientCert: 'none', ca: pki.serverCa });
    expect(result.status).toBe(401);
    expect(result.statusText).toBe('Unauthorized');
    expect(result.tls?.clientCertificate).toBeUndefined();
    expect(result.problem).toEqual({
      type: 'https://certgate.dev/problems/cert-missing',
      title: 'Client certificate required',
      status: 401,
      code: 'CERT_MISSING',
      detail: 'the request presented no client certificate',
    });
    expect(server.seen.at(-1)).toEqual({ path: '/whoami', cn: undefined });
  });

  it('PEM certificate + key (a combined PEM file works as both)', async () => {
    const separate = await request(`${server.url}/whoami`, { clientCert: { cert: pki.customerCert, key: pki.customerKey }, ca: pki.serverCa });
    expect(separate.json).toMatchObject({ cn: pki.customerCn });
    const combined = await request(`${server.url}/whoami`, { clientCert: { cert: pki.customerCombined, key: pki.customerCombined }, ca: pki.serverCa });
    expect(combined.json).toMatchObject({ cn: pki.customerCn });
  });
});

describe('request() reports', () => {
  it('TLS details, timing phases and headers', async () => {
    const result = await request(`${server.url}/whoami`, { clientCert: 'uptrends', pkiDir: pki.pkiDir, ca: pki.serverCa });
    expect(result.tls).toMatchObject({ protocol: 'TLSv1.3', alpnProtocol: 'http/1.1', serverVerified: true });
    expect(result.tls?.cipher).toMatch(/^TLS_/);
    expect(result.tls?.serverCertificate?.subject).toBe('CN=localhost,O=TEST certgate harness');
    const t = result.timing;
    expect(t.dnsMs).toBeUndefined(); // an IP literal needs no lookup
    expect(t.connectMs).toBeGreaterThanOrEqual(0);
    expect(t.tlsMs).toBeGreaterThan(0);
    expect(t.headersMs).toBeGreaterThanOrEqual(t.tlsMs ?? 0);
    expect(t.totalMs).toBeGreaterThanOrEqual(t.headersMs);
    expect(result.headers['content-type']).toBe('application/json');
  });

  it('a host name is resolved (dns phase) and verified against the server certificate', async () => {
    const result = await request(`https://localhost:${server.port}/whoami`, { ca: pki.serverCa });
    expect(result.status).toBe(401);
    expect(result.timing.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('sends method, headers and body; defaults to POST with a body', async () => {
    const result = await request(`${server.url}/echo`, { headers: { 'X-Probe': 'yes', 'content-type': 'text/plain' }, body: 'hello', ca: pki.serverCa });
    expect(result.json).toMatchObject({ method: 'POST', body: 'hello', headers: { 'x-probe': 'yes', 'content-type': 'text/plain' } });
    const put = await request(`${server.url}/echo`, { method: 'put', headers: [['X-A', '1'], ['x-a', '2']], ca: pki.serverCa });
    expect(put.json).toMatchObject({ method: 'PUT', headers: { 'x-a': '1, 2' } });
  });

  it('cuts a body beyond maxBodyBytes and says so', async () => {
    const result = await request(`${server.url}/big`, { ca: pki.serverCa, maxBodyBytes: 1000 });
    expect(result.bodyTruncated).toBe(true);
    expect(result.bodyBytes).toBe(1000);
    expect(result.body).toHaveLength(1000);
    const whole = await request(`${server.url}/big`, { ca: pki.serverCa });
    expect(whole.bodyTruncated).toBe(false);
    expect(whole.bodyBytes).toBe(256 * 1024);
  });

  it('trustPkiServer trusts the server CA named by the test PKI manifest', async () => {
    const result = await request(`${server.url}/whoami`, { trustPkiServer: true, pkiDir: pki.pkiDir });
    expect(result.tls?.serverVerified).toBe(true);
    const missing = await rejection(request(`${server.url}/whoami`, { trustPkiServer: true, pkiDir: `${pki.dir}/absent` }));
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.message).toContain('manifest');
  });

  it('insecure skips server verification and says it did', async () => {
    const result = await request(`${server.url}/whoami`, { insecure: true });
    expect(result.status).toBe(401);
    expect(result.tls?.serverVerified).toBe(false);
  });
});

describe('request() over plain http', () => {
  it('works without TLS details, and an aborted signal stops the request', async () => {
    const plain = http.createServer((_req, res) => res.end('plain'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as AddressInfo;
    try {
      const result = await request(`http://127.0.0.1:${port}/`);
      expect(result).toMatchObject({ status: 200, body: 'plain', tls: undefined, json: undefined, problem: undefined });
      expect(result.timing.tlsMs).toBeUndefined();
      expect(result.timing.connectMs).toBeGreaterThanOrEqual(0);
      const aborted = await rejection(request(`http://127.0.0.1:${port}/`, { signal: AbortSignal.abort() }));
      expect(aborted.code).toBe('CONNECTION_FAILED');
      expect(aborted.message).toContain('aborted');
    } finally {
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });
});

describe('request() failures', () => {
  it('an untrusted server certificate is TLS_HANDSHAKE_FAILED with the hint to pass its CA', async () => {
    const error = await rejection(request(`${server.url}/whoami`, { clientCert: 'uptrends', pkiDir: pki.pkiDir }));
    expect(error.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(error.message).toMatch(/not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(error.message).toContain('--ca');
  });

  it('the wrong CA or the wrong name is refused too', async () => {
    expect((await rejection(request(`${server.url}/`, { ca: pki.intermediate }))).code).toBe('TLS_HANDSHAKE_FAILED');
    const wrongName = await rejection(request(`${server.url}/`, { ca: pki.serverCa, servername: 'example.test' }));
    expect(wrongName.code).toBe('TLS_HANDSHAKE_FAILED');
    expect(wrongName.details?.['cause']).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('connection refused is CONNECTION_FAILED naming the target', async () => {
    const port = await closedPort();
    const error = await rejection(request(`https://127.0.0.1:${port}/`, { ca: pki.serverCa }));
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).toBe(`https://127.0.0.1:${port}: the connection was refused (nothing listens there) (ECONNREFUSED)`);
    expect(error.details).toMatchObject({ phase: 'connect', cause: 'ECONNREFUSED' });
  });

  it('a server that never answers is REQUEST_TIMEOUT after timeoutMs', async () => {
    const started = Date.now();
    const error = await rejection(request(`${server.url}/hang`, { ca: pki.serverCa, timeoutMs: 300 }));
    expect(error.code).toBe('REQUEST_TIMEOUT');
    expect(error.message).toContain('no response within 300 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a server that requires a certificate in TLS: none is rejected with the alert, a wrong one too', async () => {
    const strict = await startTestServer(pki, { rejectUnauthorized: true, ca: pki.serverCa });
    try {
      const none = await rejection(request(`${strict.url}/whoami`, { ca: pki.serverCa }));
      expect(none.code).toBe('TLS_HANDSHAKE_FAILED');
      expect(none.message).toContain('the server requires a client certificate and none was sent (ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED)');
      const wrong = await rejection(request(`${strict.url}/whoami`, { ca: pki.serverCa, clientCert: { p12: pki.customerP12, password: pki.customerP12Password } }));
      expect(wrong.code).toBe('TLS_HANDSHAKE_FAILED');
      expect(wrong.message).toMatch(/rejects the certificate|rejected the client certificate|does not trust the issuer/);
      expect(strict.seen).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('a wrong archive password is PKCS12_BAD_PASSWORD, before connecting, without the password', async () => {
    const seen = server.seen.length;
    const error = await rejection(request(`${server.url}/whoami`, { ca: pki.serverCa, clientCert: { p12: pki.customerP12, password: 'hunter2' } }));
    expect(error.code).toBe('PKCS12_BAD_PASSWORD');
    expect(error.message).toBe('custom-client.p12: the password does not open this PKCS#12 archive (its integrity check failed)');
    expect(error.message).not.toContain('hunter2');
    expect(server.seen.length).toBe(seen);
  });

  it('a legacy (RC2-40) archive Node cannot load is read by certgate\'s PKCS#12 reader and sent', async () => {
    const result = await request(`${server.url}/whoami`, { ca: pki.serverCa, clientCert: { p12: pki.customerLegacyP12, password: pki.customerP12Password } });
    expect(result.json).toMatchObject({ cn: pki.customerCn });
    expect(result.clientCert).toMatchObject({ source: 'p12', label: 'customer-legacy.p12', chainLength: 0, weak: false });
    expect(result.clientCert.certificate?.subject).toBe(pki.customerSubject);
    const wrong = await rejection(loadClientCert({ p12: pki.customerLegacyP12, password: 'nope-nope' }));
    expect(wrong.code).toBe('PKCS12_BAD_PASSWORD');
  });

  it('a file that is not PKCS#12, a key of another certificate, a missing manifest: clear errors', async () => {
    expect((await rejection(loadClientCert({ p12: pki.customerCert, password: '' }))).code).toBe('PKCS12_MALFORMED');
    const mismatch = await rejection(loadClientCert({ cert: pki.customerCert, key: pki.standinKey }));
    expect(mismatch.code).toBe('CONFIG_INVALID');
    expect(mismatch.message).toContain('the private key does not belong to the certificate');
    const noCert = await rejection(loadClientCert({ cert: pki.customerKey, key: pki.customerKey }));
    expect(noCert.code).toBe('CERT_MALFORMED');
    const missing = await rejection(loadClientCert('uptrends', { pkiDir: `${pki.dir}/nope` }));
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.message).toContain('certgate pki init');
    const noFile = await rejection(loadClientCert({ p12: `${pki.dir}/absent.p12` }));
    expect(noFile.message).toContain('no such file');
  });

  it('bad options are TypeErrors with a hint', async () => {
    await expect(request('ftp://127.0.0.1/x')).rejects.toThrow(/expected an http: or https: URL/);
    await expect(request('not a url')).rejects.toThrow(TypeError);
    await expect(request(`${server.url}/`, { method: 'GE T' })).rejects.toThrow(/HTTP method/);
    await expect(request(`${server.url}/`, { headers: { 'x-a': 'one\r\nx-b: two' } })).rejects.toThrow(/CR, LF or NUL/);
    await expect(request(`${server.url}/`, { timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
    await expect(request(`http://127.0.0.1:${server.port}/`, { clientCert: 'uptrends', pkiDir: pki.pkiDir })).rejects.toThrow(/only sent over TLS/);
    await expect(request('https://user:pw@127.0.0.1/')).rejects.toThrow(/credentials/);
    await expect(request(`${server.url}/`, { ca: pki.serverCa, headers: { 'transfer-encoding': 'chunked' } })).rejects.toThrow(/request: invalid transfer-encoding header/);
    await expect(request(`${server.url}/`, { ca: pki.serverCa, headers: { 'content-length': 'x' } })).rejects.toThrow(TypeError);
  });
});

describe('loadClientCert()', () => {
  it('loads once for many requests and never exposes key material or the password', async () => {
    const loaded = await loadClientCert({ p12: readFileSync(pki.customerP12), password: pki.customerP12Password, label: 'customer' });
    const shown = `${JSON.stringify(loaded)}\n${inspect(loaded, { depth: 10, showHidden: true })}`;
    expect(shown).not.toContain(pki.customerP12Password);
    expect(shown).not.toMatch(/PRIVATE KEY|pfx|passphrase/);
    expect(loaded.description).toMatchObject({ source: 'p12', label: 'customer' });
    for (let i = 0; i < 2; i++) {
      const result = await request(`${server.url}/whoami`, { clientCert: loaded, ca: pki.serverCa });
      expect(result.json).toMatchObject({ cn: pki.customerCn });
    }
  });

  it('keeps certificates apart: each request uses only its own choice', async () => {
    const a = await request(`${server.url}/whoami`, { clientCert: 'uptrends', pkiDir: pki.pkiDir, ca: pki.serverCa });
    const b = await request(`${server.url}/whoami`, { clientCert: 'none', ca: pki.serverCa });
    const c = await request(`${server.url}/whoami`, { clientCert: { p12: pki.customerP12, password: pki.customerP12Password }, ca: pki.serverCa });
    expect([a.status, b.status, c.status]).toEqual([200, 401, 200]);
    expect(server.seen.slice(-3).map((s) => s.cn)).toEqual(['certificates@uptrends.com', undefined, pki.customerCn]);
  });
});
