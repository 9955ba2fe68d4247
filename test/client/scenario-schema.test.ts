import { describe, expect, it } from 'vitest';
import { compileScenario } from '../../src/client/scenario-schema.js';
import { thrownCode } from '../helpers/errors.js';

describe('compileScenario with values that are not what the schema expects', () => {
  // Found by test/fuzz/scenario.test.ts: String() of an object without a prototype threw a TypeError.
  it('an object without a prototype as timeoutMs is CONFIG_INVALID, described as an object', () => {
    const timeoutMs = Object.create(null) as object;
    const message = thrownCode(() => compileScenario({ steps: [{ request: { url: 'https://127.0.0.1/' }, timeoutMs }] }, {}));
    expect(message).toMatch(/found an object/);
  });

  it('lists and objects are named, not printed as [object Object]', () => {
    expect(thrownCode(() => compileScenario({ timeoutMs: { a: 1 }, steps: [] }, {}))).not.toMatch(/object Object/);
    expect(thrownCode(() => compileScenario({ steps: [{ request: { url: 'x', method: ['GET'] } }] }, {}))).not.toMatch(/object Object/);
  });
});
