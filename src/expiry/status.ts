/**
 * The expiry model: from a certificate's (or a pin's) end of validity, the thresholds and a clock
 * to a status, and from many statuses to one monitoring-plugin verdict.
 *
 * Monitoring-plugin convention (Nagios, Icinga, Sensu, Zabbix agents): exit 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN. Expired counts as CRITICAL. When several items disagree the most severe
 * wins, in the order CRITICAL > UNKNOWN > WARNING > OK (Icinga's severity order): an expired
 * certificate is never masked by an unreadable one, and an unreadable one never by a warning.
 */

const DAY = 86_400_000;

/** The status of one certificate or pin. */
export type ExpiryStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'EXPIRED';

/** The status of one report entry: an item's status, or UNKNOWN for a target that could not be read. */
export type EntryStatus = ExpiryStatus | 'UNKNOWN';

/** The overall verdict, in monitoring-plugin terms. */
export type MonitoringStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** Monitoring-plugin exit codes. */
export const MONITORING_EXIT = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const satisfies Record<MonitoringStatus, number>;

/** Thresholds in whole days: WARNING when less than `warnDays` remain, CRITICAL when less than `criticalDays`. */
export interface ExpiryThresholds {
  readonly warnDays: number;
  readonly criticalDays: number;
}

/** WARNING below this many whole days remaining (`--warn-days`). */
export const DEFAULT_WARN_DAYS = 30;
/** CRITICAL below this many whole days remaining (`--critical-days`). */
export const DEFAULT_CRITICAL_DAYS = 7;
/** Largest threshold accepted (ten years). */
export const MAX_THRESHOLD_DAYS = 3650;

/**
 * Checks thresholds once: integers from 0 to 3650, critical not above warn.
 *
 * @throws TypeError naming the bad value.
 */
export function checkThresholds(thresholds: ExpiryThresholds): ExpiryThresholds {
  const { warnDays, criticalDays } = thresholds;
  for (const [name, value] of [['warnDays', warnDays], ['criticalDays', criticalDays]] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_THRESHOLD_DAYS) {
      throw new TypeError(`certgate: ${name} must be an integer from 0 to ${MAX_THRESHOLD_DAYS}, found ${String(value)}`);
    }
  }
  if (criticalDays > warnDays) {
    throw new TypeError(`certgate: criticalDays (${criticalDays}) must not be greater than warnDays (${warnDays})`);
  }
  return Object.freeze({ warnDays, criticalDays });
}

/** The status of an end of validity at `now`. */
export interface ExpiryClassification {
  readonly status: ExpiryStatus;
  /** Whole days until the end (floor; negative once past, -1 on the day after). */
  readonly daysRemaining: number;
  /** Seconds until the end (negative once past). */
  readonly secondsRemaining: number;
}

/**
 * Classifies an end of validity.
 *
 * `endInclusive` says how the end instant itself counts: a certificate's notAfter second is
 * already expired (`false`, as OpenSSL and certgate's validator treat it), a pin's notAfter is the
 * last instant it matches (`true`, see src/verify/pins.ts).
 */
export function classifyExpiry(notAfter: Date, now: number, thresholds: ExpiryThresholds, endInclusive = false): ExpiryClassification {
  const end = notAfter.getTime();
  const remaining = end - now;
  const daysRemaining = Math.floor(remaining / DAY);
  const secondsRemaining = Math.floor(remaining / 1000);
  const expired = endInclusive ? now > end : now >= end;
  let status: ExpiryStatus = 'OK';
  if (expired) status = 'EXPIRED';
  else if (remaining < thresholds.criticalDays * DAY) status = 'CRITICAL';
  else if (remaining < thresholds.warnDays * DAY) status = 'WARNING';
  return { status, daysRemaining, secondsRemaining };
}

const SEVERITY: Readonly<Record<EntryStatus, number>> = { OK: 0, WARNING: 1, UNKNOWN: 2, CRITICAL: 3, EXPIRED: 4 };

/** The monitoring verdict of one entry status (EXPIRED is CRITICAL). */
export function monitoringStatus(status: EntryStatus): MonitoringStatus {
  return status === 'EXPIRED' ? 'CRITICAL' : status;
}

/** The most severe of `statuses` (CRITICAL > UNKNOWN > WARNING > OK); UNKNOWN for an empty list (nothing was checked). */
export function worstStatus(statuses: Iterable<EntryStatus>): MonitoringStatus {
  let worst: EntryStatus | undefined;
  for (const s of statuses) {
    if (worst === undefined || SEVERITY[s] > SEVERITY[worst]) worst = s;
  }
  return worst === undefined ? 'UNKNOWN' : monitoringStatus(worst);
}
