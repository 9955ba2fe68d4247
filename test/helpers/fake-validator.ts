/**
 * A deliberately small path validator for testing the gate's caching and policy logic before the
 * real one is wired in: name chaining, signatures via node:crypto, validity periods with skew.
 * Counts its calls.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateModel } from '../../src/cert/types.js';
import { ClientCertError } from '../../src/errors.js';
import type { ChainValidator, ChainValidatorConfig } from '../../src/core/validator.js';

export function countingFakeValidator(): { factory: (config: ChainValidatorConfig) => ChainValidator; calls: () => number } {
  let calls = 0;
  const factory = (config: ChainValidatorConfig): ChainValidator => ({
    validate(leaf, candidates, at) {
      calls += 1;
      const t = at.getTime();
      const skew = config.clockSkewSeconds * 1000;
      const path: CertificateModel[] = [leaf];
      let current = leaf;
      for (let depth = 0; depth <= config.maxDepth + 1; depth++) {
        if (t > current.notAfter.getTime() + skew) return { ok: false, error: new ClientCertError('CERT_EXPIRED', `expired at ${current.notAfter.toISOString()}`, { details: { depth } }) };
        if (t < current.notBefore.getTime() - skew) return { ok: false, error: new ClientCertError('CERT_NOT_YET_VALID', 'not yet valid', { details: { depth } }) };
        const anchor = config.trustAnchors.find((a) => a.subject.matchKey === current.issuer.matchKey);
        if (anchor !== undefined && new X509Certificate(current.der).verify(new X509Certificate(anchor.der).publicKey)) {
          path.push(anchor);
          return { ok: true, path };
        }
        const next = [...candidates, ...config.intermediates].find((c) => c.subject.matchKey === current.issuer.matchKey && c.sha256 !== current.sha256);
        if (next === undefined || !new X509Certificate(current.der).verify(new X509Certificate(next.der).publicKey)) {
          return { ok: false, error: new ClientCertError('CHAIN_UNTRUSTED', 'no path to a trust anchor') };
        }
        path.push(next);
        current = next;
      }
      return { ok: false, error: new ClientCertError('CHAIN_TOO_DEEP', 'too deep') };
    },
  });
  return { factory, calls: () => calls };
}
