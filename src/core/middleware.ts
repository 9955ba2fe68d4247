/**
 * Connect-style middleware over a gate: `(req, res, next)` on node:http's request and response,
 * which Express 4/5 (and Connect) extend. Framework adapters build on this.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientCertGate } from './gate.js';
import { sendProblem } from './problem.js';
import { attachToSlots, usesRequestSlots } from './request-slots.js';
import type { ClientCertificate, ClientIdentity, Verdict } from './types.js';

declare global {
  // Declaration merging: `req.clientCertificate` and `req.clientIdentity` are typed in handlers.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `requireClientCert` when the request carried an accepted client certificate. */
      clientCertificate?: ClientCertificate;
      /** Set by `requireClientCert` when identities are configured and the certificate mapped to one. */
      clientIdentity?: ClientIdentity;
    }
  }
}

/** A request as the middleware sees it (Express's Request is one). */
export type ClientCertRequest = IncomingMessage & {
  clientCertificate?: ClientCertificate;
  clientIdentity?: ClientIdentity;
};

/** Connect/Express `next`: call without an argument to continue, with an error to hand it to the error handler. */
export type NextFunction = (error?: unknown) => void;

/** The middleware returned by `requireClientCert`; `gate` is the compiled policy (for `mtlsServerOptions`). */
export interface ClientCertMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: NextFunction): void;
  readonly gate: ClientCertGate;
}

/** Where adapters put what the application sees (Express/node:http `req`, Fastify `request`). */
export interface ClientCertTarget {
  clientCertificate?: ClientCertificate | undefined;
  clientIdentity?: ClientIdentity | undefined;
}

/**
 * Sets `clientCertificate`/`clientIdentity` from an accepted verdict, and clears them otherwise:
 * a value planted by something earlier never survives on a request this gate did not accept.
 */
export function attachVerdict(target: ClientCertTarget, verdict: Verdict): void {
  // Only the stores that change something: adding a property to a request can be costly (~6 µs
  // each on Express, see request-slots.ts), while reading an absent one is cheap.
  if (verdict.outcome === 'accepted') {
    target.clientCertificate = verdict.certificate;
    if (verdict.identity !== undefined || target.clientIdentity !== undefined) target.clientIdentity = verdict.identity;
  } else {
    if (target.clientCertificate !== undefined) target.clientCertificate = undefined;
    if (target.clientIdentity !== undefined) target.clientIdentity = undefined;
  }
}

function apply(verdict: Verdict, req: ClientCertRequest, res: ServerResponse, next: NextFunction, onError: 'respond' | 'next'): void {
  if (usesRequestSlots(req)) attachToSlots(req, verdict);
  else attachVerdict(req, verdict);
  if (verdict.ok) {
    next();
    return;
  }
  if (onError === 'next') next(verdict.error);
  else sendProblem(res, verdict.error);
}

/** Wraps a gate as Express middleware. */
export function clientCertMiddleware(gate: ClientCertGate): ClientCertMiddleware {
  const onError = gate.options.onError;
  const middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction): void => {
    const result = gate.evaluate(req);
    if (result instanceof Promise) {
      result.then(
        (verdict) => apply(verdict, req, res, next, onError),
        (error: unknown) => next(error),
      );
    } else {
      apply(result, req, res, next, onError);
    }
  };
  return Object.assign(middleware, { gate });
}

