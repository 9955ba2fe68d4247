/**
 * The scenario definition (YAML or JSON, documented in docs/scenarios.md) and its validation.
 * The whole definition is checked before anything is sent: shape errors name the path of the bad
 * field; then every certificate choice must name a vault item, every `{{variable}}` must be defined
 * initially or captured by an earlier step, and every `{{env.NAME}}` and vault password variable
 * must be set.
 */
import { ClientCertError, type ClientCertErrorCode } from '../errors.js';
import { closestName } from '../util/did-you-mean.js';
import { parseJsonPath, type JsonPath } from './json-path.js';
import { isVariableName, parseTemplate, refText, templateRefs, type TemplatePart, type TemplateRef } from './template.js';

// ---------------------------------------------------------------------------------------------
// The definition as written (for users who build scenarios in code).

/** A named certificate archive, like an Uptrends vault item of type "Certificate archive". */
export interface VaultItemDefinition {
  /** PKCS#12 file (.p12/.pfx), relative to the scenario file. */
  readonly file: string;
  /** Environment variable holding the archive password (absent: the archive has no password). */
  readonly passwordEnv?: string;
  readonly description?: string;
}

/** One assertion of a step: on the status, a header or a JSON path of the body. */
export type AssertionDefinition =
  | { readonly status: number | readonly number[] }
  | { readonly header: string; readonly equals?: string; readonly contains?: string; readonly matches?: string; readonly exists?: boolean }
  | { readonly jsonPath: string; readonly equals?: unknown; readonly contains?: unknown; readonly exists?: boolean };

/** Where a step captures a variable from: a JSON path of the body, a header, or a regex group of the body. */
export type CaptureDefinition = { readonly jsonPath: string } | { readonly header: string } | { readonly regex: string; readonly group?: number };

/** One step of a scenario file (docs/scenarios.md#step). */
export interface StepDefinition {
  readonly name?: string;
  /** `none` (default), `uptrends`, `pki:<manifest id>`, or the name of a vault item. */
  readonly clientCert?: string;
  readonly request: {
    readonly method?: string;
    readonly url: string;
    readonly headers?: Readonly<Record<string, string | number | boolean>>;
    /** A text body (templates substituted). */
    readonly body?: string;
    /** A JSON body (templates substituted inside string values); sets content-type application/json unless given. */
    readonly json?: unknown;
  };
  readonly assert?: readonly AssertionDefinition[];
  readonly capture?: Readonly<Record<string, CaptureDefinition>>;
  readonly timeoutMs?: number;
}

/** A scenario file (docs/scenarios.md#schema). */
export interface ScenarioDefinition {
  readonly name?: string;
  readonly description?: string;
  /** CA certificate file(s) (PEM) for the server, relative to the scenario file. */
  readonly ca?: string | readonly string[];
  /** Also trust the test PKI's server CA (manifest `server.ca`). */
  readonly trustPkiServer?: boolean;
  /** Do not verify the server certificate (local experiments only). */
  readonly insecure?: boolean;
  /** Per-step request timeout; default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Run the remaining steps after a failed one (default false: stop, like a multi-step monitor). */
  readonly continueOnFailure?: boolean;
  readonly vault?: Readonly<Record<string, VaultItemDefinition>>;
  readonly variables?: Readonly<Record<string, string | number | boolean>>;
  readonly steps: readonly StepDefinition[];
}

// ---------------------------------------------------------------------------------------------
// The compiled form the runner uses.

export type CompiledAssertion =
  | { readonly kind: 'status'; readonly expected: readonly number[]; readonly implicit: boolean }
  | { readonly kind: 'header'; readonly name: string; readonly op: 'equals' | 'contains'; readonly value: readonly TemplatePart[] }
  | { readonly kind: 'header'; readonly name: string; readonly op: 'matches'; readonly value: RegExp }
  | { readonly kind: 'header'; readonly name: string; readonly op: 'exists'; readonly value: boolean }
  | { readonly kind: 'json'; readonly pathText: string; readonly path: JsonPath; readonly op: 'equals' | 'contains'; readonly value: unknown }
  | { readonly kind: 'json'; readonly pathText: string; readonly path: JsonPath; readonly op: 'exists'; readonly value: boolean };

export type CompiledCapture =
  | { readonly variable: string; readonly kind: 'json'; readonly pathText: string; readonly path: JsonPath }
  | { readonly variable: string; readonly kind: 'header'; readonly name: string }
  | { readonly variable: string; readonly kind: 'regex'; readonly regex: RegExp; readonly group: number };

export interface CompiledStep {
  /** 1-based. */
  readonly number: number;
  readonly name: string;
  readonly clientCert: string;
  readonly method: string;
  readonly url: readonly TemplatePart[];
  readonly headers: ReadonlyArray<readonly [string, readonly TemplatePart[]]>;
  readonly body: { readonly kind: 'text'; readonly parts: readonly TemplatePart[] } | { readonly kind: 'json'; readonly value: unknown } | undefined;
  readonly assertions: readonly CompiledAssertion[];
  readonly captures: readonly CompiledCapture[];
  readonly timeoutMs: number | undefined;
}

export interface CompiledVaultItem {
  readonly name: string;
  readonly file: string;
  readonly passwordEnv: string | undefined;
  readonly description: string;
}

export interface CompiledScenario {
  readonly name: string | undefined;
  readonly ca: readonly string[] | undefined;
  readonly trustPkiServer: boolean;
  readonly insecure: boolean;
  readonly timeoutMs: number | undefined;
  readonly continueOnFailure: boolean;
  readonly vault: ReadonlyMap<string, CompiledVaultItem>;
  readonly variables: ReadonlyMap<string, string>;
  readonly steps: readonly CompiledStep[];
}

/** One problem found in a definition. */
export interface ScenarioIssue {
  /** Where, e.g. `steps[1].assert[0].status` (0-based indexes, as in the file). */
  readonly path: string;
  readonly code: ClientCertErrorCode;
  readonly message: string;
}

/** Reserved certificate choices; a vault item cannot be named like them. */
export const RESERVED_CERT_CHOICES = ['none', 'uptrends'] as const;

const MAX_STEPS = 1000;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_TIMEOUT_MS = 3_600_000;

/**
 * Validates a parsed definition against the schema and the environment.
 *
 * @throws ClientCertError with the code of the first problem (CONFIG_INVALID for the shape,
 *   VAULT_ITEM_UNKNOWN, VARIABLE_UNKNOWN, ENV_VAR_MISSING) and every problem in the message and
 *   in `details.issues`.
 */
export function compileScenario(definition: unknown, env: Readonly<Record<string, string | undefined>>): CompiledScenario {
  const v = new Validator();
  const compiled = v.scenario(definition);
  throwIssues(v.issues);
  if (compiled === undefined) throw new ClientCertError('INTERNAL_ERROR', 'scenario validation produced nothing without reporting why');
  throwIssues(checkReferences(compiled, env));
  return compiled;
}

function throwIssues(issues: readonly ScenarioIssue[]): void {
  const first = issues[0];
  if (first === undefined) return;
  const shown = issues.slice(0, 20).map((issue) => `${issue.path}: ${issue.message}`);
  if (issues.length > 20) shown.push(`... and ${issues.length - 20} more`);
  const message = issues.length === 1 ? `scenario: ${shown[0]}` : `scenario: ${issues.length} problems:\n  ${shown.join('\n  ')}`;
  throw new ClientCertError(first.code, message, { details: { issues } });
}

/** Vault items, variables and environment variables that the steps refer to. */
function checkReferences(scenario: CompiledScenario, env: Readonly<Record<string, string | undefined>>): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const available = new Set(scenario.variables.keys());
  const usedVault = new Set<string>();
  const known = [...scenario.vault.keys()];
  scenario.steps.forEach((step, index) => {
    const where = `steps[${index}]`;
    const label = `step ${step.number} "${step.name}"`;
    if (!(RESERVED_CERT_CHOICES as readonly string[]).includes(step.clientCert) && !step.clientCert.startsWith('pki:')) {
      if (scenario.vault.has(step.clientCert)) usedVault.add(step.clientCert);
      else {
        issues.push({
          path: `${where}.clientCert`,
          code: 'VAULT_ITEM_UNKNOWN',
          message: `${label} uses client certificate "${step.clientCert}", which is not in the vault${suggest(step.clientCert, [...known, ...RESERVED_CERT_CHOICES])} (${known.length === 0 ? 'the vault is empty' : `vault items: ${known.join(', ')}`}; or use uptrends, none or pki:<id>)`,
        });
      }
    }
    for (const { path, refs } of stepRefs(step, where)) {
      for (const ref of refs) {
        if (ref.kind === 'env') {
          if (env[ref.name] === undefined) {
            issues.push({ path, code: 'ENV_VAR_MISSING', message: `${label} uses ${refText(ref)}, but the environment variable ${ref.name} is not set` });
          }
        } else if (!available.has(ref.name)) {
          const candidates = [...available];
          issues.push({
            path,
            code: 'VARIABLE_UNKNOWN',
            message: `${label} uses ${refText(ref)}, which is neither in variables nor captured by an earlier step${suggest(ref.name, candidates)} (${candidates.length === 0 ? 'no variables are defined at this point' : `defined at this point: ${candidates.join(', ')}`}; environment variables are {{env.NAME}})`,
          });
        }
      }
    }
    for (const capture of step.captures) available.add(capture.variable);
  });
  for (const name of usedVault) {
    const item = scenario.vault.get(name);
    if (item?.passwordEnv !== undefined && env[item.passwordEnv] === undefined) {
      issues.push({
        path: `vault.${name}.passwordEnv`,
        code: 'ENV_VAR_MISSING',
        message: `vault item "${name}" takes its archive password from the environment variable ${item.passwordEnv}, which is not set`,
      });
    }
  }
  return issues;
}

/** Every template reference of a step, with the path of the field it is in. */
function stepRefs(step: CompiledStep, where: string): Array<{ path: string; refs: TemplateRef[] }> {
  const out: Array<{ path: string; refs: TemplateRef[] }> = [{ path: `${where}.request.url`, refs: templateRefs(step.url) }];
  for (const [name, parts] of step.headers) out.push({ path: `${where}.request.headers.${name}`, refs: templateRefs(parts) });
  if (step.body?.kind === 'text') out.push({ path: `${where}.request.body`, refs: templateRefs(step.body.parts) });
  if (step.body?.kind === 'json') out.push({ path: `${where}.request.json`, refs: jsonRefs(step.body.value) });
  step.assertions.forEach((assertion, index) => {
    const path = `${where}.assert[${index - (step.assertions[0]?.kind === 'status' && step.assertions[0].implicit ? 1 : 0)}]`;
    if (assertion.kind === 'header' && (assertion.op === 'equals' || assertion.op === 'contains')) out.push({ path, refs: templateRefs(assertion.value) });
    if (assertion.kind === 'json' && (assertion.op === 'equals' || assertion.op === 'contains')) out.push({ path, refs: jsonRefs(assertion.value) });
  });
  return out;
}

/** References inside the string values of a JSON value (already validated). */
export function jsonRefs(value: unknown): TemplateRef[] {
  if (typeof value === 'string') return templateRefs(parseTemplate(value));
  if (Array.isArray(value)) return value.flatMap((item) => jsonRefs(item));
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap((item) => jsonRefs(item));
  return [];
}

// ---------------------------------------------------------------------------------------------

type Rec = Record<string, unknown>;

class Validator {
  readonly issues: ScenarioIssue[] = [];

  private fail(path: string, message: string): undefined {
    this.issues.push({ path, code: 'CONFIG_INVALID', message });
    return undefined;
  }

  private record(value: unknown, path: string, what: string): Rec | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, `expected ${what}, found ${kind(value)}`);
    return value as Rec;
  }

  /** Rejects fields the schema does not know: a typo ("asserts") must not silently do nothing. */
  private fields(record: Rec, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }

  private string(value: unknown, path: string, options: { optional?: boolean; nonEmpty?: boolean } = {}): string | undefined {
    if (value === undefined && options.optional === true) return undefined;
    if (typeof value !== 'string') return this.fail(path, `expected a string, found ${kind(value)}`);
    if (options.nonEmpty === true && value.trim() === '') return this.fail(path, 'expected a non-empty string');
    return value;
  }

  /** Header values and variables: YAML reads `5` and `true` as scalars; both mean their text. */
  private scalarText(value: unknown, path: string): string | undefined {
    if (typeof value === 'string') return value;
    if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
    return this.fail(path, `expected a string, number or boolean, found ${kind(value)}`);
  }

  private boolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') return this.fail(path, `expected true or false, found ${kind(value)}`);
    return value;
  }

  private timeout(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_TIMEOUT_MS) {
      return this.fail(path, `expected an integer number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, found ${show(value)}`);
    }
    return value;
  }

  private template(value: unknown, path: string): TemplatePart[] | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    try {
      return parseTemplate(text);
    } catch (error) {
      return this.fail(path, (error as Error).message);
    }
  }

  /** Checks the templates inside a JSON value's strings. */
  private jsonTemplates(value: unknown, path: string, depth = 0): void {
    if (depth > 64) {
      this.fail(path, 'expected JSON nested at most 64 levels deep');
      return;
    }
    if (typeof value === 'string') this.template(value, path);
    else if (Array.isArray(value)) value.forEach((item, index) => this.jsonTemplates(item, `${path}[${index}]`, depth + 1));
    else if (typeof value === 'object' && value !== null) for (const [key, item] of Object.entries(value)) this.jsonTemplates(item, join(path, key), depth + 1);
    else if (typeof value === 'number' && !Number.isFinite(value)) this.fail(path, 'expected a finite number');
    else if (value !== null && typeof value !== 'number' && typeof value !== 'boolean') this.fail(path, `expected a JSON value, found ${kind(value)}`);
  }

  private jsonPath(value: unknown, path: string): { pathText: string; path: JsonPath } | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    try {
      return { pathText: text, path: parseJsonPath(text) };
    } catch (error) {
      return this.fail(path, (error as Error).message);
    }
  }

  private regex(value: unknown, path: string): RegExp | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    if (text.length > 1000) return this.fail(path, 'expected a regular expression of at most 1000 characters');
    try {
      return new RegExp(text);
    } catch (error) {
      return this.fail(path, `expected a JavaScript regular expression (${(error as Error).message})`);
    }
  }

  scenario(input: unknown): CompiledScenario | undefined {
    const root = this.record(input, '$', 'a scenario object with "steps"');
    if (root === undefined) return undefined;
    this.fields(root, '', ['name', 'description', 'ca', 'trustPkiServer', 'insecure', 'timeoutMs', 'continueOnFailure', 'vault', 'variables', 'steps']);
    const name = this.string(root['name'], 'name', { optional: true });
    this.string(root['description'], 'description', { optional: true });
    let ca: string[] | undefined;
    if (root['ca'] !== undefined) {
      const list = Array.isArray(root['ca']) ? (root['ca'] as unknown[]) : [root['ca']];
      ca = list.flatMap((item, index) => this.string(item, Array.isArray(root['ca']) ? `ca[${index}]` : 'ca', { nonEmpty: true }) ?? []);
    }
    const trustPkiServer = this.boolean(root['trustPkiServer'], 'trustPkiServer') ?? false;
    const insecure = this.boolean(root['insecure'], 'insecure') ?? false;
    const timeoutMs = this.timeout(root['timeoutMs'], 'timeoutMs');
    const continueOnFailure = this.boolean(root['continueOnFailure'], 'continueOnFailure') ?? false;

    const vault = new Map<string, CompiledVaultItem>();
    if (root['vault'] !== undefined && root['vault'] !== null) {
      const items = this.record(root['vault'], 'vault', 'an object of named certificate archives');
      for (const [itemName, raw] of Object.entries(items ?? {})) {
        const path = join('vault', itemName);
        if ((RESERVED_CERT_CHOICES as readonly string[]).includes(itemName)) {
          this.fail(path, `"${itemName}" is a reserved certificate choice; name the vault item differently`);
          continue;
        }
        if (!/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/.test(itemName)) {
          this.fail(path, 'expected a vault item name of letters, digits, spaces, dots, dashes and underscores (at most 100)');
          continue;
        }
        const item = this.record(raw, path, 'an object with "file" and "passwordEnv"');
        if (item === undefined) continue;
        this.fields(item, path, ['file', 'passwordEnv', 'description']);
        const file = this.string(item['file'], `${path}.file`, { nonEmpty: true });
        const passwordEnv = this.string(item['passwordEnv'], `${path}.passwordEnv`, { optional: true });
        if (passwordEnv !== undefined && !isVariableName(passwordEnv)) this.fail(`${path}.passwordEnv`, `expected an environment variable name (letters, digits, _), found ${show(passwordEnv)}`);
        const description = this.string(item['description'], `${path}.description`, { optional: true }) ?? '';
        if (file !== undefined) vault.set(itemName, { name: itemName, file, passwordEnv, description });
      }
    }

    const variables = new Map<string, string>();
    if (root['variables'] !== undefined && root['variables'] !== null) {
      const vars = this.record(root['variables'], 'variables', 'an object of initial variable values');
      for (const [varName, value] of Object.entries(vars ?? {})) {
        if (!isVariableName(varName)) {
          this.fail(join('variables', varName), 'expected a variable name of letters, digits and _ (not starting with a digit)');
          continue;
        }
        const text = this.scalarText(value, join('variables', varName));
        if (text !== undefined) variables.set(varName, text);
      }
    }

    const steps: CompiledStep[] = [];
    if (!Array.isArray(root['steps']) || root['steps'].length === 0) {
      this.fail('steps', `expected a non-empty list of steps, found ${kind(root['steps'])}`);
    } else if (root['steps'].length > MAX_STEPS) {
      this.fail('steps', `expected at most ${MAX_STEPS} steps, found ${root['steps'].length}`);
    } else {
      (root['steps'] as unknown[]).forEach((raw, index) => {
        const step = this.step(raw, index);
        if (step !== undefined) steps.push(step);
      });
    }
    return { name, ca, trustPkiServer, insecure, timeoutMs, continueOnFailure, vault, variables, steps };
  }

  private step(raw: unknown, index: number): CompiledStep | undefined {
    const path = `steps[${index}]`;
    const step = this.record(raw, path, 'a step object with "request"');
    if (step === undefined) return undefined;
    this.fields(step, path, ['name', 'clientCert', 'request', 'assert', 'capture', 'timeoutMs']);
    const name = this.string(step['name'], `${path}.name`, { optional: true, nonEmpty: true }) ?? `step ${index + 1}`;
    const clientCert = this.string(step['clientCert'], `${path}.clientCert`, { optional: true, nonEmpty: true }) ?? 'none';
    const timeoutMs = this.timeout(step['timeoutMs'], `${path}.timeoutMs`);

    const request = this.record(step['request'], `${path}.request`, 'a request object with "url"');
    let method = 'GET';
    let url: TemplatePart[] | undefined;
    const headers: Array<[string, TemplatePart[]]> = [];
    let body: CompiledStep['body'];
    if (request !== undefined) {
      this.fields(request, `${path}.request`, ['method', 'url', 'headers', 'body', 'json']);
      url = this.template(request['url'], `${path}.request.url`);
      if (request['body'] !== undefined && request['json'] !== undefined) this.fail(`${path}.request`, 'expected at most one of "body" and "json"');
      if (request['body'] !== undefined) {
        const parts = this.template(request['body'], `${path}.request.body`);
        if (parts !== undefined) body = { kind: 'text', parts };
      } else if (request['json'] !== undefined) {
        this.jsonTemplates(request['json'], `${path}.request.json`);
        body = { kind: 'json', value: request['json'] };
      }
      if (request['method'] === undefined) method = body === undefined ? 'GET' : 'POST';
      else {
        const text = this.string(request['method'], `${path}.request.method`);
        if (text !== undefined && !TOKEN.test(text)) this.fail(`${path}.request.method`, `expected an HTTP method such as GET or POST, found ${show(text)}`);
        else if (text !== undefined) method = text.toUpperCase();
      }
      if (request['headers'] !== undefined) {
        const raw = this.record(request['headers'], `${path}.request.headers`, 'an object of header names and values');
        for (const [header, value] of Object.entries(raw ?? {})) {
          const headerPath = join(`${path}.request.headers`, header);
          if (!TOKEN.test(header)) {
            this.fail(headerPath, 'expected a header name (an HTTP token)');
            continue;
          }
          const text = this.scalarText(value, headerPath);
          if (text === undefined) continue;
          if (/[\r\n\0]/.test(text)) {
            this.fail(headerPath, 'expected a header value without CR, LF or NUL');
            continue;
          }
          const parts = this.template(text, headerPath);
          if (parts !== undefined) headers.push([header.toLowerCase(), parts]);
        }
      }
    }

    const assertions: CompiledAssertion[] = [];
    if (step['assert'] !== undefined) {
      if (!Array.isArray(step['assert'])) this.fail(`${path}.assert`, `expected a list of assertions, found ${kind(step['assert'])}`);
      else (step['assert'] as unknown[]).forEach((rawAssertion, i) => {
        const assertion = this.assertion(rawAssertion, `${path}.assert[${i}]`);
        if (assertion !== undefined) assertions.push(assertion);
      });
    }
    // Without a status assertion a step expects a 2xx answer, as a monitor would.
    if (!assertions.some((a) => a.kind === 'status')) {
      assertions.unshift({ kind: 'status', expected: Array.from({ length: 100 }, (_, i) => 200 + i), implicit: true });
    }

    const captures: CompiledCapture[] = [];
    if (step['capture'] !== undefined) {
      const raw = this.record(step['capture'], `${path}.capture`, 'an object of variable names and what to capture');
      for (const [variable, spec] of Object.entries(raw ?? {})) {
        const capture = this.capture(variable, spec, join(`${path}.capture`, variable));
        if (capture !== undefined) captures.push(capture);
      }
    }
    if (url === undefined || request === undefined) return undefined;
    return { number: index + 1, name, clientCert, method, url, headers, body, assertions, captures, timeoutMs };
  }

  private assertion(raw: unknown, path: string): CompiledAssertion | undefined {
    const a = this.record(raw, path, 'an assertion: { status }, { header, equals|contains|matches|exists } or { jsonPath, equals|contains|exists }');
    if (a === undefined) return undefined;
    const subjects = ['status', 'header', 'jsonPath'].filter((key) => a[key] !== undefined);
    if (subjects.length !== 1) return this.fail(path, `expected exactly one of status, header, jsonPath, found ${subjects.length === 0 ? 'none' : subjects.join(' and ')}`);
    if (a['status'] !== undefined) {
      this.fields(a, path, ['status']);
      const list = Array.isArray(a['status']) ? (a['status'] as unknown[]) : [a['status']];
      const bad = list.find((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 100 || s > 599);
      if (list.length === 0 || bad !== undefined) return this.fail(`${path}.status`, `expected an HTTP status (100-599) or a list of them, found ${show(bad ?? a['status'])}`);
      return { kind: 'status', expected: list as number[], implicit: false };
    }
    if (a['header'] !== undefined) {
      this.fields(a, path, ['header', 'equals', 'contains', 'matches', 'exists']);
      const name = this.string(a['header'], `${path}.header`, { nonEmpty: true });
      const op = this.oneOp(a, path, ['equals', 'contains', 'matches', 'exists']);
      if (name === undefined || op === undefined) return undefined;
      const header = name.toLowerCase();
      if (op === 'exists') {
        const value = this.boolean(a['exists'], `${path}.exists`);
        return value === undefined ? undefined : { kind: 'header', name: header, op, value };
      }
      if (op === 'matches') {
        const value = this.regex(a['matches'], `${path}.matches`);
        return value === undefined ? undefined : { kind: 'header', name: header, op, value };
      }
      const text = this.scalarText(a[op], `${path}.${op}`);
      const value = text === undefined ? undefined : this.template(text, `${path}.${op}`);
      return value === undefined ? undefined : { kind: 'header', name: header, op, value };
    }
    this.fields(a, path, ['jsonPath', 'equals', 'contains', 'exists']);
    const jp = this.jsonPath(a['jsonPath'], `${path}.jsonPath`);
    const op = this.oneOp(a, path, ['equals', 'contains', 'exists']);
    if (jp === undefined || op === undefined) return undefined;
    if (op === 'exists') {
      const value = this.boolean(a['exists'], `${path}.exists`);
      return value === undefined ? undefined : { kind: 'json', ...jp, op, value };
    }
    const before = this.issues.length;
    this.jsonTemplates(a[op], `${path}.${op}`);
    return this.issues.length > before ? undefined : { kind: 'json', ...jp, op, value: a[op] };
  }

  private oneOp<T extends string>(a: Rec, path: string, ops: readonly T[]): T | undefined {
    const present = ops.filter((op) => a[op] !== undefined);
    if (present.length !== 1) return this.fail(path, `expected exactly one of ${ops.join(', ')}, found ${present.length === 0 ? 'none' : present.join(' and ')}`);
    return present[0];
  }

  private capture(variable: string, raw: unknown, path: string): CompiledCapture | undefined {
    if (!isVariableName(variable)) return this.fail(path, 'expected a variable name of letters, digits and _ (not starting with a digit)');
    const c = this.record(raw, path, 'a capture: { jsonPath }, { header } or { regex, group? }');
    if (c === undefined) return undefined;
    const sources = ['jsonPath', 'header', 'regex'].filter((key) => c[key] !== undefined);
    if (sources.length !== 1) return this.fail(path, `expected exactly one of jsonPath, header, regex, found ${sources.length === 0 ? 'none' : sources.join(' and ')}`);
    if (c['jsonPath'] !== undefined) {
      this.fields(c, path, ['jsonPath']);
      const jp = this.jsonPath(c['jsonPath'], `${path}.jsonPath`);
      return jp === undefined ? undefined : { variable, kind: 'json', ...jp };
    }
    if (c['header'] !== undefined) {
      this.fields(c, path, ['header']);
      const name = this.string(c['header'], `${path}.header`, { nonEmpty: true });
      return name === undefined ? undefined : { variable, kind: 'header', name: name.toLowerCase() };
    }
    this.fields(c, path, ['regex', 'group']);
    const regex = this.regex(c['regex'], `${path}.regex`);
    if (regex === undefined) return undefined;
    const groups = new RegExp(`${regex.source}|`).exec('')?.length ?? 1;
    const group = c['group'] ?? (groups > 1 ? 1 : 0);
    if (typeof group !== 'number' || !Number.isInteger(group) || group < 0 || group >= groups) {
      return this.fail(`${path}.group`, `expected a capture group number from 0 to ${groups - 1}, found ${show(group)}`);
    }
    return { variable, kind: 'regex', regex, group };
  }
}

/** "; did you mean "x"?" for a plausible typo, else "". */
function suggest(input: string, known: readonly string[]): string {
  const hint = closestName(input, known);
  return hint === undefined ? '' : `; did you mean "${hint}"?`;
}

function join(path: string, key: string): string {
  const segment = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return path === '' ? segment : `${path}.${segment}`;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (value === undefined) return 'nothing';
  return `${typeof value} ${show(value)}`;
}

function show(value: unknown): string {
  // Objects are described, never converted: String() throws for an object without a prototype
  // (YAML and JSON.parse produce `__proto__` keys as own properties, but callers may pass any value).
  if (typeof value === 'object' || typeof value === 'function') return value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
