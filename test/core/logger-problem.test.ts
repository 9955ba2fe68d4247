import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ClientCertGate } from '../../src/core/gate.js';
import { createJsonLogger, safeText } from '../../src/core/logger.js';
import { problemFor, sendProblem, type ProblemResponse } from '../../src/core/problem.js';
import { ClientCertError } from '../../src/errors.js';
import { fakeSocket, USERTRUST_PEM } from '../helpers/gate.js';

function sink() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => lines.push(line) } };
}

describe('built-in JSON-lines logger', () => {
  it('writes pino-shaped lines at warn and above by default', () => {
    const { lines, stream } = sink();
    const logger = createJsonLogger({ stream });
    logger.info({ a: 1 }, 'quiet');
    logger.warn({ code: 'CERT_MISSING' }, 'loud');
    logger.error({ code: 'INTERNAL_ERROR' }, 'louder');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 40, name: 'certgate', code: 'CERT_MISSING', msg: 'loud' });
    expect(lines[0]?.endsWith('\n')).toBe(true);
    const info = sink();
    createJsonLogger({ stream: info.stream, level: 'info' }).info({}, 'x');
    expect(info.lines).toHaveLength(1);
    const silent = sink();
    createJsonLogger({ stream: silent.stream, level: 'silent' }).error({}, 'x');
    expect(silent.lines).toHaveLength(0);
  });

  it('never throws on unserialisable objects or a broken stream', () => {
    const { lines, stream } = sink();
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    createJsonLogger({ stream }).warn(cyclic, 'still logged');
    expect(JSON.parse(lines[0] as string).msg).toBe('still logged');
    expect(() => createJsonLogger({ stream: { write: () => { throw new Error('EPIPE'); } } }).error({}, 'x')).not.toThrow();
  });

  it('safeText escapes controls and bidi overrides and bounds length', () => {
    expect(safeText('CN=evil\n{"level":50}')).toBe('CN=evil\\u000a{"level":50}');
    expect(safeText('a\u202eb')).toBe('a\\u202eb');
    expect(safeText('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}…`);
  });

  it('works with pino as the logger (methods keep their this)', () => {
    const lines: string[] = [];
    const destination = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const gate = new ClientCertGate({ trustAnchors: USERTRUST_PEM, logger: pino({ level: 'info' }, destination) });
    gate.evaluate({ socket: fakeSocket([]) });
    const line = JSON.parse(lines.find((l) => l.includes('certgate.rejected')) as string) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, code: 'CERT_MISSING', msg: 'client certificate rejected: CERT_MISSING' });
  });
});

describe('problem details', () => {
  it('maps codes to RFC 9457 objects; 5xx details are generic', () => {
    expect(problemFor(new ClientCertError('PIN_MISMATCH', 'valid but not pinned'))).toEqual({ type: 'urn:certgate:error:PIN_MISMATCH', title: 'Client certificate not pinned', status: 403, detail: 'valid but not pinned', code: 'PIN_MISMATCH' });
    const internal = problemFor(new ClientCertError('INTERNAL_ERROR', 'TypeError: x is undefined at /srv/app.js:1'));
    expect(internal.status).toBe(500);
    expect(internal.detail).not.toContain('/srv');
    const long = problemFor(new ClientCertError('CERT_MALFORMED', `bad\n${'y'.repeat(1000)}`)).detail;
    expect(long).toMatch(/^bad\\u000ay+…$/);
    expect(long.length).toBeLessThan(320);
  });

  it('cuts the connection instead of answering when the response has started', () => {
    let destroyed = false;
    const started: ProblemResponse = { statusCode: 200, headersSent: true, setHeader: () => undefined, end: () => { throw new Error('must not write'); }, destroy: () => { destroyed = true; } };
    sendProblem(started, new ClientCertError('CERT_MISSING', 'x'));
    expect(destroyed).toBe(true);
  });
});
