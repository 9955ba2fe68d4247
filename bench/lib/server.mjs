// One benchmark server variant in its own process (started by bench/run.mjs with fork()). The
// load generator runs in the parent, so the server's CPU time is its own.
//
//   node bench/lib/server.mjs <variant> <pki dir>
//
// Variants (every TLS one has the same server options: mtlsServerOptions of the certgate policy,
// so each requests a client certificate and advertises the same CA; session tickets off):
//   tls-none        Express 5, no certificate check (the baseline)
//   tls-authorized  a hand-written `req.socket.authorized` check
//   tls-cca         the client-certificate-auth package (authorized + subject email)
//   tls-certgate    requireUptrendsClientCert, pinned to the stand-in, test PKI trust
//   http-none       plain http Express, no check (the header baseline)
//   http-certgate   requireUptrendsClientCert with the nginx header source, proxy 127.0.0.1
//   http-memory     as http-certgate, match: 'identity', with the bench P-256 intermediate,
//                   node:http and the middleware only (no Express)
//   http-memory-none  the same node:http server with a middleware that only calls next()
//                   (the memory phase's baseline)
//
// IPC: { cmd: 'start' } resets counters; { cmd: 'stop' } answers the counters since start;
// { cmd: 'memory' } collects garbage and answers process.memoryUsage() once RSS has settled.
import { constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import v8 from 'node:v8';
import clientCertificateAuth from 'client-certificate-auth';
import express from 'express';
import { createMtlsServer, RequestWithClientCert } from '../../dist/index.js';
import { loadTestPki } from '../../dist/harness/index.js';
import { requireUptrendsClientCert } from '../../dist/uptrends/index.js';
import { EC_INTERMEDIATE_FILE } from './pki.mjs';

const [variant, dir] = process.argv.slice(2);
const pki = await loadTestPki(dir);
const anchors = pki.anchors('uptrends');
const pins = pki.manifest.policies.uptrends.pins;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
let rejectedLogs = 0;
const countingLogger = { debug() {}, info() {}, warn() { rejectedLogs += 1; }, error() { rejectedLogs += 1; } };

/** The nginx header source ($ssl_client_escaped_cert in X-SSL-Client-Cert), proxy on loopback. */
const HEADER_SOURCE = { header: 'nginx', trustedProxies: ['127.0.0.1'] };

const presetBase = {
  overrideTrustAnchors: anchors.roots,
  overrideIntermediates: anchors.intermediates,
  maxDepth: 1,
  logger: countingLogger,
};
// The policy every TLS server's options come from (and the certgate variant's middleware).
const tlsPolicy = requireUptrendsClientCert({ ...presetBase, overridePins: pins });

function check() {
  switch (variant) {
    case 'tls-none':
    case 'http-none':
      return undefined;
    case 'tls-authorized':
      return (req, res, next) => {
        if (!req.socket.authorized) {
          res.statusCode = 401;
          res.end('client certificate required');
          return;
        }
        next();
      };
    case 'tls-cca':
      return clientCertificateAuth((cert) => cert.subject?.emailAddress === 'certificates@uptrends.com');
    case 'tls-certgate':
      return tlsPolicy;
    case 'http-certgate':
      return requireUptrendsClientCert({ ...presetBase, overridePins: pins, source: HEADER_SOURCE });
    case 'http-memory-none':
      return (req, res, next) => next();
    case 'http-memory':
      return requireUptrendsClientCert({
        ...presetBase,
        logger: silent,
        match: 'identity',
        overrideIntermediates: [...anchors.intermediates, readFileSync(path.join(dir, EC_INTERMEDIATE_FILE), 'utf8')],
        source: HEADER_SOURCE,
      });
    default:
      throw new Error(`bench server: unknown variant ${variant}`);
  }
}

/**
 * With BENCH_TIME_MIDDLEWARE=1 (--time-middleware): the check middleware runs inside an hrtime
 * pair. Its `next` is captured and called after the second reading, so the time is the check's
 * own synchronous work, not the route after it (an asynchronous verdict's time is not counted).
 */
const timing = { calls: 0, ns: 0n };
function timed(inner) {
  if (inner === undefined || process.env.BENCH_TIME_MIDDLEWARE !== '1') return inner;
  return (req, res, next) => {
    let sync = true;
    let args;
    const start = process.hrtime.bigint();
    inner(req, res, (...a) => {
      if (sync) args = a;
      else next(...a);
    });
    timing.ns += process.hrtime.bigint() - start;
    timing.calls += 1;
    sync = false;
    if (args !== undefined) next(...args);
  };
}

const middleware = timed(check());
let app;
if (variant === 'http-memory' || variant === 'http-memory-none') {
  // The memory phase measures certgate's caches, so the app around it is as small as possible:
  // node:http and the middleware (which works on node:http's request and response).
  app = (req, res) =>
    middleware(req, res, (err) => {
      res.statusCode = err === undefined ? 200 : 500;
      res.end(err === undefined ? 'ok' : String(err.message));
    });
} else {
  app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  if (middleware !== undefined) app.use(middleware);
  app.get('/', (req, res) => {
    res.send('ok');
  });
  // client-certificate-auth (and an app's error handler) answer errors through next(err).
  app.use((err, req, res, next) => {
    res.statusCode = err.status ?? 500;
    res.end(String(err.message));
  });
}

let server;
if (variant.startsWith('tls-')) {
  const { key, cert } = pki.serverTls();
  // Session tickets off (and Node keeps no server-side session cache without 'resumeSession'
  // handlers): a client cannot resume, every new connection is a full handshake.
  server = createMtlsServer(tlsPolicy, { key, cert, secureOptions: constants.SSL_OP_NO_TICKET }, app);
} else {
  // The request class createMtlsServer installs on the TLS servers, as docs/middleware.md
  // suggests behind a proxy (every http variant alike).
  server = http.createServer({ IncomingMessage: RequestWithClientCert }, app);
}
server.keepAliveTimeout = 60_000;

const counters = { requests: 0, ok: 0, notOk: 0, secureConnections: 0, resumed: 0, firstRequestsOnFullHandshake: 0, laterRequestsOnConnection: 0 };
const requestsOn = new WeakMap();
server.on('secureConnection', (socket) => {
  counters.secureConnections += 1;
  if (socket.isSessionReused()) counters.resumed += 1;
});
server.on('request', (req, res) => {
  counters.requests += 1;
  res.on('finish', () => {
    if (res.statusCode === 200) counters.ok += 1;
    else counters.notOk += 1;
  });
  const socket = req.socket;
  const n = (requestsOn.get(socket) ?? 0) + 1;
  requestsOn.set(socket, n);
  if (n > 1) counters.laterRequestsOnConnection += 1;
  else if (typeof socket.isSessionReused === 'function' && !socket.isSessionReused()) counters.firstRequestsOnFullHandshake += 1;
});
server.on('tlsClientError', () => undefined);

/** Linux: anonymous and file-backed resident memory (code pages of the node binary are file-backed). */
function residentParts() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (name) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1]) * 1024;
    return { rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
  } catch {
    return {};
  }
}

/**
 * process.memoryUsage() after garbage collection, once RSS has settled. Right after gc() V8 still
 * holds the pages it freed, and it does not give them back while collections follow each other
 * closely: measured after 3000 distinct certificates, RSS stayed ~30 MB higher for 15 s of idling
 * after one gc(), and dropped by those 30 MB at the next gc(). A reading taken right after a gc()
 * under load is a high-water mark of the churn, not what the process keeps. So: gc(), then
 * (idle `idleMs`, default 5 s, gc(), read RSS) until two readings differ by less than 1 MB, at most 8 times. The
 * reading right after the first gc() is reported too (rssAtGc).
 */
async function settledMemory(idleMs = 5000) {
  const collect = () => {
    if (typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
  };
  collect();
  const rssAtGc = process.memoryUsage.rss();
  let previous = rssAtGc;
  for (let i = 0; i < 8; i++) {
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    collect();
    const rss = process.memoryUsage.rss();
    if (Math.abs(rss - previous) < 1048576) break;
    previous = rss;
  }
  // Committed memory per V8 space (new, old, code, large objects...): what of RSS V8 holds.
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((sp) => [sp.space_name, sp.physical_space_size]));
  return { ...process.memoryUsage(), ...residentParts(), rssAtGc, spaces };
}

let cpu0 = process.cpuUsage();
let t0 = performance.now();
process.on('message', (msg) => {
  if (msg.cmd === 'start') {
    for (const k of Object.keys(counters)) counters[k] = 0;
    timing.calls = 0;
    timing.ns = 0n;
    rejectedLogs = 0;
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    process.send({ id: msg.id });
  } else if (msg.cmd === 'stop') {
    const cpu = process.cpuUsage(cpu0);
    const middlewareUs = timing.calls > 0 ? Number(timing.ns) / timing.calls / 1000 : undefined;
    process.send({ id: msg.id, ...counters, middlewareUs, rejectedLogs, cpuUs: cpu.user + cpu.system, elapsedMs: performance.now() - t0 });
  } else if (msg.cmd === 'memory') {
    void settledMemory(typeof msg.idleMs === 'number' ? msg.idleMs : undefined).then((m) => process.send({ id: msg.id, ...m }));
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ ready: true, port: server.address().port }));
