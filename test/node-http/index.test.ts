/**
 * The node:http adapter's plumbing over plain HTTP with a test certificate source (every branch
 * without TLS); the real-mTLS verdicts of every adapter are in test/adapters/verdicts.test.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createClientCertGate } from '../../src/core/gate.js';
import { mtlsServerOptions } from '../../src/core/server.js';
import type { ClientCertGateOptions } from '../../src/core/types.js';
import { isClientCertError, type ClientCertError } from '../../src/errors.js';
import { requireAnyRole, requireRole, withClientCert, type ClientCertIncomingMessage } from '../../src/node-http/index.js';
import { USERTRUST_PEM } from '../helpers/gate.js';
import { asyncRevocation, HEADER_GATE_OPTIONS, UPTRENDS_CHAIN } from '../helpers/header-source.js';
import { manifest, pkiFile } from '../helpers/tls.js';

const base: ClientCertGateOptions = HEADER_GATE_OPTIONS;

function echo(req: ClientCertIncomingMessage, res: ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ serial: req.clientCertificate?.serial ?? null, identity: req.clientIdentity ?? null }));
}

/** Plants a forged certificate first: the gate must clear it on a request it did not accept. */
function planted(listener: (req: IncomingMessage, res: ServerResponse) => void) {
  return http.createServer((req, res) => {
    (req as ClientCertIncomingMessage).clientCertificate = { subject: 'forged' } as never;
    listener(req, res);
  });
}

describe('withClientCert', () => {
  it('runs the handler with clientCertificate and clientIdentity for an accepted certificate', async () => {
    const res = await request(http.createServer(withClientCert(base, echo))).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
    expect(res.body).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: { name: 'uptrends', roles: ['monitor'] } });
  });

  it('answers problem+json without running the handler, and never keeps a planted certificate', async () => {
    let ran = false;
    const server = planted(withClientCert(base, () => (ran = true)));
    const res = await request(server).get('/').expect(401);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toMatchObject({ code: 'CERT_MISSING', status: 401 });
    expect(ran).toBe(false);
  });

  it('optional: the handler runs without a certificate, and a planted one is cleared', async () => {
    const res = await request(planted(withClientCert({ ...base, optional: true }, echo))).get('/').expect(200);
    expect(res.body).toEqual({ serial: null, identity: null });
  });

  it('hands rejections to onRejected (with the request already cleared)', async () => {
    const seen: Array<{ error: ClientCertError; planted: unknown }> = [];
    const listener = withClientCert({ ...base, onError: 'next' }, echo, {
      onRejected(error, req, res) {
        seen.push({ error, planted: req.clientCertificate });
        res.statusCode = 418;
        res.end();
      },
    });
    await request(planted(listener)).get('/').expect(418);
    expect(seen).toHaveLength(1);
    expect(isClientCertError(seen[0]?.error)).toBe(true);
    expect(seen[0]?.error.code).toBe('CERT_MISSING');
    expect(seen[0]?.planted).toBeUndefined();
  });

  it('follows an asynchronous revocation checker both ways', async () => {
    const ok = await request(http.createServer(withClientCert({ ...base, revocation: asyncRevocation(false) }, echo))).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
    expect(ok.body).toMatchObject({ serial: '1A223E5481B066DFDA30E5F35CDB3A81' });
    const revoked = await request(http.createServer(withClientCert({ ...base, revocation: asyncRevocation(true) }, echo))).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(401);
    expect(revoked.body).toMatchObject({ code: 'CERT_REVOKED' });
  });

  it('takes a compiled gate, or what another adapter returned, and carries it for mtlsServerOptions', () => {
    const gate = createClientCertGate(base);
    const listener = withClientCert(gate, echo);
    expect(listener.gate).toBe(gate);
    expect(withClientCert(listener, echo).gate).toBe(gate);
    const options = mtlsServerOptions(listener, { key: pkiFile(manifest.server.key), cert: pkiFile(manifest.server.cert) });
    expect(options.requestCert).toBe(true);
  });

  it('validates its arguments at construction', () => {
    expect(() => withClientCert(null as never, echo)).toThrow(/needs client certificate options/);
    expect(() => withClientCert(base, undefined as never)).toThrow(/needs a request listener/);
    expect(() => withClientCert(base, echo, { onReject: () => undefined } as never)).toThrow(/unknown withClientCert option "onReject".*onRejected/);
    expect(() => withClientCert(base, echo, { onRejected: 'log' as never })).toThrow(/must be a function/);
    expect(() => withClientCert({ ...base, onError: 'next' }, echo)).toThrow(/node:http has none; pass .*onRejected/);
    expect(() => withClientCert({ ...base, trustAnchor: USERTRUST_PEM } as never, echo)).toThrow(TypeError);
  });
});

describe('requireRole / requireAnyRole', () => {
  const gate = createClientCertGate(base);
  const serve = (wrapped: ReturnType<typeof requireRole>) => http.createServer(withClientCert(gate, wrapped(echo)));

  it('admits with the role, denies 403 ROLE_MISSING without it', async () => {
    await request(serve(requireRole('monitor'))).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
    const denied = await request(serve(requireRole('monitor', 'admin'))).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(403);
    expect(denied.body).toMatchObject({ code: 'ROLE_MISSING', detail: 'this resource needs the role(s) admin' });
    await request(serve(requireAnyRole('admin', 'monitor'))).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
    await request(serve(requireRole('admin', 'monitor', { mode: 'any' }))).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
  });

  it('denies 403 IDENTITY_UNKNOWN for an accepted certificate without identities', async () => {
    const noIdentities = withClientCert({ ...base, identities: undefined }, requireRole('monitor')(echo));
    const res = await request(http.createServer(noIdentities)).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(403);
    expect(res.body).toMatchObject({ code: 'IDENTITY_UNKNOWN' });
  });

  it('validates its arguments at construction', () => {
    expect(() => requireRole(...([] as unknown as ['x']))).toThrow(/one or more role names/);
    expect(() => requireRole(' ')).toThrow(/empty/);
    expect(() => requireRole('a', { onError: 'next' })).toThrow(/node:http has none/);
    expect(() => requireRole('a', { mod: 'any' } as never)).toThrow(/unknown requireRole option "mod"/);
    expect(() => requireRole('a')(null as never)).toThrow(/wraps a request listener/);
  });
});
