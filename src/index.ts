/**
 * certgate: trust an API caller by the TLS client certificate it presents.
 *
 * This is the one public entry; subpath exports are listed in package.json.
 */
export { ClientCertError, ERROR_CODES, isClientCertError } from './errors.js';
export type { ClientCertErrorCode, ClientCertErrorDetails } from './errors.js';
export type * from './cert/types.js';
export { Certificate, MAX_CERTIFICATE_SIZE } from './cert/certificate.js';
export type { Name } from './cert/name.js';
export type { TimeEncoding } from './cert/time.js';
export { parseCertificate, parseCertificates, readCertificatesFile } from './cert/parse.js';
export { MAX_INPUT_SIZE } from './cert/input.js';
export { readPkcs12 } from './cert/pkcs12.js';
export type { Pkcs12Certificate, Pkcs12Contents, ReadPkcs12Options } from './cert/pkcs12.js';
export { createVerifier, verifyChain, DEFAULT_MAX_DEPTH } from './verify/chain.js';
export type {
  CertificateInput,
  CertificateSource,
  Purpose,
  Verifier,
  VerifierOptions,
  VerifyChainOptions,
  VerifyFailure,
  VerifyPolicyOptions,
  VerifyResult,
  VerifySuccess,
} from './verify/chain.js';

// The framework-free gate: options, verdicts, caches, logging, problem details (docs/middleware.md).
export { ClientCertGate, createClientCertGate } from './core/gate.js';
export { CACHE_OPTION_NAMES, GATE_OPTION_NAMES } from './core/options.js';
export type { CompiledOptions } from './core/options.js';
export type {
  AbsentVerdict,
  AcceptedVerdict,
  ClientCertGateOptions,
  ClientCertificate,
  ClientCertificateSource,
  ClientIdentity,
  ExpiringSoonEvent,
  GateRequest,
  RejectedVerdict,
  RevocationChecker,
  RevocationResult,
  SourceResult,
  Verdict,
} from './core/types.js';
export type { ChainValidation, ChainValidator, ChainValidatorConfig, ChainValidatorFactory } from './core/validator.js';
export { createJsonLogger, safeText, silentLogger } from './core/logger.js';
export type { GateLogger, JsonLoggerOptions, LogLevel } from './core/logger.js';
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_PREFIX, problemFor, sendProblem } from './core/problem.js';
export type { ProblemDetails, ProblemResponse } from './core/problem.js';
export { createMtlsServer, disableRenegotiation, MTLS_OPTION_NAMES, MTLS_OWNED_SERVER_OPTIONS, mtlsServerOptions } from './core/server.js';
export type { GateLike, MtlsServerOptions } from './core/server.js';
export { clientCertMiddleware } from './core/middleware.js';
export type { ClientCertMiddleware, ClientCertRequest, NextFunction } from './core/middleware.js';
export { RequestWithClientCert } from './core/request-slots.js';
export { readPeerChain, tlsSource } from './sources/tls.js';
// Forwarded certificates from a trusted TLS-terminating proxy (docs/proxies.md).
export {
  DEFAULT_HEADER_NAMES,
  DEFAULT_MAX_HEADER_BYTES,
  headerSource,
  HEADER_SOURCE_OPTION_NAMES,
  MAX_MAX_HEADER_BYTES,
} from './sources/header.js';
export type { CustomHeaderFormat, HeaderSourceOptions, ProxyCertificatePins } from './sources/header.js';
export { decodeHeaderValue, HEADER_FORMATS, MAX_FORWARDED_CHAIN } from './sources/decode.js';
export type { HeaderFormat, HeaderPart } from './sources/decode.js';
export { parseXfcc } from './sources/xfcc.js';
export type { XfccPair } from './sources/xfcc.js';
export { compileTrustedProxies } from './sources/trusted-proxies.js';
export type { TrustedProxies } from './sources/trusted-proxies.js';
export type { SourceLogger } from './sources/types.js';

// Express middleware (also `certgate/express`).
export { REQUIRE_ROLE_OPTION_NAMES, requireAnyRole, requireClientCert, requireRole } from './express/index.js';
export type { RequireRoleOptions, RoleArgs } from './express/index.js';

// The Uptrends preset (also `certgate/uptrends`).
export {
  createUptrendsGate,
  requireUptrendsClientCert,
  UPTRENDS_EMAIL,
  UPTRENDS_OPTION_NAMES,
  UPTRENDS_PIN_UPDATE_COMMAND,
  UPTRENDS_PRESET_OPTION_NAMES,
  UPTRENDS_PUBLIC_KEY_PAGE,
  uptrendsBundledPins,
  uptrendsGateOptions,
  uptrendsIntermediates,
  uptrendsTrustAnchors,
} from './uptrends/index.js';
export type { UptrendsClientCertOptions } from './uptrends/index.js';
export { extractCertificatesFromPage } from './uptrends/page.js';

// Pins and identities (docs/pins.md).
export { compilePin, compilePins, parsePinFile, PinSet, PIN_FILE_VERSION, windowStatus } from './verify/pins.js';
export type { CompiledMatch, ListMatch, Pin, PinFields, PinInput, PinWindowStatus } from './verify/pins.js';
export { compileIdentities, compileIdentity, IdentitySet, parseIdentitiesFile } from './verify/identities.js';
export type { Identity, IdentityInput } from './verify/identities.js';
export { parseNameString } from './cert/name-string.js';
export type { NameStringAttribute, ParsedNameString } from './cert/name-string.js';

// Revocation: CRL and OCSP with caching, soft and hard fail (docs/revocation.md).
export { createRevocationChecker, RevocationService } from './verify/revocation/checker.js';
export type { RevocationCheckerOptions, RevocationCheckResult, RevocationLogger, RevocationSourceStatus } from './verify/revocation/checker.js';
export { compileRevocationPolicy, REVOCATION_DEFAULTS } from './verify/revocation/policy.js';
export type { CompiledRevocationPolicy, RevocationMode, RevocationPolicy } from './verify/revocation/policy.js';
export { CRL_REASONS, parseCrl } from './verify/revocation/crl.js';
export type { CrlEntry, ParsedCrl } from './verify/revocation/crl.js';
