import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, type Server } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExpiry } from '../../src/expiry/index.js';
import { loadTarget, looksLikePkcs12, parseTlsTarget } from '../../src/expiry/targets.js';
import { certEndingAt, DAY, NOW, tempDir, writeP12, writePem } from '../helpers/expiry.js';

const now = (): number => NOW;

let dir: string;
let warning: Awaited<ReturnType<typeof certEndingAt>>;
beforeAll(async () => {
  dir = tempDir();
  warning = await certEndingAt(20 * DAY, 'expiry-warning');
});

describe('certificate files', () => {
  it('reads PEM and DER, every certificate of a bundle once', async () => {
    const pem = writePem(dir, 'bundle.pem', warning);
    writeFileSync(pem, `${warning.certificatePem}${readFileSync('fixtures/pki/ca/customer-ca.pem', 'utf8')}${warning.certificatePem}`);
    writeFileSync(join(dir, 'leaf.der'), warning.certificate);
    const bundle = await loadTarget(pem);
    expect(bundle.items.map((i) => i.label)).toEqual(['expiry-warning', 'TEST Customer CA']);
    const der = await loadTarget(join(dir, 'leaf.der'));
    expect(der.items[0]).toMatchObject({ kind: 'certificate', label: 'expiry-warning', serial: warning.serial, sha256: warning.sha256 });
    expect(der.items[0]?.notAfter?.getTime()).toBe(warning.notAfter.getTime());
  });

  it('reports a file that is not a certificate as a failure with its code, never throws', async () => {
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate at all');
    const result = await loadTarget(join(dir, 'junk.pem'));
    expect(result.items).toEqual([]);
    expect(result.failures[0]?.code).toBe('CERT_MALFORMED');
    expect(result.failures[0]?.message).toContain('junk.pem');
    const missing = await loadTarget(join(dir, 'missing.pem'));
    expect(missing.failures[0]).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(missing.failures[0]?.message).toMatch(/no such file/);
  });
});

describe('PKCS#12', () => {
  it('reads the archive with the password; the friendlyName labels the key certificate', async () => {
    const file = await writeP12(dir, 'client.p12', warning, 'correct horse');
    const result = await loadTarget(file, { password: 'correct horse' });
    expect(result.failures).toEqual([]);
    expect(result.items.map((i) => i.label)).toEqual(['monitor client', 'TEST Customer CA']);
    expect(looksLikePkcs12(readFileSync(file))).toBe(true);
    expect(looksLikePkcs12(warning.certificate)).toBe(false);
  });

  it('a wrong password is PKCS12_BAD_PASSWORD naming where the password came from, never the password', async () => {
    const file = await writeP12(dir, 'wrong.pfx', warning, 'correct horse');
    const result = await loadTarget(file, { password: 'battery staple', passwordSource: '$P12_PASSWORD' });
    expect(result.failures[0]?.code).toBe('PKCS12_BAD_PASSWORD');
    expect(result.failures[0]?.message).toMatch(/wrong\.pfx: wrong PKCS#12 password \(from \$P12_PASSWORD\)/);
    expect(JSON.stringify(result)).not.toContain('battery');
    expect(JSON.stringify(result)).not.toContain('correct horse');
  });

  it('without a password, says how to give one (and names a variable that is not set)', async () => {
    const file = await writeP12(dir, 'nopass.p12', warning, 'correct horse');
    expect((await loadTarget(file)).failures[0]?.message).toMatch(/needs a password: name the environment variable holding it with --password-env VAR/);
    const unset = await loadTarget(file, { passwordProblem: '--password-env P12: the environment variable P12 is not set' });
    expect(unset.failures[0]).toMatchObject({ code: 'ENV_VAR_MISSING' });
  });
});

describe('directories', () => {
  it('reads certificate files, skips key-only PEM files, reports unreadable ones separately', async () => {
    const d = join(dir, 'certs');
    mkdirSync(d);
    writePem(d, 'client.pem', warning);
    writeFileSync(join(d, 'client.key.pem'), warning.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(d, 'broken.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    writeFileSync(join(d, 'notes.txt'), 'ignored');
    symlinkSync(join(d, 'client.pem'), join(d, 'link.cer'));
    mkdirSync(join(d, 'sub.pem'));
    const result = await loadTarget(d);
    expect(result.items.map((i) => i.source)).toEqual([join(d, 'client.pem'), join(d, 'link.cer')]);
    expect(result.failures.map((f) => [f.source, f.code])).toEqual([[join(d, 'broken.crt'), 'CERT_MALFORMED']]);
  });

  it('an empty directory is a failure: nothing to check is not OK', async () => {
    const d = join(dir, 'empty');
    mkdirSync(d);
    const report = await checkExpiry([d], { now });
    expect([report.status, report.exitCode]).toEqual(['UNKNOWN', 3]);
    expect(report.entries[0]?.message).toMatch(/no certificate files/);
  });
});

describe('pin and identities files', () => {
  it('lists pin windows (with and without an end) and identity matches', async () => {
    const pins = join(dir, 'pins.json');
    writeFileSync(pins, JSON.stringify({ version: 1, pins: [
      { label: 'old', spkiSha256: warning.spkiSha256, notAfter: '2026-11-29T00:00:00Z' },
      { label: 'forever', spkiSha256: warning.spkiSha256 },
      { label: 'embedded', certificate: warning.certificatePem },
    ] }));
    const ids = join(dir, 'identities.json');
    writeFileSync(ids, JSON.stringify({ version: 1, identities: [
      { name: 'billing', roles: ['read'], match: [{ certSha256: warning.sha256, notAfter: '2026-12-10T00:00:00Z' }, { spkiSha256: warning.spkiSha256, notAfter: '2027-06-01T00:00:00Z' }] },
      { name: 'ops', match: { subjectEmail: 'ops@example.com' } },
    ] }));
    const report = await checkExpiry([pins, ids], { now });
    expect(report.entries.map((e) => [e.kind, e.label, e.status, e.daysRemaining ?? null])).toEqual([
      ['pin', 'old', 'CRITICAL', 5],
      ['pin', 'forever', 'OK', null],
      ['pin', 'embedded', 'WARNING', 20],
      ['identity', 'billing match[0]', 'WARNING', 16],
      ['identity', 'billing match[1]', 'OK', 189],
      ['identity', 'ops', 'OK', null],
    ]);
    expect(report.entries[1]?.message).toMatch(/no end date/);
  });

  it('a JSON file that is neither, or an invalid pin file, is UNKNOWN with CONFIG_INVALID', async () => {
    writeFileSync(join(dir, 'other.json'), '{"hello": 1}');
    writeFileSync(join(dir, 'bad-pins.json'), '{"version": 1, "pins": [{"label": "x", "serial": "01"}]}');
    const report = await checkExpiry([join(dir, 'other.json'), join(dir, 'bad-pins.json')], { now });
    expect(report.entries.map((e) => [e.status, e.code])).toEqual([['UNKNOWN', 'CONFIG_INVALID'], ['UNKNOWN', 'CONFIG_INVALID']]);
    expect(report.entries[0]?.message).toMatch(/neither a pin file/);
  });
});

describe('tls://HOST:PORT', () => {
  let server: tls.Server;
  let silent: Server;
  let port = 0;
  let silentPort = 0;
  const sockets = new Set<{ destroy(): void }>();
  const track = (socket: { destroy(): void; once(event: 'close', fn: () => void): unknown }): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  beforeAll(async () => {
    server = tls.createServer({ key: readFileSync('fixtures/pki/keys/server.key.pem'), cert: readFileSync('fixtures/pki/certs/server.pem'), requestCert: true, rejectUnauthorized: false }, (socket) => socket.end());
    server.on('connection', track);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    // Accepts TCP and never speaks TLS: the handshake must time out.
    silent = createNetServer(track);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => {
      silent.close(() => resolve());
    });
  });

  it('reports the certificate the server presents (untrusted by design: not verified)', async () => {
    const report = await checkExpiry([`tls://127.0.0.1:${port}`], { now: () => Date.parse('2027-01-20T00:00:00Z') });
    expect(report.entries[0]).toMatchObject({ kind: 'certificate', label: 'localhost', status: 'WARNING', daysRemaining: 11, source: `tls://127.0.0.1:${port}` });
    expect(report.exitCode).toBe(1);
  });

  it('connection refused, a silent server and a malformed target are UNKNOWN with their codes', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const report = await checkExpiry([`tls://127.0.0.1:${closedPort}`, `tls://127.0.0.1:${silentPort}`, 'tls://127.0.0.1', 'tls://[::1]:99999'], { now, timeoutMs: 300 });
    expect(report.entries.map((e) => e.code)).toEqual(['CONNECTION_FAILED', 'REQUEST_TIMEOUT', 'CONFIG_INVALID', 'CONFIG_INVALID']);
    expect(report.exitCode).toBe(3);
  });

  it('parses IPv6 in brackets', () => {
    expect(parseTlsTarget('tls://[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseTlsTarget('tls://example.com:443')).toEqual({ host: 'example.com', port: 443 });
    expect(parseTlsTarget('/etc/x.pem')).toBeUndefined();
  });
});

describe('named targets', () => {
  it('resolves a named target before any file of that name', async () => {
    const result = await loadTarget('uptrends', { named: { uptrends: () => [] } });
    expect(result).toEqual({ target: 'uptrends', items: [], failures: [] });
    const unknown = await loadTarget('uptrend', { named: { uptrends: () => [] } });
    expect(unknown.failures[0]?.message).toMatch(/named targets: uptrends/);
  });
});

describe('hostile files', () => {
  it('never throws: random bytes, truncated archives, deep JSON, oversized files are UNKNOWN with a code', async () => {
    const { randomBytes } = await import('node:crypto');
    const d = join(dir, 'hostile');
    mkdirSync(d);
    const p12 = readFileSync(await writeP12(dir, 'whole.p12', warning, 'pw'));
    const cases: Array<[string, Uint8Array | string]> = [
      ['random.p12', randomBytes(4096)],
      ['truncated.p12', p12.subarray(0, Math.floor(p12.length / 2))],
      ['random.der', Buffer.concat([Buffer.from([0x30, 0x82, 0x10, 0x00]), randomBytes(300)])],
      ['fake-pfx.crt', Buffer.from([0x30, 0x03, 0x02, 0x01, 0x03])],
      ['deep.json', `${'{"pins":'.repeat(1)}${'['.repeat(5000)}${']'.repeat(5000)}}`],
      ['big.pem', Buffer.alloc(1024 * 1024 + 1, 0x41)],
      ['empty.cer', ''],
    ];
    for (const [name, content] of cases) writeFileSync(join(d, name), content);
    const results = await Promise.all(cases.map(([name]) => loadTarget(join(d, name), { password: 'pw' })));
    for (const [i, result] of results.entries()) {
      expect([cases[i]?.[0], result.items.length, typeof result.failures[0]?.code]).toEqual([cases[i]?.[0], 0, 'string']);
    }
    expect(results[5]?.failures[0]?.message).toMatch(/larger than the limit of 1048576 bytes/);
    // The directory as a whole: one UNKNOWN per bad certificate file (a .json is not read from a directory).
    const report = await checkExpiry([d], { now, password: 'pw' });
    expect(report.entries.map((e) => e.label.slice(d.length + 1)).sort()).toEqual(cases.map(([name]) => name).filter((n) => !n.endsWith('.json')).sort());
    expect(report.counts.UNKNOWN).toBe(cases.length - 1);
    expect(report.exitCode).toBe(3);
  });
});
