/**
 * `certgate scenario FILE.yaml|json`: runs a multi-step scenario (docs/scenarios.md) and prints
 * the summary table; exit 0 when every step passed, 1 when one failed, 2 for an invalid scenario.
 */
import path from 'node:path';
import { loadScenarioFile, runScenario } from '../../client/scenario.js';
import { formatScenarioSummary } from '../../client/summary.js';
import { parseCommandArgs } from '../args.js';
import { onePositional, SERVER_CALL_OPTIONS } from '../client-options.js';
import { EXIT, type CliIo, type Command } from '../command.js';
import { styleFor } from '../style.js';

const help = `Usage: certgate scenario FILE.yaml|FILE.json [options]

Runs a multi-step scenario like an Uptrends multi-step API monitor: a vault of named certificate
archives, steps that each present the Uptrends stand-in, a vault certificate or none, assertions,
and values captured into {{variables}} for later steps. The whole file is checked (schema,
vault items, variables, environment variables, archive passwords) before anything is sent.
The format is documented in docs/scenarios.md.

Options:
  --pki DIR        test PKI directory for clientCert: uptrends (default: $CERTGATE_PKI, else .certgate/pki)
  --ca FILE        CA certificate(s) for the server, replacing the scenario's "ca" (repeatable)
  --trust-pki-server  also trust the test PKI's server CA (like "trustPkiServer: true")
  -k, --insecure   do not verify the server's certificate (local experiments only)
  --continue       run the remaining steps after a failed one (default: stop, like a monitor)
  --json           print the whole result (every step, its assertions and response) as JSON

Exit codes:
  0  every step passed
  1  a step failed (assertion, capture, connection) - see the table's reason column
  2  the scenario is invalid or unreadable (nothing was sent): schema error, unknown vault item
     or variable, missing environment variable, wrong archive password

Examples:
  API_URL=https://127.0.0.1:8443 CUSTOMER_P12_PASSWORD=... \\
    certgate scenario examples/multi-step-scenario/scenario.yaml --pki .certgate/pki
  certgate scenario monitor.yaml --json | jq '.steps[] | select(.outcome != "passed")'
`;

const command: Command = {
  summary: 'run a multi-step scenario (vault certificates, assertions, captured variables)',
  help,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args: [...argv],
      allowPositionals: true,
      options: { ...SERVER_CALL_OPTIONS, continue: { type: 'boolean' } },
    });
    const { definition, baseDir } = await loadScenarioFile(path.resolve(io.cwd, onePositional(positionals, 'scenario file')));
    const result = await runScenario(definition, {
      env: io.env,
      cwd: io.cwd,
      baseDir,
      ...(values.pki === undefined ? {} : { pkiDir: values.pki }),
      ...(values.ca === undefined ? {} : { ca: values.ca.map((file) => path.resolve(io.cwd, file)) }),
      ...(values['trust-pki-server'] === true ? { trustPkiServer: true } : {}),
      ...(values.insecure === true ? { insecure: true } : {}),
      ...(values.continue === true ? { continueOnFailure: true } : {}),
    });
    io.stdout.write(values.json === true ? `${JSON.stringify(result, null, 2)}\n` : formatScenarioSummary(result, styleFor(io.stdout, io.env)));
    return result.ok ? EXIT.OK : EXIT.FAILED;
  },
};

export default command;
