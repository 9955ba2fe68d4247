import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certEndingAt, DAY, NOW_ISO, tempDir, writeP12, writePem } from '../helpers/expiry.js';
import { cli } from './capture-cli.js';

let dir: string;
const files: Record<string, string> = {};
beforeAll(async () => {
  dir = tempDir();
  const lifetimes: Array<[string, number]> = [
    ['ok', 40 * DAY],
    ['warn-edge', 30 * DAY], // exactly 30 days left: still OK
    ['warning', 30 * DAY - 1000],
    ['critical-edge', 7 * DAY], // exactly 7 days left: WARNING
    ['critical', 7 * DAY - 1000],
    ['expired', -DAY],
  ];
  for (const [name, ms] of lifetimes) files[name] = writePem(dir, `${name}.pem`, await certEndingAt(ms, name));
  files['p12'] = await writeP12(dir, 'client.p12', await certEndingAt(40 * DAY, 'p12-client'), 'p12-secret');
});

const run = (args: string[], env: Record<string, string> = {}) => cli(['expiry', '--now', NOW_ISO, ...args], { env });

describe('certgate expiry: exit codes', () => {
  it.each([
    ['ok', 0, 'OK'],
    ['warn-edge', 0, 'OK'],
    ['warning', 1, 'WARNING'],
    ['critical-edge', 1, 'WARNING'],
    ['critical', 2, 'CRITICAL'],
    ['expired', 2, 'EXPIRED'],
  ] as const)('%s -> exit %i (%s)', async (name, code, status) => {
    const result = await run([files[name] as string]);
    expect(result.code).toBe(code);
    expect(result.stdout.split('\n')[0]).toMatch(new RegExp(`^CERTGATE EXPIRY ${status === 'EXPIRED' ? 'CRITICAL' : status} - `));
    expect(result.stdout).toMatch(new RegExp(`^${status}\\s`, 'm'));
  });

  it('the worst wins: CRITICAL over UNKNOWN over WARNING', async () => {
    expect((await run([files['ok'] as string, files['warning'] as string])).code).toBe(1);
    expect((await run([files['warning'] as string, join(dir, 'missing.pem')])).code).toBe(3);
    expect((await run([join(dir, 'missing.pem'), files['expired'] as string, files['warning'] as string])).code).toBe(2);
  });

  it('thresholds move with --warn-days and --critical-days', async () => {
    expect((await run(['--warn-days', '45', files['ok'] as string])).code).toBe(1);
    expect((await run(['--warn-days', '45', '--critical-days', '41', files['ok'] as string])).code).toBe(2);
    expect((await run(['--warn-days', '10', files['warning'] as string])).code).toBe(0);
  });

  it('the published Uptrends certificate is EXPIRED: exit 2', async () => {
    const result = await run(['fixtures/reference/uptrends-2024.pem']);
    expect(result.code).toBe(2);
    expect(result.stdout.split('\n')[0]).toMatch(/^CERTGATE EXPIRY CRITICAL - 1 expired, 0 ok/);
    expect(result.stdout).toMatch(/EXPIRED\s+-485\s+2025-07-26T23:59:59Z\s+certificate\s+certificates@uptrends\.com\s+1A223E5481B066DFDA30E5F35CDB3A81/);
  });

  it('the uptrends target: the bundled pin is EXPIRED (exit 2) until a pin file brings an active pin', async () => {
    const bundled = await run(['uptrends', '--json']);
    expect(bundled.code).toBe(2);
    const json = JSON.parse(bundled.stdout) as { entries: Array<Record<string, unknown>> };
    expect(json.entries).toEqual([expect.objectContaining({ kind: 'pin', label: 'uptrends-2024', status: 'EXPIRED', source: 'uptrends (bundled)', notAfter: '2025-07-26T23:59:59.000Z' })]);
    const pinFile = join(dir, 'uptrends-pins.json');
    writeFileSync(pinFile, JSON.stringify({ version: 1, pins: [{ label: 'uptrends-2026', spkiSha256: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=', notAfter: '2027-08-01T00:00:00Z' }] }));
    const rotated = await run(['uptrends', '--pin-file', pinFile]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/EXPIRED\*.*uptrends-2024/);
    expect(rotated.stdout).toMatch(/superseded by the active pin "uptrends-2026"/);
    const missing = await run(['uptrends', '--pin-file', join(dir, 'nope.json')]);
    expect([missing.code, missing.stdout]).toEqual([3, expect.stringMatching(/--pin-file .*nope\.json: no such file/)]);
  });

  it('a wrong PKCS#12 password is UNKNOWN (3) with a clear message; the right one reads the archive', async () => {
    const wrong = await run(['--password-env', 'P12_PASSWORD', files['p12'] as string], { P12_PASSWORD: 'not-it' });
    expect(wrong.code).toBe(3);
    expect(wrong.stdout).toContain(`UNKNOWN PKCS12_BAD_PASSWORD: ${files['p12']}: wrong PKCS#12 password (from $P12_PASSWORD)`);
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('not-it');
    const unset = await run(['--password-env', 'P12_PASSWORD', files['p12'] as string]);
    expect([unset.code, unset.stdout]).toEqual([3, expect.stringMatching(/the environment variable P12_PASSWORD is not set/)]);
    const right = await run(['--password-env', 'P12_PASSWORD', files['p12'] as string], { P12_PASSWORD: 'p12-secret' });
    expect(right.code).toBe(0);
    expect(right.stdout).toMatch(/OK\s+40\s.*monitor client/);
  });

  it('usage errors are UNKNOWN (3), never CRITICAL', async () => {
    for (const args of [[], ['--warn-days', 'x', 'a.pem'], ['--warn-days', '5', '--critical-days', '9', 'a.pem'], ['--bogus', 'a.pem'], ['--webhook', 'ftp://x/', 'a.pem'], ['--pin-file', 'p.json', 'a.pem'], ['--webhook-env', 'NOPE', 'a.pem']]) {
      const result = await cli(['expiry', ...args], { env: {} });
      expect([args, result.code]).toEqual([args, 3]);
      expect(result.stderr).toMatch(/^certgate expiry: /);
    }
  });
});

describe('certgate expiry: output', () => {
  it('--json gives every field a script needs', async () => {
    const result = await run(['--json', files['warning'] as string]);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ status: 'WARNING', exitCode: 1, checkedAt: NOW_ISO, thresholds: { warnDays: 30, criticalDays: 7 }, counts: { WARNING: 1 } });
    expect((json['entries'] as unknown[])[0]).toMatchObject({ status: 'WARNING', kind: 'certificate', label: 'warning', daysRemaining: 29, secondsRemaining: 30 * 86_400 - 1 });
  });

  it('--prometheus writes the textfile', async () => {
    const prom = join(dir, 'certgate.prom');
    const result = await run(['--prometheus', prom, files['critical'] as string]);
    expect(result.code).toBe(2);
    expect(readFileSync(prom, 'utf8')).toMatch(/^certgate_expiry_exit_code 2$/m);
    const bad = await run(['--prometheus', join(dir, 'no-such-dir', 'x.prom'), files['critical'] as string]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot write --prometheus .*ENOENT.*the certificate status above stands; exit 2/);
  });

  it('--help has usage, targets, exit codes and examples; the main help lists the command', async () => {
    const help = await cli(['expiry', '--help']);
    expect(help.code).toBe(0);
    for (const text of ['Usage: certgate expiry', 'tls://HOST:PORT', 'uptrends', '3 UNKNOWN', 'Examples:', '--webhook-env']) expect(help.stdout).toContain(text);
    expect((await cli(['--help'])).stdout).toMatch(/^ {2}expiry {2,}\S/m);
  });
});

describe('certgate expiry --webhook', () => {
  const bodies: string[] = [];
  let server: http.Server;
  let url = '';
  let refused = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-token`;
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('posts when something is WARNING or worse, never when all is OK', async () => {
    bodies.length = 0;
    expect((await run(['--webhook', url, files['ok'] as string])).code).toBe(0);
    expect(bodies).toEqual([]);
    const result = await run(['--webhook-env', 'HOOK', files['warning'] as string], { HOOK: url });
    expect(result.code).toBe(1);
    expect(bodies).toHaveLength(1);
    expect((JSON.parse(bodies[0] as string) as { text: string }).text).toMatch(/: WARNING \(0 expired, 0 critical, 1 warning/);
    expect(result.stderr).toMatch(/^webhook: delivered to http:\/\/127\.0\.0\.1:\d+ \(HTTP 200, 1 attempt\)$/m);
    expect(result.stderr).not.toContain('secret-token');
  });

  it('a failed delivery is reported without hiding the certificate status', async () => {
    const result = await run(['--webhook', refused, '--webhook-retries', '0', '--json', files['expired'] as string]);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as { status: string; webhook: Record<string, unknown> };
    expect(json.status).toBe('CRITICAL');
    expect(json.webhook).toMatchObject({ sent: true, delivered: false, attempts: 1 });
    expect(result.stderr).toMatch(/webhook NOT delivered to .* after 1 attempt: .*ECONNREFUSED.*exit 2/);
  });
});
