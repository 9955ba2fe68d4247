/**
 * `request()`: one HTTP(S) request with a chosen client certificate, over a fresh undici Agent so
 * no TLS session or connection (and so no certificate) carries over from one request to the next.
 * Reports status, headers, body, problem+json, timing per phase and the TLS facts.
 */
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import net, { isIP, type Socket } from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import { Agent, request as undiciRequest } from 'undici';
import { ClientCertError } from '../errors.js';
import { isLoadedClientCert, loadClientCert, tlsMaterialOf } from './client-cert.js';
import { describeCertificate } from './describe.js';
import { readInput } from './files.js';
import { readManifestServerCa, resolvePkiDir } from './pki-manifest.js';
import { classifyNetworkError, type ConnectionProgress } from './network-error.js';
import { parseProblem, readBody } from './response.js';
import type { CertificateSummary, FileInput, LoadedClientCert, RequestOptions, RequestResult, RequestTiming, TlsDetails } from './types.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_TIMEOUT_MS = 3_600_000;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Sends one request and resolves with the answer, whatever its HTTP status.
 *
 * @throws TypeError for bad options (not an http(s) URL, bad method or header, ...).
 * @throws ClientCertError CONNECTION_FAILED, TLS_HANDSHAKE_FAILED or REQUEST_TIMEOUT when no
 *   answer arrived; PKCS12_BAD_PASSWORD, PKCS12_MALFORMED, CERT_MALFORMED or CONFIG_INVALID when
 *   the client certificate or CA cannot be loaded.
 */
export async function request(url: string | URL, options: RequestOptions = {}): Promise<RequestResult> {
  const target = parseTarget(url);
  const method = checkMethod(options.method ?? (options.body === undefined ? 'GET' : 'POST'));
  const headers = checkHeaders(options.headers);
  const timeoutMs = checkPositiveInteger(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs', MAX_TIMEOUT_MS);
  const maxBodyBytes = checkPositiveInteger(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes', 1024 * 1024 * 1024);
  if (options.body !== undefined && typeof options.body !== 'string' && !(options.body instanceof Uint8Array)) {
    throw new TypeError('body: expected a string or bytes');
  }
  const cwd = options.cwd ?? process.cwd();
  const choice = options.clientCert ?? 'none';
  const loaded: LoadedClientCert = isLoadedClientCert(choice) ? choice : await loadClientCert(choice, { pkiDir: options.pkiDir, env: options.env, cwd });
  const isHttps = target.protocol === 'https:';
  if (!isHttps && loaded.description.source !== 'none') {
    throw new TypeError(`clientCert: a client certificate is only sent over TLS; expected an https URL, found ${target.protocol}//`);
  }
  const caInputs: FileInput[] = options.ca === undefined ? [] : Array.isArray(options.ca) ? [...(options.ca as readonly FileInput[])] : [options.ca as FileInput];
  if (options.trustPkiServer === true) {
    caInputs.push(await readManifestServerCa(resolvePkiDir({ dir: options.pkiDir, env: options.env ?? process.env, cwd })));
  }
  const ca = caInputs.length === 0 ? undefined : await readCa(caInputs, cwd);
  const secret = tlsMaterialOf(loaded) ?? {};
  const insecure = options.insecure === true;

  const progress: ConnectionProgress = { tcpConnected: false, tlsEstablished: false, headersReceived: false, socketErrors: [] };
  const marks: { connectorStart?: number; lookup?: number; connect?: number; secure?: number } = {};
  let tlsDetails: TlsDetails | undefined;
  const sockets = new Set<Socket>();
  const start = performance.now();
  const agent = new Agent({
    connections: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    // Our own connector (undici's buildConnector hides its socket): we need the socket's phase
    // events for timing and its errors for a precise reason.
    connect: (connectOptions, callback) => {
      marks.connectorStart = performance.now();
      const hostname = connectOptions.hostname;
      const port = Number(connectOptions.port) || (isHttps ? 443 : 80);
      const servername = options.servername ?? (isIP(hostname) === 0 ? hostname : undefined);
      const socket: Socket = isHttps
        ? tls.connect({
            host: hostname,
            port,
            ...secret,
            ...(ca === undefined ? {} : { ca }),
            ...(servername === undefined ? {} : { servername }),
            rejectUnauthorized: !insecure,
            ALPNProtocols: ['http/1.1'],
          })
        : net.connect({ host: hostname, port });
      sockets.add(socket);
      let done = false;
      const finish = (error: Error | null): void => {
        if (done) return;
        done = true;
        if (error === null) callback(null, socket);
        else callback(error, null);
      };
      socket.setNoDelay(true);
      socket.once('lookup', () => (marks.lookup = performance.now()));
      socket.once('connect', () => {
        progress.tcpConnected = true;
        marks.connect = performance.now();
        if (!isHttps) finish(null);
      });
      if (isHttps) {
        socket.once('secureConnect', () => {
          progress.tlsEstablished = true;
          marks.secure = performance.now();
          tlsDetails = readTlsDetails(socket as TLSSocket, !insecure);
          finish(null);
        });
      }
      socket.on('error', (error: Error & { code?: unknown }) => {
        if (progress.socketErrors.length < 8) progress.socketErrors.push({ code: typeof error.code === 'string' ? error.code : undefined, message: error.message });
        finish(error);
      });
    },
  });

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onOuterAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const targetLabel = `${target.protocol}//${target.host}`;
  try {
    if (options.signal?.aborted === true) throw new ClientCertError('CONNECTION_FAILED', `${targetLabel}: the request was aborted before it started`);
    let response: Awaited<ReturnType<typeof undiciRequest>>;
    let headersMs: number;
    try {
      response = await undiciRequest(target, {
        dispatcher: agent,
        method,
        headers,
        ...(options.body === undefined ? {} : { body: options.body }),
        signal: controller.signal,
      });
      progress.headersReceived = true;
      headersMs = performance.now() - start;
    } catch (error) {
      if (error instanceof ClientCertError) throw error;
      // undici refuses some requests before sending (e.g. a "connection" or "transfer-encoding"
      // header): a bad option, not a network failure.
      if ((error as { code?: unknown } | null)?.code === 'UND_ERR_INVALID_ARG') throw new TypeError(`request: ${(error as Error).message}`);
      throw classifyNetworkError(error, progress, targetLabel, timeoutMs, timedOut);
    }
    let body: Awaited<ReturnType<typeof readBody>>;
    try {
      body = await readBody(response.body, maxBodyBytes);
    } catch (error) {
      throw classifyNetworkError(error, progress, targetLabel, timeoutMs, timedOut);
    }
    const totalMs = performance.now() - start;
    const responseHeaders = normaliseHeaders(response.headers);
    const contentType = firstHeader(responseHeaders['content-type']) ?? '';
    const json = !body.truncated && isJsonType(contentType) ? tryParseJson(body.text) : undefined;
    return {
      url: target.href,
      method,
      status: response.statusCode,
      statusText: statusText(response.statusCode),
      headers: responseHeaders,
      body: body.text,
      bodyBytes: body.bytes,
      bodyTruncated: body.truncated,
      json,
      problem: /^application\/problem\+json\b/i.test(contentType) ? parseProblem(json) : undefined,
      timing: timing(marks, start, headersMs, totalMs),
      tls: tlsDetails,
      clientCert: loaded.description,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    // destroy, not close: nothing of this agent (connection, TLS session) is ever reused; a socket
    // still connecting (a silent host) is destroyed too rather than left to the OS timeout.
    await agent.destroy().catch(() => undefined);
    for (const socket of sockets) socket.destroy();
  }
}

function readTlsDetails(socket: TLSSocket, verified: boolean): TlsDetails {
  return {
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher()?.standardName ?? socket.getCipher()?.name,
    alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined,
    clientCertificate: rawSummary(socket.getCertificate()),
    serverCertificate: rawSummary(socket.getPeerCertificate()),
    serverVerified: verified && socket.authorized,
  };
}

function rawSummary(certificate: object | null): CertificateSummary | undefined {
  if (certificate === null || !('raw' in certificate) || !(certificate.raw instanceof Uint8Array)) return undefined;
  return describeCertificate(certificate.raw);
}

function timing(marks: { connectorStart?: number; lookup?: number; connect?: number; secure?: number }, start: number, headersMs: number, totalMs: number): RequestTiming {
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  const from = marks.connectorStart ?? start;
  return {
    ...(marks.lookup === undefined ? {} : { dnsMs: round(marks.lookup - from) }),
    ...(marks.connect === undefined ? {} : { connectMs: round(marks.connect - (marks.lookup ?? from)) }),
    ...(marks.secure === undefined || marks.connect === undefined ? {} : { tlsMs: round(marks.secure - marks.connect) }),
    headersMs: round(headersMs),
    totalMs: round(totalMs),
  };
}

function parseTarget(url: string | URL): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new TypeError(`url: expected an absolute http(s) URL, found ${JSON.stringify(String(url).slice(0, 200))}`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new TypeError(`url: expected an http: or https: URL, found ${target.protocol}`);
  }
  if (target.username !== '' || target.password !== '') {
    throw new TypeError('url: credentials in the URL are not supported; send an Authorization header instead');
  }
  return target;
}

function checkMethod(method: string): string {
  if (typeof method !== 'string' || !TOKEN.test(method)) throw new TypeError(`method: expected an HTTP method token such as GET or POST, found ${JSON.stringify(method)}`);
  return method.toUpperCase();
}

function checkHeaders(input: RequestOptions['headers']): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  if (input === undefined) return headers;
  const pairs = Array.isArray(input) ? (input as ReadonlyArray<readonly [string, string]>) : Object.entries(input as Readonly<Record<string, string>>);
  for (const pair of pairs) {
    const [name, value] = pair;
    if (typeof name !== 'string' || !TOKEN.test(name)) throw new TypeError(`headers: expected a header name token, found ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new TypeError(`headers: the value of ${name} must be a string without CR, LF or NUL`);
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return headers;
}

function checkPositiveInteger(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value <= 0 || value > max) throw new TypeError(`${name}: expected an integer from 1 to ${max}, found ${String(value)}`);
  return value;
}

async function readCa(inputs: readonly FileInput[], cwd: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const [index, item] of inputs.entries()) {
    const bytes = await readInput(item, cwd, `CA certificate ${inputs.length > 1 ? `${index + 1} ` : ''}for the server`);
    if (!bytes.toString('latin1').includes('-----BEGIN CERTIFICATE-----')) {
      throw new ClientCertError('CONFIG_INVALID', `CA certificate for the server: expected PEM "CERTIFICATE" blocks, found none`);
    }
    out.push(bytes);
  }
  return out;
}

function normaliseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

/** The first value of a header (undici gives arrays for repeated headers). */
export function firstHeader(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

function isJsonType(contentType: string): boolean {
  return /^application\/(?:[\w.-]+\+)?json\b/i.test(contentType.trim());
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? '';
}
