/**
 * The Uptrends preset: `requireClientCert` with the published Uptrends trust material bundled.
 *
 *     app.use(requireUptrendsClientCert());                        // the pinned published certificate
 *     app.use(requireUptrendsClientCert({ pinFile: 'pins.json' }));  // pins updated without a code change
 *     app.use(requireUptrendsClientCert({ match: 'identity' }));   // any certificates@uptrends.com certificate
 *
 * Bundled (assets/uptrends/): the trust anchor USERTrust RSA Certification Authority, the
 * intermediate Sectigo RSA Client Authentication and Secure Email CA, and pins.json with the
 * published certificate, which expired on 2025-07-26. See docs/uptrends.md.
 */
import { readFileSync } from 'node:fs';
import { parseCertificates } from '../cert/parse.js';
import type { CertificateModel } from '../cert/types.js';
import { ClientCertGate } from '../core/gate.js';
import { safeLog } from '../core/logger.js';
import { assertKnownKeys, GATE_OPTION_NAMES } from '../core/options.js';
import type { CertificateInput, ClientCertGateOptions } from '../core/types.js';
import { clientCertMiddleware, type ClientCertMiddleware } from '../core/middleware.js';
import { parsePinFile, windowStatus, type Pin, type PinInput } from '../verify/pins.js';

/** The email address in every Uptrends client certificate. */
export const UPTRENDS_EMAIL = 'certificates@uptrends.com';

/** Where Uptrends publishes its client certificate (input for `certgate pins update --from`). */
export const UPTRENDS_PUBLIC_KEY_PAGE = 'https://www.uptrends.com/support/kb/synthetic-monitoring/api-monitoring/uptrends-client-certificate-public-key-information';

/** The command that refreshes the pins, named in the error logged when every pin has expired. */
export const UPTRENDS_PIN_UPDATE_COMMAND = `certgate pins update --from ${UPTRENDS_PUBLIC_KEY_PAGE} --out pins.json`;

const ASSETS = new URL('../../assets/uptrends/', import.meta.url);

let bundled: { anchors: readonly CertificateModel[]; intermediates: readonly CertificateModel[]; pins: readonly Pin[]; pinsText: string } | undefined;

function loadBundled(): NonNullable<typeof bundled> {
  bundled ??= {
    anchors: Object.freeze(parseCertificates(readFileSync(new URL('usertrust-rsa-root.pem', ASSETS), 'utf8'))),
    intermediates: Object.freeze(parseCertificates(readFileSync(new URL('sectigo-rsa-client-auth-ca.pem', ASSETS), 'utf8'))),
    pinsText: readFileSync(new URL('pins.json', ASSETS), 'utf8'),
    pins: Object.freeze(parsePinFile(readFileSync(new URL('pins.json', ASSETS), 'utf8'), 'assets/uptrends/pins.json')),
  };
  return bundled;
}

/** The bundled trust anchors (USERTrust RSA Certification Authority). */
export function uptrendsTrustAnchors(): readonly CertificateModel[] {
  return loadBundled().anchors;
}

/** The bundled intermediates (Sectigo RSA Client Authentication and Secure Email CA). */
export function uptrendsIntermediates(): readonly CertificateModel[] {
  return loadBundled().intermediates;
}

/** The bundled published pins (assets/uptrends/pins.json). */
export function uptrendsBundledPins(): readonly Pin[] {
  return loadBundled().pins;
}

/** The bundled pins as their JSON file text (the pin file format). */
export function uptrendsBundledPinFile(): string {
  return loadBundled().pinsText;
}

/** Options of `requireUptrendsClientCert`. Every general option except the trust and pin ones passes through. */
export interface UptrendsClientCertOptions extends Omit<ClientCertGateOptions, 'trustAnchors' | 'intermediates' | 'pins' | 'pinFile'> {
  /**
   * 'pinned' (default): the certificate must match a pin (the bundled published pins plus
   * `pinFile`). 'identity': any certificate for certificates@uptrends.com that chains to the
   * anchors, which survives a renewal with a new key (and trusts the CAs' mailbox validation).
   */
  readonly match?: 'pinned' | 'identity';
  /** A pin file (docs/pins.md), watched and hot-reloaded; its pins add to the bundled ones. */
  readonly pinFile?: string;
  /** More trust anchors next to the bundled root, e.g. Sectigo's newer S/MIME roots for a renewal. */
  readonly extraAnchors?: CertificateInput | readonly CertificateInput[];
  /** More intermediates next to the bundled one, e.g. "Sectigo Public Email Protection CA R36". */
  readonly extraIntermediates?: CertificateInput | readonly CertificateInput[];
  /** REPLACES the bundled production trust anchors (tests, private test PKIs). */
  readonly overrideTrustAnchors?: CertificateInput | readonly CertificateInput[];
  /** REPLACES the bundled intermediates. */
  readonly overrideIntermediates?: CertificateInput | readonly CertificateInput[];
  /** REPLACES the bundled published pins (`pinFile` pins still add to these). */
  readonly overridePins?: readonly PinInput[];
}

/** The options of the preset itself (docs/configuration.md); every general option but the trust and pin ones passes through. */
export const UPTRENDS_PRESET_OPTION_NAMES = ['match', 'pinFile', 'extraAnchors', 'extraIntermediates', 'overrideTrustAnchors', 'overrideIntermediates', 'overridePins'] as const satisfies ReadonlyArray<keyof UptrendsClientCertOptions>;

/** Every option name `requireUptrendsClientCert` accepts: its own plus the general ones it passes through. */
export const UPTRENDS_OPTION_NAMES: readonly string[] = Object.freeze([
  ...UPTRENDS_PRESET_OPTION_NAMES,
  ...GATE_OPTION_NAMES.filter((k) => k !== 'trustAnchors' && k !== 'intermediates' && k !== 'pins' && k !== 'pinFile'),
]);
const GENERAL_ONLY: Readonly<Record<string, string>> = {
  trustAnchors: 'overrideTrustAnchors (replaces the bundled root) or extraAnchors (adds to it)',
  intermediates: 'overrideIntermediates or extraIntermediates',
  pins: 'overridePins (replaces the bundled pins) or pinFile (adds to them)',
};

function list(value: CertificateInput | readonly CertificateInput[] | undefined): CertificateInput[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly CertificateInput[])] : [value as CertificateInput];
}

/**
 * The general gate options the preset stands for: use it to compose (e.g. add identities and
 * roles, or a proxy source) with `requireClientCert` or `createClientCertGate`.
 *
 * @throws TypeError for a bad or misspelled option.
 */
export function uptrendsGateOptions(options: UptrendsClientCertOptions = {}): ClientCertGateOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError('certgate: requireUptrendsClientCert options must be an object');
  for (const key of Object.keys(options)) {
    const hint = GENERAL_ONLY[key];
    if (hint !== undefined) throw new TypeError(`certgate: requireUptrendsClientCert does not take "${key}"; use ${hint}`);
  }
  assertKnownKeys(options, UPTRENDS_OPTION_NAMES, 'requireUptrendsClientCert');
  const { match = 'pinned', pinFile, extraAnchors, extraIntermediates, overrideTrustAnchors, overrideIntermediates, overridePins, ...general } = options;
  if (match !== 'pinned' && match !== 'identity') throw new TypeError(`certgate: option "match" must be "pinned" or "identity", found ${JSON.stringify(match)}`);
  if (overridePins !== undefined && !Array.isArray(overridePins)) throw new TypeError('certgate: option "overridePins" must be an array of pins');
  const b = loadBundled();
  const trustAnchors = [...(overrideTrustAnchors === undefined ? b.anchors : list(overrideTrustAnchors)), ...list(extraAnchors)];
  const intermediates = [...(overrideIntermediates === undefined ? b.intermediates : list(overrideIntermediates)), ...list(extraIntermediates)];
  if (match === 'identity') {
    if (pinFile !== undefined || overridePins !== undefined) {
      throw new TypeError('certgate: match: "identity" accepts any certificates@uptrends.com certificate that chains to the anchors; "pinFile" and "overridePins" apply to match: "pinned"');
    }
    return { ...general, trustAnchors, intermediates, pins: [{ label: 'uptrends (identity)', subjectEmail: UPTRENDS_EMAIL }] };
  }
  const pins: PinInput[] = overridePins === undefined ? b.pins.map(pinToInput) : [...overridePins];
  return { ...general, trustAnchors, intermediates, pins, ...(pinFile === undefined ? {} : { pinFile }) };
}

/** A compiled pin back in input form (the bundled pins are compiled once for validation). */
function pinToInput(pin: Pin): PinInput {
  const out: { -readonly [K in keyof PinInput]: PinInput[K] } = { label: pin.label };
  if (pin.spkiSha256 !== undefined) out.spkiSha256 = pin.spkiSha256;
  if (pin.certSha256 !== undefined) out.certSha256 = pin.certSha256;
  if (pin.serial !== undefined) out.serial = pin.serial;
  if (pin.issuer !== undefined) out.issuer = pin.issuer.text;
  if (pin.subject !== undefined) out.subject = pin.subject.text;
  if (pin.subjectEmail !== undefined) out.subjectEmail = pin.subjectEmail;
  if (pin.notBefore !== undefined) out.notBefore = pin.notBefore;
  if (pin.notAfter !== undefined) out.notAfter = pin.notAfter;
  return out;
}

/**
 * A gate for the Uptrends client certificate (framework-free; see `requireUptrendsClientCert`).
 * Logs an error at construction when every pin has expired, naming the update command.
 */
export function createUptrendsGate(options: UptrendsClientCertOptions = {}): ClientCertGate {
  const gate = new ClientCertGate(uptrendsGateOptions(options));
  if (options.match !== 'identity') {
    const now = gate.options.now();
    const active = gate.pins.filter((p) => windowStatus(p, now) !== 'expired');
    if (active.length === 0) {
      safeLog(
        gate.options.logger,
        'error',
        { event: 'certgate.uptrends_pins_expired', pins: gate.pins.map((p) => ({ label: p.label, notAfter: p.notAfter?.toISOString() })) },
        `every Uptrends pin has expired, so every Uptrends request will be rejected; fetch the current certificate with \`${UPTRENDS_PIN_UPDATE_COMMAND}\` and pass { pinFile: 'pins.json' } (or use match: 'identity')`,
      );
    }
  }
  return gate;
}

/**
 * Express middleware admitting Uptrends checkpoints that present the Uptrends client certificate.
 * See `UptrendsClientCertOptions`; everything else behaves like `requireClientCert`.
 */
export function requireUptrendsClientCert(options: UptrendsClientCertOptions = {}): ClientCertMiddleware {
  return clientCertMiddleware(createUptrendsGate(options));
}
