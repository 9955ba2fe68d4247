/**
 * Header values exactly as each proxy writes them (from each proxy's documentation and source):
 * tests feed real certificates through these encoders and check the sources get the same bytes.
 */
import { createHash } from 'node:crypto';
import { toPem } from '../../src/cert/pem.js';
import type { HeaderFormat } from '../../src/sources/decode.js';

const b64 = (der: Uint8Array): string => Buffer.from(der).toString('base64');

/** PEM text of certificates, one block each, as OpenSSL's PEM_write_bio_X509 writes them. */
export function pemOf(ders: readonly Uint8Array[]): string {
  return ders.map((der) => toPem(der)).join('');
}

/**
 * nginx `$ssl_client_escaped_cert`: ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT), which escapes
 * controls, space, !"#$%&'()*+, / :;<=>? and more, with uppercase hex; keeps alnum - . _ ~.
 */
export function nginxEscape(text: string): string {
  let out = '';
  for (const ch of text) {
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Envoy's URL-encoded PEM (`Cert=`, `Chain=`): newline, space, + / = escaped. */
export function envoyEscape(text: string): string {
  return text.replace(/[\n +/=]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** AWS ALB `X-Amzn-Mtls-Clientcert`: URL-encoded PEM with `+`, `=` and `/` left raw. */
export function albEscape(text: string): string {
  return encodeURIComponent(text).replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%2F/g, '/');
}

/** An XFCC element as Envoy writes it for a client certificate (Hash, Cert, Chain, Subject, URI). */
export function xfccElement(ders: readonly Uint8Array[], options: { by?: string; subject?: string; chain?: boolean } = {}): string {
  const leaf = ders[0] as Uint8Array;
  const parts: string[] = [];
  if (options.by !== undefined) parts.push(`By=${options.by}`);
  parts.push(`Hash=${createHash('sha256').update(leaf).digest('hex')}`);
  parts.push(`Cert="${envoyEscape(pemOf([leaf]))}"`);
  if (options.chain !== false) parts.push(`Chain="${envoyEscape(pemOf(ders))}"`);
  parts.push(`Subject="${(options.subject ?? '/CN=client').replace(/"/g, '\\"')}"`);
  parts.push('URI=spiffe://example.org/client');
  return parts.join(';');
}

/** The headers a proxy of `format` sets for a client that presented `ders` (leaf first). */
export function forwardedHeaders(format: HeaderFormat, ders: readonly Uint8Array[]): Record<string, string> {
  const leaf = ders[0] as Uint8Array;
  const rest = ders.slice(1);
  switch (format) {
    case 'rfc9440':
      return rest.length === 0 ? { 'client-cert': `:${b64(leaf)}:` } : { 'client-cert': `:${b64(leaf)}:`, 'client-cert-chain': rest.map((d) => `:${b64(d)}:`).join(', ') };
    case 'xfcc':
      return { 'x-forwarded-client-cert': xfccElement(ders) };
    case 'nginx':
      return { 'x-ssl-client-cert': nginxEscape(pemOf([leaf])) };
    case 'aws-alb':
      return { 'x-amzn-mtls-clientcert': albEscape(pemOf(ders)) };
    case 'traefik':
      return { 'x-forwarded-tls-client-cert': ders.map(b64).join(',') };
    case 'haproxy':
      return { 'x-ssl-client-der': b64(leaf) };
  }
}

/** Formats that forward the client's whole chain (the others forward the leaf only). */
export const CHAIN_FORMATS: readonly HeaderFormat[] = ['rfc9440', 'xfcc', 'aws-alb', 'traefik'];

/** A request as the gate sees it: headers (lowercase), rawHeaders, and a socket with a remote address. */
export function forwardedRequest(headers: Record<string, string | string[]>, remoteAddress = '127.0.0.1', socket: Record<string, unknown> = {}) {
  const rawHeaders: string[] = [];
  const bag: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) rawHeaders.push(name, v);
    // What Node does with a repeated unknown header: joins the values with ", ".
    bag[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { headers: bag, rawHeaders, socket: { remoteAddress, ...socket } };
}
