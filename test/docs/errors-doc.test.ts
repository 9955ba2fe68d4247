/**
 * docs/errors.md documents every code of ERROR_CODES with its HTTP status, and nothing else:
 * adding a code without documenting it (or changing its status) fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

const DOC = new URL('../../docs/errors.md', import.meta.url);

/** Table rows `| `CODE` | 401 | meaning | fix |` anywhere in the page. */
function documentedCodes(markdown: string): { code: string; status: number; meaning: string; fix: string }[] {
  const rows: { code: string; status: number; meaning: string; fix: string }[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
    const code = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0] ?? '')?.[1];
    if (code === undefined || !line.trim().startsWith('|')) continue;
    rows.push({ code, status: Number(cells[1]), meaning: cells[2] ?? '', fix: cells[3] ?? '' });
  }
  return rows;
}

describe('docs/errors.md', () => {
  const rows = documentedCodes(readFileSync(DOC, 'utf8'));

  it('documents every code of ERROR_CODES, and no other', () => {
    const documented = rows.map((r) => r.code).sort();
    const table = Object.keys(ERROR_CODES).sort();
    const missing = table.filter((c) => !documented.includes(c));
    const extra = documented.filter((c) => !table.includes(c));
    expect({ missing, extra }, 'docs/errors.md rows vs ERROR_CODES in src/errors.ts').toEqual({ missing: [], extra: [] });
  });

  it('documents each code once', () => {
    const seen = new Set<string>();
    const twice = rows.filter((r) => (seen.has(r.code) ? true : (seen.add(r.code), false))).map((r) => r.code);
    expect(twice).toEqual([]);
  });

  it('gives each code the HTTP status of the table', () => {
    const wrong = rows
      .filter((r) => Object.hasOwn(ERROR_CODES, r.code) && ERROR_CODES[r.code as keyof typeof ERROR_CODES].status !== r.status)
      .map((r) => `${r.code}: documented ${r.status}, table ${ERROR_CODES[r.code as keyof typeof ERROR_CODES].status}`);
    expect(wrong).toEqual([]);
  });

  it('says for each code what it means and how to fix it', () => {
    expect(rows.filter((r) => r.meaning.length < 20 || r.fix.length < 20).map((r) => r.code)).toEqual([]);
  });

  it('parses what it should (the parser is not vacuous)', () => {
    expect(documentedCodes('| `A_B` | 418 | a meaning long enough here | a fix that is long enough |\n| code | HTTP |')).toEqual([
      { code: 'A_B', status: 418, meaning: 'a meaning long enough here', fix: 'a fix that is long enough' },
    ]);
  });
});
