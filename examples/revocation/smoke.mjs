// Smoke test of examples/revocation: starts the harness's CRL server and OCSP responder on
// 127.0.0.1, generates a test PKI whose certificates point at it, serves an Express app over mTLS
// with requireClientCert({ revocation: { mode: 'hard-fail' } }), and calls it with the Uptrends
// stand-in (200) and the revoked zoo certificate (401 CERT_REVOKED). Then takes the responder down:
// the cached answers keep the stand-in working. Exits 0 on success, 1 otherwise; cleans up.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { createMtlsServer, requireClientCert } from 'certgate';
import { generateTestPki, startRevocationResponder } from 'certgate/harness';

const work = mkdtempSync(path.join(tmpdir(), 'certgate-revocation-smoke-'));
let responder;
let server;
let ok = false;
try {
  responder = await startRevocationResponder();
  cpSync(new URL('../../fixtures/pki/keys', import.meta.url), path.join(work, 'keys'), { recursive: true });
  const pki = await generateTestPki({ keyCacheDir: path.join(work, 'keys'), revocationBaseUrl: responder.url, p12Iterations: 1000 });
  responder.load(pki);
  console.log(`revocation responders on ${responder.url}`);

  const anchors = pki.anchors('uptrends');
  const gate = requireClientCert({
    trustAnchors: anchors.roots,
    intermediates: anchors.intermediates,
    revocation: { mode: 'hard-fail', ocsp: { enabled: true, timeoutMs: 3000 } },
    logger: false,
  });
  const app = express();
  app.use(gate);
  app.get('/hello', (req, res) => res.json({ hello: req.clientCertificate.subject }));
  const tls = pki.serverTls();
  server = createMtlsServer(gate, { key: tls.key, cert: tls.cert }, app);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;

  const call = (id) =>
    new Promise((resolve, reject) => {
      const entry = pki.entry(id);
      const req = https.request(
        { host: '127.0.0.1', port, path: '/hello', servername: 'localhost', ca: tls.ca, cert: [entry.certPem, ...entry.chainPems].join(''), key: entry.keyPem, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            const body = JSON.parse(text);
            console.log(`${id}: HTTP ${res.statusCode}${body.code === undefined ? '' : ` ${body.code}`}`);
            resolve({ status: res.statusCode, code: body.code });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });

  const good = await call('uptrends-standin');
  const revoked = await call('zoo-revoked');
  const asked = { ...responder.requests };
  responder.fault = 'down';
  const cached = await call('uptrends-standin');
  const checks = [
    ['the stand-in passes (200)', good.status === 200],
    ['the revoked certificate is 401 CERT_REVOKED', revoked.status === 401 && revoked.code === 'CERT_REVOKED'],
    // The stand-in's path asks OCSP and the CRL for the leaf and the intermediate at once; the
    // revoked leaf is then answered from the intermediate's cached CRL.
    [`one OCSP request per certificate and one CRL per CA (ocsp ${asked.ocsp}, crl ${asked.crl})`, asked.ocsp === 2 && asked.crl === 2],
    ['with the responder down the cached answer still serves the stand-in', cached.status === 200 && responder.requests.ocsp === asked.ocsp],
  ];
  for (const [what, passed] of checks) console.log(`${passed ? 'ok  ' : 'FAIL'} ${what}`);
  ok = checks.every(([, passed]) => passed);
} catch (error) {
  console.error(`smoke failed: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  server?.closeAllConnections();
  server?.close();
  await responder?.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(ok ? 'revocation smoke: OK' : 'revocation smoke: FAILED');
process.exit(ok ? 0 : 1);
