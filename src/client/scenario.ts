/**
 * Multi-step scenarios, mirroring an Uptrends multi-step API monitor: named certificate archives in
 * a vault, steps that each choose their client certificate, assertions, and values captured into
 * variables for later steps. Everything that can be checked without the network (schema,
 * references, environment, archive passwords) is checked before the first request.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import { ClientCertError, isClientCertError } from '../errors.js';
import { loadClientCert, loadP12, PKI_PREFIX } from './client-cert.js';
import { readBoundedFile } from './files.js';
import { readManifestServerCa, resolvePkiDir } from './pki-manifest.js';
import { evaluateJsonPath } from './json-path.js';
import { request as defaultRequest, firstHeader } from './request.js';
import { problemReason } from './response.js';
import { compileScenario, type CompiledAssertion, type CompiledCapture, type CompiledScenario, type CompiledStep } from './scenario-schema.js';
import { parseTemplate, refText, renderTemplate, type TemplatePart, type TemplateRef } from './template.js';
import type { FileInput, LoadedClientCert, ProblemDetails, RequestOptions, RequestResult } from './types.js';

const MAX_SCENARIO_BYTES = 1024 * 1024;

/** Options of `runScenario`. */
export interface RunScenarioOptions {
  /** Environment for `{{env.NAME}}`, vault passwords and `CERTGATE_PKI`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Base for the vault files and `ca` of the definition; default `cwd` (`loadScenarioFile` gives the file's directory). */
  readonly baseDir?: string;
  /** Working directory (for the default PKI directory); default `process.cwd()`. */
  readonly cwd?: string;
  /** Test PKI directory for `uptrends` (see docs/client.md). */
  readonly pkiDir?: string;
  /** Server CA, replacing the definition's `ca` (relative paths from `cwd`). */
  readonly ca?: FileInput | readonly FileInput[];
  /** Overrides the definition's `trustPkiServer`. */
  readonly trustPkiServer?: boolean;
  /** Overrides the definition's `insecure`. */
  readonly insecure?: boolean;
  /** Overrides the definition's `continueOnFailure`. */
  readonly continueOnFailure?: boolean;
  /** Called after each step (progress output). */
  readonly onStep?: (step: StepResult) => void;
  /** Replaces `request()` (tests, instrumentation). Receives a loaded client certificate. */
  readonly request?: (url: string, options: RequestOptions) => Promise<RequestResult>;
}

/** The outcome of one assertion. */
export interface AssertionResult {
  /** e.g. `status 200`, `header content-type contains "json"`, `$.token exists`. */
  readonly assertion: string;
  readonly ok: boolean;
  /** Why it failed: expected and actual. */
  readonly message: string | undefined;
}

/** How a step ended: passed, failed (assertion, capture, connection), error (could not run) or skipped (after a failure). */
export type StepOutcome = 'passed' | 'failed' | 'error' | 'skipped';

/** The result of one step: its request, response, assertions and outcome. */
export interface StepResult {
  /** 1-based. */
  readonly number: number;
  readonly name: string;
  /** The certificate choice: `none`, `uptrends` or the vault item name. */
  readonly certificate: string;
  /** `failed`: the server answered but an assertion or capture failed; `error`: no answer. */
  readonly outcome: StepOutcome;
  /** The first reason the step did not pass. */
  readonly reason: string | undefined;
  readonly method: string | undefined;
  /** The URL after substitution. */
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly timeMs: number | undefined;
  readonly problem: ProblemDetails | undefined;
  readonly assertions: readonly AssertionResult[];
  /** Names of the variables this step captured (values are not repeated here: they may be tokens). */
  readonly captured: readonly string[];
  /** The error code when `outcome` is `error` (CONNECTION_FAILED, TLS_HANDSHAKE_FAILED, ...). */
  readonly errorCode: string | undefined;
  readonly response: RequestResult | undefined;
}

/** The result of a scenario run: every step and the counts. */
export interface ScenarioResult {
  readonly name: string | undefined;
  /** True when every step passed. */
  readonly ok: boolean;
  readonly steps: readonly StepResult[];
  readonly counts: { readonly passed: number; readonly failed: number; readonly error: number; readonly skipped: number };
  readonly totalMs: number;
}

/** A scenario file read and parsed, with the directory its relative paths start from. */
export interface LoadedScenarioFile {
  readonly definition: unknown;
  readonly baseDir: string;
}

/**
 * Reads a scenario file: `.json` as JSON, anything else as YAML (which also reads JSON).
 * @throws ClientCertError CONFIG_INVALID when unreadable or not parseable (with line and column).
 */
export async function loadScenarioFile(file: string): Promise<LoadedScenarioFile> {
  const absolute = path.resolve(file);
  const text = (await readBoundedFile(absolute, 'scenario', MAX_SCENARIO_BYTES)).toString('utf8');
  let definition: unknown;
  if (absolute.toLowerCase().endsWith('.json')) {
    try {
      definition = JSON.parse(text);
    } catch (error) {
      throw new ClientCertError('CONFIG_INVALID', `scenario ${file}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
  } else {
    try {
      // Core schema, no custom tags; aliases bounded (billion laughs).
      definition = parseYaml(text, { maxAliasCount: 100, prettyErrors: true, uniqueKeys: true });
    } catch (error) {
      throw new ClientCertError('CONFIG_INVALID', `scenario ${file}: not valid YAML (${(error as Error).message.split('\n')[0] ?? ''})`, { cause: error });
    }
  }
  return { definition, baseDir: path.dirname(absolute) };
}

/**
 * Checks a definition without sending anything: schema, vault references, variables and the
 * environment (archive passwords are checked by `runScenario`, which opens the archives).
 * @throws ClientCertError as `runScenario` does before its first request.
 */
export function validateScenario(definition: unknown, options: { env?: Readonly<Record<string, string | undefined>> } = {}): void {
  compileScenario(definition, options.env ?? process.env);
}

/**
 * Validates and runs a scenario.
 *
 * Resolves with the result of every step (a failed step is a result, not an exception).
 * @throws ClientCertError before any request for an invalid definition: CONFIG_INVALID,
 *   VAULT_ITEM_UNKNOWN, VARIABLE_UNKNOWN, ENV_VAR_MISSING, PKCS12_BAD_PASSWORD, PKCS12_MALFORMED.
 */
export async function runScenario(definition: unknown, options: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const baseDir = options.baseDir ?? cwd;
  const scenario = compileScenario(definition, env);
  const certificates = await loadCertificates(scenario, { env, cwd, baseDir, pkiDir: options.pkiDir });
  let ca: FileInput | readonly FileInput[] | undefined = options.ca ?? scenario.ca?.map((file) => path.resolve(baseDir, file));
  if (options.trustPkiServer ?? scenario.trustPkiServer) {
    // Resolved now, so a missing test PKI stops the run before the first request.
    const pkiCa = await readManifestServerCa(resolvePkiDir({ dir: options.pkiDir, env, cwd }));
    ca = ca === undefined ? [pkiCa] : [...(Array.isArray(ca) ? (ca as readonly FileInput[]) : [ca as FileInput]), pkiCa];
  }
  const insecure = options.insecure ?? scenario.insecure;
  const continueOnFailure = options.continueOnFailure ?? scenario.continueOnFailure;
  const send = options.request ?? defaultRequest;

  const variables = new Map(scenario.variables);
  /** Variables a failed step should have captured: a later step using one cannot run. */
  const missed = new Map<string, number>();
  const results: StepResult[] = [];
  const start = performance.now();
  let stopped = false;
  for (const step of scenario.steps) {
    const certificate = certificates.get(step.clientCert);
    let result: StepResult;
    if (stopped) result = skipped(step, 'not run: an earlier step failed (set continueOnFailure to run every step)');
    else if (certificate === undefined) throw new ClientCertError('INTERNAL_ERROR', `certificate "${step.clientCert}" was validated but not loaded`);
    else {
      result = await runStep(step, { variables, missed, env, certificate, ca, insecure, cwd, timeoutMs: step.timeoutMs ?? scenario.timeoutMs, send });
      if (result.outcome !== 'passed') {
        for (const capture of step.captures) if (!result.captured.includes(capture.variable)) missed.set(capture.variable, step.number);
        if (!continueOnFailure) stopped = true;
      }
    }
    results.push(result);
    options.onStep?.(result);
  }
  const count = (outcome: StepOutcome): number => results.filter((r) => r.outcome === outcome).length;
  return {
    name: scenario.name,
    ok: results.every((r) => r.outcome === 'passed'),
    steps: results,
    counts: { passed: count('passed'), failed: count('failed'), error: count('error'), skipped: count('skipped') },
    totalMs: Math.round((performance.now() - start) * 1000) / 1000,
  };
}

/** Loads `none`, `uptrends` (when used) and every vault item a step uses, once. */
async function loadCertificates(
  scenario: CompiledScenario,
  where: { env: Readonly<Record<string, string | undefined>>; cwd: string; baseDir: string; pkiDir: string | undefined },
): Promise<Map<string, LoadedClientCert>> {
  const loaded = new Map<string, LoadedClientCert>();
  loaded.set('none', await loadClientCert('none'));
  const usedBy = (choice: string): string => scenario.steps.filter((s) => s.clientCert === choice).map((s) => `${s.number} "${s.name}"`).join(', ');
  for (const choice of new Set(scenario.steps.map((step) => step.clientCert))) {
    if (choice === 'none') continue;
    if (choice === 'uptrends' || choice.startsWith(PKI_PREFIX)) {
      try {
        loaded.set(choice, await loadClientCert(choice as 'uptrends' | `pki:${string}`, { pkiDir: where.pkiDir, env: where.env, cwd: where.cwd }));
      } catch (error) {
        const what = choice === 'uptrends' ? 'the Uptrends stand-in' : `the test PKI certificate "${choice}"`;
        if (error instanceof TypeError) throw new ClientCertError('CONFIG_INVALID', `${what}, used by step ${usedBy(choice)}: ${error.message}`, { cause: error });
        if (!isClientCertError(error)) throw error;
        throw new ClientCertError(error.code, `${what}, used by step ${usedBy(choice)}, cannot be loaded: ${error.message}`, { cause: error });
      }
      continue;
    }
    const item = scenario.vault.get(choice);
    if (item === undefined) continue; // compileScenario reported it
    const file = path.resolve(where.baseDir, item.file);
    const what = `vault item "${item.name}" (${item.file}, used by step ${usedBy(choice)})`;
    let bytes: Buffer;
    try {
      bytes = await readBoundedFile(file, what, 1024 * 1024);
    } catch (error) {
      throw isClientCertError(error) ? error : new ClientCertError('CONFIG_INVALID', `${what}: cannot read ${file}`, { cause: error });
    }
    const password = item.passwordEnv === undefined ? '' : (where.env[item.passwordEnv] ?? '');
    try {
      loaded.set(choice, loadP12(item.name, bytes, password));
    } catch (error) {
      if (!isClientCertError(error)) throw error;
      const message =
        error.code === 'PKCS12_BAD_PASSWORD'
          ? `${what}: the archive password ${item.passwordEnv === undefined ? '(none: the vault item has no passwordEnv)' : `from the environment variable ${item.passwordEnv}`} does not open the archive (its integrity check failed)`
          : `${what}: ${error.message}`;
      throw new ClientCertError(error.code, message, { cause: error, details: { vaultItem: item.name, ...(item.passwordEnv === undefined ? {} : { passwordEnv: item.passwordEnv }) } });
    }
  }
  return loaded;
}

interface StepContext {
  readonly variables: Map<string, string>;
  readonly missed: ReadonlyMap<string, number>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly certificate: LoadedClientCert;
  readonly ca: FileInput | readonly FileInput[] | undefined;
  readonly insecure: boolean;
  readonly cwd: string;
  readonly timeoutMs: number | undefined;
  readonly send: (url: string, options: RequestOptions) => Promise<RequestResult>;
}

/** Raised while rendering a step whose variable a failed step did not capture. */
class NotCaptured extends Error {}

async function runStep(step: CompiledStep, context: StepContext): Promise<StepResult> {
  const lookup = (ref: TemplateRef): string => {
    if (ref.kind === 'env') {
      const value = context.env[ref.name];
      if (value === undefined) throw new NotCaptured(`${refText(ref)}: the environment variable ${ref.name} is not set`);
      return value;
    }
    const value = context.variables.get(ref.name);
    if (value === undefined) {
      const by = context.missed.get(ref.name);
      throw new NotCaptured(`${refText(ref)} has no value: step ${by ?? '?'} failed before capturing it`);
    }
    return value;
  };
  const base = { number: step.number, name: step.name, certificate: step.clientCert };
  let url: string;
  let headers: Array<[string, string]>;
  let body: string | undefined;
  try {
    url = renderTemplate(step.url, lookup);
    headers = step.headers.map(([name, parts]) => [name, renderTemplate(parts, lookup)]);
    if (step.body?.kind === 'text') body = renderTemplate(step.body.parts, lookup);
    if (step.body?.kind === 'json') {
      body = JSON.stringify(renderJson(step.body.value, lookup));
      if (!headers.some(([name]) => name === 'content-type')) headers.push(['content-type', 'application/json']);
    }
  } catch (error) {
    if (!(error instanceof NotCaptured)) throw error;
    return { ...empty(base, 'error', error.message), method: step.method };
  }

  let response: RequestResult;
  try {
    response = await context.send(url, {
      method: step.method,
      headers,
      ...(body === undefined ? {} : { body }),
      clientCert: context.certificate,
      ...(context.ca === undefined ? {} : { ca: context.ca }),
      env: context.env,
      insecure: context.insecure,
      cwd: context.cwd,
      ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }),
    });
  } catch (error) {
    if (isClientCertError(error)) return { ...empty(base, 'error', error.message), method: step.method, url, errorCode: error.code };
    if (error instanceof TypeError) return { ...empty(base, 'error', `invalid request: ${error.message}`), method: step.method, url, errorCode: 'CONFIG_INVALID' };
    throw error;
  }

  const assertions = step.assertions.map((assertion) => evaluateAssertion(assertion, response, lookup));
  const captured: string[] = [];
  const captureFailures: string[] = [];
  for (const capture of step.captures) {
    const value = evaluateCapture(capture, response);
    if (typeof value === 'string') {
      captured.push(capture.variable);
      context.variables.set(capture.variable, value);
    } else captureFailures.push(`capture ${capture.variable}: ${value.error}`);
  }
  const failures = [...assertions.filter((a) => !a.ok).map((a) => a.message ?? a.assertion), ...captureFailures];
  let reason: string | undefined;
  if (failures.length > 0) {
    reason = failures[0];
    const problem = problemReason(response.problem);
    if (problem !== undefined && assertions.some((a) => !a.ok && a.assertion.startsWith('status'))) reason = `${reason} (${problem})`;
    if (failures.length > 1) reason = `${reason} (+${failures.length - 1} more)`;
  }
  return {
    ...base,
    outcome: failures.length === 0 ? 'passed' : 'failed',
    reason,
    method: step.method,
    url,
    status: response.status,
    timeMs: response.timing.totalMs,
    problem: response.problem,
    assertions,
    captured,
    errorCode: undefined,
    response,
  };
}

function renderJson(value: unknown, lookup: (ref: TemplateRef) => string): unknown {
  if (typeof value === 'string') return renderTemplate(parseTemplate(value), lookup);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, lookup));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: renderJson(item, lookup), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function evaluateAssertion(assertion: CompiledAssertion, response: RequestResult, lookup: (ref: TemplateRef) => string): AssertionResult {
  const render = (parts: readonly TemplatePart[]): string | { error: string } => {
    try {
      return renderTemplate(parts, lookup);
    } catch (error) {
      if (error instanceof NotCaptured) return { error: error.message };
      throw error;
    }
  };
  switch (assertion.kind) {
    case 'status': {
      const label = assertion.implicit ? 'status 2xx' : `status ${assertion.expected.join(' or ')}`;
      const ok = assertion.expected.includes(response.status);
      return { assertion: label, ok, message: ok ? undefined : `status: expected ${assertion.implicit ? '2xx' : assertion.expected.join(' or ')}, got ${response.status}` };
    }
    case 'header': {
      const raw = response.headers[assertion.name];
      const actual = raw === undefined ? undefined : typeof raw === 'string' ? raw : raw.join(', ');
      if (assertion.op === 'exists') {
        const ok = (actual !== undefined) === assertion.value;
        return { assertion: `header ${assertion.name} ${assertion.value ? 'exists' : 'is absent'}`, ok, message: ok ? undefined : `header ${assertion.name}: expected ${assertion.value ? 'to be present, found it absent' : `to be absent, found ${quote(actual)}`}` };
      }
      if (assertion.op === 'matches') {
        const label = `header ${assertion.name} matches /${assertion.value.source}/`;
        const ok = actual !== undefined && assertion.value.test(actual);
        return { assertion: label, ok, message: ok ? undefined : `header ${assertion.name}: expected to match /${assertion.value.source}/, found ${actual === undefined ? 'no such header' : quote(actual)}` };
      }
      const expected = render(assertion.value);
      if (typeof expected !== 'string') return { assertion: `header ${assertion.name} ${assertion.op}`, ok: false, message: expected.error };
      const label = `header ${assertion.name} ${assertion.op} ${quote(expected)}`;
      const ok = actual !== undefined && (assertion.op === 'equals' ? actual === expected : actual.includes(expected));
      return { assertion: label, ok, message: ok ? undefined : `header ${assertion.name}: expected ${assertion.op === 'equals' ? '' : 'to contain '}${quote(expected)}, found ${actual === undefined ? 'no such header' : quote(actual)}` };
    }
    case 'json': {
      const document = response.json;
      const found = document === undefined ? ({ found: false } as const) : evaluateJsonPath(document, assertion.path);
      const where = assertion.pathText;
      const noJson = document === undefined ? ` (the response is not JSON: content-type ${quote(firstHeader(response.headers['content-type']) ?? 'none')})` : '';
      if (assertion.op === 'exists') {
        const ok = found.found === assertion.value;
        return { assertion: `${where} ${assertion.value ? 'exists' : 'is absent'}`, ok, message: ok ? undefined : `${where}: expected ${assertion.value ? 'to exist, found nothing' : `to be absent, found ${preview(found.found ? found.value : undefined)}`}${noJson}` };
      }
      let expected: unknown;
      try {
        expected = renderJson(assertion.value, lookup);
      } catch (error) {
        if (error instanceof NotCaptured) return { assertion: `${where} ${assertion.op}`, ok: false, message: error.message };
        throw error;
      }
      const label = `${where} ${assertion.op} ${preview(expected)}`;
      if (!found.found) return { assertion: label, ok: false, message: `${where}: expected ${assertion.op === 'equals' ? '' : 'to contain '}${preview(expected)}, found nothing${noJson}` };
      const actual = found.value;
      let ok: boolean;
      if (assertion.op === 'equals') ok = deepEqual(actual, expected);
      else if (typeof actual === 'string') ok = typeof expected === 'string' && actual.includes(expected);
      else if (Array.isArray(actual)) ok = actual.some((item) => deepEqual(item, expected));
      else return { assertion: label, ok: false, message: `${where}: expected a string or list to contain ${preview(expected)}, found ${preview(actual)}` };
      return { assertion: label, ok, message: ok ? undefined : `${where}: expected ${assertion.op === 'equals' ? '' : 'to contain '}${preview(expected)}, found ${preview(actual)}` };
    }
  }
}

function evaluateCapture(capture: CompiledCapture, response: RequestResult): string | { error: string } {
  switch (capture.kind) {
    case 'json': {
      if (response.json === undefined) return { error: `${capture.pathText}: the response is not JSON` };
      const found = evaluateJsonPath(response.json, capture.path);
      if (!found.found || found.value === null) return { error: `${capture.pathText} not found in the response` };
      return typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
    }
    case 'header': {
      const raw = response.headers[capture.name];
      if (raw === undefined) return { error: `header ${capture.name} not in the response` };
      return typeof raw === 'string' ? raw : raw.join(', ');
    }
    case 'regex': {
      const match = capture.regex.exec(response.body);
      const value = match?.[capture.group];
      if (value === undefined) return { error: `/${capture.regex.source}/ does not match the response body` };
      return value;
    }
  }
}

function skipped(step: CompiledStep, reason: string): StepResult {
  return { ...empty({ number: step.number, name: step.name, certificate: step.clientCert }, 'skipped', reason), method: step.method };
}

function empty(base: { number: number; name: string; certificate: string }, outcome: StepOutcome, reason: string): StepResult {
  return { ...base, outcome, reason, method: undefined, url: undefined, status: undefined, timeMs: undefined, problem: undefined, assertions: [], captured: [], errorCode: undefined, response: undefined };
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function quote(text: string | undefined): string {
  if (text === undefined) return 'nothing';
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
