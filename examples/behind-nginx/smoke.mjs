#!/usr/bin/env node
// Smoke test of examples/behind-nginx: a TEST PKI valid now, an Express app guarded by
// requireUptrendsClientCert reading the certificate from nginx's header, and a real nginx
// started from this directory's nginx.conf (ports swapped for free ones) on 127.0.0.1.
// One request through nginx with the Uptrends stand-in certificate must be accepted; one
// without a certificate, and one with a forged header sent straight to the app, must not.
// Exit 0 on success, 1 otherwise; everything it started is stopped and removed.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { requireUptrendsClientCert } from 'certgate';
import { request } from 'certgate/client';
import { generateTestPki } from 'certgate/harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROXY_ADDRESS = '127.0.0.2';

if (process.env.CERTGATE_SKIP_NGINX === '1') {
  console.log('behind-nginx: skipped (CERTGATE_SKIP_NGINX=1)');
  process.exit(0);
}
const nginxBin = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (nginxBin === undefined) {
  console.error('behind-nginx: nginx is not installed (apt-get install -y nginx), or set CERTGATE_SKIP_NGINX=1');
  process.exit(1);
}

const dir = mkdtempSync(path.join(tmpdir(), 'certgate-behind-nginx-'));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
let failed = false;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function check(label, ok, detail) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}: ${detail}`);
  if (!ok) failed = true;
}

try {
  // 1. A TEST PKI valid now (the repository's cached keys make this take seconds).
  const keyCache = path.join(dir, 'keys');
  const cachedKeys = path.join(here, '../../fixtures/pki/keys');
  if (existsSync(cachedKeys)) cpSync(cachedKeys, keyCache, { recursive: true });
  const pki = await generateTestPki({ outDir: path.join(dir, 'pki'), keyCacheDir: keyCache });
  const anchors = pki.anchors('uptrends');

  // 2. The app: certgate reads the certificate nginx forwards, from nginx only.
  const app = express();
  app.use(
    requireUptrendsClientCert({
      overrideTrustAnchors: anchors.roots, // the TEST PKI stands in for the real Sectigo chain
      overrideIntermediates: anchors.intermediates,
      overridePins: pki.manifest.policies.uptrends.pins,
      source: { header: 'nginx', trustedProxies: [PROXY_ADDRESS] },
      logger: false,
    }),
  );
  app.get('/hello', (req, res) => res.json({ hello: req.clientCertificate.subject, pin: req.clientCertificate.pinLabel }));
  const server = http.createServer(app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  const appPort = server.address().port;

  // 3. nginx from this directory's nginx.conf, with free ports and the TEST server certificate.
  const prefix = path.join(dir, 'nginx');
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(prefix, 'tmp', sub), { recursive: true });
  writeFileSync(path.join(prefix, 'server.pem'), pki.text(pki.manifest.server.cert));
  writeFileSync(path.join(prefix, 'server.key'), pki.text(pki.manifest.server.key), { mode: 0o600 });
  const template = readFileSync(path.join(here, 'nginx.conf'), 'utf8');
  if (!template.includes('127.0.0.1:8443') || !template.includes('server 127.0.0.1:3000;')) throw new Error('nginx.conf no longer has the ports this smoke test replaces');
  // Start nginx on a free port; if another process takes the port first, try another one.
  async function startNginx(port) {
    const conf = template.replace('127.0.0.1:8443', `127.0.0.1:${port}`).replace('server 127.0.0.1:3000;', `server 127.0.0.1:${appPort};`);
    writeFileSync(path.join(prefix, 'nginx.conf'), conf);
    let log = '';
    const nginx = spawn(nginxBin, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', 'stderr', '-g', `daemon off; pid ${prefix}/nginx.pid; error_log stderr warn;`], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stderr.on('data', (d) => (log += d));
    let exited = false;
    nginx.on('exit', () => (exited = true));
    const stop = () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        nginx.once('exit', resolve);
        nginx.kill('SIGTERM');
      });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const up = await new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (up) return stop;
      if (exited || Date.now() > deadline) {
        await stop();
        throw new Error(`nginx did not start:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let nginxPort;
  for (let attempt = 1; ; attempt++) {
    nginxPort = await freePort();
    try {
      cleanups.unshift(await startNginx(nginxPort));
      break;
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
    }
  }
  console.log(`nginx on https://127.0.0.1:${nginxPort} -> app on http://127.0.0.1:${appPort} (trusting ${PROXY_ADDRESS} only)`);

  // 4. Requests, with the companion client.
  const ca = pki.path(pki.manifest.server.ca);
  const good = await request(`https://127.0.0.1:${nginxPort}/hello`, { clientCert: 'uptrends', pkiDir: pki.dir, ca });
  check('Uptrends stand-in through nginx', good.status === 200, `${good.status} ${good.body}`);
  const none = await request(`https://127.0.0.1:${nginxPort}/hello`, { clientCert: 'none', ca });
  check('no certificate through nginx', none.status === 401 && none.problem?.code === 'CERT_MISSING', `${none.status} ${none.problem?.code}`);
  const forged = readFileSync(pki.path(pki.entry('uptrends-standin').cert), 'utf8');
  const direct = await request(`http://127.0.0.1:${appPort}/hello`, { headers: { 'X-SSL-Client-Cert': encodeURIComponent(forged) } });
  check('forged header straight to the app', direct.status === 401 && direct.problem?.code === 'CERT_MISSING', `${direct.status} ${direct.problem?.code}`);
} catch (error) {
  console.error(`behind-nginx: ${error instanceof Error ? error.message : String(error)}`);
  failed = true;
} finally {
  for (const cleanup of cleanups) await cleanup();
}
process.exit(failed ? 1 : 0);
