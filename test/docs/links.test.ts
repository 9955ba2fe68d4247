/**
 * Relative links in the README, docs/ and examples/ READMEs lead to files that exist, and their
 * #anchors to headings that exist (GitHub's slugs), so a renamed page or heading cannot leave a
 * dead link behind.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function markdownFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md'];
  for (const file of readdirSync(path.join(root, 'docs'))) if (file.endsWith('.md')) files.push(`docs/${file}`);
  for (const dir of readdirSync(path.join(root, 'examples'))) if (existsSync(path.join(root, 'examples', dir, 'README.md'))) files.push(`examples/${dir}/README.md`);
  return files.filter((f) => existsSync(path.join(root, f)));
}

/** GitHub's heading anchor: lowercase, punctuation other than - and _ dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[^]*?```/g, '');
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const match of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(match[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8').replace(/```[^]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('documentation links', () => {
  it('slugs headings like GitHub', () => {
    expect(slug('The published certificate has expired')).toBe('the-published-certificate-has-expired');
    expect(slug('`certgate request`')).toBe('certgate-request');
    expect(slug('requireRole(...roles, options)')).toBe('requireroleroles-options');
  });

  it.each(markdownFiles())('%s: every relative link resolves', (file) => {
    const dead: string[] = [];
    for (const target of links(file)) {
      const [pathPart = '', anchor] = target.split('#');
      const resolved = pathPart === '' ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(pathPart));
      if (!existsSync(resolved)) {
        dead.push(`${target} (no such file)`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) dead.push(`${target} (no such heading)`);
    }
    expect(dead).toEqual([]);
  });
});
