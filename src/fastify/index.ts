/**
 * The Fastify plugin (`certgate/fastify`, Fastify 5). Fastify is an optional peer dependency:
 * this module only imports its types, and nothing else in certgate imports it.
 *
 *     await app.register(fastifyClientCert, { trustAnchors, identities });
 *     app.get('/admin', { preHandler: requireRole('admin') }, handler);
 *
 * The plugin is not encapsulated (like fastify-plugin's default): its `onRequest` hook guards
 * every route of the context it is registered in, so register it inside a child context
 * (`app.register(async (child) => { await child.register(fastifyClientCert, ...); ... })`) to
 * guard only some routes.
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ClientCertError } from '../errors.js';
import type { ClientCertGate } from '../core/gate.js';
import { attachVerdict } from '../core/middleware.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../core/problem.js';
import { gateOf, resolveGate, type GateLike } from '../core/resolve.js';
import { compileRoleRequirement, type RoleArgs } from '../core/roles.js';
import type { ClientCertGateOptions, ClientCertificate, ClientIdentity, Verdict } from '../core/types.js';

export type { GateLike } from '../core/resolve.js';
export type { ClientCertGateOptions, ClientCertificate, ClientIdentity, Verdict } from '../core/types.js';
export type { RequireRoleOptions, RoleArgs } from '../core/roles.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the certgate plugin when the request carried an accepted client certificate. */
    clientCertificate?: ClientCertificate | undefined;
    /** Set by the certgate plugin when identities are configured and the certificate mapped to one. */
    clientIdentity?: ClientIdentity | undefined;
  }
}

/**
 * Options of the plugin: the gate options (`requireClientCert`'s), or `{ gate }` with a compiled
 * gate (`createClientCertGate()`, `createUptrendsGate()`) or anything carrying one.
 */
export type FastifyClientCertOptions = ClientCertGateOptions | { readonly gate: ClientCertGate | GateLike };

/** A Fastify hook: `onRequest` for the gate, `preHandler` for role checks. */
export type ClientCertHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** Options Fastify's `register` itself reads and passes on to every plugin. */
const REGISTER_KEYS = new Set(['prefix', 'logLevel', 'logSerializers']);

function gateFrom(options: unknown): { gate: ClientCertGate; owned: boolean } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('certgate: the Fastify plugin needs options: client certificate options ({ trustAnchors, ... }) or { gate }');
  }
  const own = Object.fromEntries(Object.entries(options).filter(([key]) => !REGISTER_KEYS.has(key)));
  if ('gate' in own) {
    const extra = Object.keys(own).filter((k) => k !== 'gate');
    if (extra.length > 0) throw new TypeError(`certgate: the Fastify plugin takes either { gate } or gate options, not both (found ${extra.join(', ')} next to gate)`);
    const gate = gateOf(own['gate']);
    if (gate === undefined) throw new TypeError('certgate: the Fastify plugin option "gate" must be a gate (createClientCertGate(), createUptrendsGate()) or something carrying one');
    return { gate, owned: false };
  }
  return resolveGate(own as unknown as ClientCertGateOptions, 'the Fastify plugin');
}

/** The same problem+json answer as the Express and node:http adapters. */
function sendProblem(reply: FastifyReply, error: ClientCertError): void {
  const problem = problemFor(error);
  // Bytes, not a string: Fastify would append "; charset=utf-8" to a string's content type.
  void reply.code(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).header('cache-control', 'no-store').send(Buffer.from(JSON.stringify(problem)));
}

function gateHook(gate: ClientCertGate): ClientCertHook {
  const onError = gate.options.onError;
  const apply = (verdict: Verdict, request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    attachVerdict(request, verdict);
    if (verdict.ok) done();
    else if (onError === 'next') done(verdict.error);
    // Answering from a hook: send and do not call done().
    else sendProblem(reply, verdict.error);
  };
  return (request, reply, done) => {
    const result = gate.evaluate(request.raw);
    // The gate never rejects its promise (failures are INTERNAL_ERROR verdicts).
    if (result instanceof Promise) void result.then((verdict) => apply(verdict, request, reply, done));
    else apply(result, request, reply, done);
  };
}

const plugin: FastifyPluginCallback<FastifyClientCertOptions> = (instance: FastifyInstance, options, done) => {
  let resolved: { gate: ClientCertGate; owned: boolean };
  try {
    resolved = gateFrom(options);
  } catch (error) {
    done(error as Error);
    return;
  }
  const { gate, owned } = resolved;
  if (!instance.hasRequestDecorator('clientCertificate')) instance.decorateRequest('clientCertificate', undefined);
  if (!instance.hasRequestDecorator('clientIdentity')) instance.decorateRequest('clientIdentity', undefined);
  instance.addHook('onRequest', gateHook(gate));
  // A gate compiled from options belongs to the plugin: stop its file watchers with the server.
  if (owned) {
    instance.addHook('onClose', (_instance, closed) => {
      gate.close();
      closed();
    });
  }
  done();
};

// What fastify-plugin does, without a runtime dependency: no encapsulation, a name, a version range.
Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'certgate',
  [Symbol.for('plugin-meta')]: { name: 'certgate', fastify: '5.x' },
});

/**
 * The Fastify plugin: an `onRequest` hook admitting a request only with a client certificate the
 * policy accepts. On success sets `request.clientCertificate` (and `request.clientIdentity` with
 * identities); on rejection answers RFC 9457 `application/problem+json` with the same status and
 * body as the Express and node:http adapters, or with `onError: 'next'` hands the ClientCertError
 * to Fastify's error handler (its `status` is the HTTP status).
 *
 * Options are validated when the plugin is registered (`register` fails with a TypeError for a
 * bad option). A gate compiled from options is closed with the server.
 */
export const fastifyClientCert = plugin;
export default fastifyClientCert;

function roleHook(args: RoleArgs, defaultMode: 'all' | 'any', what: string): ClientCertHook {
  const requirement = compileRoleRequirement(args, defaultMode, what);
  return (request, reply, done) => {
    const error = requirement.check(request);
    if (error === undefined) done();
    else if (requirement.onError === 'next') done(error);
    else sendProblem(reply, error);
  };
}

/**
 * A `preHandler` hook admitting only requests whose client identity has every listed role:
 * `app.get('/admin', { preHandler: requireRole('admin') }, handler)`. Denies like the other
 * adapters: 403 ROLE_MISSING, 401 CERT_MISSING without an accepted certificate, 403
 * IDENTITY_UNKNOWN for a certificate that maps to no identity.
 *
 * @throws TypeError without a role name or for a bad option.
 */
export function requireRole(...args: RoleArgs): ClientCertHook {
  return roleHook(args, 'all', 'requireRole');
}

/** `requireRole` with `mode: 'any'`: one of the listed roles is enough. */
export function requireAnyRole(...args: RoleArgs): ClientCertHook {
  return roleHook(args, 'any', 'requireAnyRole');
}
