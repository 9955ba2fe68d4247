/**
 * `certgate pki init` generates the test PKI (harness); `certgate pki issue` issues a client
 * certificate as a password-protected PKCS#12 from a CA the user holds.
 */
import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readPkcs12 } from '../../cert/pkcs12.js';
import { issueClientCertificate, nicknameFileStem, nicknameKey, nicknameProblem } from '../../harness/client-cert.js';
import { parseKeySpec } from '../../harness/keys.js';
import { PKCS12_DEFAULT_ITERATIONS, PKCS12_MIN_ITERATIONS, writePkcs12 } from '../../harness/pkcs12.js';
import { generateTestPki, resolvePkiDir, TEST_P12_PASSWORD_ENV, DEFAULT_REVOCATION_BASE_URL, PKI_DIR_ENV } from '../../harness/pki.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, UsageError, type CliIo, type Command } from '../command.js';

/** Environment variable `pki issue` reads the CA's password from, unless --ca-password-env names another. */
export const CA_PASSWORD_ENV = 'CERTGATE_CA_PASSWORD';
/** Index of certificates issued into a directory (no secrets): what makes nicknames unique there. */
export const ISSUED_INDEX_FILE = 'certgate-issued.json';
const MIN_PASSWORD_LENGTH = 12;
const MAX_DAYS = 3650;
const MAX_INPUT_BYTES = 1024 * 1024;

const HELP = `Usage:
  certgate pki init  [--out DIR] [--now ISO] [--force] [--key-cache DIR] [--new-keys]
                     [--revocation-url URL] [--serial-seed TEXT] [--json]
  certgate pki issue (--ca CA.p12 | --ca-cert CA.pem --ca-key KEY.pem) --name NICKNAME
                     (--days N | --end DATE) [--key rsa2048|rsa4096|p256] [--out FILE.p12]
                     [--password-env VAR] [--ca-password-env VAR] [--iterations N] [--now ISO] [--json]

pki init: generate the TEST PKI of the local harness: a USERTrust/Sectigo-shaped chain with an
Uptrends stand-in, a customer CA with a custom client certificate, a localhost server certificate,
the zoo of bad client certificates, CRLs, PKCS#12 archives and manifest.json (what each file is
and the verdict certgate must return). Every key and password in it is TEST-ONLY.
  --out DIR             where to write (default $${PKI_DIR_ENV}, else .certgate/pki)
  --now ISO             the time to generate for (validity windows are relative to it; default now)
  --force               regenerate over an existing PKI (its keys are reused unless --new-keys)
  --key-cache DIR       reuse keys from DIR and store new ones there (default DIR/keys of --out)
  --new-keys            generate fresh keys instead of reusing DIR/keys
  --revocation-url URL  base URL of the local CRL/OCSP responders written into the certificates
                        (http on loopback; default ${DEFAULT_REVOCATION_BASE_URL})
  --serial-seed TEXT    derive serials from TEXT (reproducible output, as for the committed fixtures)
  The archives' password is the manifest's TEST-ONLY p12Password, or $${TEST_P12_PASSWORD_ENV} when set.

pki issue: issue a client-authentication certificate (CN=NICKNAME, EKU clientAuth) and write it
with its new key as a PKCS#12 protected by AES-256-CBC, PBKDF2-HMAC-SHA-256 and a SHA-256 MAC
(the DigiCert ONE / SAP flow). The certificate alone is also written next to it as .pem.
  --ca FILE.p12         the issuing CA as PKCS#12; its password comes from $${CA_PASSWORD_ENV}
                        (or the variable named by --ca-password-env)
  --ca-cert, --ca-key   the issuing CA as PEM files (an encrypted key takes its passphrase from
                        the same variable)
  --name NICKNAME       letters, digits, spaces, dashes, underscores; at most 64; unique (ignoring
                        case) among the certificates issued into the output directory
  --days N | --end DATE validity: N days from now (1..${MAX_DAYS}), or until DATE (YYYY-MM-DD means
                        23:59:59 UTC that day; or a full ISO 8601 time)
  --key KIND            rsa2048 (default), rsa4096 or p256
  --out FILE.p12        default ./<NICKNAME with dashes>.p12
  --password-env VAR    take the archive password from $VAR (at least ${MIN_PASSWORD_LENGTH} characters);
                        otherwise a strong password is generated and printed once, on stdout only
  --iterations N        PBKDF2 and MAC iterations (default ${PKCS12_DEFAULT_ITERATIONS})
  --now ISO             issuance time (for reproducible tests; default now)
  --json                print the summary as JSON (with the generated password, if any)

Examples:
  certgate pki init --out .certgate/pki
  CERTGATE_CA_PASSWORD=... certgate pki issue --ca customer-ca.p12 --name "Prod monitor 1" --end 2027-06-30
`;

const command: Command = {
  summary: 'generate the test PKI (init) or issue a client certificate as PKCS#12 (issue)',
  help: HELP,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'init') return init(rest, io);
    if (sub === 'issue') return issue(rest, io);
    throw new UsageError(sub === undefined ? 'expected a subcommand: init or issue' : `unknown subcommand "${sub}"; expected init or issue`);
  },
};
export default command;

// ---------------------------------------------------------------------------------------------

async function init(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args: [...argv],
    options: {
      out: { type: 'string' },
      now: { type: 'string' },
      force: { type: 'boolean' },
      'key-cache': { type: 'string' },
      'new-keys': { type: 'boolean' },
      'revocation-url': { type: 'string' },
      'serial-seed': { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const outDir = resolvePkiDir({ dir: values.out, env: io.env, cwd: io.cwd });
  const now = values.now === undefined ? undefined : parseInstant(values.now, '--now');
  if (values['new-keys'] === true && values['key-cache'] !== undefined) throw new UsageError('--new-keys and --key-cache exclude each other');
  if (existsSync(path.join(outDir, 'manifest.json')) && values.force !== true) {
    throw new UsageError(`${outDir} already holds a test PKI; use --force to regenerate it (keys are reused unless --new-keys)`);
  }
  const keyCacheDir = values['new-keys'] === true ? undefined : path.resolve(io.cwd, values['key-cache'] ?? path.join(outDir, 'keys'));
  const envPassword = io.env[TEST_P12_PASSWORD_ENV];
  let pki;
  try {
    pki = await generateTestPki({
      ...(now === undefined ? {} : { now }),
      outDir,
      ...(keyCacheDir === undefined ? {} : { keyCacheDir }),
      ...(values['revocation-url'] === undefined ? {} : { revocationBaseUrl: values['revocation-url'] }),
      ...(values['serial-seed'] === undefined ? {} : { serialSeed: values['serial-seed'] }),
      ...(envPassword === undefined || envPassword === '' ? {} : { p12Password: envPassword }),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message.replace(/^generateTestPki: /, ''));
    throw error;
  }
  const stats = pki.stats;
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify({ dir: outDir, referenceTime: pki.manifest.referenceTime, entries: pki.manifest.entries.map((e) => ({ id: e.id, expected: e.expected, expectedStatus: e.expectedStatus })), stats }, null, 2)}\n`);
    return EXIT.OK;
  }
  const lines = [
    `TEST PKI written to ${outDir} (every key and password in it is TEST-ONLY)`,
    `reference time ${pki.manifest.referenceTime}; ${pki.manifest.entries.length} client certificates; manifest ${path.join(outDir, 'manifest.json')}`,
    stats === undefined
      ? ''
      : `keys: ${stats.keysGenerated} generated, ${stats.keysFromCache} from cache${keyCacheDir === undefined ? '' : ` (${keyCacheDir})`}; ${stats.totalMs} ms (keys ${stats.keysMs}, certificates ${stats.certificatesMs}, PKCS#12 ${stats.pkcs12Ms}, write ${stats.writeMs})`,
    '',
    ...pki.manifest.entries.map((e) => `  ${e.id.padEnd(34)} ${String(e.expectedStatus)} ${e.expected}`),
    '',
  ];
  io.stdout.write(lines.join('\n'));
  return EXIT.OK;
}

// ---------------------------------------------------------------------------------------------

interface IssuedIndex {
  version: 1;
  issued: Array<{ nickname: string; file: string; certificate: string; subject: string; issuer: string; serial: string; notBefore: string; notAfter: string; sha256: string; spkiSha256: string }>;
}

async function issue(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args: [...argv],
    options: {
      ca: { type: 'string' },
      'ca-cert': { type: 'string' },
      'ca-key': { type: 'string' },
      'ca-password-env': { type: 'string' },
      name: { type: 'string' },
      days: { type: 'string' },
      end: { type: 'string' },
      key: { type: 'string' },
      out: { type: 'string' },
      'password-env': { type: 'string' },
      iterations: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: false,
  });

  // Everything is checked before any file is written.
  const nickname = values.name;
  if (nickname === undefined) throw new UsageError('--name NICKNAME is required');
  const nicknameError = nicknameProblem(nickname);
  if (nicknameError !== undefined) throw new UsageError(`--name: ${nicknameError}`);
  const now = values.now === undefined ? new Date() : parseInstant(values.now, '--now');
  if ((values.days === undefined) === (values.end === undefined)) throw new UsageError('give exactly one of --days N and --end DATE');
  const notAfter = values.days !== undefined ? daysFrom(now, values.days) : parseEndDate(values.end ?? '', now);
  const keySpec = values.key === undefined ? { type: 'rsa' as const, bits: 2048 as const } : parseKeySpec(values.key);
  if (keySpec === undefined || (keySpec.type === 'ec' && keySpec.curve !== 'P-256') || (keySpec.type === 'rsa' && keySpec.bits !== 2048 && keySpec.bits !== 4096)) {
    throw new UsageError(`--key: expected rsa2048, rsa4096 or p256, found "${values.key ?? ''}"`);
  }
  const iterations = values.iterations === undefined ? PKCS12_DEFAULT_ITERATIONS : parseInteger(values.iterations, '--iterations', PKCS12_MIN_ITERATIONS, 10_000_000);

  const outFile = path.resolve(io.cwd, values.out ?? `${nicknameFileStem(nickname)}.p12`);
  if (!/\.(p12|pfx)$/i.test(outFile)) throw new UsageError(`--out: expected a .p12 or .pfx file name, found "${values.out ?? ''}"`);
  const pemFile = outFile.replace(/\.(p12|pfx)$/i, '.pem');
  const outDir = path.dirname(outFile);
  const indexFile = path.join(outDir, ISSUED_INDEX_FILE);
  const index = await readIndex(indexFile);
  const clash = index.issued.find((entry) => nicknameKey(entry.nickname) === nicknameKey(nickname));
  if (clash !== undefined) throw new UsageError(`--name: "${nickname}" is already used in ${outDir} (by ${clash.file}); nicknames are unique per directory, ignoring case`);
  for (const file of [outFile, pemFile]) {
    if (existsSync(file)) throw new UsageError(`${file} already exists; choose another --out (certgate never overwrites an issued certificate)`);
  }

  let password: string | undefined;
  if (values['password-env'] !== undefined) {
    const value = io.env[values['password-env']];
    if (value === undefined || value === '') throw new UsageError(`--password-env: environment variable ${values['password-env']} is not set`);
    if (value.length < MIN_PASSWORD_LENGTH) throw new UsageError(`--password-env: the password in ${values['password-env']} has ${value.length} characters; at least ${MIN_PASSWORD_LENGTH} are required`);
    password = value;
  }
  const ca = await loadCa(values, io);

  let issued;
  try {
    issued = await issueClientCertificate({ ca, nickname, notAfter, now, key: keySpec });
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  const generated = password === undefined;
  // 24 random bytes: 192 bits, 32 base64url characters.
  const archivePassword = password ?? randomBytes(24).toString('base64url');
  const p12 = await writePkcs12({ privateKey: issued.privateKey, certificate: issued.certificate, chain: ca.chain, password: archivePassword, friendlyName: nickname, iterations });

  await mkdir(outDir, { recursive: true });
  await writeNew(outFile, p12, 0o600);
  await writeNew(pemFile, issued.certificatePem, 0o644);
  const facts = {
    subject: issued.subject,
    issuer: issued.issuer,
    serial: issued.serial,
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    sha256: issued.sha256,
    spkiSha256: issued.spkiSha256,
  };
  index.issued.push({ nickname, file: path.basename(outFile), certificate: path.basename(pemFile), ...facts });
  const temp = `${indexFile}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(index, null, 2)}\n`);
  await rename(temp, indexFile);

  const summary = {
    nickname,
    file: outFile,
    certificate: pemFile,
    ...facts,
    protection: `PKCS#12: PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC), HMAC-SHA-256 MAC, ${iterations} iterations`,
  };
  if (values.json === true) {
    io.stdout.write(`${JSON.stringify(generated ? { ...summary, password: archivePassword } : summary, null, 2)}\n`);
    return EXIT.OK;
  }
  io.stdout.write(
    [
      `Issued client certificate "${nickname}"`,
      `  archive      ${outFile}`,
      `  certificate  ${pemFile}`,
      `  subject      ${issued.subject}`,
      `  issuer       ${issued.issuer}`,
      `  serial       ${issued.serial}`,
      `  valid        ${summary.notBefore} .. ${summary.notAfter}`,
      `  SHA-256      ${issued.sha256}`,
      `  SPKI SHA-256 ${issued.spkiSha256}`,
      `  protection   ${summary.protection}`,
      generated
        ? `\nArchive password (shown once; it is not stored anywhere, store it now):\n${archivePassword}\n`
        : `\nArchive password: the value of ${values['password-env'] ?? ''}\n`,
    ].join('\n'),
  );
  return EXIT.OK;
}

async function loadCa(
  values: { ca?: string | undefined; 'ca-cert'?: string | undefined; 'ca-key'?: string | undefined; 'ca-password-env'?: string | undefined },
  io: CliIo,
): Promise<{ certificate: Uint8Array; privateKey: KeyObject; chain: Uint8Array[] }> {
  const passwordEnv = values['ca-password-env'] ?? CA_PASSWORD_ENV;
  const caPassword = io.env[passwordEnv];
  if (values.ca !== undefined) {
    if (values['ca-cert'] !== undefined || values['ca-key'] !== undefined) throw new UsageError('give either --ca FILE.p12 or --ca-cert with --ca-key, not both');
    if (caPassword === undefined) throw new UsageError(`--ca: the CA archive's password is read from the environment variable ${passwordEnv}, which is not set`);
    const contents = readPkcs12(readInput(path.resolve(io.cwd, values.ca), '--ca'), caPassword);
    if (contents.privateKey === undefined || contents.certificate === undefined) {
      throw new UsageError(`--ca: ${values.ca} holds no private key with its certificate`);
    }
    return { certificate: contents.certificate, privateKey: contents.privateKey, chain: [] };
  }
  if (values['ca-cert'] === undefined || values['ca-key'] === undefined) throw new UsageError('give the issuing CA: --ca FILE.p12, or --ca-cert FILE with --ca-key FILE');
  const certText = readInput(path.resolve(io.cwd, values['ca-cert']), '--ca-cert');
  let certificate: Uint8Array;
  try {
    certificate = new Uint8Array(new X509Certificate(certText).raw);
  } catch {
    throw new UsageError(`--ca-cert: ${values['ca-cert']} is not a PEM or DER certificate`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(readInput(path.resolve(io.cwd, values['ca-key']), '--ca-key')), ...(caPassword === undefined ? {} : { passphrase: caPassword }) });
  } catch {
    throw new UsageError(`--ca-key: ${values['ca-key']} is not a readable private key${caPassword === undefined ? ` (an encrypted key takes its passphrase from ${passwordEnv})` : ' (or the passphrase is wrong)'}`);
  }
  return { certificate, privateKey, chain: [] };
}

function readInput(file: string, option: string): Uint8Array {
  try {
    const size = statSync(file).size;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`${option}: ${file} is ${size} bytes, more than the ${MAX_INPUT_BYTES} accepted`);
    return readFileSync(file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${option}: cannot read ${file}`);
  }
}

async function readIndex(file: string): Promise<IssuedIndex> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { version: 1, issued: [] };
  }
  try {
    const parsed = JSON.parse(text) as Partial<IssuedIndex>;
    if (parsed.version === 1 && Array.isArray(parsed.issued) && parsed.issued.every((e) => typeof e?.nickname === 'string' && typeof e.file === 'string')) {
      return { version: 1, issued: parsed.issued };
    }
  } catch {
    // reported below
  }
  throw new UsageError(`${file} is not a valid certgate issued-certificates index; nickname uniqueness cannot be checked (fix or remove it)`);
}

async function writeNew(file: string, data: Uint8Array | string, mode: number): Promise<void> {
  // 'wx' fails if the file appeared since the check: never overwrite an issued archive.
  await writeFile(file, data, { flag: 'wx', mode });
}

function parseInstant(value: string, option: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value)) {
    throw new UsageError(`${option}: expected an ISO 8601 time such as 2026-01-01T00:00:00Z, found "${value}"`);
  }
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${option}: "${value}" is not a valid date`);
  return date;
}

function parseEndDate(value: string, now: Date): Date {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseInstant(`${value}T23:59:59Z`, '--end') : parseInstant(value, '--end');
  if (date.getTime() <= now.getTime()) throw new UsageError(`--end: ${date.toISOString()} is not in the future`);
  if (date.getTime() > now.getTime() + MAX_DAYS * 86_400_000) throw new UsageError(`--end: ${date.toISOString()} is more than ${MAX_DAYS} days away`);
  return date;
}

function daysFrom(now: Date, value: string): Date {
  const days = parseInteger(value, '--days', 1, MAX_DAYS);
  return new Date(now.getTime() + days * 86_400_000);
}

function parseInteger(value: string, option: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option}: expected a whole number, found "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${option}: expected ${min} to ${max}, found ${n}`);
  return n;
}
