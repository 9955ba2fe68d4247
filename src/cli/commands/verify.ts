/**
 * `certgate verify`: validate a client certificate's chain to the given trust anchors, the way
 * the middleware will (same validator, same defaults), and print the path or the reason.
 */
import { resolve } from 'node:path';
import type { Certificate } from '../../cert/certificate.js';
import { readCertificatesFile } from '../../cert/parse.js';
import type { CertificateModel } from '../../cert/types.js';
import { ClientCertError, isClientCertError } from '../../errors.js';
import { createVerifier, DEFAULT_MAX_DEPTH, type Purpose } from '../../verify/chain.js';
import { isoSeconds, parseAt, parseCommandArgs } from '../args.js';
import { EXIT, UsageError, type CliIo, type Command } from '../command.js';
import { styleFor } from '../style.js';

const help = `Usage: certgate verify --cert LEAF [--untrusted FILE]... --ca FILE [--ca FILE]...
                       [--at ISO8601] [--purpose client|server|any] [--max-depth N]
                       [--clock-skew SECONDS] [--json]

Builds and validates the path from the certificate in LEAF to one of the trust anchors (RFC 5280:
signatures, validity, basic constraints, key usage, extended key usage, name constraints, key and
algorithm strength, unknown critical extensions), exactly as the certgate middleware does.

Options:
  --cert LEAF        the certificate to verify (PEM, DER or base64; further certificates in
                     the file are used as untrusted intermediates)
  --untrusted FILE   intermediates the client would present (repeatable; bundles allowed)
  --ca FILE          trust anchors (repeatable; bundles allowed)
  --at ISO8601       validation time with a zone, e.g. 2025-01-01T00:00:00Z (default: now)
  --purpose P        client (default: EKU clientAuth), server (serverAuth) or any
  --max-depth N      intermediates allowed between leaf and anchor (default ${DEFAULT_MAX_DEPTH})
  --clock-skew S     seconds of clock tolerance at both ends of every validity period (default 0)
  --json             print the verdict as JSON
  -h, --help         show this help

Exit status: 0 valid (the path is printed, subject and SHA-256 per certificate); 1 invalid (the
error code and message are printed); 2 usage error or unreadable input.

Examples:
  certgate verify --cert client.pem --untrusted intermediate.pem --ca root.pem
  certgate verify --cert fixtures/reference/uptrends-2024.pem \\
    --untrusted fixtures/reference/sectigo-rsa-client-auth-ca.pem \\
    --ca fixtures/reference/usertrust-rsa-root.pem --at 2025-01-01T00:00:00Z
`;

function parseInteger(flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) throw new UsageError(`${flag} expects an integer from 0 to ${max}, got "${text}"`);
  return Number(text);
}


function colons(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1:');
}

async function readFiles(io: CliIo, flag: string, paths: readonly string[]): Promise<Certificate[]> {
  const out: Certificate[] = [];
  for (const path of paths) {
    const absolute = resolve(io.cwd, path);
    try {
      out.push(...(await readCertificatesFile(absolute)));
    } catch (error) {
      if (isClientCertError(error)) throw new ClientCertError(error.code, `${flag} ${error.message.replaceAll(absolute, path)}`, { cause: error });
      throw error;
    }
  }
  return out;
}

function linkJson(cert: CertificateModel): Record<string, string> {
  return { subject: cert.subject.toString(), issuer: cert.issuer.toString(), serial: cert.serialNumber, notAfter: isoSeconds(cert.notAfter), sha256: cert.sha256 };
}

const verify: Command = {
  summary: 'validate a certificate chain to trust anchors (exit 0 valid, 1 invalid)',
  help,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs({
      args: [...argv],
      options: {
        cert: { type: 'string' },
        untrusted: { type: 'string', multiple: true, default: [] },
        ca: { type: 'string', multiple: true, default: [] },
        at: { type: 'string' },
        purpose: { type: 'string', default: 'client' },
        'max-depth': { type: 'string' },
        'clock-skew': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: false,
    });
    if (values.cert === undefined) throw new UsageError('--cert LEAF is required');
    if (values.ca.length === 0) throw new UsageError('at least one --ca FILE (trust anchor) is required');
    const purpose = values.purpose;
    if (purpose !== 'client' && purpose !== 'server' && purpose !== 'any') throw new UsageError(`--purpose expects client, server or any; got "${purpose}"`);
    const at = parseAt(values.at);
    const maxDepth = parseInteger('--max-depth', values['max-depth'], DEFAULT_MAX_DEPTH, 255);
    const clockSkewSeconds = parseInteger('--clock-skew', values['clock-skew'], 0, 86_400);

    const [leaf, ...alsoPresented] = await readFiles(io, '--cert', [values.cert]);
    const untrusted = await readFiles(io, '--untrusted', values.untrusted);
    const anchors = await readFiles(io, '--ca', values.ca);
    const verifier = createVerifier({ trustAnchors: anchors, purpose: purpose as Purpose, maxDepth, clockSkewSeconds });
    const result = verifier.verify(leaf as Certificate, [...alsoPresented, ...untrusted], at);

    if (values.json) {
      const body = result.valid
        ? { valid: true, at: isoSeconds(at), purpose, chain: result.chain.map(linkJson) }
        : { valid: false, at: isoSeconds(at), purpose, code: result.code, message: result.message, depth: result.error.details?.depth, certSha256: result.error.details?.certSha256 };
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return result.valid ? EXIT.OK : EXIT.FAILED;
    }
    const what = purpose === 'any' ? 'any purpose' : `TLS ${purpose} authentication`;
    const style = styleFor(io.stdout, io.env);
    if (!result.valid) {
      io.stdout.write(`${style.red('INVALID')} at ${isoSeconds(at)} for ${what}\n${style.bold(result.code)}: ${result.message}\n`);
      return EXIT.FAILED;
    }
    const lines = [`${style.green('VALID')} at ${isoSeconds(at)} for ${what}`];
    result.chain.forEach((cert, i) => {
      const role = i === 0 ? 'leaf' : i === result.chain.length - 1 ? 'anchor' : 'intermediate';
      lines.push(`  ${i} ${role.padEnd(12)} ${cert.subject.toString() || '(empty subject)'}`);
      lines.push(`    ${' '.repeat(12)} SHA-256 ${colons(cert.sha256)}`);
    });
    io.stdout.write(`${lines.join('\n')}\n`);
    return EXIT.OK;
  },
};

export default verify;
