/**
 * Hostile certificate sets against the gate (what an attacker controls: the presented chain).
 * Every one is generated here, signed for real, and must be answered with a definite code (or a
 * correct acceptance) quickly. Bounds are seconds: they catch blow-ups, not slowness (speed
 * lives in npm run bench).
 */
import { describe, expect, it } from 'vitest';
import { createClientCertGate } from '../../src/core/gate.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Verdict } from '../../src/core/types.js';
import { certificate, extension, int, name, seq, tlv, utf8 } from '../helpers/der.js';
import { AT, makeCert, newKey, type NameSpec, type TestCert } from '../helpers/signed-pki.js';

const BOUND_MS = 5000;

function gateFor(anchors: TestCert[], intermediates: TestCert[] = [], maxDepth = 8) {
  return createClientCertGate({
    trustAnchors: anchors.map((a) => a.pem),
    intermediates: intermediates.map((i) => i.pem),
    maxDepth,
    logger: silentLogger,
    now: () => AT.getTime(),
  });
}

async function timed(run: () => Promise<Verdict>): Promise<{ verdict: Verdict; ms: number }> {
  const start = performance.now();
  const verdict = await run();
  return { verdict, ms: performance.now() - start };
}

function codeOf(verdict: Verdict): string {
  return verdict.ok ? verdict.outcome : verdict.code;
}

describe('hostile certificate sets at the gate', () => {
  const root = makeCert({ subject: 'Hostile Root', ca: true });
  const ica = makeCert({ subject: 'Hostile ICA', ca: true, issuer: root });

  it('a 20-octet serial is accepted; a 4 KB serial is answered (CERT_MALFORMED or a verdict), quickly', async () => {
    const ok = makeCert({ subject: 'leaf', issuer: ica, serial: int([0x7f, ...new Array<number>(19).fill(0xab)]) });
    expect(codeOf((await gateFor([root], [ica]).checkCertificates(ok.pem)))).toBe('accepted');
    const huge = makeCert({ subject: 'leaf', issuer: ica, serial: int([0x7f, ...new Array<number>(4096).fill(0xab)]) });
    const { verdict, ms } = await timed(() => gateFor([root], [ica]).checkCertificates(huge.pem));
    expect(['accepted', 'CERT_MALFORMED']).toContain(codeOf(verdict));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('10 000 SAN entries: accepted without constraints, PATH_BUILDING_LIMIT under many name constraints; both quickly', async () => {
    const san: NameSpec[] = Array.from({ length: 10_000 }, (_, i) => ({ dns: `a${i.toString(36)}` }));
    const leaf = makeCert({ subject: 'many names', issuer: ica, san });
    expect(leaf.der.length).toBeLessThan(64 * 1024);
    const plain = await timed(() => gateFor([root], [ica]).checkCertificates([leaf.cert, ica.cert]));
    expect(codeOf(plain.verdict)).toBe('accepted');
    expect(plain.ms).toBeLessThan(BOUND_MS);

    // Many constraints × many names: 10 000 names × 200 subtrees is far over the comparison budget.
    const permitted: NameSpec[] = Array.from({ length: 100 }, (_, i) => ({ dns: `p${i}.example` }));
    const excluded: NameSpec[] = Array.from({ length: 100 }, (_, i) => ({ dns: `x${i}.example` }));
    const constrained = makeCert({ subject: 'Constrained ICA', ca: true, issuer: root, permitted, excluded });
    // 3 000 names (what fits in 64 KiB), each inside the last permitted subtree: every one is
    // compared with all 200 subtrees.
    const leaf2 = makeCert({ subject: 'many names', issuer: constrained, san: san.slice(0, 3000).map((n) => ({ dns: `${(n as { dns: string }).dns}.p99.example` })) });
    const nc = await timed(() => gateFor([root]).checkCertificates([leaf2.cert, constrained.cert]));
    expect(codeOf(nc.verdict)).toBe('PATH_BUILDING_LIMIT');
    expect(nc.ms).toBeLessThan(BOUND_MS);
  });

  it('name constraints on every level of a deep chain, each with many subtrees: a code, quickly', async () => {
    const permitted: NameSpec[] = Array.from({ length: 400 }, (_, i) => ({ dns: `p${i}.example` }));
    let issuer = root;
    const chain: TestCert[] = [];
    for (let i = 0; i < 6; i++) {
      issuer = makeCert({ subject: `NC ICA ${i}`, ca: true, issuer, permitted });
      chain.unshift(issuer);
    }
    const leaf = makeCert({ subject: 'leaf', issuer, san: Array.from({ length: 2000 }, (_, i) => ({ dns: `n${i}.p1.example` })) });
    const { verdict, ms } = await timed(() => gateFor([root]).checkCertificates([leaf.cert, ...chain.map((c) => c.cert)]));
    expect(['accepted', 'PATH_BUILDING_LIMIT']).toContain(codeOf(verdict));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('a chain of 50 certificates is CHAIN_TOO_DEEP, quickly; also when the client sends it in reverse', async () => {
    const chain: TestCert[] = [];
    let issuer = root;
    for (let i = 0; i < 48; i++) {
      issuer = makeCert({ subject: `Level ${i}`, ca: true, issuer });
      chain.unshift(issuer);
    }
    const leaf = makeCert({ subject: 'leaf', issuer });
    const gate = gateFor([root]);
    const forward = await timed(() => gate.checkCertificates([leaf.cert, ...chain.map((c) => c.cert)]));
    expect(codeOf(forward.verdict)).toBe('CHAIN_TOO_DEEP');
    const reversed = await timed(() => gate.checkCertificates([leaf.cert, ...chain.map((c) => c.cert).reverse()]));
    expect(codeOf(reversed.verdict)).toBe('CHAIN_TOO_DEEP');
    // The deepest policy allowed (16 intermediates) says the same.
    const deepest = await timed(() => gateFor([root], [], 16).checkCertificates([leaf.cert, ...chain.map((c) => c.cert)]));
    expect(codeOf(deepest.verdict)).toBe('CHAIN_TOO_DEEP');
    expect(forward.ms + reversed.ms + deepest.ms).toBeLessThan(BOUND_MS);
  });

  it('200 candidate issuers with the issuing CA\'s name and key identifier: PATH_BUILDING_LIMIT or the right verdict, quickly', async () => {
    const real = makeCert({ subject: 'Same Name ICA', ca: true, issuer: root });
    // Decoys: same subject, same SKI as the real one (so AKI ordering cannot tell), other keys.
    const decoys = Array.from({ length: 200 }, () => {
      const key = newKey();
      return makeCert({ subject: 'Same Name ICA', ca: true, issuer: root, key, noSki: true, extraExtensions: [extension('2.5.29.14', tlv(0x04, real.ski))] });
    });
    const leaf = makeCert({ subject: 'leaf', issuer: real });
    const gate = gateFor([root]);
    const decoysFirst = await timed(() => gate.checkCertificates([leaf.cert, ...decoys.map((d) => d.cert), real.cert]));
    expect(['accepted', 'PATH_BUILDING_LIMIT']).toContain(codeOf(decoysFirst.verdict));
    expect(decoysFirst.ms).toBeLessThan(BOUND_MS);
    const withoutReal = await timed(() => gate.checkCertificates([leaf.cert, ...decoys.map((d) => d.cert)]));
    expect(['PATH_BUILDING_LIMIT', 'CHAIN_UNTRUSTED', 'SIGNATURE_INVALID']).toContain(codeOf(withoutReal.verdict));
    expect(withoutReal.ms).toBeLessThan(BOUND_MS);
  });

  it('a lattice of cross-signed same-name CAs (exponentially many paths, none to the anchor) stops quickly', async () => {
    // 6 levels × 6 CAs; every CA of level k+1 is signed by every CA of level k. The top level is
    // signed by an untrusted root: 6^6 candidate paths, none valid.
    const untrusted = makeCert({ subject: 'Untrusted Root', ca: true });
    const keys = Array.from({ length: 6 }, () => Array.from({ length: 6 }, () => newKey()));
    const all: TestCert[] = [];
    let level: TestCert[] = [untrusted];
    for (let k = 0; k < 6; k++) {
      const next: TestCert[] = [];
      for (const key of keys[k] as ReturnType<typeof newKey>[]) {
        for (const parent of level) {
          const cert = makeCert({ subject: `Lattice ${k}`, ca: true, issuer: parent, key });
          next.push(cert);
          all.push(cert);
        }
      }
      // Children of this level chain to any of its certificates (same key, same name).
      level = next.filter((_, i) => i % level.length === 0);
    }
    const leaf = makeCert({ subject: 'leaf', issuer: level[0] as TestCert });
    const { verdict, ms } = await timed(() => gateFor([root]).checkCertificates([leaf.cert, ...all.map((c) => c.cert)]));
    expect(['PATH_BUILDING_LIMIT', 'CHAIN_UNTRUSTED', 'CHAIN_TOO_DEEP']).toContain(codeOf(verdict));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('deeply nested and indefinite-length ASN.1 inside a certificate is CERT_MALFORMED, quickly', async () => {
    // 20 000 levels of indefinite-length SEQUENCE, and 10 000 of definite-length ones, as a SAN
    // value (parsed) and as an unknown critical extension (carried unread, rejected by policy).
    const indefinite = Buffer.alloc(40_000);
    for (let i = 0; i < 20_000; i++) indefinite.set([0x30, 0x80], i * 2);
    // Built inside out in one buffer (seq() in a loop would copy quadratically).
    const headers: number[][] = [];
    for (let i = 0, inner = 0; i < 10_000; i++) {
      const header = inner < 0x80 ? [0x30, inner] : inner < 0x100 ? [0x30, 0x81, inner] : [0x30, 0x82, inner >> 8, inner & 0xff];
      headers.push(header);
      inner += header.length;
    }
    const definite = Uint8Array.from(headers.reverse().flat());
    const spki = makeCert({ subject: 'x' }).key.spki;
    for (const [ext, expected] of [
      [extension('2.5.29.17', seq(indefinite)), 'CERT_MALFORMED'],
      [extension('2.5.29.17', definite), 'CERT_MALFORMED'],
      [extension('1.3.6.1.4.1.32473.9', definite, true), 'UNKNOWN_CRITICAL_EXTENSION'],
    ] as const) {
      const der = certificate({ spki, issuer: name([['2.5.4.3', utf8('Hostile ICA')]]), extensions: [ext] });
      expect(der.length).toBeLessThan(64 * 1024);
      const { verdict, ms } = await timed(() => gateFor([root], [ica]).checkCertificates(der));
      expect(codeOf(verdict)).toBe(expected);
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });

  it('many presented copies of the same intermediate cost no more than one', async () => {
    const leaf = makeCert({ subject: 'leaf', issuer: ica });
    const copies = Array.from({ length: 2000 }, () => ica.cert);
    const { verdict, ms } = await timed(() => gateFor([root]).checkCertificates([leaf.cert, ...copies]));
    expect(codeOf(verdict)).toBe('accepted');
    expect(ms).toBeLessThan(BOUND_MS);
  });
});
