/**
 * The revocation checker: CRL and OCSP answers for every certificate of a validated path (leaf
 * and intermediates; never the trust anchor), cached until they stop being fresh, fetched at most
 * once at a time per certificate (OCSP) or URL (CRL), refreshed in the background before they
 * expire, and a soft- or hard-fail decision when no fresh answer can be had.
 *
 * Decision per certificate: any authentic answer that says "revoked" rejects (CERT_REVOKED); else
 * a fresh "good" from any one source accepts; else the status is unknown (hard-fail:
 * REVOCATION_UNKNOWN; soft-fail: accepted, with a warning logged). When nothing fresh is cached,
 * every enabled source is asked at once and the request waits for them (each bounded by its
 * timeout); when a cached answer is past 80% of its life it is refreshed off the request path.
 */
import { readFile } from 'node:fs/promises';
import type { CertificateModel } from '../../cert/types.js';
import { ClientCertError } from '../../errors.js';
import { Lru } from '../../util/lru.js';
import { readFileBoundedSync } from '../../util/read-bounded.js';
import { crlMatchesIssuer, type CrlEntry, type ParsedCrl } from './crl.js';
import type { OcspAnswer } from './ocsp.js';
import { compileRevocationPolicy, type CompiledRevocationPolicy, type RevocationPolicy } from './policy.js';
import { crlStatus, decodeCrl, downloadCrl, firstHttpUrl, queryOcsp, RevocationSourceError, safeOrigin } from './sources.js';

/** What a revocation check returns (the gate's RevocationResult). */
export interface RevocationCheckResult {
  /** Set: reject with it (CERT_REVOKED, REVOCATION_UNKNOWN). */
  readonly error?: ClientCertError;
  /** Until when (ms since epoch) this result may be reused. Undefined: do not reuse. */
  readonly validUntil?: number;
}

/** The logger shape the checker writes soft-fail warnings and background failures to (pino-compatible). */
export interface RevocationLogger {
  /** A structured warning: `obj` has `event: 'certgate.revocation_unknown'`, the certificate and the sources' problems. */
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Options of `createRevocationChecker` besides the policy. */
export interface RevocationCheckerOptions {
  /** Where soft-fail warnings go. Default: none. */
  readonly logger?: RevocationLogger;
}

/** Status of one certificate from one source, for `certgate revocation check` and logs. */
export interface RevocationSourceStatus {
  readonly source: 'ocsp' | 'crl';
  /** The responder or CRL URL, or the CRL file path. */
  readonly location: string | undefined;
  readonly status: 'good' | 'revoked' | 'unknown' | 'error';
  /** What the source said or why it could not answer. */
  readonly detail: string;
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date;
  readonly revocationTime?: Date;
  readonly reason?: string;
}

/** Bounds of the caches (entries). */
const OCSP_CACHE_SIZE = 10_000;
const CRL_CACHE_SIZE = 256;
const MAX_CRL_FILE_BYTES = 64 * 1024 * 1024;
/** Refresh once this share of an answer's life has passed. */
const REFRESH_AT = 0.8;

interface Timed {
  readonly fetchedAt: number;
  /** Reused until here (nextUpdate, or fetchedAt + cacheTtl, whichever is first). */
  readonly expiresAt: number;
  readonly refreshAt: number;
}

interface OcspRecord extends Timed {
  readonly answer: OcspAnswer;
  readonly url: string;
}

interface CrlRecord extends Timed {
  readonly crl: ParsedCrl;
  /** URL or file path. */
  readonly origin: string;
}

interface Failure {
  readonly reason: string;
  readonly until: number;
}

type CertDecision =
  | { readonly state: 'revoked'; readonly entry: { revocationDate: Date | undefined; reason: string | undefined }; readonly source: string; readonly until: number }
  | { readonly state: 'good'; readonly until: number };

function timed(thisUpdate: Date, nextUpdate: Date | undefined, fetchedAt: number, ttlMs: number): Timed {
  const byTtl = fetchedAt + ttlMs;
  const expiresAt = nextUpdate === undefined ? Math.min(byTtl, thisUpdate.getTime() + ttlMs) : Math.min(byTtl, nextUpdate.getTime());
  return { fetchedAt, expiresAt, refreshAt: fetchedAt + Math.max(0, expiresAt - fetchedAt) * REFRESH_AT };
}

function describe(cert: CertificateModel): string {
  const subject = cert.subject.isEmpty ? '(empty subject)' : `"${cert.subject.toString()}"`;
  return `${subject} (serial ${cert.serialNumber})`;
}

/**
 * CRL and OCSP revocation checking with caching, coalescing and background refresh. Implements
 * the gate's RevocationChecker; create with `createRevocationChecker(policy)`.
 */
export class RevocationService {
  readonly name: string;
  readonly policy: CompiledRevocationPolicy;
  readonly #logger: RevocationLogger | undefined;
  readonly #ocsp = new Lru<string, OcspRecord>(OCSP_CACHE_SIZE);
  readonly #crls = new Lru<string, CrlRecord>(CRL_CACHE_SIZE);
  #fileCrls: CrlRecord[];
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #failures = new Lru<string, Failure>(OCSP_CACHE_SIZE);
  readonly #warned = new Lru<string, number>(OCSP_CACHE_SIZE);
  /** Fetches started (OCSP requests and CRL downloads), for tests and metrics. */
  #fetches = 0;

  /** @throws ClientCertError CONFIG_INVALID for a bad policy or an unreadable CRL file. */
  constructor(policy: RevocationPolicy | CompiledRevocationPolicy, options: RevocationCheckerOptions = {}) {
    this.policy = 'crlFiles' in policy ? policy : compileRevocationPolicy(policy);
    this.name = `revocation(${this.policy.mode})`;
    this.#logger = options.logger;
    const now = Date.now();
    this.#fileCrls = this.policy.crlFiles.map((path) => {
      let crl: ParsedCrl;
      try {
        crl = decodeCrl(readFileBoundedSync(path, MAX_CRL_FILE_BYTES));
      } catch (error) {
        throw new ClientCertError('CONFIG_INVALID', `revocation option "crl.files": ${path} is not a readable CRL: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      return { crl, origin: path, ...timed(crl.thisUpdate, crl.nextUpdate, now, this.policy.cacheTtlMs) };
    });
  }

  /** Number of OCSP requests and CRL downloads (and CRL file re-reads) started so far. */
  get fetches(): number {
    return this.#fetches;
  }

  /**
   * Checks every certificate of a validated path (leaf first, anchor last; the anchor is not
   * checked). Synchronous when fresh answers are cached for all of them.
   */
  check(path: readonly CertificateModel[], at: Date): RevocationCheckResult | Promise<RevocationCheckResult> {
    if (this.policy.mode === 'off') return { validUntil: Number.POSITIVE_INFINITY };
    const links = this.#links(path);
    const t = at.getTime();
    const decisions = links.map(([cert, issuer]) => this.#decide(cert, issuer, t));
    if (decisions.every((d) => d !== undefined)) return this.#result(links, decisions, at);
    return Promise.all(
      links.map(async ([cert, issuer], i) => {
        const known = decisions[i];
        if (known !== undefined) return known;
        await this.#fetchAll(cert, issuer, at);
        return this.#decide(cert, issuer, t);
      }),
    ).then((all) => this.#result(links, all, at));
  }

  /** Starts fetching answers for the path's certificates that have none fresh, without waiting. */
  prefetch(path: readonly CertificateModel[], at: Date = new Date()): void {
    if (this.policy.mode === 'off') return;
    for (const [cert, issuer] of this.#links(path)) {
      if (this.#decide(cert, issuer, at.getTime()) === undefined) void this.#fetchAll(cert, issuer, at);
    }
  }

  /**
   * Asks every source about `cert` now (no cache) and reports what each says: the OCSP responder
   * of its AIA, the CRL of each http(s) distribution point, and the configured CRL files.
   */
  async inspect(cert: CertificateModel, issuer: CertificateModel, at: Date = new Date()): Promise<RevocationSourceStatus[]> {
    const out: Promise<RevocationSourceStatus>[] = [];
    const p = this.policy;
    if (p.ocspEnabled) {
      const url = firstHttpUrl(cert.ocspUrls);
      out.push(
        url === undefined
          ? Promise.resolve({ source: 'ocsp', location: undefined, status: 'unknown', detail: cert.ocspUrls.length === 0 ? 'the certificate names no OCSP responder' : 'the certificate names no http(s) OCSP responder' })
          : queryOcsp(cert, issuer, url, p, at).then(
              (a): RevocationSourceStatus => ({
                source: 'ocsp',
                location: url,
                status: a.status,
                detail: a.status === 'revoked' ? `revoked${a.reason === undefined ? '' : ` (${a.reason})`}, signed by ${a.signer}` : `${a.status}, signed by ${a.signer}`,
                thisUpdate: a.thisUpdate,
                ...(a.nextUpdate === undefined ? {} : { nextUpdate: a.nextUpdate }),
                ...(a.revocationTime === undefined ? {} : { revocationTime: a.revocationTime }),
                ...(a.reason === undefined ? {} : { reason: a.reason }),
              }),
              (error: unknown) => ({ source: 'ocsp', location: url, status: 'error', detail: error instanceof Error ? error.message : String(error) }),
            ),
      );
    }
    const fromCrl = (crl: ParsedCrl, location: string): RevocationSourceStatus => {
      const s = crlStatus(crl, cert, issuer, at, p.cacheTtlMs);
      const times = { thisUpdate: crl.thisUpdate, ...(crl.nextUpdate === undefined ? {} : { nextUpdate: crl.nextUpdate }) };
      if (s.status === 'revoked') {
        return { source: 'crl', location, status: 'revoked', detail: `listed${s.entry.reason === undefined ? '' : ` (${s.entry.reason})`}${s.fresh ? '' : ' in a stale CRL'}`, ...times, revocationTime: s.entry.revocationDate, ...(s.entry.reason === undefined ? {} : { reason: s.entry.reason }) };
      }
      if (s.status === 'good') return { source: 'crl', location, status: 'good', detail: `not listed among ${crl.entryCount} entries`, ...times };
      return { source: 'crl', location, status: 'error', detail: s.problem, ...times };
    };
    if (p.crlFetch) {
      const urls = cert.crlDistributionPoints.filter((u) => /^https?:\/\//i.test(u));
      if (urls.length === 0) out.push(Promise.resolve({ source: 'crl', location: undefined, status: 'unknown', detail: 'the certificate names no http(s) CRL distribution point' }));
      for (const url of urls) {
        out.push(downloadCrl(url, p).then((crl) => fromCrl(crl, url), (error: unknown) => ({ source: 'crl', location: url, status: 'error', detail: error instanceof Error ? error.message : String(error) })));
      }
    }
    for (const record of this.#fileCrls) {
      if (crlMatchesIssuer(record.crl, issuer)) out.push(Promise.resolve(fromCrl(record.crl, record.origin)));
    }
    return Promise.all(out);
  }

  // --- internals -------------------------------------------------------------------------------

  #links(path: readonly CertificateModel[]): Array<[CertificateModel, CertificateModel]> {
    const links: Array<[CertificateModel, CertificateModel]> = [];
    for (let i = 0; i + 1 < path.length; i++) links.push([path[i] as CertificateModel, path[i + 1] as CertificateModel]);
    return links;
  }

  // Per-certificate memos: the same parsed certificates come back on every request, and building
  // a 129-character key or scanning URLs each time costs more than the rest of a cached check.
  readonly #keys = new WeakMap<CertificateModel, { readonly issuer: CertificateModel; readonly key: string }>();
  readonly #ocspUrls = new WeakMap<CertificateModel, string | null>();

  #ocspKey(cert: CertificateModel, issuer: CertificateModel): string {
    const memo = this.#keys.get(cert);
    if (memo !== undefined && memo.issuer === issuer) return memo.key;
    const key = `${issuer.sha256}:${cert.sha256}`;
    this.#keys.set(cert, { issuer, key });
    return key;
  }

  #ocspUrl(cert: CertificateModel): string | undefined {
    let url = this.#ocspUrls.get(cert);
    if (url === undefined) {
      url = firstHttpUrl(cert.ocspUrls) ?? null;
      this.#ocspUrls.set(cert, url);
    }
    return url ?? undefined;
  }

  /** The decision from cached answers, or undefined when a fetch is needed. Starts background refreshes. */
  #decide(cert: CertificateModel, issuer: CertificateModel, at: number): CertDecision | undefined {
    const p = this.policy;
    let good: number | undefined;
    let revoked: CertDecision | undefined;
    const refresh: Array<() => Promise<void>> = [];
    const atDate = new Date(at);

    if (p.ocspEnabled) {
      const url = this.#ocspUrl(cert);
      const key = this.#ocspKey(cert, issuer);
      const record = url === undefined ? undefined : this.#ocsp.get(key, at);
      if (record !== undefined && at >= record.answer.thisUpdate.getTime() - 300_000 && at < record.expiresAt) {
        if (record.answer.status === 'revoked') {
          revoked = { state: 'revoked', entry: { revocationDate: record.answer.revocationTime, reason: record.answer.reason }, source: `OCSP responder ${safeOrigin(record.url)}`, until: record.expiresAt };
        } else if (record.answer.status === 'good') good = record.expiresAt;
        if (at >= record.refreshAt && url !== undefined) refresh.push(() => this.#fetchOcsp(cert, issuer, url, atDate));
      }
    }
    const crlRecords: CrlRecord[] = [];
    if (p.crlFetch) {
      for (const url of cert.crlDistributionPoints) {
        const record = this.#crls.get(url, at);
        if (record !== undefined) {
          crlRecords.push(record);
          if (at >= record.refreshAt) refresh.push(() => this.#fetchCrl(url, at));
        }
      }
    }
    for (const record of this.#fileCrls) {
      if (crlMatchesIssuer(record.crl, issuer)) {
        crlRecords.push(record);
        if (at >= record.refreshAt) refresh.push(() => this.#rereadFile(record.origin));
      }
    }
    for (const record of crlRecords) {
      const s = crlStatus(record.crl, cert, issuer, atDate, p.cacheTtlMs);
      if (s.status === 'revoked') {
        revoked ??= { state: 'revoked', entry: { revocationDate: s.entry.revocationDate, reason: s.entry.reason }, source: `the CRL ${record.origin.includes('://') ? `from ${safeOrigin(record.origin)}` : record.origin}`, until: s.entry.reason === 'certificateHold' ? record.expiresAt : Number.POSITIVE_INFINITY };
      } else if (s.status === 'good' && at < record.expiresAt) {
        good = Math.max(good ?? 0, record.expiresAt);
      }
    }
    for (const start of refresh) {
      void start().catch(() => {
        // Recorded as a failure by the fetch itself; the current answer stays in use.
      });
    }
    if (revoked !== undefined) return revoked;
    if (good !== undefined) return { state: 'good', until: good };
    return undefined;
  }

  /** Fetches every enabled source for `cert` that is not in its retry pause; resolves when all settled. */
  async #fetchAll(cert: CertificateModel, issuer: CertificateModel, at: Date): Promise<void> {
    const p = this.policy;
    const jobs: Promise<void>[] = [];
    const t = at.getTime();
    // A source whose cached answer is still current (an OCSP "unknown", a CRL that does not cover
    // this certificate) is not asked again before its refresh time.
    if (p.ocspEnabled) {
      const url = this.#ocspUrl(cert);
      const record = this.#ocsp.get(this.#ocspKey(cert, issuer), t);
      if (url !== undefined && (record === undefined || t >= record.refreshAt || t >= record.expiresAt)) jobs.push(this.#fetchOcsp(cert, issuer, url, at));
    }
    if (p.crlFetch) {
      for (const url of cert.crlDistributionPoints) {
        const record = this.#crls.get(url, t);
        if (/^https?:\/\//i.test(url) && (record === undefined || t >= record.refreshAt)) jobs.push(this.#fetchCrl(url, t));
      }
    }
    for (const record of this.#fileCrls) {
      if (crlMatchesIssuer(record.crl, issuer) && at.getTime() >= record.refreshAt) jobs.push(this.#rereadFile(record.origin));
    }
    await Promise.allSettled(jobs);
  }

  /** Runs `job` unless one with this key is running (then joins it) or the key failed recently. */
  #once(key: string, job: () => Promise<void>): Promise<void> {
    const running = this.#inflight.get(key);
    if (running !== undefined) return running;
    const failed = this.#failures.get(key);
    if (failed !== undefined && Date.now() < failed.until) return Promise.resolve();
    this.#fetches += 1;
    const promise = job()
      .then(
        () => {
          this.#failures.delete(key);
        },
        (error: unknown) => {
          const reason = error instanceof RevocationSourceError ? error.message : `failed: ${error instanceof Error ? error.message : String(error)}`;
          this.#failures.set(key, { reason, until: Date.now() + this.policy.retryAfterMs }, Date.now() + this.policy.retryAfterMs);
        },
      )
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  #fetchOcsp(cert: CertificateModel, issuer: CertificateModel, url: string, at: Date): Promise<void> {
    const key = `ocsp:${this.#ocspKey(cert, issuer)}`;
    return this.#once(key, async () => {
      const answer = await queryOcsp(cert, issuer, url, this.policy, at);
      const record: OcspRecord = { answer, url, ...timed(answer.thisUpdate, answer.nextUpdate, at.getTime(), this.policy.cacheTtlMs) };
      this.#ocsp.set(this.#ocspKey(cert, issuer), record);
    });
  }

  #fetchCrl(url: string, at: number): Promise<void> {
    return this.#once(`crl:${url}`, async () => {
      const crl = await downloadCrl(url, this.policy);
      this.#crls.set(url, { crl, origin: url, ...timed(crl.thisUpdate, crl.nextUpdate, at, this.policy.cacheTtlMs) });
    });
  }

  #rereadFile(path: string): Promise<void> {
    return this.#once(`file:${path}`, async () => {
      let crl: ParsedCrl;
      try {
        const bytes = await readFile(path);
        if (bytes.length > MAX_CRL_FILE_BYTES) throw new RevocationSourceError(`larger than ${MAX_CRL_FILE_BYTES} bytes`);
        crl = decodeCrl(bytes);
      } catch (error) {
        throw new RevocationSourceError(`the CRL file ${path} could not be re-read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const record: CrlRecord = { crl, origin: path, ...timed(crl.thisUpdate, crl.nextUpdate, Date.now(), this.policy.cacheTtlMs) };
      this.#fileCrls = this.#fileCrls.map((r) => (r.origin === path ? record : r));
    });
  }

  /** Why no source could answer for `cert`, for messages. */
  #reasons(cert: CertificateModel, issuer: CertificateModel, at: Date): string[] {
    const p = this.policy;
    const out: string[] = [];
    if (p.ocspEnabled) {
      const url = firstHttpUrl(cert.ocspUrls);
      if (url === undefined) out.push('OCSP: the certificate names no http(s) responder');
      else {
        const failed = this.#failures.get(`ocsp:${this.#ocspKey(cert, issuer)}`);
        const record = this.#ocsp.get(this.#ocspKey(cert, issuer));
        out.push(`OCSP ${safeOrigin(url)}: ${failed?.reason ?? (record !== undefined ? `the responder answered "${record.answer.status}"` : 'no answer')}`);
      }
    }
    if (p.crlFetch) {
      const urls = cert.crlDistributionPoints.filter((u) => /^https?:\/\//i.test(u));
      if (urls.length === 0) out.push('CRL: the certificate names no http(s) distribution point');
      for (const url of urls) {
        const failed = this.#failures.get(`crl:${url}`);
        const record = this.#crls.get(url);
        const s = record === undefined ? undefined : crlStatus(record.crl, cert, issuer, at, p.cacheTtlMs);
        out.push(`CRL ${safeOrigin(url)}: ${failed?.reason ?? (s?.status === 'unusable' ? s.problem : 'no CRL')}`);
      }
    }
    if (p.crlFiles.length > 0) {
      const files = this.#fileCrls.filter((r) => crlMatchesIssuer(r.crl, issuer));
      if (files.length === 0) out.push(`CRL files: none is issued by "${issuer.subject.toString()}"`);
      for (const r of files) {
        const s = crlStatus(r.crl, cert, issuer, at, p.cacheTtlMs);
        const failed = this.#failures.get(`file:${r.origin}`);
        out.push(`CRL file ${r.origin}: ${failed?.reason ?? (s.status === 'unusable' ? s.problem : 'not usable')}`);
      }
    }
    return out;
  }

  #result(links: ReadonlyArray<[CertificateModel, CertificateModel]>, decisions: ReadonlyArray<CertDecision | undefined>, at: Date): RevocationCheckResult {
    let validUntil = Number.POSITIVE_INFINITY;
    let unknown: { cert: CertificateModel; depth: number; reasons: string[] } | undefined;
    for (let depth = 0; depth < links.length; depth++) {
      const [cert, issuer] = links[depth] as [CertificateModel, CertificateModel];
      const d = decisions[depth];
      if (d?.state === 'revoked') {
        const when = d.entry.revocationDate === undefined ? '' : ` on ${d.entry.revocationDate.toISOString()}`;
        const reason = d.entry.reason === undefined ? '' : ` (reason: ${d.entry.reason})`;
        const what = depth === 0 ? 'the client certificate' : `the intermediate at depth ${depth}`;
        const error = new ClientCertError('CERT_REVOKED', `expected an unrevoked certificate, but ${what} ${describe(cert)} was revoked${when}${reason} according to ${d.source}`, {
          details: { depth, certSha256: cert.sha256, serial: cert.serialNumber, revokedAt: d.entry.revocationDate?.toISOString(), reason: d.entry.reason, source: d.source },
        });
        return { error, validUntil: d.until };
      }
      if (d === undefined) {
        unknown ??= { cert, depth, reasons: this.#reasons(cert, issuer, at) };
      } else {
        validUntil = Math.min(validUntil, d.until);
      }
    }
    if (unknown === undefined) return { validUntil };
    const message = `the revocation status of ${unknown.depth === 0 ? 'the client certificate' : `the intermediate at depth ${unknown.depth}`} ${describe(unknown.cert)} could not be established: ${unknown.reasons.join('; ')}`;
    if (this.policy.mode === 'hard-fail') {
      return { error: new ClientCertError('REVOCATION_UNKNOWN', message, { details: { depth: unknown.depth, certSha256: unknown.cert.sha256, sources: unknown.reasons } }) };
    }
    this.#warn(unknown.cert, at.getTime(), message, unknown.reasons);
    // Soft-fail: accepted, but only reused until the sources may be asked again.
    return { validUntil: Math.min(validUntil, at.getTime() + Math.max(1000, this.policy.retryAfterMs)) };
  }

  #warn(cert: CertificateModel, at: number, message: string, reasons: readonly string[]): void {
    const last = this.#warned.get(cert.sha256);
    if (last !== undefined && at - last < Math.max(1000, this.policy.retryAfterMs) && at >= last) return;
    this.#warned.set(cert.sha256, at);
    try {
      this.#logger?.warn({ event: 'certgate.revocation_unknown', mode: 'soft-fail', certSha256: cert.sha256, serial: cert.serialNumber, sources: reasons }, `${message}; accepted (soft-fail)`);
    } catch {
      // A failing logger must not change the verdict.
    }
  }
}

/**
 * Creates a revocation checker for the gate's `revocation` option (or standalone use).
 *
 * @throws ClientCertError CONFIG_INVALID for a bad policy or an unreadable CRL file.
 */
export function createRevocationChecker(policy: RevocationPolicy, options: RevocationCheckerOptions = {}): RevocationService {
  return new RevocationService(policy, options);
}

export type { CrlEntry };
