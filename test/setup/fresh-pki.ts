/**
 * vitest globalSetup: generates one test PKI for the whole run, valid *now*, with the harness's own
 * generator, `certgate pki init` (keys reused from fixtures/pki/keys, so it takes seconds). Tests that make real TLS
 * connections and verify the server certificate use it: the committed fixtures are fixed in time
 * and their server certificate would eventually expire, which would make those tests depend on
 * the wall clock. Tests read the directory with `inject('freshPkiDir')`.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Directory of a test PKI generated for this run (manifest.json inside), valid at the wall-clock now. */
    freshPkiDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const root = mkdtempSync(path.join(tmpdir(), 'certgate-fresh-pki-'));
  // A copy of the key cache, so a generator that needs a new key never writes into fixtures/.
  const keyCacheDir = path.join(root, 'key-cache');
  cpSync(new URL('../../fixtures/pki/keys', import.meta.url), keyCacheDir, { recursive: true });
  const outDir = path.join(root, 'pki');
  // The built CLI in its own process: vitest's global-setup module runner loads @peculiar's
  // dual ESM/CJS packages twice ("Cannot get schema for 'OctetString'"). `npm test` builds first.
  const bin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  if (!existsSync(bin)) throw new Error(`test/setup/fresh-pki.ts needs ${bin}: run \`npm run build\` (npm test does)`);
  await promisify(execFile)(process.execPath, [bin, 'pki', 'init', '--out', outDir, '--key-cache', keyCacheDir], { timeout: 120_000 });
  project.provide('freshPkiDir', outDir);
  return () => rmSync(root, { recursive: true, force: true });
}
