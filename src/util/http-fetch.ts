/**
 * A small, bounded HTTP(S) client: GET with a response size limit, an overall timeout and a
 * bounded number of redirects (a published page, a CRL), and a single POST of a small body (a
 * webhook). http and https URLs only; never for anything a request handler waits on without its
 * own timeout.
 */
import http from 'node:http';
import https from 'node:https';

export interface FetchLimits {
  /** Largest body accepted (bytes, default 1 MiB). */
  readonly maxBytes?: number;
  /** Overall deadline for the whole exchange including redirects (ms, default 10 s). */
  readonly timeoutMs?: number;
  /** Redirects followed (default 3). */
  readonly maxRedirects?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FetchResult {
  readonly url: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** Error for a fetch that failed: bad URL or scheme, timeout, too large, too many redirects, HTTP error status. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  /** The HTTP status when the server answered with an error status. */
  readonly status: number | undefined;
  /** True when the deadline passed. */
  readonly timedOut: boolean;

  constructor(message: string, options: { status?: number; timedOut?: boolean } = {}) {
    super(message);
    this.status = options.status;
    this.timedOut = options.timedOut === true;
  }
}

function checkUrl(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchError(`not a valid URL: ${JSON.stringify(String(raw).slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError(`only http and https URLs are fetched, got "${url.protocol}"`);
  }
  if (url.username !== '' || url.password !== '') throw new FetchError('URLs with credentials are not fetched');
  return url;
}

/** GETs `url`; resolves with a 2xx response's body, rejects with FetchError otherwise. */
export async function fetchWithLimits(url: string | URL, limits: FetchLimits = {}): Promise<FetchResult> {
  const maxBytes = limits.maxBytes ?? 1024 * 1024;
  const timeoutMs = limits.timeoutMs ?? 10_000;
  const maxRedirects = limits.maxRedirects ?? 3;
  const deadline = AbortSignal.timeout(timeoutMs);
  let current = checkUrl(url);
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(current, 'GET', undefined, maxBytes, timeoutMs, deadline, { accept: '*/*', ...limits.headers });
    if (response.status >= 300 && response.status < 400 && response.location !== undefined) {
      if (hop >= maxRedirects) throw new FetchError(`more than ${maxRedirects} redirects fetching ${current.origin}`);
      current = checkUrl(new URL(response.location, current));
      continue;
    }
    if (response.status < 200 || response.status > 299) {
      throw new FetchError(`GET ${current.href} answered HTTP ${response.status}`, { status: response.status });
    }
    return { url: current.href, status: response.status, contentType: response.contentType, body: response.body };
  }
}

/**
 * POSTs `body` to `url` once (no redirects: a 3xx is a failure); resolves with a 2xx response,
 * rejects with FetchError otherwise (`status` set for an HTTP error status, `timedOut` for the
 * deadline). Error messages name the URL's origin only: webhook URLs carry secrets in their path.
 */
export async function postWithLimits(url: string | URL, body: string | Uint8Array, limits: Omit<FetchLimits, 'maxRedirects'> = {}): Promise<FetchResult> {
  const maxBytes = limits.maxBytes ?? 64 * 1024;
  const timeoutMs = limits.timeoutMs ?? 10_000;
  const target = checkUrl(url);
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const headers = { accept: '*/*', 'content-length': String(payload.length), ...limits.headers };
  const response = await requestOnce(target, 'POST', payload, maxBytes, timeoutMs, AbortSignal.timeout(timeoutMs), headers);
  if (response.status < 200 || response.status > 299) throw new FetchError(`POST ${target.origin} answered HTTP ${response.status}`, { status: response.status });
  return { url: target.href, status: response.status, contentType: response.contentType, body: response.body };
}

interface RawResponse {
  status: number;
  location: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

function requestOnce(
  url: URL,
  method: 'GET' | 'POST',
  body: Buffer | undefined,
  maxBytes: number,
  timeoutMs: number,
  signal: AbortSignal,
  headers: Readonly<Record<string, string>>,
): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, { method, signal, headers }, (response) => {
      const status = response.statusCode ?? 0;
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        response.destroy();
        reject(new FetchError(`response from ${url.origin} is ${declared} bytes, over the limit of ${maxBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      response.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > maxBytes) {
          response.destroy();
          reject(new FetchError(`response from ${url.origin} exceeds the limit of ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        const location = response.headers.location;
        resolvePromise({ status, location, contentType: response.headers['content-type'], body: Buffer.concat(chunks, length) });
      });
      response.on('error', (error) => reject(wrap(error, method, url, timeoutMs, signal)));
    });
    request.on('error', (error) => reject(wrap(error, method, url, timeoutMs, signal)));
    request.end(body);
  });
}

function wrap(error: Error, method: string, url: URL, timeoutMs: number, signal: AbortSignal): FetchError {
  if (error instanceof FetchError) return error;
  if (signal.aborted) return new FetchError(`${method} ${url.origin} timed out after ${timeoutMs} ms`, { timedOut: true });
  return new FetchError(`${method} ${url.origin} failed: ${error.message}`);
}
