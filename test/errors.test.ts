import { describe, expect, it } from 'vitest';
import { ClientCertError, ERROR_CODES, isClientCertError } from '../src/errors.js';

describe('ClientCertError', () => {
  it('carries a stable code, its HTTP status, details and cause', () => {
    const cause = new Error('inner');
    const error = new ClientCertError('CERT_EXPIRED', 'expected notAfter >= now', { cause, details: { depth: 0 } });
    expect(error.code).toBe('CERT_EXPIRED');
    expect(error.status).toBe(401);
    expect(error.details).toEqual({ depth: 0 });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('ClientCertError');
    expect(error).toBeInstanceOf(Error);
  });

  it('maps authorization failures to 403 and authentication failures to 401', () => {
    expect(new ClientCertError('PIN_MISMATCH', 'x').status).toBe(403);
    expect(new ClientCertError('ROLE_MISSING', 'x').status).toBe(403);
    expect(new ClientCertError('CERT_MISSING', 'x').status).toBe(401);
  });

  it('every code is upper snake case and has a title', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/);
      expect(entry.title.length).toBeGreaterThan(5);
    }
  });

  it('isClientCertError recognises copies from another instance of the package but not look-alikes', () => {
    const foreign = Object.assign(new Error('x'), { name: 'ClientCertError', code: 'CERT_EXPIRED' });
    expect(isClientCertError(foreign)).toBe(true);
    expect(isClientCertError(Object.assign(new Error('x'), { name: 'ClientCertError', code: 'NOPE' }))).toBe(false);
    expect(isClientCertError({ name: 'ClientCertError', code: 'CERT_EXPIRED' })).toBe(false);
    expect(isClientCertError(new Error('x'))).toBe(false);
    expect(isClientCertError(null)).toBe(false);
  });
});
