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
 * Requests with Node's own prototype (node:http without Express) and anything else keep own
 * properties (`attachVerdict`).
 */
import { IncomingMessage } from 'node:http';
import type { ClientCertificate, ClientIdentity, Verdict } from './types.js';

interface Slot {
  readonly certificate: ClientCertificate | undefined;
  readonly identity: ClientIdentity | undefined;
}

interface Registry {
  /** What each request carries; an accepted verdict is its own slot (no allocation per request). */
  readonly slots: WeakMap<object, Slot>;
  /** Prototypes that have the accessors. */
  readonly hosts: WeakSet<object>;
}

// Shared through the global symbol registry, so two copies of certgate in one process (two
// versions in node_modules) use one store and never hide each other's values.
const REGISTRY = Symbol.for('certgate.request-slots.v1');
const store = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
const registry: Registry = (store[REGISTRY] ??= { slots: new WeakMap(), hosts: new WeakSet() });
const slots = registry.slots;

const NAMES = ['clientCertificate', 'clientIdentity'] as const;

function install(host: object): boolean {
  if (registry.hosts.has(host)) return true;
  // Never replace a property someone else defined there.
  if (NAMES.some((name) => Object.prototype.hasOwnProperty.call(host, name))) return false;
  Object.defineProperties(host, {
    clientCertificate: {
      configurable: true,
      enumerable: false,
      get(this: object): ClientCertificate | undefined {
        return slots.get(this)?.certificate;
      },
      set(this: object, certificate: ClientCertificate | undefined) {
        slots.set(this, { certificate, identity: slots.get(this)?.identity });
      },
    },
    clientIdentity: {
      configurable: true,
      enumerable: false,
      get(this: object): ClientIdentity | undefined {
        return slots.get(this)?.identity;
      },
      set(this: object, identity: ClientIdentity | undefined) {
        slots.set(this, { certificate: slots.get(this)?.certificate, identity });
      },
    },
  });
  registry.hosts.add(host);
  return true;
}

/** Per request prototype (an Express app's `app.request`): whether its chain has the accessors. */
const ready = new WeakMap<object, boolean>();

function accessorsFor(request: object): boolean {
  const proto: unknown = Object.getPrototypeOf(request);
  if (typeof proto !== 'object' || proto === null || proto === IncomingMessage.prototype) return false;
  let answer = ready.get(proto);
  if (answer === undefined) {
    // The object directly above IncomingMessage.prototype: shared by every app of that Express.
    let host: object = proto;
    for (let next: unknown = Object.getPrototypeOf(host); next !== IncomingMessage.prototype; next = Object.getPrototypeOf(host)) {
      if (typeof next !== 'object' || next === null) break;
      host = next;
    }
    answer = Object.getPrototypeOf(host) === IncomingMessage.prototype && install(host);
    ready.set(proto, answer);
  }
  return answer;
}

/**
 * Whether `request` carries `clientCertificate`/`clientIdentity` through the prototype accessors
 * (then `attachToSlots` is how to set them), rather than as own properties.
 */
export function usesRequestSlots(request: object): boolean {
  // An own property (Object.defineProperty by something upstream) would hide the accessors.
  return accessorsFor(request) && !Object.prototype.hasOwnProperty.call(request, 'clientCertificate') && !Object.prototype.hasOwnProperty.call(request, 'clientIdentity');
}

/** Sets what the accessors return for `request`: the accepted verdict's certificate and identity, or nothing. */
export function attachToSlots(request: object, verdict: Verdict): void {
  if (verdict.outcome === 'accepted') slots.set(request, verdict);
  else slots.delete(request);
}
