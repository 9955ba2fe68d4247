/**
 * Where a client certificate comes from. The gate asks its source for the presented chain; the
 * TLS socket is the built-in source, proxy headers are another (issue 6). Every source yields raw
 * DER, and every chain goes through the same validation, pins and identities.
 */
import type { ClientCertError } from '../errors.js';

/** The minimal request shape the gate reads: Express, Fastify's `raw` and node:http all fit. */
export interface GateRequest {
  /** The connection; a TLSSocket for direct mTLS. */
  readonly socket?: unknown;
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Node's raw header list (name, value, name, value...): how a repeated header is told from one value. */
  readonly rawHeaders?: readonly string[];
}

/** The part of a pino-compatible logger a source uses (the gate passes its own). */
export interface SourceLogger {
  /** A warning of the source (e.g. a certificate header from a peer that is not a trusted proxy); never the header's content. */
  warn(obj: Record<string, unknown>, msg?: string): void;
}

/** What a source found. */
export type SourceResult =
  /** No certificate was presented (or the transport cannot carry one). */
  | {
      readonly kind: 'none';
      readonly reason: string;
      /** The transport cannot carry a client certificate at all (plain HTTP): a likely misconfiguration. */
      readonly notTls?: boolean;
    }
  /** A presented chain: leaf first, then whatever else was presented (untrusted candidates). */
  | {
      readonly kind: 'chain';
      readonly ders: readonly Uint8Array[];
      /**
       * An object that lives exactly as long as the authenticated connection (the TLS socket):
       * the gate keeps its verdict in a WeakMap keyed by it, so keep-alive requests reuse it.
       */
      readonly connection?: object;
      /**
       * A string identifying these exact bytes (e.g. a hash of a forwarded header): verdicts are
       * cached by it in a bounded LRU. Must change whenever the presented chain changes.
       */
      readonly cacheKey?: string;
      /** True for a resumed TLS session: the client did not resend its intermediates. */
      readonly resumed?: boolean;
      /**
       * When `ders` may leave out certificates the client sent (the TLS source reads the leaf
       * alone first): reads the whole presented chain, leaf first, at a higher cost. The gate calls
       * it only when `ders` does not validate. Must not throw.
       */
      readonly fullChain?: () => readonly Uint8Array[];
    }
  /** The source saw something it refuses (an ambiguous or oversized header, an untrusted proxy...). */
  | { readonly kind: 'error'; readonly error: ClientCertError };

/** A certificate source. `read` must not throw (the gate treats a throw as INTERNAL_ERROR). */
export interface ClientCertificateSource {
  /** A short name for logs and verdicts: "tls", "header:xfcc", ... */
  readonly name: string;
  /** The certificate chain of `request` (or why there is none); must not throw for hostile input. */
  read(request: GateRequest): SourceResult;
}
