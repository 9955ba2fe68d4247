/**
 * A test-only certificate source for adapter plumbing tests over plain HTTP (or Fastify's
 * inject): the chain as comma-separated base64 DER in `x-test-chain`.
 */
import type { ClientCertGateOptions, ClientCertificateSource, RevocationChecker } from '../../src/core/types.js';
import { ClientCertError } from '../../src/errors.js';
import { sectigo, uptrends, UPTRENDS_PIN, USERTRUST_PEM } from './gate.js';

export const headerSource: ClientCertificateSource = {
  name: 'test-header',
  read(req) {
    const value = req.headers?.['x-test-chain'];
    if (typeof value !== 'string' || value === '') return { kind: 'none', reason: 'no x-test-chain header' };
    return { kind: 'chain', ders: value.split(',').map((b) => Buffer.from(b, 'base64')) };
  },
};

/** The published Uptrends certificate and its intermediate, as `x-test-chain` carries them. */
export const UPTRENDS_CHAIN = [uptrends.der, sectigo.der].map((d) => Buffer.from(d).toString('base64')).join(',');

/** Inside the Uptrends certificate's validity. */
export const inside = (): number => Date.parse('2025-01-01T00:00:00Z');

/** An asynchronous revocation checker (drives the adapters' promise branch). */
export function asyncRevocation(revoked: boolean): RevocationChecker {
  return {
    name: 'test-async',
    check: async () => (revoked ? { error: new ClientCertError('CERT_REVOKED', 'revoked by the test checker') } : { validUntil: Date.now() + 60_000 }),
  };
}

/** Gate options over `headerSource`: the Uptrends pin, one identity with the role "monitor", quiet. */
export const HEADER_GATE_OPTIONS: ClientCertGateOptions = {
  trustAnchors: USERTRUST_PEM,
  source: headerSource,
  now: inside,
  logger: false,
  pins: [UPTRENDS_PIN],
  identities: [{ name: 'uptrends', roles: ['monitor'], match: { subjectEmail: 'certificates@uptrends.com' } }],
};
