// Micro-benchmarks (CPU time) of the Uptrends-shaped chain (RSA-4096 leaf <- RSA-2048 intermediate <-
// RSA-4096 root), alternating A B A B so drift cancels; medians over rounds.
//
//  cold chain      certgate: parse leaf + intermediate (parse cache cleared: new models, so the
//                  per-certificate signature and profile caches are cold too) + path validation
//                  (two signature checks)  vs  node:crypto: new X509Certificate(leaf) +
//                  new X509Certificate(intermediate) + leaf.verify(intermediate key) +
//                  intermediate.verify(root key): the same parses and signatures, no policy.
//  cold leaf       the realistic first sight: a new leaf, the intermediate already known (the
//                  preset configures it)  vs  new X509Certificate(leaf) + leaf.verify(key).
//  gate, cached    gate.evaluate() of a keep-alive request on a connection already judged.
//  gate, new conn  gate.evaluate() on a new connection presenting a known chain (the per-chain
//                  cache; the source's getPeerCertificate stand-in costs next to nothing here).
//  header, cached  gate.evaluate() of a request whose forwarded-certificate header was seen
//                  before (only when the header source is available).
import { X509Certificate } from 'node:crypto';
import { createVerifier, parseCertificate } from '../../dist/index.js';
import { clearCertificateCache, Certificate } from '../../dist/cert/certificate.js';
import { createUptrendsGate } from '../../dist/uptrends/index.js';
import { median } from './stats.mjs';


/**
 * CPU µs per call (process.cpuUsage: user + system), not wall time: on a shared machine a wall
 * clock also counts the time other processes held the core.
 */
function timeUs(fn, n) {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  const d = process.cpuUsage(t);
  return (d.user + d.system) / n;
}

/** Runs each case `rounds` times, interleaved, and returns median µs per call. */
function interleaved(cases, rounds, n) {
  const out = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  // Warm-up: a full round of each case first, so the JIT has compiled the code measured (a
  // server in steady state has; "cold" here means caches cleared, not unoptimized code).
  for (const fn of Object.values(cases)) timeUs(fn, n);
  for (let r = 0; r < rounds; r++) {
    const names = Object.keys(cases);
    if (r % 2 === 1) names.reverse();
    for (const name of names) out[name].push(timeUs(cases[name], n));
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { us: median(v), rounds: v }]));
}

export function runMicro({ pki, rounds = 4, n = 400, headerSource, headerFor }) {
  const standin = pki.entry('uptrends-standin');
  const anchors = pki.anchors('uptrends');
  const leafDer = Buffer.from(parseCertificate(standin.certPem).der);
  const interDer = Buffer.from(parseCertificate(anchors.intermediates[0]).der);
  const root = parseCertificate(anchors.roots[0]);
  const rootX = new X509Certificate(Buffer.from(root.der));
  const rootKey = rootX.publicKey;
  const interKeyX = new X509Certificate(interDer).publicKey;
  const at = new Date();

  const chainVerifier = createVerifier({ trustAnchors: [root], purpose: 'client', maxDepth: 1 });
  const knownInter = parseCertificate(interDer);
  const leafVerifier = createVerifier({ trustAnchors: [root], intermediates: [knownInter], purpose: 'client', maxDepth: 1 });

  const expectValid = (r) => {
    if (!r.valid) throw new Error(`bench: expected a valid chain, got ${r.error?.code}`);
  };
  const cold = interleaved(
    {
      certgate: () => {
        clearCertificateCache();
        expectValid(chainVerifier.verify(Certificate.fromDer(leafDer), [Certificate.fromDer(interDer)], at));
      },
      node: () => {
        const leaf = new X509Certificate(leafDer);
        const inter = new X509Certificate(interDer);
        if (!leaf.verify(inter.publicKey) || !inter.verify(rootKey)) throw new Error('bench: bad signature');
      },
    },
    rounds,
    n,
  );
  const coldLeaf = interleaved(
    {
      certgate: () => {
        clearCertificateCache();
        expectValid(leafVerifier.verify(Certificate.fromDer(leafDer), [], at));
      },
      node: () => {
        if (!new X509Certificate(leafDer).verify(interKeyX)) throw new Error('bench: bad signature');
      },
    },
    rounds,
    n,
  );
  clearCertificateCache();

  // The gate as the middleware calls it, with stand-ins for TLS sockets.
  const gateOptions = {
    overrideTrustAnchors: anchors.roots,
    overrideIntermediates: anchors.intermediates,
    overridePins: pki.manifest.policies.uptrends.pins,
    maxDepth: 1,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  };
  const gate = createUptrendsGate(gateOptions);
  const peer = { raw: leafDer, issuerCertificate: { raw: interDer } };
  peer.issuerCertificate.issuerCertificate = peer.issuerCertificate;
  const fakeSocket = () => ({ getPeerCertificate: () => peer, isSessionReused: () => false, encrypted: true });
  const accepted = (v) => {
    if (v.outcome !== 'accepted') throw new Error(`bench: expected the gate to accept, got ${v.code}`);
  };
  const keepAliveRequest = { socket: fakeSocket(), headers: {} };
  const cases = {
    cached: () => accepted(gate.evaluate(keepAliveRequest)),
    newConnection: () => accepted(gate.evaluate({ socket: fakeSocket(), headers: {} })),
  };
  if (headerSource !== undefined) {
    const headerGate = createUptrendsGate({ ...gateOptions, source: headerSource });
    const request = { socket: { remoteAddress: '127.0.0.1', encrypted: false }, headers: headerFor(standin.certPem) };
    cases.headerCached = () => accepted(headerGate.evaluate(request));
  }
  const gateTimes = interleaved(cases, rounds, n * 10);

  return {
    coldChain: { certgateUs: cold.certgate.us, nodeUs: cold.node.us, ratio: cold.certgate.us / cold.node.us },
    coldLeaf: { certgateUs: coldLeaf.certgate.us, nodeUs: coldLeaf.node.us, ratio: coldLeaf.certgate.us / coldLeaf.node.us },
    gateCachedUs: gateTimes.cached.us,
    gateNewConnectionUs: gateTimes.newConnection.us,
    headerCachedUs: gateTimes.headerCached?.us,
  };
}

/**
 * CPU µs of reading the client's certificate on a new TLS connection (the first call on each
 * socket; later calls on the same socket are not comparable, and certgate reads once per
 * connection): getPeerCertificate(true), the only Node API with the whole presented chain (what
 * the TLS source reads when the gate has no intermediates configured, or the leaf alone does not
 * validate), getPeerCertificate(false) (the leaf only: what the TLS source reads first when the
 * gate has intermediates configured, and what client-certificate-auth reads) and
 * getPeerX509Certificate() (leaf and first sent issuer; not used: it removes the issuers from
 * OpenSSL's peer chain, so later getPeerCertificate(true) calls see the leaf alone).
 * Interleaved over `connections` connections; medians.
 */
export async function peerCertificateCost({ pki, connections = 90 }) {
  const tls = await import('node:tls');
  const standin = pki.entry('uptrends-standin');
  const { key, cert } = pki.serverTls();
  const methods = {
    detailed: (s) => s.getPeerCertificate(true),
    leafOnly: (s) => s.getPeerCertificate(false),
    x509: (s) => s.getPeerX509Certificate()?.issuerCertificate?.raw,
  };
  const names = Object.keys(methods);
  const times = Object.fromEntries(names.map((k) => [k, []]));
  let chainLength = 0;
  let i = 0;
  const server = tls.createServer({ key, cert, requestCert: true, rejectUnauthorized: false, ca: pki.anchors('uptrends').roots });
  server.on('secureConnection', (socket) => {
    const name = names[i++ % names.length];
    const t = process.cpuUsage();
    const value = methods[name](socket);
    const d = process.cpuUsage(t);
    times[name].push(d.user + d.system);
    if (name === 'detailed') {
      const seen = new Set();
      for (let c = value; c?.raw !== undefined && !seen.has(c); c = c.issuerCertificate) seen.add(c);
      chainLength = seen.size;
    }
    socket.end();
  });
  server.on('tlsClientError', () => undefined);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    for (let k = 0; k < connections; k++) {
      await new Promise((resolve) => {
        const c = tls.connect({ port: server.address().port, host: '127.0.0.1', cert: [standin.certPem, ...standin.chainPems].join(''), key: standin.keyPem, rejectUnauthorized: false });
        c.on('error', resolve);
        c.on('close', resolve);
        c.resume();
      });
    }
  } finally {
    server.close();
  }
  return {
    detailedUs: median(times.detailed),
    leafOnlyUs: median(times.leafOnly),
    x509Us: median(times.x509),
    detailedChainLength: chainLength,
  };
}
