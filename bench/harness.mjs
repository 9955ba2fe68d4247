// Harness benchmarks (run: npm run bench:harness). Figures are ratios against a baseline measured
// in the same run, alternating A B A B, because the machine drifts.
//  1. Test PKI generation: cold (every key generated) vs warm (keys from the committed cache).
//  2. PKCS#12 MAC key derivation at 600,000 iterations: certgate's KDF vs pkijs' (why we have our own).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { generateTestPki } from '../dist/harness/index.js';
import { bmpPassword, KDF_PURPOSE, pkcs12Kdf } from '../dist/cert/pkcs12-kdf.js';

const rounds = Number(process.env.ROUNDS ?? 2);
const tmp = mkdtempSync(path.join(tmpdir(), 'certgate-bench-'));
const now = new Date('2026-01-01T00:00:00Z');
const cold = [];
const warm = [];
for (let i = 0; i < rounds; i++) {
  cold.push((await generateTestPki({ now, outDir: path.join(tmp, `cold${i}`) })).stats.totalMs);
  warm.push((await generateTestPki({ now, outDir: path.join(tmp, `warm${i}`), keyCacheDir: 'fixtures/pki/keys' })).stats.totalMs);
}
rmSync(tmp, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`test PKI: cold ${cold.join(', ')} ms; warm ${warm.join(', ')} ms; cold/warm ${(median(cold) / median(warm)).toFixed(1)}x`);

const engine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto });
const salt = new Uint8Array(16).fill(7);
const ours = [];
const theirs = [];
for (let i = 0; i < rounds; i++) {
  let t = performance.now();
  pkcs12Kdf('sha256', bmpPassword('password'), salt, KDF_PURPOSE.mac, 600_000, 32);
  ours.push(performance.now() - t);
  t = performance.now();
  await engine.stampDataWithPassword({ password: new TextEncoder().encode('password').buffer, hashAlgorithm: 'SHA-256', salt: salt.buffer, iterationCount: 600_000, contentToStamp: new Uint8Array(1).buffer });
  theirs.push(performance.now() - t);
}
console.log(`PKCS#12 MAC KDF, 600k iterations: certgate ${ours.map((x) => x.toFixed(0)).join(', ')} ms; pkijs ${theirs.map((x) => x.toFixed(0)).join(', ')} ms; pkijs/certgate ${(median(theirs) / median(ours)).toFixed(1)}x`);
