/**
 * What adapters accept as a policy: a compiled gate, anything carrying one (the middleware and
 * handlers certgate returns), or options to compile. One place decides, so every adapter takes
 * the same inputs and says the same thing about a wrong one.
 */
import { ClientCertGate } from './gate.js';
import type { ClientCertGateOptions } from './types.js';

/** A gate, or anything carrying one (the middleware returned by `requireClientCert` / `requireUptrendsClientCert`). */
export type GateLike = ClientCertGate | { readonly gate: ClientCertGate };

/** The gate of `policy`, or undefined when it is neither a gate nor carries one. */
export function gateOf(policy: unknown): ClientCertGate | undefined {
  if (policy instanceof ClientCertGate) return policy;
  if ((typeof policy !== 'object' && typeof policy !== 'function') || policy === null) return undefined;
  const carried: unknown = (policy as { gate?: unknown }).gate;
  return carried instanceof ClientCertGate ? carried : undefined;
}

/**
 * The gate for `policy`: the given gate (owned by the caller) or one compiled from options (owned
 * by the adapter, which closes it when its host shuts down).
 *
 * @throws TypeError for bad options (see `createClientCertGate`).
 */
export function resolveGate(policy: ClientCertGateOptions | GateLike, what: string): { gate: ClientCertGate; owned: boolean } {
  const given = gateOf(policy);
  if (given !== undefined) return { gate: given, owned: false };
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    throw new TypeError(`certgate: ${what} needs client certificate options ({ trustAnchors, ... }) or a gate (createClientCertGate(), createUptrendsGate())`);
  }
  return { gate: new ClientCertGate(policy as ClientCertGateOptions), owned: true };
}
