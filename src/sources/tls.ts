/**
 * The peer chain of a TLS connection, read once per connection.
 *
 * `getPeerCertificate(true)` builds an object per certificate with its fingerprints: a chain of
 * three (with the root Node finds in the server's `ca`) measured ~3.5 times the leaf alone (~650
 * against ~200 µs per new connection). So a gate with configured intermediates, which usually
 * complete the path from the leaf alone, uses `leafFirstTlsSource()`: the leaf first
 * (`getPeerCertificate(false)`), the whole chain only when the gate asks for it (the leaf does not
 * validate with the configured intermediates). The chain is the leaf followed by whatever Node
 * links as its issuers: the intermediates the client sent and, possibly, certificates Node found
 * in the server's own `ca` store. All of them are only candidates for path building; trust comes
 * from the gate's anchors, never from `socket.authorized`. What was read is kept with the socket,
 * shared by both sources (a leaf-only result carries `fullChain`, so a gate that needs the chain
 * still gets it).
 *
 * Not `getPeerX509Certificate()`, though it costs ~10 µs: Node builds its issuer links by removing
 * certificates from OpenSSL's own peer chain, so every later `getPeerCertificate(true)` of the
 * application would see the leaf alone (seen on Node 20; the mechanism is nodejs/node#65579).
 */
import { defineHidden } from '../util/hidden-property.js';
import type { ClientCertificateSource, GateRequest, SourceResult } from './types.js';

/** More links than any real chain has; a longer one is cut (path building will say why it fails). */
const MAX_CHAIN = 10;

interface PeerCertificateLike {
  raw?: unknown;
  issuerCertificate?: unknown;
}

interface TlsSocketLike {
  getPeerCertificate(detailed: boolean): PeerCertificateLike | null | undefined;
  isSessionReused?: () => boolean;
  encrypted?: unknown;
}

function isTlsSocket(socket: unknown): socket is TlsSocketLike {
  return typeof socket === 'object' && socket !== null && typeof (socket as { getPeerCertificate?: unknown }).getPeerCertificate === 'function';
}

const NOT_TLS: SourceResult = Object.freeze({ kind: 'none', reason: 'the connection is not TLS', notTls: true });
const NO_CERT: SourceResult = Object.freeze({ kind: 'none', reason: 'the client sent no certificate' });

function isResumed(socket: TlsSocketLike): boolean {
  try {
    return socket.isSessionReused?.() === true;
  } catch {
    return false;
  }
}

/** The peer certificate object (the leaf, with its issuers linked when `detailed`), or undefined without one. */
function peerCertificate(socket: TlsSocketLike, detailed: boolean): (PeerCertificateLike & { raw: Uint8Array }) | undefined {
  let peer: PeerCertificateLike | null | undefined;
  try {
    peer = socket.getPeerCertificate(detailed);
  } catch {
    return undefined;
  }
  if (peer === null || peer === undefined || !(peer.raw instanceof Uint8Array) || peer.raw.length === 0) return undefined;
  return peer as PeerCertificateLike & { raw: Uint8Array };
}

/** The leaf alone, with `fullChain` to read the rest when the gate needs it; never throws. */
function readLeaf(socket: TlsSocketLike): SourceResult {
  const peer = peerCertificate(socket, false);
  if (peer === undefined) return NO_CERT;
  let full: readonly Uint8Array[] | undefined;
  const fullChain = (): readonly Uint8Array[] => {
    if (full === undefined) {
      const found = readPeerChain(socket);
      full = found.kind === 'chain' ? found.ders : [];
    }
    return full;
  };
  return { kind: 'chain', ders: [peer.raw], connection: socket, resumed: isResumed(socket), fullChain };
}

/** Reads the raw DER chain from a TLS socket (the leaf and every issuer Node links); never throws. */
export function readPeerChain(socket: unknown): SourceResult {
  if (!isTlsSocket(socket)) return NOT_TLS;
  const peer = peerCertificate(socket, true);
  if (peer === undefined) return NO_CERT;
  const ders: Uint8Array[] = [];
  const seen = new Set<unknown>();
  let current: PeerCertificateLike | undefined = peer;
  while (current !== undefined && !seen.has(current) && ders.length < MAX_CHAIN) {
    seen.add(current);
    if (!(current.raw instanceof Uint8Array) || current.raw.length === 0) break;
    ders.push(current.raw);
    const next: unknown = current.issuerCertificate;
    current = typeof next === 'object' && next !== null ? (next as PeerCertificateLike) : undefined;
  }
  return { kind: 'chain', ders, connection: socket, resumed: isResumed(socket) };
}

/**
 * The chain read from a socket, kept on the socket under a symbol (a cached property load: every
 * TLS socket shares one hidden class) or, for a socket that takes no property, in a WeakMap. Both
 * are shared by every gate of this copy of certgate, so that several gates on one connection (an
 * app-wide gate and a route-level one) still read the peer chain once.
 */
const PEER_CHAIN = Symbol('certgate.peerChain');
const peerChains = new WeakMap<object, SourceResult>();

type SocketObject = object & { [PEER_CHAIN]?: SourceResult };

function remember(socket: SocketObject, result: SourceResult): void {
  if (!defineHidden(socket, PEER_CHAIN, result)) peerChains.set(socket, result);
}

function tlsRead(leafFirst: boolean): (request: GateRequest) => SourceResult {
  return (request) => {
    const socket = request.socket as SocketObject | null | undefined;
    if (typeof socket !== 'object' || socket === null) return NOT_TLS;
    const hit = socket[PEER_CHAIN] ?? peerChains.get(socket);
    if (hit !== undefined) return hit;
    const result = !isTlsSocket(socket) ? NOT_TLS : leafFirst ? readLeaf(socket) : readPeerChain(socket);
    // Only a TLS socket's chain is fixed for its lifetime (renegotiation is disabled by the
    // server helpers; if it is not, a changed certificate keeps the first verdict: fail closed
    // for a bad first certificate, and the client already proved the first key).
    if (result !== NOT_TLS) remember(socket, result);
    return result;
  };
}

const TLS_SOURCE: ClientCertificateSource = Object.freeze({ name: 'tls', read: tlsRead(false) });
const TLS_LEAF_FIRST_SOURCE: ClientCertificateSource = Object.freeze({ name: 'tls', read: tlsRead(true) });

/** The direct-TLS source: the peer chain of `request.socket`, read once per socket. */
export function tlsSource(): ClientCertificateSource {
  return TLS_SOURCE;
}

/**
 * The direct-TLS source reading the leaf alone first, with the rest on demand (`fullChain`): what
 * a gate with configured intermediates uses in place of `tlsSource()`. Internal.
 */
export function leafFirstTlsSource(): ClientCertificateSource {
  return TLS_LEAF_FIRST_SOURCE;
}

/** Whether `source` is one of the direct-TLS sources (whose chain result is keyed by `request.socket`). Internal. */
export function isTlsSource(source: ClientCertificateSource): boolean {
  return source === TLS_SOURCE || source === TLS_LEAF_FIRST_SOURCE;
}
