/**
 * One table, every adapter: Express 5, Express 4, plain node:http (certgate/node) and Fastify
 * (certgate/fastify) serve the same routes with the same gate options over real mTLS
 * (127.0.0.1:0), and the harness's certificates (fixtures/pki: the Uptrends stand-in, the custom
 * client, none, zoo entries) must get the same status, problem+json body, error code and
 * identity/roles from each of them.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express4 from 'express4';
import express5 from 'express';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientCertGate } from '../../src/core/gate.js';
import type { ClientCertTarget } from '../../src/core/middleware.js';
import type { ClientCertGateOptions } from '../../src/core/types.js';
import { requireAnyRole as expressAnyRole, requireClientCert, requireRole as expressRole } from '../../src/express/index.js';
import { fastifyClientCert, requireAnyRole as fastifyAnyRole, requireRole as fastifyRole } from '../../src/fastify/index.js';
import { requireAnyRole as nodeAnyRole, requireRole as nodeRole, withClientCert } from '../../src/node-http/index.js';
import { uptrendsGateOptions } from '../../src/uptrends/index.js';
import { entry, expectedWithoutRevocation, get, manifest, pkiFile, referenceTime, startMtlsServer, type PkiEntry, type Started } from '../helpers/tls.js';

const uptrendsPolicy = manifest.policies['uptrends']!;
const customerPolicy = manifest.policies['customer']!;

/** The same options for every adapter; each adapter compiles its own gates from them. */
const UPTRENDS: ClientCertGateOptions = uptrendsGateOptions({
  overrideTrustAnchors: manifest.anchors['uptrends']!.roots.map(pkiFile),
  overrideIntermediates: manifest.anchors['uptrends']!.intermediates.map(pkiFile),
  overridePins: uptrendsPolicy.pins as never,
  maxDepth: uptrendsPolicy.maxIntermediates,
  now: () => referenceTime,
  logger: false,
});
const CUSTOMER: ClientCertGateOptions = {
  trustAnchors: manifest.anchors['customer']!.roots.map(pkiFile),
  identities: customerPolicy.identities as never,
  maxDepth: 0,
  now: () => referenceTime,
  logger: false,
};
const OPTIONAL: ClientCertGateOptions = { ...CUSTOMER, optional: true };

/** What every route answers once admitted. */
function view(req: ClientCertTarget): Record<string, unknown> {
  const c = req.clientCertificate;
  return {
    certificate: c === undefined ? null : { subject: c.subject, issuer: c.issuer, serial: c.serial, pinLabel: c.pinLabel ?? null, identity: c.identity ?? null, daysRemaining: c.daysRemaining },
    identity: req.clientIdentity ?? null,
  };
}

// --- the same routes in each framework ------------------------------------------------------

function expressApp(express: typeof express5): RequestListener {
  const app = express();
  const send = (req: ClientCertTarget, res: { json(body: unknown): unknown }): void => void res.json(view(req));
  const customer = requireClientCert(CUSTOMER);
  app.get('/uptrends', requireClientCert(UPTRENDS), (req, res) => send(req, res));
  app.get('/customer', customer, (req, res) => send(req, res));
  app.get('/customer/read', customer, expressRole('read'), (req, res) => send(req, res));
  app.get('/customer/admin', customer, expressRole('admin'), (req, res) => send(req, res));
  app.get('/customer/any', customer, expressAnyRole('admin', 'monitor'), (req, res) => send(req, res));
  const optional = requireClientCert(OPTIONAL);
  app.get('/optional', optional, (req, res) => send(req, res));
  app.get('/optional/admin', optional, expressRole('admin'), (req, res) => send(req, res));
  return app as unknown as RequestListener;
}

function nodeListener(): RequestListener {
  const send = (req: IncomingMessage & ClientCertTarget, res: ServerResponse): void => {
    const body = JSON.stringify(view(req));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const customer = withClientCert(CUSTOMER, send);
  const optional = withClientCert(OPTIONAL, send);
  // Routes reuse a compiled gate (anything carrying one is a policy), like Express routes share middleware.
  const routes: Record<string, RequestListener> = {
    '/uptrends': withClientCert(UPTRENDS, send),
    '/customer': customer,
    '/customer/read': withClientCert(customer, nodeRole('read')(send)),
    '/customer/admin': withClientCert(customer, nodeRole('admin')(send)),
    '/customer/any': withClientCert(customer, nodeAnyRole('admin', 'monitor')(send)),
    '/optional': optional,
    '/optional/admin': withClientCert(optional, nodeRole('admin')(send)),
  };
  return (req, res) => {
    const route = routes[req.url ?? ''];
    if (route === undefined) {
      res.statusCode = 404;
      res.end();
    } else {
      route(req, res);
    }
  };
}

async function fastifyApp(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const send = async (request: FastifyRequest, _reply: FastifyReply) => view(request);
  await app.register(async (child) => {
    await child.register(fastifyClientCert, UPTRENDS);
    child.get('/uptrends', send);
  });
  await app.register(async (child) => {
    await child.register(fastifyClientCert, CUSTOMER);
    child.get('/customer', send);
    child.get('/customer/read', { preHandler: fastifyRole('read') }, send);
    child.get('/customer/admin', { preHandler: fastifyRole('admin') }, send);
    child.get('/customer/any', { preHandler: fastifyAnyRole('admin', 'monitor') }, send);
  });
  await app.register(async (child) => {
    await child.register(fastifyClientCert, OPTIONAL);
    child.get('/optional', send);
    child.get('/optional/admin', { preHandler: fastifyRole('admin') }, send);
  });
  await app.ready();
  return app;
}

// --- the table --------------------------------------------------------------------------------

interface Case {
  name: string;
  path: string;
  client: PkiEntry | undefined;
  /** 'valid' or the error code. */
  code: string;
  status: number;
  identity?: { name: string; roles: string[] };
}

const zoo = ['zoo-expired', 'zoo-not-yet-valid', 'zoo-server-auth-only', 'zoo-ca-leaf', 'zoo-self-signed', 'zoo-same-subject-other-key', 'zoo-sha1', 'zoo-missing-intermediate', 'zoo-unknown-critical-extension'];
const monitoringClient = { name: 'monitoring-client', roles: ['monitor', 'read'] };

const cases: Case[] = [
  ...['uptrends-standin', 'uptrends-standin-leaf-only', ...zoo].map((id) => ({ name: `${id} on /uptrends`, path: '/uptrends', client: entry(id), ...expectedWithoutRevocation(entry(id)) })),
  { name: 'no certificate on /uptrends', path: '/uptrends', client: undefined, code: 'CERT_MISSING', status: 401 },
  { name: 'custom-client on /uptrends (other root)', path: '/uptrends', client: entry('custom-client'), code: 'CHAIN_UNTRUSTED', status: 401 },
  { name: 'custom-client on /customer', path: '/customer', client: entry('custom-client'), code: 'valid', status: 200, identity: monitoringClient },
  { name: 'uptrends-standin-leaf-only on /customer (other root)', path: '/customer', client: entry('uptrends-standin-leaf-only'), code: 'CHAIN_UNTRUSTED', status: 401 },
  { name: 'uptrends-standin on /customer (deeper than maxDepth 0)', path: '/customer', client: entry('uptrends-standin'), code: 'CHAIN_TOO_DEEP', status: 401 },
  { name: 'no certificate on /customer', path: '/customer', client: undefined, code: 'CERT_MISSING', status: 401 },
  { name: 'custom-client with role read', path: '/customer/read', client: entry('custom-client'), code: 'valid', status: 200, identity: monitoringClient },
  { name: 'custom-client without role admin', path: '/customer/admin', client: entry('custom-client'), code: 'ROLE_MISSING', status: 403 },
  { name: 'custom-client with one of admin, monitor', path: '/customer/any', client: entry('custom-client'), code: 'valid', status: 200, identity: monitoringClient },
  { name: 'no certificate before a role check', path: '/customer/admin', client: undefined, code: 'CERT_MISSING', status: 401 },
  { name: 'optional: no certificate passes the gate', path: '/optional', client: undefined, code: 'valid', status: 200 },
  { name: 'optional: no certificate fails the role check', path: '/optional/admin', client: undefined, code: 'CERT_MISSING', status: 401 },
  { name: 'optional: a bad certificate is still rejected', path: '/optional', client: entry('zoo-self-signed'), code: 'CHAIN_UNTRUSTED', status: 401 },
];

interface Outcome {
  status: number | undefined;
  contentType: string | undefined;
  cacheControl: string | undefined;
  body: Record<string, unknown> | undefined;
  error?: string;
}

const adapters: Array<{ name: string; start: () => Promise<{ listener: RequestListener; close?: () => Promise<void> }> }> = [
  { name: 'express 5', start: async () => ({ listener: expressApp(express5) }) },
  { name: 'express 4', start: async () => ({ listener: expressApp(express4 as unknown as typeof express5) }) },
  { name: 'node:http', start: async () => ({ listener: nodeListener() }) },
  {
    name: 'fastify',
    start: async () => {
      const app = await fastifyApp();
      return { listener: (req, res) => app.routing(req, res), close: () => app.close() };
    },
  },
];

/** Every adapter's answers, by case name. */
const results = new Map<string, Map<string, Outcome>>();
const started: Array<{ server: Started; close?: () => Promise<void> }> = [];

async function request(port: number, c: Case): Promise<Outcome> {
  const answer = await get(port, c.path, c.client);
  const cacheControl = answer.headers?.['cache-control'];
  return { status: answer.status, contentType: answer.contentType, cacheControl, body: answer.body, ...(answer.error === undefined ? {} : { error: answer.error }) };
}

beforeAll(async () => {
  // The TLS layer advertises the Uptrends test root; every client presents its certificate anyway.
  const tlsGate = createClientCertGate(UPTRENDS);
  for (const adapter of adapters) {
    const { listener, close } = await adapter.start();
    const server = await startMtlsServer(tlsGate, listener);
    started.push({ server, ...(close === undefined ? {} : { close }) });
    const outcomes = new Map<string, Outcome>();
    for (const c of cases) outcomes.set(c.name, await request(server.port, c));
    results.set(adapter.name, outcomes);
  }
}, 120_000);

afterAll(async () => {
  for (const s of started) {
    await s.server.close();
    await s.close?.();
  }
});

describe.each(adapters.map((a) => a.name))('%s', (adapterName) => {
  it.each(cases)('$name → $code ($status)', (c) => {
    const outcome = results.get(adapterName)?.get(c.name);
    expect(outcome?.error).toBeUndefined();
    expect(outcome?.status).toBe(c.status);
    if (c.code === 'valid') {
      expect(outcome?.contentType).toMatch(/^application\/json/);
      const body = outcome?.body as { certificate: Record<string, unknown> | null; identity: unknown };
      if (c.client === undefined) {
        expect(body).toEqual({ certificate: null, identity: null });
      } else {
        expect(body.certificate).toMatchObject({ subject: expect.any(String), serial: expect.stringMatching(/^[0-9A-F]+$/) });
        expect(body.identity).toEqual(c.identity ?? null);
      }
      return;
    }
    expect(outcome?.contentType).toBe('application/problem+json');
    expect(outcome?.cacheControl).toBe('no-store');
    expect(outcome?.body).toMatchObject({ type: `urn:certgate:error:${c.code}`, code: c.code, status: c.status, title: expect.any(String), detail: expect.any(String) });
  });
});

describe('every adapter answers exactly like Express 5', () => {
  it.each(adapters.slice(1).map((a) => a.name))('%s: same status, content type and body for every case', (adapterName) => {
    const reference = results.get('express 5');
    const other = results.get(adapterName);
    expect(other?.size).toBe(cases.length);
    for (const c of cases) {
      const a = reference?.get(c.name);
      const b = other?.get(c.name);
      // Express and Fastify both answer JSON as "application/json; charset=utf-8"; problems are exact.
      expect({ case: c.name, ...b }).toEqual({ case: c.name, ...a });
    }
  });
});
