/**
 * certgate/client: the companion test client. Calls an API with the Uptrends stand-in, a custom
 * certificate or none, one request at a time or as a multi-step scenario (docs/client.md,
 * docs/scenarios.md). A separate entry point so the middleware never loads undici or yaml.
 */
export { request, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES } from './request.js';
export { loadClientCert, type LoadClientCertOptions } from './client-cert.js';
export { DEFAULT_PKI_DIR, PKI_DIR_ENV, UPTRENDS_STANDIN_ID, resolvePkiDir } from './pki-manifest.js';
export { loadScenarioFile, runScenario, validateScenario } from './scenario.js';
export type { AssertionResult, LoadedScenarioFile, RunScenarioOptions, ScenarioResult, StepOutcome, StepResult } from './scenario.js';
export { RESERVED_CERT_CHOICES } from './scenario-schema.js';
export type { AssertionDefinition, CaptureDefinition, ScenarioDefinition, ScenarioIssue, StepDefinition, VaultItemDefinition } from './scenario-schema.js';
export { formatScenarioSummary } from './summary.js';
export type { Palette } from '../util/table.js';
export { parseJsonPath, evaluateJsonPath, type JsonPath } from './json-path.js';
export { problemReason } from './response.js';
export type * from './types.js';
