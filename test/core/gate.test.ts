import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import type { ClientCertGateOptions, Verdict } from '../../src/core/types.js';
import { ClientCertError, isClientCertError } from '../../src/errors.js';
import { parseCertificate } from '../../src/cert/parse.js';
import { countingValidator } from '../helpers/counting-validator.js';
import { entry, manifest, pkiFile, referenceTime } from '../helpers/tls.js';
import { capturingLogger, clock, fakeSocket, sectigo, SECTIGO_PEM, uptrends, UPTRENDS_PEM, UPTRENDS_PIN, usertrust, USERTRUST_PEM } from '../helpers/gate.js';

const gates: ClientCertGate[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const g of gates.splice(0)) g.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function makeGate(options: Partial<ClientCertGateOptions> & { now?: () => number }, validator = countingValidator()) {
  const logger = capturingLogger();
  const gate = new ClientCertGate({ trustAnchors: USERTRUST_PEM, logger, ...options }, { validatorFactory: validator.factory });
  gates.push(gate);
  return { gate, logger, calls: validator.calls };
}

function sync(v: Verdict | Promise<Verdict>): Verdict {
  if (v instanceof Promise) throw new Error('expected a synchronous verdict');
  return v;
}

const chain = [uptrends.der, sectigo.der];

describe('ClientCertGate: verdicts', () => {
  it('accepts the pinned reference chain inside its validity and summarises the certificate', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate, logger } = makeGate({ pins: [UPTRENDS_PIN], now: c.now });
    const verdict = sync(gate.evaluate({ socket: fakeSocket(chain) }));
    expect(verdict.outcome).toBe('accepted');
    if (verdict.outcome !== 'accepted') return;
    expect(verdict.certificate).toMatchObject({
      subject: 'emailAddress=certificates@uptrends.com',
      serial: '1A223E5481B066DFDA30E5F35CDB3A81',
      emails: ['certificates@uptrends.com'],
      spkiSha256: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=',
      certSha256: 'F9A92A6DC75AE381D12DE7C7CB3E02BD87CB4690DA736E26674F57BE4B3B44A1',
      pinLabel: 'uptrends-2024',
      identity: undefined,
      daysRemaining: 206,
    });
    expect(verdict.path.map((c2) => c2.sha256)).toEqual([uptrends.sha256, sectigo.sha256, usertrust.sha256]);
    expect(verdict.source).toBe('tls');
    expect(logger.events('certgate.rejected')).toEqual([]);
  });

  it('rejects a missing certificate with CERT_MISSING (401), and lets it through with optional: true', () => {
    const { gate, logger } = makeGate({});
    const verdict = sync(gate.evaluate({ socket: fakeSocket([]) }));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect([verdict.code, verdict.status]).toEqual(['CERT_MISSING', 401]);
    expect(sync(gate.evaluate({})).ok).toBe(false);
    expect(logger.events('certgate.rejected')[0]?.obj).toMatchObject({ code: 'CERT_MISSING', remoteAddress: '127.0.0.1' });

    const optional = makeGate({ optional: true }).gate;
    expect(sync(optional.evaluate({ socket: fakeSocket([]) })).outcome).toBe('absent');
    expect(sync(optional.evaluate({ socket: { not: 'tls' } })).outcome).toBe('absent');
  });

  it('still rejects a bad certificate in optional mode', () => {
    const c = clock('2026-11-23T00:00:00Z');
    const { gate } = makeGate({ optional: true, now: c.now });
    const verdict = sync(gate.evaluate({ socket: fakeSocket(chain) }));
    expect(verdict.ok || verdict.code).toBe('CERT_EXPIRED');
  });

  it('never trusts socket.authorized or a non-empty getPeerCertificate() without a certificate in it', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate } = makeGate({ now: c.now });
    const claims = { authorized: true, remoteAddress: '127.0.0.1', isSessionReused: () => false };
    const empty = sync(gate.evaluate({ socket: { ...claims, getPeerCertificate: () => ({ subject: { CN: 'admin' }, fingerprint256: 'AA:BB' }) } }));
    expect(empty.ok || empty.code).toBe('CERT_MISSING');
    const selfSigned = sync(gate.evaluate({ socket: { ...fakeSocket([sectigo.der]), ...claims } }));
    expect(selfSigned.ok).toBe(false); // a CA certificate presented as a leaf, whatever `authorized` says
    const throwing = sync(gate.evaluate({ socket: { ...claims, getPeerCertificate: () => { throw new Error('socket gone'); } } }));
    expect(throwing.ok || throwing.code).toBe('CERT_MISSING');
  });

  it('rejects garbage as CERT_MALFORMED without throwing', () => {
    const { gate } = makeGate({});
    const verdict = sync(gate.evaluate({ socket: fakeSocket([Buffer.from('garbage')]) }));
    expect(verdict.ok || verdict.code).toBe('CERT_MALFORMED');
  });

  it('answers PIN_MISMATCH (403) for a valid chain that no pin allows, without revealing the pins', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate } = makeGate({ pins: [{ label: 'other', spkiSha256: sectigo.spkiSha256Base64 }], now: c.now });
    const verdict = sync(gate.evaluate({ socket: fakeSocket(chain) }));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect([verdict.code, verdict.status]).toEqual(['PIN_MISMATCH', 403]);
    expect(verdict.error.message).not.toContain('other');
    expect(verdict.certificate?.serial).toBe(uptrends.serialNumber);
  });

  it('reports an expired pin loudly: at construction and when a certificate would have matched it', () => {
    const c = clock('2025-08-01T00:00:00Z');
    // A pin that expired before the certificate did: the chain is still valid on 2025-08-01... not
    // for this certificate (it expired 2025-07-26), so use skew to keep the chain valid.
    const { gate, logger } = makeGate({ pins: [{ ...UPTRENDS_PIN, notAfter: '2025-06-30T00:00:00Z' }], now: c.now });
    expect(logger.events('certgate.pin_expired')[0]?.level).toBe('error');
    expect(logger.events('certgate.all_pins_expired')[0]?.msg).toContain('certgate pins update');
    c.set('2025-07-01T00:00:00Z');
    const verdict = sync(gate.evaluate({ socket: fakeSocket(chain) }));
    expect(verdict.ok || verdict.code).toBe('PIN_MISMATCH');
    const line = logger.events('certgate.rejected')[0];
    expect(line?.level).toBe('error');
    expect(line?.obj['expiredPins']).toEqual([{ label: 'uptrends-2024', notAfter: '2025-06-30T00:00:00.000Z' }]);
  });

  it('requires an identity when identities are configured, and reports it', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate } = makeGate({ identities: [{ name: 'monitor', roles: ['read'], match: { subjectEmail: 'certificates@uptrends.com' } }], now: c.now });
    const verdict = sync(gate.evaluate({ socket: fakeSocket(chain) }));
    expect(verdict.outcome === 'accepted' && verdict.identity).toEqual({ name: 'monitor', roles: ['read'] });
    expect(verdict.outcome === 'accepted' && verdict.certificate.identity).toBe('monitor');

    const other = makeGate({ identities: [{ name: 'x', match: { subjectEmail: 'other@example.com' } }], now: c.now }).gate;
    const rejected = sync(other.evaluate({ socket: fakeSocket(chain) }));
    expect(rejected.ok ? 'accepted' : [rejected.code, rejected.status]).toEqual(['IDENTITY_UNKNOWN', 403]);
  });

  it('never throws: a failing source is INTERNAL_ERROR (500, logged), a throwing logger or hook changes nothing', () => {
    const logger = capturingLogger();
    const v = countingValidator();
    const gate = new ClientCertGate(
      { trustAnchors: USERTRUST_PEM, logger, source: { name: 'broken', read: () => { throw new Error('boom'); } } },
      { validatorFactory: v.factory },
    );
    const verdict = sync(gate.evaluate({}));
    expect(verdict.ok ? 'accepted' : [verdict.code, verdict.status]).toEqual(['INTERNAL_ERROR', 500]);
    expect(logger.events('certgate.internal_error')[0]?.level).toBe('error');

    const c = clock('2025-01-01T00:00:00Z');
    const throwing = { info() { throw new Error('x'); }, warn() { throw new Error('x'); }, error() { throw new Error('x'); } };
    const g2 = new ClientCertGate({ trustAnchors: USERTRUST_PEM, logger: throwing, now: c.now, onVerdict: () => { throw new Error('hook'); } }, { validatorFactory: v.factory });
    expect(sync(g2.evaluate({ socket: fakeSocket(chain) })).outcome).toBe('accepted');
    expect(sync(g2.evaluate({ socket: fakeSocket([]) })).outcome).toBe('rejected');
  });

  it('checkCertificates: the published Uptrends certificate passes the pinned policy inside its validity and is CERT_EXPIRED on 2026-11-23', async () => {
    const { gate } = makeGate({ pins: [UPTRENDS_PIN], intermediates: SECTIGO_PEM });
    const inside = await gate.checkCertificates(UPTRENDS_PEM, { at: new Date('2025-03-01T12:00:00Z') });
    expect(inside.outcome).toBe('accepted');
    const today = await gate.checkCertificates([UPTRENDS_PEM, SECTIGO_PEM], { at: new Date('2026-11-23T00:00:00Z') });
    expect(today.ok || [today.code, today.status]).toEqual(['CERT_EXPIRED', 401]);
    const garbage = await gate.checkCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----');
    expect(garbage.ok || garbage.code).toBe('CERT_MALFORMED');
  });
});

describe('ClientCertGate: caching', () => {
  it('computes the verdict once per connection and reads the peer chain once', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate, calls } = makeGate({ pins: [UPTRENDS_PIN], now: c.now });
    const socket = fakeSocket(chain);
    for (let i = 0; i < 5; i++) expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
    expect(calls()).toBe(1);
    expect(socket.peerCalls).toBe(1);
    // Another connection with the same chain: the validation result is reused.
    expect(sync(gate.evaluate({ socket: fakeSocket(chain) })).outcome).toBe('accepted');
    expect(calls()).toBe(1);
  });

  it('reads the peer chain once per connection even with several gates on it', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const socket = fakeSocket(chain);
    const appWide = makeGate({ now: c.now }).gate;
    const route = makeGate({ pins: [UPTRENDS_PIN], now: c.now }).gate;
    expect(sync(appWide.evaluate({ socket })).outcome).toBe('accepted');
    expect(sync(route.evaluate({ socket })).outcome).toBe('accepted');
    expect(socket.peerCalls).toBe(1);
  });

  it('with intermediates configured, a new connection reads the leaf alone when they complete the path', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate } = makeGate({ intermediates: SECTIGO_PEM, pins: [UPTRENDS_PIN], now: c.now });
    for (const presented of [chain, [uptrends.der]]) {
      const socket = fakeSocket(presented);
      expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
      expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
      expect([socket.peerCalls, socket.chainCalls]).toEqual([1, 0]);
    }
  });

  it('with intermediates configured, the whole chain is read when the leaf alone does not validate, and decides', () => {
    // zoo-too-deep: the client sends two intermediates, one more than the policy allows. The leaf
    // alone does not chain; the verdict must be the one the whole chain gets, not CHAIN_UNTRUSTED.
    const e = entry('zoo-too-deep');
    const policy = manifest.policies['uptrends'] as { maxDepth?: number };
    const anchors = manifest.anchors['uptrends'] as { roots: string[]; intermediates: string[] };
    const { gate } = makeGate({ trustAnchors: anchors.roots.map(pkiFile), intermediates: anchors.intermediates.map(pkiFile), maxDepth: policy.maxDepth ?? 1, now: () => referenceTime });
    const socket = fakeSocket([e.cert, ...e.chain].map((file) => parseCertificate(pkiFile(file)).der));
    const verdict = sync(gate.evaluate({ socket }));
    expect(verdict.ok || verdict.code).toBe('CHAIN_TOO_DEEP');
    expect([socket.peerCalls, socket.chainCalls]).toEqual([2, 1]);
    // A chain the configured intermediates cannot complete, presented in full: accepted.
    const { gate: rootOnly } = makeGate({ intermediates: [], pins: [UPTRENDS_PIN], now: () => Date.parse('2025-01-01T00:00:00Z') });
    expect(sync(rootOnly.evaluate({ socket: fakeSocket(chain) })).outcome).toBe('accepted');
  });

  it('without intermediates configured, the whole chain is read at once', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate } = makeGate({ pins: [UPTRENDS_PIN], now: c.now });
    const socket = fakeSocket(chain);
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
    expect([socket.peerCalls, socket.chainCalls]).toEqual([1, 1]);
  });

  it('gates of both kinds on one connection share what was read, and each gets its own verdict', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const socket = fakeSocket(chain);
    const leafFirst = makeGate({ intermediates: SECTIGO_PEM, pins: [UPTRENDS_PIN], now: c.now }).gate;
    const full = makeGate({ pins: [UPTRENDS_PIN], now: c.now }).gate;
    expect(sync(leafFirst.evaluate({ socket })).outcome).toBe('accepted');
    // The leaf alone is cached on the socket; the other gate cannot chain it and asks for the rest.
    expect(sync(full.evaluate({ socket })).outcome).toBe('accepted');
    expect([socket.peerCalls, socket.chainCalls]).toEqual([2, 1]);
  });

  it('two gates on one connection keep their own verdicts (the first on the socket, the other aside)', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const socket = fakeSocket(chain);
    const other = { label: 'other', spkiSha256: 'A'.repeat(43) + '=' };
    const a = makeGate({ pins: [UPTRENDS_PIN], now: c.now });
    const b = makeGate({ pins: [other], now: c.now });
    for (let i = 0; i < 3; i++) {
      expect(sync(a.gate.evaluate({ socket })).outcome).toBe('accepted');
      expect(sync(b.gate.evaluate({ socket }))).toMatchObject({ outcome: 'rejected', code: 'PIN_MISMATCH' });
    }
    expect(a.calls() + b.calls()).toBeLessThanOrEqual(2);
    // Nothing the application would see: no enumerable property, nothing in a copy.
    expect(Object.keys(socket)).toEqual(['peerCalls', 'chainCalls', 'remoteAddress', 'isSessionReused', 'getPeerCertificate']);
    expect(Object.getOwnPropertySymbols({ ...socket })).toEqual([]);
  });

  it('connection objects that take no property (sealed, or a proxy that refuses) still get their verdict cached', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const sealed = Object.seal(fakeSocket(chain));
    const refusing = new Proxy(fakeSocket(chain), {
      defineProperty: () => {
        throw new Error('no');
      },
    });
    for (const socket of [sealed, refusing]) {
      const { gate, calls } = makeGate({ pins: [UPTRENDS_PIN], now: c.now }, countingValidator());
      for (let i = 0; i < 3; i++) expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
      expect(calls()).toBe(1);
      expect(socket.peerCalls).toBe(1);
    }
  });

  it('remembers verdicts for at most cache.chains source keys (forwarded certificates: bounded memory)', () => {
    const c = clock('2025-01-01T00:00:00Z');
    // A source that identifies the chain by a key, as the header source does with a hash.
    const keyed = (key: string) => ({ headers: { key } });
    const source = { name: 'keyed', read: (request: { headers?: Record<string, unknown> }) => ({ kind: 'chain' as const, ders: chain, cacheKey: String(request.headers?.['key']) }) };
    const { gate } = makeGate({ now: c.now, source, cache: { chains: 2 } });
    const first = sync(gate.evaluate(keyed('a')));
    expect(first.outcome).toBe('accepted');
    // Cached by key: the same verdict object.
    expect(sync(gate.evaluate(keyed('a')))).toBe(first);
    sync(gate.evaluate(keyed('b')));
    expect(sync(gate.evaluate(keyed('a')))).toBe(first);
    sync(gate.evaluate(keyed('b')));
    sync(gate.evaluate(keyed('c')));
    // Two keys remembered ('b', 'c'): 'a' was evicted and is decided again (same outcome).
    const again = sync(gate.evaluate(keyed('a')));
    expect(again).not.toBe(first);
    expect(again.outcome).toBe('accepted');
  });

  it('warns once when requests arrive over plain HTTP (a misconfiguration), not per request', () => {
    const { gate, logger } = makeGate({});
    for (let i = 0; i < 3; i++) expect(sync(gate.evaluate({ socket: { remoteAddress: '127.0.0.1' } })).ok).toBe(false);
    expect(logger.events('certgate.not_tls')).toHaveLength(1);
    expect(logger.events('certgate.rejected')).toHaveLength(3);
  });

  it('a connection that outlives the certificate is re-judged: CERT_EXPIRED after notAfter', () => {
    const c = clock('2025-07-26T23:00:00Z');
    const { gate } = makeGate({ now: c.now });
    const socket = fakeSocket(chain);
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
    c.set('2025-07-27T00:00:01Z');
    const later = sync(gate.evaluate({ socket }));
    expect(later.ok || later.code).toBe('CERT_EXPIRED');
    expect(socket.peerCalls).toBe(1);
    // A clock going backwards (tests) is honoured too.
    c.set('2025-07-26T22:00:00Z');
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
  });

  // The verdict kept on the socket is read without the source between hourly pin sweeps: these
  // stay within the hour, so only the kept verdict's own conditions can re-judge.
  it('a verdict kept on the connection ends with the certificate, also within the hour', () => {
    const c = clock('2025-07-26T23:50:00Z');
    const { gate, calls } = makeGate({ now: c.now });
    const socket = fakeSocket(chain);
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
    c.set('2025-07-26T23:55:00Z');
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
    expect(calls()).toBe(1);
    c.set('2025-07-27T00:00:01Z');
    const later = sync(gate.evaluate({ socket }));
    expect(later.ok || later.code).toBe('CERT_EXPIRED');
    expect(socket.peerCalls).toBe(1);
  });

  it('a verdict kept on the connection carries daysRemaining only until the next whole day', () => {
    const c = clock('2025-07-24T23:50:00Z');
    const { gate } = makeGate({ now: c.now, expiryWarningDays: 0 });
    const socket = fakeSocket(chain);
    const first = sync(gate.evaluate({ socket }));
    expect(first.outcome === 'accepted' && first.certificate.daysRemaining).toBe(2);
    c.set('2025-07-25T00:10:00Z');
    const second = sync(gate.evaluate({ socket }));
    expect(second.outcome === 'accepted' && second.certificate.daysRemaining).toBe(1);
  });

  it('runs the hourly pin sweep on keep-alive requests too: a pin entering its warning window is reported', () => {
    // The connection's certificate matches UPTRENDS_PIN; another pin reaches 29 days left while
    // the connection is open (its warning window is 30 days), with no verdict boundary in between.
    const other = { label: 'other', certSha256: 'ab'.repeat(32), notAfter: '2025-03-02T00:30:00Z' };
    const c = clock('2025-01-31T00:00:00Z');
    const { gate, logger } = makeGate({ pins: [UPTRENDS_PIN, other], now: c.now, expiryWarningDays: 30 });
    const socket = fakeSocket(chain);
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
    const warned = () => logger.events('certgate.expiring_soon').filter((l) => l.obj['label'] === 'other');
    expect(warned()).toHaveLength(0);
    c.set('2025-01-31T01:01:00Z');
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');
    expect(warned()).toHaveLength(1);
    expect(warned()[0]?.obj).toMatchObject({ kind: 'pin', daysRemaining: 29 });
  });

  it('keeps daysRemaining exact on a long-lived connection', () => {
    const c = clock('2025-07-20T00:00:00Z');
    const { gate } = makeGate({ now: c.now, expiryWarningDays: 0 });
    const socket = fakeSocket(chain);
    const first = sync(gate.evaluate({ socket }));
    expect(first.outcome === 'accepted' && first.certificate.daysRemaining).toBe(6);
    c.advance(86_400_000);
    const second = sync(gate.evaluate({ socket }));
    expect(second.outcome === 'accepted' && second.certificate.daysRemaining).toBe(5);
  });

  it('a resumed session (leaf only) reuses the intermediates learned from the full handshake', () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate } = makeGate({ now: c.now });
    // Without learning, a leaf alone cannot chain: no intermediates configured.
    const cold = sync(gate.evaluate({ socket: fakeSocket([uptrends.der], { resumed: true }) }));
    expect(cold.ok || cold.code).toBe('CHAIN_UNTRUSTED');
    expect(sync(gate.evaluate({ socket: fakeSocket(chain) })).outcome).toBe('accepted');
    expect(sync(gate.evaluate({ socket: fakeSocket([uptrends.der], { resumed: true }) })).outcome).toBe('accepted');
    // A fresh (not resumed) handshake with the leaf alone is judged on what it presented.
    const fresh = sync(gate.evaluate({ socket: fakeSocket([uptrends.der]) }));
    expect(fresh.ok || fresh.code).toBe('CHAIN_UNTRUSTED');
  });

  it('a resumed session of a rejected chain gets the same code as its full handshake (found by the soak)', () => {
    // zoo-too-deep: one intermediate too many for the policy. On resumption Node hands over the
    // leaf alone; without the presented chain remembered the answer was CHAIN_UNTRUSTED.
    const e = entry('zoo-too-deep');
    const policy = manifest.policies['uptrends'] as { maxDepth?: number };
    const anchors = manifest.anchors['uptrends'] as { roots: string[]; intermediates: string[] };
    const { gate } = makeGate({ trustAnchors: anchors.roots.map(pkiFile), intermediates: anchors.intermediates.map(pkiFile), maxDepth: policy.maxDepth ?? 1, now: () => referenceTime });
    const ders = [e.cert, ...e.chain].map((file) => parseCertificate(pkiFile(file)).der);
    const full = sync(gate.evaluate({ socket: fakeSocket(ders) }));
    expect(full.ok || full.code).toBe('CHAIN_TOO_DEEP');
    const resumed = sync(gate.evaluate({ socket: fakeSocket(ders.slice(0, 1), { resumed: true }) }));
    expect(resumed.ok || resumed.code).toBe('CHAIN_TOO_DEEP');
  });

  it('warns once per 24 h for a certificate inside the warning window, not once per request', () => {
    const c = clock('2025-07-10T00:00:00Z');
    const events: unknown[] = [];
    const { gate, logger } = makeGate({ now: c.now, onExpiringSoon: (e) => events.push(e) });
    for (let i = 0; i < 20; i++) {
      gate.evaluate({ socket: fakeSocket(chain) });
      c.advance(60_000);
    }
    expect(logger.events('certgate.expiring_soon')).toHaveLength(1);
    expect(logger.events('certgate.expiring_soon')[0]?.obj).toMatchObject({ kind: 'certificate', daysRemaining: 16, serial: uptrends.serialNumber });
    expect(events).toHaveLength(1);
    c.advance(86_400_000);
    gate.evaluate({ socket: fakeSocket(chain) });
    expect(logger.events('certgate.expiring_soon')).toHaveLength(2);
  });

  it('warns once per 24 h for a pin close to its end', () => {
    const c = clock('2025-07-20T00:00:00Z');
    const { gate, logger } = makeGate({ pins: [UPTRENDS_PIN], now: c.now });
    for (let i = 0; i < 10; i++) gate.evaluate({ socket: fakeSocket(chain) });
    const pinWarnings = logger.events('certgate.expiring_soon').filter((l) => l.obj['kind'] === 'pin');
    expect(pinWarnings).toHaveLength(1);
    expect(pinWarnings[0]?.obj).toMatchObject({ label: 'uptrends-2024', daysRemaining: 6 });
  });
});

describe('ClientCertGate: pin and identities files', () => {
  function tempFile(name: string, content: unknown): string {
    const dir = mkdtempSync(join(tmpdir(), 'certgate-gate-'));
    dirs.push(dir);
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('hot-reloads pins mid-connection and keeps the old pins when the new file is corrupted', async () => {
    const c = clock('2025-01-01T00:00:00Z');
    const path = tempFile('pins.json', { version: 1, pins: [UPTRENDS_PIN] });
    const { gate, logger } = makeGate({ pinFile: path, now: c.now, watch: false });
    const socket = fakeSocket(chain);
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');

    writeFileSync(path, '{"version": 1, "pins": [');
    await gate.reload();
    expect(logger.events('certgate.config_invalid')[0]?.obj).toMatchObject({ code: 'CONFIG_INVALID', file: path });
    expect(sync(gate.evaluate({ socket })).outcome).toBe('accepted');

    writeFileSync(path, JSON.stringify({ version: 1, pins: [{ label: 'new-key', spkiSha256: sectigo.spkiSha256Base64 }] }));
    await gate.reload();
    expect(gate.pins.map((p) => p.label)).toEqual(['new-key']);
    const after = sync(gate.evaluate({ socket }));
    expect(after.ok || after.code).toBe('PIN_MISMATCH');
  });

  it('picks up an atomic rename-replace by itself (watching), and logs a corrupted replacement', async () => {
    const c = clock('2025-01-01T00:00:00Z');
    const path = tempFile('pins.json', { version: 1, pins: [UPTRENDS_PIN] });
    const { gate, logger } = makeGate({ pinFile: path, now: c.now });
    const until = async (condition: () => boolean): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('the watcher did not react within 10 s');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const replace = (content: string): void => {
      writeFileSync(`${path}.tmp`, content);
      renameSync(`${path}.tmp`, path);
    };
    replace('{"version": 1, "pins": [{"label": "half-written"');
    await until(() => logger.events('certgate.config_invalid').length === 1);
    expect(gate.pins.map((p) => p.label)).toEqual(['uptrends-2024']);
    replace(JSON.stringify({ version: 1, pins: [{ label: 'next', spkiSha256: sectigo.spkiSha256Base64 }] }));
    await until(() => gate.generation === 1);
    expect(gate.pins.map((p) => p.label)).toEqual(['next']);
    expect(logger.events('certgate.pins_reloaded')).toHaveLength(1);
  });

  it('fails construction when the first load of a pin or identities file fails', () => {
    expect(() => makeGate({ pinFile: '/nonexistent/pins.json' })).toThrow(/cannot read/);
    const bad = tempFile('ids.json', { version: 1, identities: [{ name: 'a', match: { serial: '01' } }] });
    try {
      makeGate({ identitiesFile: bad });
      expect.unreachable();
    } catch (error) {
      expect(isClientCertError(error) && error.code).toBe('CONFIG_INVALID');
    }
  });

  it('reloads identities', async () => {
    const c = clock('2025-01-01T00:00:00Z');
    const path = tempFile('ids.json', { version: 1, identities: [{ name: 'a', roles: ['r1'], match: { subjectEmail: 'certificates@uptrends.com' } }] });
    const { gate } = makeGate({ identitiesFile: path, now: c.now, watch: false });
    const socket = fakeSocket(chain);
    const first = sync(gate.evaluate({ socket }));
    expect(first.outcome === 'accepted' && first.identity?.roles).toEqual(['r1']);
    writeFileSync(path, JSON.stringify({ version: 1, identities: [{ name: 'a', roles: ['r2'], match: { subjectEmail: 'certificates@uptrends.com' } }] }));
    await gate.reload();
    const second = sync(gate.evaluate({ socket }));
    expect(second.outcome === 'accepted' && second.identity?.roles).toEqual(['r2']);
  });
});

describe('ClientCertGate: options', () => {
  it.each([
    [{ trustAnchor: USERTRUST_PEM }, /unknown client certificate option "trustAnchor" \(did you mean "trustAnchors"\?\)/],
    [{ trustAnchors: USERTRUST_PEM, pinfile: 'x' }, /did you mean "pinFile"/],
    [{ trustAnchors: USERTRUST_PEM, clockskew: 5 }, /did you mean "clockSkewSeconds"/],
    [{}, /"trustAnchors" must be one or more certificates/],
    [{ trustAnchors: 'fixtures/reference/usertrust-rsa-root.pem' }, /looks like a file path/],
    [{ trustAnchors: USERTRUST_PEM, purpose: 'clinet' }, /did you mean "client"/],
    [{ trustAnchors: USERTRUST_PEM, onError: 'throw' }, /"respond" or "next"/],
    [{ trustAnchors: USERTRUST_PEM, maxDepth: -1 }, /integer from 0 to 16/],
    [{ trustAnchors: USERTRUST_PEM, maxDepth: 1.5 }, /integer from 0 to 16/],
    [{ trustAnchors: USERTRUST_PEM, clockSkewSeconds: -1 }, /"clockSkewSeconds"/],
    [{ trustAnchors: USERTRUST_PEM, logger: console.log }, /"logger"/],
    [{ trustAnchors: USERTRUST_PEM, logger: {} }, /no info\(\) method/],
    [{ trustAnchors: USERTRUST_PEM, pins: { label: 'x' } }, /"pins" must be an array/],
    [{ trustAnchors: USERTRUST_PEM, pins: [{ label: 'x', serial: '01' }] }, /"serial" needs "issuer"/],
    [{ trustAnchors: USERTRUST_PEM, cache: { chain: 5 } }, /did you mean "chains"/],
    [{ trustAnchors: USERTRUST_PEM, source: 'header' }, /"source"/],
    [{ trustAnchors: USERTRUST_PEM, revocation: 'hardfail' }, /revocation option "mode" must be .*did you mean "hard-fail"/],
  ])('refuses bad options with a TypeError: %#', (options, message) => {
    const v = countingValidator();
    expect(() => new ClientCertGate(options as unknown as ClientCertGateOptions, { validatorFactory: v.factory })).toThrow(TypeError);
    expect(() => new ClientCertGate(options as unknown as ClientCertGateOptions, { validatorFactory: v.factory })).toThrow(message);
  });

  it('freezes the compiled options', () => {
    const { gate } = makeGate({ intermediates: [SECTIGO_PEM, sectigo], pins: [UPTRENDS_PIN] });
    expect(Object.isFrozen(gate.options)).toBe(true);
    expect(Object.isFrozen(gate.options.pins)).toBe(true);
    expect(gate.options.intermediates).toHaveLength(1); // duplicates removed
    expect(gate.options.purpose).toBe('client');
    expect(gate.options.expiryWarningDays).toBe(30);
  });

  it('lets a revocation checker reject after validation (extension point)', async () => {
    const c = clock('2025-01-01T00:00:00Z');
    const { gate } = makeGate({
      now: c.now,
      revocation: { name: 'test', check: async () => ({ error: new ClientCertError('CERT_REVOKED', 'revoked (keyCompromise)') }) },
    });
    const verdict = await gate.check({ socket: fakeSocket(chain) });
    expect(verdict.ok || verdict.code).toBe('CERT_REVOKED');
  });

  it('passes every verdict to onVerdict with the request', () => {
    const seen: string[] = [];
    const { gate } = makeGate({ onVerdict: (v) => seen.push(v.outcome) });
    gate.evaluate({ socket: fakeSocket([]) });
    expect(seen).toEqual(['rejected']);
  });
});
