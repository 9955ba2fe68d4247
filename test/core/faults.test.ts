/**
 * Faults around the gate: configuration files damaged in every way while serving, clients that
 * vanish mid-handshake or mid-request, and clocks that jump across validity boundaries.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import { createMtlsServer } from '../../src/core/server.js';
import type { ClientCertGateOptions, Verdict } from '../../src/core/types.js';
import { clientCertMiddleware } from '../../src/core/middleware.js';
import { capturingLogger, clock, fakeSocket, sectigo, uptrends, UPTRENDS_PIN, USERTRUST_PEM } from '../helpers/gate.js';
import { entry, get, manifest, pkiFile, referenceTime } from '../helpers/tls.js';

const gates: ClientCertGate[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const g of gates.splice(0)) g.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function makeGate(options: Partial<ClientCertGateOptions>) {
  const logger = capturingLogger();
  const gate = new ClientCertGate({ trustAnchors: USERTRUST_PEM, logger, ...options });
  gates.push(gate);
  return { gate, logger };
}

function code(v: Verdict | Promise<Verdict>): string {
  if (v instanceof Promise) throw new Error('expected a synchronous verdict');
  return v.ok ? v.outcome : v.code;
}

const chain = [uptrends.der, sectigo.der];

describe('configuration files damaged while serving: the last good configuration stays, the error is logged', () => {
  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'certgate-faults-'));
    dirs.push(dir);
    return dir;
  }

  const faults: Array<[string, (path: string) => void, RegExp]> = [
    ['deleted', (p) => unlinkSync(p), /ENOENT|no such file|not found|does not exist/i],
    ['truncated', (p) => writeFileSync(p, JSON.stringify({ version: 1, pins: [UPTRENDS_PIN] }).slice(0, 40)), /JSON/],
    ['emptied', (p) => writeFileSync(p, ''), /JSON|empty/i],
    ['garbage', (p) => writeFileSync(p, Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x1b, 0x5b, 0x33, 0x31, 0x6d])), /JSON/],
    [
      'a symlink loop',
      (p) => {
        unlinkSync(p);
        symlinkSync(p, p);
      },
      /ELOOP|symbolic links|loop/i,
    ],
    [
      'a directory',
      (p) => {
        unlinkSync(p);
        mkdirSync(p);
      },
      /directory|EISDIR|not a (regular )?file/i,
    ],
    ['over the size limit', (p) => writeFileSync(p, ' '.repeat(1024 * 1024 + 1)), /limit|too large|larger|exceeds/i],
    ['valid JSON, invalid pins', (p) => writeFileSync(p, JSON.stringify({ version: 1, pins: [{ label: 'x', serial: '01' }] })), /issuer/],
  ];

  it.each(faults)('pin file %s', async (_name, damage, reason) => {
    const c = clock('2025-01-01T00:00:00Z');
    const path = join(tempDir(), 'pins.json');
    writeFileSync(path, JSON.stringify({ version: 1, pins: [UPTRENDS_PIN] }));
    const { gate, logger } = makeGate({ pinFile: path, now: c.now, watch: false });
    const socket = fakeSocket(chain);
    expect(code(gate.evaluate({ socket }))).toBe('accepted');
    damage(path);
    await gate.reload();
    const errors = logger.events('certgate.config_invalid');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.level).toBe('error');
    expect(errors[0]?.msg).toMatch(/could not be reloaded; the previous configuration stays in force/);
    expect(String(errors[0]?.obj['reason'])).toMatch(reason);
    expect(gate.pins.map((p) => p.label)).toEqual(['uptrends-2024']);
    // Same connection and a new one: still accepted under the last good pins.
    expect(code(gate.evaluate({ socket }))).toBe('accepted');
    expect(code(gate.evaluate({ socket: fakeSocket(chain) }))).toBe('accepted');
    // Repaired: picked up again.
    rmSync(path, { recursive: true, force: true });
    writeFileSync(path, JSON.stringify({ version: 1, pins: [{ label: 'other', spkiSha256: sectigo.spkiSha256Base64 }] }));
    await gate.reload();
    expect(gate.pins.map((p) => p.label)).toEqual(['other']);
    expect(code(gate.evaluate({ socket: fakeSocket(chain) }))).toBe('PIN_MISMATCH');
  });

  it.each(faults.filter(([name]) => name !== 'valid JSON, invalid pins'))('identities file %s', async (_name, damage, reason) => {
    const c = clock('2025-01-01T00:00:00Z');
    const path = join(tempDir(), 'identities.json');
    writeFileSync(path, JSON.stringify({ version: 1, identities: [{ name: 'uptrends', roles: ['monitor'], match: { spkiSha256: UPTRENDS_PIN.spkiSha256 } }] }));
    const { gate, logger } = makeGate({ identitiesFile: path, now: c.now, watch: false });
    expect(code(gate.evaluate({ socket: fakeSocket(chain) }))).toBe('accepted');
    damage(path);
    await gate.reload();
    expect(String(logger.events('certgate.config_invalid')[0]?.obj['reason'])).toMatch(reason);
    expect(gate.identities.map((i) => i.name)).toEqual(['uptrends']);
    const verdict = gate.evaluate({ socket: fakeSocket(chain) }) as Verdict;
    expect(verdict.outcome === 'accepted' && verdict.identity?.roles).toEqual(['monitor']);
  });
});

describe('clients that vanish', () => {
  it('mid-handshake, mid-request and right after connecting: the server stays healthy and closes every socket', async () => {
    const anchors = manifest.anchors['uptrends']!;
    const policy = manifest.policies['uptrends']!;
    const gate = new ClientCertGate({ trustAnchors: anchors.roots.map(pkiFile), intermediates: anchors.intermediates.map(pkiFile), pins: policy.pins as never, maxDepth: 1, now: () => referenceTime, logger: capturingLogger() });
    gates.push(gate);
    const middleware = clientCertMiddleware(gate);
    const server = createMtlsServer(gate, { key: pkiFile(manifest.server.key), cert: pkiFile(manifest.server.cert) }, (req, res) => middleware(req, res, () => res.end('ok')));
    let open = 0;
    server.on('connection', (socket: net.Socket) => {
      open += 1;
      socket.once('close', () => (open -= 1));
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const standin = entry('uptrends-standin');
    const clientTls = { cert: [standin.cert, ...standin.chain].map(pkiFile).join('\n'), key: pkiFile(standin.key), ca: pkiFile(manifest.server.ca), servername: 'localhost' };
    try {
      const vanish = (kind: number): Promise<void> =>
        new Promise((resolve) => {
          if (kind === 0) {
            // Half a ClientHello, then gone.
            const s = net.connect(port, '127.0.0.1', () => {
              s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
              s.destroy();
            });
            s.on('error', () => undefined).on('close', () => resolve());
          } else if (kind === 1) {
            // Handshake done, half a request line, gone.
            const s = tls.connect({ host: '127.0.0.1', port, ...clientTls }, () => {
              s.write('GET / HTTP/1.1\r\nHost: local');
              s.destroy();
            });
            s.on('error', () => undefined).on('close', () => resolve());
          } else if (kind === 2) {
            // Connected, nothing sent, gone.
            const s = net.connect(port, '127.0.0.1', () => s.destroy());
            s.on('error', () => undefined).on('close', () => resolve());
          } else {
            // Full request sent, gone before the answer is read.
            const req = https.request({ host: '127.0.0.1', port, path: '/', agent: false, ...clientTls });
            req.on('error', () => resolve()).on('close', () => resolve());
            req.on('socket', (s) => s.once('secureConnect', () => setImmediate(() => req.destroy())));
            req.end();
          }
        });
      await Promise.all(Array.from({ length: 40 }, (_, i) => vanish(i % 4)));
      const answer = await get(port, '/', standin);
      expect(answer.status).toBe(200);
      const none = await get(port, '/', undefined);
      expect(none.status).toBe(401);
      for (let i = 0; i < 100 && open > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(open).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('clocks that jump: no cached verdict outlives what it depends on', () => {
  // The Uptrends reference leaf: notBefore 2024-07-26T00:00:00Z, notAfter 2025-07-26T23:59:59Z;
  // certgate counts the notAfter second itself as expired, as OpenSSL does (docs/verify.md).
  const T = '2025-01-01T00:00:00Z';

  it('forward past notAfter, back before notBefore, and back again: per connection and across connections', () => {
    const c = clock(T);
    const { gate } = makeGate({ now: c.now, expiryWarningDays: 0 });
    const socket = fakeSocket(chain);
    const seq: Array<[string, string]> = [
      [T, 'accepted'],
      ['2025-07-27T00:00:00Z', 'CERT_EXPIRED'],
      ['2025-07-26T23:59:58Z', 'accepted'],
      ['2025-07-26T23:59:59Z', 'CERT_EXPIRED'],
      ['2025-07-26T23:59:58.999Z', 'accepted'],
      ['2024-07-25T23:59:59Z', 'CERT_NOT_YET_VALID'],
      ['2024-07-26T00:00:00Z', 'accepted'],
      ['2031-01-01T00:00:00Z', 'CERT_EXPIRED'],
      ['1999-01-01T00:00:00Z', 'CERT_NOT_YET_VALID'],
      [T, 'accepted'],
    ];
    for (const [at, expected] of seq) {
      c.set(at);
      expect([at, code(gate.evaluate({ socket }))]).toEqual([at, expected]);
      expect([at, code(gate.evaluate({ socket: fakeSocket(chain) }))]).toEqual([at, expected]);
    }
  });

  it('across the intermediate\'s and the root\'s validity as well', () => {
    const c = clock(T);
    const { gate } = makeGate({ now: c.now, expiryWarningDays: 0 });
    const socket = fakeSocket(chain);
    expect(code(gate.evaluate({ socket }))).toBe('accepted');
    // Far beyond every certificate of the chain (the root ends in 2038).
    c.set('2040-01-01T00:00:00Z');
    expect(code(gate.evaluate({ socket }))).toBe('CERT_EXPIRED');
    c.set(T);
    expect(code(gate.evaluate({ socket }))).toBe('accepted');
  });

  it('across a pin\'s window, both ways', () => {
    const c = clock(T);
    const pin = { ...UPTRENDS_PIN, notBefore: '2024-12-01T00:00:00Z', notAfter: '2025-02-01T00:00:00Z' };
    const { gate } = makeGate({ now: c.now, pins: [pin], expiryWarningDays: 0 });
    const socket = fakeSocket(chain);
    expect(code(gate.evaluate({ socket }))).toBe('accepted');
    c.set('2025-02-01T00:00:01Z');
    expect(code(gate.evaluate({ socket }))).toBe('PIN_MISMATCH');
    c.set('2024-11-30T23:59:59Z');
    expect(code(gate.evaluate({ socket }))).toBe('PIN_MISMATCH');
    c.set(T);
    expect(code(gate.evaluate({ socket }))).toBe('accepted');
  });

  it('for chains forwarded by a trusted proxy (verdicts cached by header hash)', () => {
    const c = clock(T);
    const { gate } = makeGate({ now: c.now, expiryWarningDays: 0, source: { header: 'rfc9440', trustedProxies: ['loopback'] } });
    const headers = { 'client-cert': `:${Buffer.from(uptrends.der).toString('base64')}:`, 'client-cert-chain': `:${Buffer.from(sectigo.der).toString('base64')}:` };
    const request = () => ({ socket: { remoteAddress: '127.0.0.1' }, headers });
    expect(code(gate.evaluate(request()))).toBe('accepted');
    c.set('2025-07-27T00:00:00Z');
    expect(code(gate.evaluate(request()))).toBe('CERT_EXPIRED');
    c.set('2024-07-25T00:00:00Z');
    expect(code(gate.evaluate(request()))).toBe('CERT_NOT_YET_VALID');
    c.set(T);
    expect(code(gate.evaluate(request()))).toBe('accepted');
  });
});
