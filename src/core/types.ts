/**
 * Public types of the gate: options, verdicts, the certificate summary put on requests, and the
 * extension points (certificate sources, revocation, expiry and verdict hooks).
 */
import type { CertificateModel } from '../cert/types.js';
import type { ClientCertError, ClientCertErrorCode } from '../errors.js';
import type { HeaderSourceOptions } from '../sources/header.js';
import type { ClientCertificateSource, GateRequest } from '../sources/types.js';
import type { CertificateInput, Purpose } from '../verify/chain.js';
import type { IdentityInput } from '../verify/identities.js';
import type { PinInput } from '../verify/pins.js';
import type { RevocationMode, RevocationPolicy } from '../verify/revocation/policy.js';
import type { GateLogger } from './logger.js';

export type { ClientCertificateSource, GateRequest, SourceResult } from '../sources/types.js';

/** A certificate given in options: PEM text (one or several blocks), DER or PEM bytes, or a parsed certificate. */
export type { CertificateInput, Purpose } from '../verify/chain.js';

/**
 * A revocation checker (the built-in one is `createRevocationChecker`). Called after the chain is
 * validated, with the validated path (leaf first, trust anchor last).
 */
export interface RevocationChecker {
  /** A short name for logs. */
  readonly name: string;
  /** Checks the validated `path` (leaf first) at time `at`; never throws for a network failure (answer REVOCATION_UNKNOWN instead). */
  check(path: readonly CertificateModel[], at: Date): RevocationResult | Promise<RevocationResult>;
}

/** `error` set means reject with it (CERT_REVOKED, REVOCATION_UNKNOWN); `validUntil` bounds caching (ms since epoch). */
export interface RevocationResult {
  readonly error?: ClientCertError;
  readonly validUntil?: number;
}

/** Passed to `onExpiringSoon` (at most once per certificate or pin per 24 h). */
export interface ExpiringSoonEvent {
  /** 'certificate': a presented certificate that was accepted; 'pin': a configured pin's window. */
  readonly kind: 'certificate' | 'pin';
  /** Pin label, identity name or certificate subject. */
  readonly label: string;
  readonly subject: string | undefined;
  readonly serial: string | undefined;
  readonly certSha256: string | undefined;
  readonly notAfter: Date;
  readonly daysRemaining: number;
}

/** Options of `createClientCertGate` and `requireClientCert` (validated once, at construction). */
export interface ClientCertGateOptions {
  /** Trust anchors: the only source of trust. At least one. */
  readonly trustAnchors: CertificateInput | readonly CertificateInput[];
  /** Known intermediates, for path building when a client sends only its leaf (never trusted by themselves). */
  readonly intermediates?: CertificateInput | readonly CertificateInput[];
  /** Inline pins: when pins are configured (here or by `pinFile`), the leaf must match one (else PIN_MISMATCH, 403). */
  readonly pins?: readonly PinInput[];
  /** A JSON pin file (docs/pins.md), watched and hot-reloaded. Its pins add to `pins`. */
  readonly pinFile?: string;
  /** Inline identities: when identities are configured, the leaf must match one (else IDENTITY_UNKNOWN, 403). */
  readonly identities?: readonly IdentityInput[];
  /** A JSON identities file, watched and hot-reloaded. Its identities follow the inline ones. */
  readonly identitiesFile?: string;
  /** Required extended key usage of the leaf (default 'client'). */
  readonly purpose?: Purpose;
  /** Most intermediate CAs between the leaf and the trust anchor (default 8; self-issued rollover certificates do not count). */
  readonly maxDepth?: number;
  /** Tolerance for clock differences when checking validity periods (seconds, default 0, at most 86400). */
  readonly clockSkewSeconds?: number;
  /** Warn when an accepted certificate or a pin is this close to its end (days, default 30; 0 disables). */
  readonly expiryWarningDays?: number;
  /** A pino-compatible logger, or false for none. Default: JSON lines on stderr, warn level. */
  readonly logger?: GateLogger | false;
  /** The clock (for tests): returns a Date or ms since epoch. Default `Date.now`. */
  readonly now?: () => Date | number;
  /** Let requests without a certificate through (without `clientCertificate`); a bad certificate is still rejected. */
  readonly optional?: boolean;
  /** On rejection: answer with problem+json ('respond', default) or hand the ClientCertError to the framework ('next'). */
  readonly onError?: 'respond' | 'next';
  /** Cache sizes. */
  readonly cache?: {
    /** Validation results kept, keyed by the presented chain's SHA-256, and as many verdicts by source key (forwarded-header hash) (default 1000). */
    readonly chains?: number;
  };
  /** Watch `pinFile` and `identitiesFile` for changes (default true). */
  readonly watch?: boolean;
  /**
   * Where the certificate comes from: 'tls' (default: the TLS socket), a trusted proxy's header
   * (`{ header: 'nginx' | 'xfcc' | ..., trustedProxies: [...] }`, docs/proxies.md) or a custom source.
   */
  readonly source?: 'tls' | HeaderSourceOptions | ClientCertificateSource;
  /**
   * Revocation checking (docs/revocation.md): 'off' (default), a mode ('soft-fail', 'hard-fail')
   * with the default CRL and OCSP settings, a policy object, or a custom checker.
   */
  readonly revocation?: RevocationMode | RevocationPolicy | RevocationChecker;
  /** Called at most once per certificate or pin per 24 h when it is within `expiryWarningDays` of its end. */
  readonly onExpiringSoon?: (event: ExpiringSoonEvent) => void;
  /** Called for every decision (for metrics). Must be fast; exceptions are swallowed. */
  readonly onVerdict?: (verdict: Verdict, request: GateRequest | undefined) => void;
}

/** The identity a certificate mapped to. */
export interface ClientIdentity {
  readonly name: string;
  readonly roles: readonly string[];
}

/** What the gate tells the application about an accepted (or rejected but parsed) certificate. */
export interface ClientCertificate {
  /** Subject DN, RFC 4514 (sanitised for display). */
  readonly subject: string;
  /** Issuer DN, RFC 4514. */
  readonly issuer: string;
  /** Serial number, uppercase hex. */
  readonly serial: string;
  readonly emails: readonly string[];
  /** SHA-256 of the SubjectPublicKeyInfo, base64 (the pin form). */
  readonly spkiSha256: string;
  /** SHA-256 of the DER certificate, uppercase hex. */
  readonly certSha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Whole days until notAfter at the time of the verdict (negative once expired). */
  readonly daysRemaining: number;
  /** Label of the pin that matched, when pins are configured. */
  readonly pinLabel: string | undefined;
  /** Name of the identity that matched, when identities are configured. */
  readonly identity: string | undefined;
  /** The parsed leaf. */
  readonly parsed: CertificateModel;
}

interface VerdictBase {
  /** The source's name ("tls", ...). */
  readonly source: string;
}

/** A validated certificate that every configured pin/identity rule allows. */
export interface AcceptedVerdict extends VerdictBase {
  readonly ok: true;
  readonly outcome: 'accepted';
  readonly certificate: ClientCertificate;
  readonly identity: ClientIdentity | undefined;
  /** The validated path: leaf first, trust anchor last. */
  readonly path: readonly CertificateModel[];
}

/** No certificate, with `optional: true`. */
export interface AbsentVerdict extends VerdictBase {
  readonly ok: true;
  readonly outcome: 'absent';
}

/** A rejection. `certificate` is set when the leaf could be parsed. */
export interface RejectedVerdict extends VerdictBase {
  readonly ok: false;
  readonly outcome: 'rejected';
  readonly error: ClientCertError;
  readonly code: ClientCertErrorCode;
  /** The HTTP status for `code`. */
  readonly status: number;
  readonly certificate: ClientCertificate | undefined;
}

/** The gate's decision for one request: accepted, absent (with `optional`) or rejected. */
export type Verdict = AcceptedVerdict | AbsentVerdict | RejectedVerdict;
