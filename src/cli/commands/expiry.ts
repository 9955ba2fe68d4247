/**
 * `certgate expiry`: a cron-friendly expiry check with monitoring-plugin exit codes, a Prometheus
 * textfile and a webhook.
 */
import path from 'node:path';
import { checkExpiry } from '../../expiry/index.js';
import { expiryReportJson, formatExpiryText } from '../../expiry/report.js';
import { DEFAULT_CRITICAL_DAYS, DEFAULT_WARN_DAYS, MAX_THRESHOLD_DAYS, MONITORING_EXIT } from '../../expiry/status.js';
import { pinItem, type ExpiryItem } from '../../expiry/targets.js';
import { writeExpiryTextfile } from '../../expiry/textfile.js';
import { sendExpiryWebhook, shouldNotify, type WebhookResult } from '../../expiry/webhook.js';
import { ClientCertError, isClientCertError } from '../../errors.js';
import { FileReadError, readFileBounded } from '../../util/read-bounded.js';
import { parsePinFile, windowStatus, type Pin } from '../../verify/pins.js';
import { parseCommandArgs } from '../args.js';
import { UsageError, type CliIo, type Command } from '../command.js';
import { styleFor } from '../style.js';

const help = `Usage: certgate expiry [--warn-days ${DEFAULT_WARN_DAYS}] [--critical-days ${DEFAULT_CRITICAL_DAYS}] [--json] [--prometheus FILE]
                      [--webhook URL | --webhook-env VAR] [--password-env VAR] [--pin-file FILE] TARGET...

Checks when certificates and pins expire, for cron, systemd timers and monitoring agents. For each
certificate or pin: status, days remaining, notAfter, kind, label, serial and where it was found.

TARGET is one of:
  FILE              a certificate file: PEM (one or several certificates), DER, or PKCS#12
                    (.p12/.pfx; every certificate in it), or a pin file or identities file (JSON;
                    every pin or identity window with an end date)
  DIRECTORY         every *.pem *.crt *.cer *.der *.p12 *.pfx file in it (not recursive; files that
                    hold only a key are skipped)
  uptrends          the bundled published Uptrends pins, plus the pins of --pin-file
  tls://HOST:PORT   the certificate that TLS server presents (not verified: an untrusted or expired
                    certificate is reported too); IPv6 as tls://[::1]:8443

Status of each certificate or pin (whole days remaining, rounded down):
  OK        at least --warn-days remain
  WARNING   fewer than --warn-days remain
  CRITICAL  fewer than --critical-days remain
  EXPIRED   past notAfter (counts as CRITICAL)
  UNKNOWN   the target or file could not be read (missing, malformed, wrong PKCS#12 password,
            connection failed)

Options:
  --warn-days N         WARNING threshold in days (default ${DEFAULT_WARN_DAYS}; 0 to ${MAX_THRESHOLD_DAYS})
  --critical-days N     CRITICAL threshold in days (default ${DEFAULT_CRITICAL_DAYS}; at most --warn-days)
  --json                machine-readable report on stdout
  --prometheus FILE     also write the result as a node_exporter textfile-collector file (name it
                        *.prom in the collector's directory); replaced atomically
  --webhook URL         POST a JSON summary (with a Slack-compatible "text" field) to URL when the
                        result is WARNING, CRITICAL or UNKNOWN; nothing is sent when all is OK
  --webhook-env VAR     like --webhook, the URL read from $VAR (keeps a secret URL out of crontabs
                        and process lists)
  --webhook-retries N   retries after a failed delivery (default 2; backoff 1 s, 2 s, ...; HTTP 4xx
                        other than 429 is not retried)
  --timeout SECONDS     deadline of each webhook attempt and of each tls:// handshake (default 10)
  --password-env VAR    environment variable holding the PKCS#12 password (archives without one
                        are opened with the empty password)
  --pin-file FILE       a pin file whose pins add to the bundled ones for the uptrends target; a
                        bundled pin that has expired while a pin of FILE is active is shown as
                        superseded and not counted
  --now ISO             evaluate at this time instead of now (planning, tests)
  -h, --help            show this help

Exit status (monitoring-plugin convention; the most severe wins, CRITICAL > UNKNOWN > WARNING):
  0 OK, 1 WARNING, 2 CRITICAL (expired or fewer than --critical-days), 3 UNKNOWN (an unreadable
  target, nothing to check, or a usage error). A webhook that cannot be delivered or a textfile
  that cannot be written is reported on stderr (and in --json) and does not change the status.

The first line of the text output is a one-line summary (what Nagios/Icinga show).

Examples:
  certgate expiry /etc/certgate/client.pem
  certgate expiry --password-env CLIENT_P12_PASSWORD monitor-client.p12
  certgate expiry --warn-days 45 --critical-days 14 /etc/ssl/clients/ pins.json identities.json
  certgate expiry uptrends --pin-file /etc/certgate/uptrends-pins.json
  certgate expiry tls://127.0.0.1:8443 --json
  certgate expiry --prometheus /var/lib/node_exporter/textfile/certgate.prom --webhook-env CERTGATE_WEBHOOK_URL /etc/certgate/
  certgate expiry fixtures/reference/uptrends-2024.pem     # the published Uptrends certificate: EXPIRED, exit 2

See examples/expiry-cron/ for a crontab line and a systemd service and timer.
`;

function parseDays(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,4}$/.test(value) || Number(value) > MAX_THRESHOLD_DAYS) throw new UsageError(`${option} must be a whole number of days from 0 to ${MAX_THRESHOLD_DAYS}, found ${JSON.stringify(value)}`);
  return Number(value);
}

function parseNow(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`--now must be an ISO 8601 time such as 2026-11-23T00:00:00Z, found ${JSON.stringify(value)}`);
  return ms;
}

function envName(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new UsageError(`${option} takes the NAME of an environment variable, found ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}

/** The items of the `uptrends` target: bundled pins, plus the pin file's (an expired bundled pin superseded by an active pin of the file is not counted). */
async function uptrendsItems(pinFile: string | undefined, cwd: string, now: number): Promise<ExpiryItem[]> {
  // Loaded only for this target: the preset pulls in the whole gate.
  const bundled = (await import('../../uptrends/index.js')).uptrendsBundledPins();
  let configured: Pin[] = [];
  if (pinFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readFileBounded(path.resolve(cwd, pinFile), 1024 * 1024);
    } catch (error) {
      throw new ClientCertError('CONFIG_INVALID', `--pin-file ${pinFile}: ${error instanceof FileReadError ? error.reason : String(error)}`);
    }
    configured = parsePinFile(bytes.toString('utf8'), pinFile);
  }
  const active = configured.find((p) => windowStatus(p, now) === 'active');
  return [
    ...bundled.map((pin) =>
      active !== undefined && windowStatus(pin, now) === 'expired'
        ? pinItem(pin, 'uptrends (bundled)', { counted: false, note: `expired; superseded by the active pin "${active.label}" of ${pinFile ?? ''}` })
        : pinItem(pin, 'uptrends (bundled)'),
    ),
    ...configured.map((pin) => pinItem(pin, pinFile as string)),
  ];
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: [...argv],
    options: {
      'warn-days': { type: 'string' },
      'critical-days': { type: 'string' },
      json: { type: 'boolean', default: false },
      prometheus: { type: 'string' },
      webhook: { type: 'string' },
      'webhook-env': { type: 'string' },
      'webhook-retries': { type: 'string' },
      timeout: { type: 'string' },
      'password-env': { type: 'string' },
      'pin-file': { type: 'string' },
      now: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length === 0) throw new UsageError('at least one TARGET is required (a file, a directory, uptrends, or tls://HOST:PORT)');
  const warnDays = parseDays('--warn-days', values['warn-days'], DEFAULT_WARN_DAYS);
  const criticalDays = parseDays('--critical-days', values['critical-days'], Math.min(DEFAULT_CRITICAL_DAYS, warnDays));
  if (criticalDays > warnDays) throw new UsageError(`--critical-days (${criticalDays}) must not be greater than --warn-days (${warnDays})`);
  const now = parseNow(values.now);
  const timeoutText = values.timeout ?? '10';
  const timeoutSeconds = Number(timeoutText);
  if (!/^\d+(\.\d+)?$/.test(timeoutText) || !(timeoutSeconds >= 0.1 && timeoutSeconds <= 300)) throw new UsageError(`--timeout must be 0.1 to 300 seconds, found ${JSON.stringify(timeoutText)}`);
  const retriesText = values['webhook-retries'] ?? '2';
  if (!/^\d{1,2}$/.test(retriesText) || Number(retriesText) > 10) throw new UsageError(`--webhook-retries must be 0 to 10, found ${JSON.stringify(retriesText)}`);
  if (values.webhook !== undefined && values['webhook-env'] !== undefined) throw new UsageError('give --webhook or --webhook-env, not both');
  let webhookUrl = values.webhook;
  const webhookEnv = envName('--webhook-env', values['webhook-env']);
  if (webhookEnv !== undefined) {
    webhookUrl = io.env[webhookEnv];
    if (webhookUrl === undefined || webhookUrl.trim() === '') throw new UsageError(`--webhook-env ${webhookEnv}: the environment variable ${webhookEnv} is not set`);
  }
  if (webhookUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(webhookUrl);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError('the webhook URL must be an http:// or https:// URL');
    if (url.username !== '' || url.password !== '') throw new UsageError('the webhook URL must not contain credentials (user:password@)');
  }
  if (values['pin-file'] !== undefined && !positionals.includes('uptrends')) {
    throw new UsageError('--pin-file adds pins to the uptrends target; to check a pin file by itself, pass it as a TARGET');
  }
  const passwordEnv = envName('--password-env', values['password-env']);
  const password = passwordEnv === undefined ? undefined : io.env[passwordEnv];

  const report = await checkExpiry(positionals, {
    cwd: io.cwd,
    warnDays,
    criticalDays,
    now: () => now,
    timeoutMs: timeoutSeconds * 1000,
    ...(password === undefined ? {} : { password }),
    ...(passwordEnv === undefined ? {} : { passwordSource: `$${passwordEnv}` }),
    ...(passwordEnv !== undefined && password === undefined ? { passwordProblem: `--password-env ${passwordEnv}: the environment variable ${passwordEnv} is not set` } : {}),
    named: { uptrends: () => uptrendsItems(values['pin-file'], io.cwd, now) },
  });

  let webhook: WebhookResult | undefined;
  if (webhookUrl !== undefined && shouldNotify(report)) {
    webhook = await sendExpiryWebhook(report, { url: webhookUrl, timeoutMs: timeoutSeconds * 1000, retries: Number(retriesText) });
  }
  let textfileError: string | undefined;
  if (values.prometheus !== undefined) {
    try {
      await writeExpiryTextfile(path.resolve(io.cwd, values.prometheus), report, webhook === undefined ? {} : { webhook });
    } catch (error) {
      textfileError = `cannot write --prometheus ${values.prometheus}: ${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error))}`;
    }
  }

  if (values.json === true) {
    const out: Record<string, unknown> = expiryReportJson(report);
    if (webhookUrl !== undefined) out['webhook'] = webhook === undefined ? { sent: false, reason: 'all OK' } : { sent: true, ...webhook };
    if (values.prometheus !== undefined) out['prometheus'] = { file: values.prometheus, written: textfileError === undefined, ...(textfileError === undefined ? {} : { error: textfileError }) };
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout.write(formatExpiryText(report, styleFor(io.stdout, io.env)));
  }
  if (webhook !== undefined) {
    if (webhook.delivered) {
      if (values.json !== true) io.stderr.write(`webhook: delivered to ${webhook.origin} (HTTP ${webhook.status ?? '?'}, ${webhook.attempts} attempt${webhook.attempts === 1 ? '' : 's'})\n`);
    } else {
      io.stderr.write(`certgate expiry: webhook NOT delivered to ${webhook.origin} after ${webhook.attempts} attempt${webhook.attempts === 1 ? '' : 's'}: ${webhook.error ?? 'unknown error'} (the certificate status above stands; exit ${report.exitCode})\n`);
    }
  }
  if (textfileError !== undefined) io.stderr.write(`certgate expiry: ${textfileError} (the certificate status above stands; exit ${report.exitCode})\n`);
  return report.exitCode;
}

const command: Command = {
  summary: 'when certificates and pins expire, for cron and monitoring (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)',
  help,
  async run(argv, io) {
    // Usage errors are UNKNOWN (3), not the CLI's usual 2, which would read as CRITICAL here.
    try {
      return await run(argv, io);
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr.write(`certgate expiry: ${error.message}\n\nRun \`certgate expiry --help\` for usage.\n`);
        return MONITORING_EXIT.UNKNOWN;
      }
      if (isClientCertError(error)) {
        io.stderr.write(`certgate expiry: ${error.code}: ${error.message}\n`);
        return MONITORING_EXIT.UNKNOWN;
      }
      throw error;
    }
  },
};

export default command;
