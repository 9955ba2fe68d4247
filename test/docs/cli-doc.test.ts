/** docs/cli.md is what `npm run docs:cli` renders from the command registry: no drift. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../../src/cli/reference.js';
import { COMMANDS } from '../../src/cli/main.js';
import { EXIT } from '../../src/cli/command.js';

describe('docs/cli.md', () => {
  it('is up to date with the command registry (regenerate with `npm run docs:cli`)', async () => {
    const committed = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const rendered = await renderCliReference();
    expect(committed === rendered, 'docs/cli.md is stale: run `npm run docs:cli` and commit it').toBe(true);
  });

  it('has a section for every registered command and one exit-code table', async () => {
    const rendered = await renderCliReference();
    for (const name of Object.keys(COMMANDS)) expect(rendered).toContain(`## \`certgate ${name}\``);
    for (const code of Object.values(EXIT)) expect(rendered).toMatch(new RegExp(`^\\| ${code} \\| `, 'm'));
    expect(rendered.match(/^## Exit codes$/gm)).toHaveLength(1);
  });
});
