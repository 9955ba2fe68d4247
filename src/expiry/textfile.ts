/**
 * Prometheus text exposition of an expiry report, for node_exporter's textfile collector
 * (`--collector.textfile.directory`): one file, replaced atomically so the collector never reads
 * half of it. Metric names are distinct from the live middleware metrics (certgate/prometheus).
 */
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ExpiryReport } from './report.js';
import { MONITORING_EXIT, monitoringStatus } from './status.js';
import type { WebhookResult } from './webhook.js';

/** Label values longer than this are cut (a hostile subject must not blow up a scrape). */
const MAX_LABEL_VALUE = 200;

/** Escapes a label value per the text exposition format: backslash, double quote, line feed. */
export function escapeLabelValue(value: string): string {
  const cut = value.length > MAX_LABEL_VALUE ? `${value.slice(0, MAX_LABEL_VALUE)}…` : value;
  return cut.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function num(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly samples: Array<{ labels: string; value: number }>;
}

/** The textfile content for `report` (and the webhook outcome, when one was attempted). */
export function renderExpiryTextfile(report: ExpiryReport, extra: { webhook?: WebhookResult } = {}): string {
  const f = (name: string, help: string): Family => ({ name, help, samples: [] });
  const remaining = f('certgate_expiry_seconds_remaining', 'Seconds until the certificate or pin expires (negative once expired).');
  const notAfter = f('certgate_expiry_not_after_timestamp_seconds', 'End of validity of the certificate or pin, as a Unix timestamp.');
  const status = f('certgate_expiry_status', 'Status of each certificate, pin or target: 0 OK, 1 WARNING, 2 CRITICAL or expired, 3 UNKNOWN (unreadable).');
  const overall = f('certgate_expiry_exit_code', 'Overall result of the last check (monitoring-plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).');
  const lastRun = f('certgate_expiry_last_run_timestamp_seconds', 'When the last check ran, as a Unix timestamp.');
  const warn = f('certgate_expiry_warning_threshold_seconds', 'Time before expiry at which a certificate becomes WARNING.');
  const critical = f('certgate_expiry_critical_threshold_seconds', 'Time before expiry at which a certificate becomes CRITICAL.');
  const families = [remaining, notAfter, status, overall, lastRun, warn, critical];

  // Identical label sets are one series: a repeated item (same label, serial and source) gets a suffix.
  const used = new Map<string, number>();
  for (const e of report.entries) {
    const base: Array<[string, string]> = [
      ['target', e.target],
      ['source', e.source],
      ['kind', e.kind],
      ['label', e.label],
      ['serial', e.serial ?? ''],
    ];
    const key = labels(base);
    const n = (used.get(key) ?? 0) + 1;
    used.set(key, n);
    if (n > 1) base[3] = ['label', `${e.label} #${n}`];
    const l = labels(base);
    if (e.notAfter !== undefined && e.secondsRemaining !== undefined) {
      remaining.samples.push({ labels: l, value: e.secondsRemaining });
      notAfter.samples.push({ labels: l, value: Math.floor(e.notAfter.getTime() / 1000) });
    }
    status.samples.push({ labels: l, value: MONITORING_EXIT[monitoringStatus(e.status)] });
  }
  overall.samples.push({ labels: '', value: report.exitCode });
  lastRun.samples.push({ labels: '', value: Math.floor(report.checkedAt.getTime() / 1000) });
  warn.samples.push({ labels: '', value: report.thresholds.warnDays * 86_400 });
  critical.samples.push({ labels: '', value: report.thresholds.criticalDays * 86_400 });
  if (extra.webhook !== undefined) {
    const delivered = f('certgate_expiry_webhook_delivered', 'Whether the last webhook was delivered (1) or not (0).');
    const attempts = f('certgate_expiry_webhook_attempts', 'Attempts made to deliver the last webhook.');
    delivered.samples.push({ labels: '', value: extra.webhook.delivered ? 1 : 0 });
    attempts.samples.push({ labels: '', value: extra.webhook.attempts });
    families.push(delivered, attempts);
  }

  const out: string[] = [];
  for (const family of families) {
    if (family.samples.length === 0) continue;
    out.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} gauge`);
    for (const s of family.samples) out.push(`${family.name}${s.labels} ${num(s.value)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Writes the textfile atomically (temporary file + rename in the same directory). */
export async function writeExpiryTextfile(path: string, report: ExpiryReport, extra: { webhook?: WebhookResult } = {}): Promise<void> {
  await writeFileAtomic(path, renderExpiryTextfile(report, extra));
}
