/**
 * Role requirements (`requireRole('admin')`), compiled once and shared by every adapter, so
 * Express, Fastify and node:http deny with the same code for the same request.
 */
import { ClientCertError } from '../errors.js';
import { assertKnownKeys } from './options.js';
import type { ClientCertificate, ClientIdentity } from './types.js';

/** Options of `requireRole` / `requireAnyRole` (every adapter), given after the role names. */
export interface RequireRoleOptions {
  /** On denial: answer problem+json ('respond', default) or hand the ClientCertError to the framework ('next'). */
  readonly onError?: 'respond' | 'next';
  /** 'all' (default): every listed role is needed; 'any': one of them is enough. */
  readonly mode?: 'all' | 'any';
}

/** Every option name `requireRole` / `requireAnyRole` accept (in every adapter). */
export const REQUIRE_ROLE_OPTION_NAMES = ['onError', 'mode'] as const satisfies ReadonlyArray<keyof RequireRoleOptions>;

/** Role names, optionally followed by options: `('a')`, `('a', 'b')`, `('a', 'b', { mode: 'any' })`. */
export type RoleArgs = [string, ...Array<string | RequireRoleOptions>] | [...string[], RequireRoleOptions];

/** What a role check reads: the properties an adapter sets on an accepted request. */
export interface RoleSubject {
  readonly clientCertificate?: ClientCertificate | undefined;
  readonly clientIdentity?: ClientIdentity | undefined;
}

export interface RoleRequirement {
  readonly roles: readonly string[];
  readonly mode: 'all' | 'any';
  readonly onError: 'respond' | 'next';
  /** The error to deny `request` with, or undefined when it has the roles. */
  check(request: RoleSubject): ClientCertError | undefined;
}

/**
 * Validates role arguments once. `what` names the function for error messages.
 *
 * @throws TypeError without a role name, for an empty name, or a bad or unknown option.
 */
export function compileRoleRequirement(args: ReadonlyArray<unknown>, defaultMode: 'all' | 'any', what: string): RoleRequirement {
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null;
  if (hasOptions) assertKnownKeys(last, REQUIRE_ROLE_OPTION_NAMES, what);
  const options = (hasOptions ? last : {}) as RequireRoleOptions;
  const roles = args.filter((a): a is string => typeof a === 'string');
  if (roles.length === 0 || roles.length !== args.length - (hasOptions ? 1 : 0)) {
    throw new TypeError(`certgate: ${what} needs one or more role names (strings), optionally followed by an options object`);
  }
  for (const role of roles) if (role.trim() === '') throw new TypeError(`certgate: ${what}: a role name is empty`);
  const onError = options.onError ?? 'respond';
  if (onError !== 'respond' && onError !== 'next') throw new TypeError(`certgate: ${what} option "onError" must be "respond" or "next", found ${String(onError)}`);
  const mode = options.mode ?? defaultMode;
  if (mode !== 'all' && mode !== 'any') throw new TypeError(`certgate: ${what} option "mode" must be "all" or "any", found ${String(mode)}`);
  const frozen = Object.freeze([...roles]);
  return Object.freeze({
    roles: frozen,
    mode,
    onError,
    check(request: RoleSubject): ClientCertError | undefined {
      if (request.clientCertificate === undefined) {
        return new ClientCertError('CERT_MISSING', 'expected a client certificate mapped to an identity, found no accepted certificate');
      }
      const identity = request.clientIdentity;
      if (identity === undefined) {
        return new ClientCertError('IDENTITY_UNKNOWN', 'the certificate is valid but is not mapped to a client identity, so it has no roles');
      }
      const has = (role: string): boolean => identity.roles.includes(role);
      if (mode === 'all' ? frozen.every(has) : frozen.some(has)) return undefined;
      const missing = frozen.filter((r) => !has(r));
      return new ClientCertError('ROLE_MISSING', mode === 'all' ? `this resource needs the role(s) ${missing.join(', ')}` : `this resource needs one of the roles ${frozen.join(', ')}`);
    },
  });
}
