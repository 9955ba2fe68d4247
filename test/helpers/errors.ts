import { expect } from 'vitest';
import { isClientCertError, type ClientCertErrorCode } from '../../src/errors.js';

/** Runs `fn`, asserts it throws a ClientCertError with `code`, returns the message. */
export function thrownCode(fn: () => unknown, code: ClientCertErrorCode = 'CONFIG_INVALID'): string {
  try {
    fn();
  } catch (error) {
    expect(isClientCertError(error) && error.code).toBe(code);
    return (error as Error).message;
  }
  throw new Error(`expected ${code}`);
}
