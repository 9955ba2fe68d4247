// Path-validation benchmark (run: npm run bench:verify). Figures are ratios against baselines
// measured in the same run, alternating A B A B, because the machine drifts.
//  A. certgate: verifier.verify(Uptrends leaf, [Sectigo intermediate], at) with a compiled
//     verifier, as the middleware calls it per request (certificates already parsed and cached,
//     so signature results come from the per-pair cache).
//  B. one RSA-2048 signature verification with node:crypto (the Sectigo key): the least work an
//     uncached validator must do for this chain's first link.
//  C. node:crypto's naive check: new X509Certificate(leaf) + checkIssued + verify(issuer key).
import { readFileSync } from 'node:fs';
import { X509Certificate, verify as cryptoVerify, createPublicKey } from 'node:crypto';
import { createVerifier, parseCertificate } from '../dist/index.js';

const read = (f) => readFileSync(new URL(`../fixtures/reference/${f}`, import.meta.url), 'utf8');
const leaf = parseCertificate(read('uptrends-2024.pem'));
const sectigo = parseCertificate(read('sectigo-rsa-client-auth-ca.pem'));
const root = parseCertificate(read('usertrust-rsa-root.pem'));
const at = new Date('2025-01-01T00:00:00Z');
const verifier = createVerifier({ trustAnchors: [root] });
const sectigoKey = createPublicKey({ key: Buffer.from(sectigo.publicKey.spkiDer), format: 'der', type: 'spki' });
const sectigoX509 = new X509Certificate(Buffer.from(sectigo.der));
const leafDer = Buffer.from(leaf.der);

const N = Number(process.env.N ?? 2000);
const rounds = Number(process.env.ROUNDS ?? 4);
function time(fn) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - t) / 1000 / N; // µs per call
}
const A = () => { if (!verifier.verify(leaf, [sectigo], at).valid) throw new Error('expected valid'); };
const B = () => { if (!cryptoVerify('sha256', leaf.tbsDer, sectigoKey, leaf.signatureValue)) throw new Error('bad'); };
const C = () => { const x = new X509Certificate(leafDer); if (!x.checkIssued(sectigoX509) || !x.verify(sectigoX509.publicKey)) throw new Error('bad'); };
A(); B(); C();
const res = { A: [], B: [], C: [] };
for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries({ A, B, C })) res[k].push(time(fn));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [a, b, c] = [median(res.A), median(res.B), median(res.C)];
console.log(`certgate verify (warm, Uptrends chain): ${a.toFixed(1)} µs/call`);
console.log(`one RSA-2048 signature check:          ${b.toFixed(1)} µs/call  -> certgate/that = ${(a / b).toFixed(2)}x`);
console.log(`node X509Certificate parse+verify:     ${c.toFixed(1)} µs/call  -> certgate/that = ${(a / c).toFixed(2)}x`);
