// Smoke run: starts the example API (certgate/harness, the demo's Express app) on 127.0.0.1 with
// the TEST PKI, puts the custom client certificate's PKCS#12 next to a copy of scenario.yaml as
// the vault file, and runs `certgate scenario` on it: exit 0 when every step passed.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startExampleApi } from 'certgate/harness';
import { checks, testPki } from '../test-pki.mjs';

const packageJson = createRequire(import.meta.url).resolve('certgate/package.json');
const bin = path.join(path.dirname(packageJson), JSON.parse(readFileSync(packageJson, 'utf8')).bin.certgate);

const { dir, pki, cleanup } = await testPki();
const work = mkdtempSync(path.join(tmpdir(), 'certgate-scenario-'));
const scenario = path.join(work, 'scenario.yaml');
copyFileSync(fileURLToPath(new URL('scenario.yaml', import.meta.url)), scenario);
const customer = pki.entry('custom-client');
copyFileSync(pki.path(customer.p12), path.join(work, 'customer.p12'));
const api = await startExampleApi({ pki, log: false });
const check = checks('multi-step-scenario');
try {
  const env = { ...process.env, API_URL: api.url, CUSTOMER_P12_PASSWORD: customer.p12Password, NO_COLOR: '1' };
  console.log(`$ API_URL=${api.url} certgate scenario scenario.yaml --pki ${dir}`);
  const run = await promisify(execFile)(process.execPath, [bin, 'scenario', scenario, '--pki', dir], { env, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (error) => ({ code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? String(error) }),
  );
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  check.expect('certgate scenario exit code', run.code, 0);
  check.expect('summary', /4 steps: 4 passed/.test(run.stdout), true);
} finally {
  await api.close();
  rmSync(work, { recursive: true, force: true });
  cleanup();
}
check.finish();
