// Smoke run: the minimal Express app on 127.0.0.1 (ephemeral port) with the preset pointed at the
// TEST PKI; one request with the Uptrends stand-in (200), one without a certificate (401) and one
// with a validly issued certificate that is not pinned (403).
import { request } from 'certgate/client';
import { checks, testPki } from '../test-pki.mjs';
import { createServer } from './server.mjs';

const { dir, pki, cleanup } = await testPki();
const policy = pki.manifest.policies.uptrends;
const anchors = pki.anchors(policy.anchors);
const { key, cert } = pki.serverTls();
const server = createServer({
  key,
  cert,
  uptrends: { overrideTrustAnchors: anchors.roots, overrideIntermediates: anchors.intermediates, overridePins: policy.pins, maxDepth: policy.maxDepth, logger: false },
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `https://127.0.0.1:${server.address().port}/health`;
const check = checks('minimal-express');
try {
  const common = { pkiDir: dir, trustPkiServer: true, timeoutMs: 15_000 };
  const standin = await request(url, { ...common, clientCert: 'uptrends' });
  check.expect('GET /health with the Uptrends stand-in', standin.status, 200);
  check.expect('  caller', standin.json?.caller, 'emailAddress=certificates@uptrends.com');
  const none = await request(url, { ...common, clientCert: 'none' });
  check.expect('GET /health without a certificate', `${none.status} ${none.problem?.code}`, '401 CERT_MISSING');
  const other = await request(url, { ...common, clientCert: 'pki:zoo-same-subject-other-key' });
  check.expect('GET /health with a valid but unpinned certificate', `${other.status} ${other.problem?.code}`, '403 PIN_MISMATCH');
} finally {
  server.close();
  server.closeAllConnections();
  cleanup();
}
check.finish();
