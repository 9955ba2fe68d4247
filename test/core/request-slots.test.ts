/**
 * How the connect-style middleware hands the verdict to the application on Express: through
 * accessors on Express's request prototype backed by a WeakMap (no property added to each request,
 * which is costly on Express's per-request hidden classes), and as own properties elsewhere. Either
 * way `req.clientCertificate` must read, assign and clear exactly like a plain property, and a
 * value planted upstream must never survive a request the gate did not accept.
 */
import { Agent, createServer, get, IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express4 from 'express4';
import express5 from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import { clientCertMiddleware, type ClientCertRequest } from '../../src/core/middleware.js';
import { attachToSlots, boxOf, RequestWithClientCert, usesRequestSlots } from '../../src/core/request-slots.js';
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

/** Serves a request listener on loopback with node:http `options`; returns the URL and a closer. */
async function listen(options: Parameters<typeof createServer>[0], listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(options, listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.each(flavours)('%s, requests built by RequestWithClientCert (what mtlsServerOptions installs)', (_name, express) => {
  it('each request keeps its own verdict in its box, also after later requests on the same connection', async () => {
    const app = express();
    const kept: ClientCertRequest[] = [];
    const sockets = new Set<unknown>();
    app.use(mw());
    app.get('/', (req: ClientCertRequest, res) => {
      kept.push(req);
      sockets.add(req.socket);
      res.json({ ...seen(req), box: boxOf(req) !== undefined });
    });
    const { url, close } = await listen({ IncomingMessage: RequestWithClientCert }, app);
    try {
      // One kept-alive socket: these go one after another over one connection.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const ask = (chain: boolean) =>
        new Promise<unknown>((resolve, reject) => {
          get(url, { agent, headers: chain ? { 'x-test-chain': UPTRENDS_CHAIN } : {} }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(JSON.parse(body)));
          }).on('error', reject);
        });
      expect(await ask(true)).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends', own: false, box: true });
      expect(await ask(false)).toEqual({ serial: null, identity: null, own: false, box: true });
      expect(await ask(true)).toMatchObject({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends' });
      expect(sockets.size).toBe(1);
      // Finished requests still answer for themselves, not for the connection's latest request.
      expect(kept.map((r) => r.clientCertificate?.serial ?? null)).toEqual(['1A223E5481B066DFDA30E5F35CDB3A81', null, '1A223E5481B066DFDA30E5F35CDB3A81']);
      expect(kept.map((r) => r.clientIdentity?.name ?? null)).toEqual(['uptrends', null, 'uptrends']);
      // Assigning writes the request's own box only.
      kept[0]!.clientCertificate = undefined;
      expect(kept[0]!.clientCertificate).toBeUndefined();
      expect(kept[0]!.clientIdentity?.name).toBe('uptrends');
      expect(kept[2]!.clientCertificate?.serial).toBe('1A223E5481B066DFDA30E5F35CDB3A81');
      agent.destroy();
    } finally {
      await close();
    }
  });

  it('a value planted upstream never survives a request the gate did not accept', async () => {
    const app = express();
    app.use((req: ClientCertRequest, _res, next) => {
      if (req.headers['x-plant'] === 'assign') req.clientCertificate = { serial: 'FORGED' } as never;
      else if (req.headers['x-plant'] === 'define') Object.defineProperty(req, 'clientCertificate', { value: { serial: 'FORGED' }, writable: true, configurable: true, enumerable: true });
      next();
    });
    app.use(mw());
    app.get('/', (req, res) => {
      res.json(seen(req));
    });
    const { url, close } = await listen({ IncomingMessage: RequestWithClientCert }, app);
    try {
      for (const how of ['assign', 'define']) {
        const absent = await (await fetch(url, { headers: { 'x-plant': how } })).json();
        expect(absent).toMatchObject({ serial: null });
        const accepted = await (await fetch(url, { headers: { 'x-plant': how, 'x-test-chain': UPTRENDS_CHAIN } })).json();
        expect(accepted).toMatchObject({ serial: '1A223E5481B066DFDA30E5F35CDB3A81' });
      }
    } finally {
      await close();
    }
  });
});

describe('RequestWithClientCert', () => {
  it('two copies of certgate in one process see each other\'s boxes (either copy\'s class, either copy\'s middleware)', async () => {
    // A second instance of the module, as a second copy of certgate in node_modules would be.
    const specifier: string = '../../src/core/request-slots.js?copy';
    const other = (await import(specifier)) as typeof import('../../src/core/request-slots.js');
    expect(other.RequestWithClientCert).not.toBe(RequestWithClientCert);
    const gate = new ClientCertGate({ ...HEADER_GATE_OPTIONS, optional: true });
    for (const [Request, attach] of [
      [other.RequestWithClientCert, attachToSlots],
      [RequestWithClientCert, other.attachToSlots],
    ] as const) {
      const app = express5();
      app.use((req, res, next) => {
        const verdict = gate.evaluate(req);
        if (verdict instanceof Promise) throw new Error('expected a synchronous verdict');
        expect(usesRequestSlots(req) && other.usesRequestSlots(req)).toBe(true);
        attach(req, verdict);
        next();
      });
      app.get('/', (req, res) => {
        res.json({ ...seen(req), box: boxOf(req) !== undefined && other.boxOf(req) === boxOf(req) });
      });
      const { url, close } = await listen({ IncomingMessage: Request }, app);
      try {
        expect(await (await fetch(url, { headers: { 'x-test-chain': UPTRENDS_CHAIN } })).json()).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends', own: false, box: true });
        expect(await (await fetch(url)).json()).toEqual({ serial: null, identity: null, own: false, box: true });
      } finally {
        await close();
      }
    }
  });

  it('boxOf answers only for its own instances', () => {
    expect(boxOf({})).toBeUndefined();
    expect(boxOf(Object.create(RequestWithClientCert.prototype) as object)).toBeUndefined();
  });

  it('on node:http alone the accessors sit on its prototype and read the box', async () => {
    const middleware = mw();
    const { url, close } = await listen({ IncomingMessage: RequestWithClientCert }, (req, res) => {
      middleware(req, res, () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(seen(req)));
      });
    });
    try {
      expect(await (await fetch(url, { headers: { 'x-test-chain': UPTRENDS_CHAIN } })).json()).toEqual({ serial: '1A223E5481B066DFDA30E5F35CDB3A81', identity: 'uptrends', own: false });
      expect(await (await fetch(url)).json()).toEqual({ serial: null, identity: null, own: false });
    } finally {
      await close();
    }
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
