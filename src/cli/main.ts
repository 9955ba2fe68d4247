#!/usr/bin/env node
/**
 * certgate command-line entry. Commands are loaded lazily so that `certgate --help` and small
 * commands start fast; each lives in ./commands/<name>.ts and is registered once below.
 */
import process from 'node:process';
import { isClientCertError } from '../errors.js';
import { EXIT, UsageError, type CliIo, type Command } from './command.js';

const COMMANDS: Record<string, () => Promise<Command>> = {
  // Registered by the issues that add them, e.g.:
  inspect: async () => (await import('./commands/inspect.js')).default,
  pins: async () => (await import('./commands/pins.js')).default,
  verify: async () => (await import('./commands/verify.js')).default,
  request: async () => (await import('./commands/request.js')).default,
  scenario: async () => (await import('./commands/scenario.js')).default,
  pki: async () => (await import('./commands/pki.js')).default,
  demo: async () => (await import('./commands/demo.js')).default,
  expiry: async () => (await import('./commands/expiry.js')).default,
};

function mainHelp(): string {
  const names = Object.keys(COMMANDS).sort();
  return [
    'Usage: certgate <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n}`),
    '',
    'Run `certgate <command> --help` for a command\'s options and examples.',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and resolves to an exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    io.stdout.write(`${pkg.version}\n`);
    return EXIT.OK;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    io.stderr.write(`certgate: unknown command "${name}"\n\n${mainHelp()}`);
    return EXIT.USAGE;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return EXIT.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`certgate ${name}: ${error.message}\n\n${command.help}\n`);
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
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // An unexpected exception is a bug; print it without any certificate or key content.
      process.stderr.write(`certgate: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
