#!/usr/bin/env node
// Long fuzz run over every parser (the properties of test/fuzz, with many more inputs).
//
//   npm run fuzz                                   100 000 inputs per property, random seed
//   npm run fuzz -- --runs 5000 --seed 42          fewer inputs, fixed seed
//   npm run fuzz -- --only pkcs12                  only test/fuzz/*pkcs12*
//   npm run fuzz -- --seed S --path P --only NAME  replay the failure fast-check printed
//   npm run fuzz -- --max-ms 250                   per-input time bound (default 250 ms)
//
// The seed is printed first; a failure prints fast-check's counterexample, seed and path.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';

const args = process.argv.slice(2);
const options = { runs: '100000', seed: String(randomInt(2 ** 31 - 1)), only: '', path: '', maxMs: '250' };
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = args[i + 1];
  const take = (key) => {
    if (value === undefined) {
      console.error(`fuzz: ${arg} needs a value`);
      process.exit(2);
    }
    options[key] = value;
    i += 1;
  };
  if (arg === '--runs') take('runs');
  else if (arg === '--seed') take('seed');
  else if (arg === '--only') take('only');
  else if (arg === '--path') take('path');
  else if (arg === '--max-ms') take('maxMs');
  else if (arg === '--help' || arg === '-h') {
    console.log('usage: npm run fuzz -- [--runs N] [--seed S] [--only NAME] [--path P] [--max-ms MS]');
    process.exit(0);
  } else {
    console.error(`fuzz: unknown argument ${arg}; try --help`);
    process.exit(2);
  }
}
for (const key of ['runs', 'seed', 'maxMs']) {
  if (!/^\d+$/.test(options[key])) {
    console.error(`fuzz: --${key} must be a non-negative integer, found ${options[key]}`);
    process.exit(2);
  }
}

const filter = options.only === '' ? 'test/fuzz' : `test/fuzz/${options.only}`;
console.log(`fuzz: ${options.runs} inputs per property, seed ${options.seed}, bound ${options.maxMs} ms per input (${filter})`);
console.log(`fuzz: reproduce with: npm run fuzz -- --runs ${options.runs} --seed ${options.seed}${options.only === '' ? '' : ` --only ${options.only}`}`);
const started = Date.now();
const result = spawnSync('npx', ['vitest', 'run', filter, '--testTimeout', '0', '--hookTimeout', '0', '--reporter', 'verbose'], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: options.runs, FUZZ_SEED: options.seed, FUZZ_PATH: options.path, FUZZ_MAX_MS: options.maxMs },
});
console.log(`fuzz: finished in ${((Date.now() - started) / 1000).toFixed(0)} s, seed ${options.seed}: ${result.status === 0 ? 'no failure' : 'FAILED (see the counterexample above)'}`);
process.exit(result.status ?? 1);
