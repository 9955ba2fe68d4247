// Smoke run: the custom-CA app on 127.0.0.1 trusting the TEST Customer CA, with an identities file
// written from the TEST PKI manifest. The custom client certificate (identity "monitoring-client",
// roles monitor + read) may see /orders and /reports but not /admin; the Uptrends stand-in, from
// another CA, is refused at the door.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'certgate/client';
import { checks, testPki } from '../test-pki.mjs';
import { createServer } from './server.mjs';

const { dir, pki, cleanup } = await testPki();
const policy = pki.manifest.policies.customer;
const work = mkdtempSync(path.join(tmpdir(), 'certgate-custom-ca-'));
const identitiesFile = path.join(work, 'identities.json');
writeFileSync(identitiesFile, `${JSON.stringify({ version: 1, identities: policy.identities }, null, 2)}\n`);
const { key, cert } = pki.serverTls();
const server = createServer({ key, cert, clientCa: pki.anchors(policy.anchors).roots, identitiesFile, logger: false });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `https://127.0.0.1:${server.address().port}`;
const check = checks('custom-ca-roles');
try {
  const common = { pkiDir: dir, trustPkiServer: true, timeoutMs: 15_000 };
  const orders = await request(`${base}/orders`, { ...common, clientCert: 'pki:custom-client' });
  check.expect('GET /orders with the custom certificate', orders.status, 200);
  check.expect('  identity', orders.json?.identity, 'monitoring-client');
  const reports = await request(`${base}/reports`, { ...common, clientCert: 'pki:custom-client' });
  check.expect('GET /reports (any of read, finance)', reports.status, 200);
  const admin = await request(`${base}/admin`, { ...common, clientCert: 'pki:custom-client' });
  check.expect('GET /admin without the admin role', `${admin.status} ${admin.problem?.code}`, '403 ROLE_MISSING');
  const stranger = await request(`${base}/orders`, { ...common, clientCert: 'uptrends' });
  check.expect('GET /orders with a certificate of another CA', `${stranger.status} ${stranger.problem?.code}`, '401 CHAIN_UNTRUSTED');
} finally {
  server.close();
  server.closeAllConnections();
  rmSync(work, { recursive: true, force: true });
  cleanup();
}
check.finish();
