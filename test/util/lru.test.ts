import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/util/lru.js';

describe('Lru', () => {
  it('evicts the least recently used entry beyond its bound', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('never returns an entry at or after its expiry', () => {
    const lru = new Lru<string, number>(4);
    lru.set('a', 1, 1000);
    expect(lru.get('a', 999)).toBe(1);
    expect(lru.get('a', 1000)).toBeUndefined();
    expect(lru.size).toBe(0);
  });

  it('rejects a non-positive bound', () => {
    expect(() => new Lru(0)).toThrow(TypeError);
    expect(() => new Lru(1.5)).toThrow(TypeError);
  });
});
