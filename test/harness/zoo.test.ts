import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificate } from '../../src/cert/parse.js';
import { loadTestPki, type TestPki } from '../../src/harness/pki.js';
import { createVerifier, verifyChain } from '../../src/verify/chain.js';
import { compilePins, fieldsMatch } from '../../src/verify/pins.js';

// Every manifest entry's verdict, computed by certgate's own path validator under the policy the
// entry names, at the manifest's reference time. Pins belong to the middleware; here the demo
// policy's pins are applied by hand after path validation, in the order the middleware runs them.
let pki: TestPki;
beforeAll(async () => {
  pki = await loadTestPki(path.resolve('fixtures/pki'));
});

function chainVerdict(id: string, policyId?: string): string {
  const entry = pki.entry(id);
  const policy = pki.manifest.policies[policyId ?? entry.policy]!;
  const anchors = pki.anchors(policy.anchors);
  const result = verifyChain({
    leaf: entry.certPem,
    intermediates: [...entry.chainPems, ...anchors.intermediates],
    trustAnchors: anchors.roots,
    at: pki.referenceTime,
    purpose: policy.purpose,
    maxDepth: policy.maxDepth,
  });
  return result.valid ? 'valid' : result.code;
}

describe('the zoo under certgate verifyChain', () => {
  it('every entry: verifyChain returns chainExpected', () => {
    const rows = pki.entryIds.map((id) => [id, chainVerdict(id), pki.entry(id).chainExpected]);
    expect(rows.filter(([, got, want]) => got !== want)).toEqual([]);
    expect(rows).toHaveLength(17);
  });

  it('every entry: path validation then the demo pins give `expected` (revocation off: expectedWithoutRevocation)', () => {
    const pins = compilePins(pki.manifest.policies['uptrends']!.pins);
    for (const id of pki.entryIds) {
      const entry = pki.entry(id);
      let verdict = chainVerdict(id);
      if (verdict === 'valid' && entry.policy === 'uptrends' && !pins.some((pin) => fieldsMatch(pin, parseCertificate(entry.certPem)))) verdict = 'PIN_MISMATCH';
      expect(verdict, id).toBe(entry.requiresRevocation === true ? entry.expectedWithoutRevocation : entry.expected);
    }
  });

  it('otherPolicies: the custom certificate is untrusted on the Uptrends route', () => {
    expect(Object.keys(pki.entry('custom-client').otherPolicies ?? {})).toEqual(['uptrends']);
    for (const id of pki.entryIds) {
      for (const [policyId, { expected }] of Object.entries(pki.entry(id).otherPolicies ?? {})) {
        expect(chainVerdict(id, policyId), `${id} under ${policyId}`).toBe(expected);
      }
    }
  });

  it('the stand-in is valid with and without the intermediate sent, and one depth less rejects it', () => {
    const anchors = pki.anchors('uptrends');
    const verifier = createVerifier({ trustAnchors: anchors.roots, intermediates: anchors.intermediates, purpose: 'client', maxDepth: 1 });
    const standin = pki.entry('uptrends-standin');
    expect(verifier.verify(standin.certPem, standin.chainPems, pki.referenceTime).valid).toBe(true);
    expect(verifier.verify(standin.certPem, [], pki.referenceTime).valid).toBe(true);
    const shallow = verifyChain({ leaf: standin.certPem, intermediates: standin.chainPems, trustAnchors: anchors.roots, at: pki.referenceTime, maxDepth: 0 });
    expect(shallow.valid ? 'valid' : shallow.code).toBe('CHAIN_TOO_DEEP');
  });
});
