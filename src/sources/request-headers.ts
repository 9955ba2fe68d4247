/**
 * `request.headers`, read through Node's own getter when nothing between the request and
 * `IncomingMessage.prototype` defines `headers`.
 *
 * Why: Express swaps each request's prototype, which gives every request a hidden class of its
 * own, so reading `headers` (an accessor three prototypes up) misses V8's caches and walks the
 * prototype chain on every request: measured ~1.4 µs of the header path's ~5.6 µs per request in
 * the server (docs/performance.md). Calling the getter found once is a plain call.
 *
 * Anything else is read as usual: an object that is not an IncomingMessage, a request with an own
 * `headers`, a prototype chain that defines `headers` before Node's. Whether a prototype chain
 * reaches Node's getter is decided the first time a request with that prototype comes by (a
 * `headers` defined on an Express app's request prototype after that is not seen: Node's headers,
 * what came over the wire, are read).
 */
import { IncomingMessage } from 'node:http';
import { prototypeMemo } from '../util/prototype-memo.js';
import type { GateRequest } from './types.js';

type Headers = GateRequest['headers'];

const nodeGetter = Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'headers')?.get as ((this: IncomingMessage) => Headers) | undefined;

/** Whether reading `headers` from a request's prototype reaches `nodeGetter`. */
const reachesNodeGetter = prototypeMemo('certgate.headersGetter', (proto) => {
  for (let p: unknown = proto; typeof p === 'object' && p !== null; p = Object.getPrototypeOf(p)) {
    if (p === IncomingMessage.prototype) return Object.getOwnPropertyDescriptor(p, 'headers')?.get === nodeGetter;
    if (Object.prototype.hasOwnProperty.call(p, 'headers')) return false;
  }
  return false;
});

/** The request's headers object (Node's, for an IncomingMessage), or whatever `request.headers` is. */
export function requestHeaders(request: GateRequest): Headers {
  if (nodeGetter !== undefined && request instanceof IncomingMessage && !Object.prototype.hasOwnProperty.call(request, 'headers')) {
    const proto: unknown = Object.getPrototypeOf(request);
    if (typeof proto === 'object' && proto !== null && reachesNodeGetter(proto)) return nodeGetter.call(request);
  }
  return request.headers;
}
