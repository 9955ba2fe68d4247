/** Helpers for gate tests: reference certificates, a capturing logger, fake TLS sockets. */
import { readFileSync } from 'node:fs';
import { parseCertificate } from '../../src/cert/parse.js';
import type { GateLogger } from '../../src/core/logger.js';

export const UPTRENDS_PEM = readFileSync('fixtures/reference/uptrends-2024.pem', 'utf8');
export const SECTIGO_PEM = readFileSync('fixtures/reference/sectigo-rsa-client-auth-ca.pem', 'utf8');
export const USERTRUST_PEM = readFileSync('fixtures/reference/usertrust-rsa-root.pem', 'utf8');
export const uptrends = parseCertificate(UPTRENDS_PEM);
export const sectigo = parseCertificate(SECTIGO_PEM);
export const usertrust = parseCertificate(USERTRUST_PEM);
export const UPTRENDS_ISSUER = 'CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB';
export const UPTRENDS_PIN = {
  label: 'uptrends-2024',
  serial: '1A223E5481B066DFDA30E5F35CDB3A81',
  issuer: UPTRENDS_ISSUER,
  subjectEmail: 'certificates@uptrends.com',
  spkiSha256: 'VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=',
  notAfter: '2025-07-26T23:59:59Z',
};

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

export function capturingLogger(): GateLogger & { lines: LogLine[]; events: (event: string) => LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    events: (event) => lines.filter((l) => l.obj['event'] === event),
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

/** A stand-in for a TLSSocket: getPeerCertificate(true) builds Node's linked shape from DERs. */
export function fakeSocket(ders: readonly Uint8Array[], options: { resumed?: boolean } = {}) {
  const socket = {
    /** Calls of getPeerCertificate, and of those the detailed ones (the whole chain). */
    peerCalls: 0,
    chainCalls: 0,
    remoteAddress: '127.0.0.1',
    isSessionReused: () => options.resumed === true,
    getPeerCertificate(detailed: boolean): Record<string, unknown> {
      socket.peerCalls += 1;
      if (detailed) socket.chainCalls += 1;
      if (ders.length === 0) return {};
      // Like Node: without `detailed`, the leaf alone (no issuerCertificate).
      if (!detailed) return { raw: Buffer.from(ders[0] as Uint8Array) };
      const nodes = ders.map((der) => ({ raw: Buffer.from(der), issuerCertificate: undefined as unknown }));
      nodes.forEach((node, i) => {
        node.issuerCertificate = nodes[i + 1] ?? node; // Node links the last one to itself
      });
      return nodes[0] as Record<string, unknown>;
    },
  };
  return socket;
}

/** A mutable clock for `now`. */
export function clock(iso: string) {
  let t = Date.parse(iso);
  return {
    now: () => t,
    set: (value: string) => {
      t = Date.parse(value);
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}
