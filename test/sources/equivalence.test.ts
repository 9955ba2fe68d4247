/**
 * The same certificates both ways: every client certificate of the harness's test PKI (good and
 * bad, "uptrends" policy) judged from a TLS socket and from each proxy format's header must get
 * the same verdict: same code and status, same certificate, same pin, same validated path.
 * Formats that forward only the leaf (nginx, haproxy) are compared with a TLS client that sends
 * only the leaf; the gate's configured intermediates complete the path in both cases.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import type { ClientCertGateOptions, Verdict } from '../../src/core/types.js';
import { parseCertificates } from '../../src/cert/parse.js';
import { HEADER_FORMATS } from '../../src/sources/decode.js';
import { uptrendsGateOptions } from '../../src/uptrends/index.js';
import { fakeSocket } from '../helpers/gate.js';
import { CHAIN_FORMATS, forwardedHeaders, forwardedRequest } from '../helpers/proxy-headers.js';
import { entry, expectedWithoutRevocation, manifest, pkiFile, referenceTime } from '../helpers/tls.js';

const policy = manifest.policies['uptrends'];
const anchors = manifest.anchors['uptrends'];
if (policy === undefined || anchors === undefined) throw new Error('the test PKI manifest has no "uptrends" policy');

const gates: ClientCertGate[] = [];
afterAll(() => {
  for (const g of gates) g.close();
});

function gate(source: ClientCertGateOptions['source']): ClientCertGate {
  const g = new ClientCertGate(
    uptrendsGateOptions({
      overrideTrustAnchors: anchors!.roots.map(pkiFile),
      overrideIntermediates: anchors!.intermediates.map(pkiFile),
      overridePins: policy!.pins as never,
      maxDepth: policy!.maxIntermediates,
      now: () => referenceTime,
      logger: false,
      source,
    }),
  );
  gates.push(g);
  return g;
}

function summary(v: Verdict | Promise<Verdict>) {
  if (v instanceof Promise) throw new Error('expected a synchronous verdict');
  if (v.outcome === 'absent') return { outcome: 'absent' };
  if (v.outcome === 'rejected') return { code: v.code, status: v.status, cert: v.certificate?.certSha256 };
  return { code: 'valid', cert: v.certificate.certSha256, pin: v.certificate.pinLabel, path: v.path.map((c) => c.sha256) };
}

const entries = [...manifest.entries.filter((e) => e.policy === 'uptrends'), entry('custom-client')];
const tlsGate = gate('tls');
const headerGates = Object.fromEntries(HEADER_FORMATS.map((f) => [f, gate({ header: f, trustedProxies: 'loopback' })]));

describe.each(entries.map((e) => [e.id, e]))('%s: the same verdict from TLS and from every proxy header', (_id, e) => {
  const ders = [e.cert, ...e.chain].flatMap((file) => parseCertificates(pkiFile(file)).map((c) => c.der));
  const direct = summary(tlsGate.evaluate({ socket: fakeSocket(ders) }));
  const directLeafOnly = summary(tlsGate.evaluate({ socket: fakeSocket(ders.slice(0, 1)) }));

  it('the TLS path gives the manifest verdict', () => {
    const expected = e.id === 'custom-client' ? { code: 'CHAIN_UNTRUSTED' } : expectedWithoutRevocation(e);
    expect(direct.code).toBe(expected.code);
  });

  it.each(HEADER_FORMATS.map((f) => [f]))('%s', (format) => {
    const forwarded = summary(headerGates[format]!.evaluate(forwardedRequest(forwardedHeaders(format, ders))));
    expect(forwarded).toEqual(CHAIN_FORMATS.includes(format) ? direct : directLeafOnly);
  });
});
