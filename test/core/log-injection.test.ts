/**
 * Client-controlled certificate fields (subject, SAN entries) holding newlines, ANSI escapes and
 * bidi controls must not forge log lines or reach a terminal raw, through the built-in logger and
 * pino alike, nor come back raw in a problem+json body.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import { createJsonLogger, type GateLogger } from '../../src/core/logger.js';
import { problemFor } from '../../src/core/problem.js';
import type { Verdict } from '../../src/core/types.js';
import { AT, makeCert } from '../helpers/signed-pki.js';

const HOSTILE = 'evil\n{"level":50,"msg":"forged"}\r\u001b[31mRED\u001b[0m\u202eevil\u2028x\u0000';
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

function lines(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

const root = makeCert({ subject: 'Log Root', ca: true });
const otherRoot = makeCert({ subject: 'Other Root', ca: true });
const leaf = makeCert({ subject: [['2.5.4.3', HOSTILE], ['2.5.4.10', HOSTILE]], issuer: root, san: [{ dns: 'ok.example' }], notAfter: new Date(AT.getTime() + 5 * 86_400_000) });

function loggers(): Array<[string, GateLogger, () => string]> {
  const a = lines();
  const b = lines();
  return [
    ['built-in JSON logger', createJsonLogger({ level: 'info', stream: { write: (l: string) => a.stream.write(l) } }), a.text],
    ['pino', pino({ level: 'info' }, b.stream) as unknown as GateLogger, b.text],
  ];
}

describe('hostile certificate fields in logs and responses', () => {
  it.each(loggers())('%s: one line per event, no raw control or bidi characters', async (_name, logger, text) => {
    // Rejected (untrusted: the subject is in the rejection log) and accepted inside the expiry
    // warning window (the subject is in the warning).
    const rejecting = new ClientCertGate({ trustAnchors: otherRoot.pem, logger, now: () => AT.getTime() });
    const accepting = new ClientCertGate({ trustAnchors: root.pem, logger, now: () => AT.getTime(), expiryWarningDays: 30 });
    const rejected: Verdict = await rejecting.checkCertificates(leaf.pem);
    const accepted: Verdict = await accepting.checkCertificates(leaf.pem);
    expect(rejected.ok).toBe(false);
    expect(accepted.outcome).toBe('accepted');
    await new Promise((resolve) => setImmediate(resolve));
    const out = text();
    const logged = out.split('\n').filter((l) => l !== '');
    expect(logged.length).toBeGreaterThanOrEqual(2);
    for (const line of logged) {
      const record = JSON.parse(line) as Record<string, unknown>; // every line is one whole JSON object
      expect(line).not.toMatch(RAW_UNSAFE);
      expect(record['msg']).not.toBe('forged');
    }
    expect(out).toMatch(/certgate\.rejected/);
    expect(out).toMatch(/certgate\.expiring_soon/);
    // The subject is there, escaped.
    expect(out).toContain('evil\\\\0A');
  });

  it('problem+json never carries a raw control or bidi character, whatever the message holds', () => {
    const body = JSON.stringify(problemFor({ code: 'CHAIN_UNTRUSTED', message: `leaf certificate "${HOSTILE}"` }));
    expect(body).not.toMatch(RAW_UNSAFE);
    expect(JSON.parse(body).detail).not.toMatch(RAW_UNSAFE);
  });

  it('the summary handed to the application escapes the subject (RFC 4514 hex escapes)', async () => {
    const gate = new ClientCertGate({ trustAnchors: root.pem, logger: createJsonLogger({ level: 'silent' }), now: () => AT.getTime() });
    const verdict = await gate.checkCertificates(leaf.pem);
    expect(verdict.outcome === 'accepted' && verdict.certificate.subject).not.toMatch(RAW_UNSAFE);
  });
});
