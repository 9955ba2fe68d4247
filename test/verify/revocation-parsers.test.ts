/**
 * CRL and OCSP parsing and verification without a network (the committed fixture CRLs), CRL files
 * in the checker, policy validation, and hostile bytes: truncations and bit flips never crash and
 * never produce a usable answer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPem } from '../../src/cert/pem.js';
import { parseCertificate } from '../../src/cert/parse.js';
import { ClientCertError, isClientCertError } from '../../src/errors.js';
import { postWithLimits } from '../../src/util/http-fetch.js';
import { createRevocationChecker } from '../../src/verify/revocation/checker.js';
import { crlProblem, parseCrl } from '../../src/verify/revocation/crl.js';
import { buildOcspRequest, ocspCertId, parseOcspResponse, verifyOcspResponse } from '../../src/verify/revocation/ocsp.js';
import { compileRevocationPolicy } from '../../src/verify/revocation/policy.js';
import { thrownCode } from '../helpers/errors.js';
import { revocationFixture, type RevocationFixture } from '../helpers/revocation.js';

const PKI = 'fixtures/pki';
const cert = (p: string) => parseCertificate(readFileSync(path.join(PKI, p)));
const root = cert('ca/uptrends-root.pem');
const intermediate = cert('ca/uptrends-intermediate.pem');
const standin = cert('certs/uptrends-standin.pem');
const revoked = cert('certs/zoo-revoked.pem');
const intermediateCrlPath = path.join(PKI, 'crl/uptrends-intermediate.crl');
const rootCrlPath = path.join(PKI, 'crl/uptrends-root.crl');
const intermediateCrl = readFileSync(intermediateCrlPath);
const reference = new Date('2026-01-01T00:00:00Z');

function malformedOnly(fn: () => unknown): 'ok' | 'malformed' {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (isClientCertError(error) && error.code === 'CERT_MALFORMED') return 'malformed';
    throw error;
  }
}

describe('parseCrl', () => {
  it('reads the fixture CRL of the TEST intermediate', () => {
    const crl = parseCrl(intermediateCrl);
    expect(crl.issuer.equals(intermediate.subject)).toBe(true);
    expect(crl.thisUpdate.toISOString()).toBe('2025-12-31T23:00:00.000Z');
    expect(crl.nextUpdate?.toISOString()).toBe('2026-01-08T00:00:00.000Z');
    expect(crl.crlNumber).toBe('01');
    expect(crl.authorityKeyId).toBe(intermediate.subjectKeyId);
    expect(crl.entryCount).toBe(1);
    expect(crl.lookup(revoked.serialNumber)).toMatchObject({ reason: 'keyCompromise', revocationDate: new Date('2025-12-31T00:00:00Z') });
    expect(crl.lookup(standin.serialNumber)).toBeUndefined();
    expect(crl.unsupported).toBeUndefined();
  });

  it('verifies against its issuer only', () => {
    const crl = parseCrl(intermediateCrl);
    expect(crlProblem(crl, intermediate)).toBeUndefined();
    expect(crlProblem(crl, root)).toMatch(/issued by .*TEST Sectigo-like.*, not by .*TEST USERTrust-like Root/);
    const rootCrl = parseCrl(readFileSync(rootCrlPath));
    expect(crlProblem(rootCrl, root)).toBeUndefined();
    expect(rootCrl.entryCount).toBe(0);
  });

  it('every truncation is CERT_MALFORMED; every bit flip in the signed part is malformed or fails the signature', () => {
    for (let n = 0; n < intermediateCrl.length; n++) {
      expect(malformedOnly(() => parseCrl(intermediateCrl.subarray(0, n)))).toBe('malformed');
    }
    const tbsEnd = 4 + parseCrl(intermediateCrl).tbsDer.length;
    for (let i = 0; i < tbsEnd; i++) {
      const flipped = Buffer.from(intermediateCrl);
      flipped[i] = (flipped[i] as number) ^ 0x01;
      let crl: ReturnType<typeof parseCrl> | undefined;
      if (malformedOnly(() => (crl = parseCrl(flipped))) === 'ok') expect(crlProblem(crl!, intermediate), `flip at ${i}`).toBeDefined();
    }
  });

  it('refuses non-CRL input with CERT_MALFORMED', () => {
    expect(malformedOnly(() => parseCrl(Buffer.from('not a crl')))).toBe('malformed');
    expect(malformedOnly(() => parseCrl(standin.der))).toBe('malformed');
    expect(malformedOnly(() => parseCrl(new Uint8Array(0)))).toBe('malformed');
  });
});

describe('CRL files in the checker (at the fixtures\' reference time)', () => {
  const files = [intermediateCrlPath, rootCrlPath];
  it('revoked, good, and stale once nextUpdate has passed', async () => {
    const checker = createRevocationChecker({ mode: 'hard-fail', ocsp: { enabled: false }, crl: { fetch: false, files } });
    const bad = await checker.check([revoked, intermediate, root], reference);
    expect(bad.error?.code).toBe('CERT_REVOKED');
    expect(bad.error?.message).toContain(`according to the CRL ${intermediateCrlPath}`);
    const good = checker.check([standin, intermediate, root], reference);
    expect(good).not.toBeInstanceOf(Promise); // files are loaded at construction
    expect((good as { error?: ClientCertError }).error).toBeUndefined();
    const late = await checker.check([standin, intermediate, root], new Date('2026-01-09T00:00:00Z'));
    expect(late.error?.code).toBe('REVOCATION_UNKNOWN');
    expect(late.error?.message).toMatch(/stale: nextUpdate 2026-01-08T00:00:00.000Z has passed/);
    // A stale CRL still proves a revocation.
    expect((await checker.check([revoked, intermediate, root], new Date('2026-01-09T00:00:00Z'))).error?.code).toBe('CERT_REVOKED');
  });

  it('hard-fail without a CRL for the intermediate\'s issuer: REVOCATION_UNKNOWN at depth 1', async () => {
    const checker = createRevocationChecker({ mode: 'hard-fail', ocsp: { enabled: false }, crl: { fetch: false, files: [intermediateCrlPath] } });
    const result = await checker.check([standin, intermediate, root], reference);
    expect(result.error?.code).toBe('REVOCATION_UNKNOWN');
    expect(result.error?.details).toMatchObject({ depth: 1 });
    expect(result.error?.message).toContain('none is issued by');
  });

  it('reads PEM CRL files; an unreadable or non-CRL file is CONFIG_INVALID', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'certgate-crl-'));
    try {
      const pem = path.join(dir, 'crl.pem');
      writeFileSync(pem, toPem(intermediateCrl, 'X509 CRL'));
      const checker = createRevocationChecker({ mode: 'hard-fail', ocsp: { enabled: false }, crl: { fetch: false, files: [pem, rootCrlPath] } });
      expect((checker.check([revoked, intermediate, root], reference) as { error?: ClientCertError }).error?.code).toBe('CERT_REVOKED');
      const garbage = path.join(dir, 'garbage.crl');
      writeFileSync(garbage, 'hello');
      expect(thrownCode(() => createRevocationChecker({ mode: 'soft-fail', crl: { files: [garbage] } }))).toMatch(/garbage.crl is not a readable CRL: not a CRL/);
      expect(thrownCode(() => createRevocationChecker({ mode: 'soft-fail', crl: { files: [path.join(dir, 'missing.crl')] } }))).toMatch(/missing.crl is not a readable CRL: .*no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compileRevocationPolicy', () => {
  it('defaults', () => {
    expect(compileRevocationPolicy({ mode: 'soft-fail' })).toMatchObject({ mode: 'soft-fail', ocspEnabled: true, ocspTimeoutMs: 5000, crlFetch: true, crlFiles: [], cacheTtlMs: 3_600_000, ocspNonce: true, ocspRequireNonce: false });
    expect(compileRevocationPolicy('hard-fail').mode).toBe('hard-fail');
  });

  it.each([
    [{ mode: 'hardfail' }, /must be "off", "soft-fail" or "hard-fail".*did you mean "hard-fail"/],
    [{}, /"mode" must be/],
    [{ mode: 'soft-fail', ocps: {} }, /unknown revocation option "ocps".*did you mean "ocsp"/],
    [{ mode: 'soft-fail', ocsp: { timeout: 5 } }, /unknown revocation option "ocsp.timeout"/],
    [{ mode: 'soft-fail', ocsp: { timeoutMs: 0 } }, /"ocsp.timeoutMs" must be an integer from 1/],
    [{ mode: 'soft-fail', crl: { files: [''] } }, /"crl.files" must be a file path/],
    [{ mode: 'soft-fail', cacheTtlSeconds: -1 }, /"cacheTtlSeconds" must be an integer/],
    [{ mode: 'soft-fail', ocsp: { nonce: false, requireNonce: true } }, /requireNonce.*needs "ocsp.nonce"/],
    [{ mode: 'hard-fail', ocsp: { enabled: false }, crl: { fetch: false } }, /with no source/],
    [42, /must be an object/],
  ])('%j is CONFIG_INVALID', (input, message) => {
    let error: unknown;
    try {
      compileRevocationPolicy(input);
    } catch (e) {
      error = e;
    }
    expect(isClientCertError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toMatch(message);
  });
});

describe('OCSP against the harness responder', () => {
  let fx: RevocationFixture;
  beforeAll(async () => {
    fx = await revocationFixture();
  });
  afterAll(() => fx?.close());

  const ask = async (nonce: Uint8Array | undefined) => {
    const [leaf, issuer] = fx.path('uptrends-standin');
    const request = await buildOcspRequest(ocspCertId(leaf!, issuer!), nonce);
    const body = (await postWithLimits(leaf!.ocspUrls[0]!, request, { headers: { 'content-type': 'application/ocsp-request' } })).body;
    return { leaf: leaf!, issuer: issuer!, request, body };
  };
  const ctx = { at: new Date(), requireNonce: false, skewMs: 300_000, maxAgeMs: 3_600_000 };

  it('OpenSSL reads the request certgate builds', async () => {
    const { request } = await ask(Buffer.alloc(16, 7));
    const dir = mkdtempSync(path.join(tmpdir(), 'certgate-ocsp-'));
    try {
      writeFileSync(path.join(dir, 'req.der'), request);
      const text = execFileSync('openssl', ['ocsp', '-reqin', path.join(dir, 'req.der'), '-req_text', '-noverify'], { encoding: 'utf8' });
      expect(text).toContain('Hash Algorithm: sha1');
      expect(text).toContain('OCSP Nonce');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a response that echoes another nonce is refused (replay); a missing nonce only when required', async () => {
    const sent = Buffer.alloc(16, 1);
    const { leaf, issuer, body } = await ask(sent);
    const parsed = parseOcspResponse(body);
    expect(verifyOcspResponse(parsed, { ...ctx, cert: leaf, issuer, nonce: sent })).toMatchObject({ status: 'good' });
    expect(verifyOcspResponse(parsed, { ...ctx, cert: leaf, issuer, nonce: Buffer.alloc(16, 2) })).toMatch(/nonce does not match/);
    const without = parseOcspResponse((await ask(undefined)).body);
    expect(verifyOcspResponse(without, { ...ctx, cert: leaf, issuer, nonce: sent })).toMatchObject({ status: 'good' });
    expect(verifyOcspResponse(without, { ...ctx, cert: leaf, issuer, nonce: sent, requireNonce: true })).toMatch(/has no nonce but one is required/);
  });

  it('an answer about another certificate, or checked against another issuer, is refused', async () => {
    const { issuer, body } = await ask(undefined);
    const parsed = parseOcspResponse(body);
    const other = fx.path('zoo-revoked')[0]!;
    expect(verifyOcspResponse(parsed, { ...ctx, cert: other, issuer, nonce: undefined })).toBe('the response has no answer for this certificate');
    expect(verifyOcspResponse(parsed, { ...ctx, cert: fx.intermediate, issuer: fx.root, nonce: undefined })).toMatch(/responder certificate .* is not issued by the certificate's issuer/);
  });

  it('a response checked long after its nextUpdate is stale; one from the future is refused', async () => {
    const { leaf, issuer, body } = await ask(undefined);
    const parsed = parseOcspResponse(body);
    expect(verifyOcspResponse(parsed, { ...ctx, cert: leaf, issuer, nonce: undefined, at: new Date(Date.now() + 2 * 3_600_000) })).toMatch(/stale: nextUpdate/);
    expect(verifyOcspResponse(parsed, { ...ctx, cert: leaf, issuer, nonce: undefined, at: new Date(Date.now() - 3_600_000) })).toMatch(/thisUpdate .* is in the future|not valid at/);
  });

  it('every truncation is CERT_MALFORMED; bit flips never yield an accepted answer with another status', async () => {
    const { leaf, issuer, body } = await ask(undefined);
    for (let n = 0; n < body.length; n++) expect(malformedOnly(() => parseOcspResponse(body.subarray(0, n)))).toBe('malformed');
    let accepted = 0;
    for (let i = 0; i < body.length; i += 3) {
      const flipped = Buffer.from(body);
      flipped[i] = (flipped[i] as number) ^ 0x04;
      let parsed: ReturnType<typeof parseOcspResponse> | undefined;
      if (malformedOnly(() => (parsed = parseOcspResponse(flipped))) !== 'ok') continue;
      const answer = verifyOcspResponse(parsed!, { ...ctx, cert: leaf, issuer, nonce: undefined });
      if (typeof answer !== 'string') {
        accepted += 1;
        expect(answer.status).toBe('good');
      }
    }
    // Only flips outside the signed data (in the attached certificate's unsigned parts, or the
    // signature algorithm's redundant fields) can leave the answer acceptable.
    expect(accepted).toBeLessThan(body.length / 30);
  });
});
