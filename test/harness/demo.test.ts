/**
 * The demo end to end (src/harness/demo.ts + example-api.ts): a PKI generated for the wall clock
 * now, the example API over real mTLS on 127.0.0.1:0, the companion client's scenario runner
 * sending every certificate of the manifest. Also: the demo notices a wrong expectation and a
 * server that accepts everything, and reuses its PKI only while every verdict still holds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_PKI_MIN_REMAINING_MS,
  demoCases,
  formatDemoSummary,
  formatDemoTable,
  pkiVerdictWindow,
  prepareDemoPki,
  runDemo,
  runDemoCases,
  type DemoResult,
} from '../../src/harness/demo.js';
import { EXAMPLE_API_ROUTES, startExampleApi } from '../../src/harness/example-api.js';
import { loadTestPki, type TestPki } from '../../src/harness/pki.js';
import { parseCertificate } from '../../src/cert/parse.js';
import { request } from '../../src/client/request.js';

const root = mkdtempSync(path.join(tmpdir(), 'certgate-demo-test-'));
const dir = path.join(root, 'demo');
let result: DemoResult & { testPki: TestPki };

beforeAll(async () => {
  result = await runDemo({ dir, env: {} });
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const row = (name: string) => {
  const found = result.rows.find((r) => r.case.name === name);
  if (found === undefined) throw new Error(`no demo row "${name}"; rows: ${result.rows.map((r) => r.case.name).join(', ')}`);
  return found;
};

describe('runDemo: every row as the manifest says, over real mTLS', () => {
  it('passes every row, generated for now (not the fixtures\' fixed date)', () => {
    expect(result.rows.filter((r) => !r.ok).map((r) => `${r.case.name}: ${r.reason ?? ''}`)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.failed).toEqual([]);
    expect(result.pki.reused).toBe(false);
    expect(Math.abs(Date.parse(result.pki.referenceTime) - Date.now())).toBeLessThan(10 * 60_000);
    expect(result.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('covers every manifest entry, no certificate, and the route-specific cases', () => {
    const sent = new Set(result.rows.map((r) => r.case.entryId));
    for (const id of result.testPki.entryIds) expect(sent, id).toContain(id);
    expect(row('Uptrends stand-in')).toMatchObject({ status: 200, code: undefined, case: { clientCert: 'uptrends', route: EXAMPLE_API_ROUTES.uptrends } });
    expect(row('custom certificate')).toMatchObject({ status: 200, case: { clientCert: 'customer', route: EXAMPLE_API_ROUTES.customerOrders } });
    expect(row('custom certificate on the uptrends route')).toMatchObject({ status: 401, code: 'CHAIN_UNTRUSTED' });
    expect(row('custom certificate, admin role missing')).toMatchObject({ status: 403, code: 'ROLE_MISSING' });
    expect(row('no certificate')).toMatchObject({ status: 401, code: 'CERT_MISSING', case: { clientCert: 'none' } });
    for (const entry of result.testPki.manifest.entries.filter((e) => e.kind === 'zoo')) {
      const zoo = result.rows.find((r) => r.case.entryId === entry.id);
      expect(zoo?.status, entry.id).toBeGreaterThanOrEqual(401);
      expect(zoo?.code, entry.id).toBe(entry.expected);
    }
  });

  it('checks revocation on the Uptrends route: the revoked look-alike gets CERT_REVOKED, not PIN_MISMATCH', () => {
    const revoked = result.rows.find((r) => r.case.entryId === 'zoo-revoked');
    expect(revoked).toMatchObject({ ok: true, status: 401, code: 'CERT_REVOKED', case: { expected: 'CERT_REVOKED' } });
    expect(revoked?.case.note).toBeUndefined();
    const standin = result.rows.find((r) => r.case.entryId === 'uptrends-standin');
    expect(standin).toMatchObject({ ok: true, status: 200 });
  });

  it('prints one table with the promised columns and a one-line verdict', () => {
    const table = formatDemoTable(result.rows);
    const [header, , ...body] = table.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['case', 'certificate', 'HTTP status', 'code', 'expected', 'ok']);
    expect(body).toHaveLength(result.rows.length);
    expect(body.every((line) => line.endsWith('ok'))).toBe(true);
    expect(table).toMatch(/zoo: expired\s+pki:zoo-expired\s+401\s+CERT_EXPIRED\s+401 CERT_EXPIRED\s+ok/);
    expect(formatDemoSummary(result)).toMatch(new RegExp(`${result.rows.length} of ${result.rows.length} rows as expected`));
  });

  it('logs through pino to DIR/server.log: requests and rejections, never key material', () => {
    const log = readFileSync(path.join(dir, 'server.log'), 'utf8');
    const lines = log.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l['msg'] === 'request')).toHaveLength(result.rows.length);
    expect(lines.filter((l) => l['event'] === 'certgate.rejected').length).toBe(result.rows.filter((r) => r.status !== 200).length - 1); // ROLE_MISSING is requireRole's, not the gate's
    expect(log).not.toMatch(/BEGIN|PRIVATE|MII[A-Za-z0-9+/]{20}/);
  });

  it('writes the API configuration as files a deployment would hot-reload', () => {
    const pins = JSON.parse(readFileSync(path.join(dir, 'pins.json'), 'utf8')) as { version: number; pins: Array<{ serial: string }> };
    const identities = JSON.parse(readFileSync(path.join(dir, 'identities.json'), 'utf8')) as { identities: Array<{ name: string; roles: string[] }> };
    expect(pins.version).toBe(1);
    expect(pins.pins.map((p) => p.serial)).toEqual([result.testPki.entry('uptrends-standin').serial]);
    expect(identities.identities).toEqual([expect.objectContaining({ name: 'monitoring-client', roles: ['monitor', 'read'] })]);
  });
});

describe('the demo fails when a row is not as expected', () => {
  it('a deliberately wrong expectation: that row fails, named, the others pass', async () => {
    const pki = result.testPki;
    const api = await startExampleApi({ pki, log: false });
    try {
      const cases = demoCases(pki).map((c) => (c.name === 'zoo: expired' ? { ...c, expected: 'CERT_NOT_YET_VALID' as const } : c));
      const rows = await runDemoCases({ pki, cases, url: api.url, env: {} });
      const failed = rows.filter((r) => !r.ok);
      expect(failed.map((r) => r.case.name)).toEqual(['zoo: expired']);
      expect(failed[0]).toMatchObject({ status: 401, code: 'CERT_EXPIRED' });
      expect(failed[0]?.reason).toMatch(/CERT_NOT_YET_VALID/);
      const summary = formatDemoSummary({ ok: false, rows, failed: ['zoo: expired'], totalMs: 1 });
      expect(summary).toMatch(/FAILED: zoo: expired/);
      expect(summary).toMatch(/1 of \d+ rows NOT as expected: zoo: expired/);
      expect(formatDemoTable(rows)).toMatch(/zoo: expired .*FAIL/);
    } finally {
      await api.close();
    }
  });

  it('a server that accepts everything: every rejection row fails', async () => {
    const pki = result.testPki;
    const tlsOptions = pki.serverTls();
    const server = https.createServer({ key: tlsOptions.key, cert: tlsOptions.cert, requestCert: true, rejectUnauthorized: false }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const cases = demoCases(pki);
      const rows = await runDemoCases({ pki, cases, url, env: {} });
      expect(rows.filter((r) => r.ok).map((r) => r.case.name).sort()).toEqual(cases.filter((c) => c.expected === 'valid').map((c) => c.name).sort());
      expect(rows.filter((r) => !r.ok)).toHaveLength(cases.filter((c) => c.expected !== 'valid').length);
      expect(rows.find((r) => r.case.name === 'no certificate')).toMatchObject({ ok: false, status: 200 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('prepareDemoPki: reuse while every verdict holds a day longer', () => {
  it('reuses the cached PKI, and regenerates it when it would not hold for a day', async () => {
    const again = await prepareDemoPki({ dir });
    expect(again.info.reused).toBe(true);
    expect(again.pki.manifest.referenceTime).toBe(result.pki.referenceTime);
    const { until } = pkiVerdictWindow(again.pki);
    const late = await prepareDemoPki({ dir, now: new Date(until.getTime() - DEMO_PKI_MIN_REMAINING_MS / 2) });
    expect(late.info.reused).toBe(false);
    expect(late.info.reason).toMatch(/less than a day/);
    expect(late.pki.manifest.referenceTime).not.toBe(result.pki.referenceTime);
  });

  it('regenerates a PKI the demo did not write (or another generator wrote), and on --fresh', async () => {
    writeFileSync(path.join(dir, 'pki-state.json'), JSON.stringify({ version: 1, generator: 'another', referenceTime: 'x' }));
    const other = await prepareDemoPki({ dir });
    expect(other.info).toMatchObject({ reused: false, reason: expect.stringMatching(/another version of the generator/) });
    const fresh = await prepareDemoPki({ dir, fresh: true });
    expect(fresh.info).toMatchObject({ reused: false, reason: 'regenerated (--fresh)' });
  });

  it('the verdict window of the committed fixtures: from the latest start of what must be valid to the not-yet-valid case\'s start', async () => {
    const fixtures = await loadTestPki(path.resolve('fixtures/pki'));
    const { from, until } = pkiVerdictWindow(fixtures);
    expect(until.getTime()).toBe(Date.parse(fixtures.entry('zoo-not-yet-valid').notBefore) - 1000);
    const server = parseCertificate(fixtures.text(fixtures.manifest.server.cert));
    const starts = [...fixtures.manifest.entries.filter((e) => e.expected === 'valid').map((e) => Date.parse(e.notBefore)), server.notBefore.getTime(), Date.parse(fixtures.entry('zoo-expired').notAfter) + 1000];
    expect(from.getTime()).toBe(Math.max(...starts));
    expect(from.getTime()).toBeLessThanOrEqual(fixtures.referenceTime.getTime());
    expect(until.getTime()).toBeGreaterThan(fixtures.referenceTime.getTime());
  });
});

describe('startExampleApi', () => {
  it('listens on loopback only', async () => {
    await expect(startExampleApi({ pki: result.testPki, host: '0.0.0.0', log: false })).rejects.toThrow(/loopback only/);
    await expect(startExampleApi({ pki: result.testPki, port: 70_000, log: false })).rejects.toThrow(TypeError);
  });

  it('answers the open index, helmet headers, and 404 as problem+json', async () => {
    const api = await startExampleApi({ pki: result.testPki, log: false });
    try {
      const index = await request(`${api.url}/`, { pkiDir: result.testPki.dir, trustPkiServer: true });
      expect(index.status).toBe(200);
      expect(index.headers['x-content-type-options']).toBe('nosniff');
      expect(index.headers['x-powered-by']).toBeUndefined();
      expect(JSON.stringify(index.json)).toContain(EXAMPLE_API_ROUTES.customerOrders);
      const missing = await request(`${api.url}/nope`, { pkiDir: result.testPki.dir, trustPkiServer: true, clientCert: 'uptrends' });
      expect(missing.status).toBe(404);
      expect(missing.headers['content-type']).toMatch(/problem\+json/);
    } finally {
      await api.close();
    }
  });
});
