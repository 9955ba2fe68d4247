import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePinFile } from '../../src/verify/pins.js';
import { seed, uptrendsHtmlPage } from '../helpers/uptrends-page.js';
import { pkiFile } from '../helpers/tls.js';
import { cli } from './capture-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'certgate-pins-'));
const INSIDE = '2025-03-01T00:00:00Z';
const TODAY = '2026-11-23T00:00:00Z';
let server: http.Server;
let base = '';
const pages: Record<string, { type: string; body: string }> = {
  '/kb/uptrends-client-certificate-public-key-information': { type: 'text/html; charset=utf-8', body: uptrendsHtmlPage() },
  '/moved': { type: 'text/plain', body: '' },
  '/empty': { type: 'text/html', body: '<html><body>Maintenance</body></html>' },
  '/huge': { type: 'text/html', body: 'x'.repeat(5 * 1024 * 1024) },
};

beforeAll(async () => {
  writeFileSync(join(dir, 'page.txt'), seed);
  // A page publishing a certificate from a CA that is not bundled (the test PKI's TEST root).
  writeFileSync(join(dir, 'renewed.html'), `<html><body><td>${pkiFile('certs/uptrends-standin.pem').replace(/\n/g, '<br>')}</td></body></html>`);
  writeFileSync(join(dir, 'issuer-chain.pem'), `${pkiFile('ca/uptrends-intermediate.pem')}\n${pkiFile('ca/uptrends-root.pem')}`);
  server = http.createServer((req, res) => {
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/kb/uptrends-client-certificate-public-key-information' }).end();
      return;
    }
    const page = pages[req.url ?? ''];
    if (page === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': page.type }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const run = (...argv: string[]) => cli(argv, { cwd: dir });
const readPins = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as { version: number; pins: Array<Record<string, string>> };

describe('certgate pins update', () => {
  it('extracts the published certificate from the text page, checks its chain and writes the pin (expired today: exit 1)', async () => {
    const result = await run('pins', 'update', '--from', 'page.txt', '--out', 'today.json', '--now', TODAY);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EXPIRED on 2025-07-26T23:59:59Z');
    const file = readPins('today.json');
    expect(file.version).toBe(1);
    expect(file.pins).toEqual([
      {
        label: 'uptrends-2024',
        serial: '1A223E5481B066DFDA30E5F35CDB3A81',
        issuer: 'CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB',
        subjectEmail: 'certificates@uptrends.com',
        spkiSha256: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=',
        notBefore: '2024-07-26T00:00:00Z',
        notAfter: '2025-07-26T23:59:59Z',
      },
    ]);
    expect(parsePinFile(readFileSync(join(dir, 'today.json'), 'utf8'))).toHaveLength(1);
  });

  it('exits 0 for a current certificate and prints the chain it verified', async () => {
    const result = await run('pins', 'update', '--from', 'page.txt', '--out', 'current.json', '--now', INSIDE);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pin "uptrends-2024" (added to current.json)');
    expect(result.stdout).toContain('certificates@uptrends.com <- Sectigo RSA Client Authentication and Secure Email CA <- USERTrust RSA Certification Authority');
  });

  it('prints the pin file when there is no --out', async () => {
    const result = await run('pins', 'update', '--from', 'page.txt', '--now', INSIDE, '--label', 'printed');
    expect(result.code).toBe(0);
    expect(parsePinFile(result.stdout).map((p) => p.label)).toEqual(['printed']);
  });

  it('fetches an HTML page from a local server (following a redirect) and merges into an existing file', async () => {
    writeFileSync(join(dir, 'merge.json'), JSON.stringify({ version: 1, comment: 'mine', pins: [{ label: 'partner', subjectEmail: 'api@partner.example' }] }));
    const result = await run('pins', 'update', '--from', `${base}/moved`, '--out', 'merge.json', '--now', INSIDE);
    expect(result.code).toBe(0);
    const file = readPins('merge.json');
    expect(file.pins.map((p) => p['label'])).toEqual(['partner', 'uptrends-2024']);
    expect((file as unknown as { comment: string }).comment).toBe('mine');

    // Same label again: replaced, not duplicated; same certificate under another label: not added.
    expect((await run('pins', 'update', '--from', 'page.txt', '--out', 'merge.json', '--now', INSIDE)).stdout).toContain('replaced in merge.json');
    const again = await run('pins', 'update', '--from', 'page.txt', '--out', 'merge.json', '--now', INSIDE, '--label', 'other-name');
    expect(again.stdout).toContain('already in merge.json as "uptrends-2024"; file unchanged');
    expect(readPins('merge.json').pins).toHaveLength(2);
  });

  it('reports an unknown issuer clearly and writes nothing; --issuer supplies it', async () => {
    const unknown = await run('pins', 'update', '--from', 'renewed.html', '--out', 'renewed.json', '--now', '2026-06-01T00:00:00Z');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown issuer');
    expect(unknown.stderr).toContain('CN=TEST Sectigo-like Client Authentication and Secure Email CA');
    expect(unknown.stderr).toContain('--issuer FILE');
    expect(existsSync(join(dir, 'renewed.json'))).toBe(false);

    const known = await run('pins', 'update', '--from', 'renewed.html', '--out', 'renewed.json', '--now', '2026-06-01T00:00:00Z', '--issuer', 'issuer-chain.pem', '--label', 'uptrends-2026');
    expect(known.code).toBe(0);
    expect(known.stdout).toContain('trusting');
    expect(readPins('renewed.json').pins[0]).toMatchObject({ label: 'uptrends-2026', serial: '3F5B3D58FE650D58CD42D2DAA7E9801E', spkiSha256: 'ua8q7plJ9eZ15bn2aX26LjHiJZmrUigdenW/RIEGKRs=' });
  });

  it.each([
    [['--from', 'nope.txt'], 'no such file'],
    [['--from', 'ftp://127.0.0.1/x'], 'http or https'],
    [['--out', 'x.json'], '--from FILE|URL is required'],
    [['--from', 'page.txt', '--now', 'yesterday'], '--now must be'],
  ])('usage errors exit 2: %j', async (args, message) => {
    const result = await run('pins', 'update', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('refuses to overwrite an --out file that is not a valid pin file', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"version": 1, "pins": [{"label": "x", "serial": "01"}]}');
    const result = await run('pins', 'update', '--from', 'page.txt', '--out', 'broken.json', '--now', INSIDE);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a valid pin file');
    expect(readFileSync(join(dir, 'broken.json'), 'utf8')).toContain('"serial": "01"');
  });

  it('reports pages without a certificate, HTTP errors and oversized pages', async () => {
    const empty = await run('pins', 'update', '--from', `${base}/empty`, '--now', INSIDE);
    expect([empty.code, empty.stderr]).toEqual([2, expect.stringContaining('CERT_MALFORMED')]);
    const missing = await run('pins', 'update', '--from', `${base}/gone`, '--now', INSIDE);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('HTTP 404')]);
    const huge = await run('pins', 'update', '--from', `${base}/huge`, '--now', INSIDE);
    expect([huge.code, huge.stderr]).toEqual([2, expect.stringContaining('limit')]);
  });
});

describe('certgate pins list', () => {
  it('shows the bundled Uptrends pins as expired today, with the update hint', async () => {
    const result = await run('pins', 'list', '--now', TODAY);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/uptrends-2024\s+expired\s+2024-07-26T00:00:00.000Z\s+2025-07-26T23:59:59.000Z\s+-485/);
    expect(result.stdout).toContain('every pin has expired');
  });

  it('lists a pin file as JSON with statuses', async () => {
    writeFileSync(join(dir, 'list.json'), JSON.stringify({ version: 1, pins: [
      { label: 'old', subjectEmail: 'a@b.example', notAfter: '2026-01-01T00:00:00Z' },
      { label: 'current', spkiSha256: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=', notAfter: '2027-01-01T00:00:00Z' },
      { label: 'next', subjectEmail: 'a@b.example', notBefore: '2027-01-01T00:00:00Z' },
    ] }));
    const result = await run('pins', 'list', 'list.json', '--json', '--now', TODAY);
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { pins: Array<{ label: string; status: string; daysRemaining?: number }> };
    expect(parsed.pins.map((p) => [p.label, p.status])).toEqual([['old', 'expired'], ['current', 'active'], ['next', 'not-yet-valid']]);
    expect(parsed.pins[1]?.daysRemaining).toBe(39);
  });

  it('exits 2 for an invalid pin file or a bad subcommand', async () => {
    writeFileSync(join(dir, 'bad.json'), '[]');
    expect((await run('pins', 'list', 'bad.json')).code).toBe(2);
    expect((await run('pins', 'frobnicate')).code).toBe(2);
    expect((await run('pins')).code).toBe(2);
  });
});
