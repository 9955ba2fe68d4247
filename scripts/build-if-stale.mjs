#!/usr/bin/env node
/**
 * `npm run demo` runs this first: it rebuilds dist (`npm run build`) only when a source file, the
 * package manifest or a TypeScript configuration is newer than the last build. `npm install`
 * already built dist (prepare), so the common case costs milliseconds instead of a full tsc run
 * (about 15 s of CPU on a small machine). Exits with the build's status.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));

function mtime(file) {
  try {
    return statSync(path.join(root, file)).mtimeMs;
  } catch {
    return 0;
  }
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(rel));
    else latest = Math.max(latest, mtime(rel));
  }
  return latest;
}

// tsc rewrites every output on a build, so the entry point's time is the last build's.
const built = mtime('dist/cli/main.js');
const sources = Math.max(newest('src'), mtime('package.json'), mtime('tsconfig.json'), mtime('tsconfig.build.json'));
if (built === 0 || sources > built) {
  const npm = process.env['npm_execpath'];
  const result = npm === undefined
    ? spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
    : spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.exitCode = result.status ?? 1;
}
