import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createUptrendsGate,
  requireUptrendsClientCert,
  UPTRENDS_PIN_UPDATE_COMMAND,
  uptrendsBundledPins,
  uptrendsGateOptions,
  uptrendsIntermediates,
  uptrendsTrustAnchors,
} from '../../src/uptrends/index.js';
import { capturingLogger, SECTIGO_PEM, UPTRENDS_PEM } from '../helpers/gate.js';
import { entry, manifest, pkiFile, referenceTime } from '../helpers/tls.js';

const at2025 = () => Date.parse('2025-03-01T12:00:00Z');
const today = () => Date.parse('2026-11-23T00:00:00Z');

describe('bundled Uptrends trust material', () => {
  it('ships USERTrust as the anchor, the Sectigo client CA as intermediate and the published pin', () => {
    expect(uptrendsTrustAnchors().map((c) => c.subject.get('CN'))).toEqual(['USERTrust RSA Certification Authority']);
    expect(uptrendsTrustAnchors()[0]?.sha256).toBe('E793C9B02FD8AA13E21C31228ACCB08119643B749C898964B1746D46C3D4CBD2');
    expect(uptrendsIntermediates().map((c) => c.subject.get('CN'))).toEqual(['Sectigo RSA Client Authentication and Secure Email CA']);
    const [pin, ...more] = uptrendsBundledPins();
    expect(more).toEqual([]);
    expect(pin).toMatchObject({ label: 'uptrends-2024', serial: '1A223E5481B066DFDA30E5F35CDB3A81', subjectEmail: 'certificates@uptrends.com', spkiSha256: '572158c899011b986e3432ea2975151f0b19770c9c44228987ab86929f25e7c4' });
    expect(pin?.notAfter?.toISOString()).toBe('2025-07-26T23:59:59.000Z');
    expect(pin?.issuer?.text).toBe('CN=Sectigo RSA Client Authentication and Secure Email CA,O=Sectigo Limited,L=Salford,ST=Greater Manchester,C=GB');
  });
});

describe('the published Uptrends certificate through the preset (header-free core call)', () => {
  it('is accepted by the pinned policy at a time inside its validity, sent with or without the intermediate', async () => {
    const gate = createUptrendsGate({ logger: false, now: at2025 });
    const leafOnly = await gate.checkCertificates(UPTRENDS_PEM);
    expect(leafOnly.outcome).toBe('accepted');
    expect(leafOnly.outcome === 'accepted' && leafOnly.certificate.pinLabel).toBe('uptrends-2024');
    expect(leafOnly.outcome === 'accepted' && leafOnly.path.map((c) => c.subject.get('CN') ?? c.subject.get('emailAddress'))).toEqual([
      'certificates@uptrends.com',
      'Sectigo RSA Client Authentication and Secure Email CA',
      'USERTrust RSA Certification Authority',
    ]);
    expect((await gate.checkCertificates([UPTRENDS_PEM, SECTIGO_PEM])).outcome).toBe('accepted');
  });

  it('is rejected as CERT_EXPIRED today (2026-11-23)', async () => {
    const gate = createUptrendsGate({ logger: false, now: today });
    const verdict = await gate.checkCertificates(UPTRENDS_PEM);
    expect(verdict.ok ? 'accepted' : [verdict.code, verdict.status]).toEqual(['CERT_EXPIRED', 401]);
  });

  it('is accepted by match: "identity" too', async () => {
    const gate = createUptrendsGate({ match: 'identity', logger: false, now: at2025 });
    expect((await gate.checkCertificates(UPTRENDS_PEM)).outcome).toBe('accepted');
  });
});

describe('construction-time reporting', () => {
  it('logs an error naming the update command when every pin has expired', () => {
    const logger = capturingLogger();
    createUptrendsGate({ logger, now: today });
    const line = logger.events('certgate.uptrends_pins_expired')[0];
    expect(line?.level).toBe('error');
    expect(line?.msg).toContain(UPTRENDS_PIN_UPDATE_COMMAND);
    expect(line?.obj['pins']).toEqual([{ label: 'uptrends-2024', notAfter: '2025-07-26T23:59:59.000Z' }]);
  });

  it('stays quiet while a pin is active, and in identity mode', () => {
    const logger = capturingLogger();
    createUptrendsGate({ logger, now: at2025 });
    createUptrendsGate({ logger, now: today, match: 'identity' });
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('preset options', () => {
  it.each([
    [{ trustAnchors: SECTIGO_PEM }, /use overrideTrustAnchors \(replaces the bundled root\) or extraAnchors/],
    [{ pins: [] }, /use overridePins/],
    [{ pinfile: 'x' }, /did you mean "pinFile"/],
    [{ extraAnchor: SECTIGO_PEM }, /did you mean "extraAnchors"/],
    [{ match: 'pinned-ish' }, /"pinned" or "identity"/],
    [{ match: 'identity', pinFile: 'pins.json' }, /apply to match: "pinned"/],
    [{ overridePins: {} }, /array of pins/],
    [{ logger: 5 }, /"logger"/],
  ])('refuses %#', (options, message) => {
    expect(() => createUptrendsGate(options as never)).toThrow(message);
  });

  it('adds extra anchors and intermediates to the bundled ones; overrides replace them', () => {
    const extra = uptrendsGateOptions({ extraIntermediates: pkiFile('ca/uptrends-intermediate.pem'), extraAnchors: [pkiFile('ca/uptrends-root.pem')] });
    expect((extra.trustAnchors as unknown[]).length).toBe(2);
    expect((extra.intermediates as unknown[]).length).toBe(2);
    const replaced = uptrendsGateOptions({ overrideTrustAnchors: pkiFile('ca/uptrends-root.pem'), overridePins: [] });
    expect((replaced.trustAnchors as unknown[]).length).toBe(1);
    expect(replaced.pins).toEqual([]);
  });

  it('identity mode admits a renewed certificate with a new key from a known CA (the test PKI stand-in look-alike)', async () => {
    const roots = manifest.anchors['uptrends']!.roots.map(pkiFile);
    const intermediates = manifest.anchors['uptrends']!.intermediates.map(pkiFile);
    const identity = createUptrendsGate({ match: 'identity', overrideTrustAnchors: roots, overrideIntermediates: intermediates, logger: false, now: () => referenceTime });
    const pinned = createUptrendsGate({ overrideTrustAnchors: roots, overrideIntermediates: intermediates, overridePins: manifest.policies['uptrends']!.pins as never, logger: false, now: () => referenceTime });
    const renewed = pkiFile(entry('zoo-same-subject-other-key').cert);
    expect((await identity.checkCertificates(renewed)).outcome).toBe('accepted');
    const refused = await pinned.checkCertificates(renewed);
    expect(refused.ok || refused.code).toBe('PIN_MISMATCH');
  });

  it('requireUptrendsClientCert returns middleware carrying its gate', () => {
    const mw = requireUptrendsClientCert({ logger: false, now: at2025 });
    expect(typeof mw).toBe('function');
    expect(mw.gate.pins.map((p) => p.label)).toEqual(['uptrends-2024']);
    expect(readFileSync(new URL('../../assets/uptrends/pins.json', import.meta.url), 'utf8')).toContain('uptrends-2024');
  });
});
