// Writes docs/cli.md from the command registry (run through `npm run docs:cli`, which builds first).
import { writeFileSync } from 'node:fs';
import { renderCliReference } from '../dist/cli/reference.js';

const target = new URL('../docs/cli.md', import.meta.url);
writeFileSync(target, await renderCliReference());
console.log('wrote docs/cli.md');
