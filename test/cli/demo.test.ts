/**
 * `certgate demo`: in-process for the run and its exit codes, and as a real process for
 * `--serve` (the printed curl commands are run through sh against the live server, then Ctrl-C).
 * `npm test` builds dist first; the `--serve` test runs dist/cli/main.js.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './capture-cli.js';
import { loadTestPki } from '../../src/harness/pki.js';

const root = mkdtempSync(path.join(tmpdir(), 'certgate-demo-cli-'));
const dir = path.join(root, 'demo');
let rowCount = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface JsonResult {
  ok: boolean;
  url: string;
  failed: string[];
  pki: { reused: boolean; dir: string };
  rows: Array<{ case: { name: string; expected: string; expectedStatus: number }; status: number; code?: string; ok: boolean }>;
}

describe('certgate demo', () => {
  it('--json: every row as expected, exit 0', async () => {
    const run = await cli(['demo', '--dir', dir, '--json'], { cwd: root });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as JsonResult;
    expect(result.ok).toBe(true);
    expect(result.pki).toMatchObject({ reused: false, dir: path.join(dir, 'pki') });
    expect(result.rows.length).toBeGreaterThanOrEqual(20);
    expect(result.rows.every((r) => r.ok)).toBe(true);
    rowCount = result.rows.length;
  }, 120_000);

  it('prints one table and the verdict; the second run reuses the PKI', async () => {
    const run = await cli(['demo', '--dir', 'demo'], { cwd: root });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^TEST PKI demo\/pki: reused \(generated /);
    expect(run.stdout).toMatch(/example API \(Express 5 \+ helmet \+ pino\) on https:\/\/127\.0\.0\.1:\d+; log demo\/server\.log/);
    expect(run.stdout).toMatch(/\ncase\s+certificate\s+HTTP status\s+code\s+expected\s+ok\n/);
    expect(run.stdout).toMatch(/no certificate\s+none\s+401\s+CERT_MISSING\s+401 CERT_MISSING\s+ok/);
    expect(run.stdout).toMatch(/custom certificate\s+customer \(vault \.p12\)\s+200\s+-\s+200\s+ok/);
    expect(run.stdout).toMatch(/\n(\d+) of \1 rows as expected/);
    // server.log holds the latest run only: one request line per row.
    const requests = readFileSync(path.join(dir, 'server.log'), 'utf8').split('\n').filter((line) => line.includes('"msg":"request"'));
    expect(requests).toHaveLength(rowCount);
  }, 120_000);

  it('--url against a server that accepts everything: the failing rows are named, exit 1', async () => {
    const pki = await loadTestPki(path.join(dir, 'pki'));
    const { key, cert } = pki.serverTls();
    const server = https.createServer({ key, cert, requestCert: true, rejectUnauthorized: false }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const run = await cli(['demo', '--dir', dir, '--url', `https://127.0.0.1:${(server.address() as AddressInfo).port}`], { cwd: root });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/running the rows against https:\/\/127\.0\.0\.1:\d+/);
      expect(run.stdout).toMatch(/FAILED: no certificate \(none -> \/uptrends\/status\): status: expected 401, got 200/);
      expect(run.stdout).toMatch(/FAILED: zoo: expired /);
      expect(run.stdout).toMatch(/rows NOT as expected: .*zoo: expired/);
      expect(run.stdout).toMatch(/Uptrends stand-in\s+uptrends\s+200\s+-\s+200\s+ok/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 120_000);

  it('rejects bad arguments with exit 2', async () => {
    expect((await cli(['demo', '--port', '8443'], { cwd: root })).stderr).toMatch(/--port applies to --serve/);
    expect((await cli(['demo', '--url', 'http://127.0.0.1:1'], { cwd: root })).code).toBe(2);
    expect((await cli(['demo', '--serve', '--url', 'https://127.0.0.1:1'], { cwd: root })).code).toBe(2);
    expect((await cli(['demo', '--serve', '--port', 'x'], { cwd: root })).code).toBe(2);
    expect((await cli(['demo', 'extra'], { cwd: root })).code).toBe(2);
    expect((await cli(['demo', '--help'], { cwd: root })).stdout).toMatch(/--serve\s+keep the API running after the table and print a curl command/);
  });

  it('--serve: the printed curl commands reproduce the rows against the live server; Ctrl-C stops it cleanly', async () => {
    const bin = path.resolve('dist/cli/main.js');
    const child = spawn(process.execPath, [bin, 'demo', '--serve', '--dir', dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "Serving on" within 60 s; stdout: ${stdout}; stderr: ${stderr}`)), 60_000);
        child.stdout.on('data', () => {
          if (stdout.includes('Serving on')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => reject(new Error(`exited with ${String(code)}: ${stderr}`)));
      });
      const blocks = [...stdout.matchAll(/^# (.+): expect (.+)\n(.+)$/gm)].map((m) => ({ name: m[1] ?? '', expected: m[2] ?? '', command: m[3] ?? '' }));
      expect(blocks.length).toBeGreaterThanOrEqual(20);
      const pick = (name: string) => {
        const found = blocks.find((b) => b.name === name);
        if (found === undefined) throw new Error(`no curl command for "${name}"`);
        return found;
      };
      // The stand-in (leaf + intermediate bundle), a weak zoo certificate (needs OPENSSL_CONF), none, the role route.
      for (const block of [pick('Uptrends stand-in'), pick('zoo: rsa1024'), pick('no certificate'), pick('custom certificate, admin role missing')]) {
        const { stdout: out } = await promisify(execFile)('sh', ['-c', block.command], { timeout: 20_000 });
        const [status, code] = block.expected.split(' ');
        expect(out, block.command).toContain(`(HTTP ${status ?? ''})`);
        if (code !== undefined) expect(JSON.parse(out.split('\n')[0] ?? '')).toMatchObject({ code, status: Number(status) });
        else expect(JSON.parse(out.split('\n')[0] ?? '')).toMatchObject({ ok: true });
      }
      expect(pick('zoo: rsa1024').command).toMatch(/^OPENSSL_CONF=\S+openssl-seclevel0\.cnf curl /);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/stopped the example API\n$/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
