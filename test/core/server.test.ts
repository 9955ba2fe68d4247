import { once } from 'node:events';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import { IncomingMessage } from 'node:http';
import { RequestWithClientCert } from '../../src/core/request-slots.js';
import { createMtlsServer, mtlsServerOptions } from '../../src/core/server.js';
import { requireClientCert } from '../../src/express/index.js';
import { entry, manifest, pkiFile } from '../helpers/tls.js';

const anchors = manifest.anchors['uptrends']!;
const gate = new ClientCertGate({ trustAnchors: anchors.roots.map(pkiFile), intermediates: anchors.intermediates.map(pkiFile), logger: false });
const key = pkiFile(manifest.server.key);
const cert = pkiFile(manifest.server.cert);

describe('mtlsServerOptions', () => {
  it('requests a certificate, advertises the anchors, TLS 1.2 minimum, lets the middleware answer', () => {
    const options = mtlsServerOptions(gate, { key, cert, sessionTimeout: 60 });
    expect(options).toMatchObject({ requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2', sessionTimeout: 60, key, cert });
    expect(options.ca).toEqual(gate.options.trustAnchors.map((c) => c.toPem()));
  });

  it('builds requests with RequestWithClientCert, unless the caller brings its own request class', () => {
    expect(mtlsServerOptions(gate, { key, cert }).IncomingMessage).toBe(RequestWithClientCert);
    class Theirs extends IncomingMessage {}
    expect(mtlsServerOptions(gate, { key, cert, IncomingMessage: Theirs }).IncomingMessage).toBe(Theirs);
  });

  it('strict: TLS rejects, and OpenSSL gets the known intermediates to build paths', () => {
    const options = mtlsServerOptions(requireClientCert({ trustAnchors: anchors.roots.map(pkiFile), intermediates: anchors.intermediates.map(pkiFile), logger: false }), { key, cert, strict: true, minVersion: 'TLSv1.3' });
    expect(options).toMatchObject({ rejectUnauthorized: true, minVersion: 'TLSv1.3' });
    expect((options.ca as string[]).length).toBe(2);
    expect('strict' in options).toBe(false);
  });

  it.each([
    [{ key, cert, ca: 'x' }, /sets "ca" from the policy/],
    [{ key, cert, requestCert: false }, /"requestCert"/],
    [{ key, cert, rejectUnauthorized: true }, /strict: true/],
    [{ key }, /"key" and "cert"/],
    [{ key, cert, minVersion: 'TLSv1.1' }, /TLSv1.2 or TLSv1.3/],
    [{ key, cert, strict: 'yes' }, /"strict"/],
  ])('refuses %#', (options, message) => {
    expect(() => mtlsServerOptions(gate, options as never)).toThrow(message);
  });

  it('refuses something that is not a gate', () => {
    expect(() => mtlsServerOptions({} as never, { key, cert })).toThrow(/needs a gate/);
  });
});

describe('createMtlsServer', () => {
  it('disables TLS 1.2 renegotiation on every connection', async () => {
    const server = createMtlsServer(gate, { key, cert }, (_req, res) => res.end('ok'));
    const serverErrors: Error[] = [];
    server.on('secureConnection', (socket: tls.TLSSocket) => socket.on('error', (e) => serverErrors.push(e)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = entry('uptrends-standin');
    const socket = tls.connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername: 'localhost',
      ca: pkiFile(manifest.server.ca),
      cert: [client.cert, ...client.chain].map(pkiFile).join('\n'),
      key: pkiFile(client.key),
      maxVersion: 'TLSv1.2',
    });
    socket.on('error', () => undefined);
    await once(socket, 'secureConnect');
    // (events.once would reject on the client's EPROTO error, which is expected here.)
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // The client asks for a new handshake; the server's refusal surfaces once data flows.
    expect(socket.renegotiate({ rejectUnauthorized: false }, () => undefined)).toBe(true);
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await closed;
    server.closeAllConnections();
    server.close();
    expect(serverErrors.map((e) => (e as NodeJS.ErrnoException).code)).toContain('ERR_TLS_RENEGOTIATION_DISABLED');
  });
});
