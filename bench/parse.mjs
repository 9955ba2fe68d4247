// Parsing benchmark (run: npm run bench:parse). Figures are ratios against node:crypto measured in
// the same run, alternating A B A B, because the machine drifts.
//  A. certgate cold: Certificate.fromDer of a certificate not in the cache (SHA-256, full parse
//     with the known extensions decoded, cache insert). Distinct DERs are made by changing the
//     signature bytes, which the parser does not interpret.
//  B. node:crypto: new X509Certificate(der) of the same certificate.
//  C. certgate warm: Certificate.fromDer of a cached certificate (SHA-256 + cache lookup).
//  D. certgate warm from a proxy header: parseCertificates(URL-escaped PEM), certificate cached.
//  Chain: A and B for the whole Uptrends chain (leaf, intermediate, root).
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { Certificate, parseCertificate, parseCertificates } from '../dist/index.js';

const read = (f) => readFileSync(new URL(`../fixtures/reference/${f}`, import.meta.url), 'utf8');
const pems = ['uptrends-2024.pem', 'sectigo-rsa-client-auth-ca.pem', 'usertrust-rsa-root.pem'].map(read);
const chain = pems.map((p) => Buffer.from(parseCertificate(p).der));
const leaf = chain[0];
const header = encodeURIComponent(pems[0]);

// 4096 variants of each certificate (the cache holds 1000, so cycling through them always misses).
const VARIANTS = 4096;
const variants = chain.map((der) =>
  Array.from({ length: VARIANTS }, (_, i) => {
    const copy = Buffer.from(der);
    copy.writeUInt16BE(i, copy.length - 2); // last signature bytes
    return copy;
  }),
);

const N = Number(process.env.N ?? 3000);
const rounds = Number(process.env.ROUNDS ?? 5);
let k = 0;
function time(fn) {
  // Collect the previous case's garbage (node's X509Certificate leaves native objects behind) so
  // that it is not charged to the next case. Needs --expose-gc (the npm script passes it).
  globalThis.gc?.();
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - t) / 1000 / N; // µs per call
}
const cases = {
  A: () => Certificate.fromDer(variants[0][k++ % VARIANTS]),
  B: () => new X509Certificate(leaf),
  C: () => Certificate.fromDer(leaf),
  D: () => parseCertificates(header),
  A3: () => {
    const i = k++ % VARIANTS;
    for (const v of variants) Certificate.fromDer(v[i]);
  },
  B3: () => {
    for (const der of chain) new X509Certificate(der);
  },
};
for (const fn of Object.values(cases)) fn();
const res = Object.fromEntries(Object.keys(cases).map((key) => [key, []]));
for (let r = 0; r < rounds; r++) for (const [key, fn] of Object.entries(cases)) res[key].push(time(fn));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(Object.entries(res).map(([key, xs]) => [key, median(xs)]));
console.log(`certgate parse, cold (Uptrends leaf):        ${m.A.toFixed(1)} µs/call`);
console.log(`node new X509Certificate (Uptrends leaf):    ${m.B.toFixed(1)} µs/call  -> certgate/node = ${(m.A / m.B).toFixed(2)}x`);
console.log(`certgate fromDer, cached:                    ${m.C.toFixed(1)} µs/call`);
console.log(`certgate URL-escaped PEM header, cached:     ${m.D.toFixed(1)} µs/call`);
console.log(`chain of 3, certgate cold / node:            ${m.A3.toFixed(1)} / ${m.B3.toFixed(1)} µs  -> ${(m.A3 / m.B3).toFixed(2)}x`);
