/**
 * The test PKI manifest (`<dir>/manifest.json`): what every generated file is for and which
 * verdict certgate must return for each client certificate. The companion client, the demo and
 * the tests read it; docs/harness.md documents it. Paths are relative to the manifest's directory.
 *
 * Compatibility: `version` is 1; fields may be added, never renamed or removed.
 */
import type { ClientCertErrorCode } from '../errors.js';

/** Verdict of a policy: 'valid', or the error code certgate must return. */
export type ExpectedVerdict = 'valid' | ClientCertErrorCode;

/** Facts about a certificate (names RFC 4514, most specific first, as certgate prints them). */
export interface ManifestCertificateFacts {
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** SHA-256 of the DER, uppercase hex. */
  readonly sha256: string;
  /** SHA-256 of the SubjectPublicKeyInfo, base64. */
  readonly spkiSha256: string;
  readonly keyType: string;
}

/** One certificate authority of the test PKI. */
export interface ManifestAuthority extends ManifestCertificateFacts {
  readonly id: string;
  readonly description: string;
  /** Certificate, PEM. */
  readonly cert: string;
  /** Private key, PKCS#8 PEM (test-only). */
  readonly key: string;
  /** Id of the issuing authority, or 'self' for a root. */
  readonly issuerId: string;
}

/** What the revocation responders (CRL server, OCSP responder) of the harness serve for one CA. */
export interface ManifestRevocationAuthority {
  /** CRL, DER, signed by the CA; lists the serials of `revoked`. */
  readonly crl: string;
  /** Where certificates issued by this CA say the CRL is (CRL distribution point). */
  readonly crlUrl: string;
  /** Where certificates issued by this CA say the OCSP responder is (AIA). */
  readonly ocspUrl: string;
  /** Where certificates issued by this CA say its certificate is (AIA caIssuers); serve the DER. */
  readonly caIssuersUrl: string;
  /** Certificates this CA has revoked. */
  readonly revoked: ReadonlyArray<{ readonly serial: string; readonly revokedAt: string; readonly reason: string; readonly entry: string }>;
  /** A delegated OCSP responder (EKU OCSPSigning, ocsp-nocheck) for this CA, where one was issued. */
  readonly ocspResponder?: { readonly cert: string; readonly key: string };
}

/** Trust material of one trust domain. */
export interface ManifestAnchors {
  /** Trust anchors (roots), PEM files. */
  readonly roots: readonly string[];
  /** Intermediates the server knows (for path building when a client sends only its leaf). */
  readonly intermediates: readonly string[];
}

/** A pin on one certificate; every field given must match. */
export interface ManifestPin {
  readonly label: string;
  readonly serial: string;
  /** Issuer distinguished name, RFC 4514 string. */
  readonly issuer: string;
  readonly subjectEmail: string;
  readonly spkiSha256: string;
}

/** A policy under which entries carry their expected verdicts. */
export interface ManifestPolicy {
  readonly description: string;
  /** Key into `anchors`. */
  readonly anchors: string;
  readonly purpose: 'client';
  /**
   * Most intermediates allowed between the leaf and the trust anchor (what the real chain needs;
   * the `-verify_depth` of OpenSSL). `maxChainLength` counts leaf and anchor too.
   */
  readonly maxIntermediates: number;
  readonly maxChainLength: number;
  /** The `maxDepth` to give `verifyChain` / `createVerifier` (it counts intermediates): equals `maxIntermediates`. */
  readonly maxDepth: number;
  /** Pins the certificate must match (the Uptrends preset's `pinned` mode). */
  readonly pins?: readonly ManifestPin[];
  /** Identities (SAP service-key model): a validated certificate must match one of them. */
  readonly identities?: ReadonlyArray<{ readonly name: string; readonly roles: readonly string[]; readonly match: { readonly spkiSha256: string; readonly serial: string; readonly issuer: string } }>;
}

/** One client certificate: a good one or a zoo case. */
export interface ManifestEntry extends ManifestCertificateFacts {
  /** Stable id, e.g. "uptrends-standin", "custom-client", "zoo-expired". */
  readonly id: string;
  readonly description: string;
  /** 'client' for certificates meant to pass, 'zoo' for the bad-certificate cases. */
  readonly kind: 'client' | 'zoo';
  /** Leaf certificate, PEM. */
  readonly cert: string;
  /** Its private key, PKCS#8 PEM (test-only). */
  readonly key: string;
  /** Intermediates the client sends after the leaf, in order (PEM files). */
  readonly chain: readonly string[];
  /** The same leaf, key and chain as a PKCS#12 archive (test-only password). */
  readonly p12?: string;
  /** Environment variable the demo and scenarios read the archive password from. */
  readonly p12PasswordEnv?: string;
  /** The archive's password when it is the built-in TEST-ONLY value (absent when chosen by the user). */
  readonly p12Password?: string;
  /** Key into `policies`: the policy `expected` refers to. */
  readonly policy: string;
  /** What certgate must answer under `policy` (revocation on, where the entry needs it). */
  readonly expected: ExpectedVerdict;
  /** HTTP status the middleware answers with. */
  readonly expectedStatus: 200 | 401 | 403;
  /** What path validation alone (verifyChain with the policy's anchors, purpose and depth; revocation off) returns. */
  readonly chainExpected: ExpectedVerdict;
  /** True when `expected` needs revocation checking on (mode hard-fail or soft-fail with a reachable responder). */
  readonly requiresRevocation?: boolean;
  /** Verdict and status with revocation off, where they differ. */
  readonly expectedWithoutRevocation?: ExpectedVerdict;
  readonly expectedStatusWithoutRevocation?: 200 | 401 | 403;
  /** Verdicts under other policies of this manifest, where useful (e.g. a customer certificate on the Uptrends route). */
  readonly otherPolicies?: Readonly<Record<string, { readonly expected: ExpectedVerdict; readonly expectedStatus: 200 | 401 | 403 }>>;
  /** Digest of the leaf's signature (facts inherited: for pins, identities and assertions). */
  readonly signatureHash: string;
}

/** The TLS server certificate of the harness (for localhost). */
export interface ManifestServer {
  readonly cert: string;
  readonly key: string;
  /** Intermediates to send (none: the server CA issues directly). */
  readonly chain: readonly string[];
  /** What clients trust for the server. */
  readonly ca: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

/** Every file with its purpose. */
export interface ManifestFile {
  readonly path: string;
  readonly kind: 'certificate' | 'private-key' | 'pkcs12' | 'crl' | 'readme';
  readonly purpose: string;
}

/** manifest.json of a generated test PKI: every file, what it is, and the verdict certgate must return (docs/harness.md). */
export interface TestPkiManifest {
  readonly version: 1;
  /** The `now` the PKI was generated for: validate at this time. */
  readonly referenceTime: string;
  readonly notice: string;
  readonly authorities: Readonly<Record<string, ManifestAuthority>>;
  readonly anchors: Readonly<Record<string, ManifestAnchors>>;
  readonly policies: Readonly<Record<string, ManifestPolicy>>;
  readonly revocation: { readonly baseUrl: string; readonly authorities: Readonly<Record<string, ManifestRevocationAuthority>> };
  readonly server: ManifestServer;
  readonly entries: readonly ManifestEntry[];
  readonly files: readonly ManifestFile[];
}

/** Manifest ids other parts of certgate rely on. */
export const MANIFEST_IDS = {
  uptrendsStandin: 'uptrends-standin',
  uptrendsStandinLeafOnly: 'uptrends-standin-leaf-only',
  customClient: 'custom-client',
} as const;

/**
 * Checks the parts of a parsed manifest.json that readers rely on, and that every path stays
 * inside the manifest's directory. Throws TypeError naming the first problem.
 */
export function validateManifest(value: unknown): TestPkiManifest {
  const fail = (what: string): never => {
    throw new TypeError(`test PKI manifest: ${what}`);
  };
  if (!isRecord(value)) return fail('expected a JSON object');
  if (value['version'] !== 1) fail(`expected "version": 1, found ${JSON.stringify(value['version'])}`);
  if (typeof value['referenceTime'] !== 'string' || Number.isNaN(Date.parse(value['referenceTime']))) fail('expected "referenceTime" as an ISO date');
  const entries = value['entries'];
  if (!Array.isArray(entries)) return fail('expected an "entries" array');
  const ids = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (!isRecord(entry)) return fail(`entries[${index}] is not an object`);
    const id = entry['id'];
    if (typeof id !== 'string' || id === '') return fail(`entries[${index}] has no "id"`);
    if (ids.has(id)) fail(`entry id "${id}" appears twice`);
    ids.add(id);
    for (const field of ['cert', 'key'] as const) checkRelativePath(entry[field], `entry "${id}" ${field}`, fail);
    const chain = entry['chain'];
    if (!Array.isArray(chain)) return fail(`entry "${id}" has no "chain" array`);
    chain.forEach((item, i) => checkRelativePath(item, `entry "${id}" chain[${i}]`, fail));
    if (entry['p12'] !== undefined) checkRelativePath(entry['p12'], `entry "${id}" p12`, fail);
    if (typeof entry['expected'] !== 'string') fail(`entry "${id}" has no "expected" verdict`);
  }
  const files = value['files'];
  if (files !== undefined) {
    if (!Array.isArray(files)) return fail('expected "files" to be an array');
    files.forEach((file, i) => checkRelativePath(isRecord(file) ? file['path'] : undefined, `files[${i}]`, fail));
  }
  return value as unknown as TestPkiManifest;
}

/** A manifest path: relative, forward slashes, no "..", so it cannot point outside the PKI directory. */
export function checkRelativePath(value: unknown, what: string, fail: (what: string) => never): void {
  if (typeof value !== 'string' || value === '') fail(`${what}: expected a relative path`);
  const text = value as string;
  if (text.startsWith('/') || text.includes('\\') || /^[A-Za-z]:/.test(text) || text.split('/').some((part) => part === '..' || part === '' || part === '.')) {
    fail(`${what}: "${text}" must be a relative path inside the PKI directory`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
