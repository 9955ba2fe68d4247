/**
 * Real TLS for middleware tests: the harness's committed test PKI (fixtures/pki), an https server
 * on 127.0.0.1:0 built with mtlsServerOptions, and a client that presents a chosen certificate.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { join } from 'node:path';
import { createMtlsServer, type GateLike } from '../../src/core/server.js';

export const PKI_DIR = 'fixtures/pki';

export interface PkiEntry {
  id: string;
  cert: string;
  key: string;
  chain: string[];
  policy?: string;
  expected: string;
  expectedStatus: number;
  requiresRevocation?: boolean;
  expectedWithoutRevocation?: string;
  expectedStatusWithoutRevocation?: number;
  otherPolicies?: Record<string, { expected: string; expectedStatus: number }>;
}

export interface PkiManifest {
  referenceTime: string;
  anchors: Record<string, { roots: string[]; intermediates: string[] }>;
  policies: Record<string, { anchors: string; maxIntermediates: number; maxChainLength: number; pins?: Array<Record<string, string>>; identities?: unknown[] }>;
  server: { cert: string; key: string; ca: string };
  entries: PkiEntry[];
}

export const manifest = JSON.parse(readFileSync(join(PKI_DIR, 'manifest.json'), 'utf8')) as PkiManifest;
export const pkiFile = (path: string): string => readFileSync(join(PKI_DIR, path), 'utf8');
export const referenceTime = Date.parse(manifest.referenceTime);

export function entry(id: string): PkiEntry {
  const found = manifest.entries.find((e) => e.id === id);
  if (found === undefined) throw new Error(`no manifest entry ${id}`);
  return found;
}

/** The expected verdict of an entry with revocation off (the gate under test does not check revocation). */
export function expectedWithoutRevocation(e: PkiEntry): { code: string; status: number } {
  if (e.requiresRevocation === true) return { code: e.expectedWithoutRevocation as string, status: e.expectedStatusWithoutRevocation as number };
  return { code: e.expected, status: e.expectedStatus };
}

export interface Started {
  port: number;
  close(): Promise<void>;
  /** Count of full (not resumed) handshakes and of all TLS connections. */
  connections: () => number;
}

export async function startMtlsServer(policy: GateLike, app: RequestListener, options: { strict?: boolean } = {}): Promise<Started> {
  const server = createMtlsServer(policy, { key: pkiFile(manifest.server.key), cert: pkiFile(manifest.server.cert), strict: options.strict ?? false }, app);
  let connections = 0;
  server.on('secureConnection', () => {
    connections += 1;
  });
  // A failed client handshake (strict mode) is expected here; keep it out of the test output.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status?: number;
  body?: Record<string, unknown>;
  contentType?: string;
  /** Every response header. */
  headers?: import('node:http').IncomingHttpHeaders;
  /** The TLS or socket error when there was no HTTP answer. */
  error?: string;
}

/** One GET presenting `client` (cert + chain + key from the manifest), or no certificate. */
export function get(port: number, path: string, client: PkiEntry | undefined, agent?: https.Agent): Promise<Answer> {
  const cert = client === undefined ? undefined : [client.cert, ...client.chain].map(pkiFile).join('\n');
  const key = client === undefined ? undefined : pkiFile(client.key);
  return new Promise((resolve) => {
    let req: ReturnType<typeof https.request>;
    try {
      req = https.request(
        {
          host: '127.0.0.1',
          port,
          path,
          servername: 'localhost',
          ca: pkiFile(manifest.server.ca),
          ...(cert === undefined ? {} : { cert, key }),
          // The zoo holds a SHA-1-signed certificate that OpenSSL's default security level refuses
          // to even load as a client certificate; the test client must be able to present it.
          ciphers: 'DEFAULT:@SECLEVEL=0',
          // A fresh connection (and full handshake) per request unless an agent is given.
          agent: agent ?? false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            let body: Record<string, unknown> | undefined;
            try {
              body = JSON.parse(text) as Record<string, unknown>;
            } catch {
              body = { text };
            }
            resolve({ status: res.statusCode, body, contentType: res.headers['content-type'], headers: res.headers });
          });
        },
      );
    } catch (error) {
      resolve({ error: `client setup: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}
