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

  it('keeps the order right when the most recent entry is read again, deleted or expired', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('b')).toBe(2); // already the most recent: no reordering needed
    expect(lru.get('b')).toBe(2);
    lru.set('c', 3); // evicts a, not b
    expect(lru.get('a')).toBeUndefined();
    expect(lru.get('b')).toBe(2);
    expect(lru.get('c')).toBe(3);
    lru.delete('c');
    lru.set('d', 4); // b, d
    expect(lru.get('b')).toBe(2); // d, b
    lru.set('e', 5); // evicts d
    expect(lru.get('d')).toBeUndefined();
    expect([...lru.values()]).toEqual([2, 5]);
    lru.set('f', 6, 100);
    expect(lru.get('f', 100)).toBeUndefined(); // the most recent, expired
    lru.set('g', 7); // e, g
    lru.set('h', 8); // evicts e
    expect([...lru.values()]).toEqual([7, 8]);
    lru.clear();
    expect(lru.get('h')).toBeUndefined();
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
