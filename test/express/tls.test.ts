/**
 * requireUptrendsClientCert over real TLS (127.0.0.1:0), with the harness's test PKI shaped like
 * the production Uptrends chain (fixtures/pki; its TEST root and intermediate replace the bundled
 * production trust through the override options). Every manifest entry of the "uptrends" policy
 * must get its expected verdict, with the server's rejectUnauthorized false (the gate answers)
 * and true (TLS refuses some first; nothing bad is ever accepted, the good ones still pass).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express4 from 'express4';
import express5 from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientCertRequest } from '../../src/express/index.js';
import { requireClientCert } from '../../src/express/index.js';
import { requireUptrendsClientCert, type UptrendsClientCertOptions } from '../../src/uptrends/index.js';
import { capturingLogger } from '../helpers/gate.js';
import { entry, expectedWithoutRevocation, get, manifest, pkiFile, referenceTime, startMtlsServer, type Started } from '../helpers/tls.js';

const policy = manifest.policies['uptrends'];
const anchors = manifest.anchors['uptrends'];
if (policy === undefined || anchors === undefined) throw new Error('the test PKI manifest has no "uptrends" policy');

function presetOptions(extra: Partial<UptrendsClientCertOptions> = {}): UptrendsClientCertOptions {
  return {
    overrideTrustAnchors: anchors!.roots.map(pkiFile),
    overrideIntermediates: anchors!.intermediates.map(pkiFile),
    overridePins: policy!.pins as never,
    maxDepth: policy!.maxIntermediates,
    now: () => referenceTime,
    ...extra,
  };
}

type ExpressFactory = typeof express5;

function makeApp(express: ExpressFactory, middleware: ReturnType<typeof requireClientCert>) {
  const app = express();
  app.use(middleware);
  app.get('/', (req: ClientCertRequest, res) => {
    res.json({ accepted: true, serial: req.clientCertificate?.serial, pinLabel: req.clientCertificate?.pinLabel });
  });
  return app;
}

const uptrendsEntries = manifest.entries.filter((e) => e.policy === 'uptrends');
const cases = [
  ...uptrendsEntries.map((e) => ({ name: e.id, client: e, ...expectedWithoutRevocation(e) })),
  { name: 'no certificate', client: undefined, code: 'CERT_MISSING', status: 401 },
  // A valid certificate of another trust domain: a chain to another root.
  { name: 'custom-client (chains to another root)', client: entry('custom-client'), code: 'CHAIN_UNTRUSTED', status: 401 },
];

describe.each([
  ['rejectUnauthorized: false (default)', false],
  ['rejectUnauthorized: true (strict)', true],
])('Uptrends preset over real TLS, %s', (_label, strict) => {
  const logger = capturingLogger();
  let server: Started;
  beforeAll(async () => {
    const mw = requireUptrendsClientCert(presetOptions({ logger }));
    server = await startMtlsServer(mw, makeApp(express5, mw), { strict });
  });
  afterAll(() => server.close());

  it('covers the zoo: every case of the manifest is here', () => {
    for (const id of ['uptrends-standin', 'uptrends-standin-leaf-only', 'zoo-expired', 'zoo-not-yet-valid', 'zoo-server-auth-only', 'zoo-self-signed', 'zoo-same-serial-other-ca', 'zoo-same-subject-other-key', 'zoo-ca-leaf']) {
      expect(cases.map((c) => c.name)).toContain(id);
    }
  });

  it.each(cases)('$name → $code ($status)', async ({ client, code, status }) => {
    const answer = await get(server.port, '/', client);
    if (code === 'valid') {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ accepted: true });
      return;
    }
    // Never accepted, whatever the TLS layer did.
    expect(answer.body?.['accepted']).toBeUndefined();
    if (!strict) {
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe(status);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ code, status });
    } else if (answer.error === undefined) {
      // TLS let it through (its chain satisfies OpenSSL): the gate must still give the verdict.
      expect(answer.status).toBe(status);
      expect(answer.body).toMatchObject({ code });
    }
  });

  if (!strict) {
    it('logs one structured line per rejection, without PEM', () => {
      const rejected = logger.events('certgate.rejected');
      expect(rejected.length).toBe(cases.filter((c) => c.code !== 'valid').length);
      for (const line of rejected) {
        expect(JSON.stringify(line)).not.toMatch(/BEGIN|PRIVATE|MII[A-Za-z0-9+/]{20}/);
        expect(line.obj['remoteAddress']).toBe('127.0.0.1');
      }
    });
  }
});

describe('keep-alive, resumption and hot reload over real TLS', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'certgate-tls-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reuses the verdict on a keep-alive connection and re-judges it after a pin file reload', async () => {
    const pinFile = join(dir, 'pins.json');
    writeFileSync(pinFile, JSON.stringify({ version: 1, pins: policy.pins }));
    const mw = requireUptrendsClientCert(presetOptions({ overridePins: [], pinFile, logger: false }));
    const server = await startMtlsServer(mw, makeApp(express5, mw));
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const client = entry('uptrends-standin');
      for (let i = 0; i < 3; i++) expect((await get(server.port, '/', client, agent)).status).toBe(200);
      expect(server.connections()).toBe(1);

      writeFileSync(pinFile, '{"version": 1, "pins": [ {"label": "broken"'); // corrupted: old pins stay
      await mw.gate.reload();
      expect((await get(server.port, '/', client, agent)).status).toBe(200);

      writeFileSync(pinFile, JSON.stringify({ version: 1, pins: [{ label: 'someone-else', spkiSha256: 'AWSxFt2Xd7Dktic1LZpLGKlDiryPhl/AfZH7wMthAxw=' }] }));
      await mw.gate.reload();
      const after = await get(server.port, '/', client, agent);
      expect([after.status, after.body?.['code']]).toEqual([403, 'PIN_MISMATCH']);
      expect(server.connections()).toBe(1);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('gives a resumed TLS session (leaf only on the wire) the same verdict', async () => {
    // No intermediates configured: only what the client sent can complete the chain.
    const mw = requireUptrendsClientCert(presetOptions({ overrideIntermediates: [], logger: false }));
    const server = await startMtlsServer(mw, makeApp(express5, mw));
    const agent = new https.Agent({ keepAlive: false, maxCachedSessions: 10 });
    try {
      const client = entry('uptrends-standin');
      const first = await get(server.port, '/', client, agent);
      const second = await get(server.port, '/', client, agent);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(server.connections()).toBe(2);
    } finally {
      agent.destroy();
      await server.close();
    }
  });
});

describe('Express 4 over real TLS', () => {
  it('accepts the stand-in and answers problem+json for a bad certificate', async () => {
    const mw = requireUptrendsClientCert(presetOptions({ logger: false }));
    const server = await startMtlsServer(mw, makeApp(express4 as unknown as ExpressFactory, mw));
    try {
      expect((await get(server.port, '/', entry('uptrends-standin'))).status).toBe(200);
      const bad = await get(server.port, '/', entry('zoo-same-subject-other-key'));
      expect([bad.status, bad.body?.['code']]).toEqual([403, 'PIN_MISMATCH']);
      const none = await get(server.port, '/', undefined);
      expect([none.status, none.body?.['code']]).toEqual([401, 'CERT_MISSING']);
    } finally {
      await server.close();
    }
  });
});

describe('general policy over real TLS: the customer CA with identities', () => {
  it('maps the custom client certificate to its identity and roles', async () => {
    const customer = manifest.policies['customer'];
    const mw = requireClientCert({
      trustAnchors: manifest.anchors['customer']!.roots.map(pkiFile),
      identities: customer?.identities as never,
      now: () => referenceTime,
      logger: false,
    });
    const app = express5();
    app.use(mw);
    app.get('/', (req, res) => res.json({ identity: req.clientIdentity }));
    const server = await startMtlsServer(mw, app);
    try {
      const answer = await get(server.port, '/', entry('custom-client'));
      expect(answer.body).toEqual({ identity: { name: 'monitoring-client', roles: ['monitor', 'read'] } });
      const other = await get(server.port, '/', entry('uptrends-standin'));
      expect([other.status, other.body?.['code']]).toEqual([401, 'CHAIN_UNTRUSTED']);
    } finally {
      await server.close();
    }
  });
});
