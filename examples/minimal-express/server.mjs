// The minimal certgate deployment: an Express API on a real https server that admits only
// callers presenting the Uptrends client certificate.
//
//   TLS_KEY=server.key TLS_CERT=server.crt PIN_FILE=pins.json node server.mjs
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { disableRenegotiation, mtlsServerOptions } from 'certgate';
import { requireUptrendsClientCert } from 'certgate/uptrends';

/**
 * The API: `uptrends` are the options of requireUptrendsClientCert. In production pass
 * `{ pinFile: 'pins.json' }` (kept current with `certgate pins update`, hot-reloaded); the smoke
 * run points the preset at the harness's TEST PKI instead.
 */
export function createServer({ key, cert, uptrends = {} }) {
  const gate = requireUptrendsClientCert(uptrends);
  const app = express();
  app.use(gate); // every route below needs the Uptrends certificate
  app.get('/health', (req, res) => {
    const caller = req.clientCertificate;
    res.json({ ok: true, caller: caller.subject, pin: caller.pinLabel, daysRemaining: caller.daysRemaining });
  });
  // mtlsServerOptions: ask for a client certificate, advertise the trusted CA names, TLS 1.2+, and
  // let the middleware answer a bad certificate with a clear 401/403 problem+json.
  const server = disableRenegotiation(https.createServer(mtlsServerOptions(gate, { key, cert }), app));
  server.on('close', () => gate.gate.close()); // stop watching the pin file
  return server;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createServer({
    key: readFileSync(process.env.TLS_KEY ?? 'server.key'),
    cert: readFileSync(process.env.TLS_CERT ?? 'server.crt'),
    uptrends: process.env.PIN_FILE === undefined ? {} : { pinFile: process.env.PIN_FILE },
  });
  const port = Number(process.env.PORT ?? 8443);
  server.listen(port, () => console.log(`listening on https://localhost:${port}/health (Uptrends client certificate required)`));
}
