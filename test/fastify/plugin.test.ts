/**
 * The Fastify plugin's plumbing through `inject` with a test certificate source (every branch
 * without TLS); the real-mTLS verdicts of every adapter are in test/adapters/verdicts.test.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientCertGate } from '../../src/core/gate.js';
import type { ClientCertGateOptions } from '../../src/core/types.js';
import { isClientCertError } from '../../src/errors.js';
import { requireClientCert } from '../../src/express/index.js';
import certgate, { fastifyClientCert, requireAnyRole, requireRole } from '../../src/fastify/index.js';
import { USERTRUST_PEM } from '../helpers/gate.js';
import { asyncRevocation, HEADER_GATE_OPTIONS, UPTRENDS_CHAIN } from '../helpers/header-source.js';

const base: ClientCertGateOptions = HEADER_GATE_OPTIONS;

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function app(): FastifyInstance {
  const a = Fastify({ logger: false });
  apps.push(a);
  a.get('/', async (request) => ({ serial: request.clientCertificate?.serial ?? null, identity: request.clientIdentity ?? null }));
  return a;
}

const withChain = { 'x-test-chain': UPTRENDS_CHAIN };

describe('fastifyClientCert', () => {
  it('is the default export and a non-encapsulated plugin named certgate', () => {
    expect(certgate).toBe(fastifyClientCert);
    expect((fastifyClientCert as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]).toBe(true);
    expect((fastifyClientCert as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')]).toBe('certgate');
  });

  it('sets request.clientCertificate and request.clientIdentity for an accepted certificate', async () => {
    const a = app();
    await a.register(fastifyClientCert, base);
    const res = await a.inject({ url: '/', headers: withChain });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: { name: 'uptrends', roles: ['monitor'] } });
  });

  it('answers exactly application/problem+json, no-store, without running the handler', async () => {
    const a = app();
    await a.register(fastifyClientCert, base);
    const res = await a.inject({ url: '/' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ type: 'urn:certgate:error:CERT_MISSING', code: 'CERT_MISSING', status: 401 });
  });

  it('optional: never keeps a value planted by an earlier hook', async () => {
    const a = Fastify({ logger: false });
    apps.push(a);
    a.addHook('onRequest', async (request) => {
      request.clientCertificate = { subject: 'forged', serial: 'F0' } as never;
    });
    await a.register(fastifyClientCert, { ...base, optional: true });
    a.get('/', async (request) => ({ serial: request.clientCertificate?.serial ?? null }));
    expect((await a.inject({ url: '/' })).json()).toEqual({ serial: null });
  });

  it("onError: 'next' hands the ClientCertError to Fastify's error handler (default: its status)", async () => {
    const a = app();
    await a.register(fastifyClientCert, { ...base, onError: 'next' });
    expect((await a.inject({ url: '/' })).statusCode).toBe(401);
    const b = app();
    const seen: unknown[] = [];
    b.setErrorHandler((error, _request, reply) => {
      seen.push(error);
      void reply.code(499).send({ custom: true });
    });
    await b.register(fastifyClientCert, { ...base, onError: 'next' });
    expect((await b.inject({ url: '/', headers: { 'x-test-chain': 'AAAA' } })).statusCode).toBe(499);
    expect(isClientCertError(seen[0])).toBe(true);
    expect((seen[0] as { code: string }).code).toBe('CERT_MALFORMED');
  });

  it('follows an asynchronous revocation checker both ways', async () => {
    const a = app();
    await a.register(fastifyClientCert, { ...base, revocation: asyncRevocation(false) });
    expect((await a.inject({ url: '/', headers: withChain })).statusCode).toBe(200);
    const b = app();
    await b.register(fastifyClientCert, { ...base, revocation: asyncRevocation(true) });
    const res = await b.inject({ url: '/', headers: withChain });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'CERT_REVOKED' });
  });

  it('takes { gate } with a gate or what another adapter returned, and ignores register options', async () => {
    const gate = createClientCertGate(base);
    for (const options of [{ gate }, { gate: requireClientCert(gate) }, { ...base, prefix: '/api', logLevel: 'warn' }]) {
      const a = app();
      await a.register(fastifyClientCert, options as never);
      expect((await a.inject({ url: '/', headers: withChain })).statusCode).toBe(200);
    }
  });

  it('guards only the context it is registered in, and can be registered in several', async () => {
    const a = Fastify({ logger: false });
    apps.push(a);
    a.get('/public', async () => ({ public: true }));
    await a.register(async (child) => {
      await child.register(fastifyClientCert, base);
      child.get('/private', async (request) => ({ serial: request.clientCertificate?.serial }));
    });
    await a.register(async (child) => {
      await child.register(fastifyClientCert, { ...base, optional: true });
      child.get('/optional', async (request) => ({ serial: request.clientCertificate?.serial ?? null }));
    });
    expect((await a.inject({ url: '/public' })).statusCode).toBe(200);
    expect((await a.inject({ url: '/private' })).statusCode).toBe(401);
    expect((await a.inject({ url: '/private', headers: withChain })).statusCode).toBe(200);
    expect((await a.inject({ url: '/optional' })).json()).toEqual({ serial: null });
  });

  it('fails registration for bad options, with a hint', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, trustAnchor: USERTRUST_PEM }, /unknown .*option "trustAnchor".*trustAnchors/],
      [{ gate: {} }, /option "gate" must be a gate/],
      [{ gate: createClientCertGate(base), optional: true }, /either \{ gate \} or gate options/],
      [{ trustAnchors: USERTRUST_PEM, onError: 'throw' }, /onError/],
    ];
    for (const [options, message] of cases) {
      const a = Fastify({ logger: false });
      await expect(a.register(fastifyClientCert, options as never).ready()).rejects.toThrow(message);
      await a.close();
    }
  });
});

describe('requireRole / requireAnyRole (preHandler)', () => {
  async function roleApp(hook: ReturnType<typeof requireRole>, options: ClientCertGateOptions = base) {
    const a = app();
    await a.register(fastifyClientCert, options);
    a.get('/role', { preHandler: hook }, async () => ({ ok: true }));
    return a;
  }

  it('admits with the role, denies 403 ROLE_MISSING without it', async () => {
    expect((await (await roleApp(requireRole('monitor'))).inject({ url: '/role', headers: withChain })).statusCode).toBe(200);
    const denied = await (await roleApp(requireRole('admin'))).inject({ url: '/role', headers: withChain });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['content-type']).toBe('application/problem+json');
    expect(denied.json()).toMatchObject({ code: 'ROLE_MISSING', detail: 'this resource needs the role(s) admin' });
    expect((await (await roleApp(requireAnyRole('admin', 'monitor'))).inject({ url: '/role', headers: withChain })).statusCode).toBe(200);
  });

  it('denies 403 IDENTITY_UNKNOWN without identities, 401 CERT_MISSING without a certificate', async () => {
    const noIdentities = await roleApp(requireRole('monitor'), { ...base, identities: undefined });
    expect((await noIdentities.inject({ url: '/role', headers: withChain })).json()).toMatchObject({ code: 'IDENTITY_UNKNOWN', status: 403 });
    const optional = await roleApp(requireRole('monitor'), { ...base, optional: true });
    expect((await optional.inject({ url: '/role' })).json()).toMatchObject({ code: 'CERT_MISSING', status: 401 });
  });

  it("onError: 'next' hands the denial to Fastify's error handler", async () => {
    const a = await roleApp(requireRole('admin', { onError: 'next' }));
    const res = await a.inject({ url: '/role', headers: withChain });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ROLE_MISSING' });
  });

  it('validates its arguments at construction', () => {
    expect(() => requireRole(...([] as unknown as ['x']))).toThrow(/one or more role names/);
    expect(() => requireAnyRole('a', { mode: 'some' } as never)).toThrow(/"mode" must be "all" or "any"/);
  });
});
