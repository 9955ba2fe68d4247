/** The CLI shell: help for every command, `help CMD`, unknown commands and options, exit codes. */
import { describe, expect, it } from 'vitest';
import { COMMANDS, loadCommand } from '../../src/cli/main.js';
import { cli } from './capture-cli.js';

const names = Object.keys(COMMANDS);
/** Commands whose output is for people only (none must parse it); every other one has --json. */
const NO_JSON_NEEDED = new Set(['demo']);

describe('certgate help', () => {
  it('lists every command with its summary', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const name of names) expect(run.stdout).toContain(`  ${name}  `);
    expect(run.stdout).toContain((await loadCommand('verify'))?.summary);
  });
  it('without arguments prints the help and exits 2', async () => {
    const run = await cli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Usage: certgate <command>');
  });
  it.each(names)('%s has a help text with Usage, Example and -h/--help/help CMD print it', async (name) => {
    const command = await loadCommand(name);
    expect(command?.help).toMatch(/Usage/);
    expect(command?.help).toMatch(/Examples?:\n {2}\S/);
    expect(command?.summary.length).toBeGreaterThan(10);
    const long = await cli([name, '--help']);
    const short = await cli([name, '-h']);
    const viaHelp = await cli(['help', name]);
    expect(long.code).toBe(0);
    expect(long.stdout.trimEnd()).toBe(command?.help.trimEnd());
    expect(short).toEqual(long);
    expect(viaHelp).toEqual(long);
  });
  it.each(names.filter((n) => !NO_JSON_NEEDED.has(n)))('%s offers --json', async (name) => {
    expect((await loadCommand(name))?.help).toContain('--json');
  });
  it('-h after "--" is an argument, not a help request', async () => {
    const run = await cli(['inspect', '--', '-h']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('certgate inspect: ');
  });
});

describe('usage errors (exit 2)', () => {
  it('an unknown command names the closest one', async () => {
    const run = await cli(['inspct', 'x.pem']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "inspct" (did you mean "inspect"?)');
  });
  it.each([
    [['inspect', '--jsn', 'x.pem'], '--jsn', '--json'],
    [['verify', '--cert', 'a.pem', '--ca', 'b.pem', '--untrustd', 'c.pem'], '--untrustd', '--untrusted'],
    [['request', 'https://127.0.0.1:1/', '--client-cert', 'none', '--timout', '5'], '--timout', '--timeout'],
    [['scenario', 'x.yaml', '--contineu'], '--contineu', '--continue'],
    [['pins', 'list', '--jason'], '--jason', '--json'],
    [['pki', 'init', '--serialseed', 'x'], '--serialseed', '--serial-seed'],
  ])('%j: %s suggests %s', async (argv, bad, suggestion) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`unknown option ${bad} (did you mean "${suggestion}"?)`);
    expect(run.stderr).toContain('Usage');
    expect(run.stderr).toContain('--help');
    expect(run.stdout).toBe('');
  });
  it('an option far from every known one gets no guess, but the list of options', async () => {
    const run = await cli(['inspect', '--zzzzzzzz', 'x.pem']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown option --zzzzzzzz; known options: --help, --json');
  });
  it('a positional where none is allowed', async () => {
    const run = await cli(['verify', 'leaf.pem']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unexpected argument "leaf.pem"');
  });
});

describe('certgate piped into a reader that goes away (`certgate ... | head`)', () => {
  it('exits quietly with the command exit code instead of an EPIPE stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close the read end before the CLI writes anything: every write then fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
