/**
 * Express middleware over the framework-free gate (Express 5 and 4; nothing here imports
 * Express: the handlers use the node:http request and response that Express extends).
 *
 *     app.use(requireClientCert({ trustAnchors, pins }));
 *     app.get('/admin', requireRole('admin'), handler);
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientCertError } from '../errors.js';
import { ClientCertGate } from '../core/gate.js';
import { clientCertMiddleware, type ClientCertMiddleware, type ClientCertRequest, type NextFunction } from '../core/middleware.js';
import { assertKnownKeys } from '../core/options.js';
import { sendProblem } from '../core/problem.js';
import type { ClientCertGateOptions } from '../core/types.js';

export { clientCertMiddleware } from '../core/middleware.js';
export type { ClientCertMiddleware, ClientCertRequest, NextFunction } from '../core/middleware.js';
export type { ClientCertGateOptions, ClientCertificate, ClientIdentity, Verdict } from '../core/types.js';

/**
 * Express middleware that admits a request only with a client certificate that chains to
 * `trustAnchors` and that the configured pins and identities allow.
 *
 * On success sets `req.clientCertificate` (and `req.clientIdentity` with identities). On failure
 * answers RFC 9457 `application/problem+json` (401 for a missing or invalid certificate, 403 for
 * a valid one no pin or identity allows), or with `onError: 'next'` calls `next(ClientCertError)`.
 *
 * @throws TypeError for a bad option (with a hint for a misspelled one); ClientCertError
 *   CONFIG_INVALID when a pin or identities file cannot be loaded.
 */
export function requireClientCert(options: ClientCertGateOptions): ClientCertMiddleware {
  return clientCertMiddleware(new ClientCertGate(options));
}

/** Options of `requireRole` / `requireAnyRole`, given after the role names. */
export interface RequireRoleOptions {
  /** On denial: answer problem+json ('respond', default) or call `next(ClientCertError)`. */
  readonly onError?: 'respond' | 'next';
  /** 'all' (default): every listed role is needed; 'any': one of them is enough. */
  readonly mode?: 'all' | 'any';
}

/** Every option name `requireRole` / `requireAnyRole` accept. */
export const REQUIRE_ROLE_OPTION_NAMES = ['onError', 'mode'] as const satisfies ReadonlyArray<keyof RequireRoleOptions>;

/** Role names, optionally followed by an options object. */
export type RoleArgs = [string, ...Array<string | RequireRoleOptions>] | [...string[], RequireRoleOptions];

function roleMiddleware(args: ReadonlyArray<string | RequireRoleOptions>, defaultMode: 'all' | 'any'): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void {
  const last = args[args.length - 1];
  const options: RequireRoleOptions = typeof last === 'object' && last !== null ? last : {};
  if (typeof last === 'object' && last !== null) assertKnownKeys(last, REQUIRE_ROLE_OPTION_NAMES, 'requireRole');
  const roles = args.filter((a): a is string => typeof a === 'string');
  if (roles.length === 0 || roles.length !== args.length - (typeof last === 'object' && last !== null ? 1 : 0)) {
    throw new TypeError('certgate: requireRole needs one or more role names (strings), optionally followed by an options object');
  }
  for (const role of roles) if (role.trim() === '') throw new TypeError('certgate: requireRole: a role name is empty');
  const onError = options.onError ?? 'respond';
  if (onError !== 'respond' && onError !== 'next') throw new TypeError(`certgate: requireRole option "onError" must be "respond" or "next", found ${String(onError)}`);
  const mode = options.mode ?? defaultMode;
  if (mode !== 'all' && mode !== 'any') throw new TypeError(`certgate: requireRole option "mode" must be "all" or "any", found ${String(mode)}`);
  const fail = (res: ServerResponse, next: NextFunction, error: ClientCertError): void => {
    if (onError === 'next') next(error);
    else sendProblem(res, error);
  };
  return (req: ClientCertRequest, res: ServerResponse, next: NextFunction): void => {
    const identity = req.clientIdentity;
    if (req.clientCertificate === undefined) {
      fail(res, next, new ClientCertError('CERT_MISSING', 'expected a client certificate mapped to an identity, found no accepted certificate'));
      return;
    }
    if (identity === undefined) {
      fail(res, next, new ClientCertError('IDENTITY_UNKNOWN', 'the certificate is valid but is not mapped to a client identity, so it has no roles'));
      return;
    }
    const has = (role: string): boolean => identity.roles.includes(role);
    const ok = mode === 'all' ? roles.every(has) : roles.some(has);
    if (ok) {
      next();
      return;
    }
    const missing = roles.filter((r) => !has(r));
    fail(res, next, new ClientCertError('ROLE_MISSING', mode === 'all' ? `this resource needs the role(s) ${missing.join(', ')}` : `this resource needs one of the roles ${roles.join(', ')}`));
  };
}

/**
 * Middleware admitting only requests whose client identity (set by `requireClientCert` with
 * identities) has every listed role: `requireRole('admin')`, `requireRole('read', 'write')`,
 * `requireRole('a', 'b', { mode: 'any' })`. Answers 403 ROLE_MISSING when a role is missing,
 * 401 CERT_MISSING without an accepted certificate, 403 IDENTITY_UNKNOWN for a certificate
 * that maps to no identity.
 */
export function requireRole(...args: RoleArgs): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void {
  return roleMiddleware(args, 'all');
}

/** `requireRole` with `mode: 'any'`: one of the listed roles is enough. */
export function requireAnyRole(...args: RoleArgs): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void {
  return roleMiddleware(args, 'any');
}

