/**
 * `certgate request URL --client-cert uptrends|none|FILE.p12|CERT.pem`: one request with the chosen
 * client certificate; prints status, timing, TLS details and the server's problem+json reason.
 */
import path from 'node:path';
import { ClientCertError, isClientCertError } from '../../errors.js';
import { readBoundedFile } from '../../client/files.js';
import { request } from '../../client/request.js';
import { problemReason } from '../../client/response.js';
import { formatMs } from '../../client/summary.js';
import type { CertificateSummary, ClientCertChoice, RequestResult } from '../../client/types.js';
import { parseCommandArgs } from '../args.js';
import { onePositional, SERVER_CALL_OPTIONS } from '../client-options.js';
import { EXIT, UsageError, type CliIo, type Command } from '../command.js';
import { styleFor, type Style } from '../style.js';

const MAX_DATA_BYTES = 10 * 1024 * 1024;
const BODY_PREVIEW_BYTES = 4096;
/** Failures where no HTTP answer arrived: exit 3. */
const CONNECTION_CODES = new Set(['CONNECTION_FAILED', 'TLS_HANDSHAKE_FAILED', 'REQUEST_TIMEOUT']);

const help = `Usage: certgate request URL --client-cert uptrends|none|pki:ID|FILE.p12|CERT.pem [options]

Sends one HTTP(S) request presenting the chosen client certificate and prints the status, timing,
the server's problem+json reason when it refuses, and the TLS details (protocol, cipher, the
certificate that was sent, the server's certificate).

Client certificate (required):
  --client-cert uptrends      the test PKI's Uptrends stand-in (see --pki)
  --client-cert none          no certificate
  --client-cert pki:ID        any client certificate of the test PKI manifest (pki:custom-client,
                              pki:zoo-expired, ...), with the intermediates its entry lists
  --client-cert FILE.p12      a PKCS#12 archive (.p12/.pfx); password from --password-env
  --client-cert CERT.pem      a PEM certificate (plus intermediates after it) with --key, or a PEM
                              file that also holds the private key

Options:
  -X, --method M              HTTP method (default GET, or POST with --data)
  -H, --header 'Name: value'  a request header (repeatable)
  -d, --data @FILE|TEXT       request body: the contents of FILE, or TEXT as is
      --key KEY.pem           private key for a PEM certificate
      --password-env VAR      environment variable holding the archive password (or PEM key
                              passphrase); passwords are never taken on the command line
      --ca FILE               CA certificate(s) (PEM) that issued the server's certificate
                              (default: Node's public roots)
      --trust-pki-server      also trust the test PKI's server CA (for the harness's and the
                              demo's servers; see --pki)
      --servername NAME       TLS server name to send and verify (default: the URL's host name)
  -k, --insecure              do not verify the server's certificate (local experiments only)
      --pki DIR               test PKI directory for --client-cert uptrends
                              (default: $CERTGATE_PKI, else .certgate/pki)
      --timeout MS            whole-request timeout in milliseconds (default 30000)
      --json                  print the whole result as JSON

Exit codes:
  0  the server answered 2xx
  1  the server answered, with another status (the reason is printed)
  2  usage error or unreadable input (bad option, file, archive password)
  3  no HTTP answer: connection refused, TLS handshake failed or timed out

Examples:
  certgate request https://127.0.0.1:8443/health --client-cert uptrends --trust-pki-server
  CUSTOMER_P12_PASSWORD=... certgate request https://api.example.test/orders \\
      --client-cert customer.p12 --password-env CUSTOMER_P12_PASSWORD -H 'Accept: application/json'
  certgate request https://127.0.0.1:8443/ --client-cert none --insecure --json
`;

const command: Command = {
  summary: 'send one request with the Uptrends stand-in, a custom client certificate or none',
  help,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        ...SERVER_CALL_OPTIONS,
        method: { type: 'string', short: 'X' },
        header: { type: 'string', short: 'H', multiple: true },
        data: { type: 'string', short: 'd' },
        'client-cert': { type: 'string' },
        key: { type: 'string' },
        'password-env': { type: 'string' },
        servername: { type: 'string' },
        timeout: { type: 'string' },
      },
    });
    const url = onePositional(positionals, 'URL');
    const certArg = values['client-cert'];
    if (certArg === undefined) throw new UsageError('--client-cert is required: uptrends, none, pki:ID, FILE.p12 or CERT.pem');
    const password = readPasswordEnv(values['password-env'], io);
    const clientCert = await chooseClientCert(certArg, values.key, password, io.cwd);
    const headers = (values.header ?? []).map(parseHeader);
    const body = values.data === undefined ? undefined : await readData(values.data, io.cwd);
    const timeoutMs = values.timeout === undefined ? undefined : parseTimeout(values.timeout);

    let result: RequestResult;
    try {
      result = await request(url, {
        ...(values.method === undefined ? {} : { method: values.method }),
        headers,
        ...(body === undefined ? {} : { body }),
        clientCert,
        ...(values.ca === undefined ? {} : { ca: values.ca }),
        ...(values['trust-pki-server'] === true ? { trustPkiServer: true } : {}),
        ...(values.servername === undefined ? {} : { servername: values.servername }),
        insecure: values.insecure === true,
        ...(values.pki === undefined ? {} : { pkiDir: values.pki }),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        env: io.env,
        cwd: io.cwd,
      });
    } catch (error) {
      if (error instanceof TypeError) throw new UsageError(error.message);
      if (isClientCertError(error) && CONNECTION_CODES.has(error.code)) {
        if (values.json === true) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message, details: error.details } }, null, 2)}\n`);
        io.stderr.write(`certgate request: ${error.code}: ${error.message}\n`);
        return EXIT.CONNECTION;
      }
      throw error;
    }
    const ok = result.status >= 200 && result.status < 300;
    if (values.json === true) io.stdout.write(`${JSON.stringify({ ok, ...result }, null, 2)}\n`);
    else io.stdout.write(formatResult(result, values.insecure === true, styleFor(io.stdout, io.env)));
    return ok ? EXIT.OK : EXIT.FAILED;
  },
};

export default command;

function readPasswordEnv(name: string | undefined, io: CliIo): string | undefined {
  if (name === undefined) return undefined;
  const value = io.env[name];
  if (value === undefined) throw new ClientCertError('ENV_VAR_MISSING', `--password-env ${name}: the environment variable ${name} is not set`);
  return value;
}

/** FILE.p12/.pfx (or any non-PEM file) is an archive; a PEM file is a certificate, with --key or its own key. */
async function chooseClientCert(arg: string, key: string | undefined, password: string | undefined, cwd: string): Promise<ClientCertChoice> {
  if (arg === 'none' || arg === 'uptrends' || arg.startsWith('pki:')) {
    if (key !== undefined) throw new UsageError(`--key makes no sense with --client-cert ${arg}`);
    return arg as 'none' | 'uptrends' | `pki:${string}`;
  }
  const file = path.resolve(cwd, arg);
  const label = path.basename(arg);
  if (key !== undefined) return { cert: file, key: path.resolve(cwd, key), label, ...(password === undefined ? {} : { passphrase: password }) };
  if (/\.(p12|pfx)$/i.test(arg)) return { p12: file, password: password ?? '', label };
  const bytes = await readBoundedFile(file, `--client-cert ${arg}`, 1024 * 1024);
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN ')) return { p12: bytes, password: password ?? '', label };
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    throw new UsageError(`--client-cert ${arg} is a PEM certificate without a private key: add --key KEY.pem`);
  }
  return { cert: file, key: file, label, ...(password === undefined ? {} : { passphrase: password }) };
}

function parseHeader(text: string): readonly [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError(`--header: expected 'Name: value', found ${JSON.stringify(text)}`);
  return [text.slice(0, colon).trim(), text.slice(colon + 1).trim()];
}

async function readData(data: string, cwd: string): Promise<Buffer | string> {
  if (!data.startsWith('@')) return data;
  if (data === '@') throw new UsageError('--data @FILE: expected a file name after @');
  return readBoundedFile(path.resolve(cwd, data.slice(1)), '--data', MAX_DATA_BYTES);
}

function parseTimeout(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(value) || value <= 0) throw new UsageError(`--timeout: expected a positive number of milliseconds, found ${JSON.stringify(text)}`);
  return value;
}

function formatResult(result: RequestResult, insecure: boolean, style: Style): string {
  const lines: string[] = [];
  const statusLine = `HTTP ${result.status}${result.statusText === '' ? '' : ` ${result.statusText}`}`;
  lines.push(`${result.status >= 200 && result.status < 300 ? style.green(statusLine) : style.red(statusLine)}  (${result.method} ${result.url})`);
  const reason = problemReason(result.problem);
  if (reason !== undefined) lines.push(`reason:  ${printable(reason).replaceAll('\n', ' ')}`);
  const t = result.timing;
  const phases = [
    ...(t.dnsMs === undefined ? [] : [`dns ${formatMs(t.dnsMs)}`]),
    ...(t.connectMs === undefined ? [] : [`connect ${formatMs(t.connectMs)}`]),
    ...(t.tlsMs === undefined ? [] : [`tls ${formatMs(t.tlsMs)}`]),
    `headers ${formatMs(t.headersMs)}`,
  ];
  lines.push(`time:    ${formatMs(t.totalMs)} total (${phases.join(', ')})`);
  if (result.tls !== undefined) {
    lines.push(`tls:     ${result.tls.protocol ?? '?'} ${result.tls.cipher ?? '?'}${result.tls.serverVerified ? ', server certificate verified' : insecure ? ', server certificate NOT verified (--insecure)' : ''}`);
  }
  const sent = result.tls?.clientCertificate ?? result.clientCert.certificate;
  lines.push(`sent:    ${result.clientCert.source === 'none' ? 'no client certificate' : `${result.clientCert.label}: ${describe(sent)}`}`);
  if (result.clientCert.weak) lines.push('note:    the certificate is too weak for OpenSSL\'s default security level; it was sent at level 0');
  if (result.tls?.serverCertificate !== undefined) lines.push(`server:  ${result.tls.serverCertificate.subject} (issuer ${result.tls.serverCertificate.issuer})`);
  if (result.bodyBytes > 0) {
    const preview = result.body.length > BODY_PREVIEW_BYTES ? `${result.body.slice(0, BODY_PREVIEW_BYTES)}\n... (${result.bodyBytes} bytes in all; --json prints everything)` : result.body;
    // The body comes from the network: no terminal escape sequences reach the user's terminal.
    const safe = printable(preview);
    lines.push('', safe.endsWith('\n') ? safe.slice(0, -1) : safe);
  }
  return `${lines.join('\n')}\n`;
}

function describe(certificate: CertificateSummary | undefined): string {
  if (certificate === undefined) return 'certificate details unknown';
  return `${certificate.subject}, serial ${certificate.serialNumber}, sha256 ${certificate.sha256}, expires ${certificate.notAfter}`;
}

/** Text from the network, made safe for a terminal: control characters other than newline and tab become "?". */
function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}
