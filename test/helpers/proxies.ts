/**
 * Real TLS-terminating proxies for integration tests: nginx and HAProxy (Debian packages, which
 * .ci/run installs), each started on 127.0.0.1 with its own temporary prefix and configuration,
 * never as a service, never on a privileged port, and stopped (by its own pid) afterwards.
 *
 * A missing binary is a test FAILURE with a clear message, unless the run says explicitly that
 * it has no proxies: CERTGATE_SKIP_NGINX=1 (nginx and HAProxy both).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** True when the run explicitly opts out of the real-proxy tests. */
export const SKIP_PROXIES = process.env['CERTGATE_SKIP_NGINX'] === '1';

/** The binary's path, or an Error that says how to get it. */
export function findBinary(name: 'nginx' | 'haproxy'): string {
  for (const dir of ['/usr/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin', ...(process.env['PATH'] ?? '').split(':')]) {
    const candidate = path.join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} is not installed, and the forwarded-certificate integration tests need it: install it (apt-get update && apt-get install -y ${name}; .ci/run does this) ` +
      'or set CERTGATE_SKIP_NGINX=1 to skip these tests explicitly',
  );
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunningProxy {
  readonly port: number;
  readonly dir: string;
  /** What the proxy wrote to stderr so far (its error log). */
  log(): string;
  stop(): Promise<void>;
}

async function run(name: string, bin: string, args: string[], dir: string, port: number): Promise<RunningProxy> {
  let output = '';
  const child: ChildProcess = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const stop = async (): Promise<void> => {
    if (exited === undefined && child.pid !== undefined) {
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`${name} exited (code ${String(exited)}) before listening on 127.0.0.1:${port}:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not listen on 127.0.0.1:${port} within 15 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, dir, log: () => output, stop };
}

/**
 * Runs `start` on a free port; when another process took the port between asking and binding
 * (other test runs share the machine), tries again with a new one.
 */
async function withFreePort(start: (port: number) => Promise<RunningProxy>): Promise<RunningProxy> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= 3 || !/Address already in use|cannot bind/i.test(String(error))) throw error;
    }
  }
}

export interface ProxyTls {
  /** PEM paths of the proxy's server certificate and key. */
  readonly cert: string;
  readonly key: string;
}

/**
 * nginx on 127.0.0.1:<free port>, TLS with `ssl_verify_client optional_no_ca` (certgate decides),
 * forwarding `$ssl_client_escaped_cert` in X-SSL-Client-Cert to `upstreamPort`, connecting to it
 * from `bindAddress` (a loopback address other than the test client's, so the app can tell the
 * proxy from a direct caller).
 */
export function startNginx(options: NginxOptions): Promise<RunningProxy> {
  return withFreePort((port) => startNginxOn(port, options));
}

interface NginxOptions {
  tls: ProxyTls;
  upstreamPort: number;
  bindAddress: string;
  header?: string;
  /** Connect to the app over TLS, presenting this client certificate (nginx proxy_ssl_certificate). */
  upstreamClientCert?: ProxyTls;
}

async function startNginxOn(port: number, options: NginxOptions): Promise<RunningProxy> {
  const bin = findBinary('nginx');
  const dir = mkdtempSync(path.join(tmpdir(), 'certgate-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, 'tmp', sub), { recursive: true });
  const header = options.header ?? 'X-SSL-Client-Cert';
  const upstream = options.upstreamClientCert;
  const forward = [
    `proxy_pass ${upstream === undefined ? 'http' : 'https'}://127.0.0.1:${options.upstreamPort};`,
    ...(upstream === undefined ? [] : [`proxy_ssl_certificate ${upstream.cert};`, `proxy_ssl_certificate_key ${upstream.key};`]),
    `proxy_bind ${options.bindAddress};`,
    `proxy_set_header ${header} $ssl_client_escaped_cert;`,
    'proxy_set_header Host $host;',
  ].join('\n      ');
  const conf = `
worker_processes 1;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${options.tls.cert};
    ssl_certificate_key ${options.tls.key};
    ssl_verify_client optional_no_ca;
    # The bad-certificate zoo holds SHA-1 and RSA-1024 certificates: let them reach certgate.
    ssl_ciphers DEFAULT:@SECLEVEL=0;
    # nginx answers 495 itself for a certificate its own checks dislike (expired, weak...):
    # send those to the app too, so that certgate decides and says why.
    error_page 495 = @certgate;
    location / {
      ${forward}
    }
    location @certgate {
      ${forward}
    }
  }
}
`;
  const confPath = path.join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  return run('nginx', bin, ['-p', dir, '-c', confPath, '-e', 'stderr', '-g', `daemon off; pid ${dir}/nginx.pid; error_log stderr warn;`], dir, port);
}

/**
 * HAProxy on 127.0.0.1:<free port>, TLS with `verify optional` and every verification error
 * ignored (certgate decides), forwarding `ssl_c_der,base64` in X-SSL-Client-DER and the client's
 * intermediates (`ssl_c_chain_der,base64`) in X-SSL-Client-Chain, from `bindAddress`.
 */
export function startHaproxy(options: HaproxyOptions): Promise<RunningProxy> {
  return withFreePort((port) => startHaproxyOn(port, options));
}

interface HaproxyOptions {
  tls: ProxyTls & { ca: string };
  upstreamPort: number;
  bindAddress: string;
}

async function startHaproxyOn(port: number, options: HaproxyOptions): Promise<RunningProxy> {
  const bin = findBinary('haproxy');
  const dir = mkdtempSync(path.join(tmpdir(), 'certgate-haproxy-'));
  // HAProxy wants the certificate and its key in one file.
  const crt = path.join(dir, 'server.pem');
  writeFileSync(crt, readFileSync(options.tls.cert, 'utf8') + readFileSync(options.tls.key, 'utf8'), { mode: 0o600 });
  const cfg = `
global
  log stderr format raw local0 warning
defaults
  mode http
  log global
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend tls
  bind 127.0.0.1:${port} ssl crt ${crt} verify optional ca-file ${options.tls.ca} ca-ignore-err all crt-ignore-err all ciphers DEFAULT:@SECLEVEL=0
  # Never pass on what a client sent under these names.
  http-request del-header X-SSL-Client-DER
  http-request del-header X-SSL-Client-Chain
  http-request set-header X-SSL-Client-DER %[ssl_c_der,base64] if { ssl_c_used }
  http-request set-header X-SSL-Client-Chain %[ssl_c_chain_der,base64] if { ssl_c_used }
  default_backend app
backend app
  server app 127.0.0.1:${options.upstreamPort} source ${options.bindAddress}
`;
  const cfgPath = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfgPath, cfg);
  return run('haproxy', bin, ['-db', '-f', cfgPath], dir, port);
}
