import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWithLimits } from '../../src/util/http-fetch.js';

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.end('hello');
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' }).end();
        return;
      case '/to-ftp':
        res.writeHead(302, { location: 'ftp://127.0.0.1/x' }).end();
        return;
      case '/declared-big':
        res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        res.write('x');
        return; // never finishes: the client must give up on the declared length alone
      case '/streamed-big':
        res.writeHead(200);
        res.end(Buffer.alloc(64 * 1024, 0x41));
        return;
      case '/hang':
        return; // never answers
      default:
        res.writeHead(500).end('boom');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('fetchWithLimits', () => {
  it('returns the body of a 2xx answer', async () => {
    const result = await fetchWithLimits(`${base}/ok`);
    expect([result.status, result.body.toString()]).toEqual([200, 'hello']);
  });

  it.each([
    ['/loop', {}, /more than 3 redirects/],
    ['/to-ftp', {}, /only http and https/],
    ['/declared-big', { maxBytes: 1024 }, /over the limit of 1024/],
    ['/streamed-big', { maxBytes: 1024 }, /exceeds the limit of 1024/],
    ['/hang', { timeoutMs: 200 }, /timed out after 200 ms/],
    ['/error', {}, /HTTP 500/],
  ])('refuses %s', async (path, limits, message) => {
    await expect(fetchWithLimits(`${base}${path}`, limits)).rejects.toThrow(message);
  });

  it('refuses non-http schemes, credentials and garbage before connecting', async () => {
    await expect(fetchWithLimits('file:///etc/passwd')).rejects.toThrow(/only http and https/);
    await expect(fetchWithLimits('http://user:pw@127.0.0.1/')).rejects.toThrow(/credentials/);
    await expect(fetchWithLimits('not a url')).rejects.toThrow(/not a valid URL/);
  });
});
