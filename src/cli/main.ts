#!/usr/bin/env node
/**
 * certgate command-line entry. Commands are loaded lazily so that `certgate --help` and small
 * commands start fast; each lives in ./commands/<name>.ts and is registered once below.
 */
import process from 'node:process';
import { isClientCertError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { EXIT, UsageError, type CliIo, type Command } from './command.js';
import { styleFor, type Style } from './style.js';

/** The command registry: name to a lazy loader. docs/cli.md is generated from it (npm run docs:cli). */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  inspect: async () => (await import('./commands/inspect.js')).default,
  pins: async () => (await import('./commands/pins.js')).default,
  verify: async () => (await import('./commands/verify.js')).default,
  request: async () => (await import('./commands/request.js')).default,
  scenario: async () => (await import('./commands/scenario.js')).default,
  pki: async () => (await import('./commands/pki.js')).default,
  demo: async () => (await import('./commands/demo.js')).default,
  expiry: async () => (await import('./commands/expiry.js')).default,
  revocation: async () => (await import('./commands/revocation.js')).default,
};

/** Loads a registered command, or undefined for an unknown name. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return load === undefined ? undefined : load();
}

async function mainHelp(style: Style): Promise<string> {
  const names = Object.keys(COMMANDS).sort();
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines: string[] = [];
  for (const name of names) lines.push(`  ${style.bold(name)}${' '.repeat(width - name.length)}${(await loadCommand(name))?.summary ?? ''}`);
  return [
    'Usage: certgate <command> [options]',
    '       certgate help <command>',
    '',
    'Commands:',
    ...lines,
    '',
    'Options:',
    '  -h, --help     show this help (after a command: that command\'s help)',
    '  -v, --version  print the version',
    '',
    'Exit codes: 0 success, 1 negative verdict, 2 usage error, 3 no connection (see docs/cli.md).',
    'Colours only on a terminal; NO_COLOR=1 turns them off, FORCE_COLOR=1 on.',
    '',
    'Examples:',
    '  certgate inspect fixtures/reference/uptrends-2024.pem',
    '  certgate help verify',
    '',
  ].join('\n');
}

/** The usage synopsis at the top of a help text (up to the first blank line). */
function usageLines(help: string): string {
  const end = help.indexOf('\n\n');
  return withNewline(end === -1 ? help : help.slice(0, end));
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Runs the CLI with `argv` (without node and script) and resolves to an exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined) return runCli([rest[0], '--help'], io);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await mainHelp(styleFor(io.stdout, io.env)));
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return EXIT.OK;
  }
  const command = await loadCommand(name);
  if (command === undefined) {
    const what = name.startsWith('-') ? `unknown option "${name}"` : `unknown command "${name}"`;
    io.stderr.write(`certgate: ${what}${didYouMean(name, Object.keys(COMMANDS))}\n\n${await mainHelp(styleFor(io.stderr, io.env))}`);
    return EXIT.USAGE;
  }
  // Options end at "--": a "-h" after it is an argument, not a request for help.
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (options.includes('--help') || options.includes('-h')) {
    io.stdout.write(withNewline(command.help));
    return EXIT.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const style = styleFor(io.stderr, io.env);
      io.stderr.write(`${style.red(`certgate ${name}: ${error.message}`)}\n\n${usageLines(command.help)}\nRun \`certgate ${name} --help\` for the options and examples.\n`);
      return EXIT.USAGE;
    }
    if (isClientCertError(error)) {
      io.stderr.write(`certgate ${name}: ${error.code}: ${error.message}\n`);
      return EXIT.USAGE;
    }
    throw error;
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href;
if (isEntry) {
  // `certgate ... | head`: the reader went away; stop quietly, as Unix tools do, instead of an
  // unhandled EPIPE stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK);
      throw error;
    });
  }
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // An unexpected exception is a bug; print it without any certificate or key content.
      process.stderr.write(`certgate: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exitCode = EXIT.INTERNAL;
    },
  );
}
