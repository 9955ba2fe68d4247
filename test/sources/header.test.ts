/**
 * The header source inside the gate: trust, ambiguity, limits, caching, the proxy's own
 * certificate, options. Requests are shaped like Node's (headers + rawHeaders + socket).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import type { ClientCertGateOptions, Verdict } from '../../src/core/types.js';
import { ClientCertError, isClientCertError } from '../../src/errors.js';
import { ALL_DEFAULT_NAMES, DEFAULT_HEADER_NAMES, DEFAULT_MAX_HEADER_BYTES, headerSource, presentDefaultHeaders, type HeaderSourceOptions } from '../../src/sources/header.js';
import { HEADER_FORMATS } from '../../src/sources/decode.js';
import { countingValidator } from '../helpers/counting-validator.js';
import { thrownCode } from '../helpers/errors.js';
import { capturingLogger, clock, fakeSocket, sectigo, SECTIGO_PEM, uptrends, UPTRENDS_PIN, usertrust, USERTRUST_PEM } from '../helpers/gate.js';
import { albEscape, forwardedHeaders, forwardedRequest, nginxEscape, pemOf, xfccElement } from '../helpers/proxy-headers.js';

const gates: ClientCertGate[] = [];
afterEach(() => {
  for (const g of gates.splice(0)) g.close();
});

const chain = [uptrends.der, sectigo.der];

function makeGate(source: Partial<HeaderSourceOptions> & Pick<HeaderSourceOptions, 'header'>, extra: Partial<ClientCertGateOptions> = {}) {
  const logger = capturingLogger();
  const validator = countingValidator();
  const gate = new ClientCertGate(
    { trustAnchors: USERTRUST_PEM, intermediates: SECTIGO_PEM, pins: [UPTRENDS_PIN], now: clock('2025-01-01T00:00:00Z').now, logger, source: { trustedProxies: ['loopback'], ...source } as HeaderSourceOptions, ...extra },
    { validatorFactory: validator.factory },
  );
  gates.push(gate);
  return { gate, logger, calls: validator.calls };
}

function sync(v: Verdict | Promise<Verdict>): Verdict {
  if (v instanceof Promise) throw new Error('expected a synchronous verdict');
  return v;
}

const codeOf = (v: Verdict): string => (v.ok ? v.outcome : v.code);

describe('header source: a trusted proxy', () => {
  it.each(HEADER_FORMATS.map((f) => [f]))('%s: accepts the pinned certificate forwarded by a loopback proxy', (format) => {
    const { gate } = makeGate({ header: format });
    const verdict = sync(gate.evaluate(forwardedRequest(forwardedHeaders(format, chain))));
    expect(codeOf(verdict)).toBe('accepted');
    if (verdict.outcome !== 'accepted') return;
    expect(verdict.source).toBe(`header:${format}`);
    expect(verdict.certificate.certSha256).toBe(uptrends.sha256);
    expect(verdict.path.map((c) => c.sha256)).toEqual([uptrends.sha256, sectigo.sha256, usertrust.sha256].slice(0, verdict.path.length));
  });

  it('no header from the proxy is CERT_MISSING; optional lets it through as absent', () => {
    const { gate } = makeGate({ header: 'nginx' });
    const verdict = sync(gate.evaluate(forwardedRequest({})));
    expect(codeOf(verdict)).toBe('CERT_MISSING');
    const optional = makeGate({ header: 'nginx' }, { optional: true }).gate;
    expect(codeOf(sync(optional.evaluate(forwardedRequest({}))))).toBe('absent');
  });

  it('an empty header (HAProxy when the client sent none) is no certificate', () => {
    const { gate } = makeGate({ header: 'haproxy' });
    const verdict = sync(gate.evaluate(forwardedRequest({ 'x-ssl-client-der': '' })));
    expect(codeOf(verdict)).toBe('CERT_MISSING');
    if (!verdict.ok) expect(verdict.error.message).toMatch(/empty certificate header/);
  });

  it('IPv6 and IPv4-mapped peers match their ranges', () => {
    const { gate } = makeGate({ header: 'nginx', trustedProxies: ['10.0.0.0/8', 'fd00::/8'] });
    const headers = forwardedHeaders('nginx', chain);
    expect(codeOf(sync(gate.evaluate(forwardedRequest(headers, '::ffff:10.1.2.3'))))).toBe('accepted');
    expect(codeOf(sync(gate.evaluate(forwardedRequest(headers, 'fd00::17'))))).toBe('accepted');
    expect(codeOf(sync(gate.evaluate(forwardedRequest(headers, '::ffff:11.1.2.3'))))).toBe('CERT_MISSING');
    expect(codeOf(sync(gate.evaluate(forwardedRequest(headers, 'fe80::1'))))).toBe('CERT_MISSING');
    expect(codeOf(sync(gate.evaluate(forwardedRequest(headers, '::1'))))).toBe('CERT_MISSING');
  });
});

describe('header source: an untrusted peer never authenticates', () => {
  it.each(HEADER_FORMATS.map((f) => [f]))('%s: a perfect forged header from an untrusted peer is ignored (CERT_MISSING), logged once per peer', (format) => {
    const { gate, logger, calls } = makeGate({ header: format, trustedProxies: '10.0.0.1' });
    const headers = forwardedHeaders(format, chain);
    for (const peer of ['127.0.0.1', '127.0.0.1', '::ffff:10.0.0.2', '10.0.0.2', undefined]) {
      const request = forwardedRequest(headers, peer as string);
      if (peer === undefined) request.socket = {} as never;
      const verdict = sync(gate.evaluate(request));
      expect(verdict.ok).toBe(false);
      expect(codeOf(verdict)).toBe('CERT_MISSING');
      if (!verdict.ok) expect(verdict.error.message).toMatch(/not a trusted proxy/);
    }
    // Never even validated.
    expect(calls()).toBe(0);
    const warnings = logger.events('certgate.untrusted_proxy');
    expect(warnings.map((w) => w.obj['remoteAddress'])).toEqual(['127.0.0.1', '::ffff:10.0.0.2', '10.0.0.2', undefined]);
    expect(warnings[0]?.obj).toMatchObject({ code: 'PROXY_UNTRUSTED', source: `header:${format}` });
  });

  it('even with optional: true the forged certificate is not accepted: the request is absent', () => {
    const { gate } = makeGate({ header: 'xfcc', trustedProxies: '10.0.0.1' }, { optional: true });
    const verdict = sync(gate.evaluate(forwardedRequest(forwardedHeaders('xfcc', chain), '192.0.2.7')));
    expect(verdict.outcome).toBe('absent');
  });

  it('a peer without a socket address is untrusted', () => {
    const { gate } = makeGate({ header: 'nginx' });
    expect(codeOf(sync(gate.evaluate({ headers: forwardedHeaders('nginx', chain) })))).toBe('CERT_MISSING');
  });
});

describe('header source: ambiguity', () => {
  it('a repeated certificate header is HEADER_AMBIGUOUS (400), also when Node joined the values', () => {
    const { gate, calls } = makeGate({ header: 'nginx' });
    const value = forwardedHeaders('nginx', chain)['x-ssl-client-cert'] as string;
    const forged = nginxEscape(pemOf([usertrust.der]));
    for (const values of [[forged, value], [value, forged], [value, value]]) {
      const verdict = sync(gate.evaluate(forwardedRequest({ 'X-SSL-Client-Cert': values })));
      expect(codeOf(verdict)).toBe('HEADER_AMBIGUOUS');
      if (!verdict.ok) expect(verdict.status).toBe(400);
    }
    // An array value (a framework that keeps repeats apart) is ambiguous too.
    expect(codeOf(sync(gate.evaluate({ headers: { 'x-ssl-client-cert': [value, value] }, socket: { remoteAddress: '127.0.0.1' } })))).toBe('HEADER_AMBIGUOUS');
    expect(calls()).toBe(0);
  });

  it('two formats at once are HEADER_AMBIGUOUS', () => {
    const { gate } = makeGate({ header: 'nginx' });
    const both = { ...forwardedHeaders('nginx', chain), ...forwardedHeaders('xfcc', [usertrust.der]) };
    expect(codeOf(sync(gate.evaluate(forwardedRequest(both))))).toBe('HEADER_AMBIGUOUS');
    const alb = makeGate({ header: 'aws-alb' }).gate;
    const leafAndChain = { 'x-amzn-mtls-clientcert-leaf': albEscape(pemOf([uptrends.der])), 'x-amzn-mtls-clientcert': albEscape(pemOf(chain)) };
    expect(codeOf(sync(alb.evaluate(forwardedRequest(leafAndChain))))).toBe('HEADER_AMBIGUOUS');
    // The leaf form alone is fine.
    expect(codeOf(sync(alb.evaluate(forwardedRequest({ 'x-amzn-mtls-clientcert-leaf': albEscape(pemOf([uptrends.der])) }))))).toBe('accepted');
  });

  it('the same value again on one connection: repeats, other formats and untrusted peers are still caught', () => {
    const { gate } = makeGate({ header: 'nginx' });
    const value = forwardedHeaders('nginx', chain)['x-ssl-client-cert'] as string;
    const socket = { remoteAddress: '127.0.0.1' };
    const on = (headers: Record<string, string | string[]>) => ({ ...forwardedRequest(headers), socket });
    expect(codeOf(sync(gate.evaluate(on({ 'x-ssl-client-cert': value }))))).toBe('accepted');
    // Identical value, but another format's header next to it.
    expect(codeOf(sync(gate.evaluate(on({ 'x-ssl-client-cert': value, 'client-cert': ':AAAA:' }))))).toBe('HEADER_AMBIGUOUS');
    // The value repeated (Node joins it): a different string, judged afresh.
    expect(codeOf(sync(gate.evaluate(on({ 'x-ssl-client-cert': [value, value] }))))).toBe('HEADER_AMBIGUOUS');
    expect(codeOf(sync(gate.evaluate(on({ 'x-ssl-client-cert': value }))))).toBe('accepted');
    // The same value from another peer on another connection: not a trusted proxy.
    const outsider = { ...forwardedRequest({ 'x-ssl-client-cert': value }), socket: { remoteAddress: '203.0.113.9' } };
    expect(codeOf(sync(gate.evaluate(outsider)))).toBe('CERT_MISSING');
  });

  it('a header name whose repeats Node does not join: the raw lines decide, every time', () => {
    // Node keeps only the first User-Agent: headers hold one value without a comma, rawHeaders both.
    const { gate } = makeGate({ header: 'nginx', headerName: 'user-agent' });
    const value = forwardedHeaders('nginx', chain)['x-ssl-client-cert'] as string;
    const socket = { remoteAddress: '127.0.0.1' };
    const once = { headers: { 'user-agent': value }, rawHeaders: ['User-Agent', value], socket };
    const twice = { headers: { 'user-agent': value }, rawHeaders: ['User-Agent', value, 'User-Agent', value], socket };
    expect(codeOf(sync(gate.evaluate(once)))).toBe('accepted');
    expect(codeOf(sync(gate.evaluate(twice)))).toBe('HEADER_AMBIGUOUS');
    expect(codeOf(sync(gate.evaluate(once)))).toBe('accepted');
    expect(codeOf(sync(gate.evaluate(twice)))).toBe('HEADER_AMBIGUOUS');
  });

  it('presentDefaultHeaders has one bit per default header name, and knows every format\'s names', () => {
    const names = new Set(Object.values(DEFAULT_HEADER_NAMES).flatMap((n) => (n.chain === undefined ? [n.cert] : [n.cert, n.chain])));
    expect(new Set(ALL_DEFAULT_NAMES)).toEqual(names);
    expect(presentDefaultHeaders({})).toBe(0);
    const bits = ALL_DEFAULT_NAMES.map((name) => presentDefaultHeaders({ [name]: 'x' }));
    expect(bits).toEqual(ALL_DEFAULT_NAMES.map((_n, i) => 1 << i));
    expect(presentDefaultHeaders(Object.fromEntries(ALL_DEFAULT_NAMES.map((n) => [n, 'x'])))).toBe((1 << ALL_DEFAULT_NAMES.length) - 1);
  });

  it('rfc9440: Client-Cert repeated is ambiguous, Client-Cert-Chain split over lines is one list', () => {
    const { gate } = makeGate({ header: 'rfc9440' });
    const cert = `:${Buffer.from(uptrends.der).toString('base64')}:`;
    const inter = `:${Buffer.from(sectigo.der).toString('base64')}:`;
    expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'Client-Cert': [cert, cert] }))))).toBe('HEADER_AMBIGUOUS');
    expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'Client-Cert': cert, 'Client-Cert-Chain': [inter, inter] }))))).toBe('accepted');
    expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'Client-Cert-Chain': inter }))))).toBe('CERT_MALFORMED');
  });

  it('an XFCC injection through a quoted Subject never authenticates the forged certificate', () => {
    const { gate } = makeGate({ header: 'xfcc' });
    const forged = xfccElement(chain);
    // The client's own (forged) element first, then the proxy's element for a certificate with a hostile subject.
    const value = `${forged},By=spiffe://api;Hash=00;Subject="/CN=x\\";Cert=\\"${nginxEscape(pemOf([uptrends.der]))}"`;
    const verdict = sync(gate.evaluate(forwardedRequest({ 'x-forwarded-client-cert': value })));
    expect(codeOf(verdict)).toBe('CERT_MISSING');
  });
});

describe('header source: limits and caching', () => {
  it('rejects an oversized header with CERT_MALFORMED before decoding it', () => {
    let decodes = 0;
    const decode = (value: string): Uint8Array => {
      decodes += 1;
      return Buffer.from(value, 'base64');
    };
    const { gate } = makeGate({ header: { header: 'x-client-cert', decode } });
    const big = 'A'.repeat(DEFAULT_MAX_HEADER_BYTES + 1);
    const verdict = sync(gate.evaluate(forwardedRequest({ 'x-client-cert': big })));
    expect(codeOf(verdict)).toBe('CERT_MALFORMED');
    if (!verdict.ok) expect(verdict.error.message).toMatch(new RegExp(`${DEFAULT_MAX_HEADER_BYTES + 1} bytes, over the limit of ${DEFAULT_MAX_HEADER_BYTES} bytes`));
    expect(decodes).toBe(0);
    const small = makeGate({ header: 'nginx', maxHeaderBytes: 1000 }).gate;
    expect(codeOf(sync(small.evaluate(forwardedRequest(forwardedHeaders('nginx', chain)))))).toBe('CERT_MALFORMED');
  });

  it('decodes and validates a header value once; a different value is judged afresh', () => {
    let decodes = 0;
    const decode = (value: string): Uint8Array[] => {
      decodes += 1;
      return value.split(',').map((v) => Buffer.from(v, 'base64'));
    };
    const { gate, calls } = makeGate({ header: { header: 'x-client-cert', decode } });
    const value = chain.map((d) => Buffer.from(d).toString('base64')).join(',');
    for (let i = 0; i < 5; i++) expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'x-client-cert': value }))))).toBe('accepted');
    expect([decodes, calls()]).toEqual([1, 1]);
    expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'x-client-cert': Buffer.from(usertrust.der).toString('base64') }))))).toBe('BASIC_CONSTRAINTS_VIOLATED');
    expect([decodes, calls()]).toEqual([2, 2]);
    // A malformed value is remembered as malformed.
    for (let i = 0; i < 3; i++) expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'x-client-cert': 'AAAA' }))))).toBe('CERT_MALFORMED');
  });

  it('one proxy connection carrying several clients: each request is judged by its own header', () => {
    let decodes = 0;
    const decode = (value: string): Uint8Array[] => {
      decodes += 1;
      return value.split(',').map((v) => Buffer.from(v, 'base64'));
    };
    const { gate } = makeGate({ header: { header: 'x-client-cert', decode } });
    const good = chain.map((d) => Buffer.from(d).toString('base64')).join(',');
    const other = Buffer.from(usertrust.der).toString('base64');
    const socket = { remoteAddress: '127.0.0.1' };
    const on = (value: string | undefined) => ({ ...forwardedRequest(value === undefined ? {} : { 'x-client-cert': value }), socket });
    const verdicts = [good, good, other, good, undefined, other, 'AAAA', good].map((v) => codeOf(sync(gate.evaluate(on(v)))));
    expect(verdicts).toEqual(['accepted', 'accepted', 'BASIC_CONSTRAINTS_VIOLATED', 'accepted', 'CERT_MISSING', 'BASIC_CONSTRAINTS_VIOLATED', 'CERT_MALFORMED', 'accepted']);
    // Each distinct value decoded once (the rest from the per-connection memo or the hash cache).
    expect(decodes).toBe(3);
  });

  it('a custom decoder that throws gives CERT_MALFORMED; [] means no certificate; a wrong return type is malformed', () => {
    const throwing = makeGate({ header: { header: 'x-c', decode: () => { throw new Error('nope'); } } }).gate;
    const v1 = sync(throwing.evaluate(forwardedRequest({ 'x-c': 'abc' })));
    expect(codeOf(v1)).toBe('CERT_MALFORMED');
    if (!v1.ok) expect(v1.error.message).toMatch(/custom decoder refused the x-c header: nope/);
    const ambiguous = makeGate({ header: { header: 'x-c', decode: () => { throw new ClientCertError('HEADER_AMBIGUOUS', 'two'); } } }).gate;
    expect(codeOf(sync(ambiguous.evaluate(forwardedRequest({ 'x-c': 'abc' }))))).toBe('HEADER_AMBIGUOUS');
    const empty = makeGate({ header: { header: 'x-c', decode: () => [] } }).gate;
    expect(codeOf(sync(empty.evaluate(forwardedRequest({ 'x-c': 'abc' }))))).toBe('CERT_MISSING');
    const wrong = makeGate({ header: { header: 'x-c', decode: () => 'PEM' as unknown as Uint8Array } }).gate;
    expect(codeOf(sync(wrong.evaluate(forwardedRequest({ 'x-c': 'abc' }))))).toBe('CERT_MALFORMED');
  });
});

describe('header source: the proxy\'s own certificate (mTLS from the proxy)', () => {
  // The proxy's client certificate on the proxy→app connection: here the Sectigo certificate stands in.
  const proxyRequest = (proxyChain: Uint8Array[] | undefined) => {
    const socket = proxyChain === undefined ? {} : fakeSocket(proxyChain);
    return forwardedRequest(forwardedHeaders('nginx', chain), '127.0.0.1', socket as Record<string, unknown>);
  };

  it('accepts the pinned proxy certificate (SPKI or certificate hash), once per connection', () => {
    for (const pin of [{ spkiSha256: sectigo.spkiSha256Base64 }, { certSha256: sectigo.sha256.toLowerCase() }, { spkiSha256: [usertrust.spkiSha256Hex, `sha256/${sectigo.spkiSha256Base64}`] }]) {
      const { gate } = makeGate({ header: 'nginx', proxyCertificate: pin });
      const socket = fakeSocket([sectigo.der]);
      const request = forwardedRequest(forwardedHeaders('nginx', chain), '127.0.0.1', socket as unknown as Record<string, unknown>);
      request.socket = Object.assign(socket, { remoteAddress: '127.0.0.1' }) as never;
      expect(codeOf(sync(gate.evaluate(request)))).toBe('accepted');
      expect(codeOf(sync(gate.evaluate(request)))).toBe('accepted');
      expect(socket.peerCalls).toBe(1);
    }
  });

  it('PROXY_UNTRUSTED without mTLS or with another certificate', () => {
    const { gate } = makeGate({ header: 'nginx', proxyCertificate: { spkiSha256: sectigo.spkiSha256Base64 } });
    for (const proxyChain of [undefined, [], [usertrust.der]]) {
      const request = proxyRequest(proxyChain);
      if (proxyChain !== undefined) request.socket = Object.assign(fakeSocket(proxyChain), { remoteAddress: '127.0.0.1' }) as never;
      const verdict = sync(gate.evaluate(request));
      expect(codeOf(verdict)).toBe('PROXY_UNTRUSTED');
      if (!verdict.ok) expect(verdict.status).toBe(401);
    }
  });
});

describe('header source: options are validated once, at construction', () => {
  const base = { trustAnchors: USERTRUST_PEM, logger: false as const };
  const typeError = (source: unknown): string => {
    try {
      new ClientCertGate({ ...base, source: source as HeaderSourceOptions });
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      const cause = (error as Error).cause;
      expect(isClientCertError(cause) && cause.code).toBe('CONFIG_INVALID');
      return (error as Error).message;
    }
    throw new Error('expected a TypeError');
  };

  it('names the bad option and what was expected', () => {
    expect(typeError({ header: 'nginx' })).toMatch(/source\.trustedProxies" is required/);
    expect(typeError({ header: 'ngnix', trustedProxies: 'loopback' })).toMatch(/source\.header" must be one of .*did you mean "nginx"/);
    expect(typeError({ header: 'nginx', trustedProxies: true })).toMatch(/true would trust every peer/);
    expect(typeError({ header: 'nginx', trustedProxies: 'loopback', trustedProxy: 'x' })).toMatch(/source\.trustedProxy" is unknown.*did you mean "trustedProxies"/);
    expect(typeError({ header: 'nginx', trustedProxies: 'loopback', headerName: 'X SSL' })).toMatch(/headerName" must be an HTTP header name/);
    expect(typeError({ header: 'nginx', trustedProxies: 'loopback', chainHeaderName: 'x-chain' })).toMatch(/does not apply to the nginx format/);
    expect(typeError({ header: 'rfc9440', trustedProxies: 'loopback', chainHeaderName: 'Client-Cert' })).toMatch(/must differ/);
    expect(typeError({ header: 'nginx', trustedProxies: 'loopback', maxHeaderBytes: 10 })).toMatch(/maxHeaderBytes" must be an integer from 256/);
    expect(typeError({ header: 'nginx', trustedProxies: 'loopback', proxyCertificate: {} })).toMatch(/at least one/);
    expect(typeError({ header: 'nginx', trustedProxies: 'loopback', proxyCertificate: { spkiSha256: 'abc' } })).toMatch(/not a SHA-256/);
    expect(typeError({ header: 'nginx', trustedProxies: 'loopback', proxyCertificate: { spki: 'abc' } })).toMatch(/unknown key "spki"/);
    expect(typeError({ header: { header: 'x-c' }, trustedProxies: 'loopback' })).toMatch(/header\.decode" must be a function/);
    expect(typeError({ header: { decode: () => [] }, trustedProxies: 'loopback' })).toMatch(/header\.header" must name/);
  });

  it('headerSource() alone throws CONFIG_INVALID', () => {
    expect(thrownCode(() => headerSource({ header: 'xfcc' } as HeaderSourceOptions))).toMatch(/trustedProxies/);
  });

  it('honours headerName for the formats whose header is configurable', () => {
    const { gate } = makeGate({ header: 'nginx', headerName: 'X-Client-Cert' });
    const value = forwardedHeaders('nginx', chain)['x-ssl-client-cert'] as string;
    expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'X-Client-Cert': value }))))).toBe('accepted');
    expect(codeOf(sync(gate.evaluate(forwardedRequest({ 'X-SSL-Client-Cert': value }))))).toBe('HEADER_AMBIGUOUS'.replace('HEADER_AMBIGUOUS', 'CERT_MISSING'));
    const haproxy = makeGate({ header: 'haproxy', headerName: 'X-SSL-Client-Cert', chainHeaderName: 'X-SSL-Client-Chain' }).gate;
    const b64 = (d: Uint8Array) => Buffer.from(d).toString('base64');
    expect(codeOf(sync(haproxy.evaluate(forwardedRequest({ 'X-SSL-Client-Cert': b64(uptrends.der), 'X-SSL-Client-Chain': b64(sectigo.der) }))))).toBe('accepted');
  });
});
