import { describe, expect, it } from 'vitest';
import { checkThresholds, classifyExpiry, monitoringStatus, worstStatus } from '../../src/expiry/status.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const T = { warnDays: 30, criticalDays: 7 };
const at = (ms: number): Date => new Date(NOW + ms);

describe('classifyExpiry', () => {
  it.each([
    ['40 days left', 40 * DAY, 'OK', 40],
    ['exactly 30 days left', 30 * DAY, 'OK', 30],
    ['one second under 30 days', 30 * DAY - 1000, 'WARNING', 29],
    ['exactly 7 days left', 7 * DAY, 'WARNING', 7],
    ['one second under 7 days', 7 * DAY - 1000, 'CRITICAL', 6],
    ['one second left', 1000, 'CRITICAL', 0],
    ['the notAfter second itself (a certificate)', 0, 'EXPIRED', 0],
    ['a day past', -DAY, 'EXPIRED', -1],
  ] as const)('%s: %s', (_name, offset, status, days) => {
    const c = classifyExpiry(at(offset), NOW, T);
    expect([c.status, c.daysRemaining]).toEqual([status, days]);
    expect(c.secondsRemaining).toBe(Math.floor(offset / 1000));
  });

  it('a pin window still matches at its notAfter instant (inclusive end), a certificate does not', () => {
    expect(classifyExpiry(at(0), NOW, T, true).status).toBe('CRITICAL');
    expect(classifyExpiry(at(-1), NOW, T, true).status).toBe('EXPIRED');
    expect(classifyExpiry(at(0), NOW, T, false).status).toBe('EXPIRED');
  });

  it('thresholds of 0 only ever say OK or EXPIRED', () => {
    expect(classifyExpiry(at(1000), NOW, { warnDays: 0, criticalDays: 0 }).status).toBe('OK');
  });
});

describe('checkThresholds', () => {
  it.each([
    [{ warnDays: 7, criticalDays: 30 }, /criticalDays \(30\) must not be greater than warnDays \(7\)/],
    [{ warnDays: -1, criticalDays: 0 }, /warnDays must be an integer from 0 to 3650/],
    [{ warnDays: 1.5, criticalDays: 0 }, /warnDays must be an integer/],
    [{ warnDays: 30, criticalDays: Number.NaN }, /criticalDays must be an integer/],
    [{ warnDays: 4000, criticalDays: 7 }, /from 0 to 3650/],
  ])('refuses %o', (t, message) => {
    expect(() => checkThresholds(t)).toThrow(message);
  });
});

describe('worstStatus', () => {
  it.each([
    [['OK', 'OK'], 'OK'],
    [['OK', 'WARNING'], 'WARNING'],
    [['WARNING', 'UNKNOWN'], 'UNKNOWN'],
    [['UNKNOWN', 'CRITICAL'], 'CRITICAL'],
    [['UNKNOWN', 'EXPIRED', 'WARNING'], 'CRITICAL'],
    [[], 'UNKNOWN'],
  ] as const)('%o -> %s', (statuses, expected) => {
    expect(worstStatus(statuses)).toBe(expected);
  });

  it('EXPIRED is CRITICAL in monitoring terms', () => {
    expect(monitoringStatus('EXPIRED')).toBe('CRITICAL');
  });
});
