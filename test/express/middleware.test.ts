/**
 * The Express plumbing, on Express 5 and Express 4, over plain HTTP with a test certificate
 * source (the `source` extension point) so every branch is reachable without TLS. The real-TLS
 * tests are in tls.test.ts.
 */
import express4 from 'express4';
import express5 from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import { clientCertMiddleware } from '../../src/core/middleware.js';
import type { ClientCertGateOptions } from '../../src/core/types.js';
import { requireAnyRole, requireRole, type ClientCertRequest } from '../../src/express/index.js';
import { isClientCertError } from '../../src/errors.js';
import { countingValidator } from '../helpers/counting-validator.js';
import { capturingLogger, sectigo, UPTRENDS_PIN, USERTRUST_PEM } from '../helpers/gate.js';
import { headerSource, inside, UPTRENDS_CHAIN } from '../helpers/header-source.js';

const CHAIN = UPTRENDS_CHAIN;

function middleware(options: Partial<ClientCertGateOptions>) {
  const logger = capturingLogger();
  const gate = new ClientCertGate({ trustAnchors: USERTRUST_PEM, source: headerSource, now: inside, logger, ...options }, { validatorFactory: countingValidator().factory });
  return { mw: clientCertMiddleware(gate), logger };
}

type ExpressFactory = typeof express5;
const flavours: Array<[string, ExpressFactory]> = [
  ['Express 5', express5],
  ['Express 4', express4 as unknown as ExpressFactory],
];

describe.each(flavours)('%s', (_name, express) => {
  function app(options: Partial<ClientCertGateOptions>, extra?: (a: ReturnType<ExpressFactory>) => void) {
    const a = express();
    const { mw, logger } = middleware(options);
    a.use((req: ClientCertRequest, _res, next) => {
      // Something upstream set these: the gate must never let them through on a request it did not accept.
      if (req.headers['x-preset'] !== undefined) req.clientCertificate = { subject: 'forged' } as never;
      next();
    });
    a.use(mw);
    extra?.(a);
    a.get('/', (req, res) => {
      res.json({ certificate: req.clientCertificate === undefined ? null : { serial: req.clientCertificate.serial, pinLabel: req.clientCertificate.pinLabel, daysRemaining: req.clientCertificate.daysRemaining }, identity: req.clientIdentity ?? null });
    });
    return { app: a, logger };
  }

  it('sets req.clientCertificate and req.clientIdentity for an accepted certificate', async () => {
    const { app: a } = app({ pins: [UPTRENDS_PIN], identities: [{ name: 'uptrends', roles: ['monitor'], match: { subjectEmail: 'certificates@uptrends.com' } }] });
    const res = await request(a).get('/').set('x-test-chain', CHAIN).expect(200);
    expect(res.body).toEqual({ certificate: { serial: '1A223E5481B066DFDA30E5F35CDB3A81', pinLabel: 'uptrends-2024', daysRemaining: 206 }, identity: { name: 'uptrends', roles: ['monitor'] } });
  });

  it('answers 401 problem+json for a missing certificate, with the code and nothing internal', async () => {
    const { app: a, logger } = app({});
    const res = await request(a).get('/').set('x-preset', '1').expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      type: 'urn:certgate:error:CERT_MISSING',
      title: 'Client certificate required',
      status: 401,
      detail: expect.stringContaining('expected a client certificate') as unknown,
      code: 'CERT_MISSING',
    });
    expect(logger.events('certgate.rejected')).toHaveLength(1);
  });

  it('answers 403 PIN_MISMATCH for a valid certificate no pin allows, without PEM or pins in the body', async () => {
    const { app: a } = app({ pins: [{ label: 'secret-label', spkiSha256: sectigo.spkiSha256Base64 }] });
    const res = await request(a).get('/').set('x-test-chain', CHAIN).expect(403);
    expect(res.body.code).toBe('PIN_MISMATCH');
    expect(res.text).not.toMatch(/BEGIN|MII|secret-label|stack/);
  });

  it('hands the ClientCertError to next(err) with onError: "next"', async () => {
    const { app: a } = app({ onError: 'next' }, () => undefined);
    a.use((err: unknown, _req: unknown, res: { status(n: number): { json(b: unknown): void } }, _next: unknown) => {
      res.status(418).json({ handled: isClientCertError(err) ? err.code : 'other', status: isClientCertError(err) ? err.status : 0 });
    });
    const res = await request(a).get('/').expect(418);
    expect(res.body).toEqual({ handled: 'CERT_MISSING', status: 401 });
  });

  it('optional: no certificate passes without clientCertificate (even if preset upstream); a bad one is still rejected', async () => {
    const { app: a } = app({ optional: true, now: () => Date.parse('2026-11-23T00:00:00Z') });
    const res = await request(a).get('/').set('x-preset', '1').expect(200);
    expect(res.body).toEqual({ certificate: null, identity: null });
    const bad = await request(a).get('/').set('x-test-chain', CHAIN).expect(401);
    expect(bad.body.code).toBe('CERT_EXPIRED');
    const garbage = await request(a).get('/').set('x-test-chain', 'AAAA').expect(401);
    expect(garbage.body.code).toBe('CERT_MALFORMED');
  });

  it('requireRole: all listed roles needed (403 ROLE_MISSING), requireAnyRole: one; 401 without a certificate, 403 without an identity', async () => {
    const identities = [{ name: 'uptrends', roles: ['monitor', 'read'], match: { subjectEmail: 'certificates@uptrends.com' } }];
    const { app: a } = app({ identities, optional: true }, (x) => {
      x.get('/read', requireRole('read'), (_req, res) => res.send('ok'));
      x.get('/admin', requireRole('read', 'admin'), (_req, res) => res.send('ok'));
      x.get('/any', requireAnyRole('admin', 'monitor'), (_req, res) => res.send('ok'));
      x.get('/next', requireRole('admin', { onError: 'next' }), (_req, res) => res.send('ok'));
      x.use((err: unknown, _req: unknown, res: { status(n: number): { send(b: string): void } }, _next: unknown) => {
        res.status(499).send(isClientCertError(err) ? err.code : 'other');
      });
    });
    await request(a).get('/read').set('x-test-chain', CHAIN).expect(200, 'ok');
    const denied = await request(a).get('/admin').set('x-test-chain', CHAIN).expect(403);
    expect(denied.body).toMatchObject({ code: 'ROLE_MISSING', status: 403 });
    expect(denied.body.detail).toContain('admin');
    await request(a).get('/any').set('x-test-chain', CHAIN).expect(200, 'ok');
    await request(a).get('/next').set('x-test-chain', CHAIN).expect(499, 'ROLE_MISSING');
    const anonymous = await request(a).get('/read').expect(401);
    expect(anonymous.body.code).toBe('CERT_MISSING');

    const { app: noIdentities } = app({ optional: true }, (x) => x.get('/read', requireRole('read'), (_req, res) => res.send('ok')));
    const unmapped = await request(noIdentities).get('/read').set('x-test-chain', CHAIN).expect(403);
    expect(unmapped.body.code).toBe('IDENTITY_UNKNOWN');
  });
});

describe('requireRole options', () => {
  it('refuses bad arguments at construction', () => {
    expect(() => (requireRole as (...a: unknown[]) => unknown)()).toThrow(TypeError);
    expect(() => requireRole('')).toThrow(/empty/);
    expect(() => requireRole('a', { onError: 'throw' } as never)).toThrow(/onError/);
    expect(() => requireRole('a', { mod: 'any' } as never)).toThrow(/did you mean "mode"/);
  });
});
