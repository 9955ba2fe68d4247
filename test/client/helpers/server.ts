/**
 * A real mTLS test API on 127.0.0.1:0 that asks for a client certificate, accepts any (the real
 * gate is another layer's job) and reports which one it saw; without one it answers problem+json 401.
 *
 *   GET  /whoami   -> 200 { cn, email, serial, sha256, chain: [subject CNs sent after the leaf] } | 401
 *   POST /login    -> 200 { token, user: { id, roles } } + header x-session   | 401 without a cert
 *   GET  /orders   -> 200 { orders, cn } with "authorization: Bearer <token>" from /login | 401
 *   ANY  /echo     -> 200 { method, headers, body }
 *   GET  /big      -> 200 with a 256 KiB text body
 *   GET  /hang     -> never answers
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { isClientCertError, type ClientCertError } from '../../../src/errors.js';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** Requests seen, in order: path and the client certificate's CN (undefined for none). */
  readonly seen: Array<{ path: string; cn: string | undefined }>;
  close(): Promise<void>;
}

export async function startTestServer(pki: { serverCert: string; serverKey: string }, options: { rejectUnauthorized?: boolean; ca?: string } = {}): Promise<TestServer> {
  const tokens = new Map<string, string>();
  const seen: Array<{ path: string; cn: string | undefined }> = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const server = https.createServer(
    {
      key: readFileSync(pki.serverKey),
      cert: readFileSync(pki.serverCert),
      requestCert: true,
      rejectUnauthorized: options.rejectUnauthorized ?? false,
      ...(options.ca === undefined ? {} : { ca: readFileSync(options.ca) }),
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate(true);
        const has = peer !== null && Object.keys(peer).length > 0 && peer.raw !== undefined;
        const cn = has ? (peer.subject?.CN ?? peer.subject?.emailAddress) : undefined;
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        seen.push({ path, cn: typeof cn === 'string' ? cn : undefined });
        const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
          res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        const missing = (): void => json(401, { type: 'https://certgate.dev/problems/cert-missing', title: 'Client certificate required', status: 401, code: 'CERT_MISSING', detail: 'the request presented no client certificate' });
        if (path === '/whoami') {
          if (!has) return missing();
          const chain: string[] = [];
          let current = peer;
          // Certificates the client sent after its leaf (the server does not verify here).
          for (let i = 0; i < 5 && current.issuerCertificate !== undefined && current.issuerCertificate !== current; i++) {
            current = current.issuerCertificate;
            chain.push(String(current.subject?.CN ?? ''));
          }
          return json(200, { cn: peer.subject?.CN ?? null, email: peer.subject?.emailAddress ?? null, serial: peer.serialNumber, sha256: peer.fingerprint256.replaceAll(':', ''), chain });
        }
        if (path === '/login' && req.method === 'POST') {
          if (!has) return missing();
          const token = `tok-${randomBytes(8).toString('hex')}`;
          tokens.set(token, String(cn));
          return json(200, { token, user: { id: 42, name: String(cn), roles: ['reader', 'monitor'] } }, { 'x-session': 'session-7' });
        }
        if (path === '/orders') {
          const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
          const owner = auth === undefined ? undefined : tokens.get(auth);
          if (owner === undefined) return json(401, { title: 'Token required', status: 401, code: 'TOKEN_INVALID', detail: 'send the token from /login' });
          return json(200, { orders: [{ id: 1, item: 'probe' }, { id: 2, item: 'cable' }], cn: cn ?? null, owner });
        }
        if (path === '/echo') {
          return json(200, { method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        }
        if (path === '/big') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('x'.repeat(256 * 1024));
          return;
        }
        if (path === '/hang') {
          hanging.add(res);
          return;
        }
        json(404, { title: 'Not found', status: 404 });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    seen,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port that was just listened on and closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const probe = https.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The ClientCertError a promise rejects with (fails the test for anything else). */
export async function rejection(promise: Promise<unknown>): Promise<ClientCertError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isClientCertError(error)) throw new Error(`expected a ClientCertError, got ${inspect(error)}`);
  return error;
}
