/**
 * certgate/harness: the local mTLS test harness. A test PKI shaped like the production Uptrends
 * chain, the zoo of bad client certificates with the verdict certgate must return for each, the
 * manifest that describes them, PKCS#12 writing, client-certificate issuance, and a local CRL
 * server and OCSP responder.
 *
 * Everything this module generates is TEST-ONLY: never trust it outside tests.
 */
export {
  DEFAULT_PKI_DIR,
  DEFAULT_REVOCATION_BASE_URL,
  generateTestPki,
  loadTestPki,
  PKI_DIR_ENV,
  resolvePkiDir,
  TEST_P12_ITERATIONS,
  TEST_P12_PASSWORD,
  TEST_P12_PASSWORD_ENV,
  TestPki,
  UNKNOWN_CRITICAL_EXTENSION_OID,
} from './pki.js';
export type { GenerateTestPkiOptions, TestPkiEntry, TestPkiStats } from './pki.js';
export { MANIFEST_IDS, validateManifest } from './manifest.js';
export type {
  ExpectedVerdict,
  ManifestAnchors,
  ManifestAuthority,
  ManifestCertificateFacts,
  ManifestEntry,
  ManifestFile,
  ManifestPin,
  ManifestPolicy,
  ManifestRevocationAuthority,
  ManifestServer,
  TestPkiManifest,
} from './manifest.js';
export { PKCS12_DEFAULT_ITERATIONS, PKCS12_MIN_ITERATIONS, writePkcs12 } from './pkcs12.js';
export type { WritePkcs12Options } from './pkcs12.js';
export { issueClientCertificate, NICKNAME_MAX_LENGTH, nicknameProblem } from './client-cert.js';
export type { IssueClientCertificateOptions, IssuedClientCertificate } from './client-cert.js';
export type { KeySpec } from './keys.js';
export { EXAMPLE_API_ROLES, EXAMPLE_API_ROUTES, ExampleApiDependencyError, startExampleApi } from './example-api.js';
export type { ExampleApi, ExampleApiOptions } from './example-api.js';
export {
  DEFAULT_DEMO_DIR,
  DEMO_PKI_MIN_REMAINING_MS,
  DEMO_VAULT_ITEM,
  demoCases,
  demoCurlCommands,
  demoScenario,
  expectedText,
  formatDemoSummary,
  formatDemoTable,
  pkiVerdictWindow,
  prepareDemoPki,
  runDemo,
  runDemoCases,
} from './demo.js';
export type { DemoCase, DemoCurlCommand, DemoPkiInfo, DemoResult, DemoRow, PrepareDemoPkiOptions, RunDemoCasesOptions, RunDemoOptions } from './demo.js';
export { RevocationResponder, signTestCrl, startRevocationResponder } from './revocation.js';
export type { ResponderFault, RevocationResponderOptions } from './revocation.js';
