/**
 * The plain `node:http` / `node:https` adapter (`certgate/node`): wrap a request listener so it
 * runs only for requests with an accepted client certificate. No framework involved.
 *
 *     const listener = withClientCert({ trustAnchors, identities }, (req, res) => {
 *       res.end(`hello ${req.clientIdentity?.name}`);
 *     });
 *     createMtlsServer(listener, { key, cert }, listener).listen(8443);
 *
 *     withClientCert(gate, requireRole('admin')(adminListener));
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientCertError } from '../errors.js';
import type { ClientCertGate } from '../core/gate.js';
import { attachVerdict, type ClientCertTarget } from '../core/middleware.js';
import { assertKnownKeys } from '../core/options.js';
import { sendProblem } from '../core/problem.js';
import { resolveGate, type GateLike } from '../core/resolve.js';
import { compileRoleRequirement, type RoleArgs } from '../core/roles.js';
import type { ClientCertGateOptions, Verdict } from '../core/types.js';

export type { GateLike } from '../core/resolve.js';
export type { ClientCertTarget } from '../core/middleware.js';
export type { ClientCertGateOptions, ClientCertificate, ClientIdentity, Verdict } from '../core/types.js';
export type { RequireRoleOptions, RoleArgs } from '../core/roles.js';

/** A node:http request after the gate: `clientCertificate`/`clientIdentity` set when accepted. */
export type ClientCertIncomingMessage = IncomingMessage & ClientCertTarget;

/** What `withClientCert` wraps: a node:http request listener (its result is ignored). */
export type ClientCertRequestHandler = (req: ClientCertIncomingMessage, res: ServerResponse) => unknown;

/** The listener `withClientCert` returns; `gate` is the compiled policy (for `mtlsServerOptions`). */
export interface ClientCertListener {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly gate: ClientCertGate;
}

/** Options of the node:http adapter (the policy itself is the first argument). */
export interface NodeAdapterOptions {
  /**
   * Called instead of answering problem+json when the gate rejects a request (the node:http
   * counterpart of the gate option `onError: 'next'`, which needs this callback here).
   */
  readonly onRejected?: (error: ClientCertError, req: ClientCertIncomingMessage, res: ServerResponse) => unknown;
}

/**
 * Wraps `handler` so it runs only for requests whose client certificate the policy accepts (or,
 * with `optional: true`, that present none). Rejections are answered with RFC 9457
 * `application/problem+json` exactly like the Express and Fastify adapters (401/403/400/500 by
 * code), or handed to `onRejected`.
 *
 * `policy`: gate options, a gate (`createClientCertGate()`, `createUptrendsGate()`), or anything
 * carrying one (what `requireClientCert()` or `withClientCert()` returned).
 *
 * @throws TypeError for a bad option; ClientCertError CONFIG_INVALID when a pin or identities
 *   file cannot be loaded.
 */
export function withClientCert(policy: ClientCertGateOptions | GateLike, handler: ClientCertRequestHandler, options: NodeAdapterOptions = {}): ClientCertListener {
  const { gate } = resolveGate(policy, 'withClientCert');
  if (typeof handler !== 'function') throw new TypeError('certgate: withClientCert needs a request listener (req, res) => ... as its second argument');
  if (options === null || typeof options !== 'object') throw new TypeError('certgate: withClientCert options must be an object');
  assertKnownKeys(options, ['onRejected'], 'withClientCert');
  const onRejected = options.onRejected;
  if (onRejected !== undefined && typeof onRejected !== 'function') throw new TypeError('certgate: withClientCert option "onRejected" must be a function (error, req, res) => ...');
  if (gate.options.onError === 'next' && onRejected === undefined) {
    throw new TypeError('certgate: onError: "next" hands rejections to the framework, and node:http has none; pass withClientCert(policy, handler, { onRejected(error, req, res) { ... } })');
  }
  const apply = (verdict: Verdict, req: ClientCertIncomingMessage, res: ServerResponse): void => {
    attachVerdict(req, verdict);
    if (verdict.ok) handler(req, res);
    else if (onRejected !== undefined) onRejected(verdict.error, req, res);
    else sendProblem(res, verdict.error);
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const result = gate.evaluate(req);
    // The gate never rejects its promise (failures are INTERNAL_ERROR verdicts).
    if (result instanceof Promise) void result.then((verdict) => apply(verdict, req, res));
    else apply(result, req, res);
  };
  return Object.assign(listener, { gate });
}

/** Wraps a listener with a role check: what `requireRole(...)` returns. */
export type RoleWrapper = (handler: ClientCertRequestHandler) => ClientCertRequestHandler;

function roleWrapper(args: RoleArgs, defaultMode: 'all' | 'any', what: string): RoleWrapper {
  const requirement = compileRoleRequirement(args, defaultMode, what);
  if (requirement.onError === 'next') {
    throw new TypeError(`certgate: ${what} option onError: "next" hands denials to the framework, and node:http has none; check req.clientIdentity yourself for custom answers`);
  }
  return (handler) => {
    if (typeof handler !== 'function') throw new TypeError(`certgate: ${what}(...) wraps a request listener (req, res) => ...`);
    return (req, res) => {
      const error = requirement.check(req);
      if (error === undefined) return handler(req, res);
      sendProblem(res, error);
      return undefined;
    };
  };
}

/**
 * A wrapper admitting only requests whose client identity (set by `withClientCert` with
 * identities) has every listed role: `withClientCert(gate, requireRole('admin')(listener))`.
 * Denies like the other adapters: 403 ROLE_MISSING, 401 CERT_MISSING without an accepted
 * certificate, 403 IDENTITY_UNKNOWN for a certificate that maps to no identity.
 *
 * @throws TypeError without a role name, for a bad option, or for `onError: 'next'`.
 */
export function requireRole(...args: RoleArgs): RoleWrapper {
  return roleWrapper(args, 'all', 'requireRole');
}

/** `requireRole` with `mode: 'any'`: one of the listed roles is enough. */
export function requireAnyRole(...args: RoleArgs): RoleWrapper {
  return roleWrapper(args, 'any', 'requireAnyRole');
}
