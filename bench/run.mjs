// certgate's benchmark (run: npm run bench; npm run bench -- --help). Not part of npm test.
//
// Side by side, in one run: Express 5 mTLS servers with no certificate check (the baseline), a
// hand-written req.socket.authorized check, the client-certificate-auth package, and
// requireUptrendsClientCert (pinned; test PKI from the harness, RSA-4096 leaf like the real one);
// the header path (nginx's forwarded certificate behind a plain http listener) against a plain
// http baseline; 100 000 distinct certificates through the header path for memory; and
// micro-benchmarks of cold validation and cached lookups.
//
// Every server runs in its own process (bench/lib/server.mjs); the load generator (autocannon,
// or a plain http client for the memory phase) runs in this one. Variants alternate A B C D,
// D C B A, ... over several short rounds, so the machine's drift cancels, and every figure is a
// ratio against the baseline of the same round (median over rounds). CPU µs per request is the
// server process's process.cpuUsage() (user + system) over the requests it served.
import { fork } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createBenchPki, createMassCertificates, toPem } from './lib/pki.mjs';
import { peerCertificateCost, runMicro } from './lib/micro.mjs';
import { median, medianInterval } from './lib/stats.mjs';
import { requireUptrendsClientCert } from '../dist/uptrends/index.js';

const TLS_VARIANTS = ['tls-none', 'tls-authorized', 'tls-cca', 'tls-certgate'];
const PHASES = ['micro', 'keepalive', 'handshake', 'header', 'memory'];
const HELP = `Usage: npm run bench -- [options]

Phases (default: all): ${PHASES.join(', ')}
  --phase NAME         run only this phase (repeatable, or comma-separated)
  --duration SECONDS   length of each load run (default 2)
  --rounds N           rounds of alternating variants (default 8)
  --variants LIST      only these TLS variants (comma-separated; the baseline tls-none is always first):
                       ${TLS_VARIANTS.join(', ')}
  --connections N      concurrent connections for keep-alive and header runs (default 10)
  --handshake-connections N   concurrent connections for the handshake phase (default 4)
  --certs N            distinct certificates in the memory phase (default 100000)
  --micro-iterations N calls per micro-benchmark round (default 400; cached lookups 10x)
  --memory-idle SECONDS  idle time before each garbage collection while memory settles (default 5)
  --time-middleware    time each check middleware inside its server (hrtime around the call; the
                       route after it is not counted) and report µs per request: attribution, for
                       a run of its own (the timer itself costs ~0.3 µs per request)
  --json               print the results as JSON (nothing else on stdout)
  --markdown           print the results as Markdown tables (for docs/performance.md)
  --help               this text

Examples:
  npm run bench
  npm run bench -- --phase keepalive --duration 5
  npm run bench -- --phase micro,memory --certs 20000 --json
`;

/**
 * Seconds of load before a keep-alive or header run's counters start (connections open, server
 * warm). Not in the handshake phase, where every request opens its own connection anyway.
 */
const LEAD_IN_SECONDS = 0.5;

const TARGETS = {
  keepalive: 0.98,
  handshake: 0.95,
  header: 0.95,
  coldValidation: 1.5,
  memoryGrowthMB: 50,
  memorySecondPassMB: 5,
};

/** The nginx header preset of the proxy source (issue 6): $ssl_client_escaped_cert, URL-escaped PEM. */
const HEADER_SOURCE = { header: 'nginx', trustedProxies: ['127.0.0.1'] };
const HEADER_NAME = 'x-ssl-client-cert';
const headerFor = (pem) => ({ [HEADER_NAME]: encodeURIComponent(pem) });

function options() {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string', multiple: true },
      variants: { type: 'string' },
      duration: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '8' },
      connections: { type: 'string', default: '10' },
      'handshake-connections': { type: 'string', default: '4' },
      certs: { type: 'string', default: '100000' },
      'micro-iterations': { type: 'string', default: '400' },
      'memory-idle': { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      'time-middleware': { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const phases = (values.phase ?? PHASES).flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  for (const p of phases) if (!PHASES.includes(p)) throw new UsageError(`unknown phase "${p}"; phases: ${PHASES.join(', ')}`);
  const num = (name, min, max) => {
    const v = Number(values[name]);
    if (!Number.isFinite(v) || v < min || v > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, found "${values[name]}"`);
    return v;
  };
  const variants = values.variants === undefined ? TLS_VARIANTS : ['tls-none', ...values.variants.split(',').map((v) => v.trim()).filter((v) => v !== 'tls-none')];
  for (const v of variants) if (!TLS_VARIANTS.includes(v)) throw new UsageError(`unknown variant "${v}"; variants: ${TLS_VARIANTS.join(', ')}`);
  return {
    variants,
    phases: PHASES.filter((p) => phases.includes(p)),
    duration: num('duration', 0.5, 600),
    rounds: Math.round(num('rounds', 1, 50)),
    connections: Math.round(num('connections', 1, 1000)),
    handshakeConnections: Math.round(num('handshake-connections', 1, 1000)),
    certs: Math.round(num('certs', 10, 10_000_000)),
    microIterations: Math.round(num('micro-iterations', 1, 1_000_000)),
    memoryIdleSeconds: num('memory-idle', 0, 60),
    json: values.json,
    timeMiddleware: values['time-middleware'],
    markdown: values.markdown,
  };
}

class UsageError extends Error {}

let quiet = false;
const progress = (text) => {
  if (!quiet) process.stderr.write(`${text}\n`);
};

// --- servers ----------------------------------------------------------------------------------

let timeMiddleware = false;

async function startServer(variant, dir, { gc = false } = {}) {
  const child = fork(new URL('./lib/server.mjs', import.meta.url), [variant, dir], {
    // BENCH_SERVER_NODE_OPTIONS: extra node flags for the servers, e.g. "--cpu-prof --cpu-prof-dir=prof".
    execArgv: [...(gc ? ['--expose-gc'] : []), ...(process.env.BENCH_SERVER_NODE_OPTIONS?.split(/\s+/).filter(Boolean) ?? [])],
    env: { ...process.env, BENCH_TIME_MIDDLEWARE: timeMiddleware ? '1' : '' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const pending = new Map();
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench server ${variant} exited with code ${code} before listening`)));
    child.on('message', (msg) => {
      if (msg.ready) resolve(msg.port);
      else pending.get(msg.id)?.(msg);
    });
  });
  const port = await ready;
  child.removeAllListeners('exit');
  return {
    variant,
    port,
    call(cmd, args = {}) {
      const id = ++nextId;
      return new Promise((resolve) => {
        pending.set(id, (msg) => {
          pending.delete(id);
          resolve(msg);
        });
        child.send({ ...args, cmd, id });
      });
    },
    close() {
      return new Promise((resolve) => {
        child.once('exit', resolve);
        child.disconnect();
      });
    },
  };
}

// --- load -------------------------------------------------------------------------------------

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * One measured run against one server. Throughput, CPU and counters all come from the server
 * (responses 200 completed per second of the run): autocannon does not count the responses after
 * which it reconnects (reconnectRate), which is every response in the handshake phase.
 */
async function measure(server, load, leadInSeconds = 0) {
  // With a lead-in, the load starts before the server's counters do: the connections are open
  // (their handshakes are not counted as keep-alive work) and a server that sat idle while the
  // others ran is warm again (V8 shrinks an idle process's young generation; caches go cold).
  const done = cannon({ ...load, duration: load.duration + leadInSeconds });
  if (leadInSeconds > 0) await new Promise((resolve) => setTimeout(resolve, leadInSeconds * 1000));
  await server.call('start');
  const result = await done;
  const stats = await server.call('stop');
  const ok = stats.ok;
  return {
    rps: ok / (stats.elapsedMs / 1000),
    ok,
    non2xx: stats.notOk,
    errors: result.errors + result.timeouts,
    cpuUsPerRequest: stats.requests > 0 ? stats.cpuUs / stats.requests : NaN,
    server: stats,
  };
}

/**
 * Alternating rounds over `servers` (first = baseline): A B C D, then D C B A, ... so every server
 * runs as often as the others and sits idle as long between its runs (a server that ran more
 * often, kept warm, measured ~7% faster than one that idled longer: the baseline between every two
 * variants was tried, and biased every variant). Each variant's ratio is to the baseline of the
 * same round; returns per variant the median over rounds, and the CPU per request.
 */
async function alternate(servers, loadFor, { rounds, duration, label, leadIn = 0 }) {
  // Warm-up (JIT, caches, first handshakes), not measured.
  for (const s of servers) await measure(s, { ...loadFor(s), duration: Math.min(1, duration / 2) });
  const runs = Object.fromEntries(servers.map((s) => [s.variant, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? servers : [...servers].reverse();
    for (const s of order) {
      const m = await measure(s, { ...loadFor(s), duration }, leadIn);
      runs[s.variant].push(m);
      progress(`  ${label} round ${r + 1}/${rounds} ${s.variant}: ${m.rps.toFixed(0)} req/s, ${m.cpuUsPerRequest.toFixed(0)} µs CPU/req${m.non2xx + m.errors > 0 ? `, ${m.non2xx} non-2xx, ${m.errors} errors` : ''}`);
    }
  }
  const base = runs[servers[0].variant];
  const variants = {};
  for (const s of servers) {
    const mine = runs[s.variant];
    const ratios = mine.map((m, i) => m.rps / base[i].rps);
    const cpuRatios = mine.map((m, i) => m.cpuUsPerRequest / base[i].cpuUsPerRequest);
    const timed = mine.map((m) => m.server.middlewareUs).filter((x) => typeof x === 'number');
    variants[s.variant] = {
      rps: median(mine.map((m) => m.rps)),
      ratio: median(ratios),
      ratioInterval: medianInterval(ratios),
      ratios,
      middlewareUs: timed.length > 0 ? median(timed) : undefined,
      cpuUsPerRequest: median(mine.map((m) => m.cpuUsPerRequest)),
      cpuRatio: median(cpuRatios),
      requests: mine.reduce((a, m) => a + m.ok, 0),
      non2xx: mine.reduce((a, m) => a + m.non2xx, 0),
      errors: mine.reduce((a, m) => a + m.errors, 0),
      server: sumServerStats(mine.map((m) => m.server)),
    };
  }
  return variants;
}

function sumServerStats(list) {
  const out = {};
  for (const s of list) for (const [k, v] of Object.entries(s)) if (typeof v === 'number' && k !== 'id' && k !== 'middlewareUs') out[k] = (out[k] ?? 0) + v;
  return out;
}

// --- phases -----------------------------------------------------------------------------------

const LABELS = {
  'tls-none': 'no check (baseline)',
  'tls-authorized': 'req.socket.authorized',
  'tls-cca': 'client-certificate-auth',
  'tls-certgate': 'requireUptrendsClientCert',
  'http-none': 'no check (baseline)',
  'http-certgate': 'requireUptrendsClientCert (nginx header)',
};

function tlsLoad(pki) {
  const standin = pki.entry('uptrends-standin');
  return {
    cert: [standin.certPem, ...standin.chainPems].join(''),
    key: standin.keyPem,
    servername: 'localhost',
  };
}

async function keepAlivePhase(ctx, servers) {
  const tlsOptions = tlsLoad(ctx.pki);
  const variants = await alternate(
    servers,
    (s) => ({ url: `https://127.0.0.1:${s.port}/`, connections: ctx.opts.connections, tlsOptions }),
    { rounds: ctx.opts.rounds, duration: ctx.opts.duration, label: 'keep-alive', leadIn: LEAD_IN_SECONDS },
  );
  return { connections: ctx.opts.connections, variants };
}

async function handshakePhase(ctx, servers) {
  const tlsOptions = tlsLoad(ctx.pki);
  // reconnectRate 1: autocannon closes the connection after every response and opens a new one;
  // it never offers a TLS session, and the servers issue no tickets.
  const variants = await alternate(
    servers,
    (s) => ({ url: `https://127.0.0.1:${s.port}/`, connections: ctx.opts.handshakeConnections, reconnectRate: 1, tlsOptions }),
    { rounds: ctx.opts.rounds, duration: ctx.opts.duration, label: 'handshake' },
  );
  // The proof that every request paid a full handshake: as many first-requests-on-a-full-
  // handshake as requests, no resumed session, no second request on any connection.
  for (const v of Object.values(variants)) {
    const s = v.server;
    v.proof = {
      requests: s.requests,
      secureConnections: s.secureConnections,
      resumed: s.resumed,
      requestsOnFreshFullHandshake: s.firstRequestsOnFullHandshake,
      laterRequestsOnConnection: s.laterRequestsOnConnection,
      everyRequestAFullHandshake: s.requests > 0 && s.firstRequestsOnFullHandshake === s.requests && s.resumed === 0 && s.laterRequestsOnConnection === 0,
    };
  }
  return { connections: ctx.opts.handshakeConnections, variants };
}

async function headerPhase(ctx, servers) {
  const headers = headerFor(ctx.pki.entry('uptrends-standin').certPem);
  const variants = await alternate(
    servers,
    (s) => ({ url: `http://127.0.0.1:${s.port}/`, connections: ctx.opts.connections, headers }),
    { rounds: ctx.opts.rounds, duration: ctx.opts.duration, label: 'header', leadIn: LEAD_IN_SECONDS },
  );
  return { connections: ctx.opts.connections, header: HEADER_NAME, variants };
}

/** Sends requests i = from..to-1 (certificate i in the header) with `concurrency` keep-alive connections. */
async function pump(port, from, to, headerOf, concurrency = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = from;
  let ok = 0;
  let failed = 0;
  let firstFailure;
  const one = (i) =>
    new Promise((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent, headers: headerOf(i) }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) ok += 1;
          else {
            failed += 1;
            firstFailure ??= `certificate ${i}: HTTP ${res.statusCode}`;
          }
          resolve();
        });
      });
      req.on('error', (e) => {
        failed += 1;
        firstFailure ??= `certificate ${i}: ${e.message}`;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < to) await one(next++);
    }),
  );
  agent.destroy();
  return { ok, failed, firstFailure };
}

/**
 * 100 000 distinct certificates through the header path. The server's RSS and heap (after
 * garbage collection) at: start (after 2000 requests with one certificate), after a warm-up with
 * 500 other distinct certificates (the JIT compiles the cold path; the caches start filling),
 * after pass 1 (every certificate once) and after pass 2 (the same certificates again: flat).
 * Growth is pass 1 against start, warm-up included; the target is on certgate's server's growth.
 * A server without a check goes through the same requests first (the baseline of the same run,
 * as for throughput): its growth, and certgate's share (the difference), are reported too.
 */
async function memoryPhase(ctx) {
  const count = ctx.opts.certs;
  const WARM = Math.min(500, count);
  // Certificate 0: the one-certificate warm-up; 1..count: the passes; count+1..count+WARM: warm-up.
  const mass = await createMassCertificates(ctx.bench, count + 1 + WARM);
  const headerOf = (i) => headerFor(toPem(mass.der(i)));
  // The same requests through a server without certgate first: what the process grows anyway
  // (V8 sizes its young generation up under this allocation rate, Node's parser buffers...).
  const baseline = await memoryRun(ctx, 'http-memory-none', count, WARM, headerOf);
  const certgate = await memoryRun(ctx, 'http-memory', count, WARM, headerOf);
  return {
    ...certgate,
    baseline,
    // certgate's share: its growth beyond the no-check server's under the same requests.
    attributableGrowthMB: certgate.growthMB - baseline.growthMB,
  };
}

/** 100 000 distinct certificates (or --certs) through one server variant; RSS and heap per stage. */
async function memoryRun(ctx, variant, count, WARM, headerOf) {
  const START = Math.min(2000, Math.max(100, count));
  const server = await startServer(variant, ctx.bench.dir, { gc: true });
  try {
    const mb = (bytes) => bytes / 1048576;
    const stages = {};
    const failures = [];
    const run = async (name, from, to, headers = headerOf) => {
      const t = performance.now();
      const r = await pump(server.port, from, to, headers);
      const seconds = (performance.now() - t) / 1000;
      if (r.failed > 0) failures.push(`${name}: ${r.failed} failed, first ${r.firstFailure}`);
      const m = await server.call('memory', { idleMs: ctx.opts.memoryIdleSeconds * 1000 });
      stages[name] = {
        requests: to - from,
        accepted: r.ok,
        seconds,
        rssMB: mb(m.rss),
        rssAtGcMB: mb(m.rssAtGc),
        arrayBuffersMB: mb(m.arrayBuffers),
        rssAnonMB: m.rssAnon === undefined ? undefined : mb(m.rssAnon),
        rssFileMB: m.rssFile === undefined ? undefined : mb(m.rssFile),
        heapUsedMB: mb(m.heapUsed),
        heapTotalMB: mb(m.heapTotal),
        externalMB: mb(m.external),
        newSpaceMB: mb(m.spaces?.new_space ?? NaN),
        oldSpaceMB: mb(m.spaces?.old_space ?? NaN),
      };
      progress(`  memory ${variant} ${name}: ${to - from} requests in ${stages[name].seconds.toFixed(1)} s, RSS ${stages[name].rssMB.toFixed(1)} MB, heap used ${stages[name].heapUsedMB.toFixed(1)} MB`);
    };
    await run('start', 0, START, () => headerOf(0));
    await run('warmUp', count + 1, count + 1 + WARM);
    await run('pass1', 1, count + 1);
    await run('pass2', 1, count + 1);
    return {
      variant,
      certificates: count,
      warmUpCertificates: WARM,
      stages,
      failed: failures.length,
      failures,
      growthMB: stages.pass1.rssMB - stages.start.rssMB,
      growthAfterWarmUpMB: stages.pass1.rssMB - stages.warmUp.rssMB,
      heapGrowthMB: stages.pass1.heapUsedMB - stages.start.heapUsedMB,
      secondPassGrowthMB: stages.pass2.rssMB - stages.pass1.rssMB,
      secondPassHeapGrowthMB: stages.pass2.heapUsedMB - stages.pass1.heapUsedMB,
    };
  } finally {
    await server.close();
  }
}

/** Whether the header source (issue 6) is available in this build. */
function headerSourceAvailable(pki) {
  try {
    requireUptrendsClientCert({ overrideTrustAnchors: pki.anchors('uptrends').roots, source: HEADER_SOURCE, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    return true;
  } catch {
    return false;
  }
}

// --- report -----------------------------------------------------------------------------------

const fx = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : 'n/a');

function targetRows(results) {
  const rows = [];
  const p = results.phases;
  const add = (name, target, measured, met, note, interval, targetValue) => rows.push({ name, target, measured, met, note, interval, targetValue });
  if (p.keepalive?.variants['tls-certgate']) {
    const v = p.keepalive.variants['tls-certgate'];
    add('TLS keep-alive throughput, requireUptrendsClientCert', `≥ ${TARGETS.keepalive}x`, v.ratio, v.ratio >= TARGETS.keepalive, undefined, v.ratioInterval, TARGETS.keepalive);
  }
  if (p.handshake?.variants['tls-certgate']) {
    const v = p.handshake.variants['tls-certgate'];
    add('fresh handshakes per second, requireUptrendsClientCert', `≥ ${TARGETS.handshake}x`, v.ratio, v.ratio >= TARGETS.handshake, 'throughput ratio', v.ratioInterval, TARGETS.handshake);
    add('fresh handshakes, server CPU capacity (baseline CPU/req ÷ certgate CPU/req)', `≥ ${TARGETS.handshake}x`, 1 / v.cpuRatio, 1 / v.cpuRatio >= TARGETS.handshake, 'the load generator may be the bottleneck (RSA-4096 client signatures): this is the server-side figure');
  }
  if (p.header && !p.header.skipped) {
    const v = p.header.variants['http-certgate'];
    add('header path throughput, requireUptrendsClientCert', `≥ ${TARGETS.header}x`, v.ratio, v.ratio >= TARGETS.header, undefined, v.ratioInterval, TARGETS.header);
  }
  if (p.micro) {
    add('cold validation of the chain vs node:crypto parse + verify', `≤ ${TARGETS.coldValidation}x`, p.micro.coldChain.ratio, p.micro.coldChain.ratio <= TARGETS.coldValidation);
  }
  if (p.memory && !p.memory.skipped) {
    const m = p.memory;
    add(
      `RSS growth, ${m.certificates} distinct certificates through the header path`,
      `≤ ${TARGETS.memoryGrowthMB} MB`,
      m.growthMB,
      m.growthMB <= TARGETS.memoryGrowthMB && m.failed === 0 && m.baseline.failed === 0,
      `the no-check server under the same requests: ${fx(m.baseline.growthMB, 1)} MB; certgate's share: ${fx(m.attributableGrowthMB, 1)} MB`,
    );
    add('RSS growth, the same certificates again (flat after)', `≤ ${TARGETS.memorySecondPassMB} MB`, m.secondPassGrowthMB, m.secondPassGrowthMB <= TARGETS.memorySecondPassMB && m.failed === 0);
  }
  return rows;
}

function table(headers, rows, markdown) {
  if (markdown) {
    const line = (cells) => `| ${cells.join(' | ')} |`;
    return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function render(results, markdown) {
  const out = [];
  const h = (text) => out.push('', markdown ? `### ${text}` : `== ${text}`, '');
  const m = results.machine;
  out.push(markdown ? `Measured ${results.date} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, Node ${m.node} (${m.platform}); load average ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at end. Command: \`${results.command}\`.` : `certgate bench  ${results.date}  ${m.cpus} × ${m.cpuModel}  Node ${m.node}  load ${m.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} -> ${m.loadAverage.end.map((x) => x.toFixed(2)).join(' ')}`);
  const p = results.phases;
  const loadTable = (phase, extra = () => []) =>
    table(
      ['variant', 'req/s', 'ratio vs baseline', '95% CI of the ratio', 'per round', 'CPU µs/req', 'CPU vs baseline', ...(results.options.timeMiddleware ? ['middleware µs/req, in the server'] : []), ...(phase.extraHeaders ?? [])],
      Object.entries(phase.variants).map(([k, v]) => [
        LABELS[k] ?? k,
        fx(v.rps, 0),
        `${fx(v.ratio, 3)}x`,
        `${fx(v.ratioInterval[0], 3)} to ${fx(v.ratioInterval[1], 3)}`,
        v.ratios.map((r) => fx(r, 3)).join(' '),
        fx(v.cpuUsPerRequest, 0),
        `${fx(v.cpuRatio, 3)}x`,
        ...(results.options.timeMiddleware ? [v.middlewareUs === undefined ? '' : fx(v.middlewareUs, 2)] : []),
        ...extra(v),
      ]),
      markdown,
    );
  if (p.micro) {
    h('Micro-benchmarks (CPU µs per call, medians of alternating rounds)');
    const mi = p.micro;
    out.push(
      table(
        ['case', 'certgate µs', 'node:crypto µs', 'ratio'],
        [
          ['cold chain: parse leaf + intermediate, 2 signatures, caches cleared', fx(mi.coldChain.certgateUs, 1), fx(mi.coldChain.nodeUs, 1), `${fx(mi.coldChain.ratio, 3)}x`],
          ['cold leaf, intermediate known: parse + 1 signature', fx(mi.coldLeaf.certgateUs, 1), fx(mi.coldLeaf.nodeUs, 1), `${fx(mi.coldLeaf.ratio, 3)}x`],
          ['gate: keep-alive request, connection already judged', fx(mi.gateCachedUs, 2), '', ''],
          ['gate: new connection, known chain', fx(mi.gateNewConnectionUs, 1), '', ''],
          ['gate: header seen before', mi.headerCachedUs === undefined ? 'n/a (no header source)' : fx(mi.headerCachedUs, 2), '', ''],
          [`node: getPeerCertificate(true) on a new connection (the whole chain: ${mi.peerCertificate.detailedChainLength} certificates)`, '', fx(mi.peerCertificate.detailedUs, 0), ''],
          ['node: getPeerCertificate(false), leaf only (certgate with intermediates configured; client-certificate-auth)', '', fx(mi.peerCertificate.leafOnlyUs, 0), ''],
          ['node: getPeerX509Certificate() + first issuer (not used: empties the peer chain)', '', fx(mi.peerCertificate.x509Us, 0), ''],
        ],
        markdown,
      ),
    );
  }
  if (p.keepalive) {
    h(`TLS keep-alive throughput (autocannon, ${p.keepalive.connections} connections, ${results.options.rounds} rounds × ${results.options.duration} s)`);
    out.push(loadTable(p.keepalive));
  }
  if (p.handshake) {
    h(`Fresh TLS handshakes (a new connection per request, no session resumption, ${p.handshake.connections} connections)`);
    p.handshake.extraHeaders = ['requests', 'secureConnection', 'resumed', 'full handshake each'];
    out.push(loadTable(p.handshake, (v) => [v.proof.requests, v.proof.secureConnections, v.proof.resumed, v.proof.everyRequestAFullHandshake ? 'yes' : 'NO']));
    delete p.handshake.extraHeaders;
  }
  if (p.header) {
    h(`Header path (plain http listener, nginx header ${HEADER_NAME}, proxy 127.0.0.1)`);
    out.push(p.header.skipped ? `skipped: ${p.header.skipped}` : loadTable(p.header));
  }
  if (p.memory) {
    h('Memory: distinct certificates through the header path (server process, after GC, once RSS has settled)');
    const mm = p.memory;
    if (mm.skipped) out.push(`skipped: ${mm.skipped}`);
    else {
      const labels = { start: `start (${mm.stages.start.requests} requests, one certificate)`, warmUp: `warm-up (${mm.warmUpCertificates} other distinct certificates)`, pass1: `pass 1 (${mm.certificates} distinct certificates)`, pass2: 'pass 2 (the same certificates again)' };
      const rowsOf = (run, who) =>
        Object.entries(run.stages).map(([k, s]) => [who, labels[k] ?? k, s.requests, fx(s.seconds, 1), fx(s.rssMB, 1), fx(s.rssAtGcMB, 1), fx(s.rssAnonMB, 1), fx(s.heapUsedMB, 1), fx(s.newSpaceMB, 1), fx(s.oldSpaceMB, 1), fx(s.externalMB, 1), fx(s.arrayBuffersMB, 1)]);
      const failed = [...mm.failures, ...(mm.baseline?.failures ?? [])];
      out.push(
        table(
          ['server', 'stage', 'requests', 'seconds', 'RSS MB', 'RSS right after GC MB', 'RSS anonymous MB', 'heap used MB', 'V8 new space MB', 'V8 old space MB', 'external MB', 'arrayBuffers MB'],
          [...(mm.baseline ? rowsOf(mm.baseline, 'no check') : []), ...rowsOf(mm, 'certgate')],
          markdown,
        ),
        '',
        `certgate: RSS growth ${fx(mm.growthMB, 1)} MB (pass 1 vs start; ${fx(mm.growthAfterWarmUpMB, 1)} MB vs after the warm-up), heap used ${fx(mm.heapGrowthMB, 1)} MB; pass 2 changed RSS by ${fx(mm.secondPassGrowthMB, 1)} MB and heap used by ${fx(mm.secondPassHeapGrowthMB, 1)} MB.` +
          (mm.baseline ? ` The no-check server under the same requests: RSS growth ${fx(mm.baseline.growthMB, 1)} MB, so certgate's share is ${fx(mm.attributableGrowthMB, 1)} MB.` : '') +
          (failed.length > 0 ? ` FAILED REQUESTS: ${failed.join('; ')}` : ''),
      );
    }
  }
  h('Targets');
  // "within noise": the median's 95% interval reaches across the target, so another run may say otherwise.
  const verdict = (t) => {
    const word = t.met ? 'yes' : 'NO';
    if (t.interval === undefined) return word;
    const [lo, hi] = t.interval;
    return lo < t.targetValue && hi >= t.targetValue ? `${word} (within noise)` : word;
  };
  out.push(
    table(
      ['target', 'wanted', 'measured', '95% CI', 'met'],
      results.targets.map((t) => [t.name, t.target, fx(t.measured, 3), t.interval === undefined ? '' : `${fx(t.interval[0], 3)} to ${fx(t.interval[1], 3)}`, verdict(t)]),
      markdown,
    ),
  );
  return out.join('\n').trimStart() + '\n';
}

// --- main -------------------------------------------------------------------------------------

async function main() {
  let opts;
  try {
    opts = options();
  } catch (error) {
    if (error instanceof UsageError || error.code?.startsWith?.('ERR_PARSE_ARGS')) {
      process.stderr.write(`bench: ${error.message}\n\n${HELP}`);
      process.exit(2);
    }
    throw error;
  }
  quiet = opts.json;
  timeMiddleware = opts.timeMiddleware;
  const loadStart = os.loadavg();
  const started = Date.now();
  progress('bench: generating the test PKI...');
  const bench = await createBenchPki();
  const ctx = { opts, bench, pki: bench.pki };
  const phases = {};
  const servers = [];
  try {
    const header = headerSourceAvailable(bench.pki);
    if (opts.phases.includes('micro')) {
      progress('bench: micro-benchmarks...');
      phases.micro = runMicro({ pki: bench.pki, n: opts.microIterations, headerSource: header ? HEADER_SOURCE : undefined, headerFor });
      phases.micro.peerCertificate = await peerCertificateCost({ pki: bench.pki });
    }
    if (opts.phases.includes('keepalive') || opts.phases.includes('handshake')) {
      const tls = [];
      for (const v of opts.variants) tls.push(await startServer(v, bench.dir));
      servers.push(...tls);
      if (opts.phases.includes('keepalive')) {
        progress('bench: TLS keep-alive...');
        phases.keepalive = await keepAlivePhase(ctx, tls);
      }
      if (opts.phases.includes('handshake')) {
        progress('bench: fresh handshakes...');
        phases.handshake = await handshakePhase(ctx, tls);
      }
    }
    if (opts.phases.includes('header')) {
      if (header) {
        progress('bench: header path...');
        const hs = [await startServer('http-none', bench.dir), await startServer('http-certgate', bench.dir)];
        servers.push(...hs);
        phases.header = await headerPhase(ctx, hs);
      } else {
        phases.header = { skipped: 'this build has no header source (issue 6)' };
      }
    }
    if (opts.phases.includes('memory')) {
      if (header) {
        progress(`bench: memory, ${opts.certs} distinct certificates...`);
        phases.memory = await memoryPhase(ctx);
      } else {
        phases.memory = { skipped: 'this build has no header source (issue 6)' };
      }
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    bench.cleanup();
  }
  const cpus = os.cpus();
  const results = {
    date: new Date(started).toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverage: { start: loadStart, end: os.loadavg() },
    },
    options: { duration: opts.duration, rounds: opts.rounds, connections: opts.connections, handshakeConnections: opts.handshakeConnections, certs: opts.certs, microIterations: opts.microIterations, variants: opts.variants, phases: opts.phases, timeMiddleware: opts.timeMiddleware },
    seconds: (Date.now() - started) / 1000,
    phases,
  };
  results.targets = targetRows(results);
  if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(render(results, opts.markdown));
}

await main();
