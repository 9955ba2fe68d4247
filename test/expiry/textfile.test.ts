import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildExpiryReport } from '../../src/expiry/report.js';
import type { TargetResult } from '../../src/expiry/targets.js';
import { escapeLabelValue, renderExpiryTextfile, writeExpiryTextfile } from '../../src/expiry/textfile.js';
import { DAY, NOW, tempDir } from '../helpers/expiry.js';

const item = (label: string, offset: number | undefined, extra: Partial<TargetResult['items'][number]> = {}): TargetResult['items'][number] => ({
  kind: 'certificate',
  label,
  source: '/etc/certs/a.pem',
  subject: `CN=${label}`,
  issuer: 'CN=CA',
  serial: '0A',
  sha256: undefined,
  notAfter: offset === undefined ? undefined : new Date(NOW + offset),
  endInclusive: false,
  ...extra,
});

const results: TargetResult[] = [
  {
    target: '/etc/certs',
    items: [
      item('ok', 90 * DAY),
      item('soon', 10 * DAY),
      item('gone', -2 * DAY),
      // A hostile label: quotes, a backslash, a newline.
      item('evil"\\\nname', 3 * DAY),
      // The same label, serial and source twice: must not become a duplicate series.
      item('ok', 90 * DAY),
      item('forever', undefined, { kind: 'pin', serial: undefined }),
    ],
    failures: [{ source: '/etc/certs/broken.pem', code: 'CERT_MALFORMED', message: 'broken' }],
  },
];
const report = buildExpiryReport(results, { warnDays: 30, criticalDays: 7 }, NOW);
const text = renderExpiryTextfile(report, { webhook: { delivered: false, attempts: 3, status: 503, error: 'x', origin: 'http://127.0.0.1' } });

/** The text exposition format, line by line (what node_exporter's parser requires of a textfile). */
function checkExposition(content: string): string[] {
  const problems: string[] = [];
  const typed = new Map<string, string>();
  const series = new Set<string>();
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const labelValue = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sample = new RegExp(`^(${name})(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${labelValue})(?:,[a-zA-Z_][a-zA-Z0-9_]*=${labelValue})*\\})? (-?[0-9]+(?:\\.[0-9]+)?(?:e[+-]?[0-9]+)?|NaN|[+-]Inf)$`);
  if (!content.endsWith('\n')) problems.push('no final newline');
  for (const line of content.slice(0, -1).split('\n')) {
    const help = new RegExp(`^# HELP (${name}) .+$`).exec(line);
    const type = new RegExp(`^# TYPE (${name}) (gauge|counter|untyped)$`).exec(line);
    if (help !== null) continue;
    if (type !== null) {
      if (typed.has(type[1] as string)) problems.push(`TYPE twice for ${type[1]}`);
      typed.set(type[1] as string, type[2] as string);
      continue;
    }
    const m = sample.exec(line);
    if (m === null) {
      problems.push(`not a sample line: ${line}`);
      continue;
    }
    if (!typed.has(m[1] as string)) problems.push(`sample before its TYPE: ${m[1]}`);
    const key = `${m[1]}${m[2] ?? ''}`;
    if (series.has(key)) problems.push(`duplicate series ${key}`);
    series.add(key);
  }
  return problems;
}

describe('renderExpiryTextfile', () => {
  it('follows the text exposition format: escaped labels, one TYPE per family, no duplicate series', () => {
    expect(checkExposition(text)).toEqual([]);
    expect(text).toContain('label="evil\\"\\\\\\nname"');
    expect(text).toContain('label="ok #2"');
  });

  it('carries seconds remaining, notAfter, per-entry status, the exit code, thresholds and the webhook outcome', () => {
    const line = (prefix: string): string | undefined => text.split('\n').find((l) => l.startsWith(prefix));
    expect(line('certgate_expiry_seconds_remaining{target="/etc/certs",source="/etc/certs/a.pem",kind="certificate",label="gone"')).toMatch(/ -172800$/);
    expect(line('certgate_expiry_not_after_timestamp_seconds{target="/etc/certs",source="/etc/certs/a.pem",kind="certificate",label="soon"')).toMatch(new RegExp(` ${(NOW + 10 * DAY) / 1000}$`));
    expect(line('certgate_expiry_status{target="/etc/certs",source="/etc/certs/broken.pem",kind="target"')).toMatch(/ 3$/);
    expect(line('certgate_expiry_status{target="/etc/certs",source="/etc/certs/a.pem",kind="certificate",label="gone"')).toMatch(/ 2$/);
    expect(line('certgate_expiry_status{target="/etc/certs",source="/etc/certs/a.pem",kind="certificate",label="soon"')).toMatch(/ 1$/);
    expect(line('certgate_expiry_exit_code ')).toBe('certgate_expiry_exit_code 2');
    expect(line('certgate_expiry_warning_threshold_seconds ')).toBe('certgate_expiry_warning_threshold_seconds 2592000');
    expect(line('certgate_expiry_webhook_delivered ')).toBe('certgate_expiry_webhook_delivered 0');
    expect(line('certgate_expiry_webhook_attempts ')).toBe('certgate_expiry_webhook_attempts 3');
    // A pin without an end date has a status but no seconds remaining.
    expect(text).toMatch(/certgate_expiry_status\{[^}]*label="forever"[^}]*\} 0/);
    expect(text).not.toMatch(/certgate_expiry_seconds_remaining\{[^}]*label="forever"/);
  });

  it('cuts very long label values', () => {
    expect(escapeLabelValue('x'.repeat(1000)).length).toBeLessThan(210);
  });

  it('is accepted by promtool check metrics (the Debian prometheus package)', () => {
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (promtool === undefined) {
      if (process.env['CERTGATE_SKIP_PROMTOOL'] === '1') return;
      throw new Error('promtool not found: install the Debian package `prometheus` (apt-get install prometheus; .ci/run does) or set CERTGATE_SKIP_PROMTOOL=1');
    }
    const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });
});

describe('writeExpiryTextfile', () => {
  it('replaces the file atomically: no temporary file left, content complete', async () => {
    const dir = tempDir();
    const file = join(dir, 'certgate.prom');
    await writeExpiryTextfile(file, report);
    await writeExpiryTextfile(file, report);
    expect(readdirSync(dir)).toEqual(['certgate.prom']);
    expect(readFileSync(file, 'utf8')).toBe(renderExpiryTextfile(report));
  });
});
