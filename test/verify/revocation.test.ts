/**
 * The revocation checker against the harness's live CRL server and OCSP responder (127.0.0.1:0):
 * good / revoked / unknown through each source, every responder fault under soft and hard fail,
 * caching, coalescing, retry pauses and background refresh.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResponderFault } from '../../src/harness/revocation.js';
import { createRevocationChecker, type RevocationCheckResult } from '../../src/verify/revocation/checker.js';
import type { RevocationPolicy } from '../../src/verify/revocation/policy.js';
import { capturingLogger } from '../helpers/gate.js';
import { revocationFixture, type RevocationFixture } from '../helpers/revocation.js';

let fx: RevocationFixture;
beforeAll(async () => {
  fx = await revocationFixture({ slowMs: 2500 });
});
afterAll(() => fx?.close());
beforeEach(() => {
  fx.responder.fault = 'none';
  fx.responder.requests.ocsp = 0;
  fx.responder.requests.crl = 0;
});

type Via = 'ocsp' | 'crl';
/** Deadline for the 'slow' fault (the responder answers after 2.5 s); generous elsewhere, for loaded machines. */
const SHORT_TIMEOUT = 1000;
const TIMEOUT = 10_000;

function policy(via: Via, mode: 'soft-fail' | 'hard-fail', extra: Partial<RevocationPolicy> = {}, timeoutMs = TIMEOUT): RevocationPolicy {
  return via === 'ocsp'
    ? { mode, ocsp: { enabled: true, timeoutMs }, crl: { fetch: false }, ...extra }
    : { mode, ocsp: { enabled: false }, crl: { fetch: true, timeoutMs }, ...extra };
}

async function run(via: Via, mode: 'soft-fail' | 'hard-fail', entry: string, extra: Partial<RevocationPolicy> = {}) {
  const logger = capturingLogger();
  const checker = createRevocationChecker(policy(via, mode, extra, fx.responder.fault === 'slow' ? SHORT_TIMEOUT : TIMEOUT), { logger });
  const result: RevocationCheckResult = await checker.check(fx.path(entry), new Date());
  return { result, logger, checker };
}

describe.each<Via>(['ocsp', 'crl'])('via %s', (via) => {
  it.each(['soft-fail', 'hard-fail'] as const)('good: the stand-in passes (%s), reusable until the answer expires', async (mode) => {
    const { result } = await run(via, mode, 'uptrends-standin');
    expect(result.error).toBeUndefined();
    expect(result.validUntil).toBeGreaterThan(Date.now());
    expect(result.validUntil).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(fx.responder.requests[via]).toBe(2); // leaf and intermediate; never the anchor
  });

  it.each(['soft-fail', 'hard-fail'] as const)('revoked: CERT_REVOKED with reason and date (%s)', async (mode) => {
    const { result } = await run(via, mode, 'zoo-revoked');
    expect(result.error?.code).toBe('CERT_REVOKED');
    expect(result.error?.message).toMatch(/client certificate .* was revoked on 20\d\d-.*\(reason: keyCompromise\) according to/);
    expect(result.error?.message).toContain(via === 'ocsp' ? 'OCSP responder' : 'the CRL from');
    const revokedAt = fx.pki.manifest.revocation.authorities['uptrends-intermediate']!.revoked[0]!.revokedAt;
    expect(result.error?.details).toMatchObject({ depth: 0, reason: 'keyCompromise', revokedAt });
  });

  const faults: ResponderFault[] = ['down', 'slow', 'garbage', 'wrong-key', 'stale', 'http-error'];
  const reasons: Record<string, RegExp> = {
    down: /socket hang up|ECONNRESET|failed/,
    slow: /timed out after 1000 ms/,
    garbage: /malformed/,
    'wrong-key': /signature does not verify|signed by neither/,
    stale: /stale: nextUpdate .* has passed/,
    'http-error': /answered HTTP 500/,
  };
  describe.each(faults)('responder fault %s', (fault) => {
    it('hard-fail: REVOCATION_UNKNOWN naming the source and what went wrong', async () => {
      fx.responder.fault = fault;
      const { result } = await run(via, 'hard-fail', 'uptrends-standin');
      expect(result.error?.code).toBe('REVOCATION_UNKNOWN');
      expect(result.error?.message).toContain(via === 'ocsp' ? 'OCSP http://127.0.0.1' : 'CRL http://127.0.0.1');
      expect(result.error?.message).toMatch(reasons[fault]!);
      expect(result.validUntil).toBeUndefined();
    });

    it('soft-fail: accepted with a warning, reusable only until the retry pause ends', async () => {
      fx.responder.fault = fault;
      const { result, logger } = await run(via, 'soft-fail', 'uptrends-standin');
      expect(result.error).toBeUndefined();
      expect(result.validUntil).toBeLessThanOrEqual(Date.now() + 30_000);
      const warning = logger.events('certgate.revocation_unknown');
      expect(warning).toHaveLength(1);
      expect(warning[0]!.msg).toMatch(reasons[fault]!);
      expect(warning[0]!.msg).toContain('accepted (soft-fail)');
    });
  });

  it('a revoked certificate stays rejected when the responder fails under soft-fail only if an authentic answer said so', async () => {
    fx.responder.fault = 'wrong-key';
    const { result } = await run(via, 'soft-fail', 'zoo-revoked');
    // A "revoked" signed by the wrong key proves nothing: soft-fail lets it through (hard-fail would not).
    expect(result.error).toBeUndefined();
  });
});

describe('OCSP specifics', () => {
  it('unknown status: REVOCATION_UNKNOWN under hard-fail, a warning under soft-fail', async () => {
    fx.responder.fault = 'unknown';
    const hard = await run('ocsp', 'hard-fail', 'uptrends-standin');
    expect(hard.result.error?.code).toBe('REVOCATION_UNKNOWN');
    expect(hard.result.error?.message).toContain('the responder answered "unknown"');
    const soft = await run('ocsp', 'soft-fail', 'uptrends-standin');
    expect(soft.result.error).toBeUndefined();
    expect(soft.logger.events('certgate.revocation_unknown')).toHaveLength(1);
  });

  it('the intermediate answers through its delegated responder, the root signs for itself', async () => {
    const checker = createRevocationChecker(policy('ocsp', 'hard-fail'));
    const [leaf, intermediate, root] = fx.path('uptrends-standin');
    const leafStatus = await checker.inspect(leaf!, intermediate!);
    expect(leafStatus).toEqual([expect.objectContaining({ source: 'ocsp', status: 'good', detail: expect.stringContaining('signed by CN=TEST Sectigo-like Client Authentication CA OCSP Responder') })]);
    const caStatus = await checker.inspect(intermediate!, root!);
    expect(caStatus).toEqual([expect.objectContaining({ source: 'ocsp', status: 'good', detail: 'good, signed by issuer' })]);
  });
});

describe('stale CRL', () => {
  it('still proves a revocation (CERT_REVOKED even under soft-fail)', async () => {
    fx.responder.fault = 'stale';
    const { result } = await run('crl', 'soft-fail', 'zoo-revoked');
    expect(result.error?.code).toBe('CERT_REVOKED');
  });
});

describe('caching and coalescing', () => {
  it('one request per certificate for many verifications; later checks are synchronous', async () => {
    const checker = createRevocationChecker(policy('ocsp', 'hard-fail'));
    const path = fx.path('uptrends-standin');
    await checker.check(path, new Date());
    for (let i = 0; i < 50; i++) {
      const again = checker.check(path, new Date());
      expect(again).not.toBeInstanceOf(Promise);
      expect((again as RevocationCheckResult).error).toBeUndefined();
    }
    expect(fx.responder.requests.ocsp).toBe(2);
    expect(checker.fetches).toBe(2);
  });

  it('a CRL is downloaded once for all the certificates it covers', async () => {
    const checker = createRevocationChecker(policy('crl', 'soft-fail'));
    await checker.check(fx.path('uptrends-standin'), new Date());
    const revoked = await checker.check(fx.path('zoo-revoked'), new Date());
    expect(revoked.error?.code).toBe('CERT_REVOKED');
    await checker.check(fx.path('zoo-same-subject-other-key'), new Date());
    expect(fx.responder.requests.crl).toBe(2); // the intermediate's CRL and the root's
  });

  it('concurrent checks of a certificate share one in-flight request', async () => {
    fx.responder.fault = 'slow'; // 1.5 s: all checks start while the first request is pending
    const checker = createRevocationChecker(policy('ocsp', 'hard-fail', { ocsp: { enabled: true, timeoutMs: 15_000 } }));
    const path = fx.path('uptrends-standin');
    const results = await Promise.all(Array.from({ length: 20 }, () => checker.check(path, new Date())));
    for (const r of results) expect(r.error).toBeUndefined();
    expect(fx.responder.requests.ocsp).toBe(2);
  });

  it('after a failure the source is not asked again until the retry pause ends', async () => {
    fx.responder.fault = 'http-error';
    const checker = createRevocationChecker(policy('ocsp', 'hard-fail', { retryAfterSeconds: 60 }));
    const path = fx.path('uptrends-standin');
    expect((await checker.check(path, new Date())).error?.code).toBe('REVOCATION_UNKNOWN');
    fx.responder.fault = 'none';
    expect((await checker.check(path, new Date())).error?.code).toBe('REVOCATION_UNKNOWN');
    expect(fx.responder.requests.ocsp).toBe(2);
    const eager = createRevocationChecker(policy('ocsp', 'hard-fail', { retryAfterSeconds: 0 }));
    fx.responder.fault = 'http-error';
    await eager.check(path, new Date());
    fx.responder.fault = 'none';
    expect((await eager.check(path, new Date())).error).toBeUndefined();
  });

  it('refreshes in the background once 80% of an answer\'s life has passed, still answering from the cache', async () => {
    const checker = createRevocationChecker(policy('ocsp', 'hard-fail', { cacheTtlSeconds: 10 }));
    const path = fx.path('uptrends-standin');
    const start = Date.now();
    await checker.check(path, new Date(start));
    expect(fx.responder.requests.ocsp).toBe(2);
    const later = checker.check(path, new Date(start + 8_500));
    expect(later).not.toBeInstanceOf(Promise);
    expect((later as RevocationCheckResult).error).toBeUndefined();
    await expect.poll(() => fx.responder.requests.ocsp, { timeout: 15_000 }).toBe(4);
    // Past the TTL, without a fresh answer, the check waits for a new one.
    const expired = checker.check(path, new Date(start + 30_000));
    expect(expired).toBeInstanceOf(Promise);
    await expired; // no request may outlive the test (the next one counts requests)
  });

  it('prefetch() fetches without waiting; the next check is answered from the cache', async () => {
    const checker = createRevocationChecker(policy('ocsp', 'hard-fail'));
    const path = fx.path('uptrends-standin');
    checker.prefetch(path);
    expect(checker.fetches).toBe(2); // both started synchronously
    await expect.poll(() => checker.check(path, new Date()) instanceof Promise, { timeout: 15_000, interval: 50 }).toBe(false);
    expect(fx.responder.requests.ocsp).toBe(2);
  });
});
