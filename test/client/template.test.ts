import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, templateRefs } from '../../src/client/template.js';

describe('templates', () => {
  it('splits text, {{variables}} and {{env.NAMES}}, spaces allowed inside the braces', () => {
    const parts = parseTemplate('https://{{host}}/orders?key={{ env.API_KEY }}&x={{host}}');
    expect(templateRefs(parts)).toEqual([
      { kind: 'var', name: 'host' },
      { kind: 'env', name: 'API_KEY' },
      { kind: 'var', name: 'host' },
    ]);
    const rendered = renderTemplate(parts, (ref) => (ref.kind === 'env' ? 'k&1' : 'h'));
    expect(rendered).toBe('https://h/orders?key=k&1&x=h');
  });

  it('leaves text without references alone, including a lone "{{"', () => {
    expect(parseTemplate('plain')).toEqual(['plain']);
    expect(parseTemplate('a {{ b')).toEqual(['a {{ b']);
    expect(parseTemplate('')).toEqual([]);
  });

  it('values are inserted once: a value that looks like a reference is not expanded again', () => {
    expect(renderTemplate(parseTemplate('{{a}}'), () => '{{b}}')).toBe('{{b}}');
  });

  it('rejects malformed references', () => {
    expect(() => parseTemplate('{{}}')).toThrow(/expected \{\{name\}\} or \{\{env.NAME\}\}/);
    expect(() => parseTemplate('{{a b}}')).toThrow(/"\{\{a b\}\}"/);
    expect(() => parseTemplate('{{env.}}')).toThrow();
    expect(() => parseTemplate('{{1abc}}')).toThrow();
    expect(() => parseTemplate('{{a.b}}')).toThrow();
    expect(() => parseTemplate('{{constructor.name}}')).toThrow();
  });
});
