/**
 * Every runnable example (examples/<name>/smoke.mjs) is started and hit once: it must exit 0.
 * New examples are picked up without touching this file. The examples import certgate by its
 * package name, i.e. the built dist/ (npm test builds first), and use the test PKI generated for
 * this run (CERTGATE_PKI), so nothing depends on the committed fixtures' dates.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
const smokes = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(examplesDir, entry.name, 'smoke.mjs')))
  .map((entry) => entry.name)
  .sort();
const TIMEOUT_MS = 180_000;

function run(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(examplesDir, name, 'smoke.mjs')],
      { cwd: path.join(examplesDir, name), env: { ...process.env, CERTGATE_PKI: inject('freshPkiDir'), NO_COLOR: '1' }, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, output: `${stdout}${stderr}${error !== null && error.killed ? `\n(killed after ${TIMEOUT_MS} ms)` : ''}` });
      },
    );
  });
}

describe('examples', () => {
  it('are there, each with a README.md', () => {
    expect(smokes).toEqual(expect.arrayContaining(['custom-ca-roles', 'minimal-express', 'multi-step-scenario']));
    for (const name of smokes) expect(existsSync(path.join(examplesDir, name, 'README.md')), `examples/${name}/README.md`).toBe(true);
  });

  it.each(smokes)('%s: smoke.mjs exits 0', { timeout: TIMEOUT_MS + 10_000 }, async (name) => {
    const { code, output } = await run(name);
    expect(code, `examples/${name}/smoke.mjs output:\n${output}`).toBe(0);
  });
});
