// Generates the API reference (docs/api/, gitignored) with typedoc from the JSDoc of the public
// entry points: src/index.ts and every subpath export of package.json. `--check` emits nothing
// and fails on any warning (an undocumented or unexported public type, a broken {@link}).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
/** "./dist/client/index.d.ts" -> "src/client/index.ts" for each export with types. */
export const entryPoints = Object.values(pkg.exports)
  .map((target) => (typeof target === 'object' && target !== null ? target.types : undefined))
  .filter((types) => typeof types === 'string' && types.startsWith('./dist/'))
  .map((types) => types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));

const typedoc = join(dirname(createRequire(import.meta.url).resolve('typedoc/package.json')), 'bin', 'typedoc');
const check = process.argv.includes('--check');
const result = spawnSync(process.execPath, [typedoc, '--options', 'typedoc.json', ...(check ? ['--emit', 'none'] : []), ...entryPoints.flatMap((e) => ['--entryPoints', e])], {
  cwd: root,
  stdio: 'inherit',
});
process.exitCode = result.status ?? 1;
