import { describe, expect, it } from 'vitest';
import { prototypeMemo } from '../../src/util/prototype-memo.js';

describe('prototypeMemo', () => {
  it('computes once per prototype and keeps the answer out of sight (non-enumerable symbol)', () => {
    const seen: object[] = [];
    const memo = prototypeMemo('test.once', (proto) => {
      seen.push(proto);
      return Object.prototype.hasOwnProperty.call(proto, 'yes');
    });
    const a = { yes: 1 };
    const b = {};
    expect([memo(a), memo(b), memo(a), memo(b)]).toEqual([true, false, true, false]);
    expect(seen).toEqual([a, b]);
    expect(Object.keys(a)).toEqual(['yes']);
    expect(JSON.stringify(a)).toBe('{"yes":1}');
  });

  it('does not take the answer a prototype inherits from the one it was computed for', () => {
    const memo = prototypeMemo('test.inherit', (proto) => !Object.prototype.hasOwnProperty.call(proto, 'shadow'));
    const base = {};
    expect(memo(base)).toBe(true);
    const derived = Object.create(base, { shadow: { value: 1 } }) as object;
    expect(memo(derived)).toBe(false);
    expect(memo(base)).toBe(true);
  });

  it('remembers the answer for a prototype that takes no property (frozen)', () => {
    let calls = 0;
    const memo = prototypeMemo('test.frozen', () => {
      calls += 1;
      return true;
    });
    const frozen = Object.freeze({});
    expect(memo(frozen)).toBe(true);
    expect(memo(frozen)).toBe(true);
    expect(calls).toBe(1);
  });

  it('two memos keep their own answers on one prototype', () => {
    const one = prototypeMemo('test.same', () => true);
    const two = prototypeMemo('test.same', () => false);
    const proto = {};
    expect([one(proto), two(proto), one(proto), two(proto)]).toEqual([true, false, true, false]);
  });
});
