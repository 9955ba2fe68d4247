/**
 * certgate/expiry: expiry checks of certificates, archives, pin and identities files and TLS
 * endpoints, with a human or JSON report, a Prometheus textfile and a webhook. The library behind
 * `certgate expiry` (docs/expiry.md).
 *
 *     const report = await checkExpiry(['/etc/ssl/client.pem', 'tls://127.0.0.1:8443'], { warnDays: 30, criticalDays: 7 });
 *     process.exitCode = report.exitCode;   // 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
 */
import { buildExpiryReport, type ExpiryReport } from './report.js';
import { DEFAULT_CRITICAL_DAYS, DEFAULT_WARN_DAYS, checkThresholds } from './status.js';
import { loadTarget, type LoadTargetOptions } from './targets.js';

/** Options of `checkExpiry`. */
export interface CheckExpiryOptions extends LoadTargetOptions {
  /** WARNING when fewer than this many days remain (default 30). */
  readonly warnDays?: number;
  /** CRITICAL when fewer than this many days remain (default 7). Expired is always CRITICAL. */
  readonly criticalDays?: number;
  /** The clock (for tests and planning): a Date or ms since epoch. Default `Date.now`. */
  readonly now?: () => Date | number;
}

/**
 * Loads every target (concurrently) and classifies what it holds at one instant.
 *
 * @throws TypeError for bad thresholds; never for a bad target (that is an UNKNOWN entry).
 */
export async function checkExpiry(targets: readonly string[], options: CheckExpiryOptions = {}): Promise<ExpiryReport> {
  const thresholds = checkThresholds({ warnDays: options.warnDays ?? DEFAULT_WARN_DAYS, criticalDays: options.criticalDays ?? DEFAULT_CRITICAL_DAYS });
  const results = await Promise.all(targets.map((t) => loadTarget(t, options)));
  const t = options.now?.() ?? Date.now();
  const now = t instanceof Date ? t.getTime() : t;
  if (!Number.isFinite(now)) throw new TypeError('certgate: the clock ("now") returned an invalid time');
  return buildExpiryReport(results, thresholds, now);
}

export { buildExpiryReport, expiryReportJson, formatExpiryText, summaryLine } from './report.js';
export type { ExpiryEntry, ExpiryReport } from './report.js';
export {
  checkThresholds,
  classifyExpiry,
  DEFAULT_CRITICAL_DAYS,
  DEFAULT_WARN_DAYS,
  MONITORING_EXIT,
  monitoringStatus,
  worstStatus,
} from './status.js';
export type { EntryStatus, ExpiryClassification, ExpiryStatus, ExpiryThresholds, MonitoringStatus } from './status.js';
export { certificateItem, identityItems, loadTarget, parseTlsTarget, pinItem, CERTIFICATE_FILE_EXTENSIONS } from './targets.js';
export type { ExpiryItem, ExpiryItemKind, LoadTargetOptions, TargetFailure, TargetResult } from './targets.js';
export { renderExpiryTextfile, writeExpiryTextfile } from './textfile.js';
export { postJsonWithRetries, sendExpiryWebhook, shouldNotify, webhookPayload } from './webhook.js';
export type { WebhookOptions, WebhookResult } from './webhook.js';
