// Your own CA, certificates mapped to identities with roles (the SAP service-key / DigiCert ONE
// model): any certificate of the CA gets through the TLS gate, but only a certificate listed in
// the identities file has an identity, and each route demands roles.
//
//   TLS_KEY=server.key TLS_CERT=server.crt CLIENT_CA=customer-ca.pem IDENTITIES=identities.json node server.mjs
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { disableRenegotiation, mtlsServerOptions } from 'certgate';
import { requireAnyRole, requireClientCert, requireRole } from 'certgate/express';

/**
 * `clientCa`: your CA certificate(s) (PEM text); `identitiesFile`: who is who (watched: edit it
 * and the change applies without a restart).
 */
export function createServer({ key, cert, clientCa, identitiesFile, logger }) {
  const gate = requireClientCert({
    trustAnchors: clientCa,
    identitiesFile,
    ...(logger === undefined ? {} : { logger }),
  });
  const app = express();
  app.use(gate);
  const whoami = (req, res) => res.json({ identity: req.clientIdentity.name, roles: req.clientIdentity.roles, subject: req.clientCertificate.subject });
  app.get('/orders', requireRole('monitor'), whoami); // needs "monitor"
  app.get('/reports', requireAnyRole('read', 'finance'), whoami); // needs one of them
  app.get('/admin', requireRole('admin'), whoami); // needs "admin"
  const server = disableRenegotiation(https.createServer(mtlsServerOptions(gate, { key, cert }), app));
  server.on('close', () => gate.gate.close());
  return server;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createServer({
    key: readFileSync(process.env.TLS_KEY ?? 'server.key'),
    cert: readFileSync(process.env.TLS_CERT ?? 'server.crt'),
    clientCa: readFileSync(process.env.CLIENT_CA ?? 'customer-ca.pem', 'utf8'),
    identitiesFile: process.env.IDENTITIES ?? 'identities.json',
  });
  const port = Number(process.env.PORT ?? 8443);
  server.listen(port, () => console.log(`listening on https://localhost:${port} (/orders, /reports, /admin)`));
}
