/**
 * How the connect-style middleware hands the verdict to the application on Express: through
 * accessors on Express's request prototype backed by a WeakMap (no property added to each request,
 * which is costly on Express's per-request hidden classes), and as own properties elsewhere. Either
 * way `req.clientCertificate` must read, assign and clear exactly like a plain property, and a
 * value planted upstream must never survive a request the gate did not accept.
 */
import { createServer, IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express4 from 'express4';
import express5 from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import { clientCertMiddleware, type ClientCertRequest } from '../../src/core/middleware.js';
import { HEADER_GATE_OPTIONS, UPTRENDS_CHAIN } from '../helpers/header-source.js';

type ExpressFactory = typeof express5;
const flavours: Array<[string, ExpressFactory]> = [
  ['Express 5', express5],
  ['Express 4', express4 as unknown as ExpressFactory],
];

const mw = () => clientCertMiddleware(new ClientCertGate({ ...HEADER_GATE_OPTIONS, optional: true }));

/** What a handler sees. */
function seen(req: ClientCertRequest) {
  return {
    serial: req.clientCertificate?.serial ?? null,
    identity: req.clientIdentity?.name ?? null,
    own: Object.prototype.hasOwnProperty.call(req, 'clientCertificate'),
  };
}

describe.each(flavours)('%s', (_name, express) => {
  it('sets clientCertificate and clientIdentity without adding them to the request object', async () => {
    const app = express();
    app.use(mw());
    app.get('/', (req, res) => {
      res.json(seen(req));
    });
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
      expect(res.body).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends', own: false });
    }
    const none = await request(app).get('/').expect(200);
    expect(none.body).toEqual({ serial: null, identity: null, own: false });
  });

  it('a value planted upstream, by assignment or defineProperty, never survives; an accepted one replaces it', async () => {
    const app = express();
    app.use((req: ClientCertRequest, _res, next) => {
      const how = req.headers['x-plant'];
      const forged = { serial: 'FORGED' } as never;
      if (how === 'assign') {
        req.clientCertificate = forged;
        req.clientIdentity = { name: 'admin', roles: ['admin'] } as never;
      } else if (how === 'define') {
        Object.defineProperty(req, 'clientCertificate', { value: forged, writable: true, configurable: true, enumerable: true });
        Object.defineProperty(req, 'clientIdentity', { value: { name: 'admin', roles: ['admin'] }, writable: true, configurable: true, enumerable: true });
      }
      next();
    });
    app.use(mw());
    app.get('/', (req, res) => {
      res.json(seen(req));
    });
    for (const how of ['assign', 'define', 'assign']) {
      const absent = await request(app).get('/').set('x-plant', how).expect(200);
      expect(absent.body).toMatchObject({ serial: null, identity: null });
      const accepted = await request(app).get('/').set('x-plant', how).set('x-test-chain', UPTRENDS_CHAIN).expect(200);
      expect(accepted.body).toMatchObject({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends' });
    }
  });

  it('a handler can assign and clear the properties; a mounted sub-app sees them', async () => {
    const app = express();
    const sub = express();
    sub.get('/', (req, res) => {
      res.json(seen(req));
    });
    app.use(mw());
    app.use('/sub', sub);
    app.get('/clear', (req: ClientCertRequest, res) => {
      req.clientCertificate = undefined;
      res.json(seen(req));
    });
    const inSub = await request(app).get('/sub').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
    expect(inSub.body).toMatchObject({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends' });
    const cleared = await request(app).get('/clear').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
    expect(cleared.body).toMatchObject({ serial: null, identity: 'uptrends' });
  });
});

/** Serves `handler` on loopback, with `prepare` applied to each request first; returns the URL and a closer. */
async function serve(prepare: (req: IncomingMessage) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const middleware = mw();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    prepare(req);
    middleware(req, res, () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(seen(req)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('outside Express', () => {
  it('node:http requests (Node\'s own prototype) get own properties', async () => {
    const { url, close } = await serve(() => undefined);
    try {
      const res = await request(url).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
      expect(res.body).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends', own: true });
    } finally {
      await close();
    }
  });

  it('a framework prototype that already defines clientCertificate is left alone (own properties instead)', async () => {
    const theirs = Object.create(IncomingMessage.prototype) as object;
    Object.defineProperty(theirs, 'clientCertificate', { value: 'theirs', writable: true, configurable: true });
    const { url, close } = await serve((req) => Object.setPrototypeOf(req, Object.create(theirs)));
    try {
      const accepted = await request(url).get('/').set('x-test-chain', UPTRENDS_CHAIN).expect(200);
      expect(accepted.body).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends', own: true });
      expect(Object.getOwnPropertyDescriptor(theirs, 'clientCertificate')?.value).toBe('theirs');
      // Rejected or absent: the inherited value is not the request's certificate, so it is hidden.
      const absent = await request(url).get('/').expect(200);
      expect(absent.body).toMatchObject({ serial: null });
    } finally {
      await close();
    }
  });
});
