/**
 * The two revocation sources, one question each, without caching: "what does the OCSP responder
 * say about this certificate" and "what does this CRL say about it". The checker (./checker.ts)
 * caches and coalesces these; `certgate revocation check` calls them directly.
 */
import { findPemBlocks } from '../../cert/pem.js';
import type { CertificateModel } from '../../cert/types.js';
import { isClientCertError } from '../../errors.js';
import { fetchWithLimits, postWithLimits } from '../../util/http-fetch.js';
import { crlMatchesIssuer, crlProblem, crlScopeProblem, parseCrl, type CrlEntry, type ParsedCrl } from './crl.js';
import { answerFreshness, buildOcspRequest, ocspCertId, ocspNonce, parseOcspResponse, verifyOcspResponse, type OcspAnswer } from './ocsp.js';
import type { CompiledRevocationPolicy } from './policy.js';

/** How far ahead of ours a responder's or CA's clock may be (thisUpdate in the future), ms. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A source that could not answer; `message` is short, printable and names the URL's origin. */
export class RevocationSourceError extends Error {
  override readonly name = 'RevocationSourceError';
}

/** The first http(s) URL of a list (LDAP and other schemes are never fetched). */
export function firstHttpUrl(urls: readonly string[]): string | undefined {
  return urls.find((u) => /^https?:\/\//i.test(u));
}

function why(error: unknown): string {
  if (isClientCertError(error)) return `malformed (${error.message})`;
  return error instanceof Error ? error.message : String(error);
}

/** Asks the OCSP responder at `url` about `cert` (issued by `issuer`) and verifies the answer at `at`. */
export async function queryOcsp(cert: CertificateModel, issuer: CertificateModel, url: string, policy: CompiledRevocationPolicy, at: Date): Promise<OcspAnswer> {
  const nonce = policy.ocspNonce ? ocspNonce() : undefined;
  const request = await buildOcspRequest(ocspCertId(cert, issuer), nonce);
  let body: Uint8Array;
  try {
    body = (await postWithLimits(url, request, { timeoutMs: policy.ocspTimeoutMs, maxBytes: policy.ocspMaxBytes, headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' } })).body;
  } catch (error) {
    throw new RevocationSourceError(why(error), { cause: error });
  }
  let answer: OcspAnswer | string;
  try {
    answer = verifyOcspResponse(parseOcspResponse(body), {
      cert,
      issuer,
      at,
      nonce,
      requireNonce: policy.ocspRequireNonce,
      skewMs: CLOCK_SKEW_MS,
      maxAgeMs: policy.cacheTtlMs,
    });
  } catch (error) {
    throw new RevocationSourceError(`the OCSP response from ${safeOrigin(url)} is ${why(error)}`, { cause: error });
  }
  if (typeof answer === 'string') throw new RevocationSourceError(`the OCSP response from ${safeOrigin(url)} cannot be used: ${answer}`);
  return answer;
}

/** Parses CRL bytes given as DER or PEM ("X509 CRL"). */
export function decodeCrl(bytes: Uint8Array): ParsedCrl {
  if (bytes[0] === 0x30) return parseCrl(bytes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const block = findPemBlocks(text).find((b) => b.label === 'X509 CRL');
  if (block === undefined) throw new RevocationSourceError('not a CRL: expected DER or a PEM "X509 CRL" block');
  const body = text.slice(block.bodyStart, block.bodyEnd).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new RevocationSourceError(`the PEM "X509 CRL" block at line ${block.line} is not base64`);
  return parseCrl(Buffer.from(body, 'base64'));
}

/** Downloads and parses the CRL at `url` (not verified: that needs the issuer, see `crlStatus`). */
export async function downloadCrl(url: string, policy: CompiledRevocationPolicy): Promise<ParsedCrl> {
  let body: Uint8Array;
  try {
    body = (await fetchWithLimits(url, { timeoutMs: policy.crlTimeoutMs, maxBytes: policy.crlMaxBytes, headers: { accept: 'application/pkix-crl' } })).body;
  } catch (error) {
    throw new RevocationSourceError(why(error), { cause: error });
  }
  try {
    return decodeCrl(body);
  } catch (error) {
    throw new RevocationSourceError(`the CRL from ${safeOrigin(url)} is ${why(error)}`, { cause: error });
  }
}

/** What one CRL says about one certificate. */
export type CrlStatus =
  | { readonly status: 'revoked'; readonly entry: CrlEntry; readonly fresh: boolean }
  | { readonly status: 'good' }
  | { readonly status: 'unusable'; readonly problem: string; readonly stale: boolean };

/**
 * What `crl` says about `cert` (issued by `issuer`) at `at`: revoked (also from a stale CRL: a
 * listed revocation stays true, except certificateHold), good (fresh and not listed), or why it
 * cannot say (another issuer, bad signature, out of scope, stale).
 */
export function crlStatus(crl: ParsedCrl, cert: CertificateModel, issuer: CertificateModel, at: Date, maxAgeMs: number): CrlStatus {
  const problem = crlProblem(crl, issuer) ?? crlScopeProblem(crl, cert);
  if (problem !== undefined) return { status: 'unusable', problem, stale: false };
  const stale = answerFreshness(crl.thisUpdate, crl.nextUpdate, at.getTime(), CLOCK_SKEW_MS, maxAgeMs);
  const entry = crl.lookup(cert.serialNumber);
  if (entry !== undefined && (stale === undefined || entry.reason !== 'certificateHold')) return { status: 'revoked', entry, fresh: stale === undefined };
  if (stale !== undefined) return { status: 'unusable', problem: `the CRL is ${stale.startsWith('stale') ? stale : `unusable: ${stale}`}`, stale: true };
  return { status: 'good' };
}

export { crlMatchesIssuer };

/** scheme://host:port of a URL, for messages (never a path or query a CA might put secrets in). */
export function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}
