/**
 * Node https/tls server options for client-certificate authentication, and a server factory that
 * also disables TLS renegotiation.
 *
 * Why `rejectUnauthorized: false` by default: with `true`, OpenSSL aborts the handshake for a
 * missing or untrusted certificate and the client sees a bare TLS alert ("certificate required",
 * "unknown ca") with no indication of what to fix; the server cannot log which certificate was
 * refused and `optional: true` routes are impossible. With `false` the handshake completes, the
 * gate checks the certificate (it never relies on `socket.authorized`) and answers a clear 401/403
 * problem+json. The trade-off: an unauthenticated client can complete a handshake and send a
 * request (which the gate rejects before any handler runs). `{ strict: true }` gives the TLS-level
 * rejection instead; the gate still checks every request.
 */
import https from 'node:https';
import type { RequestListener } from 'node:http';
import type { SecureVersion, Server as TlsServer, TLSSocket } from 'node:tls';
import type { ClientCertGate } from './gate.js';
import { RequestWithClientCert } from './request-slots.js';
import { gateOf as findGate, type GateLike } from './resolve.js';

export type { GateLike } from './resolve.js';

/** Node's https server options (your `key` and `cert` or `pfx` are required) plus `strict`. */
export interface MtlsServerOptions extends https.ServerOptions {
  /**
   * Let TLS itself refuse clients without a certificate that chains to the trust anchors
   * (`rejectUnauthorized: true`). Default false: the middleware answers instead (see above).
   */
  readonly strict?: boolean;
}

/** Options of `mtlsServerOptions` beyond Node's https server options. */
export const MTLS_OPTION_NAMES = ['strict'] as const satisfies ReadonlyArray<keyof MtlsServerOptions>;

/** Server options `mtlsServerOptions` sets from the policy and refuses to take from the caller. */
export const MTLS_OWNED_SERVER_OPTIONS = ['requestCert', 'rejectUnauthorized', 'ca'] as const;

const VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

function gateOf(policy: GateLike): ClientCertGate {
  const gate = findGate(policy);
  if (gate !== undefined) return gate;
  throw new TypeError('certgate: mtlsServerOptions needs a gate or what an adapter returned (requireClientCert(), requireUptrendsClientCert(), withClientCert() of certgate/node)');
}

/**
 * Server options for `https.createServer` / `tls.createServer`: request a client certificate,
 * advertise the policy's trust anchors as acceptable CA names, TLS 1.2 minimum, and (unless
 * `strict`) let the middleware answer bad certificates. Your `key`/`cert` (or `pfx`) and any other
 * server option pass through. Unless you pass your own `IncomingMessage` class, requests are
 * built by `RequestWithClientCert`, which keeps `clientCertificate`/`clientIdentity` in a private
 * box made with the request: the cheapest way to hand over the verdict per request.
 *
 * @throws TypeError without a server key and certificate, or for options this helper owns
 *   (`requestCert`, `rejectUnauthorized`, `ca`) or a minimum version below TLS 1.2.
 */
export function mtlsServerOptions(policy: GateLike, options: MtlsServerOptions): https.ServerOptions {
  const gate = gateOf(policy);
  if (options === null || typeof options !== 'object') throw new TypeError('certgate: mtlsServerOptions needs server options with key and cert (or pfx)');
  const { strict, ...rest } = options;
  for (const owned of MTLS_OWNED_SERVER_OPTIONS) {
    if (rest[owned] !== undefined) {
      throw new TypeError(`certgate: mtlsServerOptions sets "${owned}" from the policy; remove it (use { strict: true } for rejectUnauthorized, trustAnchors for ca)`);
    }
  }
  if (strict !== undefined && typeof strict !== 'boolean') throw new TypeError('certgate: option "strict" must be true or false');
  if ((rest.key === undefined || rest.cert === undefined) && rest.pfx === undefined) {
    throw new TypeError('certgate: mtlsServerOptions needs the server\'s own "key" and "cert" (or "pfx")');
  }
  const minVersion = rest.minVersion ?? 'TLSv1.2';
  if (VERSIONS.indexOf(minVersion) < VERSIONS.indexOf('TLSv1.2')) {
    throw new TypeError(`certgate: option "minVersion" must be TLSv1.2 or TLSv1.3 for client-certificate authentication, found ${String(minVersion)}`);
  }
  const o = gate.options;
  // In strict mode OpenSSL must build the path itself, so it also needs the known intermediates;
  // they then appear in the advertised CA names too. Non-strict: only the anchors are advertised.
  const ca = (strict === true ? [...o.trustAnchors, ...o.intermediates] : o.trustAnchors).map((c) => c.toPem());
  return {
    IncomingMessage: RequestWithClientCert,
    ...rest,
    minVersion,
    requestCert: true,
    rejectUnauthorized: strict === true,
    ca,
  };
}

/**
 * Disables TLS renegotiation on every connection of `server` (client-initiated renegotiation in
 * TLS 1.2 is a denial-of-service lever and could swap the client certificate mid-connection;
 * TLS 1.3 has none). Returns the server.
 */
export function disableRenegotiation<T extends TlsServer>(server: T): T {
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.disableRenegotiation();
  });
  return server;
}

/**
 * `https.createServer(mtlsServerOptions(policy, options), listener)` with renegotiation disabled.
 * Pass an Express app as `listener`.
 */
export function createMtlsServer(policy: GateLike, options: MtlsServerOptions, listener?: RequestListener): https.Server {
  const server = https.createServer(mtlsServerOptions(policy, options), listener);
  return disableRenegotiation(server);
}

