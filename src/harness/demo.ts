/**
 * The demo (`certgate demo`, `npm run demo`): a test PKI valid now, the example API trusting it,
 * and the companion client sending every certificate of the manifest (and none) through a
 * scenario, each row checked against the verdict the manifest says certgate must give.
 *
 * The demo owns one directory (default `.certgate/demo`): `pki/` (the test PKI, reused while it
 * stays valid for at least a day), `pins.json` and `identities.json` (the example API's
 * hot-reloaded configuration), `curl/` (certificate bundles for the curl commands) and
 * `server.log`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCertificate } from '../cert/parse.js';
import { runScenario, type StepResult } from '../client/scenario.js';
import { ERROR_CODES } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { formatTable, type Palette } from '../util/table.js';
import { EXAMPLE_API_ROUTES, startExampleApi, type ExampleApi, type ExampleApiOptions } from './example-api.js';
import { MANIFEST_IDS, type ExpectedVerdict, type ManifestEntry } from './manifest.js';
import { generateTestPki, loadTestPki, TEST_P12_PASSWORD_ENV, type TestPki } from './pki.js';

/** Default demo directory, relative to the working directory (gitignored: `.certgate/`). */
export const DEFAULT_DEMO_DIR = path.join('.certgate', 'demo');

/** A cached test PKI is reused only while every verdict of the manifest holds this much longer. */
export const DEMO_PKI_MIN_REMAINING_MS = 86_400_000;

/** The vault item name of the custom certificate in the demo scenario. */
export const DEMO_VAULT_ITEM = 'customer';

const STATE_FILE = 'pki-state.json';

/** One row of the demo: a certificate sent to a route, and the answer certgate must give. */
export interface DemoCase {
  /** What the row shows, e.g. "Uptrends stand-in" or "zoo: expired". */
  readonly name: string;
  /** The scenario's certificate choice: `none`, `uptrends`, `pki:<id>` or the vault item {@link DEMO_VAULT_ITEM}. */
  readonly clientCert: string;
  /** The manifest entry sent (undefined for none). */
  readonly entryId: string | undefined;
  /** Path of the example API. */
  readonly route: string;
  readonly expectedStatus: number;
  /** 'valid' for a 200, else the error code. */
  readonly expected: ExpectedVerdict;
  /** Why the expectation differs from the manifest's `expected` (e.g. revocation checking off). */
  readonly note?: string;
}

/** The outcome of one case. */
export interface DemoRow {
  readonly case: DemoCase;
  /** The HTTP status, or undefined when there was no answer. */
  readonly status: number | undefined;
  /** certgate's code from the problem+json answer, the client's error code without an answer, or undefined for a success. */
  readonly code: string | undefined;
  readonly ok: boolean;
  /** Why the row is not as expected. */
  readonly reason: string | undefined;
  readonly timeMs: number | undefined;
}

/** How the PKI was obtained. */
export interface DemoPkiInfo {
  readonly dir: string;
  readonly reused: boolean;
  /** Why it was (re)generated or reused. */
  readonly reason: string;
  readonly referenceTime: string;
  /** Until when the demo would reuse it (every verdict of the manifest still holds a day later). */
  readonly reusableUntil: string;
  readonly ms: number;
}

/** The outcome of a demo run: one row per case, and whether all were as expected. */
export interface DemoResult {
  /** True when every row is as expected. */
  readonly ok: boolean;
  readonly url: string;
  readonly pki: DemoPkiInfo;
  readonly rows: readonly DemoRow[];
  /** Names of the rows that are not as expected. */
  readonly failed: readonly string[];
  readonly totalMs: number;
}

// ---------------------------------------------------------------------------------------------
// The test PKI: reused while valid, else generated for now.

/**
 * A fingerprint of the generator code: a PKI written by another version of the generator (new
 * zoo cases, other names) is regenerated rather than reused. Hashes the harness modules next to
 * this one, whichever form (.js in dist, .ts under a TypeScript runner) is running.
 */
function generatorFingerprint(): string {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const hash = createHash('sha256');
  for (const name of ['pki', 'issue', 'keys', 'manifest', 'pkcs12']) {
    const file = path.join(path.dirname(here), `${name}${ext}`);
    hash.update(existsSync(file) ? readFileSync(file) : `missing:${name}`);
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * When every verdict of the manifest holds at the wall clock: from the latest start of a
 * certificate that must be valid (and the end of the expired case) until the earliest end of one
 * (and the start of the not-yet-valid case).
 */
export function pkiVerdictWindow(pki: TestPki): { readonly from: Date; readonly until: Date } {
  let until = Number.POSITIVE_INFINITY;
  let from = Number.NEGATIVE_INFINITY;
  const valid = (notBefore: string, notAfter: string): void => {
    from = Math.max(from, Date.parse(notBefore));
    until = Math.min(until, Date.parse(notAfter));
  };
  for (const authority of Object.values(pki.manifest.authorities)) valid(authority.notBefore, authority.notAfter);
  const server = parseCertificate(pki.text(pki.manifest.server.cert));
  valid(server.notBefore.toISOString(), server.notAfter.toISOString());
  for (const entry of pki.manifest.entries) {
    if (entry.expected === 'CERT_NOT_YET_VALID') until = Math.min(until, Date.parse(entry.notBefore) - 1000);
    else if (entry.expected === 'CERT_EXPIRED') from = Math.max(from, Date.parse(entry.notAfter) + 1000);
    else valid(entry.notBefore, entry.notAfter);
  }
  return { from: new Date(from), until: new Date(until) };
}

/** Options of {@link prepareDemoPki}. */
export interface PrepareDemoPkiOptions {
  /** The demo directory; the PKI goes to `<dir>/pki`. */
  readonly dir: string;
  /** Regenerate even when the cached PKI is still good (its keys are reused). */
  readonly fresh?: boolean;
  /** Where keys are cached between generations. Default `<dir>/pki/keys`. */
  readonly keyCacheDir?: string;
  /** The wall clock, for tests. Default now. */
  readonly now?: Date;
}

/**
 * The demo's test PKI: the cached one in `<dir>/pki` when the same generator wrote it and every
 * verdict still holds for at least {@link DEMO_PKI_MIN_REMAINING_MS}, else a new one generated for
 * now (keys from the key cache, so only certificates are re-issued).
 */
export async function prepareDemoPki(options: PrepareDemoPkiOptions): Promise<{ pki: TestPki; info: DemoPkiInfo }> {
  const started = performance.now();
  const dir = path.resolve(options.dir);
  const pkiDir = path.join(dir, 'pki');
  const now = options.now ?? new Date();
  const fingerprint = generatorFingerprint();
  const stateFile = path.join(dir, STATE_FILE);
  let reason: string;
  if (options.fresh === true) reason = 'regenerated (--fresh)';
  else {
    reason = await reuseProblem(pkiDir, stateFile, fingerprint, now);
    if (reason === '') {
      const pki = await loadTestPki(pkiDir);
      return { pki, info: info(pki, pkiDir, true, `reused (generated ${pki.manifest.referenceTime})`, started) };
    }
  }
  const keyCacheDir = options.keyCacheDir ?? path.join(pkiDir, 'keys');
  if (options.keyCacheDir === undefined) await seedKeyCache(keyCacheDir);
  const pki = await generateTestPki({ outDir: pkiDir, keyCacheDir, now });
  await writeFileAtomic(stateFile, `${JSON.stringify({ version: 1, generator: fingerprint, referenceTime: pki.manifest.referenceTime }, null, 2)}\n`);
  return { pki, info: info(pki, pkiDir, false, reason, started) };
}

function info(pki: TestPki, dir: string, reused: boolean, reason: string, started: number): DemoPkiInfo {
  const { until } = pkiVerdictWindow(pki);
  return {
    dir,
    reused,
    reason,
    referenceTime: pki.manifest.referenceTime,
    reusableUntil: new Date(until.getTime() - DEMO_PKI_MIN_REMAINING_MS).toISOString(),
    ms: Math.round(performance.now() - started),
  };
}

/**
 * In a clone of certgate, the committed fixtures' TEST-ONLY keys seed an empty key cache: fresh
 * RSA-4096 keys take many seconds on a small machine, and the keys play no part in any verdict
 * (only certificates, issued now, do). Keys already in the cache are never replaced.
 */
async function seedKeyCache(keyCacheDir: string): Promise<void> {
  const fixtures = fileURLToPath(new URL('../../fixtures/pki/keys/', import.meta.url));
  if (!existsSync(fixtures)) return;
  await mkdir(keyCacheDir, { recursive: true });
  for (const name of await readdir(fixtures)) {
    if (!name.endsWith('.key.pem') || existsSync(path.join(keyCacheDir, name))) continue;
    await copyFile(path.join(fixtures, name), path.join(keyCacheDir, name));
    await chmod(path.join(keyCacheDir, name), 0o600);
  }
}

/** '' when the cached PKI can be reused, else why not. */
async function reuseProblem(pkiDir: string, stateFile: string, fingerprint: string, now: Date): Promise<string> {
  if (!existsSync(path.join(pkiDir, 'manifest.json'))) return 'generated (none cached yet)';
  let state: unknown;
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8'));
  } catch {
    return 'regenerated (the cached PKI has no readable demo state)';
  }
  if (typeof state !== 'object' || state === null || (state as { generator?: unknown }).generator !== fingerprint) return 'regenerated (written by another version of the generator)';
  let pki: TestPki;
  try {
    pki = await loadTestPki(pkiDir);
  } catch (error) {
    return `regenerated (the cached PKI is unreadable: ${error instanceof Error ? error.message : String(error)})`;
  }
  if (pki.manifest.referenceTime !== (state as { referenceTime?: unknown }).referenceTime) return 'regenerated (the cached PKI was replaced by something else)';
  let window: { from: Date; until: Date };
  try {
    window = pkiVerdictWindow(pki);
  } catch (error) {
    return `regenerated (the cached PKI is unreadable: ${error instanceof Error ? error.message : String(error)})`;
  }
  if (now < window.from) return `regenerated (the cached PKI's verdicts hold only from ${window.from.toISOString()})`;
  if (window.until.getTime() - now.getTime() < DEMO_PKI_MIN_REMAINING_MS) return `regenerated (the cached PKI's verdicts hold only until ${window.until.toISOString()}, less than a day from now)`;
  return '';
}

// ---------------------------------------------------------------------------------------------
// The cases.

/** The example API route for a manifest policy. */
function routeFor(policy: string): string | undefined {
  if (policy === 'uptrends') return EXAMPLE_API_ROUTES.uptrends;
  if (policy === 'customer') return EXAMPLE_API_ROUTES.customerOrders;
  return undefined;
}

function choiceFor(entry: ManifestEntry): string {
  if (entry.id === MANIFEST_IDS.uptrendsStandin) return 'uptrends';
  if (entry.id === MANIFEST_IDS.customClient && entry.p12 !== undefined) return DEMO_VAULT_ITEM;
  return `pki:${entry.id}`;
}

function nameFor(entry: ManifestEntry): string {
  if (entry.id === MANIFEST_IDS.uptrendsStandin) return 'Uptrends stand-in';
  if (entry.id === MANIFEST_IDS.uptrendsStandinLeafOnly) return 'Uptrends stand-in, leaf only';
  if (entry.id === MANIFEST_IDS.customClient) return 'custom certificate';
  return entry.kind === 'zoo' ? `zoo: ${entry.id.replace(/^zoo-/, '').replaceAll('-', ' ')}` : entry.id;
}

/**
 * The demo's cases for a test PKI: every manifest entry on the route of its policy (and on the
 * routes of its `otherPolicies`), no certificate, and the custom certificate on a route needing a
 * role it lacks. The Uptrends route checks revocation against the PKI's CRL files, so every entry
 * expects its manifest verdict (`zoo-revoked`: CERT_REVOKED).
 */
export function demoCases(pki: TestPki): DemoCase[] {
  const cases: DemoCase[] = [];
  for (const entry of pki.manifest.entries) {
    const base = { clientCert: choiceFor(entry), entryId: entry.id };
    const route = routeFor(entry.policy) ?? `(no example API route for policy "${entry.policy}")`;
    cases.push({ ...base, name: nameFor(entry), route, expected: entry.expected, expectedStatus: entry.expectedStatus });
    for (const [policy, other] of Object.entries(entry.otherPolicies ?? {})) {
      cases.push({ ...base, name: `${nameFor(entry)} on the ${policy} route`, route: routeFor(policy) ?? `(no example API route for policy "${policy}")`, expected: other.expected, expectedStatus: other.expectedStatus });
    }
    if (entry.id === MANIFEST_IDS.customClient) {
      cases.push({ ...base, name: 'custom certificate, admin role missing', route: EXAMPLE_API_ROUTES.customerAdmin, expected: 'ROLE_MISSING', expectedStatus: 403 });
    }
  }
  cases.push({ name: 'no certificate', clientCert: 'none', entryId: undefined, route: EXAMPLE_API_ROUTES.uptrends, expected: 'CERT_MISSING', expectedStatus: 401 });
  return cases;
}

function statusOf(verdict: ExpectedVerdict): number {
  return verdict === 'valid' ? 200 : ERROR_CODES[verdict].status;
}

// ---------------------------------------------------------------------------------------------
// Running.

/** The scenario (docs/scenarios.md) the companion client runs for `cases` against `url`. */
export function demoScenario(pki: TestPki, cases: readonly DemoCase[], url: string): Record<string, unknown> {
  const custom = pki.manifest.entries.find((e) => e.id === MANIFEST_IDS.customClient);
  const vault =
    custom?.p12 === undefined
      ? {}
      : {
          [DEMO_VAULT_ITEM]: {
            file: pki.path(custom.p12),
            passwordEnv: custom.p12PasswordEnv ?? TEST_P12_PASSWORD_ENV,
            description: 'the custom client certificate (PKCS#12 archive, as uploaded to a monitor vault)',
          },
        };
  return {
    name: 'certgate demo',
    description: 'Every certificate of the test PKI manifest against the example API',
    trustPkiServer: true,
    continueOnFailure: true,
    timeoutMs: 10_000,
    vault,
    steps: cases.map((c) => ({
      name: c.name,
      clientCert: c.clientCert,
      request: { url: `${url}${c.route}` },
      assert: [{ status: c.expectedStatus }, c.expected === 'valid' ? { jsonPath: '$.ok', equals: true } : { jsonPath: '$.code', equals: c.expected }],
    })),
  };
}

/** Options of {@link runDemoCases}. */
export interface RunDemoCasesOptions {
  readonly pki: TestPki;
  readonly cases: readonly DemoCase[];
  /** Base URL of the example API, e.g. `https://127.0.0.1:8443`. */
  readonly url: string;
  /** Environment (archive passwords); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Called after each row. */
  readonly onRow?: (row: DemoRow) => void;
}

/** Sends every case through the companion client's scenario runner and checks each answer. */
export async function runDemoCases(options: RunDemoCasesOptions): Promise<DemoRow[]> {
  const { pki, cases } = options;
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
  for (const entry of pki.manifest.entries) {
    // The built-in TEST-ONLY password is public (it is in the manifest); a chosen one must come from the environment.
    if (entry.p12PasswordEnv !== undefined && entry.p12Password !== undefined && (env[entry.p12PasswordEnv] ?? '') === '') env[entry.p12PasswordEnv] = entry.p12Password;
  }
  const definition = demoScenario(pki, cases, options.url.replace(/\/+$/, ''));
  const rows: DemoRow[] = [];
  const pkiDir = pki.dir;
  if (pkiDir === undefined) throw new TypeError('runDemoCases: the test PKI must be on disk (generate it with outDir)');
  const result = await runScenario(definition, {
    env,
    cwd: pkiDir,
    baseDir: pkiDir,
    pkiDir,
    onStep: (step) => {
      const c = cases[step.number - 1];
      if (c === undefined) return;
      const row = rowFor(c, step);
      rows.push(row);
      options.onRow?.(row);
    },
  });
  if (result.steps.length !== cases.length) throw new Error(`internal: ${cases.length} demo cases gave ${result.steps.length} scenario steps`);
  return rows;
}

function rowFor(c: DemoCase, step: StepResult): DemoRow {
  const code = step.problem?.code ?? step.errorCode;
  // The scenario's assertions decide; the comparison here guards against an assertion that
  // checked less than the row claims.
  const matches = step.status === c.expectedStatus && (c.expected === 'valid' ? code === undefined : code === c.expected);
  const ok = step.outcome === 'passed' && matches;
  const reason = ok ? undefined : (step.reason ?? `expected ${expectedText(c)}, got ${step.status ?? 'no answer'} ${code ?? ''}`.trim());
  return { case: c, status: step.status, code, ok, reason, timeMs: step.timeMs };
}

/** "200" or "401 CERT_EXPIRED". */
export function expectedText(c: DemoCase): string {
  return c.expected === 'valid' ? String(c.expectedStatus) : `${c.expectedStatus} ${c.expected}`;
}

/** Options of {@link runDemo}. */
export interface RunDemoOptions {
  /** The demo directory (default {@link DEFAULT_DEMO_DIR} under the working directory). */
  readonly dir?: string;
  /** Regenerate the PKI even when the cached one is good. */
  readonly fresh?: boolean;
  /** Where keys are cached (default `<dir>/pki/keys`). */
  readonly keyCacheDir?: string;
  /** Run the cases against this already running example API (same demo directory) instead of starting one. */
  readonly url?: string;
  /** Logging of the example API; default `{ level: 'info', file: '<dir>/server.log' }`. */
  readonly log?: ExampleApiOptions['log'];
  /** Environment (archive passwords); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Progress: called once the PKI is ready and the server is up, and after each row. */
  readonly onReady?: (ready: { readonly pki: DemoPkiInfo; readonly url: string; readonly logFile: string | undefined }) => void;
  /** Called after each row. */
  readonly onRow?: (row: DemoRow) => void;
  /** Keep the example API running and return it (for `--serve`); the caller closes it. */
  readonly keepServer?: boolean;
  /** Port of the example API (default 0: an ephemeral port). */
  readonly port?: number;
}

/**
 * Runs the demo: prepares the test PKI, starts the example API (unless `url`), sends every case
 * and checks each answer. Resolves with every row; `ok` is true only when every row is as
 * expected. With `keepServer`, also resolves with the running API.
 */
export async function runDemo(options: RunDemoOptions = {}): Promise<DemoResult & { readonly api?: ExampleApi; readonly testPki: TestPki }> {
  const started = performance.now();
  const dir = path.resolve(options.dir ?? DEFAULT_DEMO_DIR);
  const { pki, info: pkiInfo } = await prepareDemoPki({ dir, ...(options.fresh === undefined ? {} : { fresh: options.fresh }), ...(options.keyCacheDir === undefined ? {} : { keyCacheDir: options.keyCacheDir }) });
  const logFile = options.url === undefined && options.log === undefined ? path.join(dir, 'server.log') : undefined;
  // The default log holds the latest run only.
  if (logFile !== undefined) await rm(logFile, { force: true });
  const api = options.url === undefined ? await startExampleApi({ pki, configDir: dir, ...(options.port === undefined ? {} : { port: options.port }), log: options.log ?? { level: 'info', file: logFile as string } }) : undefined;
  try {
    const url = options.url ?? (api as ExampleApi).url;
    options.onReady?.({ pki: pkiInfo, url, logFile: options.log === undefined ? logFile : options.log === false ? undefined : options.log.file });
    const cases = demoCases(pki);
    const rows = await runDemoCases({ pki, cases, url, ...(options.env === undefined ? {} : { env: options.env }), ...(options.onRow === undefined ? {} : { onRow: options.onRow }) });
    const failed = rows.filter((r) => !r.ok).map((r) => r.case.name);
    const result = { ok: failed.length === 0, url, pki: pkiInfo, rows, failed, totalMs: Math.round(performance.now() - started), testPki: pki };
    if (options.keepServer === true && api !== undefined) return { ...result, api };
    await api?.close();
    return result;
  } catch (error) {
    await api?.close();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Output.

/** The demo table: case, certificate, HTTP status, code, expected, ok (`palette` colours the header and the ok column). */
export function formatDemoTable(rows: readonly DemoRow[], palette?: Palette): string {
  return formatTable(
    ['case', 'certificate', 'HTTP status', 'code', 'expected', 'ok'],
    rows.map((row) => [row.case.name, row.case.clientCert === DEMO_VAULT_ITEM ? `${DEMO_VAULT_ITEM} (vault .p12)` : row.case.clientCert, row.status === undefined ? '-' : String(row.status), row.code ?? '-', expectedText(row.case), row.ok ? 'ok' : 'FAIL']),
    palette === undefined
      ? {}
      : { paint: (text, column, row) => (row < 0 ? palette.bold(text) : column !== 5 ? text : text === 'ok' ? palette.green(text) : palette.red(text)) },
  );
}

/** The lines under the table: notes, failures with their reasons, and the verdict. */
export function formatDemoSummary(result: Pick<DemoResult, 'ok' | 'rows' | 'failed' | 'totalMs'>): string {
  const lines: string[] = [];
  const notes = result.rows.filter((r) => r.case.note !== undefined);
  for (const row of notes) lines.push(`note: ${row.case.name}: ${row.case.note ?? ''}`);
  for (const row of result.rows.filter((r) => !r.ok)) lines.push(`FAILED: ${row.case.name} (${row.case.clientCert} -> ${row.case.route}): ${row.reason ?? 'not as expected'}`);
  const n = result.rows.length;
  lines.push(
    result.ok
      ? `${n} of ${n} rows as expected (${(result.totalMs / 1000).toFixed(1)} s)`
      : `${result.failed.length} of ${n} rows NOT as expected: ${result.failed.join(', ')}`,
  );
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// curl commands (for --serve).

/** A POSIX shell word. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A curl command reproducing one case against `url`. */
export interface DemoCurlCommand {
  readonly case: DemoCase;
  readonly command: string;
}

/** An OpenSSL configuration at security level 0, for curl to load the deliberately weak zoo certificates. */
const SECLEVEL0_CNF = `# Written by certgate demo: lets curl load the zoo's deliberately weak client certificates
# (RSA-1024, SHA-1), which OpenSSL's default security level refuses to send. Local tests only.
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
CipherString = DEFAULT@SECLEVEL=0
`;

/** True for a certificate OpenSSL's default security level (2 on Debian) refuses to load: RSA below 2048 bits, SHA-1. */
function refusedBySecurityLevel(entry: ManifestEntry): boolean {
  const rsa = /^RSA-(\d+)$/.exec(entry.keyType);
  return (rsa !== null && Number(rsa[1]) < 2048) || /^(SHA-1|MD5)$/i.test(entry.signatureHash);
}

/**
 * Curl commands reproducing each case (certificate PEM bundles written to `<dir>/curl/`). Each
 * prints the answer's body followed by `(HTTP <status>)`. Certificates OpenSSL's default security
 * level refuses to load (RSA-1024, SHA-1) get `OPENSSL_CONF=<dir>/curl/openssl-seclevel0.cnf`.
 */
export async function demoCurlCommands(pki: TestPki, cases: readonly DemoCase[], url: string, dir: string): Promise<DemoCurlCommand[]> {
  const bundleDir = path.join(path.resolve(dir), 'curl');
  await mkdir(bundleDir, { recursive: true });
  const seclevel0 = path.join(bundleDir, 'openssl-seclevel0.cnf');
  await writeFile(seclevel0, SECLEVEL0_CNF);
  const serverCa = pki.path(pki.manifest.server.ca);
  const base = url.replace(/\/+$/, '');
  const out: DemoCurlCommand[] = [];
  for (const c of cases) {
    const words = ['curl', '-sS', '--cacert', serverCa];
    let prefix = '';
    if (c.entryId !== undefined) {
      const entry = pki.entry(c.entryId);
      let certFile = pki.path(entry.cert);
      if (entry.chainPems.length > 0) {
        // curl sends the intermediates that follow the leaf in the --cert file.
        certFile = path.join(bundleDir, `${entry.id}.pem`);
        await writeFile(certFile, [entry.certPem, ...entry.chainPems].map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''));
      }
      words.push('--cert', certFile, '--key', pki.path(entry.key));
      if (refusedBySecurityLevel(entry)) prefix = `OPENSSL_CONF=${shellQuote(seclevel0)} `;
    }
    words.push('-w', '\\n(HTTP %{http_code})\\n', `${base}${c.route}`);
    out.push({ case: c, command: prefix + words.map(shellQuote).join(' ') });
  }
  return out;
}
