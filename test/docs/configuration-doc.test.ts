/**
 * docs/configuration.md documents exactly the option names the validators accept: each table is
 * compared with the constant its validator uses for unknown-key detection.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CACHE_OPTION_NAMES, GATE_OPTION_NAMES } from '../../src/core/options.js';
import { MTLS_OPTION_NAMES, MTLS_OWNED_SERVER_OPTIONS } from '../../src/core/server.js';
import { REQUIRE_ROLE_OPTION_NAMES } from '../../src/express/index.js';
import { HEADER_SOURCE_OPTION_NAMES } from '../../src/sources/header.js';
import { UPTRENDS_OPTION_NAMES, UPTRENDS_PRESET_OPTION_NAMES } from '../../src/uptrends/index.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

/** The `## heading` sections of the page: heading text to body. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const newline = part.indexOf('\n');
    out.set(part.slice(0, newline).trim(), part.slice(newline + 1));
  }
  return out;
}

/** Option names in the first column of the section's tables, with their type and default cells. */
function tableRows(body: string): { name: string; type: string; def: string; meaning: string }[] {
  const rows = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
    const name = /^`([\w.]+)`$/.exec(cells[0] ?? '')?.[1];
    if (name !== undefined) rows.push({ name, type: cells[1] ?? '', def: cells[2] ?? '', meaning: cells[3] ?? '' });
  }
  return rows;
}

function section(prefix: string): string {
  const found = [...sections(doc)].find(([heading]) => heading.startsWith(prefix));
  if (found === undefined) throw new Error(`docs/configuration.md has no "## ${prefix}..." section`);
  return found[1];
}

const sorted = (names: readonly string[]): string[] => [...names].sort();

describe('docs/configuration.md', () => {
  it('documents exactly the options of requireClientCert / the gate (GATE_OPTION_NAMES, CACHE_OPTION_NAMES)', () => {
    const names = tableRows(section('requireClientCert(')).map((r) => r.name);
    expect(sorted(names)).toEqual(sorted([...GATE_OPTION_NAMES, ...CACHE_OPTION_NAMES.map((n) => `cache.${n}`)]));
  });

  it('documents exactly the options of the Uptrends preset, and names every option it passes through', () => {
    const body = section('requireUptrendsClientCert(');
    expect(sorted(tableRows(body).map((r) => r.name))).toEqual(sorted(UPTRENDS_PRESET_OPTION_NAMES));
    const passes = /^Passes through[^:]*:([^]*?)\n\n/m.exec(body)?.[1] ?? '';
    const listed = [...passes.matchAll(/`(\w+)`/g)].map((m) => m[1] ?? '');
    const preset: readonly string[] = UPTRENDS_PRESET_OPTION_NAMES;
    expect(sorted(listed)).toEqual(sorted(UPTRENDS_OPTION_NAMES.filter((n) => !preset.includes(n))));
  });

  it('documents exactly the options of a proxy header source (HEADER_SOURCE_OPTION_NAMES)', () => {
    expect(sorted(tableRows(section('source: { header')).map((r) => r.name))).toEqual(sorted(HEADER_SOURCE_OPTION_NAMES));
  });

  it('documents exactly the options of requireRole', () => {
    expect(sorted(tableRows(section('requireRole(')).map((r) => r.name))).toEqual(sorted(REQUIRE_ROLE_OPTION_NAMES));
  });

  it('documents exactly the options of mtlsServerOptions, and the server options it owns', () => {
    const body = section('mtlsServerOptions(');
    expect(sorted(tableRows(body).map((r) => r.name))).toEqual(sorted(MTLS_OPTION_NAMES));
    for (const owned of MTLS_OWNED_SERVER_OPTIONS) expect(body).toContain(`\`${owned}\``);
  });

  it('gives every option a type, a default and a meaning', () => {
    const all = ['requireClientCert(', 'source: { header', 'requireUptrendsClientCert(', 'requireRole(', 'mtlsServerOptions('].flatMap((s) => tableRows(section(s)));
    expect(all.length).toBeGreaterThan(25);
    expect(all.filter((r) => r.type === '' || r.def === '' || r.meaning.length < 15).map((r) => r.name)).toEqual([]);
  });

  it('states the defaults the validator applies', async () => {
    const { compileOptions } = await import('../../src/core/options.js');
    const cert = readFileSync(new URL('../../fixtures/reference/usertrust-rsa-root.pem', import.meta.url), 'utf8');
    const compiled = compileOptions({ trustAnchors: cert, logger: false });
    const rows = new Map(tableRows(section('requireClientCert(')).map((r) => [r.name, r.def]));
    expect(rows.get('maxDepth')).toBe(`\`${compiled.maxDepth}\``);
    expect(rows.get('clockSkewSeconds')).toBe(`\`${compiled.clockSkewSeconds}\``);
    expect(rows.get('expiryWarningDays')).toBe(`\`${compiled.expiryWarningDays}\``);
    expect(rows.get('cache.chains')).toBe(`\`${compiled.chainCacheSize}\``);
    expect(rows.get('purpose')).toBe(`\`'${compiled.purpose}'\``);
    expect(rows.get('onError')).toBe(`\`'${compiled.onError}'\``);
    expect(rows.get('optional')).toBe(`\`${compiled.optional}\``);
    expect(rows.get('watch')).toBe(`\`${compiled.watch}\``);
  });
});
