#!/usr/bin/env node
// Soak test of the middleware on real mTLS servers (see src/harness/soak.ts).
//
//   npm run soak                       1 minute
//   npm run soak -- --minutes 30       30 minutes
//   npm run soak -- --seconds 10 --concurrency 16 --seed 7 --no-faults --pki fixtures/pki
//
// Prints a summary with counts by code; exits 1 on any violation, 2 on bad arguments.
import { formatSoakReport, runSoak } from '../dist/harness/soak.js';

const args = process.argv.slice(2);
let durationMs = 60_000;
let concurrency = 8;
let seed = 1;
let faults = true;
let pkiDir = 'fixtures/pki';
const usage = 'usage: npm run soak -- [--minutes N | --seconds N] [--concurrency N] [--seed N] [--no-faults] [--pki DIR]';
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const next = () => {
    const value = args[++i];
    if (value === undefined) {
      console.error(`soak: ${arg} needs a value\n${usage}`);
      process.exit(2);
    }
    return value;
  };
  const number = (value, min) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) {
      console.error(`soak: ${arg} must be a number >= ${min}, found ${value}`);
      process.exit(2);
    }
    return n;
  };
  if (arg === '--minutes') durationMs = number(next(), 0.01) * 60_000;
  else if (arg === '--seconds') durationMs = number(next(), 1) * 1000;
  else if (arg === '--concurrency') concurrency = Math.floor(number(next(), 1));
  else if (arg === '--seed') seed = Math.floor(number(next(), 0));
  else if (arg === '--no-faults') faults = false;
  else if (arg === '--pki') pkiDir = next();
  else if (arg === '--help' || arg === '-h') {
    console.log(usage);
    process.exit(0);
  } else {
    console.error(`soak: unknown argument ${arg}\n${usage}`);
    process.exit(2);
  }
}
if (globalThis.gc === undefined) console.log('soak: tip: node --expose-gc gives steadier memory samples (npm run soak does this)');
const report = await runSoak({ durationMs, concurrency, seed, faults, pkiDir, onProgress: (line) => console.log(line) });
console.log(formatSoakReport(report));
process.exit(report.ok ? 0 : 1);
