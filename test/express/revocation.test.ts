/**
 * End to end over real TLS: requireClientCert with revocation on, a client presenting TEST
 * certificates from a PKI whose CRL DP and AIA point at the harness's live responders.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMtlsServer } from '../../src/core/server.js';
import type { ClientCertGateOptions } from '../../src/core/types.js';
import { ClientCertGate, createClientCertGate } from '../../src/core/gate.js';
import { requireClientCert } from '../../src/express/index.js';
import { capturingLogger } from '../helpers/gate.js';
import { revocationFixture, type RevocationFixture } from '../helpers/revocation.js';

let fx: RevocationFixture;
beforeAll(async () => {
  fx = await revocationFixture();
});
afterAll(() => fx?.close());
beforeEach(() => {
  fx.responder.fault = 'none';
  fx.responder.requests.ocsp = 0;
  fx.responder.requests.crl = 0;
});

async function serve(revocation: ClientCertGateOptions['revocation']) {
  const logger = capturingLogger();
  const app = express();
  app.use(requireClientCert({ trustAnchors: fx.root.der, intermediates: fx.intermediate.der, revocation, logger }));
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  const tls = fx.pki.serverTls();
  const server = createMtlsServer(requireClientCert({ trustAnchors: fx.root.der, revocation: 'off', logger: false }), { key: tls.key, cert: tls.cert, strict: false }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const get = (entryId: string): Promise<{ status: number | undefined; code: unknown }> => {
    const e = fx.pki.entry(entryId);
    return new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path: '/', servername: 'localhost', ca: tls.ca, cert: [e.certPem, ...e.chainPems].join(''), key: e.keyPem, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, code: (JSON.parse(text) as { code?: unknown }).code }));
      });
      req.on('error', reject);
      req.end();
    });
  };
  return {
    get,
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('requireClientCert with revocation over mTLS', () => {
  it('hard-fail: the stand-in passes, the revoked look-alike is 401 CERT_REVOKED; one OCSP request per certificate for many requests', async () => {
    const s = await serve({ mode: 'hard-fail', crl: { fetch: false } });
    try {
      for (let i = 0; i < 5; i++) expect(await s.get('uptrends-standin')).toEqual({ status: 200, code: undefined });
      expect(await s.get('zoo-revoked')).toEqual({ status: 401, code: 'CERT_REVOKED' });
      // leaf + intermediate for the stand-in, the revoked leaf (its intermediate is cached).
      expect(fx.responder.requests.ocsp).toBe(3);
      expect(s.logger.events('certgate.rejected').map((l) => l.obj['code'])).toEqual(['CERT_REVOKED']);
    } finally {
      await s.close();
    }
  });

  it('responder down: hard-fail answers 401 REVOCATION_UNKNOWN, soft-fail lets the request through and logs a warning', async () => {
    fx.responder.fault = 'down';
    const hard = await serve({ mode: 'hard-fail', ocsp: { enabled: true, timeoutMs: 5000 } });
    const soft = await serve({ mode: 'soft-fail', ocsp: { enabled: true, timeoutMs: 5000 } });
    try {
      expect(await hard.get('uptrends-standin')).toEqual({ status: 401, code: 'REVOCATION_UNKNOWN' });
      expect(await soft.get('uptrends-standin')).toEqual({ status: 200, code: undefined });
      expect(soft.logger.events('certgate.revocation_unknown')).toHaveLength(1);
    } finally {
      await hard.close();
      await soft.close();
    }
  });

  it('CRL only: the revoked look-alike is rejected from the downloaded CRL', async () => {
    const s = await serve({ mode: 'soft-fail', ocsp: { enabled: false } });
    try {
      expect(await s.get('zoo-revoked')).toEqual({ status: 401, code: 'CERT_REVOKED' });
      expect(await s.get('uptrends-standin')).toEqual({ status: 200, code: undefined });
      expect(fx.responder.requests.crl).toBe(2);
    } finally {
      await s.close();
    }
  });
});

describe('the gate\'s revocation option', () => {
  it('accepts a mode, a policy or a checker; validates once with a hint', () => {
    expect(createClientCertGate({ trustAnchors: fx.root.der, revocation: 'soft-fail', logger: false }).revocation?.name).toBe('revocation(soft-fail)');
    expect(createClientCertGate({ trustAnchors: fx.root.der, revocation: { mode: 'off' }, logger: false }).revocation).toBeUndefined();
    expect(() => createClientCertGate({ trustAnchors: fx.root.der, revocation: 'hardfail' as never })).toThrow(/did you mean "hard-fail"/);
    expect(() => createClientCertGate({ trustAnchors: fx.root.der, revocation: { mode: 'soft-fail', ocsp: { timeoutMS: 1 } } as never })).toThrow(TypeError);
    let error: unknown;
    try {
      new ClientCertGate({ trustAnchors: fx.root.der, revocation: { mode: 'hard-fail', crl: { files: ['/nonexistent/ca.crl'] } } });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'ClientCertError', code: 'CONFIG_INVALID' });
  });

  it('checkCertificates() applies revocation to a chain given directly', async () => {
    const gate = createClientCertGate({ trustAnchors: fx.root.der, intermediates: fx.intermediate.der, revocation: 'hard-fail', logger: false });
    const verdict = await gate.checkCertificates(fx.pki.entry('zoo-revoked').certPem);
    expect(verdict).toMatchObject({ ok: false, code: 'CERT_REVOKED', status: 401 });
    expect((await gate.checkCertificates(fx.pki.entry('uptrends-standin').certPem)).ok).toBe(true);
  });
});
