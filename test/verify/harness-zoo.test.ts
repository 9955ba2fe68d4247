/**
 * The committed test PKI (fixtures/pki, made by the harness) states for every entry what path
 * validation alone must answer (`chainExpected`). certgate's validator must agree on each.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCertificates } from '../../src/cert/parse.js';
import { createVerifier, type Purpose } from '../../src/verify/chain.js';

const base = new URL('../../fixtures/pki/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', base), 'utf8')) as {
  referenceTime: string;
  anchors: Record<string, { roots: string[]; intermediates: string[] }>;
  policies: Record<string, { anchors: string; purpose: Purpose; maxIntermediates: number }>;
  entries: { id: string; cert: string; chain: string[]; policy: string; chainExpected: string }[];
};
const read = (file: string) => parseCertificates(readFileSync(fileURLToPath(new URL(file, base))));
function one(file: string) {
  const [cert] = read(file);
  if (cert === undefined) throw new Error(`no certificate in ${file}`);
  return cert;
}

describe('the harness zoo: chainExpected for every entry', () => {
  it.each(manifest.entries.map((e) => [e.id, e] as const))('%s', (_id, entry) => {
    const policy = manifest.policies[entry.policy];
    if (policy === undefined) throw new Error(`no policy ${entry.policy}`);
    const anchors = manifest.anchors[policy.anchors] as { roots: string[]; intermediates: string[] };
    const verifier = createVerifier({
      trustAnchors: anchors.roots.flatMap(read),
      intermediates: anchors.intermediates.flatMap(read),
      purpose: policy.purpose,
      maxDepth: policy.maxIntermediates,
    });
    const result = verifier.verify(one(entry.cert), entry.chain.flatMap(read), new Date(manifest.referenceTime));
    expect(result.valid ? 'valid' : `${result.code}`, result.valid ? '' : result.message).toBe(entry.chainExpected);
  });
});
