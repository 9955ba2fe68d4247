/**
 * The expiry report: every item of every target classified at one instant, the overall
 * monitoring verdict, and its renderings (a human table, JSON).
 */
import { formatTable, type Palette } from '../util/table.js';
import type { ClientCertErrorCode } from '../errors.js';
import { checkThresholds, classifyExpiry, MONITORING_EXIT, worstStatus, type EntryStatus, type ExpiryThresholds, type MonitoringStatus } from './status.js';
import type { ExpiryItem, ExpiryItemKind, TargetResult } from './targets.js';

/** One line of the report: a classified item, or an unreadable target/file (status UNKNOWN). */
export interface ExpiryEntry extends Omit<ExpiryItem, 'kind' | 'endInclusive' | 'note' | 'counted'> {
  /** The target as given on the command line. */
  readonly target: string;
  /** 'target' for an unreadable target or file. */
  readonly kind: ExpiryItemKind | 'target';
  /** Whole days until notAfter (negative once past); undefined without an end date. */
  readonly daysRemaining: number | undefined;
  readonly secondsRemaining: number | undefined;
  readonly status: EntryStatus;
  /** Whether the entry counts toward the overall status. */
  readonly counted: boolean;
  /** Error code of an UNKNOWN entry. */
  readonly code: ClientCertErrorCode | undefined;
  /** Why an entry is UNKNOWN, or a remark. */
  readonly message: string | undefined;
}

/** The result of an expiry check. */
export interface ExpiryReport {
  readonly checkedAt: Date;
  readonly thresholds: ExpiryThresholds;
  readonly entries: readonly ExpiryEntry[];
  /** The most severe counted entry (CRITICAL > UNKNOWN > WARNING > OK); UNKNOWN when nothing was checked. */
  readonly status: MonitoringStatus;
  /** The monitoring-plugin exit code of `status`: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
  readonly exitCode: 0 | 1 | 2 | 3;
  /** Number of entries per status. */
  readonly counts: Readonly<Record<EntryStatus, number>>;
}

/** Classifies every item of `results` at `now`. */
export function buildExpiryReport(results: readonly TargetResult[], thresholds: ExpiryThresholds, now: number): ExpiryReport {
  const t = checkThresholds(thresholds);
  const entries: ExpiryEntry[] = [];
  for (const result of results) {
    for (const item of result.items) {
      const c = item.notAfter === undefined ? undefined : classifyExpiry(item.notAfter, now, t, item.endInclusive);
      entries.push({
        target: result.target,
        kind: item.kind,
        label: item.label,
        source: item.source,
        subject: item.subject,
        issuer: item.issuer,
        serial: item.serial,
        sha256: item.sha256,
        notAfter: item.notAfter,
        daysRemaining: c?.daysRemaining,
        secondsRemaining: c?.secondsRemaining,
        status: c?.status ?? 'OK',
        counted: item.counted !== false,
        code: undefined,
        message: item.note,
      });
    }
    for (const failure of result.failures) {
      entries.push({
        target: result.target,
        kind: 'target',
        label: failure.source,
        source: failure.source,
        subject: undefined,
        issuer: undefined,
        serial: undefined,
        sha256: undefined,
        notAfter: undefined,
        daysRemaining: undefined,
        secondsRemaining: undefined,
        status: 'UNKNOWN',
        counted: true,
        code: failure.code,
        message: failure.message,
      });
    }
  }
  const counts: Record<EntryStatus, number> = { OK: 0, WARNING: 0, CRITICAL: 0, EXPIRED: 0, UNKNOWN: 0 };
  for (const e of entries) counts[e.status] += 1;
  const status = worstStatus(entries.filter((e) => e.counted).map((e) => e.status));
  return Object.freeze({ checkedAt: new Date(now), thresholds: t, entries: Object.freeze(entries), status, exitCode: MONITORING_EXIT[status], counts: Object.freeze(counts) });
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** The one-line summary monitoring systems show (first line of the text output). */
export function summaryLine(report: ExpiryReport): string {
  const c = report.counts;
  const parts = [
    c.EXPIRED > 0 ? `${c.EXPIRED} expired` : undefined,
    c.CRITICAL > 0 ? `${c.CRITICAL} critical` : undefined,
    c.WARNING > 0 ? `${c.WARNING} warning` : undefined,
    c.UNKNOWN > 0 ? `${c.UNKNOWN} unreadable` : undefined,
    `${c.OK} ok`,
  ].filter((p) => p !== undefined);
  const total = report.entries.length - c.UNKNOWN;
  return `CERTGATE EXPIRY ${report.status} - ${parts.join(', ')} (${total} checked; warn < ${report.thresholds.warnDays} d, critical < ${report.thresholds.criticalDays} d)`;
}

function daysText(e: ExpiryEntry): string {
  if (e.daysRemaining === undefined) return '-';
  return String(e.daysRemaining);
}

/**
 * The human report: the summary line, a table, then the reasons for UNKNOWN entries. `palette`
 * colours the header and the status column (the CLI passes terminal colours on a TTY).
 */
export function formatExpiryText(report: ExpiryReport, palette?: Palette): string {
  const rows = report.entries.map((e) => [
    e.status === 'UNKNOWN' ? 'UNKNOWN' : e.counted ? e.status : `${e.status}*`,
    daysText(e),
    e.notAfter === undefined ? '-' : isoSeconds(e.notAfter),
    e.kind,
    e.label,
    e.serial ?? '-',
    e.source,
  ]);
  const lines = [summaryLine(report), '', formatTable(['STATUS', 'DAYS', 'NOT AFTER', 'KIND', 'LABEL', 'SERIAL', 'SOURCE'], rows, {
    maxCell: 80,
    ...(palette === undefined
      ? {}
      : {
          paint: (text: string, column: number, row: number): string => {
            if (row < 0) return palette.bold(text);
            if (column !== 0) return text;
            return text.startsWith('OK') ? palette.green(text) : text.startsWith('WARNING') ? palette.yellow(text) : palette.red(text);
          },
        }),
  }).trimEnd()];
  const notes = report.entries.filter((e) => e.message !== undefined);
  if (notes.length > 0) {
    lines.push('');
    for (const e of notes) lines.push(`${e.status === 'UNKNOWN' ? `UNKNOWN ${e.code ?? ''}` : `note (${e.label})`}: ${e.message ?? ''}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' '));
  }
  if (report.entries.some((e) => !e.counted)) lines.push('* not counted in the overall status');
  return `${lines.join('\n')}\n`;
}

/** The report as JSON-ready data (dates as ISO strings). */
export function expiryReportJson(report: ExpiryReport): Record<string, unknown> {
  return {
    status: report.status,
    exitCode: report.exitCode,
    checkedAt: report.checkedAt.toISOString(),
    thresholds: report.thresholds,
    counts: report.counts,
    entries: report.entries.map((e) => ({
      status: e.status,
      counted: e.counted,
      kind: e.kind,
      label: e.label,
      target: e.target,
      source: e.source,
      subject: e.subject,
      issuer: e.issuer,
      serial: e.serial,
      sha256: e.sha256,
      notAfter: e.notAfter?.toISOString(),
      daysRemaining: e.daysRemaining,
      secondsRemaining: e.secondsRemaining,
      code: e.code,
      message: e.message,
    })),
  };
}
