/**
 * Expiry warnings of the middleware over real mTLS (127.0.0.1:0), with a certificate issued by
 * the test PKI to end 10 days after the injected clock, and the prom-client integration's values.
 */
import express from 'express';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMtlsServer } from '../../src/core/server.js';
import { createClientCertGate } from '../../src/core/gate.js';
import { requireClientCert } from '../../src/express/index.js';
import { certgateMetrics } from '../../src/prometheus/index.js';
import { capturingLogger } from '../helpers/gate.js';
import { certEndingAt, DAY, NOW } from '../helpers/expiry.js';

const CA_PEM = readFileSync('fixtures/pki/ca/customer-ca.pem', 'utf8');
let client: Awaited<ReturnType<typeof certEndingAt>>;
let other: Awaited<ReturnType<typeof certEndingAt>>;
let t = NOW;
const logger = capturingLogger();
const events: unknown[] = [];
const registry = new Registry();
const metrics = certgateMetrics({ registry, now: () => t });
let server: https.Server;
let port = 0;

beforeAll(async () => {
  client = await certEndingAt(10 * DAY, 'billing-client');
  other = await certEndingAt(200 * DAY, 'reporting-client');
  const gate = requireClientCert({
    trustAnchors: CA_PEM,
    pins: [
      { label: 'billing-2026', certSha256: client.sha256, notAfter: client.notAfter },
      { label: 'reporting-2027', spkiSha256: other.spkiSha256 },
      { label: 'retired', spkiSha256: other.spkiSha256, notAfter: new Date(NOW + 2 * DAY).toISOString() },
    ],
    now: () => t,
    logger,
    onExpiringSoon: (e) => {
      events.push(e);
      metrics.hooks.onExpiringSoon(e);
    },
    onVerdict: metrics.hooks.onVerdict,
  });
  metrics.track(gate);
  const app = express();
  app.use(gate);
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  server = createMtlsServer(gate, { key: readFileSync('fixtures/pki/keys/server.key.pem'), cert: readFileSync('fixtures/pki/certs/server.pem') }, app);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** One GET on a fresh connection (full handshake) presenting `who`, or no certificate. */
function get(who: typeof client | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        agent: false,
        // The server certificate is not what this test is about (nor the wall clock).
        rejectUnauthorized: false,
        ...(who === undefined ? {} : { cert: who.certificatePem, key: who.privateKey.export({ format: 'pem', type: 'pkcs8' }) }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const warnings = (kind: string) => logger.events('certgate.expiring_soon').filter((l) => l.obj['kind'] === kind);

describe('middleware expiry warnings', () => {
  it('warns once per certificate per 24 h, not once per request', async () => {
    for (let i = 0; i < 5; i++) expect(await get(client)).toBe(200);
    expect(warnings('certificate')).toHaveLength(1);
    expect(warnings('certificate')[0]).toMatchObject({
      level: 'warn',
      obj: { label: 'billing-2026', serial: client.serial, notAfter: client.notAfter.toISOString(), daysRemaining: 10, certSha256: client.sha256 },
    });
    // A certificate outside the window never warns.
    expect(await get(other)).toBe(200);
    expect(warnings('certificate')).toHaveLength(1);
    t += DAY + 1000;
    for (let i = 0; i < 3; i++) expect(await get(client)).toBe(200);
    expect(warnings('certificate')).toHaveLength(2);
    expect(warnings('certificate')[1]?.obj['daysRemaining']).toBe(8);
    expect(events.filter((e) => (e as { kind: string }).kind === 'certificate')).toHaveLength(2);
  });

  it('warns for a pinned certificate inside the window at startup, and logs a pin that expires while running once', async () => {
    const pinLogger = capturingLogger();
    let now = NOW;
    const gate = createClientCertGate({ trustAnchors: CA_PEM, pins: [{ label: 'soon', spkiSha256: other.spkiSha256, notAfter: new Date(NOW + 3 * DAY).toISOString() }, { label: 'later', spkiSha256: other.spkiSha256 }], now: () => now, logger: pinLogger });
    expect(pinLogger.events('certgate.expiring_soon').map((l) => [l.obj['kind'], l.obj['label'], l.obj['daysRemaining']])).toEqual([['pin', 'soon', 3]]);
    // Rejected requests (no certificate) still drive the hourly pin check.
    for (let i = 0; i < 3; i++) {
      now += 2 * DAY;
      await gate.check({ socket: {} as never });
    }
    expect(pinLogger.events('certgate.pin_expired').map((l) => [l.level, l.obj['pin']])).toEqual([['error', 'soon']]);
    expect(pinLogger.events('certgate.expiring_soon').filter((l) => l.obj['label'] === 'soon')).toHaveLength(2);
    gate.close();
  });
});

describe('certgate/prometheus', () => {
  it('exposes seconds to expiry per pinned and seen certificate label, and verdicts by code', async () => {
    expect(await get(undefined)).toBe(401);
    const text = await registry.metrics();
    const value = (series: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const remaining = (client.notAfter.getTime() - t) / 1000;
    expect(value(`certgate_certificate_expiry_seconds{label="billing-2026",kind="pin",serial=""}`)).toBe(Math.floor(remaining));
    expect(value(`certgate_certificate_expiry_seconds{label="billing-2026",kind="certificate",serial="${client.serial}"}`)).toBe(Math.floor(remaining));
    expect(value(`certgate_certificate_expiry_seconds{label="reporting-2027",kind="certificate",serial="${other.serial}"}`)).toBe(Math.floor((other.notAfter.getTime() - t) / 1000));
    expect(value(`certgate_certificate_expiry_seconds{label="retired",kind="pin",serial=""}`)).toBe(Math.floor((NOW + 2 * DAY - t) / 1000));
    // A pin without an end date has no expiry series.
    expect(text).not.toMatch(/label="reporting-2027",kind="pin"/);
    expect(value('certgate_verdicts_total{outcome="accepted",code="ACCEPTED"}')).toBe(9);
    expect(value('certgate_verdicts_total{outcome="rejected",code="CERT_MISSING"}')).toBe(1);
    expect(value('certgate_expiring_soon_total{kind="certificate"}')).toBe(2);
  });

  it('the gauge follows the clock at scrape time (negative once past)', async () => {
    const pinValue = async (label: string): Promise<number | undefined> => (await metrics.expirySeconds.get()).values.find((v) => v.labels.kind === 'pin' && v.labels.label === label)?.value;
    const before = await pinValue('billing-2026');
    t += 3600_000;
    expect((before ?? 0) - ((await pinValue('billing-2026')) ?? 0)).toBe(3600);
    t += 2 * DAY;
    expect(await pinValue('retired')).toBeLessThan(0);
  });

  it('validates its options and refuses what is not a gate', () => {
    expect(() => certgateMetrics({ registry: new Registry(), prefix: 'bad prefix' })).toThrow(/prefix/);
    expect(() => certgateMetrics({ registry: new Registry(), maxSeen: 3 } as never)).toThrow(/unknown certgateMetrics option "maxSeen"/);
    expect(() => metrics.track({} as never)).toThrow(/takes a gate or the middleware/);
    // The same names twice in one registry: prom-client's own error.
    expect(() => certgateMetrics({ registry })).toThrow(/already been registered/);
  });

  it('keeps at most maxSeenCertificates seen certificates', async () => {
    const small = certgateMetrics({ registry: new Registry(), maxSeenCertificates: 1, now: () => t });
    const gate = createClientCertGate({ trustAnchors: CA_PEM, now: () => t, logger: false, onVerdict: small.hooks.onVerdict });
    await gate.checkCertificates(client.certificatePem);
    await gate.checkCertificates(other.certificatePem);
    const seen = (await small.expirySeconds.get()).values.filter((v) => v.labels.kind === 'certificate');
    expect(seen.map((v) => v.labels.label)).toEqual(['reporting-client']);
    gate.close();
  });

  it('the core never imports prom-client (optional peer dependency)', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.startsWith(join('src', 'prometheus')) && /from ['"]prom-client['"]|import\(['"]prom-client['"]\)/.test(readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    walk('src');
    expect(offenders).toEqual([]);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, unknown>>;
    expect(pkg['peerDependenciesMeta']?.['prom-client']).toEqual({ optional: true });
    expect(pkg['dependencies']?.['prom-client']).toBeUndefined();
  });
});
