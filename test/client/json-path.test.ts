import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, parseJsonPath } from '../../src/client/json-path.js';

describe('parseJsonPath', () => {
  it('reads $, .name and [index], with or without the leading $', () => {
    expect(parseJsonPath('$')).toEqual([]);
    expect(parseJsonPath('$.data.items[0].id')).toEqual(['data', 'items', 0, 'id']);
    expect(parseJsonPath('data.items[12]')).toEqual(['data', 'items', 12]);
    expect(parseJsonPath('$[1][0]')).toEqual([1, 0]);
    expect(parseJsonPath('$.user-name.$ref')).toEqual(['user-name', '$ref']);
  });

  it('rejects everything else with the position', () => {
    expect(() => parseJsonPath('')).toThrow(/expected a JSON path/);
    expect(() => parseJsonPath('$.')).toThrow(/property name after "." at position 2/);
    expect(() => parseJsonPath('$..a')).toThrow(/property name after "."/);
    expect(() => parseJsonPath('$.a[*]')).toThrow(/only .name and \[index\] are supported/);
    expect(() => parseJsonPath('$.a[-1]')).toThrow(/non-negative integer/);
    expect(() => parseJsonPath("$['a']")).toThrow(/\[index\]/);
    expect(() => parseJsonPath('$.a[?(@.x==1)]')).toThrow(/\[index\]/);
    expect(() => parseJsonPath('$a')).toThrow(/expected "." or "\[" at position 1/);
    expect(() => parseJsonPath('[0]')).toThrow(/property name or \$/);
    expect(() => parseJsonPath(`$${'.a'.repeat(600)}`)).toThrow(/at most 1000/);
  });
});

describe('evaluateJsonPath', () => {
  const doc = { data: { items: [{ id: 7 }, { id: null }], empty: '' }, list: [1, 2] };

  it('follows names and indexes', () => {
    expect(evaluateJsonPath(doc, parseJsonPath('$.data.items[0].id'))).toEqual({ found: true, value: 7 });
    expect(evaluateJsonPath(doc, parseJsonPath('$.data.items[1].id'))).toEqual({ found: true, value: null });
    expect(evaluateJsonPath(doc, parseJsonPath('$.data.empty'))).toEqual({ found: true, value: '' });
    expect(evaluateJsonPath(doc, parseJsonPath('$'))).toEqual({ found: true, value: doc });
  });

  it('finds nothing where the JSON has nothing: out of range, wrong type, inherited properties', () => {
    expect(evaluateJsonPath(doc, parseJsonPath('$.data.items[2]'))).toEqual({ found: false });
    expect(evaluateJsonPath(doc, parseJsonPath('$.list.length'))).toEqual({ found: false });
    expect(evaluateJsonPath(doc, parseJsonPath('$.data[0]'))).toEqual({ found: false });
    expect(evaluateJsonPath(doc, parseJsonPath('$.__proto__'))).toEqual({ found: false });
    expect(evaluateJsonPath(doc, parseJsonPath('$.data.constructor'))).toEqual({ found: false });
    expect(evaluateJsonPath(doc, parseJsonPath('$.data.toString'))).toEqual({ found: false });
    expect(evaluateJsonPath('text', parseJsonPath('$.length'))).toEqual({ found: false });
    // A JSON document may really have a "__proto__" key (JSON.parse makes it an own property).
    expect(evaluateJsonPath(JSON.parse('{"__proto__": {"x": 1}}'), parseJsonPath('$.__proto__.x'))).toEqual({ found: true, value: 1 });
  });
});
