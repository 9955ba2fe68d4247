import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { requestHeaders } from '../../src/sources/request-headers.js';

/** A node:http request with these (lowercase) headers, set through Node's own setter. */
function nodeRequest(raw: string[]): IncomingMessage {
  const req = new IncomingMessage(new Socket());
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) headers[(raw[i] as string).toLowerCase()] = raw[i + 1] as string;
  req.headers = headers;
  return req;
}

describe('requestHeaders', () => {
  it("reads Node's headers of a request whose prototype was swapped (Express)", () => {
    const req = nodeRequest(['X-SSL-Client-Cert', 'abc', 'Host', 'h']);
    const appRequest = Object.create(Object.create(IncomingMessage.prototype) as object) as object;
    Object.setPrototypeOf(req, appRequest);
    expect(requestHeaders(req)).toBe(req.headers);
    expect(requestHeaders(req)?.['x-ssl-client-cert']).toBe('abc');
  });

  it('honours a headers property of the request itself', () => {
    const req = nodeRequest(['X-SSL-Client-Cert', 'from-node']);
    Object.defineProperty(req, 'headers', { value: { 'x-ssl-client-cert': 'own' } });
    expect(requestHeaders(req)?.['x-ssl-client-cert']).toBe('own');
  });

  it('honours a prototype that defines headers before Node does, also after a request without it', () => {
    const plainProto = Object.create(IncomingMessage.prototype) as object;
    const first = nodeRequest(['X-SSL-Client-Cert', 'node']);
    Object.setPrototypeOf(first, plainProto);
    expect(requestHeaders(first)?.['x-ssl-client-cert']).toBe('node');
    // A prototype below the first one, redefining headers: its requests get the redefinition.
    const overriding = Object.create(plainProto, { headers: { get: () => ({ 'x-ssl-client-cert': 'override' }) } }) as object;
    const second = nodeRequest(['X-SSL-Client-Cert', 'node']);
    Object.setPrototypeOf(second, overriding);
    expect(requestHeaders(second)?.['x-ssl-client-cert']).toBe('override');
    expect(requestHeaders(first)?.['x-ssl-client-cert']).toBe('node');
  });

  it('reads anything that is not an IncomingMessage as it is (plain objects, no headers)', () => {
    expect(requestHeaders({ headers: { a: 'b' } })).toEqual({ a: 'b' });
    expect(requestHeaders({})).toBeUndefined();
    const getter = { get headers() { return { c: 'd' }; } };
    expect(requestHeaders(getter)).toEqual({ c: 'd' });
  });

  it('works for a request with a frozen prototype', () => {
    const frozen = Object.freeze(Object.create(IncomingMessage.prototype) as object);
    const req = nodeRequest(['X-SSL-Client-Cert', 'v']);
    Object.setPrototypeOf(req, frozen);
    expect(requestHeaders(req)?.['x-ssl-client-cert']).toBe('v');
    expect(requestHeaders(req)?.['x-ssl-client-cert']).toBe('v');
  });
});
