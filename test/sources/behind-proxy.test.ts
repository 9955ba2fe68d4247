/**
 * A real nginx and a real HAProxy in front of an Express app guarded by certgate: the harness's
 * good and bad client certificates, sent with the companion client, get the same verdicts
 * through the proxy as on a direct mTLS connection to an app guarded the same way. Forged
 * headers (straight to the app port, or through the proxy) never authenticate.
 *
 * The proxies connect to the app from 127.0.0.2 / 127.0.0.3 and only those are trusted, so the
 * test client (127.0.0.1) is an untrusted peer when it calls the app directly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { request } from '../../src/client/request.js';
import type { RequestResult } from '../../src/client/types.js';
import { createMtlsServer } from '../../src/core/server.js';
import type { ClientCertRequest } from '../../src/express/index.js';
import { loadTestPki, type TestPki } from '../../src/harness/pki.js';
import type { HeaderSourceOptions } from '../../src/sources/header.js';
import { requireUptrendsClientCert, type UptrendsClientCertOptions } from '../../src/uptrends/index.js';
import { capturingLogger } from '../helpers/gate.js';
import { nginxEscape, pemOf } from '../helpers/proxy-headers.js';
import { findBinary, SKIP_PROXIES, startHaproxy, startNginx, type RunningProxy } from '../helpers/proxies.js';

const NGINX_PEER = '127.0.0.2';
const HAPROXY_PEER = '127.0.0.3';

let pki: TestPki;
const closers: Array<() => Promise<void>> = [];

function gateOptions(source: UptrendsClientCertOptions['source'], extra: Partial<UptrendsClientCertOptions> = {}): UptrendsClientCertOptions {
  const anchors = pki.anchors('uptrends');
  const policy = pki.manifest.policies['uptrends'];
  if (policy === undefined) throw new Error('the test PKI has no "uptrends" policy');
  return {
    overrideTrustAnchors: anchors.roots,
    overrideIntermediates: anchors.intermediates,
    overridePins: policy.pins as never,
    maxDepth: policy.maxIntermediates,
    now: () => pki.referenceTime.getTime(),
    logger: false,
    source,
    ...extra,
  };
}

function app(middleware: ReturnType<typeof requireUptrendsClientCert>) {
  const a = express();
  a.use(middleware);
  a.all('/{*path}', (req: ClientCertRequest, res) => {
    res.json({ accepted: true, certSha256: req.clientCertificate?.certSha256, pinLabel: req.clientCertificate?.pinLabel, method: req.method, url: req.url });
  });
  return a;
}

/** The app over mTLS (the harness's server certificate), guarded by `middleware`. */
function listenMtls(middleware: ReturnType<typeof requireUptrendsClientCert>): Promise<number> {
  const { key, cert } = pki.serverTls();
  const server = createMtlsServer(middleware, { key, cert }, app(middleware));
  server.on('tlsClientError', () => undefined);
  return listen(server);
}

function listenHttp(handler: http.RequestListener): Promise<number> {
  return listen(http.createServer(handler));
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** What a caller learns from an answer: accepted (with which certificate) or the error code. */
function verdictOf(result: RequestResult): { status: number; code: string; certSha256?: string } {
  if (result.status === 200) {
    const body = result.json as { certSha256?: string };
    return { status: 200, code: 'valid', certSha256: body.certSha256 };
  }
  return { status: result.status, code: result.problem?.code ?? `no problem+json: ${result.body.slice(0, 200)}` };
}

/** The DER of the Uptrends stand-in: what a forger would put in a header. */
const standinDer = (): Uint8Array => parseCertificate(pki.entry('uptrends-standin').certPem).der;

interface Case {
  readonly name: string;
  readonly clientCert: string;
  /** The client's intermediates are all among the gate's configured intermediates. */
  readonly chainKnown: boolean;
}

let cases: Case[] = [];
let directPort: number;
let direct: (c: Case | string) => Promise<RequestResult>;

describe.skipIf(SKIP_PROXIES)('behind a real TLS-terminating proxy', () => {
  beforeAll(async () => {
    // Fail loudly (not skip) when a proxy is missing: CI installs both.
    findBinary('nginx');
    findBinary('haproxy');
    pki = await loadTestPki(inject('freshPkiDir'));
    const known = new Set(pki.manifest.anchors['uptrends']?.intermediates);
    cases = [
      ...pki.manifest.entries.filter((e) => e.policy === 'uptrends').map((e) => ({ name: e.id, clientCert: `pki:${e.id}`, chainKnown: e.chain.every((c) => known.has(c)) })),
      { name: 'custom-client (another trust domain)', clientCert: 'pki:custom-client', chainKnown: true },
      { name: 'no certificate', clientCert: 'none', chainKnown: true },
    ];
    directPort = await listenMtls(requireUptrendsClientCert(gateOptions('tls')));
    direct = (c) => send(directPort, typeof c === 'string' ? c : c.clientCert);
  });

  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function send(port: number, clientCert: string | { cert: string; key: string }, headers: Record<string, string> = {}): Promise<RequestResult> {
    return request(`https://127.0.0.1:${port}/api/items?x=1`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', ...headers },
      clientCert: clientCert as never,
      pkiDir: pki.dir as string,
      ca: pki.path(pki.manifest.server.ca),
      timeoutMs: 10_000,
    });
  }

  /** The direct verdict a proxy that forwards only the leaf must reproduce. */
  async function directLeafOnly(c: Case): Promise<RequestResult> {
    if (c.clientCert === 'none') return direct(c);
    const e = pki.entry(c.clientCert.slice(4));
    return send(directPort, { cert: pki.path(e.cert), key: pki.path(e.key) });
  }

  describe('nginx ($ssl_client_escaped_cert)', () => {
    let nginx: RunningProxy;
    let appPort: number;
    const logger = capturingLogger();
    beforeAll(async () => {
      const source: HeaderSourceOptions = { header: 'nginx', trustedProxies: [NGINX_PEER] };
      appPort = await listenHttp(app(requireUptrendsClientCert(gateOptions(source, { logger }))));
      const tls = pki.serverTls();
      nginx = await startNginx({ tls: { cert: pki.path(pki.manifest.server.cert), key: pki.path(pki.manifest.server.key) }, upstreamPort: appPort, bindAddress: NGINX_PEER });
      closers.push(() => nginx.stop());
      expect(tls.cert).toContain('BEGIN CERTIFICATE');
    });

    it('every harness certificate gets the direct mTLS verdict through nginx', async () => {
      const rows: string[] = [];
      for (const c of cases) {
        const through = verdictOf(await send(nginx.port, c.clientCert));
        // nginx forwards the leaf only: a chain the gate does not know cannot reach it.
        const expected = verdictOf(c.chainKnown ? await direct(c) : await directLeafOnly(c));
        rows.push(`${c.name}: ${through.code}`);
        expect(through, `${c.name} (nginx log: ${nginx.log().slice(-500)})`).toEqual(expected);
      }
      // The run covered good and bad certificates.
      expect(rows.filter((r) => r.endsWith(': valid')).length).toBeGreaterThanOrEqual(2);
      expect(rows.filter((r) => !r.endsWith(': valid')).length).toBeGreaterThanOrEqual(10);
    });

    it('keeps the method, path, query and body of the request', async () => {
      const result = await send(nginx.port, 'uptrends');
      expect(result.json).toMatchObject({ accepted: true, method: 'POST', url: '/api/items?x=1' });
    });

    it('a forged header sent through nginx is replaced by what nginx saw', async () => {
      const forged = nginxEscape(pemOf([standinDer()]));
      expect(verdictOf(await send(nginx.port, 'none', { 'X-SSL-Client-Cert': forged }))).toEqual({ status: 401, code: 'CERT_MISSING' });
      expect(verdictOf(await send(nginx.port, 'pki:custom-client', { 'X-SSL-Client-Cert': forged }))).toEqual({ status: 401, code: 'CHAIN_UNTRUSTED' });
    });

    it('a perfect forged header sent straight to the app port (untrusted peer) never authenticates', async () => {
      const forged = nginxEscape(pemOf([standinDer()]));
      for (let i = 0; i < 2; i++) {
        const result = await request(`http://127.0.0.1:${appPort}/`, { headers: { 'X-SSL-Client-Cert': forged }, timeoutMs: 10_000 });
        expect(verdictOf(result)).toEqual({ status: 401, code: 'CERT_MISSING' });
      }
      // Logged once for this peer.
      const warnings = logger.events('certgate.untrusted_proxy');
      expect(warnings.map((w) => w.obj['remoteAddress'])).toEqual(['127.0.0.1']);
    });
  });

  describe('HAProxy (ssl_c_der,base64 and ssl_c_chain_der,base64)', () => {
    let haproxy: RunningProxy;
    let appPort: number;
    beforeAll(async () => {
      const source: HeaderSourceOptions = { header: 'haproxy', chainHeaderName: 'X-SSL-Client-Chain', trustedProxies: HAPROXY_PEER };
      appPort = await listenHttp(app(requireUptrendsClientCert(gateOptions(source))));
      haproxy = await startHaproxy({
        tls: { cert: pki.path(pki.manifest.server.cert), key: pki.path(pki.manifest.server.key), ca: pki.path(pki.manifest.server.ca) },
        upstreamPort: appPort,
        bindAddress: HAPROXY_PEER,
      });
      closers.push(() => haproxy.stop());
    });

    it('every harness certificate gets the direct mTLS verdict through HAProxy (chain included)', async () => {
      const refused: string[] = [];
      for (const c of cases) {
        const expected = verdictOf(await direct(c));
        let result: RequestResult;
        try {
          result = await send(haproxy.port, c.clientCert);
        } catch (error) {
          // HAProxy's own TLS layer refuses a few certificates even with every verification
          // error ignored (crt-ignore-err all): they never reach the app, so they are never
          // accepted either, and the direct path must reject them too.
          expect((error as { code?: string }).code, `${c.name}: ${String(error)}\n${haproxy.log().slice(-1000)}`).toBe('TLS_HANDSHAKE_FAILED');
          expect(expected.code, c.name).not.toBe('valid');
          refused.push(c.name);
          continue;
        }
        expect(verdictOf(result), `${c.name} (haproxy log: ${haproxy.log().slice(-500)})`).toEqual(expected);
      }
      // Known: OpenSSL (under HAProxy) refuses an unknown critical extension during the handshake.
      expect(refused).toEqual(['zoo-unknown-critical-extension']);
    });

    it('a header forged through HAProxy or straight to the app never authenticates', async () => {
      const der = Buffer.from(standinDer()).toString('base64');
      expect(verdictOf(await send(haproxy.port, 'none', { 'X-SSL-Client-DER': der }))).toEqual({ status: 401, code: 'CERT_MISSING' });
      const straight = await request(`http://127.0.0.1:${appPort}/`, { headers: { 'X-SSL-Client-DER': der }, timeoutMs: 10_000 });
      expect(verdictOf(straight)).toEqual({ status: 401, code: 'CERT_MISSING' });
    });
  });
  describe('nginx presenting its own client certificate to the app (proxyCertificate)', () => {
    let nginx: RunningProxy;
    let appPort: number;
    beforeAll(async () => {
      // nginx's client certificate for the nginx→app connection: the harness's customer certificate.
      const proxyCert = pki.entry('custom-client');
      const source: HeaderSourceOptions = {
        header: 'nginx',
        // Every loopback address: only the pinned certificate tells nginx from another local caller.
        trustedProxies: 'loopback',
        proxyCertificate: { spkiSha256: parseCertificate(proxyCert.certPem).spkiSha256Base64 },
      };
      appPort = await listenMtls(requireUptrendsClientCert(gateOptions(source)));
      nginx = await startNginx({
        tls: { cert: pki.path(pki.manifest.server.cert), key: pki.path(pki.manifest.server.key) },
        upstreamPort: appPort,
        bindAddress: NGINX_PEER,
        upstreamClientCert: { cert: pki.path(proxyCert.cert), key: pki.path(proxyCert.key) },
      });
      closers.push(() => nginx.stop());
    });

    it('accepts what nginx forwards over its pinned mTLS connection', async () => {
      expect(verdictOf(await send(nginx.port, 'uptrends'))).toMatchObject({ status: 200, code: 'valid' });
      expect(verdictOf(await send(nginx.port, 'pki:zoo-expired'))).toEqual({ status: 401, code: 'CERT_EXPIRED' });
    });

    it('PROXY_UNTRUSTED for a local caller without the proxy certificate, whatever it presents', async () => {
      const forged = nginxEscape(pemOf([standinDer()]));
      for (const clientCert of ['none', 'uptrends']) {
        const result = await send(appPort, clientCert, { 'X-SSL-Client-Cert': forged });
        expect(verdictOf(result), clientCert).toEqual({ status: 401, code: 'PROXY_UNTRUSTED' });
      }
    });
  });
});
