import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExpiryReport } from '../../src/expiry/report.js';
import type { TargetResult } from '../../src/expiry/targets.js';
import { checkWebhookOptions, sendExpiryWebhook, shouldNotify, webhookPayload, WEBHOOK_MAX_LINES } from '../../src/expiry/webhook.js';
import { DAY, NOW } from '../helpers/expiry.js';

const item = (label: string, offset: number): TargetResult['items'][number] => ({
  kind: 'certificate', label, source: 'a.pem', subject: `CN=${label}`, issuer: 'CN=CA', serial: '0B', sha256: undefined, notAfter: new Date(NOW + offset), endInclusive: false,
});
const T = { warnDays: 30, criticalDays: 7 };
const report = buildExpiryReport([{ target: 'a.pem', items: [item('fine', 90 * DAY), item('soon', 10 * DAY), item('gone', -3 * DAY)], failures: [] }], T, NOW);

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
/** Per path: the statuses answered, in order (the last repeats); 0 = never answer. */
const plans: Record<string, number[]> = {
  '/ok': [200],
  '/flaky': [503, 502, 200],
  '/down': [500],
  '/gone': [404],
  '/busy': [429, 204],
  '/hang': [0],
};
const hits: Record<string, number> = {};
let server: http.Server;
let base = '';
let refusedUrl = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const n = (hits[path] = (hits[path] ?? 0) + 1);
      const plan = plans[path] ?? [404];
      const status = plan[Math.min(n, plan.length) - 1] as number;
      if (status === 0) return; // hang
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = createNetServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fast = { retryDelayMs: 0, timeoutMs: 2000 };

describe('webhookPayload', () => {
  it('has a Slack-compatible text listing what is WARNING or worse, and structured fields', () => {
    const payload = webhookPayload(report, 'monitor-1');
    expect(payload['text']).toBe(
      [
        'certgate expiry on monitor-1: CRITICAL (1 expired, 0 critical, 1 warning, 0 unreadable, 1 ok)',
        '• WARNING certificate soon (serial 0B): notAfter 2026-12-03T12:00:00Z, 10 days left',
        '• EXPIRED certificate gone (serial 0B): notAfter 2026-11-20T12:00:00Z, 3 days ago',
      ].join('\n'),
    );
    expect(payload).toMatchObject({ status: 'CRITICAL', exitCode: 2, host: 'monitor-1', counts: { OK: 1, WARNING: 1, EXPIRED: 1 } });
    expect((payload['entries'] as unknown[]).length).toBe(2);
  });

  it('bounds the text for many problems', () => {
    const many = buildExpiryReport([{ target: 'x', items: Array.from({ length: 50 }, (_, i) => item(`c${i}`, DAY)), failures: [] }], T, NOW);
    const text = webhookPayload(many, 'h')['text'] as string;
    expect(text.split('\n')).toHaveLength(WEBHOOK_MAX_LINES + 2);
    expect(text).toMatch(/… and 30 more$/);
  });

  it('is sent only when something is WARNING or worse (UNKNOWN included)', () => {
    expect(shouldNotify(report)).toBe(true);
    expect(shouldNotify(buildExpiryReport([{ target: 'a', items: [item('fine', 90 * DAY)], failures: [] }], T, NOW))).toBe(false);
    expect(shouldNotify(buildExpiryReport([{ target: 'a', items: [], failures: [{ source: 'a', code: 'CONFIG_INVALID', message: 'gone' }] }], T, NOW))).toBe(true);
  });
});

describe('sendExpiryWebhook', () => {
  it('POSTs JSON once to a receiver that answers 2xx', async () => {
    const result = await sendExpiryWebhook(report, { url: `${base}/ok`, ...fast });
    expect(result).toEqual({ delivered: true, attempts: 1, status: 200, error: undefined, origin: base });
    const got = received.filter((r) => r.path === '/ok');
    expect(got).toHaveLength(1);
    expect(got[0]?.headers['content-type']).toBe('application/json');
    expect((JSON.parse(got[0]?.body ?? '{}') as { status: string }).status).toBe('CRITICAL');
  });

  it('retries 5xx and 429, and counts the attempts', async () => {
    expect(await sendExpiryWebhook(report, { url: `${base}/flaky`, retries: 2, ...fast })).toMatchObject({ delivered: true, attempts: 3, status: 200 });
    expect(hits['/flaky']).toBe(3);
    expect(await sendExpiryWebhook(report, { url: `${base}/busy`, retries: 1, ...fast })).toMatchObject({ delivered: true, attempts: 2, status: 204 });
  });

  it('gives up after the retries on a receiver that keeps failing, reporting why', async () => {
    const result = await sendExpiryWebhook(report, { url: `${base}/down`, retries: 2, ...fast });
    expect(result).toMatchObject({ delivered: false, attempts: 3, status: 500 });
    expect(result.error).toMatch(/answered HTTP 500/);
    expect(hits['/down']).toBe(3);
  });

  it('does not retry a 4xx other than 429', async () => {
    expect(await sendExpiryWebhook(report, { url: `${base}/gone`, retries: 3, ...fast })).toMatchObject({ delivered: false, attempts: 1, status: 404 });
    expect(hits['/gone']).toBe(1);
  });

  it('times out on a receiver that hangs, and retries', async () => {
    const result = await sendExpiryWebhook(report, { url: `${base}/hang`, retries: 1, retryDelayMs: 0, timeoutMs: 200 });
    expect(result).toMatchObject({ delivered: false, attempts: 2, status: undefined });
    expect(result.error).toMatch(/timed out after 200 ms/);
    expect(hits['/hang']).toBe(2);
  });

  it('reports a refused connection after its retries', async () => {
    const result = await sendExpiryWebhook(report, { url: refusedUrl, retries: 2, ...fast });
    expect(result).toMatchObject({ delivered: false, attempts: 3 });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('never puts the secret path of the URL in its result', async () => {
    const result = await sendExpiryWebhook(report, { url: `${base}/down/T000/B000/XXXXsecret`, retries: 0, ...fast });
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('checks its options once', () => {
    expect(() => checkWebhookOptions({ url: 'ftp://127.0.0.1/' })).toThrow(/http or https/);
    expect(() => checkWebhookOptions({ url: 'http://u:p@127.0.0.1/' })).toThrow(/credentials/);
    expect(() => checkWebhookOptions({ url: 'http://127.0.0.1/', retries: 11 })).toThrow(/retries/);
    expect(() => checkWebhookOptions({ url: 'nope' })).toThrow(/not a valid URL/);
  });
});
