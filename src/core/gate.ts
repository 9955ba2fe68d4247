/**
 * The framework-free gate: options compiled once, then one entry per request that reads the
 * presented chain from the configured source, validates it, applies pins and identities, and
 * returns a verdict. It never throws: an unexpected failure is an INTERNAL_ERROR verdict (fail
 * closed), logged.
 *
 * Caching (every cache bounded or tied to a connection's lifetime):
 * - per connection (WeakMap on the TLS socket): keep-alive requests reuse the verdict;
 * - per source cache key (LRU, `cache.chains` entries): for sources that identify a chain by a header hash;
 * - per presented chain (LRU by the certificates' SHA-256): validation results across connections.
 * A cached entry is used only inside the time interval in which nothing it depends on can change:
 * no certificate in the chain or the policy, no pin or identity window, no "days remaining" value
 * crosses a boundary inside it, and the pin/identity configuration generation is the same.
 */
import type { CertificateModel } from '../cert/types.js';
import { parseCertificate } from '../cert/parse.js';
import { ClientCertError, ERROR_CODES, isClientCertError } from '../errors.js';
import { isTlsSource, leafFirstTlsSource, tlsSource } from '../sources/tls.js';
import type { ClientCertificateSource, GateRequest, SourceResult } from '../sources/types.js';
import { defineHidden } from '../util/hidden-property.js';
import { Lru } from '../util/lru.js';
import { WatchedFile } from '../util/watched-file.js';
import { IdentitySet, parseIdentitiesFile, type Identity } from '../verify/identities.js';
import { daysRemaining as pinDaysRemaining, parsePinFile, PinSet, windowStatus, type Pin } from '../verify/pins.js';
import { safeLog, safeText, type GateLogger } from './logger.js';
import { certificatesOption, compileOptions, type CompiledOptions } from './options.js';
import type {
  AbsentVerdict,
  AcceptedVerdict,
  CertificateInput,
  ClientCertGateOptions,
  ClientCertificate,
  ClientIdentity,
  RejectedVerdict,
  RevocationChecker,
  RevocationResult,
  Verdict,
} from './types.js';
import { RevocationService } from '../verify/revocation/checker.js';
import { createPathValidator, type ChainValidation, type ChainValidator, type ChainValidatorFactory } from './validator.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const EXPIRY_WARNING_INTERVAL = DAY;
/** How many learned intermediates and warned certificates are remembered (small entries). */
const AUX_CACHE_SIZE = 10_000;
/** Most presented certificates remembered per leaf for resumed sessions. */
const MAX_LEARNED = 16;

/** [from, until) in ms; empty (from === until) means "do not cache". */
interface Interval {
  readonly from: number;
  readonly until: number;
}

/**
 * The largest interval around `now` in which no boundary (each widened by `slack` ms on both
 * sides) lies. When `now` is itself within `slack` of a boundary the interval is empty: results
 * computed there are not cached, so an inclusive/exclusive subtlety can never be cached wrongly.
 */
function intervalAround(now: number, boundaries: Iterable<number>, slack: number, base: Interval = { from: -Infinity, until: Infinity }): Interval {
  let { from, until } = base;
  for (const b of boundaries) {
    const lo = b - slack;
    const hi = b + slack;
    if (now >= lo && now < hi) return { from: now, until: now };
    if (hi <= now) {
      if (hi > from) from = hi;
    } else if (lo < until) {
      until = lo;
    }
  }
  return { from, until };
}

function intersect(a: Interval, b: Interval): Interval {
  const from = Math.max(a.from, b.from);
  const until = Math.min(a.until, b.until);
  return until > from ? { from, until } : { from, until: from };
}

function certificateBoundaries(certs: Iterable<CertificateModel>): number[] {
  const out: number[] = [];
  for (const c of certs) out.push(c.notBefore.getTime(), c.notAfter.getTime() + 1000);
  return out;
}

/** A computed verdict with what is needed to reuse and to log it. */
interface VerdictRecord {
  readonly verdict: Verdict;
  readonly generation: number;
  readonly interval: Interval;
  /** Extra, non-client-facing log fields (expired pins, configuration hints). */
  readonly logFields: Readonly<Record<string, unknown>> | undefined;
  /** Log level for the rejection. */
  readonly level: 'warn' | 'error';
}

interface ValidationRecord {
  readonly result: ChainValidation;
  readonly interval: Interval;
}

/** Identifies a pin's expiry for "logged once": its label and end. */
function expiredKey(pin: Pin): string {
  return `${pin.label}\u0000${pin.notAfter?.getTime() ?? ''}`;
}

/** Escapes and bounds a certificate-derived string for logs. */
function logName(value: string): string {
  return safeText(value, 256);
}

function remoteAddressOf(request: GateRequest | undefined): string | undefined {
  const socket = request?.socket as { remoteAddress?: unknown } | undefined;
  return typeof socket?.remoteAddress === 'string' ? socket.remoteAddress : undefined;
}

function summarize(leaf: CertificateModel, at: number, pinLabel: string | undefined, identity: string | undefined): ClientCertificate {
  return Object.freeze({
    subject: leaf.subject.toString(),
    issuer: leaf.issuer.toString(),
    serial: leaf.serialNumber,
    emails: Object.freeze([...leaf.emails]),
    spkiSha256: leaf.spkiSha256Base64,
    certSha256: leaf.sha256,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    daysRemaining: Math.floor((leaf.notAfter.getTime() - at) / DAY),
    pinLabel,
    identity,
    parsed: leaf,
  });
}

function rejected(error: ClientCertError, source: string, certificate: ClientCertificate | undefined): RejectedVerdict {
  return Object.freeze({
    ok: false,
    outcome: 'rejected',
    error,
    code: error.code,
    status: ERROR_CODES[error.code].status,
    certificate,
    source,
  });
}

/**
 * Where the first gate to cache a verdict on a connection keeps it: a property of the connection
 * object (a TLS socket, whose hidden class every socket shares, so the read is a cached load).
 * Other gates on the same connection, and connection objects that take no property, use the
 * gate's WeakMap. Why not only the WeakMap: with the peer chain's, two WeakMap lookups per
 * keep-alive request measured ~1 µs under load (docs/performance.md).
 */
const CONNECTION_VERDICT = Symbol('certgate.connectionVerdict');

interface ConnectionEntry {
  readonly gate: object;
  record: VerdictRecord;
}

type ConnectionObject = object & { [CONNECTION_VERDICT]?: ConnectionEntry };

/** Internal seams for tests; not part of the public API. */
export interface GateInternals {
  readonly validatorFactory?: ChainValidatorFactory;
}

/**
 * A compiled client-certificate policy and its caches. Create with `createClientCertGate()`.
 */
export class ClientCertGate {
  /** The compiled options (frozen). */
  readonly options: CompiledOptions;
  readonly #validator: ChainValidator;
  readonly #revocation: RevocationChecker | undefined;
  readonly #source: ClientCertificateSource;
  /** The source is a TLS one: its verdicts are kept on `request.socket` (see evaluate). */
  readonly #bySocket: boolean;
  readonly #logger: GateLogger;
  readonly #now: () => number;
  readonly #policyBoundaries: readonly number[];
  readonly #pinFile: WatchedFile<Pin[]> | undefined;
  readonly #identitiesFile: WatchedFile<Identity[]> | undefined;
  #pins: PinSet;
  #identities: IdentitySet;
  #generation = 0;
  readonly #byConnection = new WeakMap<object, VerdictRecord>();
  // Verdicts by source key hold a parsed leaf each (~15 KB): as many as validation results
  // (cache.chains), so 100 000 distinct forwarded certificates cannot grow memory past that.
  readonly #byKey: Lru<string, VerdictRecord>;
  readonly #validations: Lru<string, ValidationRecord>;
  readonly #learned = new Lru<string, readonly CertificateModel[]>(AUX_CACHE_SIZE);
  readonly #lastWarned = new Lru<string, number>(AUX_CACHE_SIZE);
  #nextPinSweep = -Infinity;
  /** Pins (label and end) whose expiry has been logged as an error, so it is logged once. */
  readonly #reportedExpired = new Set<string>();
  #warnedNotTls = false;

  /**
   * @throws TypeError for a bad option; ClientCertError CONFIG_INVALID when a pin or identities
   *   file cannot be loaded.
   */
  constructor(options: ClientCertGateOptions, internals: GateInternals = {}) {
    this.options = compileOptions(options);
    const o = this.options;
    this.#logger = o.logger;
    this.#now = o.now;
    // With intermediates configured, the leaf alone usually completes a path: read it alone first
    // (the whole chain costs ~3.5 times as much per new connection; sources/tls.ts).
    this.#source = o.source === tlsSource() && o.intermediates.length > 0 ? leafFirstTlsSource() : o.source;
    this.#bySocket = isTlsSource(this.#source);
    const factory = internals.validatorFactory ?? createPathValidator;
    this.#validator = factory({
      trustAnchors: o.trustAnchors,
      intermediates: o.intermediates,
      purpose: o.purpose,
      maxDepth: o.maxDepth,
      clockSkewSeconds: o.clockSkewSeconds,
    });
    this.#validations = new Lru(o.chainCacheSize);
    this.#byKey = new Lru(o.chainCacheSize);
    // Reads any CRL files now: an unreadable one is CONFIG_INVALID, like an unreadable pin file.
    this.#revocation = o.revocation ?? (o.revocationPolicy === undefined ? undefined : new RevocationService(o.revocationPolicy, { logger: o.logger }));
    this.#policyBoundaries = Object.freeze(certificateBoundaries([...o.trustAnchors, ...o.intermediates]));

    this.#pinFile = o.pinFile === undefined ? undefined : this.#watch(o.pinFile, 'pin file', (text) => parsePinFile(text, o.pinFile as string), () => this.#rebuildPins(true));
    try {
      this.#identitiesFile =
        o.identitiesFile === undefined
          ? undefined
          : this.#watch(o.identitiesFile, 'identities file', (text) => parseIdentitiesFile(text, o.identitiesFile as string), () => this.#rebuildIdentities(true));
    } catch (error) {
      this.#pinFile?.close();
      throw error;
    }
    this.#pins = new PinSet([...o.pins, ...(this.#pinFile?.value ?? [])]);
    this.#identities = new IdentitySet([...o.identities, ...(this.#identitiesFile?.value ?? [])]);
    this.#reportPins(this.#now());
  }

  /** The pins in force (inline, then from the pin file). */
  get pins(): readonly Pin[] {
    return this.#pins.pins;
  }

  /** The identities in force (inline, then from the identities file). */
  get identities(): readonly Identity[] {
    return this.#identities.identities;
  }

  /** The revocation checker in force (built from the `revocation` policy, or the one given), if any. */
  get revocation(): RevocationChecker | undefined {
    return this.#revocation;
  }

  /** Incremented whenever the pins or identities in force change. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The verdict for a request. Synchronous when nothing asynchronous (revocation) is involved, so
   * adapters can avoid a microtask; otherwise a promise. Never throws, never rejects.
   */
  evaluate(request: GateRequest): Verdict | Promise<Verdict> {
    let sourceName = 'unknown';
    try {
      if (this.#bySocket) {
        // A later request on a connection this gate judged: the verdict kept on the socket, on the
        // conditions #cached checks, without asking the source (~0.4 µs less per keep-alive request).
        const kept = this.#keptOnSocket(request);
        if (kept !== undefined) return this.#finish(kept, request);
      }
      sourceName = this.#source.name;
      const now = this.#now();
      // Pin windows are checked at most hourly, on any request (accepted or not).
      if (now >= this.#nextPinSweep) this.#sweepPinExpiry(now);
      const found: SourceResult = this.#source.read(request);
      if (found.kind === 'none') {
        if (found.notTls === true && !this.#warnedNotTls) {
          this.#warnedNotTls = true;
          safeLog(
            this.#logger,
            'warn',
            { event: 'certgate.not_tls', source: sourceName },
            'a request arrived over a connection that is not TLS, so it cannot carry a client certificate: serve with https and mtlsServerOptions(), or read the certificate from a trusted proxy (source option); logged once',
          );
        }
        return this.#finish(this.#absent(found.reason, sourceName, now), request);
      }
      if (found.kind === 'error') {
        return this.#finish({ verdict: rejected(found.error, sourceName, undefined), generation: this.#generation, interval: { from: now, until: now }, logFields: undefined, level: 'warn' }, request);
      }
      const cached = this.#cached(found, now);
      if (cached !== undefined) return this.#finish(cached, request);
      const computed = this.#decide(found.ders, now, sourceName, found.resumed === true, found.fullChain);
      if (computed instanceof Promise) {
        return computed.then(
          (record) => this.#finish(this.#store(found, record), request),
          (error: unknown) => this.#finish(this.#internalError(error, sourceName), request),
        );
      }
      return this.#finish(this.#store(found, computed), request);
    } catch (error) {
      return this.#finish(this.#internalError(error, sourceName), request);
    }
  }

  /** `evaluate` as a promise. */
  check(request: GateRequest): Promise<Verdict> {
    return Promise.resolve(this.evaluate(request));
  }

  /**
   * The verdict for a chain given directly (no request, no source): leaf first, then any
   * intermediates. `at` overrides the clock. Rejections are logged like request rejections.
   */
  async checkCertificates(chain: CertificateInput | readonly CertificateInput[], options: { at?: Date } = {}): Promise<Verdict> {
    try {
      const items = Array.isArray(chain) ? chain : [chain];
      const ders: Uint8Array[] = [];
      for (const item of items as readonly CertificateInput[]) {
        if (typeof item === 'string' || item instanceof Uint8Array) {
          try {
            for (const cert of certificatesOption('chain', item, true)) ders.push(cert.der);
          } catch (error) {
            const cause = error instanceof Error && isClientCertError(error.cause) ? error.cause : error;
            throw isClientCertError(cause) ? cause : new ClientCertError('CERT_MALFORMED', error instanceof Error ? error.message : String(error));
          }
        } else {
          ders.push(item.der);
        }
      }
      const now = options.at?.getTime() ?? this.#now();
      if (ders.length === 0) return this.#finish(this.#absent('no certificate given', 'direct', now), undefined);
      const record = await this.#decide(ders, now, 'direct', false);
      return this.#finish(record, undefined);
    } catch (error) {
      if (isClientCertError(error)) {
        return this.#finish({ verdict: rejected(error, 'direct', undefined), generation: this.#generation, interval: { from: 0, until: 0 }, logFields: undefined, level: 'warn' }, undefined);
      }
      return this.#finish(this.#internalError(error, 'direct'), undefined);
    }
  }

  /** Re-reads the pin and identities files now (they are also watched unless `watch: false`). */
  async reload(): Promise<void> {
    await Promise.all([this.#pinFile?.reload(), this.#identitiesFile?.reload()]);
  }

  /** Stops watching files. The gate keeps working with the configuration in force. */
  close(): void {
    this.#pinFile?.close();
    this.#identitiesFile?.close();
  }

  // --- configuration ---------------------------------------------------------------------------

  #watch<T>(path: string, what: string, parse: (text: string) => T, onUpdate: () => void): WatchedFile<T> {
    try {
      return new WatchedFile<T>({
        path,
        parse,
        watch: this.options.watch,
        onUpdate,
        onError: (error) => {
          const reason = isClientCertError(error) ? error.message : safeText(error.message, 500);
          safeLog(this.#logger, 'error', { event: 'certgate.config_invalid', code: 'CONFIG_INVALID', file: path, reason }, `${what} ${path} could not be reloaded; the previous configuration stays in force: ${reason}`);
        },
      });
    } catch (error) {
      if (isClientCertError(error)) throw error;
      throw new ClientCertError('CONFIG_INVALID', `${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  #rebuildPins(log: boolean): void {
    this.#pins = new PinSet([...this.options.pins, ...(this.#pinFile?.value ?? [])]);
    this.#generation += 1;
    if (log) {
      safeLog(this.#logger, 'info', { event: 'certgate.pins_reloaded', file: this.options.pinFile, pins: this.#pins.size }, `pin file reloaded: ${this.#pins.size} pins in force`);
      this.#nextPinSweep = -Infinity;
      this.#reportPins(this.#now());
    }
  }

  #rebuildIdentities(log: boolean): void {
    this.#identities = new IdentitySet([...this.options.identities, ...(this.#identitiesFile?.value ?? [])]);
    this.#generation += 1;
    if (log) {
      safeLog(this.#logger, 'info', { event: 'certgate.identities_reloaded', file: this.options.identitiesFile, identities: this.#identities.size }, `identities file reloaded: ${this.#identities.size} identities in force`);
    }
  }

  /** Errors for expired pins, a warning for pins about to expire (once per 24 h each). */
  #reportPins(now: number): void {
    if (!this.options.pinsConfigured) return;
    if (this.#pins.size === 0) {
      safeLog(this.#logger, 'error', { event: 'certgate.no_pins', file: this.options.pinFile }, 'no pins are configured: every client certificate will be rejected (PIN_MISMATCH)');
      return;
    }
    const expired = this.#pins.expiredAt(now);
    for (const pin of expired) {
      this.#logPinExpired(pin);
    }
    if (expired.length === this.#pins.size) {
      safeLog(this.#logger, 'error', { event: 'certgate.all_pins_expired', pins: this.#pins.size }, 'every configured pin has expired: every client certificate will be rejected until the pins are updated (certgate pins update)');
    }
    this.#sweepPinExpiry(now);
  }

  #logPinExpired(pin: Pin): void {
    this.#reportedExpired.add(expiredKey(pin));
    safeLog(
      this.#logger,
      'error',
      { event: 'certgate.pin_expired', pin: pin.label, notAfter: pin.notAfter?.toISOString() },
      `pin "${pin.label}" expired on ${pin.notAfter?.toISOString() ?? '?'} and will never match; update the pins (certgate pins update)`,
    );
  }

  #sweepPinExpiry(now: number): void {
    this.#nextPinSweep = now + HOUR;
    // A pin that expires while the server runs is as loud as one found expired at startup, once.
    for (const pin of this.#pins.expiredAt(now)) {
      if (!this.#reportedExpired.has(expiredKey(pin))) this.#logPinExpired(pin);
    }
    const window = this.options.expiryWarningDays;
    if (window <= 0) return;
    for (const pin of this.#pins.pins) {
      if (pin.notAfter === undefined || windowStatus(pin, now) !== 'active') continue;
      const days = pinDaysRemaining(pin, now) as number;
      if (days >= window) continue;
      this.#warnExpiring(`pin:${pin.label}:${pin.notAfter.getTime()}`, now, {
        kind: 'pin',
        label: pin.label,
        subject: pin.certificate?.subject.toString(),
        serial: pin.serial ?? pin.certificate?.serialNumber,
        certSha256: pin.certSha256,
        notAfter: pin.notAfter,
        daysRemaining: days,
      });
    }
  }

  #warnExpiring(key: string, now: number, event: Parameters<NonNullable<CompiledOptions['onExpiringSoon']>>[0]): void {
    const last = this.#lastWarned.get(key);
    if (last !== undefined && now - last < EXPIRY_WARNING_INTERVAL && now >= last) return;
    this.#lastWarned.set(key, now);
    safeLog(
      this.#logger,
      'warn',
      {
        event: 'certgate.expiring_soon',
        kind: event.kind,
        label: logName(event.label),
        subject: event.subject === undefined ? undefined : logName(event.subject),
        serial: event.serial,
        certSha256: event.certSha256,
        notAfter: event.notAfter.toISOString(),
        daysRemaining: event.daysRemaining,
      },
      `${event.kind === 'pin' ? 'pin' : 'client certificate'} "${logName(event.label)}" expires in ${event.daysRemaining} days (${event.notAfter.toISOString()})`,
    );
    try {
      this.options.onExpiringSoon?.(event);
    } catch {
      // A failing hook must not affect the verdict.
    }
  }

  // --- decisions -------------------------------------------------------------------------------

  #absent(reason: string, source: string, now: number): VerdictRecord {
    if (this.options.optional) {
      const verdict: AbsentVerdict = Object.freeze({ ok: true, outcome: 'absent', source });
      return { verdict, generation: this.#generation, interval: { from: now, until: now }, logFields: undefined, level: 'warn' };
    }
    const error = new ClientCertError('CERT_MISSING', `expected a client certificate, found none (${reason})`);
    return { verdict: rejected(error, source, undefined), generation: this.#generation, interval: { from: now, until: now }, logFields: undefined, level: 'warn' };
  }

  /** The verdict this gate kept for `request.socket` (the TLS sources' `connection`), if it holds now and no pin sweep is due. */
  #keptOnSocket(request: GateRequest): VerdictRecord | undefined {
    const socket: unknown = request.socket;
    if (typeof socket !== 'object' || socket === null) return undefined;
    const record = this.#connectionRecord(socket);
    if (record === undefined) return undefined;
    const now = this.#now();
    // When the hourly pin sweep is due, the full path runs it.
    return now < this.#nextPinSweep && this.#holds(record, now) ? record : undefined;
  }

  #cached(found: Extract<SourceResult, { kind: 'chain' }>, now: number): VerdictRecord | undefined {
    const record = found.connection !== undefined ? this.#connectionRecord(found.connection) : found.cacheKey !== undefined ? this.#byKey.get(found.cacheKey, now) : undefined;
    return record !== undefined && this.#holds(record, now) ? record : undefined;
  }

  /** Whether a cached verdict still holds at `now`: the pins and identities it saw are in force, and `now` is inside its interval. */
  #holds(record: VerdictRecord, now: number): boolean {
    return record.generation === this.#generation && now >= record.interval.from && now < record.interval.until;
  }

  #store(found: Extract<SourceResult, { kind: 'chain' }>, record: VerdictRecord): VerdictRecord {
    if (record.interval.until > record.interval.from) {
      if (found.connection !== undefined) this.#storeConnectionRecord(found.connection, record);
      else if (found.cacheKey !== undefined) this.#byKey.set(found.cacheKey, record, record.interval.until);
    }
    return record;
  }

  #internalError(error: unknown, source: string): VerdictRecord {
    safeLog(
      this.#logger,
      'error',
      { event: 'certgate.internal_error', code: 'INTERNAL_ERROR', source, err: { message: safeText(error instanceof Error ? error.message : String(error), 500), stack: error instanceof Error ? error.stack : undefined } },
      'client certificate check failed unexpectedly; request rejected (fail closed)',
    );
    const now = Date.now();
    return {
      verdict: rejected(new ClientCertError('INTERNAL_ERROR', 'the client certificate could not be checked', { cause: error }), source, undefined),
      generation: this.#generation,
      interval: { from: now, until: now },
      logFields: undefined,
      level: 'error',
    };
  }

  /** Validates, applies revocation, pins and identities. Synchronous unless revocation is asynchronous. */
  #decide(ders: readonly Uint8Array[], now: number, source: string, resumed: boolean, fullChain?: () => readonly Uint8Array[]): VerdictRecord | Promise<VerdictRecord> {
    const generation = this.#generation;
    const leafDer = ders[0];
    if (leafDer === undefined) return this.#absent('empty chain', source, now);
    let leaf: CertificateModel;
    try {
      leaf = parseCertificate(leafDer);
    } catch (error) {
      const err = isClientCertError(error) ? error : new ClientCertError('CERT_MALFORMED', 'the client certificate could not be parsed', { cause: error });
      // The same bytes stay malformed forever: cache for the connection's lifetime.
      return { verdict: rejected(err, source, undefined), generation, interval: { from: -Infinity, until: Infinity }, logFields: undefined, level: 'warn' };
    }
    const candidates: CertificateModel[] = [];
    const seen = new Set<string>([leaf.sha256]);
    const add = (cert: CertificateModel): void => {
      if (!seen.has(cert.sha256)) {
        seen.add(cert.sha256);
        candidates.push(cert);
      }
    };
    const addAll = (list: readonly Uint8Array[]): void => {
      for (const der of list) {
        try {
          add(parseCertificate(der));
        } catch {
          // An unparseable extra certificate cannot add trust: path building simply goes without it.
        }
      }
    };
    addAll(ders.slice(1));
    if (resumed) {
      // A resumed TLS session carries only the leaf; the intermediates of the path validated on
      // the full handshake are reused as (untrusted) candidates so the verdict stays the same.
      for (const cert of this.#learned.get(leaf.sha256) ?? []) add(cert);
    }

    let validation = this.#validate(leaf, candidates, now);
    if (!validation.result.ok && fullChain !== undefined) {
      // The source read part of what was presented; the rest may hold the missing intermediate.
      const known = candidates.length;
      addAll(fullChain());
      if (candidates.length > known) validation = this.#validate(leaf, candidates, now);
    }
    const base = validation.interval;
    if (!validation.result.ok) {
      // Remember what a full handshake presented, so that a resumed session of the same leaf
      // (which carries the leaf alone) gets the same verdict and code, not CHAIN_UNTRUSTED.
      if (!resumed && candidates.length > 0) this.#learned.set(leaf.sha256, candidates.slice(0, MAX_LEARNED));
      return { verdict: rejected(validation.result.error, source, summarize(leaf, now, undefined, undefined)), generation, interval: base, logFields: undefined, level: 'warn' };
    }
    const path = validation.result.path;
    this.#learned.set(leaf.sha256, path.slice(1, -1));

    const revocation = this.#revocation;
    if (revocation !== undefined) {
      const outcome = revocation.check(path, new Date(now));
      if (outcome instanceof Promise) {
        return outcome.then((r) => this.#authorize(leaf, path, now, source, generation, this.#revocationInterval(base, r, now), r));
      }
      return this.#authorize(leaf, path, now, source, generation, this.#revocationInterval(base, outcome, now), outcome);
    }
    return this.#authorize(leaf, path, now, source, generation, base, undefined);
  }

  #revocationInterval(base: Interval, result: RevocationResult, now: number): Interval {
    const until = result.validUntil;
    return until === undefined ? { from: now, until: now } : intersect(base, { from: -Infinity, until });
  }

  #validate(leaf: CertificateModel, candidates: readonly CertificateModel[], now: number): ValidationRecord {
    let key = leaf.sha256;
    for (const c of candidates) key += `|${c.sha256}`;
    const hit = this.#validations.get(key, now);
    if (hit !== undefined && now >= hit.interval.from && now < hit.interval.until) return hit;
    const result = this.#validator.validate(leaf, candidates, new Date(now));
    const slack = this.options.clockSkewSeconds * 1000 + 1000;
    const interval = intervalAround(now, [...certificateBoundaries([leaf, ...candidates]), ...this.#policyBoundaries], slack);
    const record: ValidationRecord = { result, interval };
    if (interval.until > interval.from) this.#validations.set(key, record, interval.until);
    return record;
  }

  #authorize(
    leaf: CertificateModel,
    path: readonly CertificateModel[],
    now: number,
    source: string,
    generation: number,
    base: Interval,
    revocation: RevocationResult | undefined,
  ): VerdictRecord {
    if (revocation?.error !== undefined) {
      return { verdict: rejected(revocation.error, source, summarize(leaf, now, undefined, undefined)), generation, interval: base, logFields: undefined, level: 'warn' };
    }
    let interval = base;
    let pinLabel: string | undefined;
    const logFields: Record<string, unknown> = {};
    if (this.options.pinsConfigured) {
      interval = intervalAround(now, this.#pins.boundaries, 1, interval);
      const result = this.#pins.match(leaf, now);
      if (result.matched === undefined) {
        if (result.hints.length > 0) logFields['hints'] = result.hints;
        if (result.notYetValid.length > 0) logFields['notYetValidPins'] = result.notYetValid.map((p) => p.label);
        let level: 'warn' | 'error' = 'warn';
        let message = 'the certificate is valid but is not one of the pinned certificates';
        if (result.expired.length > 0) {
          level = 'error';
          logFields['expiredPins'] = result.expired.map((p) => ({ label: p.label, notAfter: p.notAfter?.toISOString() }));
          message = `the certificate is valid but only matches a pin that has expired (${result.expired.map((p) => p.label).join(', ')})`;
        }
        const error = new ClientCertError('PIN_MISMATCH', message, { details: { certSha256: leaf.sha256 } });
        return { verdict: rejected(error, source, summarize(leaf, now, undefined, undefined)), generation, interval, logFields, level };
      }
      pinLabel = result.matched.label;
    }
    let identity: ClientIdentity | undefined;
    if (this.options.identitiesConfigured) {
      interval = intervalAround(now, this.#identities.boundaries, 1, interval);
      const result = this.#identities.match(leaf, now);
      if (result.matched === undefined) {
        if (result.hints.length > 0) logFields['hints'] = result.hints;
        if (result.expired.length > 0) logFields['expiredIdentities'] = result.expired.map((i) => i.name);
        const error = new ClientCertError('IDENTITY_UNKNOWN', 'the certificate is valid but is not mapped to any known client identity', { details: { certSha256: leaf.sha256 } });
        return { verdict: rejected(error, source, summarize(leaf, now, pinLabel, undefined)), generation, interval, logFields, level: result.expired.length > 0 ? 'error' : 'warn' };
      }
      identity = Object.freeze({ name: result.matched.name, roles: result.matched.roles });
    }
    // The summary's daysRemaining is exact for the whole cached interval.
    const notAfter = leaf.notAfter.getTime();
    const days = Math.floor((notAfter - now) / DAY);
    interval = intersect(interval, { from: notAfter - (days + 1) * DAY + 1, until: notAfter - days * DAY + 1 });
    const certificate = summarize(leaf, now, pinLabel, identity?.name);
    if (this.options.expiryWarningDays > 0 && days < this.options.expiryWarningDays) {
      this.#warnExpiring(`cert:${leaf.sha256}`, now, {
        kind: 'certificate',
        label: pinLabel ?? identity?.name ?? leaf.emails[0] ?? leaf.subject.toString(),
        subject: leaf.subject.toString(),
        serial: leaf.serialNumber,
        certSha256: leaf.sha256,
        notAfter: leaf.notAfter,
        daysRemaining: days,
      });
    }
    const verdict: AcceptedVerdict = Object.freeze({ ok: true, outcome: 'accepted', certificate, identity, path: Object.freeze([...path]), source });
    return { verdict, generation, interval, logFields: undefined, level: 'warn' };
  }

  /** This gate's verdict kept for a connection: on the connection object if this gate was first there, else in the WeakMap. */
  #connectionRecord(connection: ConnectionObject): VerdictRecord | undefined {
    const entry = connection[CONNECTION_VERDICT];
    return entry !== undefined && entry.gate === this ? entry.record : this.#byConnection.get(connection);
  }

  #storeConnectionRecord(connection: ConnectionObject, record: VerdictRecord): void {
    const entry = connection[CONNECTION_VERDICT];
    if (entry?.gate === this) {
      entry.record = record;
      return;
    }
    if (entry === undefined && defineHidden(connection, CONNECTION_VERDICT, { gate: this, record })) return;
    this.#byConnection.set(connection, record);
  }

  /** Logs a rejection, calls the verdict hook, returns the verdict. */
  #finish(record: VerdictRecord, request: GateRequest | undefined): Verdict {
    const verdict = record.verdict;
    if (!verdict.ok && verdict.code !== 'INTERNAL_ERROR') {
      const cert = verdict.certificate;
      safeLog(
        this.#logger,
        record.level,
        {
          event: 'certgate.rejected',
          code: verdict.code,
          status: verdict.status,
          source: verdict.source,
          remoteAddress: remoteAddressOf(request),
          subject: cert === undefined ? undefined : logName(cert.subject),
          issuer: cert === undefined ? undefined : logName(cert.issuer),
          serial: cert?.serial,
          certSha256: cert?.certSha256,
          notAfter: cert?.notAfter.toISOString(),
          reason: safeText(verdict.error.message, 500),
          ...record.logFields,
        },
        `client certificate rejected: ${verdict.code}`,
      );
    }
    const hook = this.options.onVerdict;
    if (hook !== undefined) {
      try {
        hook(verdict, request);
      } catch {
        // Metrics must never change a verdict.
      }
    }
    return verdict;
  }
}

/**
 * Compiles `options` into a gate. Validates every option now (TypeError with a hint for a bad or
 * misspelled one) and loads the pin and identities files (ClientCertError CONFIG_INVALID when the
 * first load fails).
 */
export function createClientCertGate(options: ClientCertGateOptions): ClientCertGate {
  return new ClientCertGate(options);
}
