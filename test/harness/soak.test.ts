/**
 * A few seconds of the soak (npm run soak runs it for minutes): real mTLS servers with the real
 * middleware under mixed load and faults; every answer as expected, no 5xx, sockets back to zero.
 */
import { describe, expect, it } from 'vitest';
import { formatSoakReport, runSoak } from '../../src/harness/soak.js';

describe('soak (short)', () => {
  it('answers every request as expected under load, aborted connections, config churn and a throwing logger', async () => {
    const report = await runSoak({ durationMs: 3000, concurrency: 4, seed: 9 });
    const text = formatSoakReport(report);
    expect(report.violations, text).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.requests).toBeGreaterThan(0);
    expect(Object.keys(report.byCode).some((code) => code.startsWith('HTTP 5'))).toBe(false);
    expect(report.sockets.openAtEnd).toBe(0);
    expect(report.sockets.handlesAfter).toBeLessThanOrEqual(report.sockets.handlesBefore);
    expect(report.configFaults.injected).toBeGreaterThan(0);
    expect(report.logger.throws).toBeGreaterThan(0);
    expect(text).toMatch(/soak: PASS/);
  });

  it('a missing test PKI is an error before any load, not a silent pass', async () => {
    await expect(runSoak({ durationMs: 100, pkiDir: 'fixtures/no-such-pki' })).rejects.toThrow();
  });
});
