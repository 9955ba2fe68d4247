/**
 * Webhook delivery of an expiry report: a JSON summary POSTed when something is WARNING or worse
 * (UNKNOWN included: an unreadable certificate file is something to hear about), with a
 * Slack-compatible `text` field so a Slack, Mattermost, Rocket.Chat or Teams-workflow incoming
 * webhook shows it as is. Bounded: a timeout per attempt, a few retries with backoff for
 * failures that may pass (connection errors, timeouts, HTTP 5xx and 429), none for other 4xx.
 * Delivery never changes the report; its outcome is returned for the caller to show.
 */
import { hostname } from 'node:os';
import { FetchError, postWithLimits } from '../util/http-fetch.js';
import type { ExpiryEntry, ExpiryReport } from './report.js';

/** Most entries listed in the `text` field (the rest are counted). */
export const WEBHOOK_MAX_LINES = 20;
/** Most entries in the `entries` array of the payload. */
export const WEBHOOK_MAX_ENTRIES = 200;

/** Where and how `sendExpiryWebhook` delivers its JSON summary. */
export interface WebhookOptions {
  /** http or https URL (credentials in the URL are refused; secrets in the path are fine and never printed). */
  readonly url: string;
  /** Deadline of one attempt (ms, default 10 000). */
  readonly timeoutMs?: number;
  /** Retries after a failed attempt (default 2, at most 10). */
  readonly retries?: number;
  /** Delay before the first retry, doubled for each next one (ms, default 1000). */
  readonly retryDelayMs?: number;
  /** Extra request headers (e.g. an Authorization header). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** How a delivery went. */
export interface WebhookResult {
  readonly delivered: boolean;
  /** Attempts made (1 + retries used). */
  readonly attempts: number;
  /** HTTP status of the last answer, if any. */
  readonly status: number | undefined;
  /** Why the last attempt failed, when not delivered (names the URL's origin only). */
  readonly error: string | undefined;
  /** The URL's origin (the path of a webhook URL is a secret). */
  readonly origin: string;
}

/** True when a report warrants a webhook: anything but OK. */
export function shouldNotify(report: ExpiryReport): boolean {
  return report.status !== 'OK';
}

function entryLine(e: ExpiryEntry): string {
  const label = e.label.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 200);
  if (e.status === 'UNKNOWN') return `• UNKNOWN ${label}: ${(e.message ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 300)}`;
  const when = e.notAfter === undefined ? 'no end date' : e.notAfter.toISOString().replace(/\.000Z$/, 'Z');
  const days = e.daysRemaining === undefined ? '' : e.daysRemaining < 0 ? `, ${-e.daysRemaining} days ago` : `, ${e.daysRemaining} days left`;
  return `• ${e.status} ${e.kind} ${label}${e.serial === undefined ? '' : ` (serial ${e.serial})`}: notAfter ${when}${days}`;
}

/** The JSON body sent: `text` for chat webhooks, structured fields for everything else. */
export function webhookPayload(report: ExpiryReport, host = hostname()): Record<string, unknown> {
  const problems = report.entries.filter((e) => e.status !== 'OK' && e.counted);
  const lines = problems.slice(0, WEBHOOK_MAX_LINES).map(entryLine);
  if (problems.length > WEBHOOK_MAX_LINES) lines.push(`… and ${problems.length - WEBHOOK_MAX_LINES} more`);
  const c = report.counts;
  const head = `certgate expiry on ${host}: ${report.status} (${c.EXPIRED} expired, ${c.CRITICAL} critical, ${c.WARNING} warning, ${c.UNKNOWN} unreadable, ${c.OK} ok)`;
  return {
    text: [head, ...lines].join('\n'),
    status: report.status,
    exitCode: report.exitCode,
    host,
    checkedAt: report.checkedAt.toISOString(),
    thresholds: report.thresholds,
    counts: report.counts,
    entries: problems.slice(0, WEBHOOK_MAX_ENTRIES).map((e) => ({
      status: e.status,
      kind: e.kind,
      label: e.label,
      source: e.source,
      subject: e.subject,
      serial: e.serial,
      notAfter: e.notAfter?.toISOString(),
      daysRemaining: e.daysRemaining,
      code: e.code,
      message: e.message,
    })),
  };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Checks webhook options once.
 *
 * @throws TypeError naming the bad option.
 */
export function checkWebhookOptions(options: WebhookOptions): Required<Omit<WebhookOptions, 'headers'>> & Pick<WebhookOptions, 'headers'> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError('certgate: the webhook URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`certgate: the webhook URL must be http or https, found "${url.protocol}"`);
  if (url.username !== '' || url.password !== '') throw new TypeError('certgate: the webhook URL must not contain credentials (user:password@); use a header');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > 300_000) throw new TypeError(`certgate: the webhook timeout must be 1 to 300000 ms, found ${String(timeoutMs)}`);
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) throw new TypeError(`certgate: webhook retries must be an integer from 0 to 10, found ${String(retries)}`);
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0 || retryDelayMs > 60_000) throw new TypeError(`certgate: the webhook retry delay must be 0 to 60000 ms, found ${String(retryDelayMs)}`);
  return { url: options.url, timeoutMs, retries, retryDelayMs, headers: options.headers };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs `payload` as JSON with retries. Never throws (after option checks). */
export async function postJsonWithRetries(payload: unknown, options: WebhookOptions): Promise<WebhookResult> {
  const o = checkWebhookOptions(options);
  const body = JSON.stringify(payload);
  const origin = originOf(o.url);
  let attempts = 0;
  let status: number | undefined;
  let error: string | undefined;
  for (;;) {
    attempts += 1;
    try {
      const response = await postWithLimits(o.url, body, { timeoutMs: o.timeoutMs, headers: { 'content-type': 'application/json', 'user-agent': 'certgate-expiry', ...o.headers } });
      return { delivered: true, attempts, status: response.status, error: undefined, origin };
    } catch (e) {
      status = e instanceof FetchError ? e.status : undefined;
      error = e instanceof Error ? e.message : String(e);
      // A 4xx other than 429 will not change on retry (wrong URL, revoked hook, bad payload).
      const permanent = status !== undefined && status >= 400 && status < 500 && status !== 429;
      if (permanent || attempts > o.retries) return { delivered: false, attempts, status, error, origin };
      await sleep(o.retryDelayMs * 2 ** (attempts - 1));
    }
  }
}

/** Sends the report's webhook payload (see `webhookPayload`). */
export function sendExpiryWebhook(report: ExpiryReport, options: WebhookOptions): Promise<WebhookResult> {
  return postJsonWithRetries(webhookPayload(report), options);
}
