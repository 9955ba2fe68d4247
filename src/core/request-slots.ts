/**
 * Attaching a verdict to an Express request without adding properties to the request object.
 *
 * Express swaps every request's prototype (`Object.setPrototypeOf(req, app.request)`), which gives
 * each request object a V8 hidden class of its own, so every property added to one copies that
 * class: measured at ~6 µs of server CPU per added property per request, end to end, about 2.4% of
 * a keep-alive request on the header path (docs/performance.md). Instead, the first time such a
 * request comes by, `clientCertificate` and `clientIdentity` become accessors on the prototype
 * directly above `IncomingMessage.prototype` (Express's `express.request`, which every app's and
 * sub-app's request prototype inherits from), reading a WeakMap keyed by the request. Reading and
 * assigning `req.clientCertificate` work as before; it is only not an own property.
 *
 * Requests built by `RequestWithClientCert` (the request class the server helpers install) keep
 * their value in a box made with the request instead of the WeakMap: cheaper still.
 *
 * Requests with Node's own prototype (node:http without Express) and anything else keep own
 * properties (`attachVerdict`).
 */
import { IncomingMessage } from 'node:http';
import { prototypeMemo } from '../util/prototype-memo.js';
import type { ClientCertificate, ClientIdentity, Verdict } from './types.js';

interface Slot {
  readonly certificate: ClientCertificate | undefined;
  readonly identity: ClientIdentity | undefined;
}

/**
 * A request's slot when it was built by a `RequestWithClientCert` class: a box with a stable
 * shape. Its shape is part of what copies of certgate share.
 */
interface Box {
  value: Slot | undefined;
}

interface Registry {
  /** What each request carries; an accepted verdict is its own slot (no allocation per request). */
  readonly slots: WeakMap<object, Slot>;
  /** Prototypes that have the accessors. */
  readonly hosts: WeakSet<object>;
  /** One reader per copy's `RequestWithClientCert` (private fields are per class). */
  boxReaders?: Array<(request: object) => Box | undefined>;
}

// Shared through the global symbol registry, so two copies of certgate in one process (two
// versions in node_modules) use one store and never hide each other's values.
const REGISTRY = Symbol.for('certgate.request-slots.v1');
const store = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
const registry: Registry = (store[REGISTRY] ??= { slots: new WeakMap(), hosts: new WeakSet() });
const slots = registry.slots;
const boxReaders = (registry.boxReaders ??= []);

const NAMES = ['clientCertificate', 'clientIdentity'] as const;

function slotOf(request: object): Slot | undefined {
  const box = boxOf(request);
  return box !== undefined ? box.value : slots.get(request);
}

function setSlot(request: object, slot: Slot): void {
  const box = boxOf(request);
  if (box !== undefined) box.value = slot;
  else slots.set(request, slot);
}

function install(host: object): boolean {
  if (registry.hosts.has(host)) return true;
  // Never replace a property someone else defined there.
  if (NAMES.some((name) => Object.prototype.hasOwnProperty.call(host, name))) return false;
  Object.defineProperties(host, {
    clientCertificate: {
      configurable: true,
      enumerable: false,
      get(this: object): ClientCertificate | undefined {
        return slotOf(this)?.certificate;
      },
      set(this: object, certificate: ClientCertificate | undefined) {
        setSlot(this, { certificate, identity: slotOf(this)?.identity });
      },
    },
    clientIdentity: {
      configurable: true,
      enumerable: false,
      get(this: object): ClientIdentity | undefined {
        return slotOf(this)?.identity;
      },
      set(this: object, identity: ClientIdentity | undefined) {
        setSlot(this, { certificate: slotOf(this)?.certificate, identity });
      },
    },
  });
  registry.hosts.add(host);
  return true;
}

/** Per request prototype (an Express app's `app.request`): whether its chain has the accessors. */
const hasAccessors = prototypeMemo('certgate.requestAccessors', (proto) => {
  // The object directly above IncomingMessage.prototype: shared by every app of that Express.
  let host: object = proto;
  for (let next: unknown = Object.getPrototypeOf(host); next !== IncomingMessage.prototype; next = Object.getPrototypeOf(host)) {
    if (typeof next !== 'object' || next === null) break;
    host = next;
  }
  return Object.getPrototypeOf(host) === IncomingMessage.prototype && install(host);
});

function accessorsFor(request: object): boolean {
  const proto: unknown = Object.getPrototypeOf(request);
  if (typeof proto !== 'object' || proto === null || proto === IncomingMessage.prototype) return false;
  return hasAccessors(proto);
}

/**
 * node:http's request class with a private box for `clientCertificate` and `clientIdentity`,
 * made in the constructor. `mtlsServerOptions()` installs it as the server's `IncomingMessage`.
 *
 * Why: on Express every request has a hidden class of its own, so the first access to each
 * property of a request misses V8's caches (~0.5 µs), and storing one costs ~2-3 µs whether it is
 * new or not; a WeakMap entry ~2 µs. The box is made while the request still has Node's shared
 * hidden class, so the middleware pays one lookup on the request and then writes to the box.
 * Private fields are own properties: Express's prototype swap keeps them. The accessors are the
 * same as for any Express request (above).
 */
export class RequestWithClientCert extends IncomingMessage {
  readonly #box: Box = { value: undefined };

  static {
    // The way to the box from outside the class, for every copy of certgate in the process.
    boxReaders.push((request) => (#box in request ? (request as RequestWithClientCert).#box : undefined));
  }
}

/** The box of a request built by any copy's `RequestWithClientCert` (undefined for any other object). */
export function boxOf(request: object): Box | undefined {
  for (let i = 0; i < boxReaders.length; i++) {
    const box = (boxReaders[i] as (request: object) => Box | undefined)(request);
    if (box !== undefined) return box;
  }
  return undefined;
}

/**
 * Whether `request` carries `clientCertificate`/`clientIdentity` through the prototype accessors
 * (then `attachToSlots` is how to set them), rather than as own properties.
 */
export function usesRequestSlots(request: object): boolean {
  // An own property (Object.defineProperty by something upstream) would hide the accessors.
  return !Object.prototype.hasOwnProperty.call(request, 'clientCertificate') && !Object.prototype.hasOwnProperty.call(request, 'clientIdentity') && accessorsFor(request);
}

/** Sets what the accessors return for `request`: the accepted verdict's certificate and identity, or nothing. */
export function attachToSlots(request: object, verdict: Verdict): void {
  const box = boxOf(request);
  if (box !== undefined) box.value = verdict.outcome === 'accepted' ? verdict : undefined;
  else if (verdict.outcome === 'accepted') slots.set(request, verdict);
  else slots.delete(request);
}
