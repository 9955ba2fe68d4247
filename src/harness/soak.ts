/**
 * Soak test: the real middleware on real mTLS servers (the test PKI's server certificate, the
 * Uptrends preset and a customer route with identities and roles) under mixed concurrent load for
 * a while, with faults injected on the side, and checks that:
 * - every response has the expected status and problem+json code (no 5xx at all);
 * - aborted handshakes and requests leave the servers healthy;
 * - pin and identities files that are deleted, truncated, replaced by garbage or by a symlink
 *   loop during the load leave the last good configuration in force (and are logged);
 * - a logger that throws changes no answer;
 * - heap and RSS do not keep growing (late window vs early window, after a warm-up);
 * - no socket outlives the run (server connection count back to 0, no TCP/TLS handles left).
 *
 * Client and servers share one process (the numbers include both); run with `--expose-gc` for
 * steadier memory samples. `npm run soak -- --minutes N` runs it (scripts/soak.mjs).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createMtlsServer } from '../core/server.js';
import type { GateLogger } from '../core/logger.js';
import { requireClientCert, requireRole } from '../express/index.js';
import { requireUptrendsClientCert } from '../uptrends/index.js';
import type { ExpectedVerdict, ManifestEntry } from './manifest.js';
import { loadTestPki, type TestPki } from './pki.js';

export interface SoakOptions {
  /** How long to load the servers (ms). */
  readonly durationMs: number;
  /** Concurrent clients (default 8). */
  readonly concurrency?: number;
  /** Test PKI directory (default fixtures/pki). */
  readonly pkiDir?: string;
  /** Seed of the request mix (default 1). */
  readonly seed?: number;
  /** Inject faults (aborted connections, configuration file churn, a throwing logger); default true. */
  readonly faults?: boolean;
  /** Progress lines (default: none). */
  readonly onProgress?: (line: string) => void;
}

export interface SoakMemory {
  readonly samples: number;
  /** Median heapUsed / rss (bytes) of the early window (after warm-up) and of the late window. */
  readonly heapEarly: number;
  readonly heapLate: number;
  readonly rssEarly: number;
  readonly rssLate: number;
  /** False when the run was too short for a trend (fewer than 8 samples). */
  readonly judged: boolean;
}

export interface SoakReport {
  readonly ok: boolean;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly requests: number;
  /** Answers by outcome: "200", or the problem code ("CERT_EXPIRED", ...). */
  readonly byCode: Readonly<Record<string, number>>;
  /** Requests by case name. */
  readonly byCase: Readonly<Record<string, number>>;
  /** Deliberately aborted connections by kind. */
  readonly aborted: Readonly<Record<string, number>>;
  /** Configuration file faults injected, and what the gates logged about them. */
  readonly configFaults: { readonly injected: number; readonly errorsLogged: number; readonly reloads: number };
  readonly logger: { readonly calls: number; readonly throws: number };
  readonly memory: SoakMemory;
  readonly sockets: { readonly maxOpen: number; readonly openAtEnd: number; readonly handlesBefore: number; readonly handlesAfter: number };
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** The first violations (at most 50), and how many there were. */
  readonly violations: readonly string[];
  readonly violationCount: number;
}

interface SoakCase {
  readonly name: string;
  readonly server: ServerName;
  readonly path: string;
  readonly client: string | undefined;
  readonly keepAlive: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  /** The problem code of a rejection; undefined for 200. */
  readonly code: string | undefined;
}

/** https.request passes `secureContext` on to tls.connect; its typings omit it. */
type ClientRequestOptions = https.RequestOptions & { readonly secureContext: tls.SecureContext };

/** The mTLS servers, and two behind-a-proxy servers whose header source trusts loopback or nobody here. */
type ServerName = 'uptrends' | 'customer' | 'proxy-trusted' | 'proxy-untrusted';

type AbortKind = 'handshake' | 'mid-request' | 'after-send';

/** mulberry32: a small seeded PRNG, so a mix can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
}

function expectedOf(e: ManifestEntry): { code: ExpectedVerdict; status: number } {
  // The soak's gates do not check revocation.
  if (e.requiresRevocation === true && e.expectedWithoutRevocation !== undefined) {
    return { code: e.expectedWithoutRevocation, status: e.expectedStatusWithoutRevocation ?? 401 };
  }
  return { code: e.expected, status: e.expectedStatus };
}

/** TCP and TLS handles of the process (servers, sockets). */
function networkHandles(): number {
  const info = (process as unknown as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.() ?? [];
  return info.filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'TLSWrap').length;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the soak and returns its report (never throws for a violation: see `ok`). */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const durationMs = options.durationMs;
  if (!Number.isFinite(durationMs) || durationMs <= 0) throw new TypeError('runSoak: durationMs must be a positive number');
  const concurrency = options.concurrency ?? 8;
  const seed = options.seed ?? 1;
  const faults = options.faults ?? true;
  const progress = options.onProgress ?? (() => undefined);
  const pki: TestPki = await loadTestPki(options.pkiDir ?? 'fixtures/pki');
  const manifest = pki.manifest;
  const now = Date.parse(manifest.referenceTime);

  const violations: string[] = [];
  let violationCount = 0;
  const violate = (message: string): void => {
    violationCount += 1;
    if (violations.length < 50) violations.push(message);
  };

  // --- configuration files that the fault injector will damage --------------------------------
  const dir = mkdtempSync(path.join(tmpdir(), 'certgate-soak-'));
  const uptrendsPolicy = manifest.policies['uptrends'];
  const customerPolicy = manifest.policies['customer'];
  if (uptrendsPolicy === undefined || customerPolicy === undefined) throw new Error('runSoak: the test PKI manifest needs the "uptrends" and "customer" policies');
  const pinFile = path.join(dir, 'pins.json');
  const identitiesFile = path.join(dir, 'identities.json');
  const goodPins = JSON.stringify({ version: 1, pins: uptrendsPolicy.pins ?? [] });
  const goodIdentities = JSON.stringify({ version: 1, identities: customerPolicy.identities ?? [] });
  writeFileSync(pinFile, goodPins);
  writeFileSync(identitiesFile, goodIdentities);

  // --- a logger that records what matters and throws on every other call -----------------------
  const logged = { calls: 0, throws: 0, configErrors: 0, reloads: 0, internal: 0 };
  const record = (obj: Record<string, unknown>): void => {
    logged.calls += 1;
    const event = obj['event'];
    if (event === 'certgate.config_invalid') logged.configErrors += 1;
    if (event === 'certgate.pins_reloaded' || event === 'certgate.identities_reloaded') logged.reloads += 1;
    if (event === 'certgate.internal_error') {
      logged.internal += 1;
      violate(`internal error logged: ${JSON.stringify(obj['err'])}`);
    }
    if (faults && logged.calls % 2 === 0) {
      logged.throws += 1;
      throw new Error('soak: this logger throws on every other call');
    }
  };
  const logger: GateLogger = { info: (o) => record(o), warn: (o) => record(o), error: (o) => record(o) };

  // --- servers ----------------------------------------------------------------------------------
  const anchors = pki.anchors('uptrends');
  const uptrendsGate = requireUptrendsClientCert({
    overrideTrustAnchors: anchors.roots,
    overrideIntermediates: anchors.intermediates,
    overridePins: [],
    pinFile,
    maxDepth: uptrendsPolicy.maxDepth,
    now: () => now,
    logger,
  });
  const customerAnchors = pki.anchors('customer');
  const customerGate = requireClientCert({
    trustAnchors: customerAnchors.roots,
    intermediates: customerAnchors.intermediates,
    identitiesFile,
    maxDepth: customerPolicy.maxDepth,
    now: () => now,
    logger,
  });
  const needMonitor = requireRole('monitor');
  const needAdmin = requireRole('admin');
  const ok = (res: ServerResponse): void => {
    const body = JSON.stringify({ ok: true });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const fail = (res: ServerResponse, error: unknown): void => {
    // Reached only when a middleware passes an error on: the soak counts a 500 as a violation.
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(error instanceof Error ? error.message : String(error));
  };
  const serverTls = pki.serverTls();
  const uptrendsServer = createMtlsServer(uptrendsGate, { key: serverTls.key, cert: serverTls.cert }, (req: IncomingMessage, res: ServerResponse) => {
    uptrendsGate(req, res, (error?: unknown) => (error === undefined ? ok(res) : fail(res, error)));
  });
  const customerServer = createMtlsServer(customerGate, { key: serverTls.key, cert: serverTls.cert }, (req: IncomingMessage, res: ServerResponse) => {
    customerGate(req, res, (error?: unknown) => {
      if (error !== undefined) return fail(res, error);
      const role = req.url === '/admin' ? needAdmin : needMonitor;
      role(req, res, (roleError?: unknown) => (roleError === undefined ? ok(res) : fail(res, roleError)));
    });
  });

  // Behind a TLS-terminating proxy: the certificate arrives in RFC 9440 headers. One server trusts
  // the loopback peer as its proxy, the other trusts only 10.0.0.0/8, so for it every forwarded
  // header comes from an untrusted peer and must be ignored.
  const proxiedGate = (trustedProxies: string[]) =>
    requireClientCert({
      trustAnchors: anchors.roots,
      intermediates: anchors.intermediates,
      pins: uptrendsPolicy.pins ?? [],
      maxDepth: uptrendsPolicy.maxDepth,
      source: { header: 'rfc9440', trustedProxies },
      now: () => now,
      logger,
    });
  const trustedProxyGate = proxiedGate(['loopback']);
  const untrustedProxyGate = proxiedGate(['10.0.0.0/8']);
  const proxied = (gate: typeof trustedProxyGate) =>
    https.createServer({ key: serverTls.key, cert: serverTls.cert }, (req: IncomingMessage, res: ServerResponse) => {
      gate(req, res, (error?: unknown) => (error === undefined ? ok(res) : fail(res, error)));
    });
  const trustedProxyServer = proxied(trustedProxyGate);
  const untrustedProxyServer = proxied(untrustedProxyGate);
  const servers = [uptrendsServer, customerServer, trustedProxyServer, untrustedProxyServer];

  const handlesBefore = networkHandles();
  let open = 0;
  let maxOpen = 0;
  for (const server of servers) {
    server.on('connection', (socket: net.Socket) => {
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      socket.once('close', () => {
        open -= 1;
      });
    });
    // Aborted handshakes are part of the mix; the server must simply survive them.
    server.on('tlsClientError', () => undefined);
    server.keepAliveTimeout = 5000;
  }
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const portOf = (s: https.Server): number => (s.address() as net.AddressInfo).port;
  const ports: Record<ServerName, number> = {
    uptrends: portOf(uptrendsServer),
    customer: portOf(customerServer),
    'proxy-trusted': portOf(trustedProxyServer),
    'proxy-untrusted': portOf(untrustedProxyServer),
  };

  // --- the request mix ----------------------------------------------------------------------------
  const cases: SoakCase[] = [];
  const standin = manifest.entries.find((e) => e.id === 'uptrends-standin');
  const standinPem = standin === undefined ? undefined : pki.entry(standin.id).certPem;
  for (const e of manifest.entries) {
    const server = e.policy === 'customer' ? 'customer' : e.policy === 'uptrends' ? 'uptrends' : undefined;
    if (server === undefined) continue;
    const { code, status } = expectedOf(e);
    const verdict = code === 'valid' ? undefined : code;
    for (const keepAlive of [false, true]) cases.push({ name: `${e.id}${keepAlive ? ' (keep-alive)' : ''}`, server, path: server === 'customer' ? '/monitor' : '/', client: e.id, keepAlive, status, code: verdict });
    for (const [policy, other] of Object.entries(e.otherPolicies ?? {})) {
      if (policy !== 'uptrends' && policy !== 'customer') continue;
      cases.push({ name: `${e.id} on ${policy}`, server: policy, path: policy === 'customer' ? '/monitor' : '/', client: e.id, keepAlive: false, status: other.expectedStatus, code: other.expected === 'valid' ? undefined : other.expected });
    }
    if (server === 'customer' && verdict === undefined) {
      cases.push({ name: `${e.id} without the role`, server, path: '/admin', client: e.id, keepAlive: true, status: 403, code: 'ROLE_MISSING' });
    }
  }
  cases.push({ name: 'no certificate', server: 'uptrends', path: '/', client: undefined, keepAlive: false, status: 401, code: 'CERT_MISSING' });
  cases.push({ name: 'no certificate (customer)', server: 'customer', path: '/monitor', client: undefined, keepAlive: true, status: 401, code: 'CERT_MISSING' });
  if (standinPem !== undefined) {
    // Forged proxy headers from a peer that is no trusted proxy: the TLS source never reads them.
    const b64 = standinPem.replace(/-----[^-]+-----|\s/g, '');
    const forged = {
      'x-forwarded-client-cert': `Hash=00;Cert="${encodeURIComponent(standinPem)}";Subject="emailAddress=certificates@uptrends.com"`,
      'client-cert': `:${b64}:`,
      'x-ssl-client-cert': encodeURIComponent(standinPem),
      'x-amzn-mtls-clientcert': encodeURIComponent(standinPem),
      'ssl-client-cert': standinPem.replace(/\n/g, ' '),
    };
    cases.push({ name: 'forged proxy headers, no certificate', server: 'uptrends', path: '/', client: undefined, keepAlive: false, headers: forged, status: 401, code: 'CERT_MISSING' });
    const expired = manifest.entries.find((e) => e.id === 'zoo-expired');
    if (expired !== undefined) {
      cases.push({ name: 'forged proxy headers over an expired certificate', server: 'uptrends', path: '/', client: expired.id, keepAlive: true, headers: forged, status: 401, code: 'CERT_EXPIRED' });
    }
  }
  // Forwarded certificates: every uptrends-policy entry through the trusted proxy (the verdict must
  // be the one of the direct TLS path), and the stand-in forged from an untrusted peer.
  const sf = (pemText: string): string => `:${pemText.replace(/-----[^-]+-----|\s/g, '')}:`;
  for (const e of manifest.entries) {
    if (e.policy !== 'uptrends') continue;
    const material = pki.entry(e.id);
    const { code, status } = expectedOf(e);
    const headers: Record<string, string> = { 'client-cert': sf(material.certPem) };
    if (material.chainPems.length > 0) headers['client-cert-chain'] = material.chainPems.map(sf).join(', ');
    cases.push({ name: `${e.id} via a trusted proxy`, server: 'proxy-trusted', path: '/', client: undefined, keepAlive: true, headers, status, code: code === 'valid' ? undefined : code });
    if (e.id === standin?.id) {
      cases.push({ name: `${e.id} forged by an untrusted peer`, server: 'proxy-untrusted', path: '/', client: undefined, keepAlive: false, headers, status: 401, code: 'CERT_MISSING' });
      cases.push({ name: `${e.id} in two header formats at once`, server: 'proxy-trusted', path: '/', client: undefined, keepAlive: false, headers: { ...headers, 'x-forwarded-client-cert': `Cert="${encodeURIComponent(material.certPem)}"` }, status: 400, code: 'HEADER_AMBIGUOUS' });
      cases.push({ name: 'damaged forwarded certificate', server: 'proxy-trusted', path: '/', client: undefined, keepAlive: true, headers: { 'client-cert': `:${sf(material.certPem).slice(1, 200)}:` }, status: 401, code: 'CERT_MALFORMED' });
    }
  }
  progress(`soak: ${cases.length} request cases, ${faults ? 'with' : 'without'} faults, ${concurrency} clients, ${(durationMs / 1000).toFixed(0)} s`);

  // Client TLS material, once per entry (a secure context per request would dominate the run).
  const contexts = new Map<string | undefined, tls.SecureContext>();
  const contextFor = (id: string | undefined): tls.SecureContext => {
    let context = contexts.get(id);
    if (context === undefined) {
      const entry = id === undefined ? undefined : pki.entry(id);
      context = tls.createSecureContext({
        ca: serverTls.ca,
        // The zoo holds a SHA-1-signed certificate that OpenSSL's default level refuses to load.
        ciphers: 'DEFAULT:@SECLEVEL=0',
        ...(entry === undefined ? {} : { cert: [entry.certPem, ...entry.chainPems].join('\n'), key: entry.keyPem }),
      });
      contexts.set(id, context);
    }
    return context;
  };
  const agents = new Map<string, https.Agent>();
  const agentFor = (c: SoakCase): https.Agent | false => {
    if (!c.keepAlive) return false;
    const key = `${c.server}|${c.client ?? ''}`;
    let agent = agents.get(key);
    if (agent === undefined) {
      agent = new https.Agent({ keepAlive: true, maxSockets: 2, secureContext: contextFor(c.client) } as https.AgentOptions);
      agents.set(key, agent);
    }
    return agent;
  };

  const byCode: Record<string, number> = {};
  const byCase: Record<string, number> = {};
  const aborted: Record<AbortKind, number> = { handshake: 0, 'mid-request': 0, 'after-send': 0 };
  const latencies: number[] = [];
  let requests = 0;

  const request = (c: SoakCase): Promise<void> =>
    new Promise((resolve) => {
      const started = performance.now();
      const requestOptions: ClientRequestOptions = {
        host: '127.0.0.1',
        port: ports[c.server],
        path: c.path,
        servername: 'localhost',
        headers: c.headers,
        agent: agentFor(c),
        secureContext: contextFor(c.client),
      };
      const req = https.request(
        requestOptions,
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            latencies.push(performance.now() - started);
            requests += 1;
            byCase[c.name] = (byCase[c.name] ?? 0) + 1;
            const status = res.statusCode ?? 0;
            let code: string | undefined;
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: unknown };
              code = typeof body.code === 'string' ? body.code : undefined;
            } catch {
              code = undefined;
            }
            const label = status === 200 ? '200' : (code ?? `HTTP ${status}`);
            byCode[label] = (byCode[label] ?? 0) + 1;
            if (status >= 500) violate(`${c.name}: HTTP ${status} (${Buffer.concat(chunks).toString('utf8').slice(0, 200)})`);
            else if (status !== c.status || code !== c.code) violate(`${c.name}: expected ${c.status} ${c.code ?? ''}, got ${status} ${code ?? ''}`);
            resolve();
          });
          res.on('error', (error) => {
            violate(`${c.name}: response error ${error.message}`);
            resolve();
          });
        },
      );
      req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')));
      req.on('error', (error: NodeJS.ErrnoException) => {
        violate(`${c.name}: ${error.code ?? error.message}`);
        resolve();
      });
      req.end();
    });

  const abortConnection = (kind: AbortKind, server: ServerName): Promise<void> =>
    new Promise((resolve) => {
      aborted[kind] += 1;
      const port = ports[server];
      if (kind === 'handshake') {
        // A TLS record header announcing a ClientHello, then garbage, then gone.
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.write(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), randomBytes(40)]));
          setTimeout(() => socket.destroy(), 2);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      } else if (kind === 'mid-request') {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext: contextFor(standin?.id) }, () => {
          socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nX-Partial: ');
          setTimeout(() => socket.destroy(), 2);
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      } else {
        const requestOptions: ClientRequestOptions = { host: '127.0.0.1', port, path: '/', servername: 'localhost', agent: false, secureContext: contextFor(standin?.id) };
        const req = https.request(requestOptions);
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        req.on('socket', (socket) => socket.once('secureConnect', () => setImmediate(() => req.destroy())));
        req.end();
      }
    });

  // --- configuration churn ------------------------------------------------------------------------
  let configFaults = 0;
  const churn = (step: number): void => {
    const target = step % 2 === 0 ? pinFile : identitiesFile;
    const good = target === pinFile ? goodPins : goodIdentities;
    const temp = `${target}.tmp`;
    try {
      rmSync(temp, { force: true });
      switch (Math.floor(step / 2) % 6) {
        case 0:
          unlinkSync(target); // deleted
          break;
        case 1:
          writeFileSync(temp, good.slice(0, Math.floor(good.length / 2))); // truncated
          renameSync(temp, target);
          break;
        case 2:
          writeFileSync(temp, randomBytes(512)); // garbage
          renameSync(temp, target);
          break;
        case 3:
          rmSync(target, { force: true }); // a symlink loop
          symlinkSync(path.basename(target), target);
          break;
        case 4:
          writeFileSync(temp, JSON.stringify({ version: 1, [target === pinFile ? 'pins' : 'identities']: [{ bogus: true }] })); // valid JSON, invalid content
          renameSync(temp, target);
          break;
        default:
          rmSync(target, { force: true });
          writeFileSync(temp, good); // restored
          renameSync(temp, target);
          break;
      }
      configFaults += 1;
    } catch (error) {
      violate(`fault injector: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  // --- memory samples ------------------------------------------------------------------------------
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: Array<{ heap: number; rss: number }> = [];
  const sampleEvery = Math.max(200, Math.floor(durationMs / 40));
  const sample = (): void => {
    gc?.();
    const m = process.memoryUsage();
    samples.push({ heap: m.heapUsed, rss: m.rss });
  };

  // --- run ---------------------------------------------------------------------------------------------
  const random = prng(seed);
  const deadline = Date.now() + durationMs;
  const sampler = setInterval(sample, sampleEvery);
  let churnStep = 0;
  const churner = faults ? setInterval(() => churn(churnStep++), Math.max(150, Math.min(1000, Math.floor(durationMs / 20)))) : undefined;
  let lastProgress = Date.now();
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const r = random();
      if (faults && r < 0.04) {
        const kinds: AbortKind[] = ['handshake', 'mid-request', 'after-send'];
        await abortConnection(kinds[Math.floor(random() * kinds.length)] as AbortKind, random() < 0.5 ? 'uptrends' : 'customer');
      } else {
        await request(cases[Math.floor(random() * cases.length)] as SoakCase);
      }
      if (Date.now() - lastProgress > 10_000) {
        lastProgress = Date.now();
        progress(`soak: ${requests} requests, ${violationCount} violations, ${Math.round((deadline - Date.now()) / 1000)} s left`);
      }
    }
  };
  const started = Date.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    clearInterval(sampler);
    if (churner !== undefined) clearInterval(churner);
  }
  const elapsed = Date.now() - started;

  // The last good configuration must still be in force, whatever state the files were left in.
  const pinsInForce = uptrendsGate.gate.pins.length;
  const identitiesInForce = customerGate.gate.identities.length;
  if (pinsInForce !== (uptrendsPolicy.pins ?? []).length) violate(`pins in force after the run: ${pinsInForce}, expected ${(uptrendsPolicy.pins ?? []).length}`);
  if (identitiesInForce !== (customerPolicy.identities ?? []).length) violate(`identities in force after the run: ${identitiesInForce}`);
  if (faults && configFaults > 2 && logged.configErrors === 0) violate('configuration files were damaged but no config_invalid error was logged');

  // --- sockets back to zero -----------------------------------------------------------------------------
  for (const agent of agents.values()) agent.destroy();
  for (let i = 0; i < 100 && open > 0; i++) await sleep(50);
  const openAtEnd = open;
  if (openAtEnd !== 0) violate(`${openAtEnd} server connections still open after every client closed`);
  for (const g of [uptrendsGate, customerGate, trustedProxyGate, untrustedProxyGate]) g.gate.close();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  let handlesAfter = networkHandles();
  for (let i = 0; i < 40 && handlesAfter > handlesBefore; i++) {
    await sleep(50);
    handlesAfter = networkHandles();
  }
  if (handlesAfter > handlesBefore) violate(`network handles: ${handlesBefore} before the run, ${handlesAfter} after`);
  rmSync(dir, { recursive: true, force: true });

  // --- memory trend ---------------------------------------------------------------------------------------
  const judged = samples.length >= 8;
  const quarter = Math.floor(samples.length / 4);
  const early = samples.slice(quarter, 2 * quarter);
  const late = samples.slice(samples.length - quarter);
  const memory: SoakMemory = {
    samples: samples.length,
    heapEarly: median(early.map((s) => s.heap)),
    heapLate: median(late.map((s) => s.heap)),
    rssEarly: median(early.map((s) => s.rss)),
    rssLate: median(late.map((s) => s.rss)),
    judged,
  };
  const MB = 1024 * 1024;
  if (judged) {
    // Generous: a leak of a few bytes per request grows without bound over minutes and trips this;
    // allocator noise and JIT warm-up do not.
    if (memory.heapLate > memory.heapEarly * 1.5 + 16 * MB) violate(`heap grew from ${(memory.heapEarly / MB).toFixed(1)} MB to ${(memory.heapLate / MB).toFixed(1)} MB`);
    if (memory.rssLate > memory.rssEarly * 1.5 + 64 * MB) violate(`RSS grew from ${(memory.rssEarly / MB).toFixed(0)} MB to ${(memory.rssLate / MB).toFixed(0)} MB`);
  }
  if (requests === 0) violate('no request was answered');

  const sorted = [...latencies].sort((x, y) => x - y);
  return {
    ok: violationCount === 0,
    durationMs: elapsed,
    concurrency,
    seed,
    requests,
    byCode,
    byCase,
    aborted,
    configFaults: { injected: configFaults, errorsLogged: logged.configErrors, reloads: logged.reloads },
    logger: { calls: logged.calls, throws: logged.throws },
    memory,
    sockets: { maxOpen, openAtEnd, handlesBefore, handlesAfter },
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
    violations,
    violationCount,
  };
}

/** The report as the lines `npm run soak` prints. */
export function formatSoakReport(r: SoakReport): string {
  const MB = 1024 * 1024;
  const counts = (record: Readonly<Record<string, number>>): string =>
    Object.entries(record)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const lines = [
    `soak: ${(r.durationMs / 1000).toFixed(1)} s, ${r.concurrency} clients, seed ${r.seed}: ${r.requests} requests (${(r.requests / (r.durationMs / 1000)).toFixed(1)}/s), ${r.violationCount} violations`,
    `  answers by code: ${counts(r.byCode)}`,
    `  aborted on purpose: ${counts(r.aborted)}`,
    `  configuration faults injected: ${r.configFaults.injected} (config_invalid logged ${r.configFaults.errorsLogged}, reloads ${r.configFaults.reloads}); logger calls ${r.logger.calls}, of which threw ${r.logger.throws}`,
    r.memory.judged
      ? `  memory: heap ${(r.memory.heapEarly / MB).toFixed(1)} MB early → ${(r.memory.heapLate / MB).toFixed(1)} MB late (×${(r.memory.heapLate / r.memory.heapEarly).toFixed(2)}), RSS ${(r.memory.rssEarly / MB).toFixed(0)} → ${(r.memory.rssLate / MB).toFixed(0)} MB, ${r.memory.samples} samples`
      : `  memory: ${r.memory.samples} samples, too few to judge a trend (run longer)`,
    `  sockets: at most ${r.sockets.maxOpen} open, ${r.sockets.openAtEnd} open at the end; network handles ${r.sockets.handlesBefore} before, ${r.sockets.handlesAfter} after`,
    `  latency: p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms, max ${r.latencyMs.max.toFixed(1)} ms`,
  ];
  for (const v of r.violations) lines.push(`  VIOLATION: ${v}`);
  if (r.violationCount > r.violations.length) lines.push(`  ... and ${r.violationCount - r.violations.length} more violations`);
  lines.push(r.ok ? 'soak: PASS' : 'soak: FAIL');
  return lines.join('\n');
}
