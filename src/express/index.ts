/**
 * Express middleware over the framework-free gate (Express 5 and 4; nothing here imports
 * Express: the handlers use the node:http request and response that Express extends).
 *
 *     app.use(requireClientCert({ trustAnchors, pins }));
 *     app.get('/admin', requireRole('admin'), handler);
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientCertMiddleware, type ClientCertMiddleware, type ClientCertRequest, type NextFunction } from '../core/middleware.js';
import { sendProblem } from '../core/problem.js';
import { resolveGate, type GateLike } from '../core/resolve.js';
import { compileRoleRequirement, type RoleArgs } from '../core/roles.js';
import type { ClientCertGateOptions } from '../core/types.js';

export { clientCertMiddleware } from '../core/middleware.js';
export type { ClientCertMiddleware, ClientCertRequest, NextFunction } from '../core/middleware.js';
export type { ClientCertGateOptions, ClientCertificate, ClientIdentity, Verdict } from '../core/types.js';
export type { RequireRoleOptions, RoleArgs } from '../core/roles.js';
export { REQUIRE_ROLE_OPTION_NAMES } from '../core/roles.js';
export type { GateLike } from '../core/resolve.js';

/**
 * Express middleware that admits a request only with a client certificate that chains to
 * `trustAnchors` and that the configured pins and identities allow.
 *
 * On success sets `req.clientCertificate` (and `req.clientIdentity` with identities). On failure
 * answers RFC 9457 `application/problem+json` (401 for a missing or invalid certificate, 403 for
 * a valid one no pin or identity allows), or with `onError: 'next'` calls `next(ClientCertError)`.
 *
 * `policy`: gate options, or a compiled gate (`createClientCertGate()`, `createUptrendsGate()`)
 * or anything carrying one, to share one policy and its caches between adapters or routes.
 *
 * @throws TypeError for a bad option (with a hint for a misspelled one); ClientCertError
 *   CONFIG_INVALID when a pin or identities file cannot be loaded.
 */
export function requireClientCert(policy: ClientCertGateOptions | GateLike): ClientCertMiddleware {
  return clientCertMiddleware(resolveGate(policy, 'requireClientCert').gate);
}

/** The middleware `requireRole` / `requireAnyRole` return (Express 4 and 5 compatible). */
export type RoleMiddleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

function roleMiddleware(args: RoleArgs, defaultMode: 'all' | 'any'): RoleMiddleware {
  const requirement = compileRoleRequirement(args, defaultMode, 'requireRole');
  return (req: ClientCertRequest, res: ServerResponse, next: NextFunction): void => {
    const error = requirement.check(req);
    if (error === undefined) next();
    else if (requirement.onError === 'next') next(error);
    else sendProblem(res, error);
  };
}

/**
 * Middleware admitting only requests whose client identity (set by `requireClientCert` with
 * identities) has every listed role: `requireRole('admin')`, `requireRole('read', 'write')`,
 * `requireRole('a', 'b', { mode: 'any' })`. Answers 403 ROLE_MISSING when a role is missing,
 * 401 CERT_MISSING without an accepted certificate, 403 IDENTITY_UNKNOWN for a certificate
 * that maps to no identity.
 */
export function requireRole(...args: RoleArgs): RoleMiddleware {
  return roleMiddleware(args, 'all');
}

/** `requireRole` with `mode: 'any'`: one of the listed roles is enough. */
export function requireAnyRole(...args: RoleArgs): RoleMiddleware {
  return roleMiddleware(args, 'any');
}

