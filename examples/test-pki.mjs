// The TEST PKI the examples' smoke runs use (never trust its certificates outside tests):
// $CERTGATE_PKI when it holds one (npm test passes the PKI it generated for the run), otherwise one
// generated now into a temporary directory, with keys reused from fixtures/pki/keys (seconds).
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTestPki, loadTestPki } from 'certgate/harness';

/** @returns {Promise<{ dir: string, pki: import('certgate/harness').TestPki, cleanup(): void }>} */
export async function testPki() {
  const given = process.env.CERTGATE_PKI;
  if (given !== undefined && given !== '' && existsSync(path.join(given, 'manifest.json'))) {
    return { dir: given, pki: await loadTestPki(given), cleanup() {} };
  }
  const root = mkdtempSync(path.join(tmpdir(), 'certgate-example-'));
  const keyCacheDir = path.join(root, 'keys');
  const fixtureKeys = fileURLToPath(new URL('../fixtures/pki/keys', import.meta.url));
  if (existsSync(fixtureKeys)) cpSync(fixtureKeys, keyCacheDir, { recursive: true });
  const dir = path.join(root, 'pki');
  const pki = await generateTestPki({ outDir: dir, keyCacheDir });
  return { dir, pki, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Prints one line per check and remembers failures; `finish()` sets the exit code. */
export function checks(name) {
  let failed = 0;
  return {
    expect(what, actual, expected) {
      const ok = actual === expected;
      if (!ok) failed += 1;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${actual}${ok ? '' : ` (expected ${expected})`}`);
    },
    finish() {
      console.log(failed === 0 ? `${name}: all checks passed` : `${name}: ${failed} check(s) failed`);
      process.exitCode = failed === 0 ? 0 : 1;
    },
  };
}
