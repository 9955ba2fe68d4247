/**
 * The harness's CRL server and OCSP responder: what they serve (checked by OpenSSL too), and the
 * zoo's verdicts through the gate with revocation on (zoo-revoked: CERT_REVOKED).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientCertGate } from '../../src/core/gate.js';
import { fetchWithLimits } from '../../src/util/http-fetch.js';
import { buildOcspRequest, ocspCertId, parseOcspResponse } from '../../src/verify/revocation/ocsp.js';
import { revocationFixture, type RevocationFixture } from '../helpers/revocation.js';

const run = promisify(execFile);
let fx: RevocationFixture;
let dir: string;
beforeAll(async () => {
  fx = await revocationFixture();
  dir = mkdtempSync(path.join(tmpdir(), 'certgate-responder-'));
  for (const id of ['uptrends-standin', 'zoo-revoked']) writeFileSync(path.join(dir, `${id}.pem`), fx.pki.entry(id).certPem);
  writeFileSync(path.join(dir, 'intermediate.pem'), fx.intermediate.toPem());
  writeFileSync(path.join(dir, 'root.pem'), fx.root.toPem());
});
afterAll(async () => {
  await fx?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the revocation responder', () => {
  it.each([
    ['uptrends-standin', 'good'],
    ['zoo-revoked', 'revoked'],
  ])('OpenSSL\'s OCSP client gets a verified answer for %s: %s', async (id, status) => {
    const { stdout, stderr } = await run('openssl', [
      'ocsp',
      '-issuer', path.join(dir, 'intermediate.pem'),
      '-cert', path.join(dir, `${id}.pem`),
      '-url', `${fx.responder.url}/ocsp/uptrends-intermediate`,
      '-CAfile', path.join(dir, 'root.pem'),
      '-verify_other', path.join(dir, 'intermediate.pem'),
    ]);
    expect(stderr).toContain('Response verify OK');
    expect(stdout).toContain(`${id}.pem: ${status}`);
    if (status === 'revoked') expect(stdout).toContain('Reason: keyCompromise');
  });

  it('serves a freshly signed CRL that OpenSSL verifies, and the CA certificate', async () => {
    const crl = await fetchWithLimits(`${fx.responder.url}/crl/uptrends-intermediate.crl`);
    expect(crl.contentType).toBe('application/pkix-crl');
    writeFileSync(path.join(dir, 'crl.der'), crl.body);
    const { stdout, stderr } = await run('openssl', ['crl', '-inform', 'DER', '-in', path.join(dir, 'crl.der'), '-CAfile', path.join(dir, 'intermediate.pem'), '-noout', '-text']);
    expect(stderr).toContain('verify OK');
    expect(stdout).toContain(`Serial Number: ${fx.pki.entry('zoo-revoked').serial}`);
    const ca = await fetchWithLimits(`${fx.responder.url}/ca/uptrends-intermediate.cer`);
    expect(Buffer.from(ca.body).equals(Buffer.from(fx.intermediate.der))).toBe(true);
  });

  it('answers the GET form (RFC 6960 A.1), 404 for an unknown CA, "unauthorized" for another CA\'s certificate', async () => {
    const [leaf, issuer] = fx.path('uptrends-standin');
    const request = await buildOcspRequest(ocspCertId(leaf!, issuer!), undefined);
    const viaGet = await fetchWithLimits(`${fx.responder.url}/ocsp/uptrends-intermediate/${encodeURIComponent(Buffer.from(request).toString('base64'))}`);
    expect(parseOcspResponse(viaGet.body).responseStatus).toBe('successful');
    await expect(fetchWithLimits(`${fx.responder.url}/ocsp/nobody`)).rejects.toThrow(/HTTP 404/);
    const wrongCa = await fetchWithLimits(`${fx.responder.url}/ocsp/uptrends-root/${encodeURIComponent(Buffer.from(request).toString('base64'))}`);
    expect(parseOcspResponse(wrongCa.body).responseStatus).toBe('unauthorized');
  });
});

describe('the zoo with revocation on (hard-fail, both sources)', () => {
  it('every entry of the uptrends policy gets `expected`; zoo-revoked is CERT_REVOKED', async () => {
    const policy = fx.pki.manifest.policies['uptrends']!;
    const anchors = fx.pki.anchors(policy.anchors);
    const gate = createClientCertGate({
      trustAnchors: anchors.roots,
      intermediates: anchors.intermediates,
      pins: policy.pins as never,
      maxDepth: policy.maxDepth,
      revocation: { mode: 'hard-fail', ocsp: { enabled: true, timeoutMs: 5000 } },
      logger: false,
    });
    const rows: Array<[string, string, string]> = [];
    for (const entry of fx.pki.manifest.entries.filter((e) => e.policy === 'uptrends')) {
      const material = fx.pki.entry(entry.id);
      const verdict = await gate.checkCertificates([material.certPem, ...material.chainPems]);
      rows.push([entry.id, verdict.ok ? 'valid' : verdict.code, entry.expected]);
    }
    expect(rows.filter(([, got, want]) => got !== want)).toEqual([]);
    expect(rows.find(([id]) => id === 'zoo-revoked')).toEqual(['zoo-revoked', 'CERT_REVOKED', 'CERT_REVOKED']);
  });
});
