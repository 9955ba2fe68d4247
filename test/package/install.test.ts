/**
 * The package as a user gets it: `npm pack` (of the build `npm test` just made), checked for what
 * it contains, then installed into throwaway ESM, CommonJS (require(esm), Node >= 20.19) and
 * TypeScript NodeNext projects that import every entry and call the middleware.
 *
 * Offline and fast: the tarball is extracted into the projects' node_modules/certgate, and only
 * the dependencies certgate DECLARES (plus the consumer's own express, fastify, typescript and
 * types) are linked from this repository's node_modules, so an undeclared runtime import fails
 * here exactly as it would for a user.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const win = process.platform === 'win32';
let work: string;
let files: string[];
let packed: { dependencies?: Record<string, string>; exports: Record<string, unknown>; bin: Record<string, string>; main: string; types: string };

function sh(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: win, timeout: 120_000 });
}

function link(name: string): void {
  const target = join(work, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', name), target, 'junction');
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'certgate-package-'));
  const out = JSON.parse(sh(win ? 'npm.cmd' : 'npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const info = out[0]!;
  files = info.files.map((f) => f.path);
  const dest = join(work, 'node_modules', 'certgate');
  mkdirSync(dest, { recursive: true });
  sh('tar', ['-xzf', join(work, info.filename), '-C', dest, '--strip-components=1'], work);
  packed = JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8')) as typeof packed;
  for (const dep of Object.keys(packed.dependencies ?? {})) link(dep);
  for (const dep of ['express', 'fastify', 'typescript', '@types/node', '@types/express']) link(dep);
}, 120_000);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('contains no sources, tests, fixtures, benchmarks, scripts or source maps', () => {
    const bad = files.filter((f) => /^(src|test|fixtures|bench|scripts|dist-test|node_modules)\//.test(f) || f.endsWith('.map') || /\.test\.[cm]?[jt]s$/.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
    expect(bad).toEqual([]);
    expect(files.every((f) => /^(dist|assets)\//.test(f) || ['package.json', 'README.md', 'LICENSE'].includes(f))).toBe(true);
  });

  it('contains LICENSE, README, the bundled Uptrends trust material, and every entry point', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'assets/uptrends/pins.json', 'assets/uptrends/usertrust-rsa-root.pem', 'assets/uptrends/sectigo-rsa-client-auth-ca.pem']) expect(files).toContain(f);
    const targets = [packed.main, packed.types, ...Object.values(packed.bin)];
    for (const value of Object.values(packed.exports)) {
      if (typeof value === 'string') targets.push(value);
      else targets.push(...Object.values(value as Record<string, string>));
    }
    for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''));
    expect(Object.keys(packed.exports)).toEqual(expect.arrayContaining(['.', './express', './node', './fastify', './uptrends', './client', './harness']));
  });
});

/** The same checks from ESM and CommonJS; `lib` holds the entries however the project loaded them. */
const BODY = `
const results = {};
const uptrendsPem = lib.fs.readFileSync(process.env.UPTRENDS_PEM, 'utf8');
const sectigoPem = lib.fs.readFileSync(process.env.SECTIGO_PEM, 'utf8');

// The bundled Uptrends preset (assets/ must be in the package): the published certificate is accepted at a date inside its validity.
const gate = lib.uptrends.createUptrendsGate({ logger: false });
const verdict = await gate.checkCertificates([uptrendsPem, sectigoPem], { at: new Date('2025-01-01T00:00:00Z') });
results.preset = { outcome: verdict.outcome, pinLabel: verdict.certificate && verdict.certificate.pinLabel };

async function serve(listener) {
  const server = lib.http.createServer(listener);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch('http://127.0.0.1:' + server.address().port + '/');
    return { status: res.status, type: res.headers.get('content-type'), code: (await res.json()).code };
  } finally {
    server.close();
  }
}
// Plain HTTP carries no client certificate: every adapter must answer 401 CERT_MISSING problem+json.
const app = lib.express();
app.use(lib.uptrends.requireUptrendsClientCert({ logger: false }));
app.use(lib.certgateExpress.requireRole('admin'));
app.get('/', (req, res) => res.json({ admitted: true }));
results.express = await serve(app);
results.node = await serve(lib.node.withClientCert(gate, (req, res) => res.end('admitted')));
const fastifyApp = lib.Fastify();
await fastifyApp.register(lib.fastify.fastifyClientCert, { gate });
fastifyApp.get('/', async () => ({ admitted: true }));
await fastifyApp.ready();
results.fastify = await serve((req, res) => fastifyApp.routing(req, res));
await fastifyApp.close();

results.error = new lib.certgate.ClientCertError('PIN_MISMATCH', 'x').status;
results.entries = {
  client: typeof lib.client.request,
  harness: typeof lib.harness.issueClientCertificate,
  defaultFastify: lib.fastifyDefault === lib.fastify.fastifyClientCert,
};
gate.close();
console.log(JSON.stringify(results));
`;

const ESM = `
import fs from 'node:fs';
import http from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import * as certgate from 'certgate';
import * as certgateExpress from 'certgate/express';
import * as uptrends from 'certgate/uptrends';
import * as node from 'certgate/node';
import fastifyDefault, * as fastify from 'certgate/fastify';
import * as client from 'certgate/client';
import * as harness from 'certgate/harness';
const lib = { fs, http, express, Fastify, certgate, certgateExpress, uptrends, node, fastify, fastifyDefault, client, harness };
${BODY}
`;

const CJS = `
const lib = {
  fs: require('node:fs'),
  http: require('node:http'),
  express: require('express'),
  Fastify: require('fastify'),
  certgate: require('certgate'),
  certgateExpress: require('certgate/express'),
  uptrends: require('certgate/uptrends'),
  node: require('certgate/node'),
  fastify: require('certgate/fastify'),
  client: require('certgate/client'),
  harness: require('certgate/harness'),
};
lib.fastifyDefault = lib.fastify.default;
(async () => {
${BODY}
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

const EXPECTED = {
  preset: { outcome: 'accepted', pinLabel: expect.any(String) },
  express: { status: 401, type: 'application/problem+json', code: 'CERT_MISSING' },
  node: { status: 401, type: 'application/problem+json', code: 'CERT_MISSING' },
  fastify: { status: 401, type: 'application/problem+json', code: 'CERT_MISSING' },
  error: 403,
  entries: { client: 'function', harness: 'function', defaultFastify: true },
};

function project(name: string, type: 'module' | 'commonjs', sources: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `certgate-${name}-consumer`, private: true, type }));
  for (const [file, text] of Object.entries(sources)) writeFileSync(join(dir, file), text);
  return dir;
}

function runNode(dir: string, file: string): unknown {
  const out = execFileSync(process.execPath, [file], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, UPTRENDS_PEM: join(ROOT, 'fixtures/reference/uptrends-2024.pem'), SECTIGO_PEM: join(ROOT, 'fixtures/reference/sectigo-rsa-client-auth-ca.pem'), NODE_NO_WARNINGS: '1' },
  });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('installed from the tarball', () => {
  it('an ESM project imports every entry and the middleware answers', () => {
    const dir = project('esm', 'module', { 'main.js': ESM });
    expect(runNode(dir, 'main.js')).toEqual(EXPECTED);
  });

  it('a CommonJS project require()s every entry (require(esm)) and the middleware answers', () => {
    const dir = project('cjs', 'commonjs', { 'main.js': CJS });
    expect(runNode(dir, 'main.js')).toEqual(EXPECTED);
  });

  it('a TypeScript NodeNext project (ESM and .cts) type-checks against the published types', () => {
    const dir = project('ts', 'module', {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
        include: ['*.ts', '*.cts'],
      }),
      'index.ts': `
import express from 'express';
import Fastify from 'fastify';
import { ClientCertError, createClientCertGate, type Verdict } from 'certgate';
import { requireClientCert, requireRole } from 'certgate/express';
import { requireUptrendsClientCert, type UptrendsClientCertOptions } from 'certgate/uptrends';
import { withClientCert, requireRole as nodeRole } from 'certgate/node';
import certgate, { requireRole as fastifyRole } from 'certgate/fastify';

const options: UptrendsClientCertOptions = { match: 'identity', logger: false };
const app = express();
app.use(requireUptrendsClientCert(options));
app.get('/admin', requireRole('admin'), (req, res) => {
  const serial: string | undefined = req.clientCertificate?.serial;
  res.json({ serial, roles: req.clientIdentity?.roles });
});
const gate = createClientCertGate({ trustAnchors: '-----BEGIN CERTIFICATE-----' });
app.use(requireClientCert(gate));
const verdict: Verdict = await gate.check({});
if (!verdict.ok) {
  const error: ClientCertError = verdict.error;
  console.log(error.code satisfies string, verdict.status);
}
const listener = withClientCert(gate, nodeRole('ops')((req, res) => {
  res.end(req.clientIdentity?.name ?? '');
}));
listener.gate.close();
const f = Fastify();
await f.register(certgate, { gate });
await f.register(certgate, { trustAnchors: [], optional: true });
f.get('/', { preHandler: fastifyRole('read') }, async (request) => request.clientCertificate?.subject ?? null);
// @ts-expect-error a misspelled option is a type error
requireClientCert({ trustAnchor: 'x' });
// @ts-expect-error the mode is 'all' or 'any'
requireRole('a', { mode: 'some' });
`,
      'legacy.cts': `
import certgate = require('certgate');
import certgateExpress = require('certgate/express');
const gate: certgate.ClientCertGate = certgate.createClientCertGate({ trustAnchors: [] });
export const middleware: certgateExpress.ClientCertMiddleware = certgateExpress.requireClientCert(gate);
`,
    });
    let output = '';
    try {
      sh(process.execPath, [join(work, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 120_000);
});
