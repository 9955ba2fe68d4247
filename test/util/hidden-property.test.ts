import { describe, expect, it } from 'vitest';
import { defineHidden } from '../../src/util/hidden-property.js';

describe('defineHidden', () => {
  const key = Symbol('test');

  it('defines a non-enumerable, read-only property and says so', () => {
    const target: Record<PropertyKey, unknown> = { a: 1 };
    expect(defineHidden(target, key, 'v')).toBe(true);
    expect(target[key]).toBe('v');
    expect(Object.getOwnPropertyDescriptor(target, key)).toEqual({ value: 'v', writable: false, enumerable: false, configurable: false });
    expect(Object.getOwnPropertySymbols({ ...target })).toEqual([]);
    // Defined once: a second definition is refused, never a throw.
    expect(defineHidden(target, key, 'w')).toBe(false);
    expect(target[key]).toBe('v');
  });

  it('answers false for objects that take no property, without throwing', () => {
    const refusing = new Proxy(
      {},
      {
        defineProperty: () => {
          throw new Error('no');
        },
      },
    );
    for (const target of [Object.seal({}), Object.freeze({}), Object.preventExtensions({}), refusing]) {
      expect(defineHidden(target, key, 1)).toBe(false);
      expect(Object.getOwnPropertySymbols(target)).toEqual([]);
    }
  });
});
