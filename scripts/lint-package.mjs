#!/usr/bin/env node
/**
 * Lints the package as it would be published, offline: publint (package.json, `exports`, `files`)
 * and @arethetypeswrong/cli on the packed tarball (types of every entry under Node16 ESM and
 * CommonJS and bundlers; profile esm-only: certgate is ESM, CommonJS loads it with require(esm)).
 * Expects a build (`npm run build`); packs with --ignore-scripts so it does not build again.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const win = process.platform === 'win32';
const bin = (name) => join(root, 'node_modules', '.bin', win ? `${name}.cmd` : name);
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit', shell: win });

if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('lint:package: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'certgate-lint-'));
try {
  const packed = JSON.parse(execFileSync(win ? 'npm.cmd' : 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8', shell: win }));
  const tarball = join(dir, packed[0].filename);
  run(bin('publint'), ['--strict']);
  run(bin('attw'), [tarball, '--profile', 'esm-only', '--no-definitely-typed', '--no-emoji', '--no-color']);
} catch (error) {
  console.error(`lint:package failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
