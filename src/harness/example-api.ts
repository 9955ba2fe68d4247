/**
 * The example API of the demo (`certgate demo`): an Express 5 app with helmet and pino behind a
 * real mTLS server on loopback, protected by certgate exactly as a customer would protect theirs,
 * but trusting the TEST PKI instead of the production Uptrends chain.
 *
 *   GET /                  open: what the routes are
 *   GET /uptrends/status   requireUptrendsClientCert: only the (pinned) Uptrends stand-in
 *   GET /customer/orders   requireClientCert(customer CA + identities) + requireRole('monitor')
 *   GET /customer/admin    the same gate + requireRole('admin'), a role nobody has here
 *
 * Express, helmet and pino are loaded when the API starts (they are development dependencies of
 * certgate, so the middleware itself never needs them); a clear error says what to install.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { ClientCertMiddleware, ClientCertRequest } from '../core/middleware.js';
import type { GateLogger } from '../core/logger.js';
import { disableRenegotiation, mtlsServerOptions } from '../core/server.js';
import { requireClientCert, requireRole } from '../express/index.js';
import { requireUptrendsClientCert } from '../uptrends/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { PIN_FILE_VERSION } from '../verify/pins.js';
import type { TestPki } from './pki.js';

/** Paths of the example API (the demo's cases and curl commands use them). */
export const EXAMPLE_API_ROUTES = {
  index: '/',
  uptrends: '/uptrends/status',
  customerOrders: '/customer/orders',
  customerAdmin: '/customer/admin',
} as const;

/** The role the orders route needs (the custom certificate's identity has it) and the admin route's (nobody has it). */
export const EXAMPLE_API_ROLES = { orders: 'monitor', admin: 'admin' } as const;

/** Options of {@link startExampleApi}. */
export interface ExampleApiOptions {
  /** The test PKI whose anchors, pins and identities the API trusts, and whose server certificate it presents. */
  readonly pki: TestPki;
  /** Default 127.0.0.1. Only loopback addresses are accepted. */
  readonly host?: string;
  /** Default 0 (an ephemeral port). */
  readonly port?: number;
  /**
   * Write the Uptrends pin file and the identities file here (`pins.json`, `identities.json`)
   * and load them through `pinFile` / `identitiesFile`, watched and hot-reloaded, as a real
   * deployment would. Default: the same pins and identities inline, no files.
   */
  readonly configDir?: string;
  /**
   * Logging (pino): `false` for none, else the lowest level and where to (`file`, appended; default
   * stderr). Default `{ level: 'info' }`: one line per request and one per rejected certificate.
   */
  readonly log?: false | { readonly level?: 'debug' | 'info' | 'warn' | 'error'; readonly file?: string };
  /** The clock of both gates (for tests validating a PKI generated for another time). Default now. */
  readonly now?: () => Date | number;
}

/** A running example API. */
export interface ExampleApi {
  /** `https://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The Node https server (already listening). */
  readonly server: https.Server;
  /** Files written for `configDir` (absent without it). */
  readonly files: { readonly pinFile: string; readonly identitiesFile: string } | undefined;
  /** Stops accepting, ends open connections and stops watching the configuration files. */
  close(): Promise<void>;
}

/** `express` is CommonJS (`export =`): a dynamic import gives it as `default`. */
type ExpressModule = { readonly default: typeof import('express') };
type PinoModule = typeof import('pino');
type HelmetModule = typeof import('helmet');

/** Thrown by `startExampleApi` when express, helmet or pino cannot be loaded. */
export class ExampleApiDependencyError extends Error {
  override readonly name = 'ExampleApiDependencyError';
}

async function loadOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new ExampleApiDependencyError(`the example API needs the package "${name}" (with express, helmet and pino), which cannot be loaded: run \`npm install express helmet pino\``, { cause: error });
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Starts the example API on loopback over mTLS (the server asks for a client certificate and
 * lets certgate answer: `mtlsServerOptions`, renegotiation disabled).
 *
 * @throws TypeError for a bad option; ExampleApiDependencyError when express, helmet or pino is not installed.
 */
export async function startExampleApi(options: ExampleApiOptions): Promise<ExampleApi> {
  const { pki } = options;
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new TypeError(`startExampleApi: the example API listens on loopback only (127.0.0.0/8, ::1, localhost), found host "${host}"`);
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`startExampleApi: expected "port" to be an integer from 0 to 65535, found ${String(port)}`);
  const uptrendsPolicy = pki.manifest.policies['uptrends'];
  const customerPolicy = pki.manifest.policies['customer'];
  if (uptrendsPolicy === undefined || customerPolicy === undefined) throw new TypeError('startExampleApi: the test PKI manifest needs the "uptrends" and "customer" policies');

  const [expressModule, helmetModule, pinoModule] = await Promise.all([
    loadOptional<ExpressModule>('express'),
    loadOptional<HelmetModule>('helmet'),
    loadOptional<PinoModule>('pino'),
  ]);
  const express = expressModule.default;
  const helmet = helmetModule.default;
  const pino = pinoModule.default;

  let logger: GateLogger | false = false;
  let pinoLogger: import('pino').Logger | undefined;
  if (options.log !== false) {
    const level = options.log?.level ?? 'info';
    const destination = options.log?.file === undefined ? pino.destination(2) : pino.destination({ dest: options.log.file, mkdir: true, sync: true, append: true });
    pinoLogger = pino({ name: 'certgate-example-api', level }, destination);
    logger = pinoLogger;
  }

  const pins = (uptrendsPolicy.pins ?? []).map((pin) => ({ ...pin }));
  const identities = (customerPolicy.identities ?? []).map((identity) => ({ name: identity.name, roles: [...identity.roles], match: { ...identity.match } }));
  let files: ExampleApi['files'];
  if (options.configDir !== undefined) {
    const dir = path.resolve(options.configDir);
    await mkdir(dir, { recursive: true });
    files = { pinFile: path.join(dir, 'pins.json'), identitiesFile: path.join(dir, 'identities.json') };
    const comment = 'TEST PKI only (generated by certgate demo from the test PKI manifest): never deploy.';
    await writeFileAtomic(files.pinFile, `${JSON.stringify({ version: PIN_FILE_VERSION, comment, pins }, null, 2)}\n`);
    await writeFileAtomic(files.identitiesFile, `${JSON.stringify({ version: PIN_FILE_VERSION, comment, identities }, null, 2)}\n`);
  }
  const clock = options.now === undefined ? {} : { now: options.now };

  const uptrendsAnchors = pki.anchors(uptrendsPolicy.anchors);
  // Revocation from the PKI's own CRL files (no responder, no network): a listed certificate is
  // CERT_REVOKED; soft-fail because a reused PKI's CRLs go stale after their nextUpdate.
  const crlFiles = Object.values(pki.manifest.revocation?.authorities ?? {}).map((authority) => pki.path(authority.crl));
  const revocation = crlFiles.length === 0 ? undefined : ({ mode: 'soft-fail', crl: { files: crlFiles, fetch: false }, ocsp: { enabled: false } } as const);
  // The real preset, with its production trust material replaced by the test PKI's.
  const uptrendsGate: ClientCertMiddleware = requireUptrendsClientCert({
    overrideTrustAnchors: uptrendsAnchors.roots,
    overrideIntermediates: uptrendsAnchors.intermediates,
    ...(files === undefined ? { overridePins: pins } : { overridePins: [], pinFile: files.pinFile }),
    maxDepth: uptrendsPolicy.maxDepth,
    ...(revocation === undefined ? {} : { revocation }),
    logger,
    ...clock,
  });
  const customerAnchors = pki.anchors(customerPolicy.anchors);
  const customerGate: ClientCertMiddleware = requireClientCert({
    trustAnchors: customerAnchors.roots,
    intermediates: customerAnchors.intermediates,
    ...(files === undefined ? { identities } : { identitiesFile: files.identitiesFile }),
    maxDepth: customerPolicy.maxDepth,
    logger,
    ...clock,
  });

  const app = express();
  app.use(helmet());
  if (pinoLogger !== undefined) {
    const log = pinoLogger;
    app.use((req, res, next) => {
      const started = performance.now();
      res.on('finish', () => {
        const certificate = (req as ClientCertRequest).clientCertificate;
        log.info(
          { method: req.method, path: req.path, status: res.statusCode, ms: Math.round((performance.now() - started) * 10) / 10, client: certificate?.subject ?? null, remoteAddress: req.socket.remoteAddress },
          'request',
        );
      });
      next();
    });
  }
  app.get(EXAMPLE_API_ROUTES.index, (_req, res) => {
    res.json({
      name: 'certgate example API (TEST PKI: never trust its certificates outside tests)',
      routes: [
        { path: EXAMPLE_API_ROUTES.uptrends, admits: 'the Uptrends certificate (here: the pinned TEST stand-in) via requireUptrendsClientCert' },
        { path: EXAMPLE_API_ROUTES.customerOrders, admits: `a certificate of the customer CA mapped to an identity with the role "${EXAMPLE_API_ROLES.orders}"` },
        { path: EXAMPLE_API_ROUTES.customerAdmin, admits: `an identity with the role "${EXAMPLE_API_ROLES.admin}" (none has it)` },
      ],
    });
  });
  app.get(EXAMPLE_API_ROUTES.uptrends, uptrendsGate, (req, res) => {
    const certificate = (req as ClientCertRequest).clientCertificate;
    res.json({ ok: true, route: 'uptrends', caller: { subject: certificate?.subject, serial: certificate?.serial, pin: certificate?.pinLabel, daysRemaining: certificate?.daysRemaining } });
  });
  const customerRoute = (route: string) => (req: IncomingMessage, res: ServerResponse): void => {
    const request = req as ClientCertRequest;
    const body = JSON.stringify({ ok: true, route, identity: request.clientIdentity?.name, roles: request.clientIdentity?.roles, subject: request.clientCertificate?.subject });
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(body);
  };
  app.get(EXAMPLE_API_ROUTES.customerOrders, customerGate, requireRole(EXAMPLE_API_ROLES.orders), customerRoute('customer/orders'));
  app.get(EXAMPLE_API_ROUTES.customerAdmin, customerGate, requireRole(EXAMPLE_API_ROLES.admin), customerRoute('customer/admin'));
  app.use((_req, res) => {
    res.status(404).type('application/problem+json').json({ title: 'Not Found', status: 404, detail: `no such route; see ${EXAMPLE_API_ROUTES.index}` });
  });

  const { key, cert } = pki.serverTls();
  const tlsOptions = mtlsServerOptions(uptrendsGate, { key, cert });
  // Advertise both trust domains' roots as acceptable CA names (mtlsServerOptions knows one gate).
  const advertised = [...(tlsOptions.ca as string[]), ...customerAnchors.roots];
  const server = disableRenegotiation(https.createServer({ ...tlsOptions, ca: advertised }, app));
  // A client that gives up mid-handshake is not the server's problem; keep it out of the output.
  server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
    pinoLogger?.debug({ err: error.message, remoteAddress: socket.remoteAddress }, 'TLS handshake failed');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `https://${urlHost}:${address.port}`,
    port: address.port,
    host: address.address,
    server,
    files,
    close() {
      closed ??= new Promise<void>((resolve) => {
        uptrendsGate.gate.close();
        customerGate.gate.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => new Promise<void>((resolve) => (pinoLogger === undefined ? resolve() : pinoLogger.flush(() => resolve()))));
      return closed;
    },
  };
}
