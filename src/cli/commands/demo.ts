/**
 * `certgate demo [--serve] [--dir DIR] [--json]`: the main job of `npm run demo` (docs/demo.md).
 * A test PKI valid now, the example API trusting it on an ephemeral loopback port, and the
 * companion client sending every certificate of the manifest; one table; exit 0 only when every
 * row is as expected. `--serve` keeps the API up and prints curl commands for each row.
 */
import path from 'node:path';
import process from 'node:process';
import { DEFAULT_DEMO_DIR, demoCurlCommands, expectedText, formatDemoSummary, formatDemoTable, runDemo, type DemoPkiInfo } from '../../harness/demo.js';
import { EXAMPLE_API_ROLES, EXAMPLE_API_ROUTES, ExampleApiDependencyError } from '../../harness/example-api.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, UsageError, type CliIo, type Command } from '../command.js';
import { styleFor } from '../style.js';

const help = `Usage: certgate demo [--serve] [--dir DIR] [--json] [--fresh] [--port N] [--url URL]

The demo of certgate, end to end, on this machine only (127.0.0.1):
  1. a TEST PKI shaped like the real Uptrends chain, valid now: an Uptrends stand-in, a customer
     CA with a custom client certificate, and a zoo of bad certificates, each labelled in
     manifest.json with the verdict certgate must give (reused from DIR/pki while every verdict
     still holds for at least a day; otherwise regenerated, keys reused);
  2. an example API (Express 5, helmet, pino) over mTLS on an ephemeral port:
       ${EXAMPLE_API_ROUTES.uptrends.padEnd(17)} requireUptrendsClientCert, trusting the TEST root, pinned to the stand-in
       ${EXAMPLE_API_ROUTES.customerOrders.padEnd(17)} requireClientCert (TEST Customer CA, identities file) + requireRole('${EXAMPLE_API_ROLES.orders}')
       ${EXAMPLE_API_ROUTES.customerAdmin.padEnd(17)} the same + requireRole('${EXAMPLE_API_ROLES.admin}'), a role nobody has
  3. the companion client running a scenario: the stand-in, the custom certificate (PKCS#12 from
     the vault), no certificate, and every zoo certificate, each on its route;
  4. one table (case, certificate, HTTP status, code, expected, ok).

Options:
  --serve     keep the API running after the table and print a curl command for every row;
              Ctrl-C stops it
  --dir DIR   the demo's directory (default ${DEFAULT_DEMO_DIR}): pki/, pins.json, identities.json,
              curl/ and server.log (the API's pino log)
  --json      print the result as JSON (rows, PKI, URL; with --serve also the curl commands)
  --fresh     regenerate the test PKI even if the cached one is still good
  --port N    with --serve: listen on this port instead of an ephemeral one
  --url URL   run the rows against an example API that is already running from the same DIR
              (e.g. another \`certgate demo --serve\`) instead of starting one

Exit codes:
  0  every row as expected
  1  some row not as expected (the rows are named under the table)
  2  bad arguments, or the demo could not start (e.g. the port is in use)

Examples:
  npm run demo                       # = (build if stale) && certgate demo
  npm run demo -- --serve            # keep the API up; try the printed curl commands
  certgate demo --json | jq '.rows[] | select(.ok | not)'
`;

function relative(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function pkiLine(cwd: string, pki: DemoPkiInfo): string {
  const what = pki.reused ? pki.reason : `${pki.reason} in ${(pki.ms / 1000).toFixed(1)} s`;
  return `TEST PKI ${relative(cwd, pki.dir)}: ${what}; reused until ${pki.reusableUntil.slice(0, 10)}`;
}

const command: Command = {
  summary: 'run the end-to-end demo: test PKI, example API over mTLS, every certificate of the zoo',
  help,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        serve: { type: 'boolean' },
        dir: { type: 'string' },
        json: { type: 'boolean' },
        fresh: { type: 'boolean' },
        port: { type: 'string' },
        url: { type: 'string' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
    const serve = values.serve === true;
    const json = values.json === true;
    let port: number | undefined;
    if (values.port !== undefined) {
      if (!serve) throw new UsageError('--port applies to --serve');
      if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65_535) throw new UsageError(`--port: expected a port number from 0 to 65535, found "${values.port}"`);
      port = Number(values.port);
    }
    if (values.url !== undefined) {
      if (serve) throw new UsageError('--url runs the rows against a server that is already running; it cannot be combined with --serve');
      let url: URL;
      try {
        url = new URL(values.url);
      } catch {
        throw new UsageError(`--url: "${values.url}" is not a URL; expected e.g. https://127.0.0.1:8443`);
      }
      if (url.protocol !== 'https:') throw new UsageError(`--url: expected an https URL (the example API speaks mTLS), found "${values.url}"`);
    }
    const dir = path.resolve(io.cwd, values.dir ?? DEFAULT_DEMO_DIR);
    const out = (text: string): void => {
      if (!json) io.stdout.write(text);
    };

    let result: Awaited<ReturnType<typeof runDemo>>;
    try {
      result = await runDemo({
        dir,
        env: io.env,
        ...(values.fresh === true ? { fresh: true } : {}),
        ...(values.url === undefined ? {} : { url: values.url }),
        ...(serve ? { keepServer: true } : {}),
        ...(port === undefined ? {} : { port }),
        onReady: ({ pki, url, logFile }) => {
          out(`${pkiLine(io.cwd, pki)}\n`);
          out(
            values.url === undefined
              ? `example API (Express 5 + helmet + pino) on ${url}${logFile === undefined ? '' : `; log ${relative(io.cwd, logFile)}`}\n\n`
              : `running the rows against ${url}\n\n`,
          );
        },
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        io.stderr.write(`certgate demo: cannot listen on port ${port ?? 0}: ${(error as Error).message}\n`);
        return EXIT.USAGE;
      }
      if (error instanceof ExampleApiDependencyError) {
        io.stderr.write(`certgate demo: ${error.message}\n`);
        return EXIT.USAGE;
      }
      throw error;
    }
    const { api, testPki, ...plain } = result;
    const exit = result.ok ? EXIT.OK : EXIT.FAILED;

    if (!serve || api === undefined) {
      if (json) io.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
      else io.stdout.write(`${formatDemoTable(result.rows, styleFor(io.stdout, io.env))}\n${formatDemoSummary(result)}`);
      return exit;
    }

    const commands = await demoCurlCommands(testPki, result.rows.map((r) => r.case), api.url, dir);
    if (json) {
      io.stdout.write(`${JSON.stringify({ ...plain, curl: commands.map((c) => ({ case: c.case.name, expected: expectedText(c.case), command: c.command })) }, null, 2)}\n`);
    } else {
      io.stdout.write(`${formatDemoTable(result.rows, styleFor(io.stdout, io.env))}\n${formatDemoSummary(result)}\n`);
      io.stdout.write(`The example API keeps running on ${api.url}. Reproduce each row with curl (each prints the answer and its HTTP status):\n\n`);
      for (const { case: c, command: line } of commands) io.stdout.write(`# ${c.name}: expect ${expectedText(c)}\n${line}\n\n`);
      io.stdout.write(`Serving on ${api.url}; press Ctrl-C to stop.\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await api.close();
    if (!json) io.stdout.write('\nstopped the example API\n');
    return exit;
  },
};

export default command;
